"""audit_event references nothing: no foreign keys to inburgeraar, user_account or api_client

The audit trail is evidence of who saw or changed which inburgeraar. It must outlive what it names: an
inburgeraar's record is erased after its retention period, an account or API client may be removed, and the
trail must still answer an AVG inzageverzoek and an investigation. A foreign key would bind every event to a row
that may go (and blocks or cascades that erasure); the ids stay, indexed, as plain values. It also spares a
referential check per event: a 10,000-item presentie call writes one event per inburgeraar (~2,000).

Revision ID: 0023a
Revises: 0022l
Create Date: 2026-12-04 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0023a'
down_revision: str | None = '0022l'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEYS = (  # (constraint, column, referred table)
    ('fk_audit_event_actor_id_user_account', 'actor_id', 'user_account'),
    ('fk_audit_event_api_client_id_api_client', 'api_client_id', 'api_client'),
    ('fk_audit_event_inburgeraar_id_inburgeraar', 'inburgeraar_id', 'inburgeraar'),
)


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        for name, _column, _table in FOREIGN_KEYS:
            batch_op.drop_constraint(name, type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        for name, column, table in FOREIGN_KEYS:
            batch_op.create_foreign_key(name, table, [column], ['id'])
