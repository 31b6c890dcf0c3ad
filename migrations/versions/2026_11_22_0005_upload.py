"""upload: spreadsheet uploads from file to confirmed registrations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOORTEN = ('presentie', 'examenresultaten', 'startdatums', 'route_resultaten')
STATUSSEN = ('uploaded', 'validating', 'previewed', 'confirming', 'confirmed', 'failed')


def upgrade() -> None:
    op.create_table('upload',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('aanbieder_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('soort', sa.Enum(*SOORTEN, name='upload_soort', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('bestandsnaam', sa.String(length=200), nullable=False),
    sa.Column('opgeslagen_naam', sa.String(length=80), nullable=False),
    sa.Column('bestandstype', sa.String(length=8), nullable=False),
    sa.Column('grootte', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum(*STATUSSEN, name='upload_status', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('aantal_rijen', sa.Integer(), nullable=False),
    sa.Column('aantal_nieuw', sa.Integer(), nullable=False),
    sa.Column('aantal_gewijzigd', sa.Integer(), nullable=False),
    sa.Column('aantal_ongewijzigd', sa.Integer(), nullable=False),
    sa.Column('aantal_fout', sa.Integer(), nullable=False),
    sa.Column('fouten', sa.JSON(), nullable=True),
    sa.Column('melding', sa.String(length=500), nullable=True),
    sa.Column('voortgang', sa.Integer(), nullable=False),
    sa.Column('voortgang_tekst', sa.String(length=200), nullable=True),
    sa.Column('aangemaakt_op', sa.DateTime(timezone=True), nullable=False),
    sa.Column('bijgewerkt_op', sa.DateTime(timezone=True), nullable=False),
    sa.Column('gecontroleerd_op', sa.DateTime(timezone=True), nullable=True),
    sa.Column('bevestigd_op', sa.DateTime(timezone=True), nullable=True),
    sa.Column('bevestigd_door_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'confirmed') = (bevestigd_op IS NOT NULL)", name=op.f('ck_upload_bevestigd')),
    sa.CheckConstraint('voortgang BETWEEN 0 AND 100', name=op.f('ck_upload_voortgang')),
    sa.ForeignKeyConstraint(['aanbieder_id'], ['aanbieder.id'], name=op.f('fk_upload_aanbieder_id_aanbieder')),
    sa.ForeignKeyConstraint(['bevestigd_door_id'], ['user_account.id'], name=op.f('fk_upload_bevestigd_door_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_upload_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload')),
    sa.UniqueConstraint('opgeslagen_naam', name=op.f('uq_upload_opgeslagen_naam'))
    )
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.create_index('ix_upload_aanbieder_aangemaakt', ['aanbieder_id', 'aangemaakt_op'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_upload_user_id'))
        batch_op.drop_index('ix_upload_aanbieder_aangemaakt')
    op.drop_table('upload')
