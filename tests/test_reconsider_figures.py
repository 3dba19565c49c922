"""The public figures count requests to look again, changed outcomes and mediations, each in
the quarter it happened, with small counts hidden, on the page, in the CSV and the JSON, and a
released quarter keeps them as released."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import db
from portal.models import Complaint
from tests.figuredata import complaint

D = dt.date


def cells(client: FlaskClient, period: str) -> dict[str, tuple[object, str]]:
    response = client.get(f"/figures/{period}.json")
    assert response.status_code == HTTPStatus.OK
    [table] = [t for t in response.get_json()["tables"] if t["id"] == "asking_again"]
    return {cell["row"]: (cell["value"], cell["status"]) for cell in table["cells"]}


def events(app: Flask) -> None:
    """In 2026Q3: 12 requests to look again (3 outcomes changed, 9 kept), 14 mediations asked
    for, 13 held (11 settled things, 2 did not), 1 the other side declined."""
    with app.app_context():
        session = db.session()
        for n in range(12):
            complaint(
                session,
                D(2026, 4, 2),
                status="resolved",
                disposition="substantiated",
                decided_after=20,
                reconsider_asked_on=D(2026, 7, 3),
                reconsider_decided_on=D(2026, 8, 3),
                reconsider_changed=n < 3,
            )
        outcomes = ["resolved"] * 11 + ["not_resolved"] * 2 + ["declined"]
        for outcome in outcomes:
            complaint(
                session,
                D(2026, 5, 2),
                mediation_asked_on=D(2026, 7, 10),
                mediation_recorded_on=D(2026, 9, 1),
                mediation_held=outcome != "declined",
                mediation_outcome=outcome,
            )
        # Asked in the quarter before: counted there, not here.
        complaint(session, D(2026, 4, 2), reconsider_asked_on=D(2026, 6, 30))
        session.commit()


def test_each_is_counted_in_its_quarter_and_small_ones_are_hidden(
    app: Flask, client: FlaskClient
) -> None:
    events(app)
    found = cells(client, "2026Q3")
    assert found["asked_again"] == (12, "shown")
    assert found["asked_again_changed"] == (None, "small")
    assert found["mediation_asked"] == (14, "shown")
    assert found["mediation_held"] == (13, "shown")
    # 2 held did not settle things: showing 11 beside 13 would give the 2 away.
    assert found["mediation_resolved"] == (None, "hidden")
    assert cells(client, "2026Q2")["asked_again"] == (None, "small")

    page = client.get("/figures/2026Q3").get_data(as_text=True)
    assert "Asking the board to look again, and mediation" in page
    assert "Asked the board to look again" in page
    csv = client.get("/figures/2026Q3.csv").get_data(as_text=True)
    assert "asking_again,asked_again,Asked the board to look again,number,Number,12,shown" in csv
    spanish = client.get("/figures/2026Q3", headers={"Accept-Language": "es"})
    assert "Pidieron que el comité lo mirara otra vez" in spanish.get_data(as_text=True)


def test_the_year_adds_up_the_quarters(app: Flask, client: FlaskClient) -> None:
    events(app)
    found = cells(client, "last-12-months")
    assert found["asked_again"] == (13, "shown")
    assert found["mediation_held"] == (13, "shown")
    assert found["mediation_resolved"][0] is None


def test_a_released_quarter_keeps_its_counts(app: Flask, client: FlaskClient) -> None:
    events(app)
    before = cells(client, "2026Q3")
    with app.app_context():
        session = db.session()
        for row in session.scalars(select(Complaint).where(Complaint.mediation_held.is_(True))):
            row.mediation_held, row.mediation_outcome = False, "withdrew"
        complaint(session, D(2026, 5, 2), reconsider_asked_on=D(2026, 7, 4))
        session.commit()
    app.extensions.pop("portal.figures", None)  # even a fresh process reads the release
    assert cells(client, "2026Q3") == before


def test_a_case_looked_at_again_is_published_as_in_review(app: Flask, client: FlaskClient) -> None:
    """No row of its own: it would add a cell, and one more to hide beside it, to quarters
    already released."""
    with app.app_context():
        session = db.session()
        for _ in range(12):
            complaint(session, D(2026, 7, 2), status="reconsideration", disposition="undetermined")
        session.commit()
    response = client.get("/figures/2026Q3.json")
    [status] = [t for t in response.get_json()["tables"] if t["id"] == "status"]
    rows = {cell["row"]: (cell["value"], cell["status"]) for cell in status["cells"]}
    assert "reconsideration" not in rows
    assert rows["in_review"] == (12, "shown")
    [outcome] = [t for t in response.get_json()["tables"] if t["id"] == "outcome"]
    ends = {cell["row"]: cell["value"] for cell in outcome["cells"]}
    assert ends["no_decision"] == 12
