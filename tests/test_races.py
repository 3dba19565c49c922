"""Status changes that race: real concurrent requests (threads, each with its own board
member and database connection) on the same case. On PostgreSQL (PORTAL_TEST_DATABASE_URL)
they really run at once; on SQLite the writers queue behind BEGIN IMMEDIATE."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http import HTTPStatus

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import db
from portal.board.accounts import Role
from portal.models import AuditEvent, Complaint, StatusChange
from tests.board import Board, csrf
from tests.builders import complainant_page, file_directly, signed_in

DECISION = {
    "disposition": "substantiated",
    "letter": "We believe you.",
    "public_summary": "We asked for retraining.",
    "confirm": "y",
}


def all_at_once(posts: list[Callable[[], int]]) -> list[int]:
    """Run every post in its own thread, released together; return their status codes."""
    start = threading.Barrier(len(posts))
    codes: list[int] = [0] * len(posts)

    def run(index: int) -> None:
        start.wait()
        codes[index] = posts[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def in_review(app: Flask, clock, board: Board) -> str:
    """A new case the board has started reading; returns its claim code."""
    code = file_directly(app, clock)
    chair = signed_in(app, board, Role.ADMIN, "chair")
    path = f"/review/cases/{code[:4]}"
    moved = chair.post(
        f"{path}/status",
        data={"csrf_token": csrf(chair, path), "target": "in_review", "reason": "Reading it."},
    )
    assert moved.status_code == HTTPStatus.SEE_OTHER
    return code


def decision_post(client: FlaskClient, locator: str) -> Callable[[], int]:
    path = f"/review/cases/{locator}"
    data = {"csrf_token": csrf(client, path), **DECISION}
    return lambda: client.post(f"{path}/decide", data=data).status_code


def count(app: Flask, statement) -> int:
    with app.app_context():
        return db.session().scalar(statement)


def test_eight_racing_decisions_resolve_the_case_once(app: Flask, clock, board: Board) -> None:
    locator = in_review(app, clock, board)[:4]
    members = [signed_in(app, board, Role.REVIEWER, f"rev{i}") for i in range(8)]
    codes = all_at_once([decision_post(member, locator) for member in members])
    assert all(code < HTTPStatus.INTERNAL_SERVER_ERROR for code in codes), codes
    assert codes.count(HTTPStatus.SEE_OTHER) == 1, codes
    resolved = (
        select(func.count()).select_from(StatusChange).where(StatusChange.to_status == "resolved")
    )
    assert count(app, resolved) == 1
    decided = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "case.decide")
    assert count(app, decided) == 1


def test_a_decision_racing_a_withdrawal_with_deletion_never_outlives_the_deletion(
    app: Flask,
    clock,
    board: Board,
    client: FlaskClient,
) -> None:
    code = in_review(app, clock, board)
    locator = code[:4]
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    complainant_page(client, code)
    withdrawal = {"csrf_token": csrf(client, "/case"), "how": "delete", "confirm": "yes"}
    codes = all_at_once(
        [
            decision_post(reviewer, locator),
            lambda: client.post("/case/withdraw", data=withdrawal).status_code,
        ]
    )
    assert all(code < HTTPStatus.INTERNAL_SERVER_ERROR for code in codes), codes
    assert codes[1] == HTTPStatus.OK  # the person's withdrawal always goes through
    with app.app_context():
        complaint = db.session().scalars(select(Complaint)).one()
        # Whichever came first, the deletion is the last word: the person's choice holds.
        assert complaint.status == "withdrawn"
        assert complaint.text_deleted
        assert complaint.public_summary is None
        assert complaint.outcome_letter is None
