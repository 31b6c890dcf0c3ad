"""the handhaving register (gemeente only) with presentie as evidence and a beleid per gemeente; the CBS delivery log

Revision ID: 0014d
Revises: 0014c
Create Date: 2026-12-03 08:13:45.842368
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014d'
down_revision: str | None = '0014c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('handhaving_beleid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=False),
    sa.Column('max_brede_intake_cent', sa.Integer(), nullable=False),
    sa.Column('max_pip_cent', sa.Integer(), nullable=False),
    sa.Column('max_per_termijn_cent', sa.Integer(), nullable=False),
    sa.Column('escalatie_start_cent', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_handhaving_beleid_gemeente_id_gemeente'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handhaving_beleid')),
    sa.UniqueConstraint('gemeente_id', name=op.f('uq_handhaving_beleid_gemeente_id'))
    )
    op.create_table('cbs_levering',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=False),
    sa.Column('periode_van', sa.Date(), nullable=False),
    sa.Column('periode_tot', sa.Date(), nullable=False),
    sa.Column('aantal_rijen', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('layout_versie', sa.String(length=20), nullable=False),
    sa.Column('gemaakt_door_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('periode_tot >= periode_van', name=op.f('ck_cbs_levering_periode')),
    sa.ForeignKeyConstraint(['gemaakt_door_id'], ['user_account.id'], name=op.f('fk_cbs_levering_gemaakt_door_id_user_account')),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_cbs_levering_gemeente_id_gemeente')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cbs_levering'))
    )
    with op.batch_alter_table('cbs_levering', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cbs_levering_gemeente_id'), ['gemeente_id'], unique=False)

    op.create_table('handhaving',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=False),
    sa.Column('soort', sa.Enum('waarschuwing', 'boete', name='handhaving_soort', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('grond', sa.Enum('brede_intake', 'pip_verplichting', name='handhaving_grond', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('datum', sa.Date(), nullable=False),
    sa.Column('verwijtbaarheid_pct', sa.Integer(), nullable=True),
    sa.Column('bedrag_cent', sa.Integer(), nullable=True),
    sa.Column('kenmerk', sa.String(length=40), nullable=True),
    sa.Column('toelichting', sa.Text(), nullable=True),
    sa.Column('vastgelegd_door_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(soort = 'boete') = (bedrag_cent IS NOT NULL)", name=op.f('ck_handhaving_bedrag_alleen_bij_boete')),
    sa.CheckConstraint('bedrag_cent IS NULL OR bedrag_cent > 0', name=op.f('ck_handhaving_bedrag_positief')),
    sa.CheckConstraint('verwijtbaarheid_pct IS NULL OR verwijtbaarheid_pct BETWEEN 0 AND 100', name=op.f('ck_handhaving_verwijtbaarheid')),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_handhaving_gemeente_id_gemeente')),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_handhaving_inburgeraar_id_inburgeraar')),
    sa.ForeignKeyConstraint(['vastgelegd_door_id'], ['user_account.id'], name=op.f('fk_handhaving_vastgelegd_door_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handhaving'))
    )
    with op.batch_alter_table('handhaving', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handhaving_gemeente_id'), ['gemeente_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handhaving_inburgeraar_id'), ['inburgeraar_id'], unique=False)

    op.create_table('handhaving_presentie',
    sa.Column('handhaving_id', sa.Integer(), nullable=False),
    sa.Column('presentie_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['handhaving_id'], ['handhaving.id'], name=op.f('fk_handhaving_presentie_handhaving_id_handhaving'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['presentie_id'], ['presentie.id'], name=op.f('fk_handhaving_presentie_presentie_id_presentie'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('handhaving_id', 'presentie_id', name=op.f('pk_handhaving_presentie'))
    )


def downgrade() -> None:
    op.drop_table('handhaving_presentie')
    with op.batch_alter_table('handhaving', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handhaving_inburgeraar_id'))
        batch_op.drop_index(batch_op.f('ix_handhaving_gemeente_id'))

    op.drop_table('handhaving')
    with op.batch_alter_table('cbs_levering', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cbs_levering_gemeente_id'))

    op.drop_table('cbs_levering')
    op.drop_table('handhaving_beleid')
