"""Counting what the public figures publish, before anything is hidden.

The counts kept for each quarter as cases change (`portal.figures.figuretally`) turned into
the counts of `portal.figures.figuretables`, plus the day histograms the medians come from,
the referrals and the survey answers; and which of the board's public summaries a release
carries.
Nothing here is published as it is: `portal.figures.transparency` hides what must be hidden.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.choices import PREFER_NOT, Status
from portal.figures import askingagain, figuretally
from portal.figures import figuretables as ft
from portal.figures.periods import Quarter
from portal.models import Complaint, FigureTally, SurveyAnswer

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


def collect(db: Session, quarters: Iterable[Quarter]) -> dict[str, Raw]:
    """Count every quarter asked for, from the sums kept as cases change
    (`portal.figures.figuretally`); the stories come with each release
    (`portal.figures.figurereleases`)."""
    quarters = sorted(set(quarters))
    raws = expand(figuretally.read(db, quarters), quarters)
    if quarters:
        _count_survey(db, raws, quarters)
        askingagain.count(db, raws, quarters)
    return raws


def expand(tally: figuretally.Tally, quarters: Iterable[Quarter]) -> dict[str, Raw]:
    """The counts of `portal.figures.figuretables` and the day histograms the medians come
    from, from the kept sums (the survey answers left out)."""
    raws = {quarter.key: Raw() for quarter in quarters}
    _count_cases(raws, tally.cases)
    _count_days(raws, tally.days)
    _count_referrals(raws, tally.referrals)
    return raws


def _count_cases(raws: dict[str, Raw], sums: Counter) -> None:
    """Each group's counts; the totals from the sums by race."""
    known = {"race": ft.RACES, "gender": ft.GENDERS}
    for (key, facet, group, margin, a, b), n in sums.items():
        if key not in raws or not n:
            continue
        counts, group, overall = raws[key].counts, _group(group, known[facet]), facet == "race"
        if margin == "kind":
            kind = a if a in ft.KINDS else ft.NOT_GIVEN
            counts[(facet, group)] += n
            counts[(f"{facet}_kind", group, kind)] += n
            if overall:
                counts[ft.TOTAL] += n
                counts[("kind", kind)] += n
        elif margin == "actor":
            actor = a if a in ft.ACTORS else ft.NOT_GIVEN
            counts[(f"{facet}_actor", group, actor)] += n
            if overall:
                counts[("actor", actor)] += n
        elif margin == "outcome":
            a = ft.PUBLIC_STATUS.get(a, a)  # a case being looked at again shows as in review
            outcome = _outcome(a, b)
            counts[(f"{facet}_outcome", group, outcome)] += n
            if overall:
                counts[("status", a)] += n
                if outcome != ft.WITHDRAWN:  # counted once, as the withdrawn status
                    counts[("outcome", outcome)] += n
        else:  # answers
            answered, decided = n * (a == "1"), n * (b == "1")
            counts[(f"{facet}_responded", group)] += answered
            counts[(f"{facet}_resolved", group)] += decided
            if overall:
                counts[ft.RESPONDED] += answered
                counts[ft.RESOLVED] += decided


def _count_days(raws: dict[str, Raw], sums: Counter) -> None:
    """The day histograms the medians come from: over all, by race and by gender."""
    known = {"race": ft.RACES, "gender": ft.GENDERS}
    for (key, measure, facet, group, number), n in sums.items():
        if key in raws and n:
            place = (measure, ft.ALL) if facet == "all" else (measure, facet)
            if facet != "all":
                place = (*place, _group(group, known[facet]))
            raws[key].add_days(place, number, n)


def _count_referrals(raws: dict[str, Raw], referrals: Counter) -> None:
    for (key, body, race, gender), n in referrals.items():
        if key in raws and n:
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


def _publishable(status: str, summary: str | None, text_deleted: bool) -> bool:
    return status in PUBLISHED_STATUSES and summary is not None and not text_deleted


def unpublished_stories(
    db: Session, before: dt.date, published: set[int]
) -> list[tuple[int, dt.date]]:
    """The complaints decided before `before` with a "You said, we did" that no release has
    carried yet (`published` holds those that one has), with the day each was decided."""
    # Only what the partial index ix_complaint_public_summary holds is read.
    rows = db.execute(
        select(
            Complaint.id,
            Complaint.resolved_on,
            Complaint.status,
            Complaint.public_summary,
            Complaint.text_deleted,
        ).where(Complaint.public_summary.is_not(None), Complaint.resolved_on < before)
    )
    return [
        (id_, day)
        for id_, day, status, summary, deleted in rows
        if id_ not in published and _publishable(status, summary, deleted)
    ]


def stories_of(db: Session, ids: Iterable[int]) -> list[Story]:
    """The summaries of these complaints as they read now, newest decision first. One deleted
    or withdrawn since is left out: what the person took back is not kept public."""
    found = stories_by_id(db, ids)
    return [found[id_][1] for id_ in sorted(found, key=lambda id_: found[id_][0], reverse=True)]


def stories_by_id(db: Session, ids: Iterable[int]) -> dict[int, tuple[tuple, Story]]:
    """Each of these complaints' summary as it reads now, with its place in the newest-first
    order; one read by id for any number of releases."""
    ids = sorted(set(ids))
    found: dict[int, tuple[tuple, Story]] = {}
    for start in range(0, len(ids), 500):
        rows = db.execute(
            select(
                Complaint.id,
                Complaint.resolved_on,
                Complaint.public_summary,
                Complaint.program_response,
                Complaint.status,
                Complaint.text_deleted,
            ).where(Complaint.id.in_(ids[start : start + 500]))
        )
        for id_, day, summary, response, status, deleted in rows:
            if day is None or not _publishable(status, summary, deleted) or not summary.strip():
                continue
            story = Story(Quarter.of(day).key, summary.strip(), (response or "").strip() or None)
            found[id_] = ((day, id_), story)
    return found


def first_day(db: Session) -> dt.date | None:
    """The first day of the quarter the first complaint came in: published quarters start
    from it. Read from the kept counts, not from every case."""
    key = db.scalar(select(func.min(FigureTally.quarter)).where(FigureTally.n > 0))
    return None if key is None else Quarter.parse(key).start
