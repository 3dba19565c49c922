"""Counting what the public figures publish, before anything is hidden.

One scan of the complaints received in the quarters asked for (a GROUP BY would sort them
all), tallied in Python into the counts of `portal.figures.figuretables`, plus the day histograms
the
medians come from, the referrals and the survey answers; and which of the board's public
summaries a release carries.
Nothing here is published as it is: `portal.figures.transparency` hides what must be hidden.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import Integer, and_, case, cast, func, select
from sqlalchemy.orm import Session

from portal.choices import PREFER_NOT, Status
from portal.figures import askingagain
from portal.figures import figuretables as ft
from portal.figures.periods import Quarter
from portal.models import Complaint, Demographics, Referral, SurveyAnswer

PUBLISHED_STATUSES = (Status.RESOLVED.value, Status.CLOSED.value)


@dataclasses.dataclass(frozen=True)
class Story:
    """One 'You said, we did' entry: only what the board wrote for publication."""

    quarter: str  # the quarter the board decided in
    board_said: str
    program_did: str | None


@dataclasses.dataclass
class Raw:
    """One quarter before anything is hidden. Never published as it is."""

    counts: Counter = dataclasses.field(default_factory=Counter)
    days: dict[tuple[str, ...], Counter] = dataclasses.field(default_factory=dict)
    stories: list[Story] = dataclasses.field(default_factory=list)

    def add_days(self, key: tuple[str, ...], days: int, count: int) -> None:
        self.days.setdefault(key, Counter())[days] += count


def _group(value: str | None, known: tuple[str, ...]) -> str:
    if value is None or value == PREFER_NOT or value not in known:
        return ft.DID_NOT_SAY
    return value


def _outcome(status: str, disposition: str | None) -> str:
    if status == Status.WITHDRAWN:
        return ft.WITHDRAWN
    if status in PUBLISHED_STATUSES and disposition in ft.DECISIONS:
        return disposition
    return ft.NO_DECISION


def _days_between(db: Session, later, earlier):  # SQL expressions
    if db.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier


def collect(db: Session, quarters: Iterable[Quarter]) -> dict[str, Raw]:
    """Count every quarter asked for, in one pass over each table (the stories come with each
    release: `portal.figures.figurereleases`)."""
    quarters = sorted(set(quarters))
    raws = {quarter.key: Raw() for quarter in quarters}
    if not quarters:
        return raws
    bucket = case(
        *[
            (and_(Complaint.created_on >= q.start, Complaint.created_on < q.end), q.key)
            for q in quarters
        ]
    ).label("bucket")
    in_range = and_(
        Complaint.created_on >= quarters[0].start, Complaint.created_on < quarters[-1].end
    )
    joined = select().select_from(Complaint).outerjoin(Demographics)
    _count_complaints(db, raws, bucket, in_range, joined)
    _count_referrals(db, raws, bucket, in_range, joined)
    _count_survey(db, raws, quarters)
    askingagain.count(db, raws, quarters)
    return raws


def _count_complaints(db: Session, raws: dict[str, Raw], bucket, in_range, joined) -> None:
    """One scan of the period's complaints (a GROUP BY would sort them all), tallied here."""
    columns = (
        bucket,
        Complaint.kind,
        Complaint.actor_kind,
        Complaint.status,
        Complaint.disposition,
        Demographics.race,
        Demographics.gender,
        _days_between(db, Complaint.first_response_on, Complaint.created_on),
        _days_between(db, Complaint.resolved_on, Complaint.created_on),
    )
    rows = db.execute(joined.add_columns(*columns).where(in_range))
    tally = Counter(tuple(row) for row in rows)
    cases: Counter = Counter()
    days: Counter = Counter()
    for (key, kind, actor, status, disposition, race, gender, answer, decision), n in tally.items():
        race, gender = _group(race, ft.RACES), _group(gender, ft.GENDERS)
        if answer is not None:
            days[(key, "response", race, gender, answer)] += n
        if decision is not None:
            days[(key, "resolution", race, gender, decision)] += n
        answered, decided = int(answer is not None), int(decision is not None)
        cases[(key, kind, actor, status, disposition, race, gender, answered, decided)] += n
    for (key, measure, race, gender, number), n in days.items():
        raw = raws[key]
        raw.add_days((measure, ft.ALL), number, n)
        raw.add_days((measure, "race", race), number, n)
        raw.add_days((measure, "gender", gender), number, n)
    for (
        key,
        kind,
        actor,
        status,
        disposition,
        race,
        gender,
        responded,
        resolved,
    ), n in cases.items():
        counts = raws[key].counts
        status = ft.PUBLIC_STATUS.get(status, status)
        kind = kind if kind in ft.KINDS else ft.NOT_GIVEN
        actor = actor if actor in ft.ACTORS else ft.NOT_GIVEN
        outcome = _outcome(status, disposition)
        counts[ft.TOTAL] += n
        counts[("kind", kind)] += n
        counts[("actor", actor)] += n
        counts[("status", status)] += n
        if outcome != ft.WITHDRAWN:  # counted once, as the withdrawn status
            counts[("outcome", outcome)] += n
        counts[ft.RESPONDED] += n * responded
        counts[ft.RESOLVED] += n * resolved
        for grouping, value in (("race", race), ("gender", gender)):
            counts[(grouping, value)] += n
            counts[(f"{grouping}_kind", value, kind)] += n
            counts[(f"{grouping}_actor", value, actor)] += n
            counts[(f"{grouping}_outcome", value, outcome)] += n
            counts[(f"{grouping}_responded", value)] += n * responded
            counts[(f"{grouping}_resolved", value)] += n * resolved


def _count_referrals(db: Session, raws: dict[str, Raw], bucket, in_range, joined) -> None:
    rows = db.execute(
        joined.join(Referral, Referral.complaint_id == Complaint.id)
        .add_columns(bucket, Referral.body, Demographics.race, Demographics.gender, func.count())
        .where(in_range, Referral.state.in_(ft.REFERRAL_STATES))
        .group_by(bucket, Referral.body, Demographics.race, Demographics.gender)
    )
    for key, body, race, gender, n in rows:
        counts = raws[key].counts
        counts[ft.REFERRALS] += n
        counts[("body", body if body in ft.BODIES else "other")] += n
        counts[("race_referrals", _group(race, ft.RACES))] += n
        counts[("gender_referrals", _group(gender, ft.GENDERS))] += n


def _count_survey(db: Session, raws: dict[str, Raw], quarters: list[Quarter]) -> None:
    columns = (
        SurveyAnswer.quarter,
        SurveyAnswer.respected,
        SurveyAnswer.listened,
        SurveyAnswer.would_use_again,
    )
    rows = db.execute(
        select(*columns, func.count())
        .where(SurveyAnswer.quarter.in_([q.key for q in quarters]))
        .group_by(*columns)
    )
    for key, *answers, n in rows:
        counts = raws[key].counts
        counts[ft.SURVEYS] += n
        for question, answer in zip(ft.QUESTIONS, answers, strict=True):
            answer = answer if answer in ft.ANSWERS else ft.DID_NOT_SAY
            counts[("survey", question, answer)] += n


_PUBLISHABLE = (
    Complaint.status.in_(PUBLISHED_STATUSES),
    Complaint.public_summary.is_not(None),
    Complaint.text_deleted.is_(False),
)


def unpublished_stories(
    db: Session, before: dt.date, published: set[int]
) -> list[tuple[int, dt.date]]:
    """The complaints decided before `before` with a "You said, we did" that no release has
    carried yet (`published` holds those that one has), with the day each was decided."""
    rows = db.execute(
        select(Complaint.id, Complaint.resolved_on).where(
            Complaint.resolved_on < before, *_PUBLISHABLE
        )
    )
    return [(id_, day) for id_, day in rows if id_ not in published]


def stories_of(db: Session, ids: Iterable[int]) -> list[Story]:
    """The summaries of these complaints as they read now, newest decision first. One deleted
    or withdrawn since is left out: what the person took back is not kept public."""
    ids = sorted(set(ids))
    if not ids:
        return []
    rows = db.execute(
        select(Complaint.resolved_on, Complaint.public_summary, Complaint.program_response)
        .where(Complaint.id.in_(ids), Complaint.resolved_on.is_not(None), *_PUBLISHABLE)
        .order_by(Complaint.resolved_on.desc(), Complaint.id.desc())
    )
    return [
        Story(Quarter.of(day).key, summary.strip(), (response or "").strip() or None)
        for day, summary, response in rows
        if summary.strip()
    ]


def first_day(db: Session) -> dt.date | None:
    """The day the first complaint came in: published quarters start from its quarter."""
    return db.scalar(select(func.min(Complaint.created_on)))
