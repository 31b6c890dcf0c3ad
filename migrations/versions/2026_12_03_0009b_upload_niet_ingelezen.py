"""upload: what the preview tells besides counts (niet_ingelezen, opmerkingen, correcties)

Revision ID: 0009b
Revises: 0009
Create Date: 2026-12-03 08:30:00

Nothing in an upload goes unnoticed: the preview lists every column it does not read, and says so when it
filled in a missing activity; every correction shows the old and the new value before it is confirmed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009b'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('niet_ingelezen', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('opmerkingen', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('correcties', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_column('correcties')
        batch_op.drop_column('opmerkingen')
        batch_op.drop_column('niet_ingelezen')
