"""The demo's auditlog shows both kinds of inzage: lists that showed a person and case pages that opened it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from portal import access
from portal.models import AuditEvent, AuditGezien, Inburgeraar, User


def _user(db, email: str) -> User:
    return db.scalar(select(User).where(User.email == email))


def test_demo_has_list_views_and_case_reads_of_the_last_working_days_in_office_proportions(region):
    db = region
    sanne = _user(db, "klantregisseur@werksaam.example.nl")
    soorten = Counter(db.execute(select(AuditEvent.object_type).where(
        AuditEvent.actor_id == sanne.id, AuditEvent.action.in_(("overzicht_bekeken", "bekeken")))).scalars())
    assert soorten == {"regie_overzicht": 10, "inburgeraar": 20}  # 5 days: overview twice, two cases each time
    overzichten = db.scalars(select(AuditEvent.id).where(AuditEvent.actor_id == sanne.id,
                                                        AuditEvent.object_type == "regie_overzicht")).all()
    gezien = set(db.scalars(select(AuditGezien.inburgeraar_id).where(AuditGezien.audit_event_id.in_(overzichten))))
    in_scope = set(db.scalars(access.inburgeraars(sanne).with_only_columns(Inburgeraar.id)))
    assert 0 < len(gezien) <= 25 and gezien <= in_scope
    docent = _user(db, "docent@omringdijk.example.nl")
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_id == docent.id, AuditEvent.object_type == "presentie_weekrooster")) == 5


def test_the_demo_beheerder_finds_a_person_seen_in_the_overview(region, login_as):
    db = region
    sanne = _user(db, "klantregisseur@werksaam.example.nl")
    overzicht = db.scalar(select(AuditEvent.id).where(AuditEvent.actor_id == sanne.id,
                                                     AuditEvent.object_type == "regie_overzicht").limit(1))
    persoon = db.get(Inburgeraar, db.scalar(
        select(AuditGezien.inburgeraar_id).where(AuditGezien.audit_event_id == overzicht).limit(1)))
    client = login_as(_user(db, "beheer@werksaam.example.nl"))
    html = client.get(f"/beheer/audit?bsn={persoon.bsn}&actie=overzicht_bekeken").get_data(as_text=True)
    body = html.split("<tbody>", 1)[1]
    assert "Gezien in overzicht" in body and "regie-overzicht (lijst van" in body and "Sanne de Boer" in body
