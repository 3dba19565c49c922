"""The counts kept as cases change (portal.figures.figuretally) always agree with a count of
every case, whatever changes them: the application's own objects, bulk statements, deletes
that cascade in the database, or a complaint moved to another quarter."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import Result
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from portal import db
from portal.figures import figurecounts, figuretally
from portal.figures import figuretables as ft
from portal.figures.periods import Quarter
from portal.models import (
    Complaint,
    Demographics,
    FigureTally,
    FigureTallyDays,
    FigureTallyReferral,
    Referral,
)
from tests.figuredata import complaint, referral

D = dt.date
FIRST = D(2025, 12, 20)  # the cases span three quarters

KINDS = st.sampled_from([*ft.KINDS[:-1], None, "retired_kind"])
ACTORS = st.sampled_from([*ft.ACTORS[:-1], None])
STATUSES = st.sampled_from(ft.STATUSES)
DISPOSITIONS = st.sampled_from([*ft.DECISIONS, "withdrawn", None])
RACES = st.sampled_from([*ft.RACES[:2], "prefer_not", "not_a_listed_race", None])
GENDERS = st.sampled_from([*ft.GENDERS[:2], "prefer_not", None])
BODIES = st.sampled_from([*ft.BODIES[:2], "retired_body"])
STATES = st.sampled_from(["proposed", "agreed", "sent", "refused"])
DAYS = st.none() | st.integers(0, 120)
PICK = st.integers(0, 1_000)

CHANGES = st.one_of(
    st.tuples(st.just("file"), st.integers(0, 200), KINDS, ACTORS, STATUSES, DISPOSITIONS,
              RACES, GENDERS, DAYS, DAYS),
    st.tuples(st.just("move"), PICK, STATUSES, DISPOSITIONS, DAYS),
    st.tuples(st.just("bulk_move"), PICK, STATUSES),
    st.tuples(st.just("redate"), PICK, st.integers(0, 200)),
    st.tuples(st.just("describe"), PICK, RACES, GENDERS),
    st.tuples(st.just("forget"), PICK),
    st.tuples(st.just("refer"), PICK, BODIES, STATES),
    st.tuples(st.just("decide_referral"), PICK, STATES),
    st.tuples(st.just("drop_referral"), PICK),
    st.tuples(st.just("delete"), PICK),
    st.tuples(st.just("bulk_delete"), PICK),
)  # fmt: skip


def _pick(session: Session, model, index: int):
    rows = session.scalars(select(model).order_by(*model.__table__.primary_key.columns)).all()
    return rows[index % len(rows)] if rows else None


def apply(session: Session, change: tuple) -> None:
    """One change to the cases, as the application or an operator might make it."""
    what, *args = change
    if what == "file":
        offset, kind, actor, status, disposition, race, gender, answered, decided = args
        complaint(
            session,
            FIRST + dt.timedelta(days=offset),
            kind=kind,
            actor=actor,
            status=status,
            disposition=disposition,
            race=race,
            gender=gender,
            answered_after=answered,
            decided_after=decided,
        )
        return
    if what in ("refer", "decide_referral", "drop_referral"):
        if what == "refer":
            target = _pick(session, Complaint, args[0])
            if target is not None:
                referral(session, target, args[1], args[2])
            return
        row = _pick(session, Referral, args[0])
        if row is None:
            return
        if what == "decide_referral":
            row.state = args[1]
        else:
            session.delete(row)
        session.flush()
        return
    case = _pick(session, Complaint, args[0])
    if case is None:
        return
    if what == "move":
        status, disposition, decided = args[1:]
        case.status, case.disposition = status, disposition
        case.resolved_on = None if decided is None else case.created_on + dt.timedelta(decided)
        case.first_response_on = case.first_response_on or case.created_on
    elif what == "bulk_move":
        session.execute(update(Complaint).where(Complaint.id == case.id).values(status=args[1]))
    elif what == "redate":
        later = FIRST + dt.timedelta(days=args[1])
        case.created_on = later
        case.first_response_on = case.first_response_on and max(case.first_response_on, later)
        case.resolved_on = case.resolved_on and max(case.resolved_on, later)
    elif what == "describe":
        if case.demographics is None:
            case.demographics = Demographics(race=args[1], gender=args[2])
        else:
            case.demographics.race, case.demographics.gender = args[1], args[2]
    elif what == "forget":
        if case.demographics is not None:
            session.delete(case.demographics)
    elif what == "delete":
        session.delete(case)
    else:  # the database cascades to the demographics and referrals, as a purge does
        session.execute(delete(Complaint).where(Complaint.id == case.id))
    session.flush()
    session.expire_all()


def test_a_new_database_counts_nothing(app: Flask) -> None:
    with app.app_context():
        assert figuretally.read(db.session()) == figuretally.Tally()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.lists(CHANGES, min_size=1, max_size=12))
def test_the_kept_counts_always_agree_with_a_full_count(app: Flask, changes: list) -> None:
    # The cases carry over from one example to the next: the counts must agree at every step.
    with app.app_context():
        session = db.session()
        for change in changes:
            apply(session, change)
        session.commit()
        kept, counted = figuretally.read(session), figuretally.scan(session)
        assert kept.without_zeros() == counted
        # Nothing is left of a group that is gone (a deleted case, say), not even a zero.
        for model in (FigureTally, FigureTallyDays, FigureTallyReferral):
            assert session.scalar(select(func.count()).where(model.n == 0)) == 0
        quarters = sorted({Quarter.parse(key[0]) for key in counted.cases} | {Quarter.of(FIRST)})
        raws = figurecounts.collect(session, quarters)
        expected = figurecounts.expand(counted, quarters)
        assert {k: (r.counts, r.days) for k, r in raws.items()} == {
            k: (r.counts, r.days) for k, r in expected.items()
        }


def test_a_rolled_back_change_leaves_the_counts_as_they_were(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        complaint(session, D(2026, 1, 5), kind="police", race="black", status="in_review")
        session.commit()
        before = figuretally.read(session)
        case = session.scalars(select(Complaint)).one()
        case.status, case.resolved_on = "resolved", D(2026, 2, 1)
        session.flush()
        assert figuretally.read(session) != before
        session.rollback()
        assert figuretally.read(session) == before


def _recount(app: Flask) -> Result:
    return app.test_cli_runner().invoke(args=["figures-recount"])


def test_recount_rebuilds_counts_that_were_lost(app: Flask) -> None:
    """After a restore that lost them, say: the command counts every case again."""
    with app.app_context():
        session = db.session()
        complaint(session, D(2026, 1, 5), kind="police", race="black", answered_after=2)
        complaint(session, D(2026, 4, 5), kind="provider", gender="woman", decided_after=9)
        session.commit()
        expected = figuretally.scan(session)
        session.execute(delete(FigureTally))
        session.commit()
        assert figuretally.read(session).without_zeros() != expected
    result = _recount(app)
    assert result.exit_code == 0, result.output
    assert "2 complaints" in result.output
    with app.app_context():
        assert figuretally.read(db.session()).without_zeros() == expected


@pytest.mark.parametrize("quarter", ["2026Q1", "2026Q2"])
def test_a_quarters_counts_come_from_the_kept_counts(app: Flask, quarter: str) -> None:
    """What a release is made of: the same whether read from the kept counts or counted."""
    with app.app_context():
        session = db.session()
        complaint(session, D(2026, 1, 5), kind="police", race="black", status="referred")
        complaint(session, D(2026, 4, 5), kind="provider", status="withdrawn")
        session.commit()
        raw = figurecounts.collect(session, [Quarter.parse(quarter)])[quarter]
        assert raw.counts[ft.TOTAL] == 1
        assert raw.counts[("race", "black")] == (1 if quarter == "2026Q1" else 0)
        assert raw.counts[("status", "withdrawn")] == (1 if quarter == "2026Q2" else 0)
