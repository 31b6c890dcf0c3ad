"""presentie_totaal and presentie_week: kept presentie totals per verwijzing/activiteit and per ISO week;
an index on presentie.datum for the four-week attendance window

Revision ID: 0010
Revises: 0014
Create Date: 2026-12-03 08:00:00

Existing presentie is counted into the new tables here, so `totalen-controleren` finds no differences after
upgrading; from then on portal.services.kept_totals keeps them in the same transaction as every write.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVITEIT = sa.Enum('taalles_knm', 'brede_intake', 'participatie', 'map_praktijk', 'pvt',
                      'maatschappelijke_begeleiding', name='activiteit', native_enum=False, create_constraint=True)
_SUMS = ("sum(uren_aanwezig), sum(uren_afwezig_geoorloofd), sum(uren_afwezig_ongeoorloofd), count(*)")


def _uren() -> list[sa.Column]:
    return [
        sa.Column('uren_aanwezig', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('uren_afwezig_geoorloofd', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('uren_afwezig_ongeoorloofd', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('aantal', sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'presentie_totaal',
        sa.Column('verwijzing_id', sa.Integer(), nullable=False),
        sa.Column('activiteit', _ACTIVITEIT, nullable=False),
        *_uren(),
        sa.Column('laatste_datum', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['verwijzing_id'], ['verwijzing.id'],
                                name=op.f('fk_presentie_totaal_verwijzing_id_verwijzing')),
        sa.PrimaryKeyConstraint('verwijzing_id', 'activiteit', name=op.f('pk_presentie_totaal')),
    )
    op.create_table(
        'presentie_week',
        sa.Column('verwijzing_id', sa.Integer(), nullable=False),
        sa.Column('activiteit', _ACTIVITEIT, nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        *_uren(),
        sa.ForeignKeyConstraint(['verwijzing_id'], ['verwijzing.id'],
                                name=op.f('fk_presentie_week_verwijzing_id_verwijzing')),
        sa.PrimaryKeyConstraint('verwijzing_id', 'activiteit', 'week', name=op.f('pk_presentie_week')),
    )
    with op.batch_alter_table('presentie', schema=None) as batch_op:
        batch_op.create_index('ix_presentie_datum', ['datum'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        week = "CAST(date_trunc('week', datum) AS DATE)"
    else:
        week = "date(datum, '-' || ((CAST(strftime('%w', datum) AS INTEGER) + 6) % 7) || ' days')"
    op.execute(
        "INSERT INTO presentie_totaal (verwijzing_id, activiteit, uren_aanwezig, uren_afwezig_geoorloofd, "  # noqa: S608
        f"uren_afwezig_ongeoorloofd, aantal, laatste_datum) SELECT verwijzing_id, activiteit, {_SUMS}, max(datum) "
        "FROM presentie GROUP BY verwijzing_id, activiteit"
    )
    op.execute(
        "INSERT INTO presentie_week (verwijzing_id, activiteit, week, uren_aanwezig, uren_afwezig_geoorloofd, "  # noqa: S608
        f"uren_afwezig_ongeoorloofd, aantal) SELECT verwijzing_id, activiteit, {week}, {_SUMS} "
        f"FROM presentie GROUP BY verwijzing_id, activiteit, {week}"
    )


def downgrade() -> None:
    with op.batch_alter_table('presentie', schema=None) as batch_op:
        batch_op.drop_index('ix_presentie_datum')
    op.drop_table('presentie_week')
    op.drop_table('presentie_totaal')
