"""melding overzicht: one melding about several inburgeraars (e.g. a confirmed upload)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 11:05:20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('melding_inburgeraar',
    sa.Column('melding_id', sa.Integer(), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_melding_inburgeraar_inburgeraar_id_inburgeraar'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['melding_id'], ['melding.id'], name=op.f('fk_melding_inburgeraar_melding_id_melding'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('melding_id', 'inburgeraar_id', name=op.f('pk_melding_inburgeraar'))
    )
    with op.batch_alter_table('melding_inburgeraar', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_melding_inburgeraar_inburgeraar_id'), ['inburgeraar_id'], unique=False)

    with op.batch_alter_table('melding', schema=None) as batch_op:
        batch_op.alter_column('inburgeraar_id', existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    # Summary meldingen have no single case and cannot exist in the old schema.
    op.execute("DELETE FROM melding WHERE inburgeraar_id IS NULL")
    with op.batch_alter_table('melding', schema=None) as batch_op:
        batch_op.alter_column('inburgeraar_id', existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table('melding_inburgeraar', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_melding_inburgeraar_inburgeraar_id'))
    op.drop_table('melding_inburgeraar')
