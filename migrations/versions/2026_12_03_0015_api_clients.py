"""api_client, api_token and the API client on audit events (issue 15)

Revision ID: 0015
Revises: 0014d
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'api_client',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('naam', sa.String(length=120), nullable=False),
        sa.Column('secret_hash', sa.String(length=128), nullable=False),
        sa.Column('aanbieder_id', sa.Integer(), nullable=True),
        sa.Column('gemeente_id', sa.Integer(), nullable=True),
        sa.Column('scopes', sa.String(length=500), nullable=False),
        sa.Column('verloopt_op', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ingetrokken_op', sa.DateTime(timezone=True), nullable=True),
        sa.Column('laatst_gebruikt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('aangemaakt_door_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(aanbieder_id IS NULL) <> (gemeente_id IS NULL)',
                           name=op.f('ck_api_client_een_organisatie')),
        sa.ForeignKeyConstraint(['aanbieder_id'], ['aanbieder.id'], name=op.f('fk_api_client_aanbieder_id_aanbieder')),
        sa.ForeignKeyConstraint(['aangemaakt_door_id'], ['user_account.id'],
                                name=op.f('fk_api_client_aangemaakt_door_id_user_account')),
        sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_api_client_gemeente_id_gemeente')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
        sa.UniqueConstraint('client_id', name=op.f('uq_api_client_client_id')),
    )
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_client_aanbieder_id'), ['aanbieder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_client_gemeente_id'), ['gemeente_id'], unique=False)

    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('api_client_id', sa.Integer(), nullable=False),
        sa.Column('scopes', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], ondelete='CASCADE',
                                name=op.f('fk_api_token_api_client_id_api_client')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash')),
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_api_client_id'), ['api_client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_token_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_client_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_api_client_id'), ['api_client_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_api_client_id_api_client'), 'api_client',
                                    ['api_client_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_api_client_id_api_client'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_event_api_client_id'))
        batch_op.drop_column('api_client_id')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_expires_at'))
        batch_op.drop_index(batch_op.f('ix_api_token_api_client_id'))
    op.drop_table('api_token')
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_client_gemeente_id'))
        batch_op.drop_index(batch_op.f('ix_api_client_aanbieder_id'))
    op.drop_table('api_client')
