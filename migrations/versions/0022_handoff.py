"""the hand-off: what the board will send for an agreed referral, and the person's yes to it

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01

One new table. Its `content` is sealed under the complaint's data key like the rest of the
case's words; `consent` is a MAC over what the person said yes to (portal.casework.handoff).
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("prepared_by", sa.Integer(), nullable=True),
        sa.Column("prepared_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.String(length=3), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("consent", sa.LargeBinary(length=32), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_handoff_complaint_id_complaint"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prepared_by"],
            ["account.id"],
            name=op.f("fk_handoff_prepared_by_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_handoff_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_handoff_referral_id")),
    )
    op.create_index(op.f("ix_handoff_complaint_id"), "handoff", ["complaint_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_handoff_complaint_id"), table_name="handoff")
    op.drop_table("handoff")
