"""upload: bookkeeping timestamps named like every other table (created_at, updated_at)

Revision ID: 0016
Revises: 0008
Create Date: 2026-12-02 20:30:00

Timestamps the system keeps for itself end in `_at` (English); timestamps of a domain act end in `_op`
(Dutch: gecontroleerd_op, bevestigd_op). Upload used Dutch names for its bookkeeping columns.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0016'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_index('ix_upload_aanbieder_aangemaakt')
        batch_op.alter_column('aangemaakt_op', new_column_name='created_at')
        batch_op.alter_column('bijgewerkt_op', new_column_name='updated_at')
    # A second batch: SQLite's table copy must know the renamed columns before an index can use them.
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.create_index('ix_upload_aanbieder_created', ['aanbieder_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_index('ix_upload_aanbieder_created')
        batch_op.alter_column('created_at', new_column_name='aangemaakt_op')
        batch_op.alter_column('updated_at', new_column_name='bijgewerkt_op')
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.create_index('ix_upload_aanbieder_aangemaakt', ['aanbieder_id', 'aangemaakt_op'], unique=False)
