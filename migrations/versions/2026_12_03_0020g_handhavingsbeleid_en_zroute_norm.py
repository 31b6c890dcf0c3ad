"""handhaving beleid: the law's maxima as CHECKs, escalation steps and waarschuwing first; the gemeente's
Z-route taal norm for gezinsmigranten

Revision ID: 0020g
Revises: 0015
Create Date: 2026-12-03 13:40:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020g'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _doubling(start: int | None, maximum: int) -> list[int]:
    """The former 'start, doubling up to the maximum' as explicit steps."""
    steps: list[int] = []
    while start and start < maximum and len(steps) < 10:
        steps.append(start)
        start *= 2
    return [*steps, maximum] if steps else []


def upgrade() -> None:
    with op.batch_alter_table('gemeente', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zroute_taal_norm_gezinsmigrant', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_gemeente_zroute_norm_gezinsmigrant'),
                                         'zroute_taal_norm_gezinsmigrant BETWEEN 1 AND 9999')
    with op.batch_alter_table('handhaving_beleid', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waarschuwing_eerst', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('escalatie_cent', sa.JSON(), nullable=True))
    beleid = sa.table('handhaving_beleid', sa.column('id', sa.Integer()), sa.column('max_pip_cent', sa.Integer()),
                      sa.column('escalatie_start_cent', sa.Integer()), sa.column('escalatie_cent', sa.JSON()))
    conn = op.get_bind()
    for row in conn.execute(sa.select(beleid.c.id, beleid.c.max_pip_cent, beleid.c.escalatie_start_cent)).all():
        conn.execute(beleid.update().where(beleid.c.id == row.id).values(
            escalatie_cent=_doubling(row.escalatie_start_cent, row.max_pip_cent)))
    with op.batch_alter_table('handhaving_beleid', schema=None) as batch_op:
        batch_op.alter_column('waarschuwing_eerst', server_default=None)
        batch_op.alter_column('escalatie_cent', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('escalatie_start_cent')
        batch_op.create_check_constraint(op.f('ck_handhaving_beleid_max_brede_intake'), 'max_brede_intake_cent BETWEEN 1 AND 25000')
        batch_op.create_check_constraint(op.f('ck_handhaving_beleid_max_pip'), 'max_pip_cent BETWEEN 1 AND 80000')
        batch_op.create_check_constraint(op.f('ck_handhaving_beleid_max_per_termijn'), 'max_per_termijn_cent BETWEEN 1 AND 240000')


def downgrade() -> None:
    with op.batch_alter_table('handhaving_beleid', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_handhaving_beleid_max_per_termijn'), type_='check')
        batch_op.drop_constraint(op.f('ck_handhaving_beleid_max_pip'), type_='check')
        batch_op.drop_constraint(op.f('ck_handhaving_beleid_max_brede_intake'), type_='check')
        batch_op.add_column(sa.Column('escalatie_start_cent', sa.Integer(), nullable=True))
    beleid = sa.table('handhaving_beleid', sa.column('id', sa.Integer()), sa.column('escalatie_start_cent', sa.Integer()),
                      sa.column('escalatie_cent', sa.JSON()))
    conn = op.get_bind()
    for row in conn.execute(sa.select(beleid.c.id, beleid.c.escalatie_cent)).all():
        steps = row.escalatie_cent if isinstance(row.escalatie_cent, list) else json.loads(row.escalatie_cent or "[]")
        conn.execute(beleid.update().where(beleid.c.id == row.id).values(
            escalatie_start_cent=steps[0] if steps else None))
    with op.batch_alter_table('handhaving_beleid', schema=None) as batch_op:
        batch_op.drop_column('escalatie_cent')
        batch_op.drop_column('waarschuwing_eerst')
    with op.batch_alter_table('gemeente', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_gemeente_zroute_norm_gezinsmigrant'), type_='check')
        batch_op.drop_column('zroute_taal_norm_gezinsmigrant')
