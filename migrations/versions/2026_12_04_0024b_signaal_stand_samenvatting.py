"""signaal_stand.samenvatting: the line per kind of signal the regie overview shows, kept with the signals

Revision ID: 0024b
Revises: 0024
Create Date: 2026-12-04 21:15:00

With it the overview shows a page of kept rows without running the rules for them. The rows kept so far are
dropped (they are derived data without it): the overview works those cases out itself until the next write of
the case or the refresh (`flask --app portal signalen-bijwerken`) stores them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024b'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM signaal_stand")
    with op.batch_alter_table('signaal_stand', schema=None) as batch_op:
        batch_op.add_column(sa.Column('samenvatting', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('signaal_stand', schema=None) as batch_op:
        batch_op.drop_column('samenvatting')
