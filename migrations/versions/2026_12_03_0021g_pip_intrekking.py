"""pip_intrekking: the withdrawal of the PIP in force (DUO's PIP DELETE)

Revision ID: 0021g
Revises: 0020o
Create Date: 2026-12-03 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021g'
down_revision: str | None = '0020o'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pip_intrekking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pip_id', sa.Integer(), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
    sa.Column('datum', sa.Date(), nullable=False),
    sa.Column('reden', sa.Text(), nullable=False),
    sa.Column('ingetrokken_door_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_pip_intrekking_inburgeraar_id_inburgeraar'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ingetrokken_door_id'], ['user_account.id'], name=op.f('fk_pip_intrekking_ingetrokken_door_id_user_account')),
    sa.ForeignKeyConstraint(['pip_id'], ['pip.id'], name=op.f('fk_pip_intrekking_pip_id_pip'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pip_intrekking')),
    sa.UniqueConstraint('pip_id', name=op.f('uq_pip_intrekking_pip_id'))
    )
    with op.batch_alter_table('pip_intrekking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pip_intrekking_inburgeraar_id'), ['inburgeraar_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pip_intrekking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pip_intrekking_inburgeraar_id'))
    op.drop_table('pip_intrekking')
