"""presentie_week: index (week) for the attendance window over a whole region (issue 10)

Revision ID: 0022l
Revises: 0022m
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0022l'
down_revision: str | None = '0022m'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_presentie_week_week', 'presentie_week', ['week'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_presentie_week_week', table_name='presentie_week')
