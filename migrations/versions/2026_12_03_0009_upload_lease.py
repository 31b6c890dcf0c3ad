"""upload: a lease per run (poging, lease_expires_at), so a check or confirmation whose worker died is noticed

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-03 08:00:00

Replaces the fixed 15-minute window: the worker renews its lease while it works; a run whose lease ran out
is offered again, and the attempt number keeps a run that comes back late from storing anything.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('poging', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('poging')
