"""Read receipts: the person sees "Read by the board on DATE" under their latest message once
a board member who may open the case has opened it; never the time, never who."""

from __future__ import annotations

import datetime as dt
import re
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.models import Message
from portal.models.casework import FROM_COMPLAINANT
from tests.board import Board, csrf
from tests.builders import act, file_directly, signed_in
from tests.conftest import FakeClock, Participant

RECEIPT = re.compile(r'<p class="read-receipt">([^<]*)</p>')


@pytest.fixture
def code(app: Flask, clock: FakeClock) -> str:
    return file_directly(app, clock, narrative="They took my bag.")


def write_to_the_board(client: FlaskClient, code: str, body: str) -> None:
    Participant(client).check(code)
    response = client.post("/case/reply", data={"csrf_token": csrf(client, "/case"), "body": body})
    assert response.status_code == HTTPStatus.SEE_OTHER


def case_page(client: FlaskClient, code: str) -> str:
    """The person's case page, the code typed again (a day later the case has closed)."""
    Participant(client).check(code)
    return client.get("/case").get_data(as_text=True)


def receipts(client: FlaskClient, code: str) -> list[str]:
    return RECEIPT.findall(case_page(client, code))


def test_an_unread_message_shows_no_receipt(client: FlaskClient, code: str) -> None:
    write_to_the_board(client, code, "Here is more.")
    assert receipts(client, code) == []


def test_after_a_reviewer_opens_the_case_the_person_sees_the_day(
    app: Flask, clock: FakeClock, board: Board, client: FlaskClient, code: str
) -> None:
    write_to_the_board(client, code, "Here is more.")
    clock.moment = dt.datetime(2026, 11, 3, 16, 47, 5)
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    assert reviewer.get(f"/review/cases/{code[:4]}").status_code == HTTPStatus.OK
    assert receipts(client, code) == ["Read by the board on November 3, 2026"]
    # The same, in Spanish.
    client.post("/language", data={"lang": "es", "next": "/case"})
    assert receipts(client, code) == ["Leído por el comité el 3 de noviembre de 2026"]


def test_the_day_is_all_that_is_kept_or_shown(
    app: Flask, clock: FakeClock, board: Board, client: FlaskClient, code: str
) -> None:
    """A time of day would tell the person (or a copy of the database) which member reads
    cases when."""
    write_to_the_board(client, code, "Here is more.")
    clock.moment = dt.datetime(2026, 11, 3, 16, 47, 5)
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    reviewer.get(f"/review/cases/{code[:4]}")
    with app.app_context():
        read_at = db.session().scalar(
            select(Message.read_at).where(Message.direction == FROM_COMPLAINANT)
        )
    assert read_at == dt.datetime(2026, 11, 3)
    (receipt,) = receipts(client, code)
    assert not re.search(r"\d:\d\d|16|4:47|PM", receipt)
    assert "rev" not in receipt


def test_a_recused_member_looking_marks_nothing(
    app: Flask, clock: FakeClock, board: Board, client: FlaskClient, code: str
) -> None:
    recused = signed_in(app, board, Role.REVIEWER, "knows-them")
    act(recused, code[:4], "recuse", confirm="y")
    write_to_the_board(client, code, "Here is more.")
    assert recused.get(f"/review/cases/{code[:4]}").status_code == HTTPStatus.NOT_FOUND
    assert receipts(client, code) == []


def test_a_member_who_cannot_read_the_words_yet_marks_nothing(
    app: Flask, board: Board, client: FlaskClient, code: str
) -> None:
    """A new member whose copy of the board's key has not arrived opens the case page without
    the person's words: the person must not be told the board read them."""
    write_to_the_board(client, code, "Here is more.")
    newcomer = app.test_client()
    board.enroll(newcomer, Role.REVIEWER, "newcomer")
    page = newcomer.get(f"/review/cases/{code[:4]}")
    assert page.status_code == HTTPStatus.OK
    assert "Here is more." not in page.get_data(as_text=True)
    assert receipts(client, code) == []


def test_a_newer_message_waits_for_its_own_reading(
    app: Flask, clock: FakeClock, board: Board, client: FlaskClient, code: str
) -> None:
    write_to_the_board(client, code, "First.")
    member = board.member(Role.REVIEWER, "rev")
    reviewer = app.test_client()
    board.sign_in(reviewer, member)
    reviewer.get(f"/review/cases/{code[:4]}")
    assert len(receipts(client, code)) == 1

    clock.advance(days=2)
    write_to_the_board(client, code, "Second.")
    assert receipts(client, code) == []  # only the latest message carries a receipt

    reviewer = app.test_client()
    board.sign_in(reviewer, member)
    reviewer.get(f"/review/cases/{code[:4]}")
    page = case_page(client, code)
    assert RECEIPT.findall(page) == ["Read by the board on November 4, 2026"]
    # Under the latest message, the newest in the timeline.
    assert page.index("Second.") < page.index("Read by the board") < page.index("First.")
