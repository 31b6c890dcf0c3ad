"""Demo API koppelingen: Omringdijk's student administration delivering presentie, an old revoked koppeling, De
Brug's participation register and Hoorn's cliëntvolgsysteem reading registrations and signals.

The demo secrets are fixed (like the demo passwords) so the README's curl example works; real koppelingen get a
random secret that is shown once. Idempotent by client_id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit import AuditActie
from portal.formatting import AMSTERDAM
from portal.models import ApiClient, AuditEvent
from portal.principal import ClientActor
from portal.services.api_clients import AANBIEDER_SCOPES, GEMEENTE_SCOPES, hash_secret

if TYPE_CHECKING:
    from portal.demo import DemoRegion


@dataclass(frozen=True)
class DemoClient:
    """A koppeling of the demo region."""

    client_id: str
    naam: str
    secret: str
    scopes: tuple[str, ...]
    aanbieder: str | None = None  # DemoAanbieder.key
    gemeente: str | None = None  # CBS code
    door: str = "beheerder@omringdijk.example.nl"
    dagen_oud: int = 60
    laatst_gebruikt_dagen: int | None = None  # None: never used
    ingetrokken_dagen: int | None = None


DEMO_CLIENTS = (
    DemoClient("ic_demo_omringdijk", "Eduarte (studentadministratie)", "demo-geheim-omringdijk-eduarte",
               tuple(AANBIEDER_SCOPES), aanbieder="omringdijk", dagen_oud=45, laatst_gebruikt_dagen=0),
    DemoClient("ic_demo_omringdijk_oud", "Oude Magister-koppeling", "demo-geheim-ingetrokken",
               ("deelnemers:lezen", "presentie:schrijven"), aanbieder="omringdijk", dagen_oud=400,
               laatst_gebruikt_dagen=50, ingetrokken_dagen=44),
    DemoClient("ic_demo_debrug", "Participatieregistratie De Brug", "demo-geheim-debrug",
               ("deelnemers:lezen", "traject:schrijven", "presentie:schrijven"), aanbieder="debrug",
               door="begeleider@debrug.example.nl", dagen_oud=20, laatst_gebruikt_dagen=2),
    DemoClient("ic_demo_hoorn_cvs", "Cliëntvolgsysteem Hoorn", "demo-geheim-hoorn-cvs", tuple(GEMEENTE_SCOPES),
               gemeente="0405", door="beheer@werksaam.example.nl", dagen_oud=30, laatst_gebruikt_dagen=1),
)


def _moment(region: DemoRegion, days_ago: int, hour: int = 9) -> datetime:
    return datetime.combine(region.today - timedelta(days=days_ago), time(hour), tzinfo=AMSTERDAM)


def seed_api(session: Session, region: DemoRegion) -> None:
    """The demo koppelingen that are not there yet, each with a short trail of calls in the audit log."""
    existing = set(session.scalars(select(ApiClient.client_id)))
    added = 0
    for demo in DEMO_CLIENTS:
        if demo.client_id in existing:
            continue
        beheerder = region.users.get(demo.door)
        client = ApiClient(
            client_id=demo.client_id, naam=demo.naam, secret_hash=hash_secret(demo.secret),
            aanbieder_id=region.aanbieders[demo.aanbieder].id if demo.aanbieder else None,
            gemeente_id=region.gemeenten[demo.gemeente].id if demo.gemeente else None,
            scopes=" ".join(demo.scopes), verloopt_op=_moment(region, -365 + demo.dagen_oud),
            ingetrokken_op=None if demo.ingetrokken_dagen is None else _moment(region, demo.ingetrokken_dagen),
            laatst_gebruikt_at=None if demo.laatst_gebruikt_dagen is None else _moment(
                region, demo.laatst_gebruikt_dagen, 7),
            aangemaakt_door_id=beheerder.id if beheerder else None,
            created_at=_moment(region, demo.dagen_oud, 10),
        )
        session.add(client)
        session.flush()
        audit.record(session, beheerder, AuditActie.API_CLIENT_AANGEMAAKT, object_type="api_client",
                     object_id=client.id, details={"scopes": list(demo.scopes)}).occurred_at = client.created_at
        if demo.laatst_gebruikt_dagen is not None:
            _trail(session, region, client, demo)
        added += 1
    if added:
        region.counts["API-koppelingen"] = added


def _trail(session: Session, region: DemoRegion, client: ApiClient, demo: DemoClient) -> None:
    """A token and the nightly calls of the last days, as the audit log would show them."""
    actor = ClientActor.of(client, frozenset(demo.scopes))
    calls = (("GET", "/verwijzingen"), ("POST", "/presentie")) if client.aanbieder_id else (
        ("GET", "/registraties/<soort>"), ("GET", "/signalen"))
    first = demo.laatst_gebruikt_dagen or 0
    for days_ago in range(first + 3, first - 1, -1):
        events: list[AuditEvent] = [audit.record(
            session, actor, AuditActie.API_TOKEN_UITGEGEVEN, object_type="api_client", object_id=client.id,
            details={"scopes": list(demo.scopes)})]
        events += [audit.record(session, actor, AuditActie.API_AANROEP, object_type="api", object_id=pad[:40],
                                result="200", details={"methode": methode, "pad": pad})
                   for methode, pad in calls]
        for event in events:
            event.occurred_at = _moment(region, days_ago, 7)
            event.origin = f"api {client.client_id} 192.0.2.10"
