"""the queue's order under the held-for-the-chair filter, in one index

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

A member who is not an admin sees only cases not held for the chair. With an index on
`held_for_chair` alone, SQLite chose it and sorted every matching case for the queue's order
(22.7 ms at 20,000 cases against 8.9 ms at 1,000). One index on (held_for_chair, urgent DESC,
created_on, id) serves both that filter and the order, and still finds the few held cases for
the queue's counts, so it replaces the single-column one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_complaint_held_queue",
        "complaint",
        ["held_for_chair", sa.text("urgent DESC"), "created_on", "id"],
    )
    op.drop_index("ix_complaint_held", table_name="complaint")


def downgrade() -> None:
    op.create_index("ix_complaint_held", "complaint", ["held_for_chair"], unique=False)
    op.drop_index("ix_complaint_held_queue", table_name="complaint")
