"""reference data DUO needs: OIN per gemeente, instellingsnummer/BoW/keurmerken per aanbieder, the PIP's two
DUO indicators, a klantregisseur's phone (DUO contactpersoon), exam results without niveau

Revision ID: 0014b
Revises: 0013
Create Date: 2026-12-03 07:38:20.056259
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014b'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('aanbieder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instellingsnummer', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('bow_nummer', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('bow_keurmerk', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('tst_keurmerk', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_unique_constraint(batch_op.f('uq_aanbieder_instellingsnummer'), ['instellingsnummer'])

    with op.batch_alter_table('examenresultaat', schema=None) as batch_op:
        batch_op.alter_column('niveau',
               existing_type=sa.VARCHAR(length=2),
               nullable=True)

    with op.batch_alter_table('gemeente', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oin', sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_gemeente_oin'), ['oin'])

    with op.batch_alter_table('pip', schema=None) as batch_op:
        batch_op.add_column(sa.Column('indicator_alfabetisering', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('indicator_mag_opleiding_afmaken', sa.Boolean(), nullable=True))
    # A second batch: SQLite's table copy must know the new column before a CHECK can use it.
    with op.batch_alter_table('pip', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'indicator_alfabetisering', "indicator_alfabetisering IN ('A', 'AA', 'NVT')")

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('telefoonnummer', sa.String(length=22), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('telefoonnummer')

    with op.batch_alter_table('pip', schema=None) as batch_op:
        batch_op.drop_constraint('indicator_alfabetisering', type_='check')
    with op.batch_alter_table('pip', schema=None) as batch_op:
        batch_op.drop_column('indicator_mag_opleiding_afmaken')
        batch_op.drop_column('indicator_alfabetisering')

    with op.batch_alter_table('gemeente', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_gemeente_oin'), type_='unique')
        batch_op.drop_column('oin')

    with op.batch_alter_table('examenresultaat', schema=None) as batch_op:
        batch_op.alter_column('niveau',
               existing_type=sa.VARCHAR(length=2),
               nullable=False)

    with op.batch_alter_table('aanbieder', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_aanbieder_instellingsnummer'), type_='unique')
        batch_op.drop_column('tst_keurmerk')
        batch_op.drop_column('bow_keurmerk')
        batch_op.drop_column('bow_nummer')
        batch_op.drop_column('instellingsnummer')

