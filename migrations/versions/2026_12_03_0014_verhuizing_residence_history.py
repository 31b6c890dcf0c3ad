"""verhuizing: residence history as the chain of moves, and the open verwijzingen listed for the new gemeente

Revision ID: 0014
Revises: 0016
Create Date: 2026-12-03 07:30:59.542250
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('verhuizing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
    sa.Column('van_gemeente_id', sa.Integer(), nullable=False),
    sa.Column('naar_gemeente_id', sa.Integer(), nullable=False),
    sa.Column('periode_van', sa.Date(), nullable=True),
    sa.Column('datum', sa.Date(), nullable=False),
    sa.Column('gestart_door_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('periode_van IS NULL OR periode_van < datum', name=op.f('ck_verhuizing_periode')),
    sa.CheckConstraint('van_gemeente_id <> naar_gemeente_id', name=op.f('ck_verhuizing_andere_gemeente')),
    sa.ForeignKeyConstraint(['gestart_door_id'], ['user_account.id'], name=op.f('fk_verhuizing_gestart_door_id_user_account')),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_verhuizing_inburgeraar_id_inburgeraar')),
    sa.ForeignKeyConstraint(['naar_gemeente_id'], ['gemeente.id'], name=op.f('fk_verhuizing_naar_gemeente_id_gemeente')),
    sa.ForeignKeyConstraint(['van_gemeente_id'], ['gemeente.id'], name=op.f('fk_verhuizing_van_gemeente_id_gemeente')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verhuizing')),
    sa.UniqueConstraint('inburgeraar_id', 'datum', name=op.f('uq_verhuizing_inburgeraar_id_datum'))
    )
    with op.batch_alter_table('verhuizing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verhuizing_naar_gemeente_id'), ['naar_gemeente_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verhuizing_van_gemeente_id'), ['van_gemeente_id'], unique=False)

    op.create_table('verhuizing_verwijzing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verhuizing_id', sa.Integer(), nullable=False),
    sa.Column('verwijzing_id', sa.Integer(), nullable=False),
    sa.Column('besluit', sa.Enum('beeindigd', 'voortgezet', name='verwijzing_besluit', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('besloten_door_id', sa.Integer(), nullable=True),
    sa.Column('besloten_op', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['besloten_door_id'], ['user_account.id'], name=op.f('fk_verhuizing_verwijzing_besloten_door_id_user_account')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_verhuizing_verwijzing_contract_id_contract')),
    sa.ForeignKeyConstraint(['verhuizing_id'], ['verhuizing.id'], name=op.f('fk_verhuizing_verwijzing_verhuizing_id_verhuizing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verwijzing_id'], ['verwijzing.id'], name=op.f('fk_verhuizing_verwijzing_verwijzing_id_verwijzing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verhuizing_verwijzing')),
    sa.UniqueConstraint('verhuizing_id', 'verwijzing_id', name=op.f('uq_verhuizing_verwijzing_verhuizing_id_verwijzing_id'))
    )
    with op.batch_alter_table('verhuizing_verwijzing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verhuizing_verwijzing_verwijzing_id'), ['verwijzing_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('verhuizing_verwijzing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verhuizing_verwijzing_verwijzing_id'))

    op.drop_table('verhuizing_verwijzing')
    with op.batch_alter_table('verhuizing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verhuizing_van_gemeente_id'))
        batch_op.drop_index(batch_op.f('ix_verhuizing_naar_gemeente_id'))

    op.drop_table('verhuizing')
