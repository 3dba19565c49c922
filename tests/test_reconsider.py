"""Asking again and mediation (issue 17, part 3), over HTTP: the person asks once, in time,
on their own decided case; the board decides again; mediation is asked for and recorded; and
the attacks: asking twice, too late, on a withdrawn case, on someone else's case, and a board
member who stepped away recording an outcome."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import db
from portal.board.accounts import Role
from portal.models import AuditEvent, AuditPending, Complaint, StatusChange
from portal.site import Site
from tests.board import Board, csrf
from tests.builders import act, file_directly, save, signed_in
from tests.conftest import FakeClock, Participant, case_text
from tests.test_races import all_at_once

REASON = "PLANTED-REASON the board did not read the paper I sent about the clinic"
FIRST_LETTER = "We looked at what happened and could not find that it did."
NEW_LETTER = "We looked again, read your paper, and now believe you."


@pytest.fixture
def chair(app: Flask, board: Board) -> FlaskClient:
    return signed_in(app, board, Role.ADMIN, "chair")


def decided(app: Flask, clock: FakeClock, chair: FlaskClient, **fields: str) -> str:
    """A filed case the board has decided, with a letter; returns its claim code."""
    code = file_directly(app, clock, **fields)
    moved = act(chair, code[:4], "status", target="in_review", reason="We are reading it.")
    assert moved.status_code == HTTPStatus.SEE_OTHER
    decision = act(
        chair,
        code[:4],
        "decide",
        disposition="not_substantiated",
        letter=FIRST_LETTER,
        confirm="y",
    )
    assert decision.status_code == HTTPStatus.SEE_OTHER
    return code


def opened(app: Flask, code: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    Participant(client).check(code)
    return client, client.get("/case").get_data(as_text=True)


def ask_again(client: FlaskClient, reason: str = REASON, **extra: str):
    return client.post(
        "/case/ask-again", data={"csrf_token": csrf(client, "/case"), "reason": reason, **extra}
    )


def ask_mediation(client: FlaskClient):
    return client.post("/case/mediation", data={"csrf_token": csrf(client, "/case")})


def stored(app: Flask, locator: str) -> Complaint:
    with app.app_context():
        complaint = db.session().scalar(select(Complaint).where(Complaint.locator == locator))
        db.session().expunge(complaint)
        return complaint


def changes_to(app: Flask, status: str) -> int:
    with app.app_context():
        return db.session().scalar(
            select(func.count()).select_from(StatusChange).where(StatusChange.to_status == status)
        )


def board_events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent).where(AuditEvent.action == action)))


def person_events(app: Flask, action: str) -> int:
    with app.app_context():
        return db.session().scalar(
            select(func.count()).select_from(AuditPending).where(AuditPending.action == action)
        )


# --- asking again --------------------------------------------------------------------------


def test_the_person_asks_again_and_the_board_changes_its_decision(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    code = decided(app, clock, chair)
    locator = code[:4]
    person, page = opened(app, code)
    assert "Ask the board to look again" in page
    assert "You can ask once, until" in page

    response = ask_again(person)
    assert response.status_code == HTTPStatus.SEE_OTHER
    page = person.get("/case").get_data(as_text=True)
    assert "You asked the board to look again" in page
    assert "You asked the review board to look again at its decision." in page
    assert REASON in page
    assert 'action="/case/ask-again"' not in page
    complaint = stored(app, locator)
    assert complaint.status == "reconsideration"
    # Sealed like the person's other words: not in the row as typed.
    assert REASON not in (complaint.reconsider_reason or "")
    assert case_text(app, complaint).reconsider_reason == REASON
    assert person_events(app, "complainant.reconsider") == 1

    # The board sees why, and the case is back in its queue of work to do.
    board_page = chair.get(f"/review/cases/{locator}").get_data(as_text=True)
    assert REASON in board_page
    assert "Record the new decision" in board_page
    assert locator in chair.get("/review/").get_data(as_text=True)

    new = act(
        chair, locator, "redecide", disposition="substantiated", letter=NEW_LETTER, confirm="y"
    )
    assert new.status_code == HTTPStatus.SEE_OTHER
    complaint = stored(app, locator)
    assert (complaint.status, complaint.disposition) == ("resolved", "substantiated")
    assert complaint.reconsider_changed is True
    [event] = board_events(app, "case.reconsider_decide")
    assert event.object_id == locator
    assert '"changed": true' in event.detail or '"changed":true' in event.detail

    page = person.get("/case").get_data(as_text=True)
    assert NEW_LETTER in page
    assert FIRST_LETTER in page  # the first letter stays in the timeline
    assert "The decision changed." in page
    assert "What you said happened was found to be true" in page
    # Once only: no second chance, even within the days.
    assert 'action="/case/ask-again"' not in page


def test_a_new_decision_that_keeps_the_outcome_is_counted_as_the_same(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    code = decided(app, clock, chair)
    person, _page = opened(app, code)
    ask_again(person)
    board_page = chair.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    # The form starts from the decision as it stands.
    assert '<option selected value="not_substantiated">' in board_page
    act(chair, code[:4], "redecide", disposition="not_substantiated", letter="Still.", confirm="y")
    assert stored(app, code[:4]).reconsider_changed is False
    assert "The decision stayed the same." in person.get("/case").get_data(as_text=True)


def test_asking_twice_asks_once(app: Flask, clock: FakeClock, chair: FlaskClient) -> None:
    code = decided(app, clock, chair)
    person, _page = opened(app, code)
    ask_again(person)
    second = ask_again(person, reason="Again, louder.")
    assert second.status_code == HTTPStatus.SEE_OTHER
    assert "You already asked once" in person.get("/case").get_data(as_text=True)
    assert changes_to(app, "reconsideration") == 1
    assert case_text(app, stored(app, code[:4])).reconsider_reason == REASON

    # Nor after the new decision, which puts the case back where it could have been asked.
    act(chair, code[:4], "redecide", disposition="substantiated", letter="Yes.", confirm="y")
    third = ask_again(person, reason="One more time.")
    assert third.status_code == HTTPStatus.SEE_OTHER
    assert "You already asked once" in person.get("/case").get_data(as_text=True)
    assert stored(app, code[:4]).status == "resolved"
    assert changes_to(app, "reconsideration") == 1


def test_tabs_asking_at_the_same_moment_ask_once(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    """Four browsers holding the code send at once: one request is taken, the others are
    told kindly, none answers 500."""
    code = decided(app, clock, chair)
    tabs = [opened(app, code)[0] for _ in range(4)]

    def sender(tab: FlaskClient) -> Callable[[], int]:
        token = csrf(tab, "/case")
        data = {"csrf_token": token, "reason": REASON}
        return lambda: tab.post("/case/ask-again", data=data).status_code

    posts = [sender(tab) for tab in tabs]
    codes = all_at_once(posts)
    assert codes == [HTTPStatus.SEE_OTHER] * 4
    assert changes_to(app, "reconsideration") == 1
    assert person_events(app, "complainant.reconsider") == 1


def test_after_the_window_the_button_is_gone_and_a_made_up_post_is_refused_kindly(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    code = decided(app, clock, chair)
    clock.advance(days=31)  # the site's default is 30 days
    person, page = opened(app, code)
    assert 'action="/case/ask-again"' not in page
    response = ask_again(person)
    assert response.status_code == HTTPStatus.SEE_OTHER
    page = person.get("/case").get_data(as_text=True)
    assert "The time to ask the board to look again has passed" in page
    assert stored(app, code[:4]).status == "resolved"
    assert changes_to(app, "reconsideration") == 0


def test_the_last_day_still_counts(app: Flask, clock: FakeClock, chair: FlaskClient) -> None:
    code = decided(app, clock, chair)
    clock.advance(days=30)
    person, page = opened(app, code)
    assert 'action="/case/ask-again"' in page
    assert ask_again(person).status_code == HTTPStatus.SEE_OTHER
    assert stored(app, code[:4]).status == "reconsideration"


def test_the_admin_sets_the_days(app: Flask, clock: FakeClock, chair: FlaskClient) -> None:
    code = decided(app, clock, chair)
    page = chair.get("/review/admin/settings").get_data(as_text=True)
    assert 'name="reconsider_days"' in page
    assert 'name="mediation_offered"' in page
    saved = save(chair, reconsider_days="5", mediation_offered="y")
    assert saved.status_code == HTTPStatus.SEE_OTHER, saved.get_data(as_text=True)
    clock.advance(days=6)
    _person, page = opened(app, code)
    assert 'action="/case/ask-again"' not in page
    assert "I would like mediation" in page


@pytest.mark.parametrize("days", ["0", "-1", "abc", "99999999999999999999", ""])
def test_a_bad_number_of_days_is_refused_kindly(chair: FlaskClient, days: str) -> None:
    response = save(chair, reconsider_days=days)
    assert response.status_code == HTTPStatus.OK
    assert 'name="reconsider_days"' in response.get_data(as_text=True)


def test_a_withdrawn_case_cannot_ask(app: Flask, clock: FakeClock, chair: FlaskClient) -> None:
    code = decided(app, clock, chair)
    person, _page = opened(app, code)
    stopped = person.post(
        "/case/withdraw", data={"csrf_token": csrf(person, "/case"), "how": "stop"}
    )
    assert stopped.status_code == HTTPStatus.SEE_OTHER
    page = person.get("/case").get_data(as_text=True)
    assert 'action="/case/ask-again"' not in page
    assert ask_again(person).status_code == HTTPStatus.SEE_OTHER
    assert "This complaint was stopped" in person.get("/case").get_data(as_text=True)
    assert stored(app, code[:4]).status == "withdrawn"


def test_a_case_not_yet_decided_cannot_ask(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    code = file_directly(app, clock)
    person, page = opened(app, code)
    assert 'action="/case/ask-again"' not in page
    ask_again(person)
    assert "There is no decision to look at again yet." in person.get("/case").get_data(
        as_text=True
    )
    assert stored(app, code[:4]).status == "received"


def test_asking_on_someone_elses_case_reaches_only_your_own(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    """The session holds only the id of the case whose code was typed: nothing in the form
    can point the request at another case."""
    theirs = decided(app, clock, chair)
    mine = file_directly(app, clock)
    me, _page = opened(app, mine)
    other = stored(app, theirs[:4])
    ask_again(me, locator=theirs[:4], complaint=str(other.id), complaint_id=str(other.id))
    assert stored(app, theirs[:4]).status == "resolved"
    assert stored(app, theirs[:4]).reconsider_asked_on is None
    # Without an open case, nothing at all.
    stranger = app.test_client()
    stranger.get("/check")
    response = stranger.post(
        "/case/ask-again", data={"csrf_token": csrf(stranger, "/check"), "reason": REASON}
    )
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response.headers["Location"].endswith("/check")
    assert changes_to(app, "reconsideration") == 0


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Please write why first."),
        ("   ", "Please write why first."),
        ("x" * 5001, "This box holds up to 5000 characters"),
    ],
)
def test_a_reason_with_a_problem_keeps_the_words_and_says_how_to_fix_it(
    app: Flask, clock: FakeClock, chair: FlaskClient, reason: str, message: str
) -> None:
    code = decided(app, clock, chair)
    person, _page = opened(app, code)
    response = ask_again(person, reason=reason)
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in page
    assert stored(app, code[:4]).status == "resolved"


def test_a_claim_code_in_the_reason_is_caught_and_the_words_kept(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    code = decided(app, clock, chair)
    person, _page = opened(app, code)
    typed = f"My code is {code}, please look"
    response = ask_again(person, reason=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This looks like a claim code" in page
    assert "please look" in page
    assert stored(app, code[:4]).status == "resolved"


def test_a_case_that_closed_while_writing_hands_the_words_back(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    code = decided(app, clock, chair)
    person, _page = opened(app, code)
    token = csrf(person, "/case")
    clock.advance(minutes=16)
    response = person.post("/case/ask-again", data={"csrf_token": token, "reason": REASON})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert REASON in response.get_data(as_text=True)


def test_withdrawing_with_deletion_erases_the_reason(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    code = decided(app, clock, chair)
    person, _page = opened(app, code)
    ask_again(person)
    person.post(
        "/case/withdraw",
        data={"csrf_token": csrf(person, "/case"), "how": "delete", "confirm": "yes"},
    )
    complaint = stored(app, code[:4])
    assert complaint.status == "withdrawn"
    assert complaint.reconsider_reason is None
    assert complaint.reconsider_asked_on is not None  # the day stays, for the figures


def test_a_member_who_stepped_away_cannot_decide_again(
    app: Flask, clock: FakeClock, chair: FlaskClient, board: Board
) -> None:
    code = decided(app, clock, chair)
    person, _page = opened(app, code)
    ask_again(person)
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    act(reviewer, code[:4], "recuse", confirm="y")
    path = f"/review/cases/{code[:4]}/redecide"
    response = reviewer.post(
        path,
        data={
            "csrf_token": csrf(reviewer, "/review/"),
            "disposition": "substantiated",
            "letter": "Yes.",
            "confirm": "y",
        },
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert stored(app, code[:4]).status == "reconsideration"


@pytest.mark.parametrize(
    "data",
    [
        {"disposition": "nonsense", "letter": "x", "confirm": "y"},
        {"disposition": "withdrawn", "letter": "x", "confirm": "y"},
        {"disposition": "substantiated", "letter": "", "confirm": "y"},
        {"disposition": "substantiated", "letter": "x"},
        {"disposition": "substantiated", "letter": "x" * 20_000, "confirm": "y"},
        {},
    ],
)
def test_a_bad_new_decision_is_refused_without_a_500(
    app: Flask, clock: FakeClock, chair: FlaskClient, data: dict[str, str]
) -> None:
    code = decided(app, clock, chair)
    person, _page = opened(app, code)
    ask_again(person)
    response = act(chair, code[:4], "redecide", **data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert stored(app, code[:4]).status == "reconsideration"


def test_a_new_decision_on_a_case_nobody_asked_about_is_refused(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    code = decided(app, clock, chair)
    response = act(
        chair, code[:4], "redecide", disposition="substantiated", letter="x", confirm="y"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert stored(app, code[:4]).disposition == "not_substantiated"
    assert board_events(app, "case.reconsider_decide") == []


# --- mediation -----------------------------------------------------------------------------


def test_mediation_is_off_unless_the_program_offers_it(
    app: Flask, clock: FakeClock, chair: FlaskClient
) -> None:
    code = decided(app, clock, chair)
    person, page = opened(app, code)
    assert "I would like mediation" not in page
    assert ask_mediation(person).status_code == HTTPStatus.SEE_OTHER
    assert "Mediation is not offered here" in person.get("/case").get_data(as_text=True)
    assert stored(app, code[:4]).mediation_asked_on is None


class TestWhereMediationIsOffered:
    @pytest.fixture
    def site(self) -> Site:
        return Site(
            program_name="Test LEAD",
            quick_exit_url="https://weather.example/",
            mediation_offered=True,
        )

    def test_asked_for_after_filing_recorded_by_the_board_and_shown_to_the_person(
        self, app: Flask, clock: FakeClock, chair: FlaskClient
    ) -> None:
        code = file_directly(app, clock)
        person, page = opened(app, code)
        assert "I would like mediation" in page
        assert ask_mediation(person).status_code == HTTPStatus.SEE_OTHER
        page = person.get("/case").get_data(as_text=True)
        assert "You asked for mediation" in page
        assert "I would like mediation" not in page
        assert person_events(app, "complainant.mediation") == 1

        board_page = chair.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
        assert "Record how the mediation went" in board_page
        done = act(chair, code[:4], "mediation", held="yes", outcome="resolved")
        assert done.status_code == HTTPStatus.SEE_OTHER
        complaint = stored(app, code[:4])
        assert (complaint.mediation_held, complaint.mediation_outcome) == (True, "resolved")
        [event] = board_events(app, "case.mediation")
        assert event.object_id == code[:4]
        assert "The mediation was held, and it settled things." in person.get("/case").get_data(
            as_text=True
        )
        # Recorded once: a second recording is refused.
        again = act(chair, code[:4], "mediation", held="no", outcome="declined")
        assert again.status_code == HTTPStatus.BAD_REQUEST
        assert stored(app, code[:4]).mediation_outcome == "resolved"

    def test_asked_for_after_the_outcome(
        self, app: Flask, clock: FakeClock, chair: FlaskClient
    ) -> None:
        code = decided(app, clock, chair)
        person, page = opened(app, code)
        assert "I would like mediation" in page
        ask_mediation(person)
        assert stored(app, code[:4]).mediation_asked_on is not None

    def test_asking_twice_asks_once(self, app: Flask, clock: FakeClock) -> None:
        code = file_directly(app, clock)
        person, _page = opened(app, code)
        ask_mediation(person)
        ask_mediation(person)
        assert "You already asked once" in person.get("/case").get_data(as_text=True)
        assert person_events(app, "complainant.mediation") == 1

    def test_a_withdrawn_case_cannot_ask(self, app: Flask, clock: FakeClock) -> None:
        code = file_directly(app, clock)
        person, _page = opened(app, code)
        token = csrf(person, "/case")
        person.post("/case/withdraw", data={"csrf_token": token, "how": "stop"})
        assert "I would like mediation" not in person.get("/case").get_data(as_text=True)
        response = person.post("/case/mediation", data={"csrf_token": token})
        assert response.status_code == HTTPStatus.SEE_OTHER
        assert "This complaint was stopped" in person.get("/case").get_data(as_text=True)
        assert stored(app, code[:4]).mediation_asked_on is None

    def test_a_member_who_stepped_away_cannot_record_the_outcome(
        self, app: Flask, clock: FakeClock, board: Board
    ) -> None:
        code = file_directly(app, clock)
        person, _page = opened(app, code)
        ask_mediation(person)
        reviewer = signed_in(app, board, Role.REVIEWER, "rev")
        act(reviewer, code[:4], "recuse", confirm="y")
        response = reviewer.post(
            f"/review/cases/{code[:4]}/mediation",
            data={"csrf_token": csrf(reviewer, "/review/"), "held": "no", "outcome": "declined"},
        )
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert stored(app, code[:4]).mediation_outcome is None
        assert board_events(app, "case.mediation") == []

    @pytest.mark.parametrize(
        "data",
        [
            {"held": "no", "outcome": "resolved"},
            {"held": "yes", "outcome": "declined"},
            {"held": "maybe", "outcome": "resolved"},
            {"held": "yes", "outcome": "nonsense"},
            {},
        ],
    )
    def test_an_outcome_that_does_not_add_up_is_refused_without_a_500(
        self, app: Flask, clock: FakeClock, chair: FlaskClient, data: dict[str, str]
    ) -> None:
        code = file_directly(app, clock)
        person, _page = opened(app, code)
        ask_mediation(person)
        response = act(chair, code[:4], "mediation", **data)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert stored(app, code[:4]).mediation_outcome is None

    def test_nothing_to_record_before_the_person_asks(
        self, app: Flask, clock: FakeClock, chair: FlaskClient
    ) -> None:
        code = file_directly(app, clock)
        response = act(chair, code[:4], "mediation", held="yes", outcome="resolved")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "The person has not asked for mediation." in response.get_data(as_text=True)


def test_a_new_decision_and_a_mediation_outcome_are_news_for_a_person_who_asked(
    config, site: Site, clock: FakeClock
) -> None:
    import dataclasses

    from tests import mailbox
    from tests.test_news_email import _app, file_and_ask_for_news

    with mailbox.running() as inbox:
        mail_app = _app(
            config, dataclasses.replace(site, mediation_offered=True), clock, inbox.port
        )
        try:
            code, person = file_and_ask_for_news(mail_app)
            board = Board(mail_app, clock)
            head = signed_in(mail_app, board, Role.ADMIN, "chair")
            act(head, code[:4], "status", target="in_review", reason="We are reading it.")
            act(
                head,
                code[:4],
                "decide",
                disposition="not_substantiated",
                letter=FIRST_LETTER,
                confirm="y",
            )
            Participant(person).check(code)
            assert ask_again(person).status_code == HTTPStatus.SEE_OTHER
            assert ask_mediation(person).status_code == HTTPStatus.SEE_OTHER
            before = len(inbox.messages)
            act(
                head,
                code[:4],
                "redecide",
                disposition="substantiated",
                letter=NEW_LETTER,
                confirm="y",
            )
            assert len(inbox.messages) == before + 1
            act(head, code[:4], "mediation", held="yes", outcome="resolved")
            assert len(inbox.messages) == before + 2
            for _to, raw in inbox.messages[before:]:
                text = raw.decode("latin-1")
                assert NEW_LETTER not in text
                assert code[:4] not in text
        finally:
            mail_app.extensions["portal.notifier"].wait()
            mail_app.extensions["portal.db"].engine.dispose()
