"""The board's side of public accountability: what it writes for publication ("You said, we
did"), the review packet, pattern alerts, and who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.models import Account, AuditEvent, Complaint, Recusal
from tests.board import Board, csrf
from tests.builders import act, complainant_page, file_directly, signed_in
from tests.figuredata import complaint

NARRATIVE = "The officer took my phone at the bus stop and laughed when I asked for it back."


def decided_case(app: Flask, clock, reviewer: FlaskClient, **fields: str) -> str:
    code = file_directly(
        app, clock, narrative=NARRATIVE, officer="Badge 4521", pseudonym="Sparrow", **fields
    )
    locator = code[:4]
    act(reviewer, locator, "status", target="in_review", reason="Reading it.")
    return locator


def decide(client: FlaskClient, locator: str, **data: str):
    return act(
        client,
        locator,
        "decide",
        disposition="substantiated",
        letter="We believe you.",
        confirm="y",
        **data,
    )


def stored(app: Flask, locator: str) -> Complaint:
    with app.app_context():
        return db.session().scalars(select(Complaint).where(Complaint.locator == locator)).one()


@pytest.fixture
def reviewer(app: Flask, board: Board) -> FlaskClient:
    return signed_in(app, board, Role.REVIEWER, "rev")


@pytest.fixture
def chair(app: Flask, board: Board) -> FlaskClient:
    return signed_in(app, board, Role.ADMIN, "chair")


# --- you said, we did ----------------------------------------------------------------------


def test_the_decision_form_takes_a_public_summary(app: Flask, clock, reviewer) -> None:
    locator = decided_case(app, clock, reviewer)
    form = reviewer.get(f"/review/cases/{locator}").get_data(as_text=True)
    assert 'name="public_summary"' in form
    response = decide(reviewer, locator, public_summary="Police should return property at once.")
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert stored(app, locator).public_summary == "Police should return property at once."


@pytest.mark.parametrize(
    ("summary", "problem"),
    [
        ("Officer badge 4521 must be retrained.", "leave out names and badge numbers"),
        ("We ask the program to help Sparrow.", "leave out names and badge numbers"),
        (
            "Because the officer took my phone at the bus stop, rules must change.",
            "repeats the person",
        ),
        ("Their code {code} was shared.", "claim code"),
    ],
)
def test_a_public_summary_must_not_point_to_anyone_or_quote_them(
    app: Flask,
    clock,
    reviewer: FlaskClient,
    summary: str,
    problem: str,
) -> None:
    code = file_directly(app, clock, narrative=NARRATIVE, officer="Badge 4521", pseudonym="Sparrow")
    locator = code[:4]
    act(reviewer, locator, "status", target="in_review", reason="Reading it.")
    response = decide(reviewer, locator, public_summary=summary.format(code=code))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert problem in response.get_data(as_text=True)
    case = stored(app, locator)
    assert (case.status, case.public_summary) == ("in_review", None)


def test_the_board_edits_the_summary_and_the_chair_adds_what_the_program_did(
    app: Flask,
    clock,
    reviewer: FlaskClient,
    chair: FlaskClient,
) -> None:
    locator = decided_case(app, clock, reviewer)
    decide(reviewer, locator)
    saved = act(reviewer, locator, "publication", public_summary="Return property.", in_packet="y")
    assert saved.status_code == HTTPStatus.SEE_OTHER
    case = stored(app, locator)
    assert (case.public_summary, case.in_packet) == ("Return property.", True)
    # A reviewer may not speak for the program; the form is not even there for them.
    assert 'name="program_response"' not in reviewer.get(f"/review/cases/{locator}").get_data(
        as_text=True
    )
    refused = act(reviewer, locator, "program-response", program_response="Done.")
    assert refused.status_code == HTTPStatus.NOT_FOUND
    done = act(chair, locator, "program-response", program_response="Property is returned now.")
    assert done.status_code == HTTPStatus.SEE_OTHER
    assert stored(app, locator).program_response == "Property is returned now."
    with app.app_context():
        actions = set(db.session().scalars(select(AuditEvent.action)))
    assert {"case.publication", "case.program_response"} <= actions


def test_only_a_decided_case_can_be_published(app: Flask, clock, reviewer) -> None:
    locator = decided_case(app, clock, reviewer)
    response = act(reviewer, locator, "publication", public_summary="Too early.")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Record the board" in response.get_data(as_text=True)


def test_the_summary_is_published_once_its_quarter_is_over(
    app: Flask,
    clock,
    reviewer: FlaskClient,
    client: FlaskClient,
) -> None:
    locator = decided_case(app, clock, reviewer)
    decide(reviewer, locator, public_summary="Police should return property at once.")
    assert client.get("/figures/2026Q4").status_code == HTTPStatus.NOT_FOUND  # not over yet
    clock.advance(days=70)  # 11 January 2027
    page = client.get("/figures/2026Q4").get_data(as_text=True)
    assert "Police should return property at once." in page
    assert "Waiting for the program" in page
    assert NARRATIVE not in page


# --- the review packet and pattern alerts --------------------------------------------------


def packet_data(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = db.session()
        shown = complaint(
            session, dt.date(2026, 8, 3), kind="police", status="resolved",
            disposition="substantiated", decided_after=5, in_packet=True,
            public_summary="PACKET-SUMMARY-A", program_response="PACKET-RESPONSE-A",
        )  # fmt: skip
        complaint(
            session, dt.date(2026, 8, 3), kind="police", status="resolved",
            disposition="substantiated", decided_after=5, public_summary="NOT-IN-PACKET",
        )  # fmt: skip
        secret = complaint(
            session, dt.date(2026, 8, 3), kind="sexual", status="closed",
            disposition="undetermined", decided_after=5, in_packet=True,
            public_summary="PACKET-SUMMARY-SENSITIVE",
        )  # fmt: skip
        for _ in range(3):
            complaint(session, dt.date(2026, 8, 4), officer="#777", agency="County")
        session.commit()
        return shown.id, secret.id


def test_the_review_packet_has_the_figures_and_the_chosen_summaries(
    app: Flask, chair: FlaskClient
) -> None:
    packet_data(app)
    response = chair.get("/review/packet")
    assert response.status_code == HTTPStatus.SEE_OTHER
    html = chair.get("/review/packet/2026Q3").get_data(as_text=True)
    assert "PACKET-SUMMARY-A" in html
    assert "PACKET-RESPONSE-A" in html
    assert "NOT-IN-PACKET" not in html
    assert "What complaints were about" in html
    assert "fewer than 10" in html
    rows = list(
        csv.DictReader(io.StringIO(chair.get("/review/packet/2026Q3.csv").get_data(as_text=True)))
    )
    summaries = {r["value"] for r in rows if r["table"] == "case_summaries"}
    assert {"PACKET-SUMMARY-A", "PACKET-RESPONSE-A", "Police misconduct"} <= summaries
    assert any(r["table"] == "kind" for r in rows)
    with app.app_context():
        actions = set(db.session().scalars(select(AuditEvent.action)))
    assert {"report.packet", "report.packet_csv"} <= actions


def test_the_packet_leaves_out_cases_a_member_may_not_see(
    app: Flask, board: Board, chair: FlaskClient
) -> None:
    shown_id, secret_id = packet_data(app)
    reviewer = signed_in(app, board, Role.REVIEWER, "untrained")
    html = reviewer.get("/review/packet/2026Q3").get_data(as_text=True)
    assert "PACKET-SUMMARY-A" in html
    assert "PACKET-SUMMARY-SENSITIVE" not in html  # sexual misconduct, untrained member
    with app.app_context():
        session = db.session()
        untrained = session.scalar(select(Account).where(Account.username == "untrained"))
        session.add(
            Recusal(complaint_id=shown_id, account_id=untrained.id, reason="self",
                    created_at=dt.datetime(2026, 11, 1))
        )  # fmt: skip
        session.commit()
    html = reviewer.get("/review/packet/2026Q3").get_data(as_text=True)
    assert "PACKET-SUMMARY-A" not in html
    with app.app_context():
        session = db.session()
        session.scalar(select(Account).where(Account.username == "chair")).trained_sensitive = True
        session.commit()
    assert "PACKET-SUMMARY-SENSITIVE" in chair.get("/review/packet/2026Q3").get_data(True)


def test_pattern_alerts_list_the_cases(app: Flask, chair: FlaskClient) -> None:
    packet_data(app)
    html = chair.get("/review/alerts").get_data(as_text=True)
    # The badge number is encrypted at rest: the alert points to the cases, which say who.
    assert "The same officer, named in each case" in html
    assert "3 separate complaints" in html
    assert html.count('href="/review/cases/') == 3


def test_below_the_sites_threshold_there_is_no_alert(app: Flask, chair: FlaskClient) -> None:
    from portal import sitesettings
    from portal.board import sitechanges
    from portal.site import site_to_mapping

    packet_data(app)
    with app.test_request_context():
        base = site_to_mapping(sitesettings.base_site())
        sitechanges.save(
            db.session(), sitesettings.base_site(), {**base, "pattern_threshold": 4}, 0,
            dt.datetime(2026, 11, 2),
        )  # fmt: skip
    html = chair.get("/review/alerts").get_data(as_text=True)
    assert "The same officer" not in html
    assert "No pattern reaches the threshold." in html


@pytest.mark.parametrize(
    "path",
    ["/review/packet", "/review/packet/2026Q3", "/review/packet/2026Q3.csv", "/review/alerts"],
)
def test_advocates_and_strangers_see_no_packet_and_no_alerts(
    app: Flask, board: Board, path: str
) -> None:
    packet_data(app)
    advocate = signed_in(app, board, Role.ADVOCATE, "helper")
    response = advocate.get(path)
    assert response.status_code == HTTPStatus.FORBIDDEN
    body = response.get_data(as_text=True)
    assert "PACKET-SUMMARY" not in body
    assert "777" not in body
    stranger = app.test_client().get(path)
    assert stranger.status_code == HTTPStatus.SEE_OTHER
    assert stranger.headers["Location"] == "/review/sign-in"


def test_the_board_menu_links_to_the_reports_for_case_workers_only(
    app: Flask, board: Board, reviewer: FlaskClient
) -> None:
    assert 'href="/review/alerts"' in reviewer.get("/review/account").get_data(as_text=True)
    advocate = signed_in(app, board, Role.ADVOCATE, "helper")
    assert 'href="/review/alerts"' not in advocate.get("/review/account").get_data(as_text=True)


def test_withdrawing_with_deletion_takes_the_public_summary_away(
    app: Flask,
    clock,
    reviewer: FlaskClient,
    client: FlaskClient,
) -> None:
    code = file_directly(app, clock, narrative=NARRATIVE)
    locator = code[:4]
    act(reviewer, locator, "status", target="in_review", reason="Reading it.")
    decide(reviewer, locator, public_summary="Police should return property at once.")
    complainant_page(client, code)
    client.post(
        "/case/withdraw",
        data={"csrf_token": csrf(client, "/case"), "how": "delete", "confirm": "yes"},
    )
    case = stored(app, locator)
    assert (case.status, case.public_summary, case.text_deleted) == ("withdrawn", None, True)
