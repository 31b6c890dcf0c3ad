"""DUO berichten: the outbox per gemeente, DUO's contactpersoon ids, the klantregisseur's confirmation of route results

Revision ID: 0014c
Revises: 0014b
Create Date: 2026-12-03 07:53:38.103291
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014c'
down_revision: str | None = '0014b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('duo_contactpersoon',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=False),
    sa.Column('duo_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_duo_contactpersoon_gemeente_id_gemeente'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_duo_contactpersoon_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duo_contactpersoon')),
    sa.UniqueConstraint('user_id', 'gemeente_id', name=op.f('uq_duo_contactpersoon_user_id_gemeente_id'))
    )
    op.create_table('duo_bericht',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bericht_id', sa.String(length=36), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=True),
    sa.Column('soort', sa.Enum('pip', 'inburgeringsaanbod', 'gevolgde_uren', 'map', 'pvt', 'zroute', 'contactpersoon', name='bericht_soort', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('sleutel', sa.String(length=120), nullable=False),
    sa.Column('methode', sa.String(length=6), nullable=False),
    sa.Column('pad', sa.String(length=200), nullable=False),
    sa.Column('body', sa.JSON(), nullable=True),
    sa.Column('bron_oin', sa.String(length=20), nullable=False),
    sa.Column('doel_oin', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('klaar', 'vervangen', 'verzonden', 'geaccepteerd', 'afgewezen', name='bericht_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verzonden_op', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verzonden_door_id', sa.Integer(), nullable=True),
    sa.Column('antwoord_op', sa.DateTime(timezone=True), nullable=True),
    sa.Column('antwoord_status', sa.Integer(), nullable=True),
    sa.Column('antwoord', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_duo_bericht_gemeente_id_gemeente')),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_duo_bericht_inburgeraar_id_inburgeraar')),
    sa.ForeignKeyConstraint(['verzonden_door_id'], ['user_account.id'], name=op.f('fk_duo_bericht_verzonden_door_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duo_bericht')),
    sa.UniqueConstraint('bericht_id', name=op.f('uq_duo_bericht_bericht_id'))
    )
    with op.batch_alter_table('duo_bericht', schema=None) as batch_op:
        batch_op.create_index('ix_duo_bericht_gemeente_status', ['gemeente_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_duo_bericht_inburgeraar_id'), ['inburgeraar_id'], unique=False)
        batch_op.create_index('ix_duo_bericht_sleutel', ['gemeente_id', 'sleutel', 'id'], unique=False)

    with op.batch_alter_table('route_resultaat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duo_bevestigd_op', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('duo_bevestigd_door_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_route_resultaat_duo_bevestigd_door_id_user_account'), 'user_account', ['duo_bevestigd_door_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('route_resultaat', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_route_resultaat_duo_bevestigd_door_id_user_account'), type_='foreignkey')
        batch_op.drop_column('duo_bevestigd_door_id')
        batch_op.drop_column('duo_bevestigd_op')

    with op.batch_alter_table('duo_bericht', schema=None) as batch_op:
        batch_op.drop_index('ix_duo_bericht_sleutel')
        batch_op.drop_index(batch_op.f('ix_duo_bericht_inburgeraar_id'))
        batch_op.drop_index('ix_duo_bericht_gemeente_status')

    op.drop_table('duo_bericht')
    op.drop_table('duo_contactpersoon')
