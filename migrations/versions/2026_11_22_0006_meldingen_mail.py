"""meldingen: in-app notifications, mail preference and mail outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOORTEN = (
    'afschalingsverzoek_ingediend', 'afschalingsverzoek_besloten', 'examenresultaat', 'route_resultaat',
    'late_start', 'niet_gestart', 'aanwezigheid_onder_norm', 'omstandigheden_gewijzigd', 'upload_bevestigd',
)
MODI = ('per_melding', 'dagelijks', 'geen')
STATUSSEN = ('pending', 'sent', 'failed')


def upgrade() -> None:
    op.create_table('melding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*SOORTEN, name='melding_soort', native_enum=False, create_constraint=True, length=28), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
    sa.Column('verwijzing_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_melding_inburgeraar_id_inburgeraar'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_melding_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verwijzing_id'], ['verwijzing.id'], name=op.f('fk_melding_verwijzing_id_verwijzing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_melding'))
    )
    with op.batch_alter_table('melding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_melding_inburgeraar_id'), ['inburgeraar_id'], unique=False)
        batch_op.create_index('ix_melding_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('mail_voorkeur',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('modus', sa.Enum(*MODI, name='mail_modus', native_enum=False, create_constraint=True, length=11), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_mail_voorkeur_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mail_voorkeur'))
    )

    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSSEN, name='mail_status', native_enum=False, create_constraint=True, length=7), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_status_next', ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_status_next')
    op.drop_table('mail_outbox')
    op.drop_table('mail_voorkeur')
    with op.batch_alter_table('melding', schema=None) as batch_op:
        batch_op.drop_index('ix_melding_user_read')
        batch_op.drop_index(batch_op.f('ix_melding_inburgeraar_id'))
    op.drop_table('melding')
