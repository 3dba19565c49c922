"""asking again and mediation

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01

After the outcome letter a person may ask once for the board to look again, with their
reason sealed like their other words; where the program offers it, they may ask for
mediation, and the board records whether it was held and how it ended. The days are indexed
for the public figures, which count each by the quarter it happened in. A case in the new
"reconsideration" status needs no change to the status counts: the triggers take any status.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

DAYS = (
    "reconsider_asked_on",
    "reconsider_decided_on",
    "mediation_asked_on",
    "mediation_recorded_on",
)




def _new_columns() -> list[sa.Column]:
    return [
        sa.Column("reconsider_reason", sa.Text(), nullable=True),
        *(sa.Column(name, sa.Date(), nullable=True) for name in DAYS),
        sa.Column("reconsider_changed", sa.Boolean(), nullable=True),
        sa.Column("mediation_held", sa.Boolean(), nullable=True),
        sa.Column("mediation_outcome", sa.String(length=20), nullable=True),
    ]


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite a batch rebuilds the table, which would drop
    # the status_count triggers of 0005.
    for column in _new_columns():
        op.add_column("complaint", column)
    for name in DAYS:
        op.create_index(f"ix_complaint_{name}", "complaint", [name])


def downgrade() -> None:
    # A case waiting for its new decision goes back to decided: the old version has no such
    # status, and its first decision and letter are still in place.
    op.execute("UPDATE complaint SET status = 'resolved' WHERE status = 'reconsideration'")
    for name in DAYS:
        op.drop_index(f"ix_complaint_{name}", table_name="complaint")
    # SQLite 3.35+ and PostgreSQL both drop a column in place (no rebuild, triggers kept).
    for column in reversed(_new_columns()):
        op.execute(f"ALTER TABLE complaint DROP COLUMN {column.name}")
