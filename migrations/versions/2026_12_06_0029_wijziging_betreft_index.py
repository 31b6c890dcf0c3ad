"""registratie_wijziging: index (inburgeraar_id, object_type, betreft_datum) for the case timeline

The timeline read the presence corrections of its weeks through the index on inburgeraar_id alone, filtering on
the week of each row: every page read the inburgeraar's whole correction history. It now asks for a range of
betreft_datum, which this index answers with only the rows of those weeks.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 08:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_registratie_wijziging_betreft', 'registratie_wijziging',
                    ['inburgeraar_id', 'object_type', 'betreft_datum'])


def downgrade() -> None:
    op.drop_index('ix_registratie_wijziging_betreft', table_name='registratie_wijziging')
