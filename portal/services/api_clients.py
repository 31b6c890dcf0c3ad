"""API clients: register (secret shown once, stored hashed), revoke, authenticate, issue and check tokens.

Secrets and tokens are 256-bit random strings, so a fast SHA-256 hash is enough to store them (a slow password
hash protects guessable passwords; these cannot be guessed). Tokens live for minutes: a system asks for a new
one with its client credentials, so revoking a client or a scope takes effect within one token lifetime at most,
and at once for the checks that read the client on every call (revoked, expired).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from portal import access, audit
from portal.audit import AuditActie
from portal.formatting import AMSTERDAM
from portal.models import ApiClient, ApiToken, User
from portal.models.base import utcnow
from portal.models.enums import Rol
from portal.principal import ClientActor
from portal.services import Errors, NotAllowed, ValidationError
from portal.services.validation import FieldError, parse_date, parse_text

TOKEN_LIFETIME = timedelta(minutes=15)
MAX_GELDIGHEID_DAGEN = 730  # a client is re-registered at least every two years
STANDAARD_GELDIGHEID_DAGEN = 365

# Scopes per kind of organisation, with what they allow (shown when registering a client).
AANBIEDER_SCOPES: dict[str, str] = {
    "deelnemers:lezen": "Verwijzingen en deelnemers lezen",
    "traject:schrijven": "Start of niet gestart, voortgangsrapportages, omstandigheden en afschalingsverzoeken",
    "presentie:schrijven": "Presentie registreren (ook in bulk)",
    "resultaten:schrijven": "Examenresultaten en resultaten van onderwijsroute, MAP, PVT en Z-route",
    "besluiten:lezen": "Besluiten en meldingen voor de aanbieder lezen (afschaling, declaraties)",
}
GEMEENTE_SCOPES: dict[str, str] = {
    "registraties:lezen": "Registraties van aanbieders over inwoners van de gemeente lezen",
    "signalen:lezen": "Signalen over inwoners van de gemeente lezen",
}
ALLE_SCOPES = {**AANBIEDER_SCOPES, **GEMEENTE_SCOPES}


def hash_secret(secret: str) -> str:
    """The stored form of a client secret or an access token."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class ApiClientInput:
    """What a beheerder fills in: a name for the system, its scopes and until when it may be used."""

    naam: object = None
    scopes: list[str] = field(default_factory=list)
    verloopt_op: object = None
    gemeente_id: int | None = None  # for a functioneel beheerder: which of its gemeenten


def scopes_for(actor: User) -> dict[str, str]:
    """The scopes the actor may grant: an aanbieder's, or a gemeente's."""
    if actor.rol is Rol.AANBIEDER_BEHEERDER:
        return AANBIEDER_SCOPES
    if actor.rol is Rol.FUNCTIONEEL_BEHEERDER:
        return GEMEENTE_SCOPES
    return {}


def create_client(session: Session, actor: User, data: ApiClientInput, today: datetime) -> tuple[ApiClient, str]:
    """Register a client for the actor's organisation (or one of its gemeenten); returns it and its secret,
    which is shown once and never stored."""
    if not access.may_manage_api_clients(actor):
        raise NotAllowed("Alleen een aanbieder-beheerder of functioneel beheerder registreert API-koppelingen.")
    errors = Errors()
    naam = errors.run("naam", lambda: parse_text(data.naam, "een naam voor de koppeling", max_length=120))
    allowed = scopes_for(actor)
    chosen = [s for s in allowed if s in set(data.scopes or ())]
    if not chosen:
        errors.add("scopes", "Kies minstens één bevoegdheid voor deze koppeling.")
    elif unknown := [s for s in data.scopes if s not in allowed]:
        errors.add("scopes", f"Deze bevoegdheid bestaat niet voor uw organisatie: {', '.join(unknown)}.")
    verloopt = errors.run("verloopt_op", lambda: _verloopdatum(data.verloopt_op, today))
    gemeente_id = None
    if actor.rol is Rol.FUNCTIONEEL_BEHEERDER:
        own = set(session.scalars(access.gemeente_ids_in_scope(actor)))
        if data.gemeente_id not in own:
            errors.add("gemeente_id", "Kies de gemeente waarvoor deze koppeling gegevens leest.")
        gemeente_id = data.gemeente_id
    errors.raise_if_any()
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id="ic_" + secrets.token_hex(12),
        naam=naam,
        secret_hash=hash_secret(secret),
        aanbieder_id=actor.aanbieder_id if actor.rol is Rol.AANBIEDER_BEHEERDER else None,
        gemeente_id=gemeente_id,
        scopes=" ".join(chosen),
        verloopt_op=verloopt,
        aangemaakt_door_id=actor.id,
    )
    session.add(client)
    session.flush()
    audit.record(session, actor, AuditActie.API_CLIENT_AANGEMAAKT, object_type="api_client", object_id=client.id,
                 details={"scopes": chosen})
    return client, secret


def _verloopdatum(raw: object, today: datetime) -> datetime:
    """The end of the chosen day (UTC), at most two years ahead; empty means one year."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return today + timedelta(days=STANDAARD_GELDIGHEID_DAGEN)
    dag = parse_date(raw, label="de datum tot wanneer de koppeling werkt")
    assert dag is not None
    if dag <= today.date():
        raise FieldError("Kies een datum na vandaag.")
    if dag > (today + timedelta(days=MAX_GELDIGHEID_DAGEN)).date():
        raise FieldError("Een koppeling werkt hoogstens twee jaar: kies een eerdere datum.")
    # The end of that day in the Netherlands, whatever the server's zone: the list shows the same date back.
    return datetime.combine(dag, time(23, 59, 59), tzinfo=AMSTERDAM)


def revoke_client(session: Session, actor: User, client: ApiClient) -> None:
    """Revoke a client at once: its tokens are deleted and it gets no new ones."""
    if client.ingetrokken_op is not None:
        raise ValidationError({"client": "Deze koppeling is al ingetrokken."})
    client.ingetrokken_op = utcnow()
    session.execute(delete(ApiToken).where(ApiToken.api_client_id == client.id))
    audit.record(session, actor, AuditActie.API_CLIENT_INGETROKKEN, object_type="api_client", object_id=client.id)
    session.flush()


def is_usable(client: ApiClient, now: datetime) -> bool:
    """Not revoked, not expired, and its organisation still active."""
    if client.ingetrokken_op is not None or _aware(client.verloopt_op) <= now:
        return False
    return client.aanbieder is None or client.aanbieder.actief


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def store_token(session: Session, client: ApiClient, value: str, scopes: str, expires_in: int) -> ApiToken:
    """Keep the hash of a newly issued token (portal/api/oauth.py); clears the client's expired tokens."""
    now = utcnow()
    session.execute(delete(ApiToken).where(ApiToken.api_client_id == client.id, ApiToken.expires_at < now))
    token = ApiToken(token_hash=hash_secret(value), api_client_id=client.id, scopes=scopes,
                     created_at=now, expires_at=now + timedelta(seconds=expires_in))
    session.add(token)
    client.laatst_gebruikt_at = now
    # The client, not a user, asked: the event carries its id.
    audit.record(session, ClientActor.of(client, frozenset(scopes.split())), AuditActie.API_TOKEN_UITGEGEVEN,
                 object_type="api_client", object_id=client.id, details={"scopes": scopes.split()})
    session.flush()
    return token


def client_of_token(session: Session, value: str) -> tuple[ApiClient, frozenset[str]] | None:
    """The usable client a valid, unexpired bearer token belongs to, with the token's scopes."""
    now = utcnow()
    # Token, client and the client's aanbieder in one query: every API call starts here.
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(value)).options(
        joinedload(ApiToken.client).joinedload(ApiClient.aanbieder)))
    if token is None or _aware(token.expires_at) <= now or not is_usable(token.client, now):
        return None
    return token.client, frozenset(token.scopes.split())


def touch(session: Session, client: ApiClient) -> None:
    """Remember the last use, at most once a minute (a busy client should not write on every call)."""
    now = utcnow()
    last = client.laatst_gebruikt_at
    if last is None or now - _aware(last) > timedelta(minutes=1):
        client.laatst_gebruikt_at = now
