"""public accountability: you said, we did; the review packet

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

NEW_COLUMNS = ('public_summary', 'program_response', 'in_packet')


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite a batch rebuilds the table, which would drop
    # the status_count triggers of 0005. A string default keeps SQLite on ADD COLUMN too.
    op.add_column('complaint', sa.Column('public_summary', sa.Text(), nullable=True))
    op.add_column('complaint', sa.Column('program_response', sa.Text(), nullable=True))
    op.add_column(
        'complaint',
        sa.Column('in_packet', sa.Boolean(), server_default='0', nullable=False),
    )


def downgrade() -> None:
    # SQLite 3.35+ and PostgreSQL both drop a column in place (no rebuild, triggers kept).
    for column in reversed(NEW_COLUMNS):
        op.execute(f'ALTER TABLE complaint DROP COLUMN {column}')
