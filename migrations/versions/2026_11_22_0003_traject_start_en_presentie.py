"""traject start en presentie

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:01:14.740364
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('presentie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verwijzing_id', sa.Integer(), nullable=False),
    sa.Column('datum', sa.Date(), nullable=False),
    sa.Column('activiteit', sa.Enum('taalles_knm', 'brede_intake', 'participatie', 'map_praktijk', 'pvt', 'maatschappelijke_begeleiding', name='activiteit', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('uren_aanwezig', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('uren_afwezig_geoorloofd', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('uren_afwezig_ongeoorloofd', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('reden_afwezig', sa.String(length=500), nullable=True),
    sa.Column('geregistreerd_door_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('uren_aanwezig >= 0 AND uren_afwezig_geoorloofd >= 0 AND uren_afwezig_ongeoorloofd >= 0', name=op.f('ck_presentie_uren')),
    sa.ForeignKeyConstraint(['geregistreerd_door_id'], ['user_account.id'], name=op.f('fk_presentie_geregistreerd_door_id_user_account')),
    sa.ForeignKeyConstraint(['verwijzing_id'], ['verwijzing.id'], name=op.f('fk_presentie_verwijzing_id_verwijzing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presentie')),
    sa.UniqueConstraint('verwijzing_id', 'datum', 'activiteit', name=op.f('uq_presentie_verwijzing_id_datum_activiteit'))
    )
    with op.batch_alter_table('presentie', schema=None) as batch_op:
        batch_op.create_index('ix_presentie_verwijzing_datum', ['verwijzing_id', 'datum'], unique=False)

    op.create_table('traject_start',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verwijzing_id', sa.Integer(), nullable=False),
    sa.Column('gerealiseerde_startdatum', sa.Date(), nullable=True),
    sa.Column('bijgestelde_einddatum', sa.Date(), nullable=True),
    sa.Column('reden_latere_start', sa.String(length=500), nullable=True),
    sa.Column('niet_gestart', sa.Boolean(), nullable=False),
    sa.Column('reden_niet_gestart', sa.String(length=500), nullable=True),
    sa.Column('geregistreerd_door_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('niet_gestart OR gerealiseerde_startdatum IS NOT NULL', name=op.f('ck_traject_start_startdatum_of_niet_gestart')),
    sa.ForeignKeyConstraint(['geregistreerd_door_id'], ['user_account.id'], name=op.f('fk_traject_start_geregistreerd_door_id_user_account')),
    sa.ForeignKeyConstraint(['verwijzing_id'], ['verwijzing.id'], name=op.f('fk_traject_start_verwijzing_id_verwijzing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_traject_start')),
    sa.UniqueConstraint('verwijzing_id', name=op.f('uq_traject_start_verwijzing_id'))
    )


def downgrade() -> None:
    op.drop_table('traject_start')
    with op.batch_alter_table('presentie', schema=None) as batch_op:
        batch_op.drop_index('ix_presentie_verwijzing_datum')
    op.drop_table('presentie')
