"""Append-only audit events: who read or changed which inburgeraar, from where, with what result."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Integer, Text, bindparam, cast, event, insert, select, true
from sqlalchemy.orm import Session

from portal import pg_arrays
from portal.models import AuditEvent, AuditGezien, Inburgeraar, User
from portal.models.base import utcnow
from portal.services.batch import execute_many

# Set per request/job by the entry point (web, api, upload, cli); services never read request objects.
current_origin: ContextVar[str] = ContextVar("audit_origin", default="systeem")


class AuditActie(enum.StrEnum):
    """Every action the audit trail knows; the stored value is the Dutch text (stable for queries and reports)."""

    # reads of personal data
    BEKEKEN = "bekeken"
    OVERZICHT_BEKEKEN = "overzicht_bekeken"  # a list of several inburgeraars; who was on it: audit_gezien
    PRESENTIE_BEKEKEN = "presentie_bekeken"
    MELDINGEN_BEKEKEN = "meldingen_bekeken"
    MELDING_GEOPEND = "melding_geopend"
    GEEXPORTEERD = "geexporteerd"
    SJABLOON_GEDOWNLOAD = "sjabloon_gedownload"
    # cases of the gemeente
    AANGEMAAKT = "aangemaakt"
    PIP_VASTGESTELD = "pip_vastgesteld"
    VERWIJZING_AANGEMAAKT = "verwijzing_aangemaakt"
    STATUS_GEWIJZIGD = "status_gewijzigd"
    # registrations of providers
    TRAJECT_START_GEREGISTREERD = "traject_start_geregistreerd"
    TRAJECT_START_GECORRIGEERD = "traject_start_gecorrigeerd"
    PRESENTIE_GEREGISTREERD = "presentie_geregistreerd"
    VOORTGANG_GEREGISTREERD = "voortgang_geregistreerd"
    VOORTGANG_GECORRIGEERD = "voortgang_gecorrigeerd"
    OMSTANDIGHEDEN_GEMELD = "omstandigheden_gemeld"
    AFSCHALINGSVERZOEK_INGEDIEND = "afschalingsverzoek_ingediend"
    AFSCHALINGSVERZOEK_BESLOTEN = "afschalingsverzoek_besloten"
    EXAMENRESULTAAT_GEREGISTREERD = "examenresultaat_geregistreerd"
    EXAMENRESULTAAT_GECORRIGEERD = "examenresultaat_gecorrigeerd"
    ROUTERESULTAAT_GEREGISTREERD = "routeresultaat_geregistreerd"
    ROUTERESULTAAT_GECORRIGEERD = "routeresultaat_gecorrigeerd"
    # the chain: verhuizing, DUO berichten, handhaving, CBS
    VERHUIZING_GEREGISTREERD = "verhuizing_geregistreerd"
    VERHUIZING_VERWIJZING_BESLOTEN = "verhuizing_verwijzing_besloten"
    OVERDRACHTSDOSSIER_BEKEKEN = "overdrachtsdossier_bekeken"
    DUO_BERICHTEN_BIJGEWERKT = "duo_berichten_bijgewerkt"
    DUO_BERICHTEN_GEEXPORTEERD = "duo_berichten_geexporteerd"
    DUO_BERICHT_BEKEKEN = "duo_bericht_bekeken"
    DUO_ANTWOORD_VASTGELEGD = "duo_antwoord_vastgelegd"
    DUO_BERICHT_OPNIEUW = "duo_bericht_opnieuw"
    ROUTERESULTAAT_BEVESTIGD = "routeresultaat_bevestigd"
    HANDHAVING_VASTGELEGD = "handhaving_vastgelegd"
    HANDHAVINGSBELEID_GEWIJZIGD = "handhavingsbeleid_gewijzigd"  # amounts, escalation, Z-route norm of a gemeente
    PIP_INGETROKKEN = "pip_ingetrokken"
    DUO_INSTELLINGEN_GEIMPORTEERD = "duo_instellingen_geimporteerd"
    CBS_BESTAND_GEMAAKT = "cbs_bestand_gemaakt"
    # uploads
    UPLOAD_ONTVANGEN = "upload_ontvangen"
    UPLOAD_GEWEIGERD = "upload_geweigerd"
    UPLOAD_GECONTROLEERD = "upload_gecontroleerd"
    UPLOAD_BEVESTIGD = "upload_bevestigd"
    # meldingen and signals
    MELDING_GELEZEN = "melding_gelezen"
    MELDINGEN_ALLE_GELEZEN = "meldingen_alle_gelezen"
    MAILVOORKEUR_GEWIJZIGD = "mailvoorkeur_gewijzigd"
    SIGNALEN_AANWEZIGHEID = "signalen_aanwezigheid"
    SIGNAALDREMPELS_GEWIJZIGD = "signaaldrempels_gewijzigd"
    SIGNAALDREMPELS_STANDAARD = "signaaldrempels_standaard"
    CONTRACTDREMPELS_GEWIJZIGD = "contractdrempels_gewijzigd"
    KPI_INSTELLING_GEWIJZIGD = "kpi_instelling_gewijzigd"  # SPUK amount or KPI target of a gemeente and year
    # contracts and billing
    CONTRACT_GEWIJZIGD = "contract_gewijzigd"
    INDICATOR_TOEGEVOEGD = "indicator_toegevoegd"
    TARIEF_TOEGEVOEGD = "tarief_toegevoegd"
    BUDGET_GEWIJZIGD = "budget_gewijzigd"
    PRESTATIES_BEREKEND = "prestaties_berekend"
    DECLARATIE_BEKEKEN = "declaratie_bekeken"
    DECLARATIE_INGEDIEND = "declaratie_ingediend"
    DECLARATIEREGEL_BEOORDEELD = "declaratieregel_beoordeeld"
    DECLARATIEREGEL_OPNIEUW = "declaratieregel_opnieuw"
    DECLARATIE_GEEXPORTEERD = "declaratie_geexporteerd"
    # organisations and accounts
    GEMEENTE_AANGEMAAKT = "gemeente_aangemaakt"
    GEMEENTE_GEWIJZIGD = "gemeente_gewijzigd"
    AANBIEDER_AANGEMAAKT = "aanbieder_aangemaakt"
    AANBIEDER_GEWIJZIGD = "aanbieder_gewijzigd"
    GEBRUIKER_AANGEMAAKT = "gebruiker_aangemaakt"
    GEBRUIKER_GEWIJZIGD = "gebruiker_gewijzigd"
    GEBRUIKER_GEDEACTIVEERD = "gebruiker_gedeactiveerd"
    GEBRUIKER_GEACTIVEERD = "gebruiker_geactiveerd"
    TWEEDE_FACTOR_GERESET = "tweede_factor_gereset"
    WACHTWOORD_INGESTELD = "wachtwoord_ingesteld"
    WACHTWOORD_GEWIJZIGD = "wachtwoord_gewijzigd"  # by the user themself (Mijn account)
    # API clients of providers' and gemeenten' systems
    API_CLIENT_AANGEMAAKT = "api_client_aangemaakt"
    API_CLIENT_INGETROKKEN = "api_client_ingetrokken"
    API_TOKEN_UITGEGEVEN = "api_token_uitgegeven"  # noqa: S105 - an action name, not a secret
    API_TOKEN_GEWEIGERD = "api_token_geweigerd"  # noqa: S105 - an action name, not a secret
    API_AANROEP = "api_aanroep"
    # security
    INLOGGEN = "inloggen"
    UITLOGGEN = "uitloggen"
    TWEEDE_FACTOR = "tweede_factor"
    ACCOUNT_GEBLOKKEERD = "account_geblokkeerd"
    # the audit trail itself: reading it is audited too
    AUDITLOG_BEKEKEN = "auditlog_bekeken"
    AUDITLOG_GEEXPORTEERD = "auditlog_geexporteerd"
    INZAGE_GEEXPORTEERD = "inzage_geexporteerd"  # the overview of one inburgeraar for an AVG inzageverzoek


def record(
    session: Session,
    actor: User | None,
    action: AuditActie | str,
    *,
    object_type: str,
    object_id: Any = None,
    inburgeraar: Inburgeraar | int | None = None,
    result: str = "ok",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session; it is committed with the change it describes.

    `action` is an AuditActie (its value as text is accepted; an unknown action is a programming error).
    An API client (portal/principal.py) is recorded by its `api_client_id`; it has no user account.
    """
    action = AuditActie(action)
    inburgeraar_id = inburgeraar.id if isinstance(inburgeraar, Inburgeraar) else inburgeraar
    event_row = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        api_client_id=getattr(actor, "api_client_id", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        inburgeraar_id=inburgeraar_id,
        result=result,
        origin=current_origin.get(),
        details=details,
    )
    session.add(event_row)
    return event_row


def record_many(
    session: Session,
    actor: User | None,
    action: AuditActie,
    *,
    object_type: str,
    per_inburgeraar: dict[int, dict[str, Any]],
) -> None:
    """One event per inburgeraar with its own details, written in one statement (a batch of 10,000 sessions of
    2,000 people is 2,000 events; through the ORM their bookkeeping cost more than the sessions' own insert)."""
    planned_many(session, actor, action, object_type=object_type, per_inburgeraar=per_inburgeraar)()


def planned_many(
    session: Session,
    actor: User | None,
    action: AuditActie,
    *,
    object_type: str,
    per_inburgeraar: dict[int, dict[str, Any]],
) -> Callable[[], None]:
    """`record_many`'s events, built without touching the database; calling the result writes them (a caller
    may build them while the database is busy with the change they describe)."""
    return planned_each(session, actor, action, object_type=object_type,
                        rows=[(None, inburgeraar_id, details) for inburgeraar_id, details in per_inburgeraar.items()])


def record_each(
    session: Session,
    actor: User | None,
    action: AuditActie,
    *,
    object_type: str,
    rows: list[tuple[Any, int | None, dict[str, Any]]],
) -> None:
    """One event per (object_id, inburgeraar_id, details) row, all by the same actor and action, written in one
    statement: the same events `record` would add one by one (e.g. each regel of an approve-all).

    On PostgreSQL the object ids, inburgeraar ids and details travel as three arrays that one INSERT … SELECT
    unnests: an executemany would send a statement per event."""
    planned_each(session, actor, action, object_type=object_type, rows=rows)()


def planned_each(
    session: Session,
    actor: User | None,
    action: AuditActie,
    *,
    object_type: str,
    rows: list[tuple[Any, int | None, dict[str, Any]]],
) -> Callable[[], None]:
    """`record_each`'s events, built without touching the database; calling the result writes them."""
    if not rows:
        return _nothing
    action = AuditActie(action)
    common = {
        "actor_id": actor.id if actor is not None else None,
        "api_client_id": getattr(actor, "api_client_id", None),
        "action": action.value,
        "object_type": object_type,
        "result": "ok",
        "origin": current_origin.get(),
        "occurred_at": utcnow(),
    }
    object_ids = [None if object_id is None else str(object_id) for object_id, _i, _d in rows]
    if session.get_bind().dialect.name == "postgresql":
        parameters = {f"e_{name}": value for name, value in common.items()}
        parameters.update(arr_object_id=pg_arrays.array_literal(object_ids),
                          arr_inburgeraar_id=pg_arrays.array_literal([i for _o, i, _d in rows]),
                          arr_details=pg_arrays.array_literal(_json_texts(d for _o, _i, d in rows)))
        return _PgEvents(session, parameters)

    def write() -> None:
        # Elsewhere (SQLite) one executemany on the driver; the events may name objects still pending in the
        # session.
        session.flush()
        constants = tuple(common.values())
        execute_many(session.connection(), lambda: insert(AuditEvent.__table__), AuditEvent.__table__,
                     (*common, "object_id", "inburgeraar_id", "details"),
                     [(*constants, object_id, inburgeraar_id, details)
                      for object_id, (_o, inburgeraar_id, details) in zip(object_ids, rows, strict=True)],
                     key="audit_event.insert")
    return write


def _nothing() -> None:
    """No events to write."""


def _json_texts(details: Iterable[dict[str, Any]]) -> list[str]:
    """Each dict as JSON text, written once per distinct dict (a batch's details repeat a few counts)."""
    texts: dict[tuple[Any, ...], str] = {}
    result = []
    for d in details:
        try:  # typed: True and 1 are equal keys but different JSON
            key = tuple((k, type(v), v) for k, v in d.items())
            text = texts.get(key)
        except TypeError:  # a list or dict inside: not memoised
            key, text = None, None
        if text is None:
            text = json.dumps(d)
            if key is not None:
                texts[key] = text
        result.append(text)
    return result


def record_read(
    session: Session,
    actor: User,
    inburgeraar: Inburgeraar | int | None,
    *,
    object_type: str = "inburgeraar",
    object_id: Any = None,
    action: AuditActie = AuditActie.BEKEKEN,
    result: str = "ok",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that the actor looked at an inburgeraar's data: one event per page or download, whatever it shows.

    `object_id` defaults to the inburgeraar; a read of several cases at once passes no inburgeraar and names
    their ids in `details`.
    """
    inburgeraar_id = inburgeraar.id if isinstance(inburgeraar, Inburgeraar) else inburgeraar
    return record(session, actor, action, object_type=object_type,
                  object_id=inburgeraar_id if object_id is None else object_id, inburgeraar=inburgeraar_id,
                  result=result, details=details)


# inline(): without RETURNING the new id on PostgreSQL (nobody reads it), so no row to fetch and process.
_READ_EVENT = insert(AuditEvent.__table__).inline()


def record_read_now(session: Session, actor: User, inburgeraar_id: int) -> None:
    """The event `record_read(session, actor, inburgeraar_id)` adds, inserted at once by one Core statement, for a
    page that has done its reads (the case page, opened all day): the ORM's unit of work for that one row cost as
    much as the insert itself, and so did the session's execute for a Core statement (no entities, no autoflush):
    on the session's connection. Committed with the request, as every event."""
    session.connection().execute(_READ_EVENT, {
        "occurred_at": utcnow(), "actor_id": actor.id, "api_client_id": getattr(actor, "api_client_id", None),
        "action": AuditActie.BEKEKEN.value, "object_type": "inburgeraar", "object_id": str(inburgeraar_id),
        "inburgeraar_id": inburgeraar_id, "result": "ok", "origin": current_origin.get(), "details": None,
    })


def record_shown(
    session: Session,
    actor: User | Any,
    inburgeraar_ids: Iterable[int],
    *,
    object_type: str,
    action: AuditActie = AuditActie.OVERZICHT_BEKEKEN,
    object_id: Any = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
    also_empty: bool = False,
) -> None:
    """Record that the actor was shown these inburgeraars in one list (a page of an overview, a grid, an export):
    one event for the request and one audit_gezien row per inburgeraar shown, so the trail's lookup of one
    inburgeraar finds the list too. Nothing when the list showed nobody, unless `also_empty` (an export, a
    page that must leave a trail whatever it held): then the event alone. `details`: non-personal facts only (a
    page number, a count, filters); an API client acts as in `record`. `at`: when, if not now (demo data).

    Pass only the ids of rows actually rendered (the current page), read through portal.access. On PostgreSQL
    event and rows are one statement (the event's INSERT … RETURNING feeds the rows'); on SQLite, in-process,
    the rows follow as one executemany."""
    ids = sorted(set(inburgeraar_ids))
    if not ids and not also_empty:
        return
    values = {
        "occurred_at": at or utcnow(), "actor_id": actor.id, "api_client_id": getattr(actor, "api_client_id", None),
        "action": AuditActie(action).value, "object_type": object_type,
        "object_id": None if object_id is None else str(object_id), "inburgeraar_id": None, "result": "ok",
        "origin": current_origin.get(), "details": details,
    }
    connection = session.connection()  # Core on the connection: no unit of work, no autoflush for two inserts
    if not ids:
        connection.execute(_LIST_EVENT, values)
        return
    if connection.dialect.name == "postgresql":
        connection.execute(_pg_list_read(), {**{f"e_{k}": v for k, v in values.items()},
                                             "arr_inburgeraar_id": pg_arrays.array_literal(ids)})
        return
    event_id = connection.execute(_LIST_EVENT, values).lastrowid
    execute_many(connection, _SHOWN, AuditGezien.__table__, ("audit_event_id", "inburgeraar_id"),
                 [(event_id, i) for i in ids], key="audit_gezien.insert")


# Built once: building and compiling these per request cost more than the two inserts (measured on the overview).
_LIST_EVENT = insert(AuditEvent.__table__).inline()
_SHOWN = insert(AuditGezien.__table__)


@lru_cache(maxsize=1)
def _pg_list_read() -> Any:
    """The event and its audit_gezien rows in one PostgreSQL statement: the event's INSERT … RETURNING id, as a
    data-modifying CTE, feeds the rows' INSERT … SELECT over the unnested ids (parameters e_<column> and
    arr_inburgeraar_id)."""
    events, shown = AuditEvent.__table__, AuditGezien.__table__
    columns = ("occurred_at", "actor_id", "api_client_id", "action", "object_type", "object_id", "inburgeraar_id",
               "result", "origin", "details")
    nieuw = insert(events).values({c: bindparam(f"e_{c}", type_=events.c[c].type) for c in columns}) \
        .returning(events.c.id).cte("nieuw")
    rows = pg_arrays.unnested([("inburgeraar_id", [], Integer())])
    return insert(shown).add_cte(nieuw).from_select(
        ["audit_event_id", "inburgeraar_id"],
        select(nieuw.c.id, rows.c.inburgeraar_id).select_from(nieuw).join(rows, true()))


class _PgEvents:
    """`planned_each`'s events on PostgreSQL: calling it writes them; another statement of the same transaction may
    write them instead, as its data-modifying CTE (`pg_events_cte`, with `pg_events_parameters`)."""

    __slots__ = ("parameters", "session")

    def __init__(self, session: Session, parameters: dict[str, Any]) -> None:
        self.session = session
        self.parameters = parameters

    def __call__(self) -> None:
        # The events may name objects still pending in the session (as the ORM insert's autoflush wrote them).
        self.session.flush()
        self.session.connection().execute(_pg_insert_each(), self.parameters)


def pg_events_parameters(planned: Callable[[], None]) -> dict[str, Any] | None:
    """The parameters of planned events (`planned_many`, `planned_each`) for a statement that writes them with
    `pg_events_cte`; None when they cannot be written so (not PostgreSQL, or no events): then call them."""
    return planned.parameters if isinstance(planned, _PgEvents) else None


@lru_cache(maxsize=1)
def pg_events_cte() -> Any:
    """`planned_each`'s INSERT as a data-modifying CTE ("audit_events"), for a statement that writes planned events
    with its own work in one round trip (PostgreSQL runs such a CTE once, to completion, referenced or not)."""
    return _pg_insert_each().cte("audit_events")


@lru_cache(maxsize=1)
def _pg_insert_each() -> Any:
    """`planned_each`'s INSERT … SELECT over the unnested object ids, inburgeraar ids and details (parameters
    arr_<column>), the columns all events share bound as e_<column>. Built once: building it and its cache key per
    call cost a grid save about 0.25 ms, more than the insert itself."""
    table = AuditEvent.__table__
    common = ("actor_id", "api_client_id", "action", "object_type", "result", "origin", "occurred_at")
    unnest = pg_arrays.unnested([("object_id", [], Text()), ("inburgeraar_id", [], Integer()),
                                 ("details", [], Text())])
    constants = [bindparam(f"e_{name}", type_=table.c[name].type).label(name) for name in common]
    return insert(table).from_select(
        [*common, "object_id", "inburgeraar_id", "details"],
        select(*constants, unnest.c.object_id, unnest.c.inburgeraar_id, cast(unnest.c.details, JSON)),
    )


class AuditAppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(Session, "before_flush")
def _forbid_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Audit events are evidence: the ORM refuses to update or delete them."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent | AuditGezien):
            raise AuditAppendOnlyError("Audit events kunnen niet worden gewijzigd of verwijderd.")
