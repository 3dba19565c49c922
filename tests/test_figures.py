"""The public figures on a known set of complaints: every figure exact, then what is hidden.

The clock stands at 2 November 2026 (tests/conftest.py), so the latest quarter published is
2026Q3 (July to September) and the last 12 months are 2025Q4 to 2026Q3.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from flask import Flask

from portal import db
from portal.figures import figurereleases, figuretables, periods, transparency
from portal.figures.periods import LAST_12_MONTHS, PeriodNotPublished, Quarter
from portal.figures.transparency import HIDDEN, SHOWN, SMALL, TOO_FEW
from tests.figureattack import (
    cells,
    same_counts,
    solve,
    squeeze,
    table_sums,
    year_adds_up_quarters,
)
from tests.figuredata import complaint, many, referral, survey

NOW = dt.datetime(2026, 11, 2, 10, 30)
D = dt.date


def known_set(session) -> None:
    """Six complaints in 2026Q3, one either side of it, and what hangs off them."""
    c1 = complaint(
        session, D(2026, 7, 1), kind="police", actor="police", status="resolved",
        disposition="substantiated", race="black", gender="woman",
        answered_after=2, decided_after=10, public_summary="Retrain the unit on searches.",
        program_response="The unit was retrained in October.",
    )  # fmt: skip
    c2 = complaint(
        session, D(2026, 7, 10), kind="police", actor="police", status="resolved",
        disposition="not_substantiated", race="black", gender="man",
        answered_after=4, decided_after=20,
    )  # fmt: skip
    c3 = complaint(
        session, D(2026, 8, 1), kind="provider", actor="provider", status="closed",
        disposition="service_changed", race="white", gender="woman",
        answered_after=1, decided_after=4, public_summary="Let people keep their bags.",
    )  # fmt: skip
    complaint(
        session, D(2026, 8, 15), kind="sexual", actor="police", status="withdrawn",
        disposition="withdrawn", answered_after=5,
    )  # fmt: skip
    complaint(session, D(2026, 9, 30), kind="other", actor="unknown", race="prefer_not")
    c6 = complaint(
        session, D(2026, 9, 1), status="in_review", race="latino", gender="nonbinary",
        answered_after=3,
    )  # fmt: skip
    complaint(session, D(2026, 6, 30), kind="police", actor="police")  # 2026Q2
    complaint(session, D(2026, 10, 1), kind="police", actor="police")  # 2026Q4, not yet out
    referral(session, c2, "oversight", "sent")
    referral(session, c6, "legal_aid", "agreed")
    referral(session, c3, "grievance", "refused")
    referral(session, c1, "other", "proposed")
    survey(session, "2026Q3", "yes", "yes", "no")
    survey(session, "2026Q3", "somewhat", None, "yes")
    survey(session, "2026Q2", "no", "no", "no")
    session.commit()


def no_small_count_in(found: dict, hidden: dict) -> bool:
    """Ranges may show that a hidden count is zero (it points to nobody), nothing else."""
    return all(value == 0 for key, value in found.items() if hidden[key] == "small")


def figures_for(app: Flask, key: str, threshold: int, cache: dict | None = None):
    with app.app_context():
        return transparency.for_key(
            db.session(), key, threshold, NOW, {} if cache is None else cache
        )


def values(table) -> dict:
    return {place: cell.value for place, cell in table.cells.items() if cell.value is not None}


@pytest.fixture
def known(app: Flask) -> Flask:
    with app.app_context():
        known_set(db.session())
    return app


def test_every_quarter_figure_is_exact_when_nothing_is_hidden(known: Flask) -> None:
    f = figures_for(known, "2026Q3", threshold=0)
    t = f.tables
    assert values(t["kind"]) == {
        ("police", "complaints"): 2, ("sexual", "complaints"): 1, ("pressure", "complaints"): 0,
        ("provider", "complaints"): 1, ("program", "complaints"): 0, ("other", "complaints"): 1,
        ("not_given", "complaints"): 1, ("total", "complaints"): 6,
    }  # fmt: skip
    assert values(t["actor"]) == {
        ("police", "complaints"): 3, ("prosecutor", "complaints"): 0,
        ("provider", "complaints"): 1, ("program_staff", "complaints"): 0,
        ("other", "complaints"): 0, ("unknown", "complaints"): 1,
        ("not_given", "complaints"): 1, ("total", "complaints"): 6,
    }  # fmt: skip
    assert {r: v for (r, _), v in values(t["status"]).items() if v} == {
        "received": 1, "in_review": 1, "resolved": 2, "closed": 1, "withdrawn": 1, "total": 6,
    }  # fmt: skip
    assert {r: v for (r, _), v in values(t["outcome"]).items() if v} == {
        "substantiated": 1, "not_substantiated": 1, "service_changed": 1, "withdrawn": 1,
        "no_decision": 2, "total": 6,
    }  # fmt: skip
    # Days to a first answer 2, 4, 1, 5, 3 (median 3); to a decision 10, 20, 4 (median 10).
    assert values(t["timeliness"]) == {
        ("first_response", "complaints"): 5, ("first_response", "median_days"): 3,
        ("resolution", "complaints"): 3, ("resolution", "median_days"): 10,
    }  # fmt: skip
    # Only referrals the person agreed to or that were sent.
    assert {r: v for (r, _), v in values(t["referrals"]).items() if v} == {
        "oversight": 1, "legal_aid": 1, "total": 2,
    }  # fmt: skip
    assert {place: v for place, v in values(t["survey"]).items() if v} == {
        ("respected", "yes"): 1, ("respected", "somewhat"): 1, ("respected", "total"): 2,
        ("listened", "yes"): 1, ("listened", "did_not_say"): 1, ("listened", "total"): 2,
        ("would_use_again", "yes"): 1, ("would_use_again", "no"): 1,
        ("would_use_again", "total"): 2,
    }  # fmt: skip
    assert "race_summary" not in t  # figures by group come for 12 months at a time
    assert [(s.quarter, s.board_said, s.program_did) for s in f.stories] == [
        ("2026Q3", "Let people keep their bags.", None),
        ("2026Q3", "Retrain the unit on searches.", "The unit was retrained in October."),
    ]


def test_every_figure_by_group_is_exact_and_did_not_say_is_a_group(known: Flask) -> None:
    t = figures_for(known, LAST_12_MONTHS, threshold=0).tables
    race = {r: v for (r, c), v in values(t["race_summary"]).items() if c == "complaints"}
    # The withdrawn complaint gave no answers and one chose "prefer not to say": both are
    # counted as "did not say", not dropped. The June complaint is in this year too.
    assert {r: v for r, v in race.items() if v} == {
        "black": 2, "white": 1, "latino": 1, "did_not_say": 3, "total": 7,
    }  # fmt: skip
    gender = {r: v for (r, c), v in values(t["gender_summary"]).items() if c == "complaints"}
    assert {r: v for r, v in gender.items() if v} == {
        "woman": 2, "man": 1, "nonbinary": 1, "did_not_say": 3, "total": 7,
    }  # fmt: skip
    black = {c: v for (r, c), v in values(t["race_summary"]).items() if r == "black"}
    assert black == {
        "complaints": 2, "responded": 2, "median_response_days": 3, "resolved": 2,
        "median_resolution_days": 15, "referrals": 1, "withdrawn": 0,
    }  # fmt: skip
    outcomes = {(r, c): v for (r, c), v in values(t["race_outcome"]).items() if v and r != "total"}
    assert outcomes == {
        ("black", "substantiated"): 1, ("black", "not_substantiated"): 1, ("black", "total"): 2,
        ("white", "service_changed"): 1, ("white", "total"): 1,
        ("latino", "no_decision"): 1, ("latino", "total"): 1,
        ("did_not_say", "withdrawn"): 1, ("did_not_say", "no_decision"): 2,
        ("did_not_say", "total"): 3,
    }  # fmt: skip
    assert values(t["gender_kind"])[("woman", "police")] == 1
    assert values(t["gender_actor"])[("did_not_say", "police")] == 2
    assert values(t["quarters"]) == {
        ("2025Q4", "complaints"): 0, ("2026Q1", "complaints"): 0,
        ("2026Q2", "complaints"): 1, ("2026Q3", "complaints"): 6,
    }  # fmt: skip


def test_a_median_over_too_few_complaints_is_not_shown(known: Flask) -> None:
    t = figures_for(known, "2026Q3", threshold=4).tables
    assert t["timeliness"].cell("first_response", "median_days").value == 3  # over 5
    resolution = t["timeliness"].cell("resolution", "median_days")
    assert (resolution.value, resolution.mark) == (None, TOO_FEW)  # over 3


def test_a_quarter_is_published_only_once_it_has_ended(known: Flask) -> None:
    with known.app_context():
        first = transparency.first_day(db.session())
    assert first == D(2026, 4, 1)  # the first complaint's quarter (it came on 30 June)
    assert [q.key for q in periods.published_quarters(first, NOW.date())] == [
        "2026Q3",
        "2026Q2",
    ]
    for key in ("2026Q4", "2026Q1", "2027Q1", "2026Q5", "26Q3", "latest"):
        with pytest.raises(PeriodNotPublished):
            figures_for(known, key, threshold=10)


def test_the_last_12_months_are_the_four_latest_quarters() -> None:
    period = periods.last_12_months(D(2026, 11, 2))
    assert [q.key for q in period.quarters] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert (period.start, period.last_day) == (D(2025, 10, 1), D(2026, 9, 30))
    assert Quarter.of(D(2026, 1, 1)).previous().key == "2025Q4"


# --- what is hidden ------------------------------------------------------------------------


def busy_quarter(session, start: dt.date) -> None:
    """A quarter with big groups and a few small ones."""
    many(session, 30, start, kind="police", actor="police", race="black", gender="man",
         status="resolved", disposition="substantiated", answered_after=3,
         decided_after=30)  # fmt: skip
    many(session, 25, start, kind="provider", actor="provider", race="white", gender="woman",
         status="in_review", answered_after=6)  # fmt: skip
    many(session, 12, start, kind="police", actor="police", race="latino", gender="woman",
         status="resolved", disposition="not_substantiated", answered_after=2,
         decided_after=12)  # fmt: skip
    many(session, 3, start, kind="sexual", actor="police", race="native", gender="trans_woman",
         status="withdrawn", disposition="withdrawn")  # fmt: skip
    many(session, 1, start, kind="pressure", actor="prosecutor", race="asian",
         gender="nonbinary")  # fmt: skip
    session.commit()


@pytest.fixture
def busy(app: Flask) -> Flask:
    with app.app_context():
        session = db.session()
        for quarter in periods.last_12_months(NOW.date()).quarters:
            busy_quarter(session, quarter.start)
    return app


def test_small_counts_read_fewer_than_and_their_neighbours_are_hidden(busy: Flask) -> None:
    t = figures_for(busy, "2026Q3", threshold=10).tables
    kind = t["kind"]
    assert kind.cell("police", "complaints").value == 42
    assert kind.cell("provider", "complaints").value == 25
    assert kind.cell("sexual", "complaints").mark == SMALL
    assert kind.cell("pressure", "complaints").mark == SMALL
    assert kind.cell("sexual", "complaints").value is None
    assert kind.cell("total", "complaints").value == 71
    status = t["status"]
    # 3 withdrawn is small; received (1) is small too; the rest show.
    assert status.cell("withdrawn", "complaints").mark == SMALL
    assert status.cell("resolved", "complaints").value == 42


def test_every_published_count_is_true_and_every_small_one_is_below_the_threshold(
    busy: Flask,
) -> None:
    for key in ("2026Q3", LAST_12_MONTHS):
        figures = figures_for(busy, key, threshold=10)
        truth = figures_for(busy, key, threshold=0)
        for table_id, table in figures.tables.items():
            for place, cell in table.cells.items():
                real = truth.tables[table_id].cells[place].value
                if cell.mark == SHOWN:
                    assert cell.value == real
                    assert real >= 10 or "median" in place[1]
                elif cell.mark == SMALL:
                    assert real < 10, (table_id, place)
                elif cell.mark == HIDDEN:
                    assert real >= 10, (table_id, place)


QUARTERS = ("2025Q4", "2026Q1", "2026Q2", "2026Q3")


def published_documents(app: Flask, threshold: int = 10) -> dict[str, dict]:
    from portal.figures import opendata

    with app.test_request_context():
        return {
            key: opendata.to_json(figures_for(app, key, threshold=threshold))
            for key in (*QUARTERS, LAST_12_MONTHS)
        }


def year_with_quarters(documents: dict[str, dict]) -> tuple[list, dict, dict]:
    """Every sum a reader knows across the year and its four quarters."""
    year = dict(documents[LAST_12_MONTHS], period="year")
    quarters = [documents[q] for q in QUARTERS]
    known, hidden = cells(year, "year")
    sums = [s for t in year["tables"] for s in table_sums(t, "year")] + same_counts(year, "year")
    for quarter in quarters:
        q_known, q_hidden = cells(quarter, quarter["period"])
        known.update(q_known)
        hidden.update(q_hidden)
        sums += [s for t in quarter["tables"] for s in table_sums(t, quarter["period"])]
        sums += same_counts(quarter, quarter["period"])
    sums += year_adds_up_quarters(year, quarters)
    return sums, known, hidden


def test_nothing_hidden_can_be_worked_out_from_the_published_figures(busy: Flask) -> None:
    """The back-out attack: for every table alone, then for all tables of a period together,
    then for the year with its four quarters, solve the sums for each hidden cell."""
    documents = published_documents(busy)
    hidden_in_all = 0
    for key, document in documents.items():
        known, hidden = cells(document, key)
        hidden_in_all += len(hidden)
        for table in document["tables"]:
            sums = table_sums(table, key)
            assert solve(sums, known) == {}, (key, table["id"])
        sums = [s for t in document["tables"] for s in table_sums(t, key)]
        sums += same_counts(document, key)
        assert solve(sums, known) == {}, key
        assert no_small_count_in(squeeze(sums, known, hidden, 10), hidden), key
    assert hidden_in_all > 20  # the attack had something to work on
    sums, known, hidden = year_with_quarters(documents)
    assert solve(sums, known) == {}
    assert no_small_count_in(squeeze(sums, known, hidden, 10), hidden)


def test_without_the_hidden_neighbours_the_attack_succeeds(busy: Flask) -> None:
    """The same figures with the counts hidden only to protect others shown again, as a
    careless page would publish them: the attack then gives small counts away."""
    documents = published_documents(busy)
    truth = published_documents(busy, threshold=0)
    shown_again = 0
    for key, document in documents.items():
        real = {
            (t["id"], c["row"], c["column"]): c["value"]
            for t in truth[key]["tables"]
            for c in t["cells"]
        }
        for table in document["tables"]:
            for cell in table["cells"]:
                if cell["status"] == "hidden":
                    cell["status"] = "shown"
                    cell["value"] = real[(table["id"], cell["row"], cell["column"])]
                    shown_again += 1
    assert shown_again
    sums, known, hidden = year_with_quarters(documents)
    found = {**solve(sums, known), **squeeze(sums, known, hidden, 10)}
    assert any(value and hidden[key] == "small" for key, value in found.items())


# --- caching ------------------------------------------------------------------------------


def test_a_released_quarter_never_moves_and_a_correction_replaces_it_whole(app: Flask) -> None:
    cache: dict = {}
    with app.app_context():
        session = db.session()
        many(session, 12, D(2026, 8, 1), kind="police")
        session.commit()
        first = transparency.for_key(session, "2026Q3", 10, NOW, cache)
        many(session, 12, D(2026, 8, 2), kind="provider")  # as if they were late to arrive
        session.commit()
        later = NOW + dt.timedelta(hours=5)
        again = transparency.for_key(session, "2026Q3", 10, later, cache)
        elsewhere = transparency.for_key(session, LAST_12_MONTHS, 10, later, {})
        assert first.total.value == again.total.value == elsewhere.total.value == 12
        assert again.releases == (("2026Q3", 1),)

        figurereleases.correct(session, Quarter(2026, 3), later)
        within_the_hour = transparency.for_key(
            session, LAST_12_MONTHS, 10, later + dt.timedelta(minutes=59), cache
        )
        assert within_the_hour.total.value == 12
        an_hour_on = later + dt.timedelta(hours=1)
        quarter = transparency.for_key(session, "2026Q3", 10, an_hour_on, cache)
        year = transparency.for_key(session, LAST_12_MONTHS, 10, an_hour_on, cache)
    assert quarter.total.value == year.total.value == 24
    assert quarter.tables["kind"].cell("provider", "complaints").value == 12
    assert quarter.releases == (("2026Q3", 2),)
    assert year.releases == (("2025Q4", 1), ("2026Q1", 1), ("2026Q2", 1), ("2026Q3", 2))


def test_a_quarter_still_under_way_is_never_released(app: Flask) -> None:
    with app.app_context(), pytest.raises(figurereleases.NotEnded):
        figurereleases.published(db.session(), [Quarter(2026, 4)], NOW)


def test_medians_from_a_histogram() -> None:
    assert transparency.median(Counter({1: 1, 5: 1, 9: 1})) == 5
    assert transparency.median(Counter({1: 2, 5: 2})) == 3
    assert transparency.median(Counter({4: 7})) == 4
    assert transparency.median(Counter()) is None


def test_the_scopes_cover_every_layout() -> None:
    quarter = set(figuretables.QUARTER_SCOPE.keys)
    year = set(figuretables.YEAR_SCOPE.keys)
    for scope, keys in ((figuretables.QUARTER_SCOPE, quarter), (figuretables.YEAR_SCOPE, year)):
        for layout in scope.layouts:
            for kind, key in layout.sources.values():
                assert kind == "median" or key in keys, (layout.id, key)
