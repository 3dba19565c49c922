"""links to an earlier complaint: a second member's approval, and what the new code may see

Revision ID: 0014_links
Revises: 0013
Create Date: 2026-12-01

Links confirmed before this revision have no approval: they stop showing anything (the board
may propose them again, with a second member's approval). Proposed ones now wait for one.
"""

from alembic import op
import sqlalchemy as sa


revision = '0014_links'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('message_mark', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status_mark', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_case_link_approved_by_account'),
            'account',
            ['approved_by'],
            ['id'],
            ondelete='SET NULL',
        )
    # A plain ADD COLUMN (no table rebuild), so SQLite keeps the status-count triggers.
    op.add_column('complaint', sa.Column('filed_by_member', sa.Integer(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not a batch rebuild that would lose the triggers.
    op.drop_column('complaint', 'filed_by_member')
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_link_approved_by_account'), type_='foreignkey')
        batch_op.drop_column('status_mark')
        batch_op.drop_column('message_mark')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('approved_on')
        batch_op.drop_column('approved_by')
