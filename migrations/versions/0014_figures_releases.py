"""public figures frozen as releases: a quarter's counts kept as first published

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

The counts every process shared for an hour (figure_snapshot) give way to releases that never
change. Nothing is carried over: each quarter is counted once more, as its first release.
"""

from alembic import op
import sqlalchemy as sa


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_release",
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("stories", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("quarter", "number", name=op.f("pk_figure_release")),
    )
    op.drop_table("figure_snapshot")


def downgrade() -> None:
    op.create_table(
        "figure_snapshot",
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("quarter", name=op.f("pk_figure_snapshot")),
    )
    op.drop_table("figure_release")
