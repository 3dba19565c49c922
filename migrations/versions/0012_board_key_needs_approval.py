"""an admin approves each new member before they get the board key

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        'account',
        sa.Column('key_approved', sa.Boolean(), nullable=False, server_default='0'),
    )
    # Active members who already hold the board key were let in under the old rule. Anyone
    # else (still waiting for it, or disabled) now needs an admin's approval.
    op.execute(
        "UPDATE account SET key_approved = true WHERE disabled = false"
        " AND id IN (SELECT account_id FROM member_key)"
    )


def downgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('key_approved')
