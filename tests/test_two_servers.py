"""Two app servers serve one site (docs/deploy.md, "Two app servers behind one nginx").

Two gunicorn servers, each with an instance folder of its own, on the test database and Redis,
behind Debian's nginx running the shipped site with the shipped round-robin upstream
(deploy/nginx-two-servers.conf). Every request a person or a board member makes goes to the
other server than their last one, and nginx's test-only log of which server answered shows it.
Runs when PORTAL_TEST_DATABASE_URL is PostgreSQL and PORTAL_TEST_REDIS_URL is set (`.ci/run`),
and nginx is installed; skips with the reason otherwise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import create_engine, func, select, text

from portal import create_app, db
from portal.board.accounts import Role
from portal.config import Config
from portal.db import Base
from portal.models import Complaint, FigureRelease
from portal.security import claimcodes
from portal.security.ratelimits import limiter
from portal.site import Site
from tests.board import Board, Member
from tests.builders import fill, photo
from tests.conftest import (
    PG_URL,
    REDIS_URL,
    FakeClock,
    code_on_page,
    give_board_key,
    hidden_value,
)
from tests.loopback import LISTEN, ROOT, portal_environ, portal_server
from tests.test_nginx import NGINX, free_port
from tests.twoservers import Front, Reply, Visitor, nginx_check, nginx_in_front

WORDS = "The officer at the bus stop took my phone and kept it."
SITE_TOML = 'program_name = "Test LEAD"\nquick_exit_url = "https://weather.example/"\n'
# The year `tests.builders.fill` writes: 2025Q4 to 2026Q3, each quarter the same.
QUARTERS = {"2025Q4", "2026Q1", "2026Q2", "2026Q3"}
YEAR = (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


def missing() -> str | None:
    if not PG_URL.startswith("postgresql"):
        return "needs PostgreSQL: set PORTAL_TEST_DATABASE_URL (.ci/run does)"
    if not REDIS_URL:
        return "needs Redis: set PORTAL_TEST_REDIS_URL (.ci/run does)"
    if NGINX is None:
        return "needs nginx (apt-get install nginx; .ci/run installs it)"
    return None


@dataclass
class TwoServers:
    app: Flask  # in this process, on the same database, for reading it as the test's truth
    front: Front
    member: Member
    environ: dict[str, str]  # server a's, for a `flask --app wsgi` command


@pytest.fixture(scope="module")
def two_servers(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[TwoServers]:
    """One pair of servers for this module's tests (starting them takes most of a minute);
    the tables are emptied afterwards, as `tests.conftest.database_url` does."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("two-servers")
    url = request.getfixturevalue("postgres_schema")
    clock = FakeClock()
    config = Config.from_env(
        {"PORTAL_ENV": "test", "PORTAL_ARGON2_PROFILE": "test"},
        instance_path=folder / "test-instance",
        secret_key=secrets.token_urlsafe(48),
        claim_pepper=secrets.token_urlsafe(48),
        database_url=url,
        ratelimit_storage=REDIS_URL,
    )
    app = create_app(config, site=Site(program_name="Test LEAD"), now=clock)
    try:
        give_board_key(app, clock.moment)
        fill(app)  # a year of complaints, before any server starts and counts its figures
        member = Board(app, clock).member(Role.REVIEWER, "rivera")
        with app.app_context():
            limiter.reset()
        with serving(folder, config) as (front, environ):
            yield TwoServers(app, front, member, environ)
    finally:
        with app.app_context():
            limiter.reset()
        app.extensions["portal.db"].engine.dispose()
        engine = create_engine(url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()


@contextlib.contextmanager
def serving(folder: Path, config: Config) -> Iterator[tuple[Front, dict[str, str]]]:
    """Two gunicorn servers and nginx in front: the same settings and secrets on both, only
    the instance folder differs."""
    settings = {
        "PORTAL_DATABASE_URL": config.database_url,
        "PORTAL_SECRET_KEY": config.secret_key,
        "PORTAL_CLAIM_PEPPER": config.claim_pepper.decode(),
        "PORTAL_RATELIMIT_SECRET": secrets.token_urlsafe(48),
        "PORTAL_PROXY_HOPS": "1",
        "PORTAL_BASE_URL": "https://portal.example.org",
    }
    folders = [folder / "a", folder / "b"]
    for server in folders:
        (server / "instance").mkdir(parents=True)
        (server / "instance" / "site.toml").write_text(SITE_TOML)
    ports = [free_port(), free_port()]
    # db-upgrade once, from server a only; server b starts on the database as it is.
    with (
        portal_server("gunicorn", folders[0], ports[0], settings),
        portal_server("gunicorn", folders[1], ports[1], settings, upgrade=False),
        nginx_in_front(folder / "nginx", [f"{LISTEN}:{p}" for p in ports]) as front,
    ):
        yield front, portal_environ(folders[0], settings)


def form_fields(page: Reply, *names: str) -> dict[str, str]:
    return {name: hidden_value(page.page, name) for name in names}


def away_from(reply: Reply, visitor: Visitor, path: str) -> None:
    """Make the visitor's next form (a GET, then its POST) reach the other server than
    `reply` did, by a reload of `path` first when round-robin would bring it back there."""
    if visitor.servers[-1] == reply.server:
        visitor.request("GET", path)


def test_the_shipped_upstream_loads_with_the_shipped_site(tmp_path: Path) -> None:
    if NGINX is None:
        pytest.skip("needs nginx (apt-get install nginx) to test deploy/nginx-two-servers.conf")
    done = nginx_check(tmp_path, ["127.0.0.1:9", "127.0.0.1:10"])
    assert done.returncode == 0, done.stderr
    site = (tmp_path / "site.conf").read_text()
    assert "proxy_pass http://lead_portal;" in site
    assert "proxy_pass http://lead_portal/too-large;" in site
    assert "proxy_pass http://lead_portal/unavailable;" in site
    directives = re.sub(r"#.*", "", site)
    assert "non_idempotent" not in directives  # a POST is never sent to a second server


def test_a_person_and_the_board_use_both_servers_as_one_site(two_servers: TwoServers) -> None:
    front, app = two_servers.front, two_servers.app

    # A person files with a photo through one server...
    person = Visitor(front)
    form = person.request("GET", "/file")
    assert form.status == HTTPStatus.OK, form.page[:300]
    fields = {**form_fields(form, "csrf_token", "form_token"), "narrative": WORDS}
    filed = person.request("POST", "/file", fields, photo=photo("JPEG"))
    assert filed.status == HTTPStatus.OK, filed.page[:500]
    code = code_on_page(filed.page)
    locator = code[:4]
    # ...and checks with the claim code through the other.
    away_from(filed, person, "/")
    check = person.request("GET", "/check")
    checked = person.request("POST", "/check", {**form_fields(check, "csrf_token"), "code": code})
    assert checked.status == HTTPStatus.SEE_OTHER, checked.page[:300]
    assert checked.server != filed.server
    case = person.request("GET", "/case")
    assert case.status == HTTPStatus.OK
    assert WORDS in case.page

    # A reviewer signs in (password, then the authenticator's code) across both servers...
    reviewer = Visitor(front)
    page = reviewer.request("GET", "/review/sign-in")
    password = reviewer.request(
        "POST",
        "/review/sign-in",
        {
            **form_fields(page, "csrf_token"),
            "username": two_servers.member.username,
            "password": two_servers.member.password,
        },
    )
    assert password.status == HTTPStatus.SEE_OTHER, password.page[:300]
    assert password.header("Location").endswith("/review/sign-in/code")
    away_from(password, reviewer, "/review/sign-in/code")
    page = reviewer.request("GET", "/review/sign-in/code")
    totp = pyotp.TOTP(two_servers.member.secret).now()
    signed_in = reviewer.request(
        "POST", "/review/sign-in/code", {**form_fields(page, "csrf_token"), "code": totp}
    )
    assert signed_in.status == HTTPStatus.SEE_OTHER, signed_in.page[:300]
    assert signed_in.server != password.server
    case_path = f"/review/cases/{locator}"
    case_page = reviewer.request("GET", case_path)
    assert case_page.status == HTTPStatus.OK, case_page.page[:300]
    assert WORDS in case_page.page  # decrypted with the key the other server's sign-in opened
    # ...and opens the photo through each server, whichever stored it.
    link = re.search(r'href="([^"]*/files/\d+)"', case_page.page)
    assert link, "the case page lists the photo"
    opened = [reviewer.request("GET", link.group(1)) for _ in range(2)]
    assert {reply.server for reply in opened} == set(front.backends)

    # Messages and decides, each form drawn on one server and sent through the other.
    for action, data in (
        ("message", {"body": "Can you tell us what time it was?"}),
        ("status", {"target": "in_review", "reason": "We are reading it now."}),
        (
            "decide",
            {
                "disposition": "substantiated",
                "letter": "We believe you. We asked the police to return your phone.",
                "confirm": "y",
            },
        ),
    ):
        page = reviewer.request("GET", case_path)
        done = reviewer.request(
            "POST", f"{case_path}/{action}", {**form_fields(page, "csrf_token"), **data}
        )
        assert done.status == HTTPStatus.SEE_OTHER, (action, done.page[:300])
        assert done.server != page.server

    # The person sees both, whichever server answers.
    for _ in range(2):
        case = person.request("GET", "/case")
        assert "Can you tell us what time it was?" in case.page
        assert "We asked the police to return your phone." in case.page

    # Every request of each went to the other server than their last one, and nginx's log
    # shows the two servers took turns all along (health checks filling in between).
    for visitor in (person, reviewer):
        assert all(a != b for a, b in zip(visitor.servers, visitor.servers[1:], strict=False))
    served = front.served()
    assert all(a != b for a, b in zip(served, served[1:], strict=False))
    assert set(served) == set(front.backends)

    with app.app_context():
        filed_today = select(func.count()).where(Complaint.created_on > YEAR[1])
        assert db.session().scalar(filed_today) == 1  # stored once

    for reply in opened:  # the photo, through the server that stored it and the other
        assert reply.status == HTTPStatus.OK, f"the photo did not open on {reply.server}"
        assert Image.open(io.BytesIO(reply.body)).size == (64, 48)

    # One audit chain, written by both servers in turn, still verifies.
    verified = subprocess.run(  # noqa: S603 (this interpreter's flask, fixed arguments)
        [sys.executable, "-m", "flask", "--app", "wsgi", "audit-verify"],
        cwd=ROOT,
        env=two_servers.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_11th_wrong_code_is_refused_whichever_server_answers(
    two_servers: TwoServers,
) -> None:
    guesser = Visitor(two_servers.front, source="127.0.0.2")  # an address of its own
    token = form_fields(guesser.request("GET", "/check"), "csrf_token")
    answers = [
        guesser.request("POST", "/check", {**token, "code": claimcodes.new_code().display})
        for _ in range(12)
    ]
    # Ten wrong codes, five on each server, are answered; the 11th and 12th are refused,
    # one by each server: both count in the one Redis, under one rate-limit secret.
    assert [a.status for a in answers[:10]] == [HTTPStatus.OK] * 10
    assert Counter(a.server for a in answers[:10]) == dict.fromkeys(two_servers.front.backends, 5)
    assert [a.status for a in answers[10:]] == [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert {a.server for a in answers[10:]} == set(two_servers.front.backends)


def test_the_public_figures_are_counted_once_between_both_servers(
    two_servers: TwoServers,
) -> None:
    app = two_servers.app
    reader = Visitor(two_servers.front)
    pages = [reader.request("GET", "/figures") for _ in range(2)]
    files = [reader.request("GET", "/figures/2026Q3.json") for _ in range(2)]
    with app.app_context():
        session = db.session()
        police = session.scalar(
            select(func.count()).where(
                Complaint.kind == "police", Complaint.created_on.between(*YEAR)
            )
        )
        in_q3 = session.scalar(
            select(func.count()).where(
                Complaint.kind == "police",
                Complaint.created_on.between(dt.date(2026, 7, 1), YEAR[1]),
            )
        )
        releases = session.execute(
            select(FigureRelease.quarter, func.count(), func.max(FigureRelease.number)).group_by(
                FigureRelease.quarter
            )
        ).all()
    # Four worker processes on two servers each made the year ready as they started: each
    # quarter was released once, as release 1, and never written twice.
    assert {quarter: (rows, number) for quarter, rows, number in releases} == dict.fromkeys(
        {quarter for quarter, _rows, _number in releases}, (1, 1)
    )
    assert {quarter for quarter, _rows, _number in releases} >= QUARTERS
    assert police == 56
    for reply in pages:
        assert reply.status == HTTPStatus.OK
        assert f"<td>{police}</td>" in reply.page
    assert {reply.server for reply in pages} == set(two_servers.front.backends)
    documents = [json.loads(reply.page) for reply in files]
    assert documents[0] == documents[1]
    assert documents[0]["releases"] == {"2026Q3": 1}
    cells = [
        cell["value"]
        for table in documents[0]["tables"]
        for cell in table["cells"]
        if cell["row"] == "police" and cell["status"] == "shown"
    ]
    assert in_q3 in cells
