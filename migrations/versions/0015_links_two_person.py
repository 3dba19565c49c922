"""links to an earlier complaint: a second member's approval, and what the new code may see

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

The earlier complaint's data key, which a link used to hand to the new code, is dropped: a
link now has its own key, which opens only copies of what the board writes after the link.
Links confirmed before this revision have neither an approval nor a key: they show nothing
more (the board may propose them again, with a second member's approval). Proposed ones now
wait for that approval. `complaint.filed_by_member` holds, encrypted with the complaint's
key, the admin or reviewer signed in on the browser it was filed from (blank for older ones).
"""

from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('link_key_new', sa.LargeBinary(length=80), nullable=True))
        batch_op.add_column(sa.Column('link_key_board', sa.LargeBinary(length=80), nullable=True))
        batch_op.drop_column('earlier_dk_sealed')
        batch_op.create_foreign_key(
            batch_op.f('fk_case_link_approved_by_account'),
            'account',
            ['approved_by'],
            ['id'],
            ondelete='SET NULL',
        )
    op.create_table(
        'link_copy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('to_status', sa.String(length=20), nullable=True),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['link_id'],
            ['case_link.id'],
            name=op.f('fk_link_copy_link_id_case_link'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_link_copy')),
    )
    with op.batch_alter_table('link_copy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_copy_link_id'), ['link_id'], unique=False)
    # A plain ADD COLUMN (no table rebuild), so SQLite keeps the status-count triggers.
    op.add_column('complaint', sa.Column('filed_by_member', sa.Text(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not a batch rebuild that would lose the triggers.
    op.drop_column('complaint', 'filed_by_member')
    with op.batch_alter_table('link_copy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_copy_link_id'))
    op.drop_table('link_copy')
    # The earlier key is not brought back: the links keep showing nothing.
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_link_approved_by_account'), type_='foreignkey')
        batch_op.add_column(sa.Column('earlier_dk_sealed', sa.LargeBinary(length=80), nullable=True))
        batch_op.drop_column('link_key_board')
        batch_op.drop_column('link_key_new')
        batch_op.drop_column('approved_on')
        batch_op.drop_column('approved_by')
