"""presentie_week: index (verwijzing_id, week) for week ranges of a verwijzing (issue 10)

Revision ID: 0020o
Revises: 0020s
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0020o'
down_revision: str | None = '0020s'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_presentie_week_verwijzing_week', 'presentie_week', ['verwijzing_id', 'week'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_presentie_week_verwijzing_week', table_name='presentie_week')
