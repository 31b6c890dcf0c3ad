"""Endpoints for a gemeente's cliëntvolgsysteem (read only): the registrations and signals of its residents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from apiflask import APIBlueprint
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy import Select, select

from portal import access, audit
from portal.api import paging
from portal.api.auth import current_actor, requires
from portal.api.schemas import ListQuery, RegistratiesPage, SignalenPage
from portal.api.views import commit, json_value, register_error_handlers
from portal.extensions import db
from portal.models import Aanbieder, Inburgeraar, Presentie, TrajectStart, User, Verwijzing
from portal.models.resultaat import (
    Afschalingsverzoek,
    Examenresultaat,
    OmstandighedenMelding,
    RouteResultaat,
    Voortgangsrapportage,
)
from portal.services import signalen

bp = APIBlueprint("gemeente", __name__, tag="Gemeente")
register_error_handlers(bp)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Soort(StrEnum):
    """The kinds of registration a gemeente can read."""

    START = "start"
    PRESENTIE = "presentie"
    VOORTGANG = "voortgang"
    OMSTANDIGHEDEN = "omstandigheden"
    AFSCHALING = "afschaling"
    EXAMEN = "examen"
    ROUTE = "route"


# Per kind: the scoped query (portal/access.py) and the model. Registrations name no user of the provider.
SOORTEN: dict[Soort, tuple[Callable[[User], Select[Any]], Any]] = {
    Soort.START: (access.traject_starts, TrajectStart),
    Soort.PRESENTIE: (access.presentie, Presentie),
    Soort.VOORTGANG: (access.voortgangsrapportages, Voortgangsrapportage),
    Soort.OMSTANDIGHEDEN: (access.omstandigheden, OmstandighedenMelding),
    Soort.AFSCHALING: (access.afschalingsverzoeken, Afschalingsverzoek),
    Soort.EXAMEN: (access.examenresultaten, Examenresultaat),
    Soort.ROUTE: (access.route_resultaten, RouteResultaat),
}
_NOT_SHOWN = {"id", "created_at", "updated_at", "inburgeraar_id", "verwijzing_id", "aanbieder_id", "pip_id"}


class SoortPath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    soort: Soort = Field(description="Welke registraties.")


def _gegevens(obj: Any, actor: Any) -> dict[str, Any]:
    """The registration's columns; a provider's free-text reasons as the koppeling may see them (access.reden_voor:
    the gemeente's system reads as gemeente staff, not as the klantregisseur, like health-type omstandigheden)."""
    def waarde(key: str) -> Any:
        value = getattr(obj, key)
        if key in access.VERBORGEN_VELDEN:
            value = access.reden_voor(actor, value, access.VERBORGEN_VELDEN[key])
        return json_value(value)

    return {to_camel(c.key): waarde(c.key) for c in obj.__table__.columns
            if c.key not in _NOT_SHOWN and not c.key.endswith("_door_id")}


@bp.get("/registraties/<soort>")
@requires("registraties:lezen", "gemeente")
@bp.input(SoortPath, location="path", arg_name="path")
@bp.input(ListQuery, location="query", arg_name="query")
@bp.output(RegistratiesPage, description="Registraties van aanbieders over inwoners van uw gemeente.")
@bp.doc(tags=["Gemeente"], summary="Registraties van aanbieders", operation_id="list_registraties",
        description="Per soort, oudste wijziging eerst; met `gewijzigdSinds` alleen wat sindsdien veranderde. "
                    "De vrije tekst van de aanbieder over de persoon (redenAfwezig, redenLatereStart, "
                    "redenNietGestart, belemmeringen) is alleen voor de klantregisseur: hier staat dat hij is "
                    "opgegeven ('Reden opgegeven (alleen zichtbaar voor de klantregisseur)'), zoals meldingen over "
                    "gezondheid hier ontbreken.",
        security=[{"oauth2": ["registraties:lezen"]}])
def list_registraties(soort: str, path: SoortPath, query: ListQuery) -> Any:
    actor = current_actor()
    scoped, model = SOORTEN[path.soort]
    page = paging.keyset_page(db.session, scoped(actor), model.updated_at, model.id,
                              since=query.gewijzigd_sinds, cursor=query.cursor, limit=query.limit)
    verwijzing_ids = {getattr(o, "verwijzing_id", None) for o in page.items} - {None}
    context: dict[int, tuple[int, str, str]] = {}
    if verwijzing_ids:
        rows = db.session.execute(
            select(Verwijzing.id, Inburgeraar.id, Inburgeraar.bsn, Aanbieder.kvk_nummer)
            .join(Inburgeraar, Inburgeraar.id == Verwijzing.inburgeraar_id)
            .join(Aanbieder, Aanbieder.id == Verwijzing.aanbieder_id)
            .where(Verwijzing.id.in_(verwijzing_ids)))
        context = {vid: (iid, bsn, kvk) for vid, iid, bsn, kvk in rows}
    bsns = dict(db.session.execute(select(Inburgeraar.id, Inburgeraar.bsn).where(Inburgeraar.id.in_(
        {o.inburgeraar_id for o in page.items if getattr(o, "inburgeraar_id", None)}))).all())
    items = []
    for obj in page.items:
        vid = getattr(obj, "verwijzing_id", None)
        iid, bsn, kvk = context.get(vid, (None, None, None)) if vid else (None, None, None)
        if iid is None:
            iid = obj.inburgeraar_id
            bsn = bsns[iid]
        items.append({"soort": path.soort.value, "id": obj.id, "verwijzing_id": vid, "inburgeraar_id": iid,
                      "bsn": bsn, "aanbieder_kvk": kvk, "gewijzigd_op": obj.updated_at,
                      "gegevens": _gegevens(obj, actor)})
    if items:
        ids = sorted({i["inburgeraar_id"] for i in items})
        audit.record_shown(db.session, actor, ids, action=audit.AuditActie.BEKEKEN, object_type=path.soort.value,
                           object_id="lijst", details={"inburgeraar_ids": ids})
    commit()
    return {"items": items}, 200, paging.link_header(page)


class SignalenQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False)

    cursor: str | None = Field(None, max_length=200, description="De cursor uit de Link-header.")
    limit: int = Field(100, ge=1, le=500, description="Hoogstens zoveel inburgeraars per pagina.")


@bp.get("/signalen")
@requires("signalen:lezen", "gemeente")
@bp.input(SignalenQuery, location="query", arg_name="query")
@bp.output(SignalenPage, description="Inburgeraars van uw gemeente met hun signalen van vandaag.")
@bp.doc(tags=["Gemeente"], summary="Signalen", operation_id="list_signalen",
        description="De signalen van de caseload van de klantregisseur (zelfde regels en drempels), per "
                    "inburgeraar op volgorde van id; alleen inburgeraars met minstens één signaal. Een reden die "
                    "een aanbieder opgaf (latere start, niet gestart) staat niet in de uitleg: daar staat dat de "
                    "aanbieder een reden heeft opgegeven (alleen zichtbaar voor de klantregisseur).",
        security=[{"oauth2": ["signalen:lezen"]}])
def list_signalen(query: SignalenQuery) -> Any:
    actor = current_actor()
    after = paging.decode_cursor(query.cursor)[1] if query.cursor else 0
    cases = sorted((c for c in signalen.caseload(db.session, actor) if c.signalen and c.id > after),
                   key=lambda c: c.id)
    shown, more = cases[:query.limit], len(cases) > query.limit
    items = [{"inburgeraar_id": c.id, "bsn": c.bsn, "signalen": [
        {"code": s.code, "titel": s.titel, "ernst": s.ernst.name.lower(), "uitleg": s.uitleg,
         "verwijzing_id": s.verwijzing_id} for s in c.signalen]} for c in shown]
    if items:
        ids = [c.id for c in shown]
        audit.record_shown(db.session, actor, ids, action=audit.AuditActie.BEKEKEN, object_type="signalen",
                           object_id="lijst", details={"inburgeraar_ids": ids})
    commit()
    page = paging.Page(shown, paging.encode_cursor(_EPOCH, shown[-1].id) if more and shown else None)
    return {"items": items}, 200, paging.link_header(page)
