"""registratie_wijziging.betreft_datum: the day a corrected registration is about

The case timeline grouped presence corrections by the week they were made in, so a correction of week 48 made in
week 49 showed as "week 49". A correction now keeps the day of the session it corrected (also when the session
is deleted, which leaves nothing to look it up in). Backfilled for presence from the sessions that still exist;
the history of deleted sessions before this migration stays without a day (the timeline then uses the day of
the correction).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL = ("UPDATE registratie_wijziging SET betreft_datum = "
             "(SELECT presentie.datum FROM presentie WHERE presentie.id = registratie_wijziging.object_id) "
             "WHERE object_type = 'presentie'")


def upgrade() -> None:
    op.add_column('registratie_wijziging', sa.Column('betreft_datum', sa.Date(), nullable=True))
    op.execute(_BACKFILL)


def downgrade() -> None:
    op.drop_column('registratie_wijziging', 'betreft_datum')
