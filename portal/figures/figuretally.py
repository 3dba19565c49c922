"""Each quarter's sums, kept up to date as cases change, so no reader waits for a count.

What the figures count about a complaint, in one place (`MARGINS`, `MEASURES`): for the race
and for the gender it gave (its `facet`), how many complaints of that group came in each
quarter

- of each kind, and about each kind of actor;
- in each status with each disposition (the outcome);
- answered or not, decided or not;

and, over all, by race and by gender, the days each answer and decision took. Referrals the
person agreed to are kept by body, race and gender.

Triggers on `complaint`, `demographics` and `referral` (migration 0024) keep these sums in
`figure_tally`, `figure_tally_days` and `figure_tally_referral` in the same transaction as
the change, whatever code makes it, so a quarter is a few thousand rows to read whatever the
number of cases. A missing value is stored as ''. `portal.figures.figurecounts` turns them
into the published counts; nothing here is published as it is.

`scan` counts the same from the cases themselves: `recount` (`flask --app wsgi
figures-recount`) rebuilds the tables with it, and the tests check the triggers against it.
To count something new about a complaint, add it here, to `scan`, and to the triggers in a
new migration; something kept in a table of its own (the survey answers) is simpler counted
there (`portal.figures.figurecounts`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import bindparam, delete, insert, select, text
from sqlalchemy.orm import Session

from portal.db import write_transaction
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

FACETS = ("race", "gender")
# margin -> what `a` and `b` hold; answers are '0' or '1'.
MARGINS = {
    "kind": ("kind", None),
    "actor": ("actor_kind", None),
    "outcome": ("status", "disposition"),
    "answers": ("first_response_on", "resolved_on"),
}
MEASURES = {"response": "first_response_on", "resolution": "resolved_on"}
CASE = ("quarter", "facet", "grp", "margin", "a", "b")
DAYS = ("quarter", "measure", "facet", "grp", "days")
REFERRAL = ("quarter", "body", "race", "gender")
TABLES = {
    "cases": (FigureTally, CASE),
    "days": (FigureTallyDays, DAYS),
    "referrals": (FigureTallyReferral, REFERRAL),
}


@dataclasses.dataclass
class Tally:
    """The sums by the keys above, each key starting with its quarter."""

    cases: Counter = dataclasses.field(default_factory=Counter)
    days: Counter = dataclasses.field(default_factory=Counter)
    referrals: Counter = dataclasses.field(default_factory=Counter)

    def complaints(self) -> int:
        return sum(n for key, n in self.cases.items() if key[1:4:2] == ("race", "kind"))

    def without_zeros(self) -> Tally:
        return Tally(*(Counter({k: n for k, n in getattr(self, p).items() if n}) for p in TABLES))


def read(
    db: Session, quarters: Iterable[Quarter] | None = None, parts: Iterable[str] = TABLES
) -> Tally:
    """The kept sums of these quarters (of every quarter if None)."""
    keys = None if quarters is None else sorted({q.key for q in quarters})
    tally = Tally()
    for name in parts:
        model, key = TABLES[name]
        # Plain SQL: a year is some ten thousand rows, read twice as fast without the ORM.
        columns = ", ".join(key)  # names from TABLES above, never from input
        query = text(f"SELECT {columns}, n FROM {model.__tablename__}")  # noqa: S608
        if keys is not None:
            query = text(f"{query.text} WHERE quarter IN :keys").bindparams(
                bindparam("keys", expanding=True)
            )
        found = getattr(tally, name)
        for *values, n in db.execute(query, {} if keys is None else {"keys": keys}):
            if n:
                found[tuple(values)] = n
    return tally


def _blank(value: str | None) -> str:
    return "" if value is None else value


def _value(row: dict, column: str | None) -> str:
    if column is None:
        return ""
    if column in MEASURES.values():
        return "0" if row[column] is None else "1"
    return _blank(row[column])


def contribution(row: dict, race: str | None, gender: str | None) -> Tally:
    """What one complaint (its columns by name) adds to the sums, its referrals left out."""
    tally = Tally()
    quarter, created = Quarter.of(row["created_on"]).key, row["created_on"]
    for facet, group in (("race", _blank(race)), ("gender", _blank(gender))):
        for margin, (a, b) in MARGINS.items():
            tally.cases[(quarter, facet, group, margin, _value(row, a), _value(row, b))] += 1
    for measure, column in MEASURES.items():
        day: dt.date | None = row[column]
        if day is not None:
            for facet, group in (("all", ""), ("race", _blank(race)), ("gender", _blank(gender))):
                tally.days[(quarter, measure, facet, group, (day - created).days)] += 1
    return tally


def scan(db: Session) -> Tally:
    """The same sums from every case as it is now: slow, for `recount` and the tests."""
    tally = Tally()
    columns = ("created_on", "kind", "actor_kind", "status", "disposition",
               *MEASURES.values())  # fmt: skip
    joined = select().select_from(Complaint).outerjoin(Demographics)
    rows = db.execute(
        joined.add_columns(
            *(getattr(Complaint, c) for c in columns), Demographics.race, Demographics.gender
        )
    )
    for *values, race, gender in rows:
        one = contribution(dict(zip(columns, values, strict=True)), race, gender)
        tally.cases.update(one.cases)
        tally.days.update(one.days)
    rows = db.execute(
        joined.join(Referral, Referral.complaint_id == Complaint.id)
        .add_columns(Complaint.created_on, Referral.body, Demographics.race, Demographics.gender)
        .where(Referral.state.in_(ft.REFERRAL_STATES))
    )
    for created, body, race, gender in rows:
        tally.referrals[(Quarter.of(created).key, body, _blank(race), _blank(gender))] += 1
    return tally


def recount(db: Session) -> Tally:
    """Fill the kept sums again from scratch: after restoring a database without its
    triggers, say, or to be sure. Changes to cases wait for it."""
    with write_transaction(db):
        if db.get_bind().dialect.name == "postgresql":
            names = ", ".join(model.__tablename__ for model, _key in TABLES.values())
            db.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))
        tally = scan(db)
        for name, (model, key) in TABLES.items():
            db.execute(delete(model))
            rows = [
                {**dict(zip(key, values, strict=True)), "n": n}
                for values, n in getattr(tally, name).items()
            ]
            for start in range(0, len(rows), 5_000):
                db.execute(insert(model), rows[start : start + 5_000])
    return tally
