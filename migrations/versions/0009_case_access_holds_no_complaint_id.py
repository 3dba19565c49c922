"""case access holds no complaint id

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Open-case sessions now keep the complaint id inside their sealed part; the old rows
    # cannot be read that way, so they end (people enter their code again).
    op.execute("DELETE FROM case_access")
    with op.batch_alter_table('case_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_access_complaint_id'))
        batch_op.drop_constraint(batch_op.f('fk_case_access_complaint_id_complaint'), type_='foreignkey')
        batch_op.drop_column('complaint_id')

    # ### end Alembic commands ###


def downgrade() -> None:
    op.execute("DELETE FROM case_access")
    with op.batch_alter_table('case_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_id', sa.INTEGER(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_case_access_complaint_id_complaint'), 'complaint', ['complaint_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_case_access_complaint_id'), ['complaint_id'], unique=False)

    # ### end Alembic commands ###
