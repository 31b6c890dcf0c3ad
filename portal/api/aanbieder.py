"""Endpoints for a provider's student administration: its verwijzingen, and registrations through the same
service functions as the portal's forms and uploads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apiflask import APIBlueprint
from sqlalchemy import and_, or_, select

from portal import access, audit, clock
from portal.api import paging
from portal.api.auth import current_actor, requires
from portal.api.schemas import (
    AfschalingsverzoekIn,
    BesluitenPage,
    ExamenresultaatIn,
    ListQuery,
    OmstandighedenIn,
    PresentieBulkIn,
    RegistratieOut,
    RouteResultaatIn,
    SaveResultOut,
    StartIn,
    VerwijzingenPage,
    VerwijzingOut,
    VoortgangIn,
)
from portal.api.views import commit, register_error_handlers, validation_problem
from portal.extensions import db
from portal.models import Inburgeraar, TrajectStart, Verwijzing
from portal.models.billing import DeclaratieRegel
from portal.models.resultaat import AfschalingStatus, Afschalingsverzoek
from portal.services import ValidationError, afschaling, from_mapping, presentie, resultaten, traject, voortgang
from portal.services.batch import gc_paused
from portal.services.validation import as_datetime

bp = APIBlueprint("aanbieder", __name__, tag="Aanbieder")
register_error_handlers(bp)


def _security(scope: str) -> dict[str, Any]:
    return {"security": [{"oauth2": [scope]}]}


def _verwijzing_out(v: Verwijzing, start: TrajectStart | None) -> dict[str, Any]:
    i: Inburgeraar = v.inburgeraar
    return {
        "id": v.id, "kenmerk": v.kenmerk, "onderdeel": v.onderdeel.value, "status": v.status.value,
        "gemeente_cbs_code": i.gemeente.cbs_code,
        "beoogde_startdatum": v.beoogde_startdatum, "uiterste_einddatum": v.uiterste_einddatum,
        "gecontracteerde_uren": None if v.gecontracteerde_uren is None else float(v.gecontracteerde_uren),
        "uren_per_week": None if v.uren_per_week is None else float(v.uren_per_week),
        "deelnemer": {"bsn": i.bsn, "voornamen": i.voornamen, "achternaam": i.achternaam,
                      "geboortedatum": i.geboortedatum},
        "start": None if start is None else {
            "gerealiseerde_startdatum": start.gerealiseerde_startdatum,
            "bijgestelde_einddatum": start.bijgestelde_einddatum,
            "niet_gestart": start.niet_gestart, "reden_niet_gestart": start.reden_niet_gestart,
        },
        "gewijzigd_op": v.updated_at,
    }


def _starts(ids: list[int]) -> dict[int, TrajectStart]:
    if not ids:
        return {}
    return {s.verwijzing_id: s for s in db.session.scalars(select(TrajectStart).where(
        TrajectStart.verwijzing_id.in_(ids)))}


@bp.get("/verwijzingen")
@requires("deelnemers:lezen", "aanbieder")
@bp.input(ListQuery, location="query", arg_name="query")
@bp.output(VerwijzingenPage, description="De verwijzingen naar uw organisatie, oudste wijziging eerst.")
@bp.doc(tags=["Aanbieder"], summary="Verwijzingen en deelnemers", operation_id="list_verwijzingen",
        **_security("deelnemers:lezen"))
def list_verwijzingen(query: ListQuery) -> Any:
    actor = current_actor()
    page = paging.keyset_page(db.session, access.verwijzingen(actor), Verwijzing.updated_at, Verwijzing.id,
                              since=query.gewijzigd_sinds, cursor=query.cursor, limit=query.limit)
    starts = _starts([v.id for v in page.items])
    items = [_verwijzing_out(v, starts.get(v.id)) for v in page.items]
    if items:
        ids = sorted({v.inburgeraar_id for v in page.items})
        audit.record_shown(db.session, actor, ids, action=audit.AuditActie.BEKEKEN, object_type="verwijzing",
                           object_id="lijst", details={"inburgeraar_ids": ids})
    commit()
    return {"items": items}, 200, paging.link_header(page)


@bp.get("/verwijzingen/<int:verwijzing_id>")
@requires("deelnemers:lezen", "aanbieder")
@bp.output(VerwijzingOut, description="Eén verwijzing met deelnemer en start.")
@bp.doc(tags=["Aanbieder"], summary="Eén verwijzing", operation_id="get_verwijzing", **_security("deelnemers:lezen"))
def get_verwijzing(verwijzing_id: int) -> Any:
    actor = current_actor()
    verwijzing = access.get_verwijzing_or_404(actor, verwijzing_id)
    audit.record_read(db.session, actor, verwijzing.inburgeraar_id, object_type="verwijzing",
                      object_id=verwijzing.id)
    out = _verwijzing_out(verwijzing, traject.start_of(db.session, verwijzing))
    commit()
    return out


def _own_verwijzing(verwijzing_id: int) -> Verwijzing:
    return access.get_verwijzing_for_registration_or_404(current_actor(), verwijzing_id)


def _register(verwijzing_id: int, body: Any, input_type: type, service: Callable[..., Any], soort: str) -> dict:
    """One registration on an own verwijzing: the body as the service's typed input, the service, one commit."""
    verwijzing = _own_verwijzing(verwijzing_id)
    data = from_mapping(input_type, body.model_dump())
    saved = service(db.session, current_actor(), verwijzing, data, today=clock.today())
    commit()
    return {"soort": soort, "id": saved.id, "verwijzing_id": verwijzing.id}


@bp.put("/verwijzingen/<int:verwijzing_id>/start")
@requires("traject:schrijven", "aanbieder")
@bp.input(StartIn, arg_name="body")
@bp.output(RegistratieOut, description="De start is geregistreerd (of gecorrigeerd).")
@bp.doc(tags=["Aanbieder"], summary="Start of niet gestart registreren", operation_id="register_start",
        **_security("traject:schrijven"))
def register_start(verwijzing_id: int, body: StartIn) -> Any:
    verwijzing = _own_verwijzing(verwijzing_id)
    data = from_mapping(traject.StartInput, body.model_dump(exclude_none=True))
    start = traject.register_start(db.session, current_actor(), verwijzing, data, clock.today())
    commit()
    return {"soort": "traject_start", "id": start.id, "verwijzing_id": verwijzing.id}


@bp.post("/presentie")
@requires("presentie:schrijven", "aanbieder")
# From parsing the body to the answer: 10,000 items' dicts and inputs live until the batch is saved, and the cyclic
# GC would rescan them (and everything older, a full collection costs ~0.1 s) over and over (batch.py).
@gc_paused()
@bp.input(PresentieBulkIn, arg_name="body")
@bp.output(SaveResultOut, description="Alle regels zijn opgeslagen: zoveel nieuw, gewijzigd en ongewijzigd.")
@bp.doc(tags=["Aanbieder"], summary="Presentie registreren, tot 10.000 regels per verzoek",
        description="Idempotent per verwijzing × datum × activiteit: dezelfde regel opnieuw sturen verandert "
                    "niets, andere uren corrigeren de opgeslagen regel (met historie). Alles of niets: bij één "
                    "fout wordt niets opgeslagen en noemt `invalidParams` elke fout als `items[n].veld`.",
        operation_id="upsert_presentie", **_security("presentie:schrijven"))
def upsert_presentie(body: PresentieBulkIn) -> Any:
    make = presentie.PresentieInput
    # Positional, in PresentieInput's field order: half the cost of keywords for 10,000 items.
    inputs = [
        make(n, item["datum"], item["activiteit"], item.get("urenAanwezig"), item.get("urenAfwezigGeoorloofd"),
             item.get("urenAfwezigOngeoorloofd"), item.get("redenAfwezig"), item.get("verwijzingId"),
             item.get("kenmerk"))
        for n, item in enumerate(body.items)
    ]
    try:
        # Streamed: new rows reach PostgreSQL while the rest of the batch is checked; an error rolls back.
        result = presentie.register(db.session, current_actor(), inputs, clock.today(), stream_new=True)
    except ValidationError as error:
        db.rollback()
        return validation_problem(error, items="items")
    commit()
    return {"nieuw": result.nieuw, "gewijzigd": result.gewijzigd, "ongewijzigd": result.ongewijzigd}


@bp.post("/verwijzingen/<int:verwijzing_id>/voortgangsrapportages")
@requires("traject:schrijven", "aanbieder")
@bp.input(VoortgangIn, arg_name="body")
@bp.output(RegistratieOut, status_code=201, description="De rapportage is opgeslagen (dezelfde peildatum "
                                                        "corrigeert de eerdere).")
@bp.doc(tags=["Aanbieder"], summary="Voortgangsrapportage", operation_id="register_voortgang",
        **_security("traject:schrijven"))
def register_voortgang(verwijzing_id: int, body: VoortgangIn) -> Any:
    return _register(verwijzing_id, body, voortgang.VoortgangInput, voortgang.register_voortgang,
                     "voortgangsrapportage")


@bp.post("/verwijzingen/<int:verwijzing_id>/omstandigheden")
@requires("traject:schrijven", "aanbieder")
@bp.input(OmstandighedenIn, arg_name="body")
@bp.output(RegistratieOut, status_code=201, description="De melding is opgeslagen; de klantregisseur krijgt hem.")
@bp.doc(tags=["Aanbieder"], summary="Gewijzigde omstandigheden melden", operation_id="report_omstandigheden",
        **_security("traject:schrijven"))
def report_omstandigheden(verwijzing_id: int, body: OmstandighedenIn) -> Any:
    return _register(verwijzing_id, body, voortgang.OmstandighedenInput, voortgang.report_omstandigheden,
                     "omstandigheden")


@bp.post("/verwijzingen/<int:verwijzing_id>/afschalingsverzoeken")
@requires("traject:schrijven", "aanbieder")
@bp.input(AfschalingsverzoekIn, arg_name="body")
@bp.output(RegistratieOut, status_code=201, description="Het verzoek is ingediend bij de klantregisseur.")
@bp.doc(tags=["Aanbieder"], summary="Afschalingsverzoek indienen", operation_id="submit_afschalingsverzoek",
        **_security("traject:schrijven"))
def submit_afschalingsverzoek(verwijzing_id: int, body: AfschalingsverzoekIn) -> Any:
    return _register(verwijzing_id, body, afschaling.AfschalingsverzoekInput, afschaling.submit_verzoek,
                     "afschalingsverzoek")


@bp.post("/verwijzingen/<int:verwijzing_id>/examenresultaten")
@requires("resultaten:schrijven", "aanbieder")
@bp.input(ExamenresultaatIn, arg_name="body")
@bp.output(RegistratieOut, status_code=201, description="Het examenresultaat is opgeslagen.")
@bp.doc(tags=["Aanbieder"], summary="Examenresultaat registreren", operation_id="register_examenresultaat",
        **_security("resultaten:schrijven"))
def register_examenresultaat(verwijzing_id: int, body: ExamenresultaatIn) -> Any:
    return _register(verwijzing_id, body, resultaten.ExamenresultaatInput, resultaten.register_examenresultaat,
                     "examenresultaat"), 201


@bp.put("/verwijzingen/<int:verwijzing_id>/routeresultaat")
@requires("resultaten:schrijven", "aanbieder")
@bp.input(RouteResultaatIn, arg_name="body")
@bp.output(RegistratieOut, description="Het eindresultaat is opgeslagen (of gecorrigeerd).")
@bp.doc(tags=["Aanbieder"], summary="Eindresultaat van onderwijsroute, MAP, PVT of Z-route",
        operation_id="register_routeresultaat",
        **_security("resultaten:schrijven"))
def register_routeresultaat(verwijzing_id: int, body: RouteResultaatIn) -> Any:
    return _register(verwijzing_id, body, resultaten.RouteResultaatInput, resultaten.register_routeresultaat,
                     "routeresultaat")


@bp.get("/besluiten")
@requires("besluiten:lezen", "aanbieder")
@bp.input(ListQuery, location="query", arg_name="query")
@bp.output(BesluitenPage, description="Besluiten over afschalingsverzoeken en declaratieregels, oudste eerst.")
@bp.doc(tags=["Aanbieder"], summary="Besluiten en meldingen voor de aanbieder",
        description="Besluiten van de klantregisseur over afschalingsverzoeken en van de contractmanager over "
                    "declaratieregels (goedgekeurd, of afgewezen met reden), in één reeks op volgorde van besluit.",
        operation_id="list_besluiten", **_security("besluiten:lezen"))
def list_besluiten(query: ListQuery) -> Any:
    actor = current_actor()
    afschaling = access.afschalingsverzoeken(actor).where(
        Afschalingsverzoek.status.in_((AfschalingStatus.GOEDGEKEURD, AfschalingStatus.AFGEWEZEN)),
        Afschalingsverzoek.besloten_op.is_not(None))
    kinds = [  # (rank in the feed's order, query, when decided)
        (0, afschaling, Afschalingsverzoek.besloten_op, Afschalingsverzoek.id),
        (1, access.besliste_declaratieregels(actor), DeclaratieRegel.beoordeeld_op, DeclaratieRegel.id),
    ]
    page = _merged_page(kinds, since=query.gewijzigd_sinds, cursor=query.cursor, limit=query.limit)
    items = [_besluit(obj) for _rank, obj in page.items]
    if items:
        audit.record_read(db.session, actor, None, object_type="besluiten", object_id="lijst",
                          details={"verwijzing_ids": sorted({i["verwijzing_id"] for i in items})})
    commit()
    return {"items": items}, 200, paging.link_header(page)


def _merged_page(kinds: list[tuple[int, Any, Any, Any]], *, since: datetime | None, cursor: str | None,
                 limit: int) -> paging.Page:
    """One feed over several tables, ordered by (moment, id × kinds + rank): a keyset page per table, merged."""
    n = len(kinds)
    position = paging.decode_cursor(cursor) if cursor else None
    found: list[tuple[datetime, int, int, Any]] = []
    for rank, query, moment, ident in kinds:
        if since is not None:
            query = query.where(moment >= since)
        if position is not None:
            last_moment, seq = position
            query = query.where(or_(moment > last_moment, and_(moment == last_moment, ident > (seq - rank) // n)))
        for obj in db.session.scalars(query.order_by(moment, ident).limit(limit + 1)):
            when = as_datetime(getattr(obj, moment.key))
            assert when is not None
            when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
            found.append((when, obj.id * n + rank, rank, obj))
    found.sort(key=lambda f: (f[0], f[1]))
    shown = found[:limit]
    next_cursor = paging.encode_cursor(shown[-1][0], shown[-1][1]) if len(found) > limit else None
    return paging.Page([(rank, obj) for _w, _s, rank, obj in shown], next_cursor)


def _besluit(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Afschalingsverzoek):
        return {"soort": "afschalingsverzoek", "id": obj.id, "verwijzing_id": obj.verwijzing_id,
                "besluit": obj.status.value, "reden": obj.besluit_reden, "besloten_op": obj.besloten_op}
    reden = None
    if obj.afwijsreden is not None:
        reden = obj.afwijsreden.label + (f": {obj.toelichting}" if obj.toelichting else "")
    return {"soort": "declaratieregel", "id": obj.id, "verwijzing_id": obj.prestatie.verwijzing_id,
            "besluit": obj.status.value, "reden": reden, "besloten_op": obj.beoordeeld_op,
            "declaratie_nummer": obj.declaratie.nummer, "bedrag_cent": obj.bedrag_cent}
