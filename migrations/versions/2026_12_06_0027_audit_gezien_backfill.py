"""audit_gezien backfill: the list reads recorded before 0025 become findable by inburgeraar

Before 0025 a list-reading event kept the ids it showed only in its JSON details, under "inburgeraar_ids" (KPI
detail lists: "inburgeraars"), so "who saw inburgeraar X" missed those lists. Each integer id in such a list gets
its audit_gezien row; anything else in the list is skipped, pairs already there are kept as they are (running it
again adds nothing). Done in Python in batches by id, so it is the same on SQLite and PostgreSQL.

Downgrade is a no-op: audit_gezien is part of the append-only trail and these rows state what those events
showed; removing them would make the trail forget evidence, and 0025's downgrade drops the table anyway.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000
# "inburgeraars" is also a count in some events: only lists are read.
_KEYS = ('inburgeraar_ids', 'inburgeraars')

_event = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('details', sa.JSON))
_gezien = sa.table('audit_gezien', sa.column('inburgeraar_id', sa.Integer), sa.column('audit_event_id', sa.Integer))


def _shown(details: object) -> set[int]:
    """The integer ids a pre-0025 event's details list as shown (bool is an int in Python, not an id)."""
    if not isinstance(details, dict):
        return set()
    ids: set[int] = set()
    for key in _KEYS:
        values = details.get(key)
        if isinstance(values, list):
            ids.update(v for v in values if isinstance(v, int) and not isinstance(v, bool))
    return ids


def upgrade() -> None:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(_event.c.id, _event.c.details)
            .where(_event.c.id > last, _event.c.details.isnot(None))
            .order_by(_event.c.id).limit(_BATCH)).all()
        if not rows:
            return
        wanted = {(i, event_id) for event_id, details in rows for i in _shown(details)}
        if wanted:
            present = set(bind.execute(
                sa.select(_gezien.c.inburgeraar_id, _gezien.c.audit_event_id)
                .where(_gezien.c.audit_event_id.between(rows[0][0], rows[-1][0]))).all())
            new = sorted(wanted - present)
            if new:
                bind.execute(_gezien.insert(), [{'inburgeraar_id': i, 'audit_event_id': e} for i, e in new])
        last = rows[-1][0]


def downgrade() -> None:
    pass  # see the docstring: the backfilled rows are evidence and stay
