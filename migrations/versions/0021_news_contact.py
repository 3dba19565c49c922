"""news for the person: an email address, encrypted with the complaint's key, to be told at

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01

A person may leave an email address to be told, without any details, that there is news on
their complaint. It is kept in its own table, encrypted with the complaint's data key, and
goes with the complaint (ON DELETE CASCADE); the complaint table itself is not altered, so
SQLite keeps its status-count triggers.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "news_contact",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("waiting", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("failed", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_news_contact_complaint_id_complaint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_news_contact")),
    )


def downgrade() -> None:
    op.drop_table("news_contact")
