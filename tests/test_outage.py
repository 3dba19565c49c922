"""The database goes away while people are filing: each of them gets a calm page with their
words still in it, and when the database is back the same page, sent again, files once.

SQLite here, on whichever suite runs: the database file's folder is moved away, as when the
disk holding it is unmounted (open connections die with it, new ones cannot open the file).
bench/outage.py does the same to a real PostgreSQL server under gunicorn.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from portal import create_app, db
from portal.config import Config
from portal.models import Complaint, StatusChange
from portal.site import Site
from tests.conftest import FakeClock, Participant, code_on_page, give_board_key, hidden_value

CALM = "We could not save this just now"


@pytest.fixture
def sqlite_app(
    config: Config, site: Site, clock: FakeClock, migrated_sqlite: Path, tmp_path: Path
) -> Iterator[Flask]:
    """A portal on its own SQLite file, even when the suite runs on PostgreSQL."""
    folder = tmp_path / "disk"
    folder.mkdir()
    shutil.copy(migrated_sqlite, folder / "portal.sqlite3")
    url = f"sqlite:///{folder / 'portal.sqlite3'}"
    app = create_app(
        dataclasses.replace(config, database_url=url, ratelimit_storage="memory://"),
        site=site,
        now=clock,
    )
    give_board_key(app, clock.moment)
    yield app
    app.extensions["portal.db"].engine.dispose()


def disk_unmounted(app: Flask) -> tuple[Path, Path]:
    folder = Path(app.extensions["portal.db"].engine.url.database).parent
    app.extensions["portal.db"].engine.dispose()
    away = folder.with_name("disk-unmounted")
    folder.rename(away)
    return away, folder


def stored(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = db.session()
        return (
            session.scalar(select(func.count()).select_from(Complaint)),
            session.scalar(select(func.count()).select_from(StatusChange)),
        )


def test_people_filing_during_an_outage_keep_their_words_and_file_once_after(
    sqlite_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    before = Participant(sqlite_app.test_client())
    first_code = before.file_and_get_code()

    away, folder = disk_unmounted(sqlite_app)
    people = [Participant(sqlite_app.test_client()) for _ in range(3)]
    pages = []
    with caplog.at_level(logging.INFO):
        for number, person in enumerate(people):
            # The form still opens during the outage, quick exit and all.
            assert person.client.get("/file").status_code == HTTPStatus.OK
            words = f"Person {number} wrote this while the database was away."
            response = person.file(narrative=words)
            assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
            page = response.get_data(as_text=True)
            assert CALM in page
            assert words in page
            assert hidden_value(page, "form_token") == person.form["form_token"]
            pages.append(page)
        # Checking a code gets a calm "try again" page too, not a server error.
        checking = Participant(sqlite_app.test_client()).check(first_code)
        assert checking.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert "Please try again in a few minutes" in checking.get_data(as_text=True)
    # What people typed never reaches a log line, even inside the database error.
    assert "while the database was away" not in caplog.text

    away.rename(folder)
    codes = []
    for person, page in zip(people, pages, strict=True):
        resend = {
            **person.form,
            "csrf_token": hidden_value(page, "csrf_token"),
            "form_token": hidden_value(page, "form_token"),
        }
        answer = person.client.post("/file", data=resend)
        assert answer.status_code == HTTPStatus.OK
        codes.append(code_on_page(answer.get_data(as_text=True)))
        # A second tap on Send shows the same code and files nothing more.
        again = person.client.post("/file", data=resend)
        assert code_on_page(again.get_data(as_text=True)) == codes[-1]
    assert len(set(codes)) == len(people)
    assert stored(sqlite_app) == (1 + len(people), 1 + len(people))
    for person, code in zip(people, codes, strict=True):
        assert person.check(code).status_code == HTTPStatus.SEE_OTHER
        case = person.client.get("/case").get_data(as_text=True)
        assert person.form["narrative"] in case


def test_a_full_disk_keeps_the_words_out_of_the_logs_and_the_retry_files_once(
    sqlite_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    engine = sqlite_app.extensions["portal.db"].engine

    def disk_full(dbapi_connection, _record) -> None:
        # No free pages left inside the file either (a migration may have left some).
        dbapi_connection.execute("VACUUM")
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()
    event.listen(engine, "connect", disk_full)
    person = Participant(sqlite_app.test_client())
    # Long enough to need new pages, so the insert itself fails, with the words as parameters.
    words = "The officer kept my bag and my ID. " * 150
    with caplog.at_level(logging.INFO):
        response = person.file(narrative=words)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    page = response.get_data(as_text=True)
    assert CALM in page
    assert words.strip() in page
    assert "could not store a complaint" in caplog.text
    assert "kept my bag" not in caplog.text

    event.remove(engine, "connect", disk_full)
    engine.dispose()
    answer = person.resend()
    assert answer.status_code == HTTPStatus.OK
    assert person.resend().status_code == HTTPStatus.OK
    assert stored(sqlite_app) == (1, 1)
