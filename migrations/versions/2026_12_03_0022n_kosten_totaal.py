"""kosten_totaal: kept declared and approved cost per gemeente, contract, indicator and year (the costs page)

Revision ID: 0022n
Revises: 0021g
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022n'
down_revision: str | None = '0021g'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kosten_totaal',
    sa.Column('gemeente_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('jaar', sa.Integer(), nullable=False),
    sa.Column('gedeclareerd_cent', sa.BigInteger(), nullable=False),
    sa.Column('goedgekeurd_cent', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_kosten_totaal_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_kosten_totaal_gemeente_id_gemeente')),
    sa.ForeignKeyConstraint(['indicator_id'], ['prestatie_indicator.id'], name=op.f('fk_kosten_totaal_indicator_id_prestatie_indicator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('gemeente_id', 'contract_id', 'indicator_id', 'jaar', name=op.f('pk_kosten_totaal'))
    )
    # Totals of what was submitted before this table existed: the same recomputation `totalen-controleren
    # --herstellen` does (portal.services.billing.kosten_totalen.rebuild), in SQL.
    jaar = ("CAST(EXTRACT(YEAR FROM p.prestatiedatum) AS INTEGER)" if op.get_bind().dialect.name == "postgresql"
            else "CAST(strftime('%Y', p.prestatiedatum) AS INTEGER)")
    op.execute(f"""
        INSERT INTO kosten_totaal (gemeente_id, contract_id, indicator_id, jaar, gedeclareerd_cent, goedgekeurd_cent)
        SELECT d.gemeente_id, d.contract_id, p.indicator_id, {jaar}, SUM(r.bedrag_cent),
               SUM(CASE WHEN r.status = 'goedgekeurd' THEN r.bedrag_cent ELSE 0 END)
        FROM declaratie_regel r JOIN declaratie d ON d.id = r.declaratie_id JOIN prestatie p ON p.id = r.prestatie_id
        WHERE d.status != 'concept'
        GROUP BY d.gemeente_id, d.contract_id, p.indicator_id, {jaar}
    """)  # noqa: S608 - constant SQL: {jaar} is one of two literals above


def downgrade() -> None:
    op.drop_table('kosten_totaal')
