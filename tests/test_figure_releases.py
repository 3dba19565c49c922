"""Published figures never move one case at a time; a correction is a new release.

The attack: a scraper saves every published page, table, CSV and JSON, waits for a case to be
decided (or a person's answers to change), and saves them all again. Any cell that moved by
one would give away the group behind that one decision. Here nothing may move at all until a
quarter ends or an admin publishes a correction, and then it moves as a whole new release.
"""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from portal import db
from portal.figures import figurerefresh, transparency
from portal.models import Complaint, Demographics, FigureRelease
from portal.site import Site
from tests.builders import PERIODS, another_process, correct_q3, fill, later_passes
from tests.conftest import FakeClock
from tests.figuredata import complaint, many, referral, survey

D = dt.date
SUMMARY = "The board asked the provider to answer calls within a day."
LATE_SUMMARY = "The board asked for a second reviewer on every search complaint."


def every_published_file(client: FlaskClient) -> dict[str, str]:
    """Every figure page, CSV and JSON a scraper can save."""
    paths = ["/figures", "/figures/equity", "/figures/about"]
    for period in PERIODS:
        paths += [f"/figures/{period}.csv", f"/figures/{period}.json"]
        if period != "last-12-months":
            paths.append(f"/figures/{period}")
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK, path
        found[path] = response.get_data(as_text=True)
    return found


def decide_one_case_and_change_others(app: Flask, today: dt.date) -> None:
    """What happens on the board's side between two saves, one case at a time."""
    with app.app_context():
        session = db.session()
        waiting = session.scalars(
            select(Complaint).where(
                Complaint.status == "in_review", Complaint.created_on >= D(2026, 7, 1)
            )
        ).first()
        waiting.status, waiting.disposition = "resolved", "substantiated"
        waiting.resolved_on, waiting.public_summary = today, SUMMARY
        referral(session, waiting, "oversight", "sent")
        # A person changes what they said about themselves; another withdraws.
        answers = session.scalars(
            select(Demographics).join(Complaint).where(Complaint.created_on >= D(2026, 7, 1))
        ).first()
        answers.race, answers.gender = "native", "nonbinary"
        other = session.scalars(
            select(Complaint).where(Complaint.status == "in_review", Complaint.id != waiting.id)
        ).first()
        other.status, other.disposition = "withdrawn", "withdrawn"
        survey(session, "2026Q3", "no", "no", "no")  # an answer counted in an ended quarter
        complaint(session, D(2026, 8, 1), kind="police", actor="police", race="black")
        complaint(session, today, kind="police", actor="police", race="black")  # this quarter
        # The retention rules delete the oldest cases, the site's first complaint among them.
        session.execute(delete(Complaint).where(Complaint.created_on < D(2026, 1, 1)))
        session.commit()


def test_published_figures_do_not_move_when_one_case_is_decided(
    app: Flask, client: FlaskClient, clock: FakeClock, config, site: Site
) -> None:
    fill(app)
    before = every_published_file(client)
    decide_one_case_and_change_others(app, clock.moment.date())

    # Hours on, with the background look and the keep-warm passes run, in this process...
    clock.advance(hours=3)
    assert every_published_file(client) == before
    cache = app.extensions[transparency.CACHE_KEY]
    figurerefresh.wait(cache, timeout=30)
    warmer = figurerefresh.keep_warm(app, every=0.05)
    later_passes(warmer)
    clock.advance(days=20)
    later_passes(warmer)
    figurerefresh.stop(cache)
    after = every_published_file(client)
    # ... and in a new process that has never seen the figures.
    other = another_process(app, config, site, clock)
    try:
        elsewhere = every_published_file(other.test_client())
    finally:
        figurerefresh.stop(other.extensions.get(transparency.CACHE_KEY, {}))
        other.extensions["portal.db"].engine.dispose()
    for path, body in before.items():
        assert after[path] == body, path
        assert elsewhere[path] == body, path
    assert SUMMARY not in "".join(after.values())  # not as it is written, but with a release


def test_a_correction_is_a_whole_new_release_hidden_by_the_same_rules(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    fill(app)
    before = client.get("/figures/2026Q3.json").get_json()
    with app.app_context():
        many(db.session(), 12, D(2026, 8, 9), kind="police", actor="police")
        many(db.session(), 2, D(2026, 8, 9), kind="pressure", actor="police")
        db.session().commit()
    correct_q3(app)
    clock.advance(hours=1)
    after = client.get("/figures/2026Q3.json").get_json()
    assert (before["releases"], after["releases"]) == ({"2026Q3": 1}, {"2026Q3": 2})

    def cell(document: dict, row: str) -> dict:
        kind = next(t for t in document["tables"] if t["id"] == "kind")
        return next(c for c in kind["cells"] if c["row"] == row)

    assert (cell(before, "police")["value"], cell(after, "police")["value"]) == (14, 26)
    assert cell(after, "pressure") == {"row": "pressure", "column": "complaints",
                                       "value": None, "status": "small"}  # fmt: skip
    year = client.get("/figures/last-12-months.json").get_json()
    assert year["releases"] == {"2025Q4": 1, "2026Q1": 1, "2026Q2": 1, "2026Q3": 2}


def test_you_said_we_did_comes_out_with_the_next_release(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    fill(app)
    q3_before = {p: client.get(f"/figures/2026Q3.{p}").get_data(True) for p in ("csv", "json")}
    with app.app_context():
        late = complaint(db.session(), D(2026, 8, 20), kind="police", status="resolved",
                         disposition="substantiated", decided_after=20)  # fmt: skip
        late.public_summary = LATE_SUMMARY  # written after 2026Q3 was published
        db.session().commit()
    clock.advance(days=30)
    assert LATE_SUMMARY not in "".join(every_published_file(client).values())

    clock.moment = dt.datetime(2027, 1, 4, 9)  # 2026Q4 has ended: its first release
    q4 = client.get("/figures/2026Q4").get_data(True)
    assert LATE_SUMMARY in q4
    assert "Decided in 2026Q3" in q4
    for part, body in q3_before.items():  # the quarter already out stays as it was
        assert client.get(f"/figures/2026Q3.{part}").get_data(True) == body


@pytest.mark.parametrize(
    ("quarter", "refusal"),
    [("2026Q4", "has not ended yet"), ("latest", "name a quarter such as 2026Q3")],
)
def test_a_correction_is_refused_for_a_quarter_not_over(
    app: Flask, quarter: str, refusal: str
) -> None:
    fill(app)
    result = app.test_cli_runner().invoke(args=["figures-release", quarter, "--yes"])
    assert result.exit_code != 0
    assert refusal in result.output
    with app.app_context():
        assert db.session().scalars(select(FigureRelease)).all() == []
