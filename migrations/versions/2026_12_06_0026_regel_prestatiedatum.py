"""declaratie_regel.prestatiedatum: a regel keeps the date it was declared with

A regel read its date from its prestatie, whose date is recomputed when registrations change: a submitted or
approved regel then showed another date, old exports changed and its cost could move to a year already accounted
for. The regel now keeps its own date. Backfilled from the prestatie: that is the date every existing regel showed
and the year the kept cost totals (kosten_totaal) count it in, so they stay equal to a recomputation.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 05:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('declaratie_regel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prestatiedatum', sa.Date(), nullable=True))
    op.execute('UPDATE declaratie_regel SET prestatiedatum = '
               '(SELECT prestatie.prestatiedatum FROM prestatie WHERE prestatie.id = declaratie_regel.prestatie_id)')
    with op.batch_alter_table('declaratie_regel', schema=None) as batch_op:
        batch_op.alter_column('prestatiedatum', existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('declaratie_regel', schema=None) as batch_op:
        batch_op.drop_column('prestatiedatum')
