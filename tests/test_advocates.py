"""Peer advocates: the consent step, assisted filing with no trace of who helped whom, the
hand-over, "Finish and clear", kiosk mode, and linking a complaint whose code was lost."""

from __future__ import annotations

import dataclasses
import re
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import create_app, db
from portal.board.accounts import Role
from portal.models import Account, AuditEvent, AuditPending, Complaint
from tests.board import Board, csrf
from tests.builders import (
    NARRATIVE,
    act,
    approve,
    assisted_filing,
    complainant_page,
    file_directly,
    signed_in,
)
from tests.conftest import Participant, code_on_page, give_board_key


@pytest.fixture
def advocate(app: Flask, board: Board) -> FlaskClient:
    client = signed_in(app, board, Role.ADVOCATE, "peer")
    with app.app_context():
        db.session().execute(
            Account.__table__.update()  # type: ignore[attr-defined]
            .where(Account.username == "peer")
            .values(organisation="Harm Reduction Collective")
        )
        db.session().commit()
    return client


def test_an_advocate_is_sent_to_the_consent_step_first(advocate: FlaskClient) -> None:
    response = advocate.get("/file")
    assert response.headers["Location"] == "/review/assist"
    page = advocate.get("/review/assist").get_data(as_text=True)
    assert "will not be able to see your complaint afterwards" in page
    assert "It is not the police." in page


def test_consent_must_be_ticked(advocate: FlaskClient) -> None:
    response = advocate.post(
        "/review/assist", data={"csrf_token": csrf(advocate, "/review/assist")}
    )
    assert "Please read the steps to the person and tick this box." in response.get_data(
        as_text=True
    )
    assert advocate.get("/file").headers["Location"] == "/review/assist"


def test_an_assisted_complaint_records_the_organisation_not_the_advocate(
    app: Flask, advocate: FlaskClient
) -> None:
    response = assisted_filing(advocate)
    assert response.status_code == HTTPStatus.OK
    with app.app_context():
        session = db.session()
        complaint = session.scalars(select(Complaint)).one()
        advocate_id = session.scalar(select(Account.id).where(Account.username == "peer"))
        # A filing's time is the person's: it waits outside the chain until its hour is over.
        assert (
            session.scalars(select(AuditEvent).where(AuditEvent.action == "assist.file")).all()
            == []
        )
        event = session.scalars(
            select(AuditPending).where(AuditPending.action == "assist.file")
        ).one()
    assert complaint.assisted_by == "advocate"
    assert complaint.assisted_org == "Harm Reduction Collective"
    columns = {c.name for c in Complaint.__table__.columns}  # type: ignore[attr-defined]
    linked = {c for c in columns if c.endswith("_id") or c.endswith("_by") or c == "assigned_to"}
    assert {getattr(complaint, c) for c in linked} <= {None, "advocate"}
    # The audit event names the advocate, not the complaint, and only to the hour.
    assert event.account_id == advocate_id
    assert event.object_id is None
    assert complaint.locator not in event.detail
    assert event.at.minute == 0
    assert event.at.second == 0


def test_consent_is_for_one_person(advocate: FlaskClient) -> None:
    assisted_filing(advocate)
    assert advocate.get("/file").headers["Location"] == "/review/assist"


def test_the_hand_over_page_reads_the_code_aloud_and_prints_a_slip_without_details(
    advocate: FlaskClient,
) -> None:
    page = assisted_filing(advocate).get_data(as_text=True)
    code = code_on_page(page)
    assert "Read it aloud" in page
    for group in code.split("-"):
        for char in group:
            if char.isalpha():
                assert re.search(rf"{char} as in [a-z\-]+", page)
    slip = page[page.index('<section class="slip"') :]
    slip = slip[: slip.index("</section>")]
    assert code in slip
    assert "PLANTED-ADVOCATE-NARRATIVE" not in slip
    assert "Check my complaint" in slip
    assert "Finish and clear" in page


def test_finish_and_clear_leaves_nothing_on_the_screen(app: Flask, advocate: FlaskClient) -> None:
    page = assisted_filing(advocate).get_data(as_text=True)
    code = code_on_page(page)
    Participant(advocate).check(code)  # the advocate helps check the code
    assert NARRATIVE in advocate.get("/case").get_data(as_text=True)
    response = advocate.post("/finish")
    assert response.headers["Location"] == "/"
    home = advocate.get("/", follow_redirects=True).get_data(as_text=True)
    assert NARRATIVE not in home
    assert code not in home
    assert advocate.get("/case").headers["Location"] == "/check"
    assert advocate.get("/review/").headers["Location"] == "/review/sign-in"
    with advocate.session_transaction() as session:
        assert dict(session) == {}


def test_advocates_get_404_on_every_case_route(app: Flask, clock, advocate: FlaskClient) -> None:
    locator = file_directly(app, clock)[:4]
    assert advocate.get(f"/review/cases/{locator}").status_code == HTTPStatus.NOT_FOUND
    for action in ("note", "message", "status", "assign", "decide", "recuse", "refer", "link"):
        response = advocate.post(
            f"/review/cases/{locator}/{action}", data={"csrf_token": csrf(advocate, "/review/")}
        )
        assert response.status_code == HTTPStatus.NOT_FOUND, action
    assert locator not in advocate.get("/review/").get_data(as_text=True)


def test_kiosk_mode_clears_an_idle_screen_without_javascript(config, site, clock) -> None:
    kiosk = create_app(config, site=dataclasses.replace(site, kiosk_mode=True), now=clock)
    give_board_key(kiosk, clock.moment)
    client = kiosk.test_client()
    home = client.get("/").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="120;url=/idle"></noscript>' in home
    assert 'data-idle-seconds="120"' in home
    form = client.get("/file").get_data(as_text=True)
    assert 'content="600;url=/idle"' in form  # longer where people type
    person = Participant(client)
    person.check(person.file_and_get_code())
    assert client.get("/case").status_code == HTTPStatus.OK
    assert client.get("/idle").headers["Location"] == "/"
    assert client.get("/case").status_code == HTTPStatus.SEE_OTHER
    kiosk.extensions["portal.db"].engine.dispose()


def test_no_kiosk_refresh_unless_the_site_asks_for_it(client) -> None:
    assert "http-equiv" not in client.get("/").get_data(as_text=True)


def test_a_lost_code_link_needs_the_persons_confirmation(
    app: Flask, clock, board: Board, client
) -> None:
    earlier_code = file_directly(app, clock, narrative="EARLIER-WORDS about the shelter")
    clock.advance(days=30)
    new_code = file_directly(
        app,
        clock,
        narrative="It happened again.",
        lost_code_note="I sent one last month about the shelter",
    )
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    page = reviewer.get(f"/review/cases/{new_code[:4]}").get_data(as_text=True)
    assert "I sent one last month about the shelter" in page
    act(reviewer, new_code[:4], "link", earlier=earlier_code[:4].lower())
    assert "Is this your earlier complaint?" not in complainant_page(client, new_code)
    approve(signed_in(app, board, Role.ADMIN, "chair"), app, new_code[:4])
    mine = complainant_page(client, new_code)
    assert "Is this your earlier complaint?" in mine
    assert "EARLIER-WORDS" not in mine  # nothing of it shows before the person says yes
    client.post(
        "/case/link", data={"csrf_token": csrf(client, "/case"), "question": "1", "answer": "yes"}
    )
    mine = client.get("/case").get_data(as_text=True)
    assert f"reference {earlier_code[:4]}" in mine
    assert "EARLIER-WORDS" not in mine  # its status only, never its words


def test_keeping_someone_away_holds_the_cases_the_person_confirmed_as_theirs(
    app: Flask, clock, board: Board, client
) -> None:
    earlier = file_directly(app, clock, narrative="earlier one")[:4]
    new_code = file_directly(app, clock, narrative="again", lost_code_note="lost my code")
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    act(reviewer, new_code[:4], "link", earlier=earlier)
    approve(signed_in(app, board, Role.ADMIN, "chair"), app, new_code[:4])
    complainant_page(client, new_code)
    client.post(
        "/case/link", data={"csrf_token": csrf(client, "/case"), "question": "1", "answer": "yes"}
    )
    client.post(
        "/case/keep-away",
        data={"csrf_token": csrf(client, "/case"), "keep_away": "The reviewer I know"},
    )
    for locator in (new_code[:4], earlier):
        assert reviewer.get(f"/review/cases/{locator}").status_code == HTTPStatus.NOT_FOUND


def test_confirming_a_link_from_a_held_case_holds_the_earlier_one_too(
    app: Flask, clock, board: Board, client
) -> None:
    earlier = file_directly(app, clock, narrative="earlier one")[:4]
    new_code = file_directly(
        app, clock, narrative="again", lost_code_note="lost it", keep_away="My neighbour"
    )
    chair = signed_in(app, board, Role.ADMIN, "chair")
    act(chair, new_code[:4], "link", earlier=earlier)
    # Only admins may open the held case, so the second one approves.
    approve(signed_in(app, board, Role.ADMIN, "chair2"), app, new_code[:4])
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    assert reviewer.get(f"/review/cases/{earlier}").status_code == HTTPStatus.OK
    complainant_page(client, new_code)
    client.post(
        "/case/link", data={"csrf_token": csrf(client, "/case"), "question": "1", "answer": "yes"}
    )
    assert reviewer.get(f"/review/cases/{earlier}").status_code == HTTPStatus.NOT_FOUND


def test_a_refused_link_opens_nothing(app: Flask, clock, board: Board, client) -> None:
    earlier_code = file_directly(app, clock, narrative="EARLIER-WORDS")
    new_code = file_directly(app, clock, narrative="new", lost_code_note="lost it")
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    act(reviewer, new_code[:4], "link", earlier=earlier_code[:4])
    approve(signed_in(app, board, Role.ADMIN, "chair"), app, new_code[:4])
    complainant_page(client, new_code)
    client.post(
        "/case/link", data={"csrf_token": csrf(client, "/case"), "question": "1", "answer": "no"}
    )
    assert "EARLIER-WORDS" not in client.get("/case").get_data(as_text=True)


def test_an_unknown_earlier_reference_is_explained(app: Flask, clock, board: Board) -> None:
    new_code = file_directly(app, clock, narrative="new", lost_code_note="lost it")
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    response = act(reviewer, new_code[:4], "link", earlier="ZZZZ")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "There is no earlier case with that reference." in response.get_data(as_text=True)


def test_the_quick_exit_signs_the_advocate_out_too(advocate: FlaskClient) -> None:
    assert advocate.get("/review/assist").status_code == HTTPStatus.OK
    advocate.post("/exit")
    assert advocate.get("/review/").headers["Location"] == "/review/sign-in"
