"""signaal_stand: the kept signals of each case (code set, most urgent ernst, count, validity) for the regie overview

Revision ID: 0024
Revises: 0023a
Create Date: 2026-12-04 20:45:00

The table starts empty: a case without a row (or with a row no longer valid) has its signals worked out when the
overview asks, in memory, so nothing is wrong meanwhile; the nightly refresh (`flask --app portal
signalen-bijwerken`, or `totalen-controleren --herstellen`) and every later write of the case fill it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'signaal_stand',
        sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
        sa.Column('met_gezondheid', sa.Boolean(), nullable=False),
        sa.Column('hoogste_ernst', sa.Integer(), nullable=False),
        sa.Column('aantal', sa.Integer(), nullable=False),
        sa.Column('codes', sa.String(length=400), nullable=False),
        sa.Column('geldig_van', sa.Date(), nullable=False),
        sa.Column('geldig_tot', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'],
                                name=op.f('fk_signaal_stand_inburgeraar_id_inburgeraar'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('inburgeraar_id', 'met_gezondheid', name=op.f('pk_signaal_stand')),
    )
    with op.batch_alter_table('signaal_stand', schema=None) as batch_op:
        batch_op.create_index('ix_signaal_stand_geldig_tot', ['geldig_tot'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signaal_stand', schema=None) as batch_op:
        batch_op.drop_index('ix_signaal_stand_geldig_tot')
    op.drop_table('signaal_stand')
