"""`flask backup` while people are filing, and `flask restore` into an empty instance: the
restored portal has the same rows, passes its checks, opens the same claim codes, and the
board opens the files sent before the backup (they are in the database: one step).

SQLite on either suite (each test makes its own file); on PostgreSQL the command says to use
pg_dump instead.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import threading
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image

from portal import create_app
from portal.board.accounts import Role
from portal.casework import complaints
from portal.cli import backups
from portal.config import Config
from portal.security import receipts
from portal.site import Site
from tests.board import Board
from tests.builders import photo, signed_in
from tests.conftest import RECOVERY_KEY, FakeClock, Participant, give_board_key

# Each writer stops after this many filings at most, whatever happens.
WRITER_CAP = 400


@dataclasses.dataclass
class Instance:
    app: Flask
    database: Path


@pytest.fixture
def make_instance(
    config: Config, site: Site, clock: FakeClock, migrated_sqlite: Path, tmp_path: Path
) -> Iterator:
    """Portals on SQLite files of their own, the same secrets for all (as a restore needs)."""
    made: list[Flask] = []

    def make(name: str, migrated: bool = True) -> Instance:
        folder = tmp_path / name
        folder.mkdir(mode=0o700)
        database = folder / "portal.sqlite3"
        if migrated:
            shutil.copy(migrated_sqlite, database)
        changed = dataclasses.replace(
            config,
            instance_path=folder,
            database_url=f"sqlite:///{database}",
            ratelimit_storage="memory://",
        )
        made.append(create_app(changed, site=site, now=clock))
        if migrated:
            give_board_key(made[-1], clock.moment)
        return Instance(made[-1], database)

    yield make
    for app in made:
        app.extensions["portal.db"].engine.dispose()


class Writers:
    """Threads that keep filing complaints through the domain function until told to stop."""

    def __init__(self, app: Flask, count: int) -> None:
        self.app = app
        self.stop = threading.Event()
        self.filed = [0] * count
        self.threads = [
            threading.Thread(target=self._write, args=(number,)) for number in range(count)
        ]

    def _write(self, number: int) -> None:
        sessions = self.app.extensions["portal.db"].sessions
        hasher = self.app.extensions["portal.hasher"]
        now = self.app.extensions["portal.clock"]()
        while not self.stop.is_set() and self.filed[number] < WRITER_CAP:
            values = complaints.NewComplaint(
                narrative=f"Writer {number}, filing {self.filed[number]}."
            )
            with sessions() as session:
                complaints.file_complaint(session, hasher, values, receipts.new_token(), now)
            self.filed[number] += 1

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def wait_until_each_filed(self, count: int) -> None:
        for _ in range(1000):
            if min(self.filed) >= count or not any(t.is_alive() for t in self.threads):
                return
            self.stop.wait(0.01)


def test_a_backup_taken_while_people_file_restores_into_an_empty_instance(
    make_instance, tmp_path: Path, clock: FakeClock
) -> None:
    live = make_instance("live")
    person = Participant(live.app.test_client())
    code = person.file_and_get_code(
        narrative="Filed before the backup: please keep this.",
        files=[(io.BytesIO(photo("PNG")), "IMG_0001.png")],
    )
    backup_file = tmp_path / "backups" / "portal-backup.sqlite3"

    with Writers(live.app, count=3) as writers:
        writers.wait_until_each_filed(3)
        filed_before = 1 + sum(writers.filed)
        result = live.app.test_cli_runner().invoke(args=["backup", str(backup_file)])
        writers.wait_until_each_filed(min(writers.filed) + 3)
    filed_after = 1 + sum(writers.filed)

    assert result.exit_code == 0, result.output
    assert "integrity and foreign-key checks passed" in result.output
    assert backup_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    saved = backups.counts(backup_file)
    assert filed_before <= saved["complaint"] <= filed_after
    # Whole complaints only: each has its first status and its receipt.
    assert saved["status_change"] == saved["complaint"] == saved["filing_receipt"]

    fresh = make_instance("restored", migrated=False)
    result = fresh.app.test_cli_runner().invoke(args=["restore", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backups.counts(fresh.database) == saved
    assert backups.problems(fresh.database) == []

    # In the restored portal the person's code opens the case they filed.
    returning = Participant(fresh.app.test_client())
    assert returning.check(code).status_code == HTTPStatus.SEE_OTHER
    case = returning.client.get("/case").get_data(as_text=True)
    assert "Filed before the backup: please keep this." in case

    # The backup was the one step: the photo opens from it, with no folder copied beside it.
    assert not (fresh.database.parent / "uploads").exists()
    fresh.app.extensions[RECOVERY_KEY] = live.app.extensions[RECOVERY_KEY]
    reviewer = signed_in(fresh.app, Board(fresh.app, clock), Role.REVIEWER, "rev")
    page = reviewer.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    [link] = re.findall(r'href="([^"]*/files/\d+)"', page)
    download = reviewer.get(link)
    assert download.status_code == HTTPStatus.OK
    with Image.open(io.BytesIO(download.data)) as image:
        assert image.size == (64, 48)


def test_restore_refuses_an_instance_that_holds_data(make_instance, tmp_path: Path) -> None:
    live = make_instance("live")
    Participant(live.app.test_client()).file_and_get_code()
    backup_file = tmp_path / "portal-backup.sqlite3"
    assert live.app.test_cli_runner().invoke(args=["backup", str(backup_file)]).exit_code == 0

    result = live.app.test_cli_runner().invoke(args=["restore", str(backup_file)])
    assert result.exit_code != 0
    assert "already holds data" in result.output


def test_backup_never_overwrites_a_file(make_instance, tmp_path: Path) -> None:
    live = make_instance("live")
    existing = tmp_path / "keep-me.sqlite3"
    existing.write_text("an older backup")
    result = live.app.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert existing.read_text() == "an older backup"


def test_on_postgresql_backup_gives_the_pg_dump_command_without_the_password(
    config: Config, site: Site, clock: FakeClock
) -> None:
    url = "postgresql+psycopg://portal:hunter2-secret@db.internal:5432/portal"
    app = create_app(dataclasses.replace(config, database_url=url), site=site, now=clock)
    result = app.test_cli_runner().invoke(args=["backup", "/srv/backups/portal.dump"])
    app.extensions["portal.db"].engine.dispose()
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output
    assert "postgresql://portal@db.internal:5432/portal" in result.output
    assert "hunter2-secret" not in result.output
