"""kpi_jaar_instelling: SPUK amount and KPI target per gemeente and year

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'kpi_jaar_instelling',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('gemeente_id', sa.Integer(), nullable=False),
        sa.Column('jaar', sa.Integer(), nullable=False),
        sa.Column('spuk_bedrag_cent', sa.BigInteger(), nullable=True),
        sa.Column('streef_start_6_maanden_pct', sa.Integer(), nullable=True),
        sa.Column('gewijzigd_door_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('jaar BETWEEN 2021 AND 2100', name=op.f('ck_kpi_jaar_instelling_jaar')),
        sa.CheckConstraint('spuk_bedrag_cent IS NULL OR spuk_bedrag_cent >= 0',
                           name=op.f('ck_kpi_jaar_instelling_spuk_bedrag')),
        sa.CheckConstraint('streef_start_6_maanden_pct IS NULL OR streef_start_6_maanden_pct BETWEEN 0 AND 100',
                           name=op.f('ck_kpi_jaar_instelling_streef_pct')),
        sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'],
                                name=op.f('fk_kpi_jaar_instelling_gemeente_id_gemeente'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['gewijzigd_door_id'], ['user_account.id'],
                                name=op.f('fk_kpi_jaar_instelling_gewijzigd_door_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_jaar_instelling')),
        sa.UniqueConstraint('gemeente_id', 'jaar', name=op.f('uq_kpi_jaar_instelling_gemeente_id_jaar')),
    )
    with op.batch_alter_table('kpi_jaar_instelling', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_jaar_instelling_gemeente_id'), ['gemeente_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kpi_jaar_instelling', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_jaar_instelling_gemeente_id'))
    op.drop_table('kpi_jaar_instelling')
