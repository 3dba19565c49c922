"""A participant's time is kept to the hour, and nothing else in the database tells it better:
not the ids of the rows they write, not the audit log's order, not the order keys of their
case. Each case's timeline still shows what happened in the order it happened, on both sides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from portal import db
from portal.board.accounts import Role
from portal.models import (
    AuditEvent,
    AuditHead,
    AuditPending,
    CaseLink,
    Complaint,
    Message,
    Note,
    StatusChange,
    SurveyAnswer,
)
from portal.models.casework import FROM_COMPLAINANT, TO_COMPLAINANT
from portal.security import audit
from tests.board import Board, csrf
from tests.builders import act, file_directly, signed_in
from tests.conftest import START, Participant

HOUR = START.replace(minute=0)


@pytest.fixture
def reviewer(app: Flask, board: Board) -> FlaskClient:
    return signed_in(app, board, Role.REVIEWER, "rev")


def reply(client: FlaskClient, body: str) -> None:
    response = client.post("/case/reply", data={"csrf_token": csrf(client, "/case"), "body": body})
    assert response.status_code < 400, response.text


def chain(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_a_reply_between_two_board_actions_is_not_placed_between_them(
    app: Flask,
    clock,
    board: Board,
    reviewer: FlaskClient,
    client: FlaskClient,
) -> None:
    """The attack: the board acts at 10:30:00 and 10:30:04, the person replies at 10:30:02.
    Nothing stored may put the reply between the two more closely than "in the 10:00 hour"."""
    other = file_directly(app, clock)[:4]
    code = file_directly(app, clock)
    Participant(client).check(code)
    act(reviewer, other, "message", body="before")
    clock.advance(seconds=2)
    reply(client, "IN-BETWEEN")
    clock.advance(seconds=2)
    act(reviewer, other, "message", body="after")

    with app.app_context():
        session = db.session()
        mine = session.scalars(select(Message).where(Message.direction == FROM_COMPLAINANT)).one()
        theirs = session.scalars(
            select(Message).where(Message.direction == TO_COMPLAINANT).order_by(Message.seq)
        ).all()
        # Order keys count within one case: the reply is second in its own case (after
        # "received"), whatever happened on other cases meanwhile.
        assert mine.seq == 2
        assert [m.seq for m in theirs] == [2, 3]
        assert mine.created_at == HOUR
        # The person's event waits outside the chain, to the hour, naming no case.
        waiting = session.scalars(select(AuditPending)).one()
        assert (waiting.action, waiting.at) == ("complainant.reply", HOUR)
        assert waiting.object_id is None
    assert "complainant.reply" not in [e.action for e in chain(app)]

    # Just after the hour a slow write of that hour could still be landing: not yet.
    clock.moment = HOUR + dt.timedelta(hours=1, minutes=1)
    signed_in(app, board, Role.REVIEWER, "early")
    assert "complainant.reply" not in [e.action for e in chain(app)]
    # Once the hour is well over, the next event written takes it into the chain, after every
    # board event of its hour.
    clock.moment = later = HOUR + dt.timedelta(hours=1, minutes=6)
    signed_in(app, board, Role.REVIEWER, "next")
    events = chain(app)
    joined = next(e for e in events if e.action == "complainant.reply")
    in_its_hour = [e for e in events if e.at >= HOUR and e.action.startswith("case.message")]
    assert len(in_its_hour) == 2
    assert all(joined.seq > e.seq for e in in_its_hour)
    assert joined.at == HOUR
    assert events[events.index(joined) + 1].at == later
    with app.app_context():
        assert db.session().scalars(select(AuditPending)).all() == []
    assert app.test_cli_runner().invoke(args=["audit-verify"]).exit_code == 0


def test_an_hours_participant_events_join_the_chain_together_apart_from_their_rows(
    app: Flask,
    clock,
    board: Board,
) -> None:
    codes = [file_directly(app, clock) for _ in range(8)]
    for code in codes:
        clock.advance(minutes=2)
        person = app.test_client()
        Participant(person).check(code)
        reply(person, "more")
    clock.moment = HOUR + dt.timedelta(hours=1, minutes=6)
    signed_in(app, board, Role.REVIEWER, "next")
    with app.app_context():
        # A reply's message and its audit event share nothing: ids are random, so pairing
        # the chain's order with the messages' ids cannot be done; nor is the chain's order
        # the order they were written (1 chance in 8! of being so by luck).
        replies = [e.seq for e in chain(app) if e.action == "complainant.reply"]
        assert len(replies) == len(codes)
        assert replies == list(range(replies[0], replies[0] + len(codes)))
        written = [
            db.session()
            .scalars(
                select(Message.id)
                .join(Complaint, Complaint.id == Message.complaint_id)
                .where(Complaint.locator == code[:4], Message.direction == FROM_COMPLAINANT)
            )
            .one()
            for code in codes
        ]
        assert written != sorted(written)
        assert written != sorted(written, reverse=True)


def _complaint(session, n: int) -> Complaint:
    complaint = Complaint(
        locator=f"T{n:03d}",
        secret_hash="x",
        narrative="filler",
        created_on=dt.date(2026, 11, 2),
        updated_on=dt.date(2026, 11, 2),
    )
    session.add(complaint)
    session.flush()
    return complaint


AT = HOUR
# Every table a participant writes to, with a row as one would be written (one per case).
BUILDERS = {
    "complaint": lambda session, n: _complaint(session, n),
    "message": lambda session, n: Message(
        complaint_id=_complaint(session, n).id,
        direction=FROM_COMPLAINANT if n % 2 else TO_COMPLAINANT,
        body="b",
        created_at=AT,
    ),
    "status_change": lambda session, n: StatusChange(
        complaint_id=_complaint(session, n).id, to_status="withdrawn", at=AT
    ),
    "survey_answer": lambda _session, _n: SurveyAnswer(quarter="2026Q4", respected="yes"),
}


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_ids_of_participant_rows_do_not_follow_the_order_they_were_written(
    app: Flask,
    build,
) -> None:
    """With counter ids the next row's id says it came after the last one; 12 rows in a row
    with random ids come out sorted by luck once in 12! (about 1 in 479 million)."""
    ids = []
    with app.app_context():
        session = db.session()
        for n in range(12):
            row = build(session, n)
            session.add(row)
            session.commit()
            ids.append(row.id)
    assert ids != sorted(ids)
    assert len(set(ids)) == len(ids)


def test_order_keys_count_within_one_case_only(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        first, second = _complaint(session, 1), _complaint(session, 2)
        for complaint in (first, second, first, second, first):
            session.add(Note(complaint_id=complaint.id, body="n", created_at=AT))
            session.commit()
        seqs = {
            locator: session.scalars(
                select(Note.seq)
                .join(Complaint, Complaint.id == Note.complaint_id)
                .where(Complaint.locator == locator)
                .order_by(Note.seq)
            ).all()
            for locator in ("T001", "T002")
        }
    assert seqs == {"T001": [1, 2, 3], "T002": [1, 2]}


def test_a_question_and_its_answer_in_one_hour_show_in_order_on_both_sides(
    app: Flask,
    clock,
    reviewer: FlaskClient,
    client: FlaskClient,
) -> None:
    """Both are stored as "11:00"; the answer is newer and shows above the question."""
    code = file_directly(app, clock)
    locator = code[:4]
    clock.advance(minutes=1)
    act(reviewer, locator, "message", body="QUESTION-FROM-BOARD what time was it?")
    clock.advance(minutes=10)
    Participant(client).check(code)
    client.get("/case")  # the person reads the question
    reply(client, "ANSWER-FROM-PERSON about nine at night")
    clock.advance(minutes=5)
    act(reviewer, locator, "message", body="THANKS-FROM-BOARD we will look")

    for page in (client.get("/case").text, reviewer.get(f"/review/cases/{locator}").text):
        places = [
            page.index(words)
            for words in ("THANKS-FROM-BOARD", "ANSWER-FROM-PERSON", "QUESTION-FROM-BOARD")
        ]
        assert places == sorted(places), "newest first, in the order they happened"


def test_a_forged_waiting_event_is_reported_and_never_joins_the_chain(
    app: Flask,
    clock,
    board: Board,
) -> None:
    """Someone with the database adds a participant event of their own making: without the
    audit key its HMAC cannot fit, so the check reports it and the chain refuses it."""
    with app.app_context():
        session = db.session()
        session.add(
            AuditPending(
                at=HOUR,
                action="complainant.withdraw",
                detail="{}",
                mac=hashlib.sha256().hexdigest(),
            )
        )
        session.commit()
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "a waiting participant event was forged" in result.output
    clock.moment = HOUR + dt.timedelta(hours=1, minutes=6)
    signed_in(app, board, Role.REVIEWER, "next")
    actions = [event.action for event in chain(app)]
    assert "complainant.withdraw" not in actions
    assert "audit.pending_refused" in actions
    assert app.test_cli_runner().invoke(args=["audit-verify"]).exit_code == 0


def test_an_hours_events_join_the_chain_in_an_order_other_than_written(app: Flask) -> None:
    """Twelve events written in order 0..11 come out in that order by luck once in 12!."""
    with app.app_context():
        session = db.session()
        for n in range(12):
            audit.record_participant(session, "complainant.reply", now=START, n=n)
        session.commit()
        audit.record(session, "signin", account_id=1, now=HOUR + dt.timedelta(hours=2))
        session.commit()
    joined = [json.loads(e.detail)["n"] for e in chain(app) if e.action == "complainant.reply"]
    assert sorted(joined) == list(range(12))
    assert joined != list(range(12))


def _chain_length(app: Flask) -> int:
    with app.app_context():
        return len(db.session().scalars(select(AuditEvent.id)).all())


def test_no_participant_action_takes_a_place_in_the_chain_before_its_hour_is_over(
    app: Flask,
    clock,
    board: Board,
) -> None:
    """Every POST a person (or an advocate filing for one) can make, over HTTP: none may add
    an event to the board's ordered chain, where its place between board events timed to the
    second would tell the visit's time; each waits in `audit_pending`, to the hour."""
    from tests.test_advocates import assisted_filing
    from tests.test_links import approve

    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    chair = signed_in(app, board, Role.ADMIN, "chair")
    advocate = signed_in(app, board, Role.ADVOCATE, "peer")
    earlier = file_directly(app, clock, narrative="The earlier one.")
    asked = file_directly(app, clock, lost_code_note="I sent one before.")
    act(reviewer, asked[:4], "status", target="in_review", reason="Reading it.")
    act(reviewer, asked[:4], "refer", body="oversight", explanation="They can help.")
    act(reviewer, asked[:4], "link", earlier=earlier[:4])
    approve(chair, app, asked[:4])
    decided = file_directly(app, clock)
    act(reviewer, decided[:4], "status", target="in_review", reason="Reading it.")
    act(
        reviewer,
        decided[:4],
        "decide",
        disposition="substantiated",
        recommendation="Retrain.",
        letter="We believe you.",
        confirm="y",
    )
    stays, goes = file_directly(app, clock), file_directly(app, clock)
    with app.app_context():
        link = db.session().scalars(select(CaseLink)).one().id

    def on_case(code: str, path: str, **data: str):
        person = app.test_client()
        Participant(person).check(code)
        return person.post(path, data={"csrf_token": csrf(person, "/case"), **data})

    def withdraw_and_delete():
        person = app.test_client()
        Participant(person).check(goes)
        form = {"csrf_token": csrf(person, "/case"), "how": "delete"}
        person.post("/case/withdraw", data=form)
        return person.post("/case/withdraw", data={**form, "confirm": "yes"})

    steps = {
        "file": lambda: Participant(app.test_client()).file(),
        "check": lambda: Participant(app.test_client()).check(stays),
        "reply": lambda: on_case(asked, "/case/reply", body="More about it."),
        "referral": lambda: on_case(asked, "/case/referral", question="1", answer="yes"),
        "link": lambda: on_case(asked, "/case/link", question=str(link), answer="yes"),
        "keep-away": lambda: on_case(asked, "/case/keep-away", keep_away="My cousin Ana"),
        "survey": lambda: on_case(decided, "/case/survey", respected="yes", listened="yes"),
        "withdraw": lambda: on_case(stays, "/case/withdraw", how="stop"),
        "withdraw and delete": withdraw_and_delete,
        "assisted filing": lambda: assisted_filing(advocate),
    }
    clock.advance(minutes=1)
    for name, step in steps.items():
        before = _chain_length(app)
        clock.advance(seconds=7)
        response = step()
        assert response.status_code < HTTPStatus.BAD_REQUEST, name
        assert _chain_length(app) == before, f"{name} wrote an event into the chain"

    with app.app_context():
        session = db.session()
        waiting = session.scalars(select(AuditPending)).all()
        in_chain = session.scalars(select(AuditEvent.action)).all()
        deleted = session.scalar(select(Complaint).where(Complaint.locator == goes[:4]))
        assert deleted.text_deleted
    assert sorted(row.action for row in waiting) == [
        "assist.file",
        "complainant.keep_away",
        "complainant.link_answer",
        "complainant.referral_answer",
        "complainant.reply",
        "complainant.withdraw",
        "complainant.withdraw",
    ]
    assert {(row.at, row.object_id) for row in waiting} == {(HOUR, None)}
    assert not [a for a in in_chain if a.startswith(("complainant.", "assist."))]


def _delete_one(session, row: AuditPending) -> None:
    session.execute(text("DELETE FROM audit_pending WHERE id = :id"), {"id": row.id})


def _delete_one_and_fix_the_count(session, row: AuditPending) -> None:
    """The attacker also brings the head's count and XOR in line (they can read the HMACs)."""
    _delete_one(session, row)
    head = session.get(AuditHead, audit.HEAD_ID)
    total = f"{int(head.pending_sum, 16) ^ int(row.mac, 16):064x}"
    session.execute(
        text("UPDATE audit_head SET pending = pending - 1, pending_sum = :total"),
        {"total": total},
    )


ATTACKS = {
    "deleted": (
        _delete_one,
        "1 waiting participant event is missing",
        {"expected": 3, "found": 2},
    ),
    "deleted, count fixed": (
        _delete_one_and_fix_the_count,
        "the head row was changed outside the portal",
        {"head_changed": True, "found": 2},
    ),
}


@pytest.mark.parametrize(("attack", "said", "written"), ATTACKS.values(), ids=ATTACKS.keys())
def test_a_waiting_event_deleted_with_plain_sql_is_reported(
    app: Flask,
    clock,
    board: Board,
    attack,
    said: str,
    written: dict[str, object],
) -> None:
    """Someone with only the database drops a person's reply before it joins the chain."""
    for words in ("first", "second", "third"):
        person = app.test_client()
        Participant(person).check(file_directly(app, clock))
        reply(person, words)
    assert app.test_cli_runner().invoke(args=["audit-verify"]).exit_code == 0
    with app.app_context():
        session = db.session()
        attack(session, session.scalars(select(AuditPending)).first())
        session.commit()
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert said in result.output
    # Once the hour is over the chain writes down what was missing, and holds what is left.
    clock.moment = HOUR + dt.timedelta(hours=1, minutes=6)
    signed_in(app, board, Role.REVIEWER, "next")
    events = chain(app)
    missing = [e for e in events if e.action == audit.MISSING_PENDING]
    assert [json.loads(e.detail) for e in missing] == [written]
    assert [e.action for e in events].count("complainant.reply") == 2
    assert app.test_cli_runner().invoke(args=["audit-verify"]).exit_code == 0
