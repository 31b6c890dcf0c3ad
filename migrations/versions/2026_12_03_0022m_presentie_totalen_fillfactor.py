"""presentie_totaal and presentie_week keep 30% of each page free (fillfactor 70) on PostgreSQL

Every presentie write updates their rows; with room on the page PostgreSQL updates a row in place (a HOT update,
no new index entries). Existing pages get the room when the table is rewritten (VACUUM FULL); new pages at once.

Revision ID: 0022m
Revises: 0022n
Create Date: 2026-12-03 17:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0022m'
down_revision: str | None = '0022n'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("presentie_totaal", "presentie_week")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no fill factor
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
