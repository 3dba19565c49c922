"""Asking again and mediation in the public figures: what is counted, how, and its table.

Each event is counted in the quarter it happened: a request to look again on the day it was
made, a changed outcome on the day of the new decision, a mediation asked for on the day of
asking and one held (and how it ended) on the day the board recorded it. So a quarter's
counts are final once it ends, like the rest of its release, and a released quarter keeps
them (`portal.figures.figurereleases`). Each is one small query on its own indexed day column
(migration 0024), apart from the one scan of the quarter's complaints.

Mediations held are split into resolved and not, so hiding a small one of the two hides
enough of the other (`portal.figures.suppression`). The other counts are in no sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.choices import MediationOutcome
from portal.figures.suppression import Equation
from portal.models import Complaint

ASKED = ("asked_again",)
CHANGED = ("asked_again_changed",)
MEDIATION_ASKED = ("mediation_asked",)
MEDIATION_HELD = ("mediation_held",)
MEDIATION_RESOLVED = ("mediation_resolved",)
MEDIATION_UNRESOLVED = ("mediation_unresolved",)

# Counts in no sum, decided with the other counts in no sum.
STANDALONE = (ASKED, CHANGED, MEDIATION_ASKED)
ROWS = {
    "asked_again": ASKED,
    "asked_again_changed": CHANGED,
    "mediation_asked": MEDIATION_ASKED,
    "mediation_held": MEDIATION_HELD,
    "mediation_resolved": MEDIATION_RESOLVED,
}
COLUMN = "number"


def equations() -> list[Equation]:
    return [Equation(MEDIATION_HELD, (MEDIATION_RESOLVED, MEDIATION_UNRESOLVED))]


def count(db: Session, raws: Mapping[str, object], quarters: Iterable) -> None:
    """Add these counts to each quarter's raw counts (`portal.figures.figurecounts.Raw`)."""
    quarters = sorted(quarters)
    if not quarters:
        return
    start, end = quarters[0].start, quarters[-1].end

    def by_day(day_column, *more, where=()):
        rows = db.execute(
            select(day_column, *more, func.count())
            .where(day_column >= start, day_column < end, *where)
            .group_by(day_column, *more)
        )
        for day, *values, n in rows:
            quarter = next((q for q in quarters if q.start <= day < q.end), None)
            if quarter is not None:
                yield raws[quarter.key].counts, values, n

    for counts, _values, n in by_day(Complaint.reconsider_asked_on):
        counts[ASKED] += n
    for counts, _values, n in by_day(
        Complaint.reconsider_decided_on, where=(Complaint.reconsider_changed.is_(True),)
    ):
        counts[CHANGED] += n
    for counts, _values, n in by_day(Complaint.mediation_asked_on):
        counts[MEDIATION_ASKED] += n
    for counts, (outcome,), n in by_day(
        Complaint.mediation_recorded_on,
        Complaint.mediation_outcome,
        where=(Complaint.mediation_held.is_(True),),
    ):
        counts[MEDIATION_HELD] += n
        resolved = outcome == MediationOutcome.RESOLVED
        counts[MEDIATION_RESOLVED if resolved else MEDIATION_UNRESOLVED] += n
