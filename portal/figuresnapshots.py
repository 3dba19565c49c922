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
from portal.figurecounts import Raw, Story
from portal.models import FigureSnapshot
from portal.periods import Quarter

log = logging.getLogger(__name__)


def load(
    db: Session, quarters: Iterable[Quarter], since: dt.datetime
) -> dict[Quarter, tuple[Raw, dt.datetime]]:
    """The saved counts of these quarters made after `since`, with when they were."""
    wanted = {quarter.key: quarter for quarter in quarters}
    rows = db.execute(
        select(FigureSnapshot.quarter, FigureSnapshot.counted_at, FigureSnapshot.counts).where(
            FigureSnapshot.quarter.in_(wanted), FigureSnapshot.counted_at > since
        )
    )
    return {wanted[key]: (from_json(counts), counted_at) for key, counted_at, counts in rows}


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
    return json.dumps(
        {
            "counts": [[list(key), n] for key, n in raw.counts.items()],
            "days": [[list(key), list(days.items())] for key, days in raw.days.items()],
            "stories": [[s.quarter, s.board_said, s.program_did] for s in raw.stories],
        },
        separators=(",", ":"),
    )


def from_json(text: str) -> Raw:
    data = json.loads(text)
    return Raw(
        counts=Counter({tuple(key): n for key, n in data["counts"]}),
        days={tuple(key): Counter(dict(days)) for key, days in data["days"]},
        stories=[Story(*story) for story in data["stories"]],
    )
