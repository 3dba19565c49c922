"""Case handling: the queue, the case page, messages both ways, decisions, referrals,
recusal and withdrawal, checked from both sides as the people involved would see them."""

from __future__ import annotations

import datetime as dt
import html
import re
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.casework.transitions import BOARD_MOVES, board_may_move
from portal.choices import Status
from portal.models import Account, AuditEvent, Complaint, SurveyAnswer
from tests.board import Board, csrf
from tests.builders import act, complainant_page, dump_database, file_directly, signed_in
from tests.conftest import Participant, case_text


@pytest.fixture
def reviewer(app: Flask, board: Board) -> FlaskClient:
    return signed_in(app, board, Role.REVIEWER, "rev")


def last_action(app: Flask) -> str:
    with app.app_context():
        return (
            db.session().scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc())).first()
        )


# --- the queue -------------------------------------------------------------------------


def test_the_queue_puts_urgent_first_then_oldest(app: Flask, clock, board: Board) -> None:
    old = file_directly(app, clock, narrative="old one")[:4]
    clock.advance(days=2)
    urgent = file_directly(app, clock, narrative="urgent one", safe_now="no")[:4]
    clock.advance(days=1)
    new = file_directly(app, clock, narrative="new one")[:4]
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    page = reviewer.get("/review/").get_data(as_text=True)
    order = re.findall(r'href="/review/cases/([0-9A-Z]{4})"', page)
    assert order == [urgent, old, new]
    assert "3 days" in page  # the oldest
    assert "<strong>3</strong> Received" in page


def test_the_queue_never_shows_the_secret(app: Flask, clock, reviewer) -> None:
    code = file_directly(app, clock)
    page = reviewer.get("/review/").get_data(as_text=True)
    assert code[:4] in page
    assert code[5:9] not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("urgent=y", {"U"}),
        ("kind=sexual", set()),
        ("kind=police", {"P"}),
        ("older_than=5", {"O"}),
        ("assigned=nobody", {"U", "P", "O"}),
        ("status=received", {"U", "P", "O"}),
        ("status=closed", set()),
    ],
)
def test_queue_filters(app: Flask, clock, board: Board, query: str, expected: set[str]) -> None:
    names = {}
    names[file_directly(app, clock, narrative="o")[:4]] = "O"
    clock.advance(days=10)
    names[file_directly(app, clock, narrative="u", safe_now="no")[:4]] = "U"
    names[file_directly(app, clock, narrative="p", kind="police")[:4]] = "P"
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    page = reviewer.get(f"/review/?{query}").get_data(as_text=True)
    shown = {names[loc] for loc in re.findall(r'href="/review/cases/([0-9A-Z]{4})"', page)}
    assert shown == expected


def test_the_queue_pages_by_fifty(app: Flask, clock, reviewer) -> None:
    with app.app_context():
        session = db.session()
        for i in range(55):
            session.add(
                Complaint(
                    locator=f"Q{i:03d}",
                    secret_hash="x",
                    narrative="filler",
                    created_on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
                    updated_on=dt.date(2026, 1, 1),
                )
            )
        session.commit()
    first = reviewer.get("/review/").get_data(as_text=True)
    assert len(re.findall(r'href="/review/cases/', first)) == 50
    assert "Next page" in first
    after = html.unescape(re.search(r'<a href="([^"]*)">Next page', first).group(1))
    second = reviewer.get(after).get_data(as_text=True)
    assert len(re.findall(r'href="/review/cases/', second)) == 5
    assert "Next page" not in second


def test_assigned_to_me_and_unread_replies(app: Flask, clock, reviewer, client) -> None:
    code = file_directly(app, clock)
    locator = code[:4]
    with app.app_context():
        me = db.session().scalar(select(Account.id).where(Account.username == "rev"))
    act(reviewer, locator, "assign", to=str(me))
    assert locator in reviewer.get("/review/?assigned=me").get_data(as_text=True)
    person = Participant(client)
    person.check(code)
    client.post("/case/reply", data={"csrf_token": csrf(client, "/case"), "body": "More detail."})
    unread = reviewer.get("/review/?unread=y").get_data(as_text=True)
    assert locator in unread
    reviewer.get(f"/review/cases/{locator}")  # reading it clears the count
    assert locator not in reviewer.get("/review/?unread=y").get_data(as_text=True)


# --- the case page and its actions -----------------------------------------------------


def test_the_case_page_shows_the_words_escaped_and_records_the_view(
    app: Flask, clock, reviewer
) -> None:
    locator = file_directly(app, clock, narrative="<script>alert(1)</script> he hit me")[:4]
    page = reviewer.get(f"/review/cases/{locator}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; he hit me" in page
    assert "<script>alert(1)" not in page
    assert last_action(app) == "case.view"


def test_an_unknown_case_is_404(reviewer) -> None:
    assert reviewer.get("/review/cases/ZZZZ").status_code == HTTPStatus.NOT_FOUND


def test_the_transitions_table_is_enforced(app: Flask, clock, reviewer) -> None:
    locator = file_directly(app, clock)[:4]
    for target in Status:
        assert board_may_move("received", target.value) == (target in BOARD_MOVES[Status.RECEIVED])
    refused = act(reviewer, locator, "status", target="resolved", reason="Done")
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    refused = act(reviewer, locator, "status", target="withdrawn", reason="Done")
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    ok = act(reviewer, locator, "status", target="triaged", reason="We have read it.")
    assert ok.status_code == HTTPStatus.SEE_OTHER
    with app.app_context():
        assert db.session().scalar(select(Complaint.status)) == "triaged"
    assert last_action(app) == "case.status"


def test_a_status_change_needs_a_reason_and_keeps_the_form(app: Flask, clock, reviewer) -> None:
    locator = file_directly(app, clock)[:4]
    response = act(reviewer, locator, "status", target="triaged", reason="")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Please write something here." in response.get_data(as_text=True)


def test_the_complainant_sees_reasons_and_messages_but_never_notes(
    app: Flask, clock, reviewer, client
) -> None:
    code = file_directly(app, clock)
    locator = code[:4]
    act(reviewer, locator, "status", target="in_review", reason="We are looking into it now.")
    act(reviewer, locator, "note", body="INTERNAL: officer has three prior complaints")
    act(reviewer, locator, "message", body="Can you tell us what time it was?")
    board_page = reviewer.get(f"/review/cases/{locator}").get_data(as_text=True)
    assert "INTERNAL: officer has three prior complaints" in board_page
    page = complainant_page(client, code)
    assert "We are looking into it now." in page
    assert "Can you tell us what time it was?" in page
    assert "New" in page
    assert "INTERNAL" not in page
    assert "three prior complaints" not in page
    again = client.get("/case").get_data(as_text=True)
    assert '<span class="badge">New</span>' not in again


def test_a_reply_with_a_claim_code_is_caught(app: Flask, clock, client) -> None:
    code = file_directly(app, clock)
    Participant(client).check(code)
    response = client.post(
        "/case/reply", data={"csrf_token": csrf(client, "/case"), "body": f"my code {code}"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.get_data(as_text=True)
    assert "This looks like a claim code" in page
    with app.app_context():
        assert db.session().scalar(select(Complaint.unread_replies)) == 0


def test_a_referral_needs_the_complainants_yes(app: Flask, clock, reviewer, client) -> None:
    code = file_directly(app, clock)
    locator = code[:4]
    act(reviewer, locator, "status", target="in_review", reason="Reading it.")
    act(reviewer, locator, "refer", body="oversight", explanation="They can discipline officers.")
    page = reviewer.get(f"/review/cases/{locator}").get_data(as_text=True)
    assert "Hand-off: what will be sent" not in page
    with app.app_context():
        assert db.session().scalar(select(Complaint.status)) == "in_review"
    mine = complainant_page(client, code)
    assert "may we pass your complaint on?" in mine
    client.post(
        "/case/referral",
        data={"csrf_token": csrf(client, "/case"), "question": "1", "answer": "yes"},
    )
    # The yes to the referral is not a yes to what goes: nothing is marked passed on until
    # the board prepares a hand-off, the person says yes to it, and the board downloads it
    # (tests/test_handoff.py). The old one-click "Mark as passed on" is gone.
    page = reviewer.get(f"/review/cases/{locator}").get_data(as_text=True)
    assert "Mark as passed on" not in page
    assert "Hand-off: what will be sent" in page
    assert act(reviewer, locator, "referrals/1/sent").status_code == HTTPStatus.NOT_FOUND
    mine = client.get("/case").get_data(as_text=True)
    assert "Where your complaint went" in mine
    assert "The police oversight office: you said yes; it will be passed on" in mine
    with app.app_context():
        assert db.session().scalar(select(Complaint.status)) == "in_review"


def test_a_refused_referral_is_never_passed_on(app: Flask, clock, reviewer, client) -> None:
    code = file_directly(app, clock)
    locator = code[:4]
    act(reviewer, locator, "status", target="in_review", reason="Reading it.")
    act(reviewer, locator, "refer", body="legal_aid", explanation="Free lawyers.")
    complainant_page(client, code)
    client.post(
        "/case/referral",
        data={"csrf_token": csrf(client, "/case"), "question": "1", "answer": "no"},
    )
    assert "Hand-off: what will be sent" not in reviewer.get(f"/review/cases/{locator}").get_data(
        as_text=True
    )
    assert "Where your complaint went" not in client.get("/case").get_data(as_text=True)


def test_a_decision_resolves_the_case_and_the_letter_reaches_the_person(
    app: Flask, clock, reviewer, client
) -> None:
    code = file_directly(app, clock)
    locator = code[:4]
    act(reviewer, locator, "status", target="in_review", reason="Reading it.")
    unconfirmed = act(
        reviewer, locator, "decide", disposition="substantiated", letter="We believe you."
    )
    assert unconfirmed.status_code == HTTPStatus.BAD_REQUEST
    decided = act(
        reviewer,
        locator,
        "decide",
        disposition="substantiated",
        recommendation="Retrain the unit on searches.",
        dissent="One member wanted a stronger finding.",
        letter="We believe you. We asked the police to retrain the unit.",
        confirm="y",
    )
    assert decided.status_code == HTTPStatus.SEE_OTHER
    with app.app_context():
        complaint = db.session().scalars(select(Complaint)).one()
        assert complaint.status == "resolved"
        assert complaint.resolved_on == clock.moment.date()
        assert case_text(app, complaint).dissent == "One member wanted a stronger finding."
    page = complainant_page(client, code)
    assert "We believe you. We asked the police to retrain the unit." in page
    assert "How were you treated?" in page
    client.post(
        "/case/survey",
        data={"csrf_token": csrf(client, "/case"), "respected": "yes", "listened": "somewhat"},
    )
    assert "How were you treated?" not in client.get("/case").get_data(as_text=True)
    with app.app_context():
        answer = db.session().scalars(select(SurveyAnswer)).one()
        assert (answer.respected, answer.listened, answer.would_use_again) == (
            "yes",
            "somewhat",
            None,
        )
        assert not hasattr(answer, "complaint_id")


# --- who may see a case ----------------------------------------------------------------


def test_sexual_misconduct_cases_are_for_trained_reviewers_only(
    app: Flask, clock, board: Board
) -> None:
    locator = file_directly(app, clock, kind="sexual", narrative="He made me do things.")[:4]
    untrained = signed_in(app, board, Role.REVIEWER, "untrained")
    assert untrained.get(f"/review/cases/{locator}").status_code == HTTPStatus.NOT_FOUND
    assert locator not in untrained.get("/review/").get_data(as_text=True)
    with app.app_context():
        db.session().execute(
            Account.__table__.update()
            .where(Account.username == "untrained")
            .values(trained_sensitive=True)  # type: ignore[attr-defined]
        )
        db.session().commit()
    page = untrained.get(f"/review/cases/{locator}").get_data(as_text=True)
    assert "Content note" in page
    assert page.index("Content note") < page.index("He made me do things.")
    assert "<details" in page


def test_a_recused_reviewer_gets_404_and_loses_the_case_from_the_queue(
    app: Flask, clock, reviewer
) -> None:
    locator = file_directly(app, clock)[:4]
    assert locator in reviewer.get("/review/").get_data(as_text=True)
    unconfirmed = act(reviewer, locator, "recuse")
    assert unconfirmed.status_code == HTTPStatus.BAD_REQUEST
    act(reviewer, locator, "recuse", confirm="y")
    assert reviewer.get(f"/review/cases/{locator}").status_code == HTTPStatus.NOT_FOUND
    assert locator not in reviewer.get("/review/").get_data(as_text=True)
    blocked = reviewer.post(
        f"/review/cases/{locator}/note",
        data={"csrf_token": csrf(reviewer, "/review/"), "body": "x"},
    )
    assert blocked.status_code == HTTPStatus.NOT_FOUND
    assert last_action(app) == "case.recuse"


def member_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session().scalar(select(Account.id).where(Account.username == name))


def test_the_chair_honours_a_complainants_keep_away_request(
    app: Flask, clock, board: Board, client
) -> None:
    code = file_directly(app, clock)
    locator = code[:4]
    chair = signed_in(app, board, Role.ADMIN, "chair")
    member = signed_in(app, board, Role.REVIEWER, "knowsme")
    other = signed_in(app, board, Role.REVIEWER, "stranger")
    assert member.get(f"/review/cases/{locator}").status_code == HTTPStatus.OK
    complainant_page(client, code)
    client.post(
        "/case/keep-away",
        data={
            "csrf_token": csrf(client, "/case"),
            "keep_away": "The board member who is my cousin",
        },
    )
    # From the moment the person asks, only the chair can open the case.
    for reviewer in (member, other):
        assert reviewer.get(f"/review/cases/{locator}").status_code == HTTPStatus.NOT_FOUND
        queue = reviewer.get("/review/").get_data(as_text=True)
        assert locator not in queue
        assert 'status=received"><strong>0</strong> Received' in queue  # not counted either
    page = chair.get(f"/review/cases/{locator}").get_data(as_text=True)
    assert "The board member who is my cousin" in page
    assert "Held for the chair" in page
    assert "Held for the chair" in chair.get("/review/").get_data(as_text=True)

    act(chair, locator, "keep-away", member=str(member_id(app, "knowsme")))
    assert last_action(app) == "case.keep_away"
    assert other.get(f"/review/cases/{locator}").status_code == HTTPStatus.NOT_FOUND  # still held
    for reviewer in (member, other):  # held and kept away: counted out once, not twice
        queue = reviewer.get("/review/").get_data(as_text=True)
        assert 'status=received"><strong>0</strong> Received' in queue
    released = act(chair, locator, "release")
    assert released.status_code == HTTPStatus.SEE_OTHER
    assert last_action(app) == "case.release"

    assert member.get(f"/review/cases/{locator}").status_code == HTTPStatus.NOT_FOUND
    assert other.get(f"/review/cases/{locator}").status_code == HTTPStatus.OK
    assert locator in other.get("/review/").get_data(as_text=True)
    assert "Held for the chair" not in chair.get(f"/review/cases/{locator}").get_data(True)


def test_a_keep_away_request_made_when_filing_holds_the_case_too(
    app: Flask, clock, board: Board
) -> None:
    held = file_directly(app, clock, keep_away="My case manager, Sam")[:4]
    plain = file_directly(app, clock)[:4]
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    queue = reviewer.get("/review/").get_data(as_text=True)
    assert plain in queue
    assert held not in queue
    assert reviewer.get(f"/review/cases/{held}").status_code == HTTPStatus.NOT_FOUND
    assert (
        reviewer.post(
            f"/review/cases/{held}/note",
            data={"csrf_token": csrf(reviewer, "/review/"), "body": "x"},
        ).status_code
        == HTTPStatus.NOT_FOUND
    )
    refused = reviewer.post(
        f"/review/cases/{held}/release", data={"csrf_token": csrf(reviewer, "/review/")}
    )
    assert refused.status_code == HTTPStatus.NOT_FOUND
    chair = signed_in(app, board, Role.ADMIN, "chair")
    assert "My case manager, Sam" in chair.get(f"/review/cases/{held}").get_data(True)


def test_releasing_twice_is_explained_not_an_error(app: Flask, clock, board: Board) -> None:
    locator = file_directly(app, clock, keep_away="Officer friend on the board")[:4]
    chair = signed_in(app, board, Role.ADMIN, "chair")
    act(chair, locator, "release")
    again = act(chair, locator, "release")
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert "can already see this case" in again.get_data(as_text=True)


# --- withdrawal ------------------------------------------------------------------------


def test_withdrawing_keeps_the_words_when_asked(app: Flask, clock, client) -> None:
    code = file_directly(app, clock, narrative="Keep this on file please.")
    complainant_page(client, code)
    client.post("/case/withdraw", data={"csrf_token": csrf(client, "/case"), "how": "stop"})
    page = client.get("/case").get_data(as_text=True)
    assert "You withdrew this complaint." in page
    assert "Keep this on file please." in page


def test_withdrawing_with_deletion_removes_the_text_for_good(
    app: Flask, clock, reviewer, client
) -> None:
    secret_words = "UNIQUE-NARRATIVE-7731 the sergeant at the shelter"
    code = file_directly(
        app,
        clock,
        narrative=secret_words,
        officer="BADGE-5521",
        where_text="PLACE-9981",
        race="black",
    )
    locator = code[:4]
    act(reviewer, locator, "message", body="BOARD-MESSAGE-4410")
    Participant(client).check(code)
    client.post("/case/reply", data={"csrf_token": csrf(client, "/case"), "body": "REPLY-3318"})
    response = client.post(
        "/case/withdraw",
        data={"csrf_token": csrf(client, "/case"), "how": "delete", "confirm": "yes"},
    )
    assert "deleted" in response.get_data(as_text=True)
    dump = dump_database(app)
    for planted in (
        "UNIQUE-NARRATIVE-7731",
        "BADGE-5521",
        "PLACE-9981",
        "BOARD-MESSAGE-4410",
        "REPLY-3318",
    ):
        assert planted not in dump
    with app.app_context():
        tombstone = db.session().scalars(select(Complaint)).one()
        assert tombstone.status == "withdrawn"
        assert tombstone.text_deleted
        assert tombstone.demographics.race == "black"  # still counted in the figures
    assert Participant(client).check(code).status_code == HTTPStatus.OK  # the code no longer opens
    assert "deleted" in reviewer.get(f"/review/cases/{locator}").get_data(as_text=True)


def test_every_case_action_is_audited(app: Flask, clock, reviewer) -> None:
    locator = file_directly(app, clock)[:4]
    steps = [
        ("status", {"target": "in_review", "reason": "Reading."}, "case.status"),
        ("note", {"body": "n"}, "case.note"),
        ("message", {"body": "m"}, "case.message"),
        ("assign", {"to": ""}, "case.assign"),
        ("refer", {"body": "grievance", "explanation": "e"}, "case.referral_propose"),
        (
            "decide",
            {"disposition": "undetermined", "letter": "l", "confirm": "y"},
            "case.decide",
        ),
    ]
    for action, data, recorded in steps:
        assert act(reviewer, locator, action, **data).status_code == HTTPStatus.SEE_OTHER
        assert last_action(app) == recorded


def test_queue_counts_stay_exact_through_every_kind_of_change(
    app: Flask, clock, board: Board, client
) -> None:
    from sqlalchemy import func

    from portal.models import StatusCount

    codes = [file_directly(app, clock, kind=kind) for kind in ("police", "sexual", "provider")]
    app.test_cli_runner().invoke(args=["demo-data", "--complaints", "120"])
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    act(reviewer, codes[0][:4], "status", target="triaged", reason="Read.")
    complainant_page(client, codes[2])
    client.post(
        "/case/withdraw",
        data={"csrf_token": csrf(client, "/case"), "how": "delete", "confirm": "yes"},
    )
    with app.app_context():
        session = db.session()
        kept = {
            (s, bool(sens)): n
            for s, sens, n in session.execute(
                select(StatusCount.status, StatusCount.sensitive, StatusCount.n)
            )
            if n
        }
        sensitive = Complaint.kind.is_not(None) & (Complaint.kind == "sexual")
        actual = {
            (s, bool(sens)): n
            for s, sens, n in session.execute(
                select(Complaint.status, sensitive, func.count()).group_by(
                    Complaint.status, sensitive
                )
            )
        }
    assert kept == actual
    page = reviewer.get("/review/?status=triaged").get_data(as_text=True)
    triaged_visible = sum(n for (s, sens), n in actual.items() if s == "triaged" and not sens)
    assert f"<strong>{triaged_visible}</strong> Looked at" in page


def _legend(page: str, question: str) -> str:
    found = re.search(rf"<legend>({re.escape(question)}.*?)</legend>", page, re.S)
    assert found, f"no question {question!r} on the page"
    return found.group(1)


def test_required_choices_on_the_case_page_never_say_optional(
    app: Flask, clock, reviewer, client
) -> None:
    code = file_directly(app, clock)
    locator = code[:4]
    act(reviewer, locator, "status", target="in_review", reason="Reading it.")
    act(reviewer, locator, "refer", body="legal_aid", explanation="Free lawyers.")
    page = complainant_page(client, code)
    assert "optional" not in _legend(page, "How do you want to stop?")
    assert "optional" not in _legend(page, "Your answer")


# --- withdrawing with deletion asks first -------------------------------------------------


def _withdraw(client: FlaskClient, **data: str):
    return client.post("/case/withdraw", data={"csrf_token": csrf(client, "/case"), **data})


def test_deleting_asks_first_and_says_exactly_what_will_be_gone(
    app: Flask, clock, reviewer, client
) -> None:
    code = file_directly(app, clock, narrative="WORDS-5120 at the shelter", race="black")
    act(reviewer, code[:4], "message", body="Can you tell us more?")
    Participant(client).check(code)
    client.post("/case/reply", data={"csrf_token": csrf(client, "/case"), "body": "Yes, here."})

    asked = _withdraw(client, how="delete")
    assert asked.status_code == HTTPStatus.OK
    page = asked.get_data(as_text=True)
    assert "Delete your complaint for good?" in page
    assert "All 2 messages between you and the board." in page
    assert "Your claim code. It will stop working" in page
    assert "counted in the public figures" in page
    assert ">Yes, delete it</button>" in page
    assert ">No, go back</button>" in page
    # Nothing is gone yet: the words are still there and the code still opens them.
    assert "WORDS-5120" in client.get("/case").get_data(as_text=True)
    with app.app_context():
        assert not db.session().scalars(select(Complaint)).one().text_deleted


def test_going_back_from_deleting_keeps_the_case_and_the_choice(app: Flask, clock, client) -> None:
    code = file_directly(app, clock, narrative="WORDS-5121")
    Participant(client).check(code)
    _withdraw(client, how="delete")
    back = _withdraw(client, how="delete", confirm="no")
    assert back.status_code == HTTPStatus.OK
    page = back.get_data(as_text=True)
    assert "WORDS-5121" in page
    assert re.search(r'<details class="more" id="stop" open>', page)
    assert re.search(r'<input[^>]*checked[^>]*value="delete"|value="delete"[^>]*checked', page)
    with app.app_context():
        complaint = db.session().scalars(select(Complaint)).one()
        assert (complaint.status, complaint.text_deleted) == ("received", False)


def test_yes_on_the_confirmation_deletes_for_good(app: Flask, clock, client) -> None:
    code = file_directly(app, clock, narrative="WORDS-5122")
    Participant(client).check(code)
    _withdraw(client, how="delete")
    done = _withdraw(client, how="delete", confirm="yes")
    assert "Your complaint is stopped and deleted" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalars(select(Complaint)).one().text_deleted


def test_the_language_button_on_the_delete_confirmation_deletes_nothing(
    app: Flask, clock, client
) -> None:
    code = file_directly(app, clock, narrative="WORDS-5123")
    Participant(client).check(code)
    switched = _withdraw(client, how="delete", lang="es")
    assert switched.status_code == HTTPStatus.OK
    assert "Sí, bórrala" in switched.get_data(as_text=True)
    with app.app_context():
        assert not db.session().scalars(select(Complaint)).one().text_deleted
