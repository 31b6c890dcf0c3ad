"""registratie_wijziging: index (inburgeraar_id, object_type, gewijzigd_op) for the case timeline's first page

The first page names the presence corrections made in its weeks of sessions in older weeks; this index finds the
corrections made recently without reading the older history.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 08:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_registratie_wijziging_gewijzigd', 'registratie_wijziging',
                    ['inburgeraar_id', 'object_type', 'gewijzigd_op'])


def downgrade() -> None:
    op.drop_index('ix_registratie_wijziging_gewijzigd', table_name='registratie_wijziging')
