"""billing: contract settings and budgets, prestatie-indicatoren, tarieven, prestaties, declaraties and regels

Revision ID: 0012
Revises: 0009b
Create Date: 2026-12-03 07:30:11

Also: an index on presentie.updated_at (the billing service's "changed since the last run") and the melding kind
declaratie_beoordeeld (meldingen to the aanbieder about decisions on its declaraties).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0009b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOORTEN = (
    'afschalingsverzoek_ingediend', 'afschalingsverzoek_besloten', 'examenresultaat', 'route_resultaat',
    'late_start', 'niet_gestart', 'aanwezigheid_onder_norm', 'omstandigheden_gewijzigd', 'upload_bevestigd',
)
NIEUWE_SOORTEN = ('declaratie_beoordeeld',)


def _melding_soorten(soorten: tuple[str, ...]) -> None:
    with op.batch_alter_table('melding', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_melding_melding_soort'), type_='check')
        batch_op.create_check_constraint('melding_soort', sa.column('kind').in_(soorten))


def upgrade() -> None:
    op.create_table('billing_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('periode', sa.String(length=8), nullable=False),
    sa.Column('gestart_op', sa.DateTime(timezone=True), nullable=False),
    sa.Column('nieuwe_prestaties', sa.Integer(), nullable=False),
    sa.Column('nieuwe_regels', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_billing_run_contract_id_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_run'))
    )
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        batch_op.create_index('ix_billing_run_contract_gestart', ['contract_id', 'gestart_op'], unique=False)

    op.create_table('contract_budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=False),
    sa.Column('jaar', sa.Integer(), nullable=False),
    sa.Column('bedrag_cent', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('bedrag_cent >= 0', name=op.f('ck_contract_budget_bedrag')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_budget_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_contract_budget_gemeente_id_gemeente')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_budget')),
    sa.UniqueConstraint('contract_id', 'gemeente_id', 'jaar', name=op.f('uq_contract_budget_contract_id_gemeente_id_jaar'))
    )
    op.create_table('declaratie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nummer', sa.String(length=60), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('aanbieder_id', sa.Integer(), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=False),
    sa.Column('periode', sa.String(length=8), nullable=False),
    sa.Column('periode_van', sa.Date(), nullable=False),
    sa.Column('periode_tot', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('concept', 'ingediend', 'in_behandeling', 'afgehandeld', name='declaratie_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('ingediend_door_id', sa.Integer(), nullable=True),
    sa.Column('ingediend_op', sa.DateTime(timezone=True), nullable=True),
    sa.Column('afgehandeld_op', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aanbieder_id'], ['aanbieder.id'], name=op.f('fk_declaratie_aanbieder_id_aanbieder')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_declaratie_contract_id_contract')),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_declaratie_gemeente_id_gemeente')),
    sa.ForeignKeyConstraint(['ingediend_door_id'], ['user_account.id'], name=op.f('fk_declaratie_ingediend_door_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaratie')),
    sa.UniqueConstraint('contract_id', 'gemeente_id', 'periode', name=op.f('uq_declaratie_contract_id_gemeente_id_periode')),
    sa.UniqueConstraint('nummer', name=op.f('uq_declaratie_nummer'))
    )
    with op.batch_alter_table('declaratie', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaratie_aanbieder_id'), ['aanbieder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaratie_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaratie_gemeente_id'), ['gemeente_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaratie_status'), ['status'], unique=False)

    op.create_table('prestatie_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('naam', sa.String(length=200), nullable=False),
    sa.Column('onderdeel', sa.Enum('b1_route', 'onderwijsroute', 'z_route_taal', 'z_route_participatie', 'map', 'pvt', 'maatschappelijke_begeleiding', name='onderdeel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('soort', sa.Enum('inspanning', 'output', 'taak', name='indicator_soort', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('trigger', sa.Enum('uren_aanwezig', 'start', 'uren_mijlpaal', 'examen_geslaagd', 'afschaling_goedgekeurd', 'taalschakel_behaald', 'map_eindgesprek', 'pvt_ondertekend', 'z_afgerond', 'periode_actief', 'uitval_pro_rata', name='indicator_trigger', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('activiteit', sa.Enum('taalles_knm', 'brede_intake', 'participatie', 'map_praktijk', 'pvt', 'maatschappelijke_begeleiding', name='activiteit', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('drempel_uren', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('examenonderdeel', sa.Enum('KNM', 'LE', 'LU', 'SC', 'SP', name='examenonderdeel', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('min_aanwezigheid_pct', sa.Integer(), nullable=True),
    sa.Column('telt_geoorloofd_afwezig', sa.Boolean(), nullable=False),
    sa.Column('max_eenheden', sa.Numeric(precision=9, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('drempel_uren IS NULL OR drempel_uren > 0', name=op.f('ck_prestatie_indicator_drempel')),
    sa.CheckConstraint('max_eenheden IS NULL OR max_eenheden >= 0', name=op.f('ck_prestatie_indicator_max_eenheden')),
    sa.CheckConstraint('min_aanwezigheid_pct IS NULL OR min_aanwezigheid_pct BETWEEN 0 AND 100', name=op.f('ck_prestatie_indicator_pct')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_prestatie_indicator_contract_id_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prestatie_indicator')),
    sa.UniqueConstraint('contract_id', 'code', name=op.f('uq_prestatie_indicator_contract_id_code'))
    )
    with op.batch_alter_table('prestatie_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prestatie_indicator_contract_id'), ['contract_id'], unique=False)

    op.create_table('tarief',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=True),
    sa.Column('geldig_vanaf', sa.Date(), nullable=False),
    sa.Column('geldig_tot', sa.Date(), nullable=True),
    sa.Column('bedrag_cent', sa.BigInteger(), nullable=False),
    sa.Column('eenheid', sa.Enum('uur', 'stuk', 'maand', name='eenheid', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('fictief', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('bedrag_cent >= 0', name=op.f('ck_tarief_bedrag')),
    sa.CheckConstraint('geldig_tot IS NULL OR geldig_tot >= geldig_vanaf', name=op.f('ck_tarief_geldigheid')),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_tarief_gemeente_id_gemeente')),
    sa.ForeignKeyConstraint(['indicator_id'], ['prestatie_indicator.id'], name=op.f('fk_tarief_indicator_id_prestatie_indicator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tarief'))
    )
    with op.batch_alter_table('tarief', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tarief_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('prestatie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verwijzing_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('periode', sa.String(length=8), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
    sa.Column('gemeente_id', sa.Integer(), nullable=False),
    sa.Column('prestatiedatum', sa.Date(), nullable=False),
    sa.Column('aantal', sa.Numeric(precision=9, scale=2), nullable=False),
    sa.Column('aanwezigheid_pct', sa.Numeric(precision=4, scale=1), nullable=True),
    sa.Column('afgewezen', sa.Boolean(), nullable=False),
    sa.Column('berekend_op', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('aantal >= 0', name=op.f('ck_prestatie_aantal')),
    sa.ForeignKeyConstraint(['gemeente_id'], ['gemeente.id'], name=op.f('fk_prestatie_gemeente_id_gemeente')),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_prestatie_inburgeraar_id_inburgeraar')),
    sa.ForeignKeyConstraint(['indicator_id'], ['prestatie_indicator.id'], name=op.f('fk_prestatie_indicator_id_prestatie_indicator')),
    sa.ForeignKeyConstraint(['verwijzing_id'], ['verwijzing.id'], name=op.f('fk_prestatie_verwijzing_id_verwijzing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prestatie')),
    sa.UniqueConstraint('verwijzing_id', 'indicator_id', 'periode', name=op.f('uq_prestatie_verwijzing_id_indicator_id_periode'))
    )
    with op.batch_alter_table('prestatie', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prestatie_inburgeraar_id'), ['inburgeraar_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prestatie_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('declaratie_regel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaratie_id', sa.Integer(), nullable=False),
    sa.Column('prestatie_id', sa.Integer(), nullable=False),
    sa.Column('credit_van_regel_id', sa.Integer(), nullable=True),
    sa.Column('tarief_id', sa.Integer(), nullable=False),
    sa.Column('eenheid', sa.Enum('uur', 'stuk', 'maand', name='eenheid', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('aantal', sa.Numeric(precision=9, scale=2), nullable=False),
    sa.Column('tarief_cent', sa.BigInteger(), nullable=False),
    sa.Column('bedrag_cent', sa.BigInteger(), nullable=False),
    sa.Column('bevindingen', sa.JSON(), nullable=True),
    sa.Column('status', sa.Enum('ingediend', 'goedgekeurd', 'afgewezen', name='regel_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('afwijsreden', sa.Enum('geen_verwijzing_contract', 'buiten_uren', 'aanwezigheid', 'dubbel', 'pip', 'keurmerk', 'anders', name='afwijsreden', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('toelichting', sa.Text(), nullable=True),
    sa.Column('beoordeeld_door_id', sa.Integer(), nullable=True),
    sa.Column('beoordeeld_op', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("afwijsreden <> 'anders' OR toelichting IS NOT NULL", name=op.f('ck_declaratie_regel_anders_met_toelichting')),
    sa.CheckConstraint("status <> 'afgewezen' OR afwijsreden IS NOT NULL", name=op.f('ck_declaratie_regel_afwijzing_met_reden')),
    sa.CheckConstraint('aantal >= 0 AND tarief_cent >= 0', name=op.f('ck_declaratie_regel_aantal_tarief')),
    sa.CheckConstraint('credit_van_regel_id IS NOT NULL OR bedrag_cent >= 0', name=op.f('ck_declaratie_regel_debet_positief')),
    sa.CheckConstraint('credit_van_regel_id IS NULL OR bedrag_cent <= 0', name=op.f('ck_declaratie_regel_credit_negatief')),
    sa.ForeignKeyConstraint(['beoordeeld_door_id'], ['user_account.id'], name=op.f('fk_declaratie_regel_beoordeeld_door_id_user_account')),
    sa.ForeignKeyConstraint(['credit_van_regel_id'], ['declaratie_regel.id'], name=op.f('fk_declaratie_regel_credit_van_regel_id_declaratie_regel')),
    sa.ForeignKeyConstraint(['declaratie_id'], ['declaratie.id'], name=op.f('fk_declaratie_regel_declaratie_id_declaratie')),
    sa.ForeignKeyConstraint(['prestatie_id'], ['prestatie.id'], name=op.f('fk_declaratie_regel_prestatie_id_prestatie')),
    sa.ForeignKeyConstraint(['tarief_id'], ['tarief.id'], name=op.f('fk_declaratie_regel_tarief_id_tarief')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaratie_regel')),
    sa.UniqueConstraint('credit_van_regel_id', name=op.f('uq_declaratie_regel_credit_van_regel_id'))
    )
    with op.batch_alter_table('declaratie_regel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaratie_regel_declaratie_id'), ['declaratie_id'], unique=False)
        batch_op.create_index('ix_declaratie_regel_prestatie', ['prestatie_id'], unique=False)

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inkoopvorm', sa.Enum('aanbesteding', 'open_house', 'subsidie', 'inbesteding', 'quasi_inbesteding', name='inkoopvorm', native_enum=False, create_constraint=True), server_default='aanbesteding', nullable=False))
        batch_op.add_column(sa.Column('declaratieperiode', sa.Enum('maand', 'kwartaal', name='declaratieperiode', native_enum=False, create_constraint=True), server_default='maand', nullable=False))
        batch_op.add_column(sa.Column('declaratietermijn_dagen', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'termijn', 'declaratietermijn_dagen IS NULL OR declaratietermijn_dagen BETWEEN 0 AND 365')

    with op.batch_alter_table('presentie', schema=None) as batch_op:
        batch_op.create_index('ix_presentie_updated_at', ['updated_at'], unique=False)

    _melding_soorten(SOORTEN + NIEUWE_SOORTEN)



def downgrade() -> None:
    op.execute("DELETE FROM melding WHERE kind = 'declaratie_beoordeeld'")
    _melding_soorten(SOORTEN)
    with op.batch_alter_table('presentie', schema=None) as batch_op:
        batch_op.drop_index('ix_presentie_updated_at')

    with op.batch_alter_table('contract', schema=None) as batch_op:
        for name in ('ck_contract_termijn', 'ck_contract_declaratieperiode', 'ck_contract_inkoopvorm'):
            batch_op.drop_constraint(op.f(name), type_='check')
        batch_op.drop_column('declaratietermijn_dagen')
        batch_op.drop_column('declaratieperiode')
        batch_op.drop_column('inkoopvorm')

    with op.batch_alter_table('declaratie_regel', schema=None) as batch_op:
        batch_op.drop_index('ix_declaratie_regel_prestatie')
        batch_op.drop_index(batch_op.f('ix_declaratie_regel_declaratie_id'))

    op.drop_table('declaratie_regel')
    with op.batch_alter_table('prestatie', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prestatie_indicator_id'))
        batch_op.drop_index(batch_op.f('ix_prestatie_inburgeraar_id'))

    op.drop_table('prestatie')
    with op.batch_alter_table('tarief', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tarief_indicator_id'))

    op.drop_table('tarief')
    with op.batch_alter_table('prestatie_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prestatie_indicator_contract_id'))

    op.drop_table('prestatie_indicator')
    with op.batch_alter_table('declaratie', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaratie_status'))
        batch_op.drop_index(batch_op.f('ix_declaratie_gemeente_id'))
        batch_op.drop_index(batch_op.f('ix_declaratie_contract_id'))
        batch_op.drop_index(batch_op.f('ix_declaratie_aanbieder_id'))

    op.drop_table('declaratie')
    op.drop_table('contract_budget')
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_run_contract_gestart')

    op.drop_table('billing_run')
