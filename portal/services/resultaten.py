"""Results: exam results per DUO's Examen enumerations and the end results of the onderwijsroute, MAP, PVT
and Z-route (DUO's MAP/PVT/Z-route data). A result ends or updates the verwijzing's status.

DUO is the source of truth for exam results; a provider reports what it knows and every record names its
source. Re-submitting the same result is a no-op; a different outcome for the same exam is a correction
whose old and new values are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, selectinload

from portal import access, audit, clock, events
from portal.audit import AuditActie
from portal.domain import examens
from portal.models import (
    Afschalingsverzoek,
    Examenresultaat,
    Inburgeraar,
    OmstandighedenMelding,
    RouteResultaat,
    User,
    Verwijzing,
)
from portal.models.enums import AANBIEDER_ROLLEN, Leerroute, Onderdeel, VerwijzingStatus
from portal.models.resultaat import (
    AfschalingStatus,
    BereiktNiveau,
    Examenniveau,
    Examenonderdeel,
    Examenuitslag,
    JaNee,
    RedenGeenResultaat,
    ResultaatBron,
    TaalschakelResultaat,
)
from portal.services import Errors, NotAllowed, Raw, ValidationError, statements
from portal.services.afschaling import goedgekeurde_onderdelen
from portal.services.history import apply_changes, record_or_correct
from portal.services.registraties import (
    check_accepts_registrations,
    check_may_register,
    datum_in_periode,
    periode_start,
)
from portal.services.validation import FieldError, parse_choice, parse_past_date, zinsbegin

ROUTE_ONDERDELEN = (
    Onderdeel.ONDERWIJSROUTE, Onderdeel.MAP, Onderdeel.PVT, Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE,
)


# --- inputs -------------------------------------------------------------------------------------

@dataclass
class ExamenresultaatInput:
    """One exam part result with DUO's codes (onderdeel KNM/LE/LU/SC/SP, niveau, resultaat, reden)."""

    onderdeel: Raw = None
    niveau: Raw = None
    resultaat: Raw = None
    examendatum: Raw = None
    reden_geen_resultaat: Raw = None


@dataclass
class RouteResultaatInput:
    """The end result of an onderwijsroute, MAP, PVT or Z-route traject; only the onderdeel's own fields count."""

    taalschakel_resultaat: Raw = None
    datum_taalschakel_resultaat: Raw = None
    datum_eindgesprek_map: Raw = None
    datum_ondertekening_pvt: Raw = None
    verwijtbaar: Raw = None
    datum_afronding_z_route: Raw = None
    bereikt_niveau: Raw = None


# --- exam results ---------------------------------------------------------------------------------

def register_examenresultaat(
    session: Session, actor: User, verwijzing: Verwijzing, data: ExamenresultaatInput, *, today: date | None = None
) -> Examenresultaat:
    """Record an exam part result on a B1-route verwijzing: by its provider (bron aanbieder, dated within the
    traject) or by gemeente staff copying DUO's result (bron DUO)."""
    today = today or clock.today()
    if actor.rol in AANBIEDER_ROLLEN:
        check_may_register(actor, verwijzing)
        bron = ResultaatBron.AANBIEDER
    elif access.may_enter_duo_results(actor):
        bron = ResultaatBron.DUO
    else:
        raise NotAllowed("Deze rol kan geen examenresultaten registreren.")
    check_accepts_registrations(verwijzing)
    if verwijzing.onderdeel is not Onderdeel.B1_ROUTE:
        raise ValidationError({"verwijzing": "Examenresultaten horen bij een verwijzing voor de B1-route."})
    errors = Errors()
    if bron is ResultaatBron.AANBIEDER:
        start = periode_start(session, verwijzing)
        examendatum = errors.run("examendatum", lambda: datum_in_periode(
            data.examendatum, verwijzing, start, today, label="de examendatum", subject="De examendatum"))
    else:
        examendatum = errors.run("examendatum", lambda: parse_past_date(
            data.examendatum, today, label="de examendatum", subject="De examendatum"))
    return _store_examenresultaat(session, actor, verwijzing.inburgeraar, verwijzing, bron, examendatum, data, errors)


def _store_examenresultaat(
    session: Session, actor: User, inburgeraar: Inburgeraar, verwijzing: Verwijzing | None, bron: ResultaatBron,
    examendatum: date | None, data: ExamenresultaatInput, errors: Errors,
) -> Examenresultaat:
    onderdeel = errors.run("onderdeel", lambda: parse_choice(Examenonderdeel, data.onderdeel,
                                                             "Kies het examenonderdeel."))
    # DUO's own results may lack a niveau (Examen.openapi.yml); a provider always says which exam it was.
    niveau = errors.run("niveau", lambda: parse_choice(Examenniveau, data.niveau, "Kies het niveau: A2, B1 of B2.",
                                                       required=bron is not ResultaatBron.DUO))
    resultaat = errors.run("resultaat", lambda: parse_choice(
        Examenuitslag, data.resultaat, "Kies het resultaat: geslaagd, gezakt of geen resultaat."))
    reden = errors.run("reden_geen_resultaat", lambda: parse_choice(
        RedenGeenResultaat, data.reden_geen_resultaat, "Kies de reden waarom er geen resultaat is.",
        required=resultaat is Examenuitslag.GEEN))
    if reden is not None and resultaat in (Examenuitslag.GESLAAGD, Examenuitslag.GEZAKT):
        errors.add("reden_geen_resultaat", "Een reden hoort alleen bij 'geen resultaat'. Laat dit veld leeg.")
    errors.raise_if_any()

    key = (Examenresultaat.inburgeraar_id == inburgeraar.id, Examenresultaat.onderdeel == onderdeel,
           Examenresultaat.niveau == niveau, Examenresultaat.examendatum == examendatum,
           Examenresultaat.bron == bron)
    bestaand = session.scalar(select(Examenresultaat).where(*key))
    if bestaand is not None and verwijzing is not None and bestaand.verwijzing_id not in (None, verwijzing.id):
        raise ValidationError({"onderdeel": "Dit examenresultaat staat al bij een andere verwijzing."})
    changes: dict[str, Any] = {"resultaat": resultaat, "reden_geen_resultaat": reden}
    if verwijzing is not None:
        changes["verwijzing_id"] = verwijzing.id
    uitslag, nieuw, gewijzigd = record_or_correct(
        session, actor, bestaand,
        lambda: Examenresultaat(
            inburgeraar_id=inburgeraar.id, verwijzing=verwijzing, onderdeel=onderdeel, niveau=niveau,
            resultaat=resultaat, reden_geen_resultaat=reden, examendatum=examendatum, bron=bron,
            geregistreerd_door_id=actor.id,
        ),
        changes, object_type="examenresultaat", inburgeraar_id=inburgeraar.id,
    )
    if not gewijzigd:
        return uitslag  # the same result again: nothing to do
    actie = AuditActie.EXAMENRESULTAAT_GEREGISTREERD if nieuw else AuditActie.EXAMENRESULTAAT_GECORRIGEERD
    details = {"onderdeel": onderdeel.value, "niveau": niveau.value if niveau else None, "resultaat": resultaat.value,
               "bron": bron.value, "velden": ["resultaat"] if nieuw else gewijzigd}
    audit.record(session, actor, actie, object_type="examenresultaat", object_id=uitslag.id,
                 inburgeraar=inburgeraar, details=details)
    _update_b1_status(session, actor, inburgeraar)
    events.emit(session, events.DomainEvent(
        kind=events.EXAMENRESULTAAT, inburgeraar_id=inburgeraar.id, actor=actor,
        verwijzing_id=verwijzing.id if verwijzing else None, object_id=uitslag.id, details=details,
    ))
    return uitslag


def vereist_niveau(
    session: Session, inburgeraar: Inburgeraar, goedgekeurd: set[Examenonderdeel] | None = None,
) -> dict[Examenonderdeel, Examenniveau]:
    """The level each exam part must be passed at: the PIP niveau, A2 for parts lowered by an approved
    afschalingsverzoek (DUO's PIP holds one niveau; the approved parts say which parts that change was for).
    `goedgekeurd`: those approved parts, when the caller already has every afschalingsverzoek of the inburgeraar.
    The PIP in force (portal.domain.pip.van_kracht, as the KPIs read it): a withdrawn PIP requires nothing."""
    pip = inburgeraar.pip_van_kracht
    if pip is None or pip.leerroute is not Leerroute.B:
        return {}
    if goedgekeurd is None:
        goedgekeurd = goedgekeurde_onderdelen(session, inburgeraar.id)
    return examens.vereist_niveau(pip.leerroute, pip.niveau, goedgekeurd)


def examen_behaald(session: Session, inburgeraar: Inburgeraar) -> bool:
    """Whether every exam part has been passed at (at least) its required level, by any source."""
    vereist = vereist_niveau(session, inburgeraar)
    geslaagd = session.execute(
        select(Examenresultaat.onderdeel, Examenresultaat.niveau).where(
            Examenresultaat.inburgeraar_id == inburgeraar.id, Examenresultaat.resultaat == Examenuitslag.GESLAAGD
        )
    ).all()
    return bool(vereist) and all(
        any(o == onderdeel and examens.voldoet(n, niveau) for o, n in geslaagd)
        for onderdeel, niveau in vereist.items()
    )


def _update_b1_status(session: Session, actor: User, inburgeraar: Inburgeraar) -> None:
    """All parts passed ends the B1-route verwijzingen; a correction that undoes that reopens them. Without a
    B1-route PIP in force (withdrawn, or another leerroute) there is no level to judge by: statuses stay."""
    if not vereist_niveau(session, inburgeraar, set()):
        return
    behaald = examen_behaald(session, inburgeraar)
    verwijzingen = session.scalars(select(Verwijzing).where(
        Verwijzing.inburgeraar_id == inburgeraar.id, Verwijzing.onderdeel == Onderdeel.B1_ROUTE))
    for verwijzing in verwijzingen:
        if behaald and verwijzing.status.is_open:
            _set_status(session, actor, verwijzing, VerwijzingStatus.AFGEROND)
        elif not behaald and verwijzing.status is VerwijzingStatus.AFGEROND:
            _set_status(session, actor, verwijzing, VerwijzingStatus.GESTART)


# --- route results --------------------------------------------------------------------------------

def register_routeresultaat(
    session: Session, actor: User, verwijzing: Verwijzing, data: RouteResultaatInput, *, today: date | None = None
) -> RouteResultaat:
    """Record the end result of an onderwijsroute, MAP, PVT or Z-route verwijzing; again means a correction.

    Dates are not in the future, not before the traject or the inburgeringstermijn started; they may lie after
    the uiterste einddatum, because finishing late is what DUO's `verwijtbaar` (only asked once the term
    has been exceeded) is about.
    """
    today = today or clock.today()
    check_may_register(actor, verwijzing)
    check_accepts_registrations(verwijzing)
    if verwijzing.onderdeel not in ROUTE_ONDERDELEN:
        raise ValidationError({"verwijzing": f"Voor {verwijzing.onderdeel.label} wordt geen eindresultaat "
                                             "geregistreerd."})
    errors = Errors()
    start = periode_start(session, verwijzing)
    termijn = verwijzing.inburgeraar.termijn_start
    start = max(start, termijn) if termijn else start

    def datum(name: str, label: str, subject: str) -> date | None:
        return errors.run(name, lambda: datum_in_periode(
            getattr(data, name), verwijzing, start, today, label=label, subject=subject, tot_einde=False))

    velden: dict[str, Any] = {}
    onderdeel = verwijzing.onderdeel
    if onderdeel is Onderdeel.ONDERWIJSROUTE:
        velden["taalschakel_resultaat"] = errors.run("taalschakel_resultaat", lambda: parse_choice(
            TaalschakelResultaat, data.taalschakel_resultaat, "Kies of het taalschakeltraject is behaald."))
        velden["datum_taalschakel_resultaat"] = datum(
            "datum_taalschakel_resultaat", "de datum van het resultaat", "De datum van het resultaat")
    elif onderdeel in (Onderdeel.MAP, Onderdeel.PVT):
        veld = "datum_eindgesprek_map" if onderdeel is Onderdeel.MAP else "datum_ondertekening_pvt"
        label = "de datum van het eindgesprek" if onderdeel is Onderdeel.MAP else "de datum van ondertekening"
        velden[veld] = datum(veld, label, zinsbegin(label))
        velden["verwijtbaar"] = errors.run("verwijtbaar", lambda: _verwijtbaar(
            data.verwijtbaar, velden[veld], verwijzing.inburgeraar))
    else:
        velden["datum_afronding_z_route"] = datum(
            "datum_afronding_z_route", "de datum van afronding", "De datum van afronding")
        velden["bereikt_niveau"] = errors.run("bereikt_niveau", lambda: parse_choice(
            BereiktNiveau, data.bereikt_niveau, "Kies het bereikte taalniveau."))
    errors.raise_if_any()

    resultaat, nieuw, gewijzigd = record_or_correct(
        session, actor, session.scalar(select(RouteResultaat).where(RouteResultaat.verwijzing_id == verwijzing.id)),
        lambda: RouteResultaat(verwijzing=verwijzing, inburgeraar_id=verwijzing.inburgeraar_id,
                               geregistreerd_door_id=actor.id, **velden),
        velden, object_type="route_resultaat", inburgeraar_id=verwijzing.inburgeraar_id,
    )
    if not gewijzigd:
        return resultaat
    actie = AuditActie.ROUTERESULTAAT_GEREGISTREERD if nieuw else AuditActie.ROUTERESULTAAT_GECORRIGEERD
    details = {"verwijzing_id": verwijzing.id, "onderdeel": onderdeel.value,
               "velden": sorted(gewijzigd) if nieuw else gewijzigd}
    audit.record(session, actor, actie, object_type="route_resultaat", object_id=resultaat.id,
                 inburgeraar=verwijzing.inburgeraar_id, details=details)
    if verwijzing.status.is_open:
        _set_status(session, actor, verwijzing, VerwijzingStatus.AFGEROND)
    events.emit(session, events.DomainEvent(
        kind=events.ROUTE_RESULTAAT, inburgeraar_id=verwijzing.inburgeraar_id, actor=actor,
        verwijzing_id=verwijzing.id, object_id=resultaat.id, details=details,
    ))
    return resultaat


def _verwijtbaar(raw: Raw, datum: date | None, inburgeraar: Inburgeraar) -> JaNee | None:
    """DUO asks whether finishing late was culpable only when the inburgeringstermijn has been exceeded."""
    einde = inburgeraar.inburgeringstermijn_einde
    overschreden = datum is not None and einde is not None and datum > einde
    waarde = parse_choice(JaNee, raw, "Kies of de overschrijding van de inburgeringstermijn verwijtbaar is.",
                   required=overschreden)
    if waarde is not None and not overschreden and datum is not None:
        raise FieldError("Verwijtbaar vult u alleen in als de inburgeringstermijn is overschreden. "
                         "Laat dit veld leeg.")
    return waarde


# --- status and reads ------------------------------------------------------------------------------

def _set_status(session: Session, actor: User, verwijzing: Verwijzing, status: VerwijzingStatus) -> None:
    changed = apply_changes(session, actor, verwijzing, {"status": status}, object_type="verwijzing",
                            inburgeraar_id=verwijzing.inburgeraar_id)
    if changed:
        audit.record(session, actor, AuditActie.STATUS_GEWIJZIGD, object_type="verwijzing", object_id=verwijzing.id,
                     inburgeraar=verwijzing.inburgeraar_id, details={"status": status.value})


@dataclass
class Registraties:
    """What a user may see of the registrations about one inburgeraar (or one verwijzing)."""

    examenresultaten: list[Examenresultaat] = field(default_factory=list)
    vereist: dict[Examenonderdeel, Examenniveau] = field(default_factory=dict)
    routeresultaten: list[RouteResultaat] = field(default_factory=list)
    afschalingsverzoeken: list[Afschalingsverzoek] = field(default_factory=list)
    omstandigheden: list[OmstandighedenMelding] = field(default_factory=list)

    @property
    def examenresultaat_met_niveau(self) -> list[Examenresultaat]:
        """The results the grid can place; one of DUO's without a niveau shows in the timeline only."""
        return [r for r in self.examenresultaten if r.niveau is not None]

    def raster(self) -> dict[Examenonderdeel, dict[Examenniveau, list[Examenresultaat]]]:
        """Exam results as a grid of onderdelen × niveaus, newest exam first per cell."""
        grid = {o: {n: [] for n in Examenniveau} for o in Examenonderdeel}
        for uitslag in sorted(self.examenresultaat_met_niveau, key=lambda r: (r.examendatum, r.id), reverse=True):
            grid[uitslag.onderdeel][uitslag.niveau].append(uitslag)
        return grid


def routeresultaat_van(session: Session, user: User, verwijzing: Verwijzing) -> RouteResultaat | None:
    """The registered end result of a verwijzing, if the user may see it."""
    return session.scalar(access.route_resultaten(user).where(RouteResultaat.verwijzing_id == verwijzing.id))


def registraties_van(
    session: Session, user: User, inburgeraar: Inburgeraar, *, verwijzing: Verwijzing | None = None,
    zonder: Collection[type] = (),
) -> Registraties:
    """Exam and route results, afschalingsverzoeken and omstandigheden the user may see (the caller records the
    read of its page with audit.record_read). `zonder`: those of these models the inburgeraar has no row of at all,
    when the caller read that already (the case page, with the case: portal.services.dossier.open_case); their
    statements are left out, as they would find nothing."""
    params = {"inburgeraar_id": inburgeraar.id, "verwijzing_id": verwijzing.id if verwijzing is not None else None}

    def scoped(scope: Callable[..., Select[Any]], model: Any, *options: Callable[[], Any]) -> list[Any]:
        if model in zonder:
            return []
        def build() -> Select[Any]:
            # The scope narrowed to this inburgeraar (portal.access): not every verwijzing in the user's gemeenten.
            query = scope(user, inburgeraar_id=bindparam("inburgeraar_id"))
            if verwijzing is not None:
                query = query.where(model.verwijzing_id == bindparam("verwijzing_id"))
            return query.options(*(option() for option in options)).order_by(model.id.desc())

        # Built once per user (portal.services.statements): the case page opens these for every case.
        name = f"registraties.{model.__name__}.{verwijzing is not None}"
        return list(session.scalars(statements.per_user(name, user, build), params))

    if verwijzing is None or Examenresultaat in zonder:
        examenresultaten = scoped(access.examenresultaten, Examenresultaat)
    else:
        # On a verwijzing's page: every result of its inburgeraar, whatever its source or verwijzing (a provider
        # must see DUO's official results too); the scope is that verwijzing's (portal.access).
        examenresultaten = list(session.scalars(statements.per_user(
            "registraties.Examenresultaat.bij_verwijzing", user,
            lambda: access.examenresultaten_bij_verwijzing(user, bindparam("verwijzing_id"))
            .order_by(Examenresultaat.id.desc())), {"verwijzing_id": verwijzing.id}))
    routeresultaten = scoped(access.route_resultaten, RouteResultaat)
    # Their onderdelen in one more statement, not one per verzoek when the page and the timeline list them. The
    # option is made only when the statement is built (once per user): making it cost ~25 µs on every case page.
    verzoeken = scoped(access.afschalingsverzoeken, Afschalingsverzoek,
                       lambda: selectinload(Afschalingsverzoek.onderdeel_regels))
    goedgekeurd = None
    if verwijzing is None and access.sees_every_afschalingsverzoek(user):
        # Every verzoek of the inburgeraar is loaded: the approved parts need no statement of their own.
        goedgekeurd = {regel.onderdeel for v in verzoeken if v.status is AfschalingStatus.GOEDGEKEURD
                       for regel in v.onderdeel_regels}
    return Registraties(
        examenresultaten=examenresultaten,
        vereist=vereist_niveau(session, inburgeraar, goedgekeurd),
        routeresultaten=routeresultaten,
        afschalingsverzoeken=verzoeken,
        omstandigheden=scoped(access.omstandigheden, OmstandighedenMelding),
    )
