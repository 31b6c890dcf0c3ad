"""declaratie.declaratietermijn_dagen: the contract's declaratietermijn when the declaratie was submitted

The NA_TERMIJN finding used the contract's current termijn, so changing the contract made an already submitted
declaratie late or on time afterwards. The submission now stores the termijn that applied
(portal.services.billing.declaraties.submit). Existing submitted declaraties get their contract's termijn now: the
best that is known of it.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 14:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('declaratie', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declaratietermijn_dagen', sa.Integer(), nullable=True))
    # A correlated subquery: the same SQL on SQLite and PostgreSQL.
    op.execute(
        "UPDATE declaratie SET declaratietermijn_dagen = (SELECT contract.declaratietermijn_dagen FROM contract "
        "WHERE contract.id = declaratie.contract_id) WHERE status <> 'concept'"
    )


def downgrade() -> None:
    with op.batch_alter_table('declaratie', schema=None) as batch_op:
        batch_op.drop_column('declaratietermijn_dagen')
