"""Releases of the public figures: a quarter's figures, counted once and then kept as published.

Counting every hour from each case's current status would let anyone who saves each version
see which cells moved by one, and so the group behind each new decision. So a quarter is
counted once, the first time its figures are asked for after it has ended, and that count is
saved here as release 1 of the quarter. Every page, file and process then shows that release,
however the cases move on. Longer periods add up released quarters, so they do not move
either.

A correction (`flask --app wsgi figures-release 2026Q3`) counts the quarter afresh and saves it
as the next release, hidden by the same rules. The newest release replaces the one before
whole, on every page and file; older rows stay in this table as they were, unpublished.

"You said, we did" comes out with releases too, never as each summary is written: a new
release carries the summaries of cases decided before its quarter ended that no release has
carried yet. A correction carries the same ones as the release it replaces. Only which
complaints are carried is kept here; the words are read from the complaint each time, so a
summary deleted since (a withdrawal, say) is not kept in this table or its backups.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.db import write_transaction
from portal.figures import figuretables as ft
from portal.figures.figurecounts import Raw, collect, stories_by_id, unpublished_stories
from portal.figures.periods import Quarter
from portal.models import FigureRelease

# Bump when `Raw` changes, and teach `from_json` to read the older format too: a release is
# never counted again in its place (that would move published figures).
FORMAT = 1


class NotEnded(ValueError):
    """A quarter still under way has no figures: they would change from one day to the next."""


class Unreadable(ValueError):
    """A saved release cannot be read. It is never counted again in its place."""


@dataclasses.dataclass(frozen=True)
class Release:
    quarter: Quarter
    number: int
    released_at: dt.datetime
    raw: Raw  # its stories read afresh


def published(db: Session, quarters: Iterable[Quarter], now: dt.datetime) -> dict[Quarter, Release]:
    """The newest release of each quarter; a quarter never released is counted now and
    saved as its release 1. Raises NotEnded for a quarter not over by `now`."""
    quarters = sorted(set(quarters))
    late = [q for q in quarters if q.end > now.date()]
    if late:
        raise NotEnded(late[0].key)
    found = _newest(db, quarters)
    for _attempt in range(3):  # another process may release some of them meanwhile
        missing = [q for q in quarters if q not in found]
        if not missing:
            break
        _first_releases(db, missing, now)
        found.update(_newest(db, missing))
    return found


def correct(db: Session, quarter: Quarter, now: dt.datetime) -> Release:
    """A new release of an ended quarter, counted afresh: it replaces the one before whole."""
    if quarter.end > now.date():
        raise NotEnded(quarter.key)
    raw = collect(db, [quarter])[quarter.key]
    with write_transaction(db):
        before = db.scalars(
            select(FigureRelease)
            .where(FigureRelease.quarter == quarter.key)
            .order_by(FigureRelease.number.desc())
            .limit(1)
            .with_for_update()
        ).first()
        if before is None:
            ids = _assign_stories(db, [quarter])[quarter]
            number = 1
        else:
            ids = json.loads(before.stories)
            number = before.number + 1
        db.add(_row(quarter, number, now, raw, ids))
    return _newest(db, [quarter])[quarter]


def _first_releases(db: Session, quarters: list[Quarter], now: dt.datetime) -> None:
    counted = collect(db, quarters)
    try:
        with write_transaction(db):
            stories = _assign_stories(db, quarters)
            for quarter in quarters:
                db.add(_row(quarter, 1, now, counted[quarter.key], stories[quarter]))
    except IntegrityError:
        # Another process released them first: theirs is the published one, for us too.
        db.rollback()


def _assign_stories(db: Session, quarters: list[Quarter]) -> dict[Quarter, list[int]]:
    """Each summary no release carries yet goes out with the earliest of these quarters that
    ended after its case was decided."""
    carried: set[int] = set()
    for text in db.scalars(select(FigureRelease.stories)):
        carried.update(json.loads(text))
    quarters = sorted(quarters)
    stories: dict[Quarter, list[int]] = {q: [] for q in quarters}
    for complaint_id, decided in unpublished_stories(db, quarters[-1].end, carried):
        quarter = next(q for q in quarters if q.end > decided)
        stories[quarter].append(complaint_id)
    return stories


def _row(
    quarter: Quarter, number: int, now: dt.datetime, raw: Raw, ids: list[int]
) -> FigureRelease:
    return FigureRelease(
        quarter=quarter.key,
        number=number,
        released_at=now,
        counts=to_json(raw),
        stories=json.dumps(sorted(ids)),
    )


def _newest(db: Session, quarters: list[Quarter]) -> dict[Quarter, Release]:
    wanted = {q.key: q for q in quarters}
    newest = (
        select(FigureRelease.quarter, func.max(FigureRelease.number).label("number"))
        .where(FigureRelease.quarter.in_(wanted))
        .group_by(FigureRelease.quarter)
        .subquery()
    )
    rows = db.scalars(
        select(FigureRelease).join(
            newest,
            (FigureRelease.quarter == newest.c.quarter) & (FigureRelease.number == newest.c.number),
        )
    ).all()
    carried = {row.quarter: json.loads(row.stories) for row in rows}
    words = stories_by_id(db, [id_ for ids in carried.values() for id_ in ids])
    found = {}
    for row in rows:
        raw = from_json(row.counts)
        if raw is None:
            raise Unreadable(f"release {row.number} of {row.quarter}")
        stories = sorted((words[id_] for id_ in carried[row.quarter] if id_ in words), reverse=True)
        raw.stories.extend(story for _order, story in stories)
        found[wanted[row.quarter]] = Release(wanted[row.quarter], row.number, row.released_at, raw)
    return found


def first_released(db: Session) -> dt.date | None:
    """The first day of the earliest quarter released with a complaint in it: it stays
    published even when those complaints are gone (deleted under the retention rules, say)."""
    rows = db.execute(
        select(FigureRelease.quarter, FigureRelease.counts).order_by(
            FigureRelease.quarter, FigureRelease.number
        )
    )
    for key, counts in rows:  # the quarters before the first complaint are released empty
        raw = from_json(counts)
        if raw is not None and raw.counts[ft.TOTAL]:
            return Quarter.parse(key).start
    return None


def to_json(raw: Raw) -> str:
    """The counts and day histograms; never the stories' words (see the module note)."""
    return json.dumps(
        {
            "format": FORMAT,
            "counts": [[list(key), n] for key, n in raw.counts.items()],
            "days": [[list(key), list(days.items())] for key, days in raw.days.items()],
        },
        separators=(",", ":"),
    )


def from_json(text: str) -> Raw | None:
    """The counts saved by `to_json`, or None if saved in another format or unreadable."""
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            return None
        return Raw(
            counts=Counter({tuple(key): n for key, n in data["counts"]}),
            days={tuple(key): Counter(dict(days)) for key, days in data["days"]},
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
