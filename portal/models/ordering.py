"""Ids and order keys that say nothing about when a participant acted.

A counter id (1, 2, 3...) shared by the board's rows and the participant's places a reply
between two board actions timed to the second, and so tells its time far better than the hour
that is stored. Tables a participant writes to therefore take random ids, and a case's
timeline keeps its order in `seq`: 1, 2, 3 within that one complaint, which only tells what
both sides of the case already see, the order of its own events.

Both are column defaults, so every insert gets them, whoever writes the row.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, text
from sqlalchemy.engine.default import DefaultExecutionContext

# Ids must fit the 32-bit INTEGER columns PostgreSQL made for the earlier counter ids.
ID_LIMIT = 2**31 - 1


def random_id(context: DefaultExecutionContext) -> int:
    """A random id not yet used in this column's table (one indexed lookup per try)."""
    column = context.current_column
    assert column is not None  # noqa: S101  (only ever used as a column default)
    while True:
        candidate = secrets.randbelow(ID_LIMIT) + 1
        taken = context.connection.scalar(select(column).where(column == candidate))
        if taken is None:
            return candidate


def next_in_case(context: DefaultExecutionContext) -> int:
    """The next place in one complaint's timeline, counted on the complaint's row.

    The counter is raised by one statement that locks the complaint's row (PostgreSQL) or
    runs inside the write lock (SQLite), so two writers to one case never share a place.
    """
    complaint_id = context.get_current_parameters()["complaint_id"]
    context.connection.execute(
        text("UPDATE complaint SET timeline_seq = timeline_seq + 1 WHERE id = :id"),
        {"id": complaint_id},
    )
    return context.connection.scalar(
        text("SELECT timeline_seq FROM complaint WHERE id = :id"), {"id": complaint_id}
    )
