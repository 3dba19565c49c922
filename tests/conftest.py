"""Fixtures: a real database (SQLite by default, PostgreSQL when PORTAL_TEST_DATABASE_URL is
set), real rate-limit storage (memory, or Redis when PORTAL_TEST_REDIS_URL is set), and a
clock the tests can move.

Each test starts from empty tables. On SQLite every test gets its own database file, copied
from one migrated by Alembic; on PostgreSQL the schema is migrated once and the tables are
emptied after each test. Tests drive real transactions (BEGIN IMMEDIATE, concurrent writers),
so they cannot all share one rolled-back outer transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from portal import create_app, db, migrate
from portal.config import Config
from portal.db import Base
from portal.figures import figurerefresh, transparency
from portal.models import Complaint
from portal.security import crypto, keys, sealing
from portal.security.ratelimits import limiter
from portal.site import Site

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
START = dt.datetime(2026, 11, 2, 10, 30)


@dataclass
class FakeClock:
    moment: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "portal.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> str:
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(PG_URL)
    return PG_URL


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if PG_URL:
        url = request.getfixturevalue("postgres_schema")
        yield url
        engine = create_engine(url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return
    template = request.getfixturevalue("migrated_sqlite")
    path = tmp_path / "instance" / "portal.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return Config.from_env(
        {"PORTAL_ENV": "test", "PORTAL_ARGON2_PROFILE": "test"},
        instance_path=tmp_path / "instance",
        secret_key="test-secret-key-" + "x" * 32,
        claim_pepper="test-pepper-" + "y" * 32,
        database_url=database_url,
        ratelimit_storage=REDIS_URL or "memory://",
    )


@pytest.fixture
def site() -> Site:
    return Site(program_name="Test LEAD", quick_exit_url="https://weather.example/")


RECOVERY_KEY = "tests.recovery_key"


def give_board_key(application: Flask, moment: dt.datetime) -> str:
    """Set up the board's key as a site's first admin would, keeping its printed recovery key
    where tests can use it to grant the key to members and to read stored text."""
    with application.app_context():
        session = db.session()
        _version, _private, recovery = keys.create_board_key(session, moment)
        session.commit()
    application.extensions[RECOVERY_KEY] = crypto.printable(recovery)
    return application.extensions[RECOVERY_KEY]


def board_keyring(application: Flask) -> keys.Keyring:
    with application.app_context():
        return keys.recover(db.session(), application.extensions[RECOVERY_KEY])


def case_text(application: Flask, complaint: Complaint) -> sealing.CaseText:
    """What the board would read: the complaint's text, decrypted with the board key."""
    data_key = sealing.key_for_board(complaint, board_keyring(application))
    return sealing.read_or_blank(complaint, data_key)


@pytest.fixture
def app(config: Config, site: Site, clock: FakeClock) -> Iterator[Flask]:
    application = create_app(config, site=site, now=clock)
    give_board_key(application, clock.moment)
    yield application
    # A background count of the figures still running must not outlive the database.
    figurerefresh.stop(application.extensions.get(transparency.CACHE_KEY, {}))
    with application.app_context():
        limiter.reset()
    application.extensions["portal.db"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- helpers for reading pages ---------------------------------------------------------

_HIDDEN = r'name="{name}" type="hidden" value="([^"]*)"'
_CODE = re.compile(r'class="code" aria-label="([0-9A-Z ]{24})"')


def hidden_value(html: str, name: str) -> str:
    match = re.search(_HIDDEN.format(name=name), html)
    assert match, f"no hidden field {name!r} on the page"
    return match.group(1)


def code_on_page(html: str) -> str:
    """The claim code shown on a filing receipt, as dashed groups."""
    match = _CODE.search(html)
    assert match, "no claim code on the page"
    return match.group(1).replace(" ", "-")


def code_shown(html: str, code: str) -> bool:
    """Whether any secret part of `code` appears anywhere in the page, however spaced."""
    squeezed = re.sub(r"[^0-9A-Z]", "", html)
    secret_groups = code.split("-")[1:]
    return any(group in html for group in secret_groups) or "".join(secret_groups) in squeezed


@dataclass
class Participant:
    """What a person does with the participant pages, through the real forms (CSRF included)."""

    client: FlaskClient
    form: dict[str, str] = field(default_factory=dict)

    def open_form(self) -> dict[str, str]:
        page = self.client.get("/file").get_data(as_text=True)
        return {
            "csrf_token": hidden_value(page, "csrf_token"),
            "form_token": hidden_value(page, "form_token"),
        }

    def file(
        self, narrative: str = "An officer took my phone and would not give it back.", **fields: str
    ):
        self.form = {**self.open_form(), "narrative": narrative, **fields}
        return self.client.post("/file", data=self.form)

    def resend(self):
        return self.client.post("/file", data=self.form)

    def file_and_get_code(self, **fields: str) -> str:
        response = self.file(**fields)
        assert response.status_code == 200, response.get_data(as_text=True)
        return code_on_page(response.get_data(as_text=True))

    def check(self, code: str, **environ: str):
        page = self.client.get("/check").get_data(as_text=True)
        return self.client.post(
            "/check",
            data={"csrf_token": hidden_value(page, "csrf_token"), "code": code},
            environ_base=environ,
        )


@pytest.fixture
def participant(client: FlaskClient) -> Participant:
    return Participant(client)


@pytest.fixture
def board(app: Flask, clock: FakeClock):
    from tests.board import Board

    return Board(app, clock)
