"""Retention: `flask purge` deletes every expired case, message, file and session for good,
and leaves everything that has not expired alone."""

from __future__ import annotations

import io
import json

from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from portal import db
from portal.board.accounts import Role
from portal.models import (
    Attachment,
    AttachmentBlob,
    AuditEvent,
    BoardSession,
    CaseAccess,
    Complaint,
    Demographics,
    Message,
    StatusChange,
)
from tests.board import Board, csrf
from tests.builders import act, signed_in
from tests.conftest import Participant


def png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, format="PNG")
    out.seek(0)
    return out


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_purge_removes_expired_cases_and_keeps_the_rest(
    app: Flask,
    board: Board,
    clock,
    config,
) -> None:
    # Filed long ago: one closed by the board, one withdrawn, one never opened again.
    closed = Participant(app.test_client()).file_and_get_code(
        narrative="closed", files=[(png(), "a.png")], race="white"
    )
    withdrawn_client = app.test_client()
    withdrawn = Participant(withdrawn_client).file_and_get_code(narrative="withdrawn")
    forgotten = Participant(app.test_client()).file_and_get_code(narrative="forgotten")
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    act(reviewer, closed[:4], "message", body="A message")
    act(reviewer, closed[:4], "status", target="closed", reason="Closed.")
    Participant(withdrawn_client).check(withdrawn)
    withdrawn_client.post(
        "/case/withdraw", data={"csrf_token": csrf(withdrawn_client, "/case"), "how": "stop"}
    )
    # Much later: a case filed recently, and one old but still being worked on.
    clock.advance(days=300)
    active = Participant(app.test_client()).file_and_get_code(narrative="old but active")
    clock.advance(days=100)
    recent_client = app.test_client()
    recent = Participant(recent_client).file_and_get_code(
        narrative="recent", files=[(png(), "b.png")]
    )
    Participant(recent_client).check(recent)  # an open case session, still live
    reviewer = signed_in(app, board, Role.REVIEWER, "rev2")
    reviewer.get(f"/review/cases/{active[:4]}")  # the board opened it: not "unopened"
    assert count(app, Complaint) == 5

    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 3 cases (1 messages, 1 files)" in result.output

    with app.app_context():
        left = set(db.session().scalars(select(Complaint.locator)))
    assert left == {active[:4], recent[:4]}
    for gone in (closed, withdrawn, forgotten):
        assert gone[:4] not in left
    assert count(app, Message) == 0
    assert count(app, Demographics) == 0
    with app.app_context():
        kept_changes = db.session().scalar(select(func.count()).select_from(StatusChange))
    assert kept_changes == 2  # one "received" each for the two cases kept
    assert count(app, Attachment) == 1  # the recent case's file
    with app.app_context():
        # The purged cases' bytes went with them: only the kept file's pieces are left.
        kept = set(db.session().scalars(select(AttachmentBlob.attachment_id)))
        assert kept == set(db.session().scalars(select(Attachment.id)))
    # Live sessions stay; expired ones went.
    assert count(app, CaseAccess) == 1
    assert count(app, BoardSession) >= 1
    with app.app_context():
        event = (
            db.session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "retention.purge"))
            .one()
        )
    detail = json.loads(event.detail)
    assert detail["cases"] == 3
    assert "closed" not in event.detail  # counts, never content


def test_expired_sessions_are_purged(app: Flask, board: Board, clock) -> None:
    signed_in(app, board, Role.REVIEWER, "rev")
    person = Participant(app.test_client())
    person.check(person.file_and_get_code())
    assert count(app, BoardSession) >= 1
    assert count(app, CaseAccess) == 1
    clock.advance(hours=13)
    app.test_cli_runner().invoke(args=["purge"])
    assert count(app, BoardSession) == 0
    assert count(app, CaseAccess) == 0
