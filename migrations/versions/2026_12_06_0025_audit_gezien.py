"""audit_gezien: which inburgeraars a list-reading audit event showed

An overview page, a week grid or an export shows many inburgeraars at once; its one audit event names no single
inburgeraar, so "who saw inburgeraar X" missed it. Each row links one shown inburgeraar to that event: ids only,
no foreign keys (the trail outlives what it names, as 0023a), keyed by inburgeraar first for that lookup.

Revision ID: 0025
Revises: 0024b
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'audit_gezien',
        sa.Column('inburgeraar_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('audit_event_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('inburgeraar_id', 'audit_event_id', name=op.f('pk_audit_gezien')),
    )


def downgrade() -> None:
    op.drop_table('audit_gezien')
