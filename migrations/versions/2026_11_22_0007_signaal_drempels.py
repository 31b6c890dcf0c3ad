"""signaal drempels per gemeente and per contract

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('signaal_drempels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=True),
    sa.Column('weken_niet_gestart', sa.Integer(), nullable=False),
    sa.Column('dagen_late_start', sa.Integer(), nullable=False),
    sa.Column('aanwezigheid_min_pct', sa.Integer(), nullable=False),
    sa.Column('dagen_geen_presentie', sa.Integer(), nullable=False),
    sa.Column('uren_achterstand_pct', sa.Integer(), nullable=False),
    sa.Column('maanden_termijn_einde', sa.Integer(), nullable=False),
    sa.Column('dagen_map_pvt_deadline', sa.Integer(), nullable=False),
    sa.Column('dagen_afschaling_wachten', sa.Integer(), nullable=False),
    sa.Column('dagen_nieuw', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('aanwezigheid_min_pct BETWEEN 0 AND 100', name=op.f('ck_signaal_drempels_aanwezigheid_pct')),
    sa.CheckConstraint('uren_achterstand_pct BETWEEN 0 AND 100', name=op.f('ck_signaal_drempels_achterstand_pct')),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_signaal_drempels_gemeente_id_gemeente'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signaal_drempels')),
    sa.UniqueConstraint('gemeente_id', name=op.f('uq_signaal_drempels_gemeente_id'))
    )
    op.create_table('contract_signaal_drempels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('aanwezigheid_min_pct', sa.Integer(), nullable=True),
    sa.Column('dagen_geen_presentie', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('aanwezigheid_min_pct IS NULL OR aanwezigheid_min_pct BETWEEN 0 AND 100',
                       name=op.f('ck_contract_signaal_drempels_aanwezigheid_pct')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'],
                            name=op.f('fk_contract_signaal_drempels_contract_id_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_signaal_drempels')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_contract_signaal_drempels_contract_id'))
    )


def downgrade() -> None:
    op.drop_table('contract_signaal_drempels')
    op.drop_table('signaal_drempels')
