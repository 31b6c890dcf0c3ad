"""billing_run.peilmoment: where the next billing run of a contract starts looking for changed registrations

A run looked only at rows with updated_at after the previous run's start, so a change stamped before that start
but committed after it (a transaction still open, or on SQLite a writer waiting for the write lock the run held)
was never billed. A run now records the moment before which every change was visible to it
(portal.services.billing.derive._peilmoment). Existing runs get their start minus the margin a SQLite run takes
now, as if they had been made with it.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 08:20:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of derive's SQLite look-back at the time of this migration (busy timeout 30 s + margin 10 min).
_TERUG = timedelta(seconds=30, minutes=10)
_run = sa.table('billing_run', sa.column('id', sa.Integer), sa.column('gestart_op', sa.DateTime(timezone=True)),
                sa.column('peilmoment', sa.DateTime(timezone=True)))


def upgrade() -> None:
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('peilmoment', sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    # In Python, the same on SQLite and PostgreSQL: a few runs per contract and periode.
    for run_id, gestart_op in bind.execute(sa.select(_run.c.id, _run.c.gestart_op)).all():
        bind.execute(sa.update(_run).where(_run.c.id == run_id).values(peilmoment=gestart_op - _TERUG))
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        batch_op.alter_column('peilmoment', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        batch_op.drop_column('peilmoment')
