"""hold a case for the chair while someone is to be kept away

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild), so SQLite keeps the status-count triggers.
    op.add_column(
        'complaint',
        sa.Column('held_for_chair', sa.Boolean(), nullable=False, server_default='0'),
    )
    op.create_index('ix_complaint_held', 'complaint', ['held_for_chair'], unique=False)
    # Open cases with a request the chair has not acted on wait for the chair too, as new
    # ones will.
    op.execute(
        "UPDATE complaint SET held_for_chair = true WHERE keep_away IS NOT NULL"
        " AND status NOT IN ('resolved', 'closed', 'withdrawn')"
        " AND NOT EXISTS (SELECT 1 FROM recusal WHERE recusal.complaint_id = complaint.id"
        " AND recusal.reason = 'complainant')"
    )


def downgrade() -> None:
    op.drop_index('ix_complaint_held', table_name='complaint')
    # A plain DROP COLUMN (SQLite 3.35+), not a batch rebuild that would lose the triggers.
    op.drop_column('complaint', 'held_for_chair')
