"""What counts against a rate limit and what does not.

A drop-in centre files and checks for many people on one connection: a good claim code never
counts, a wrong one does; a signed-in advocate's filings count against the advocate's account,
not the address; a filing's words are checked before any file is opened, and every post that
carries files counts; a person's replies are limited per case, with their words kept.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from http import HTTPStatus

import limits
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import create_app, db
from portal.board.accounts import Role
from portal.config import Config
from portal.models import Complaint
from portal.security.ratelimits import limiter
from tests.board import Board, csrf
from tests.builders import assisted_filing, other_secret, signed_in
from tests.conftest import FakeClock, Participant, give_board_key

SMALL = {
    "file_limit_per_client": "2 per hour",
    "file_limit_per_advocate": "3 per hour",
    "reply_limit_per_case": "3 per hour",
}


def amount(limit: str) -> int:
    return limits.parse(limit).amount


@pytest.fixture
def small(config: Config, site, clock: FakeClock) -> Iterator[Flask]:
    """The portal with small filing and reply limits, so a test reaches them quickly."""
    application = create_app(dataclasses.replace(config, **SMALL), site=site, now=clock)
    give_board_key(application, clock.moment)
    yield application
    with application.app_context():
        limiter.reset()
    application.extensions["portal.db"].engine.dispose()


def stored(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Complaint))


def test_a_good_code_never_counts_and_a_wrong_one_does(
    participant: Participant, config: Config
) -> None:
    code = participant.file_and_get_code()
    allowed = amount(config.check_limit_per_client)
    for _ in range(allowed + 5):
        assert participant.check(code).status_code == HTTPStatus.SEE_OTHER
    for _ in range(allowed):
        assert participant.check(other_secret(code)).status_code == HTTPStatus.OK
    assert participant.check(code).status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_advocate_filings_count_against_the_account_not_the_address(
    small: Flask, clock: FakeClock
) -> None:
    advocate = signed_in(small, Board(small, clock), Role.ADVOCATE, "peer")
    for _ in range(amount(SMALL["file_limit_per_advocate"])):
        assert assisted_filing(advocate).status_code == HTTPStatus.OK
    paused = assisted_filing(advocate, narrative="Keep these words for later.")
    assert paused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = paused.get_data(as_text=True)
    assert "You sent a lot of complaints" in page
    assert "Keep these words for later." in page
    # The same connection still has every filing of its own.
    person = Participant(small.test_client())
    for _ in range(amount(SMALL["file_limit_per_client"])):
        assert person.file().status_code == HTTPStatus.OK
    assert person.file().status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert stored(small) == 5


def test_the_words_are_checked_before_any_file_and_a_post_with_files_counts(
    small: Flask,
) -> None:
    client = small.test_client()
    code = Participant(client).file_and_get_code()
    refused = Participant(client).file(
        narrative=f"About my old complaint {code}",
        files=[(io.BytesIO(b"not a photo at all"), "photo.jpg")],
    )
    page = refused.get_data(as_text=True)
    assert "This looks like a claim code." in page
    assert "We can take photos" not in page  # the file was never opened
    # One filing and one post with files: the connection's two are used.
    assert Participant(client).file().status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert stored(small) == 1


@pytest.mark.parametrize(
    "narrative", ["", "My old code is {code}"], ids=["empty", "claim code in the words"]
)
def test_words_refused_without_files_do_not_count(small: Flask, narrative: str) -> None:
    client = small.test_client()
    code = Participant(client).file_and_get_code()
    for _ in range(5):
        refused = Participant(client).file(narrative=narrative.format(code=code))
        assert refused.status_code == HTTPStatus.OK
        assert "Your claim code" not in refused.get_data(as_text=True)
    assert Participant(client).file().status_code == HTTPStatus.OK
    assert stored(small) == 2


def reply(client: FlaskClient, words: str):
    return client.post("/case/reply", data={"csrf_token": csrf(client, "/case"), "body": words})


def test_replies_are_limited_per_case_and_keep_the_words(small: Flask) -> None:
    person = Participant(small.test_client())
    code = person.file_and_get_code()
    person.check(code)
    for number in range(amount(SMALL["reply_limit_per_case"])):
        assert reply(person.client, f"Reply {number}").status_code == HTTPStatus.SEE_OTHER
    paused = reply(person.client, "PLANTED-REPLY please keep me")
    assert paused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = paused.get_data(as_text=True)
    assert "PLANTED-REPLY please keep me" in page
    assert "Please try again in an hour." in page
    # Another browser on another connection with the same case: the same case, the same pause.
    elsewhere = Participant(small.test_client())
    elsewhere.check(code, REMOTE_ADDR="192.0.2.30")
    assert reply(elsewhere.client, "Again").status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Someone else's case is not held back.
    other = Participant(small.test_client())
    other.check(other.file_and_get_code(), REMOTE_ADDR="192.0.2.31")
    assert reply(other.client, "Mine").status_code == HTTPStatus.SEE_OTHER
