"""The audit trail outlives what it names (migration 0023a): erasing an inburgeraar's record after its retention
period, or removing an account or API client, leaves every event that names them, still answerable per
inburgeraar."""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.audit import AuditActie
from portal.models import AuditEvent
from portal.principal import ClientActor
from tests.factories import ApiClientFactory, InburgeraarFactory, UserFactory


def test_events_outlive_the_inburgeraar_the_user_and_the_client_they_name(db):
    inburgeraar, user, client = InburgeraarFactory(), UserFactory(), ApiClientFactory()
    audit.record_read(db, user, inburgeraar)
    system = ClientActor.of(client, frozenset())
    audit.record_many(db, system, AuditActie.PRESENTIE_GEREGISTREERD, object_type="presentie",
                      per_inburgeraar={inburgeraar.id: {"nieuw": 5, "gewijzigd": 0}})
    db.flush()
    ids = (inburgeraar.id, user.id, client.id)

    for erased in (inburgeraar, user, client):
        db.delete(erased)
    db.flush()  # no foreign key binds an event to them

    events = db.scalars(select(AuditEvent).where(AuditEvent.inburgeraar_id == ids[0]).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.api_client_id, e.details) for e in events] == [
        ("bekeken", ids[1], None, None),
        ("presentie_geregistreerd", None, ids[2], {"nieuw": 5, "gewijzigd": 0}),
    ]
