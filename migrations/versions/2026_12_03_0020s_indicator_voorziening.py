"""prestatie_indicator.voorziening: the SPUK voorziening when not the onderdeel's own (tolken)

Revision ID: 0020s
Revises: 0020g
Create Date: 2026-12-03 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020s'
down_revision: str | None = '0020g'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOORZIENINGEN = ('leerroute', 'maatschappelijke_begeleiding', 'pvt', 'map', 'tolken')


def upgrade() -> None:
    with op.batch_alter_table('prestatie_indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voorziening', sa.Enum(*VOORZIENINGEN, name='voorziening', native_enum=False,
                                                             create_constraint=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('prestatie_indicator', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_prestatie_indicator_voorziening'), type_='check')
        batch_op.drop_column('voorziening')
