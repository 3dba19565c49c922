"""the board's reading of a person's message, kept to the day

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01

A person now sees "Read by the board on DATE" under their latest message. The time a board
member opened it was kept to the second (`message.read_at`); a time of day tells which member
reads cases when, so only the day is kept from now on (portal.casework.caseview), and the
times already stored are cut to their day. Nothing to undo: the finer times are gone for good,
and the older code reads a day as well as a time.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

message = sa.table(
    "message",
    sa.column("id", sa.BigInteger),
    sa.column("direction", sa.String),
    sa.column("read_at", sa.DateTime),
)


def upgrade() -> None:
    connection = op.get_bind()
    read = connection.execute(
        sa.select(message.c.id, message.c.read_at).where(
            message.c.direction == "from_complainant", message.c.read_at.is_not(None)
        )
    ).all()
    days = [
        {"message_id": row.id, "day": dt.datetime.combine(row.read_at.date(), dt.time())}
        for row in read
        if row.read_at.time() != dt.time()
    ]
    if days:
        connection.execute(
            message.update()
            .where(message.c.id == sa.bindparam("message_id"))
            .values(read_at=sa.bindparam("day")),
            days,
        )


def downgrade() -> None:
    pass
