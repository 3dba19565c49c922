"""A quarter's counts, kept in the database so every server process can use them.

Each gunicorn worker keeps the figures in its own memory, and a new worker has none. Counting
100,000 complaints takes most of a second, so whoever counts a quarter also saves what they
counted here, and a process that needs the quarter uses the saved counts while they are
recent enough (see `portal.transparency.refresh`). Saving is a cache write: if it fails, the
reader still gets their figures.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.db import write_transaction
from portal.figurecounts import Raw, collect_stories
from portal.models import FigureSnapshot
from portal.periods import Quarter

log = logging.getLogger(__name__)

# Bump when `Raw` changes: rows saved in another format are counted again, not misread.
FORMAT = 1


def load(
    db: Session, quarters: Iterable[Quarter], since: dt.datetime, now: dt.datetime
) -> dict[Quarter, tuple[Raw, dt.datetime]]:
    """The saved counts of these quarters made after `since` (and not after `now`: a clock
    ahead elsewhere must not make old counts look new), with when they were. A row that
    cannot be read counts as missing; so does the whole lot if the table cannot be read."""
    wanted = {quarter.key: quarter for quarter in quarters}
    try:
        rows = db.execute(
            select(FigureSnapshot.quarter, FigureSnapshot.counted_at, FigureSnapshot.counts).where(
                FigureSnapshot.quarter.in_(wanted),
                FigureSnapshot.counted_at > since,
                FigureSnapshot.counted_at <= now,
            )
        ).all()
    except SQLAlchemyError as problem:
        db.rollback()  # on PostgreSQL the failed read would spoil the count that follows
        log.warning("saved figure counts not read: %s", type(problem).__name__)
        return {}
    found = {}
    for key, counted_at, counts in rows:
        raw = from_json(counts)
        if raw is not None:
            found[wanted[key]] = (raw, counted_at)
    if found:
        # The board's public summaries are read afresh, never kept here: one deleted since
        # (a withdrawal, say) must not live on in this table or its backups.
        collect_stories(db, {q.key: raw for q, (raw, _) in found.items()}, sorted(found))
    return found


def save(db: Session, raws: Mapping[Quarter, Raw], counted_at: dt.datetime) -> None:
    """Keep these counts for the other processes, unless a later count is already saved."""
    try:
        with write_transaction(db):
            for quarter, raw in raws.items():
                row = db.get(FigureSnapshot, quarter.key)
                if row is None:
                    row = FigureSnapshot(quarter=quarter.key, counted_at=counted_at)
                    db.add(row)
                elif row.counted_at > counted_at:
                    continue
                row.counted_at, row.counts = counted_at, to_json(raw)
    except SQLAlchemyError as problem:  # another process saved the same quarter, or no disk
        log.warning("figure counts not saved for other processes: %s", type(problem).__name__)


def to_json(raw: Raw) -> str:
    """The counts and day histograms; never the stories (see `load`)."""
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
