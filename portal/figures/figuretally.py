"""Each quarter's counts, kept up to date as cases change, so no reader waits for a count.

What the figures count about a complaint is, in one place:

- `CASE`: the quarter it came in, its kind, who it is about, its status and disposition, the
  race and gender it gave, and whether it has been answered and decided;
- `DAYS`: for an answered or decided complaint, the days that took, by race and gender;
- `REFERRAL`: each referral the person agreed to, by body, race and gender.

Triggers on `complaint`, `demographics` and `referral` (migration 0019) keep the number of
complaints sharing each of these combinations in `figure_tally`, `figure_tally_days` and
`figure_tally_referral`, in the same transaction as the change, whatever code makes it. A
missing value is stored as ''. `portal.figures.figurecounts` turns them into the published
counts; nothing here is published as it is.

`scan` counts the same from the cases themselves: `recount` (`flask --app wsgi
figures-recount`) rebuilds the tables with it, and the tests check the triggers against it.
To count something new about a complaint, add it to the three lists below, to `scan`, and to
the triggers in a new migration; something kept in a table of its own (the survey answers)
is simpler counted there (`portal.figures.figurecounts`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, insert, select, text
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

CASE = ("quarter", "kind", "actor", "status", "disposition", "race", "gender", "answered",
        "decided")  # fmt: skip
DAYS = ("quarter", "measure", "race", "gender", "days")
REFERRAL = ("quarter", "body", "race", "gender")
TABLES = ((FigureTally, CASE), (FigureTallyDays, DAYS), (FigureTallyReferral, REFERRAL))


@dataclasses.dataclass
class Tally:
    """Counts by the combinations above, each key starting with its quarter."""

    cases: Counter = dataclasses.field(default_factory=Counter)
    days: Counter = dataclasses.field(default_factory=Counter)
    referrals: Counter = dataclasses.field(default_factory=Counter)

    def parts(self) -> tuple[Counter, Counter, Counter]:
        return self.cases, self.days, self.referrals

    def without_zeros(self) -> Tally:
        return Tally(*(Counter({k: n for k, n in part.items() if n}) for part in self.parts()))


def read(db: Session, quarters: Iterable[Quarter] | None = None) -> Tally:
    """The kept counts of these quarters (of every quarter if None)."""
    keys = None if quarters is None else sorted({q.key for q in quarters})
    tally = Tally()
    for (model, key), part in zip(TABLES, tally.parts(), strict=True):
        query = select(*(getattr(model, column) for column in key), model.n).where(model.n != 0)
        if keys is not None:
            query = query.where(model.quarter.in_(keys))
        for *values, n in db.execute(query):
            part[tuple(values)] = n
    return tally


def _blank(value: str | None) -> str:
    return "" if value is None else value


def scan(db: Session) -> Tally:
    """The same counts from every case as it is now: slow, for `recount` and the tests."""
    tally = Tally()
    joined = select().select_from(Complaint).outerjoin(Demographics)
    rows = db.execute(
        joined.add_columns(
            Complaint.created_on,
            Complaint.kind,
            Complaint.actor_kind,
            Complaint.status,
            Complaint.disposition,
            Demographics.race,
            Demographics.gender,
            Complaint.first_response_on,
            Complaint.resolved_on,
        )
    )
    for created, kind, actor, status, disposition, race, gender, answered, decided in rows:
        quarter, race, gender = Quarter.of(created).key, _blank(race), _blank(gender)
        key = (quarter, _blank(kind), _blank(actor), status, _blank(disposition), race, gender)
        tally.cases[(*key, answered is not None, decided is not None)] += 1
        for measure, day in (("response", answered), ("resolution", decided)):
            if day is not None:
                tally.days[(quarter, measure, race, gender, (day - created).days)] += 1
    rows = db.execute(
        joined.join(Referral, Referral.complaint_id == Complaint.id)
        .add_columns(Complaint.created_on, Referral.body, Demographics.race, Demographics.gender)
        .where(Referral.state.in_(ft.REFERRAL_STATES))
    )
    for created, body, race, gender in rows:
        tally.referrals[(Quarter.of(created).key, body, _blank(race), _blank(gender))] += 1
    return tally


def recount(db: Session) -> Tally:
    """Fill the kept counts again from scratch: after restoring a database without its
    triggers, say, or to be sure. Changes to cases wait for it."""
    with write_transaction(db):
        if db.get_bind().dialect.name == "postgresql":
            names = ", ".join(model.__tablename__ for model, _key in TABLES)
            db.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))
        tally = scan(db)
        for (model, key), part in zip(TABLES, tally.parts(), strict=True):
            db.execute(delete(model))
            rows = [{**dict(zip(key, values, strict=True)), "n": n} for values, n in part.items()]
            for start in range(0, len(rows), 5_000):
                db.execute(insert(model), rows[start : start + 5_000])
    return tally
