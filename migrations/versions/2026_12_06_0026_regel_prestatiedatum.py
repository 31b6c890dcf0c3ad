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


# SQLite: no batch (table copy) here. With foreign keys on, dropping the old table fails as soon as one credit
# regel refers to another (credit_van_regel_id), so the column is added in place; SQLite only adds a NOT NULL column
# with a default, hence this placeholder (every regel gets its real date below; the services always set it).
_SQLITE_PLACEHOLDER = '1900-01-01'

_BACKFILL = ('UPDATE declaratie_regel SET prestatiedatum = '
             '(SELECT prestatie.prestatiedatum FROM prestatie WHERE prestatie.id = declaratie_regel.prestatie_id)')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.add_column('declaratie_regel', sa.Column('prestatiedatum', sa.Date(), nullable=False,
                                                    server_default=_SQLITE_PLACEHOLDER))
        op.execute(_BACKFILL)
        return
    op.add_column('declaratie_regel', sa.Column('prestatiedatum', sa.Date(), nullable=True))
    op.execute(_BACKFILL)
    op.alter_column('declaratie_regel', 'prestatiedatum', existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    op.drop_column('declaratie_regel', 'prestatiedatum')
