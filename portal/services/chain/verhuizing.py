"""The verhuizing: a move to another gemeente, the hand-over dossier and the decisions on open verwijzingen.

Besluit inburgering 9.4 lid 4 (quoted in 003 §4.2.4): the old college gives the new one the PIP, the
voortgang and the handhaving. From the date of the move the new gemeente has the case; the old gemeente keeps
read access to its own period only, through this dossier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portal import access, audit, clock
from portal.audit import AuditActie
from portal.domain import duo_uren
from portal.domain.duo_uren import DuoUrenSoort
from portal.models import (
    Contract,
    ContractOnderdeel,
    Gemeente,
    Handhaving,
    Inburgeraar,
    Pip,
    User,
    Verhuizing,
    VerhuizingVerwijzing,
    Verwijzing,
    VerwijzingBesluit,
    contract_gemeente,
)
from portal.models.base import utcnow
from portal.models.enums import OPEN_STATUSSEN, VerwijzingStatus
from portal.models.resultaat import Examenresultaat, RouteResultaat, Voortgangsrapportage
from portal.services import Errors, NotAllowed, Raw, ValidationError
from portal.services.chain import uren, woonplaats
from portal.services.validation import parse_choice, parse_id, parse_past_date


@dataclass
class VerhuizingInput:
    """A move as entered: the new gemeente and the first day there (the BRP date of the move)."""

    naar_gemeente_id: Raw = None
    datum: Raw = None


@dataclass
class BesluitInput:
    """The new gemeente's decision on an open verwijzing: end it, or continue under a contract."""

    besluit: Raw = None
    contract_id: Raw = None


def register(
    session: Session, actor: User, inburgeraar: Inburgeraar, data: VerhuizingInput, *, today: date | None = None
) -> Verhuizing:
    """Register a move; the new gemeente has the case from `datum`, open verwijzingen await its decision.

    The caller loaded the inburgeraar through the actor's scope, so the actor works for the old gemeente.
    """
    today = today or clock.today()
    errors = Errors()
    naar_id = parse_id(data.naar_gemeente_id)
    naar = session.get(Gemeente, naar_id) if naar_id is not None else None
    if naar is None:
        errors.add("naar_gemeente_id", "Kies de gemeente waar de inburgeraar nu woont.")
    elif naar.id == inburgeraar.gemeente_id:
        errors.add("naar_gemeente_id", "Dit is de gemeente waar de inburgeraar al woont. Kies de nieuwe gemeente.")
    # The BRP registers a move once it happened: a future date would hand the case over too early.
    datum = errors.run("datum", lambda: parse_past_date(
        data.datum, today, label="de datum van de verhuizing", subject="De datum van de verhuizing"))
    vorige = woonplaats.verhuizingen(session, inburgeraar.id)
    periode_van = vorige[-1].datum if vorige else None
    if datum is not None and periode_van is not None and datum <= periode_van:
        errors.add("datum", f"De vorige verhuizing was op {periode_van:%d-%m-%Y}. Vul een latere datum in.")
    # A move out on or before the day the person came would leave the old gemeente no period of its own: its
    # presence, costs and DUO hours would all pass to the new gemeente.
    inschrijving = inburgeraar.datum_brp_inschrijving
    if datum is not None and inschrijving is not None and datum <= inschrijving:
        errors.add("datum", f"De inburgeraar is in de BRP ingeschreven op {inschrijving:%d-%m-%Y}. "
                            "Vul een datum van de verhuizing na die dag in.")
    errors.raise_if_any()
    assert datum is not None and naar is not None

    verhuizing = Verhuizing(
        inburgeraar_id=inburgeraar.id, van_gemeente_id=inburgeraar.gemeente_id, naar_gemeente_id=naar.id,
        periode_van=periode_van, datum=datum, gestart_door_id=actor.id,
    )
    open_ = session.scalars(
        select(Verwijzing).where(Verwijzing.inburgeraar_id == inburgeraar.id, Verwijzing.status.in_(OPEN_STATUSSEN))
        .order_by(Verwijzing.beoogde_startdatum, Verwijzing.id)
    )
    verhuizing.verwijzingen = [VerhuizingVerwijzing(verwijzing_id=v.id) for v in open_]
    session.add(verhuizing)
    # The gemeente of today follows the history in the same transaction (see woonplaats).
    inburgeraar.gemeente = naar
    if inburgeraar.klantregisseur is not None and naar.id not in inburgeraar.klantregisseur.gemeente_ids:
        inburgeraar.klantregisseur = None  # the new gemeente assigns its own klantregisseur
    session.flush()
    audit.record(session, actor, AuditActie.VERHUIZING_GEREGISTREERD, object_type="verhuizing",
                 object_id=verhuizing.id, inburgeraar=inburgeraar,
                 details={"van": verhuizing.van_gemeente_id, "naar": naar.id, "datum": datum.isoformat()})
    return verhuizing


def contracten_voor_voortzetten(session: Session, regel: VerhuizingVerwijzing) -> list[Contract]:
    """Contracts of the same aanbieder, for the same onderdeel, that cover the new gemeente and still run."""
    verwijzing = regel.verwijzing
    verhuizing = regel.verhuizing
    covers = exists().where(
        contract_gemeente.c.contract_id == Contract.id, contract_gemeente.c.gemeente_id == verhuizing.naar_gemeente_id
    )
    has_onderdeel = exists().where(
        ContractOnderdeel.contract_id == Contract.id, ContractOnderdeel.onderdeel == verwijzing.onderdeel
    )
    return list(session.scalars(
        select(Contract).where(
            Contract.aanbieder_id == verwijzing.aanbieder_id, covers, has_onderdeel,
            Contract.startdatum <= verhuizing.datum, Contract.einddatum >= verhuizing.datum,
        ).order_by(Contract.naam)
    ))


def geen_voortzetting(regel: VerhuizingVerwijzing) -> str:
    """Why the verwijzing cannot be continued, when no contract qualifies (contracten_voor_voortzetten)."""
    verwijzing, verhuizing = regel.verwijzing, regel.verhuizing
    return (f"Voortzetten kan niet: {verwijzing.aanbieder.naam} heeft geen contract voor het onderdeel "
            f"{verwijzing.onderdeel.label} dat {verhuizing.naar_gemeente.naam} dekt en op de verhuisdatum "
            f"({verhuizing.datum:%d-%m-%Y}) loopt. Beëindig de verwijzing.")


def besluiten_mogelijk(contracten: list[Contract]) -> list[VerwijzingBesluit]:
    """The decisions that can be carried out: continuing needs a contract from contracten_voor_voortzetten."""
    return list(VerwijzingBesluit) if contracten else [VerwijzingBesluit.BEEINDIGD]


def decide(session: Session, actor: User, regel: VerhuizingVerwijzing, data: BesluitInput) -> VerhuizingVerwijzing:
    """Record the new gemeente's decision on one verwijzing that was open at the move."""
    if not access.may_decide_verhuizing(actor, regel.verhuizing):
        raise NotAllowed
    if regel.besluit is not None:
        raise ValidationError({"besluit": "Over deze verwijzing is al besloten."})
    errors = Errors()
    besluit = errors.run("besluit", lambda: parse_choice(
        VerwijzingBesluit, data.besluit, "Kies of de verwijzing eindigt of doorloopt."))
    contract = None
    if besluit is VerwijzingBesluit.VOORGEZET:
        contract_id = parse_id(data.contract_id)
        toegestaan = {c.id: c for c in contracten_voor_voortzetten(session, regel)}
        contract = toegestaan.get(contract_id) if contract_id is not None else None
        if not toegestaan:
            errors.add("besluit", geen_voortzetting(regel))
        elif contract is None:
            errors.add("contract_id", "Kies een contract van deze aanbieder dat de nieuwe gemeente dekt. "
                       "Is er geen, beëindig de verwijzing dan.")
    errors.raise_if_any()
    verwijzing = regel.verwijzing
    regel.besluit = besluit
    regel.besloten_door_id = actor.id
    regel.besloten_op = utcnow()
    if besluit is VerwijzingBesluit.BEEINDIGD:
        if verwijzing.status.is_open:
            verwijzing.status = VerwijzingStatus.INGETROKKEN
    else:
        assert contract is not None
        regel.contract_id = contract.id
        verwijzing.contract_id = contract.id
    session.flush()
    audit.record(session, actor, AuditActie.VERHUIZING_VERWIJZING_BESLOTEN, object_type="verwijzing",
                 object_id=verwijzing.id, inburgeraar=verwijzing.inburgeraar_id,
                 details={"besluit": str(besluit), "contract": regel.contract_id})
    return regel


# --- the hand-over dossier -------------------------------------------------------------------------

@dataclass
class Overdrachtsdossier:
    """What the old gemeente hands over: its own period only (up to the day before the move)."""

    verhuizing: Verhuizing
    tot: date
    pips: list[Pip] = field(default_factory=list)
    voortgang: list[Voortgangsrapportage] = field(default_factory=list)
    examens: list[Examenresultaat] = field(default_factory=list)
    routeresultaten: list[RouteResultaat] = field(default_factory=list)
    uren: dict[DuoUrenSoort, int] = field(default_factory=dict)
    uren_exact: dict[DuoUrenSoort, Any] = field(default_factory=dict)
    # None: not for this reader (handhaving is the klantregisseur's and beheerder's, access.may_see_handhaving).
    handhaving: list[Any] | None = field(default_factory=list)
    open_verwijzingen: list[VerhuizingVerwijzing] = field(default_factory=list)
    # The reader, when known: providers' free text about the person (belemmeringen) as access.reden_voor shows it.
    lezer: User | None = None

    def belemmeringen(self, rapport: Voortgangsrapportage) -> str | None:
        """A progress report's belemmeringen as this dossier's reader may see them."""
        if self.lezer is None:
            return rapport.belemmeringen
        return access.reden_voor(self.lezer, rapport.belemmeringen, "Belemmeringen")

    def ingetrokken_per(self, pip: Pip) -> date | None:
        """The date this PIP version was withdrawn, when that was within the old gemeente's period."""
        intrekking = getattr(pip, "intrekking", None)
        return intrekking.datum if intrekking is not None and intrekking.datum <= self.tot else None

    def as_json(self, *, met_besluiten: bool) -> dict[str, Any]:
        """The dossier as JSON (dates ISO, hours as text with two decimals); decisions only for the new gemeente."""
        v = self.verhuizing
        return {
            "verhuizing": {
                "van_gemeente": {"cbs_code": v.van_gemeente.cbs_code, "naam": v.van_gemeente.naam},
                "naar_gemeente": {"cbs_code": v.naar_gemeente.cbs_code, "naam": v.naar_gemeente.naam},
                "periode_van": v.periode_van.isoformat() if v.periode_van else None,
                "periode_tot": self.tot.isoformat(),
                "datum_verhuizing": v.datum.isoformat(),
            },
            "inburgeraar": {
                "bsn": v.inburgeraar.bsn, "doelgroep": str(v.inburgeraar.doelgroep),
                "datum_kennisgeving": _iso(v.inburgeraar.datum_kennisgeving),
            },
            "pip_versies": [
                {"versie": p.versie, "dagtekening": p.dagtekening.isoformat(), "leerroute": str(p.leerroute),
                 "niveau": str(p.niveau) if p.niveau else None, "reden_wijziging": p.reden_wijziging,
                 "ingetrokken_per": _iso(self.ingetrokken_per(p))}
                for p in self.pips
            ],
            "voortgang": [
                {"verwijzing": r.verwijzing.kenmerk, "peildatum": r.peildatum.isoformat(),
                 "voortgang": r.voortgang, "motivatie": r.motivatie, "belemmeringen": self.belemmeringen(r)}
                for r in self.voortgang
            ],
            "examenresultaten": [
                {"onderdeel": str(e.onderdeel), "niveau": str(e.niveau) if e.niveau else None,
                 "resultaat": str(e.resultaat), "examendatum": e.examendatum.isoformat()}
                for e in self.examens
            ],
            "routeresultaten": [
                {"verwijzing": r.verwijzing.kenmerk, "onderdeel": str(r.verwijzing.onderdeel),
                 "datum_eindgesprek_map": _iso(r.datum_eindgesprek_map),
                 "datum_ondertekening_pvt": _iso(r.datum_ondertekening_pvt),
                 "datum_afronding_z_route": _iso(r.datum_afronding_z_route),
                 "verwijtbaar": str(r.verwijtbaar) if r.verwijtbaar else None}
                for r in self.routeresultaten
            ],
            "gevolgde_uren": {str(soort): {"uren": f"{self.uren_exact[soort]:.2f}", "duo_waarde": waarde}
                              for soort, waarde in self.uren.items()},
            **({"handhaving": [h.as_json() for h in self.handhaving]} if self.handhaving is not None else {}),
            "open_verwijzingen": [
                {"kenmerk": r.verwijzing.kenmerk, "onderdeel": str(r.verwijzing.onderdeel),
                 "aanbieder": r.verwijzing.aanbieder.naam,
                 **({"besluit": str(r.besluit) if r.besluit else None} if met_besluiten else {})}
                for r in self.open_verwijzingen
            ],
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def dossier(session: Session, verhuizing: Verhuizing, *, met_handhaving: bool = True) -> Overdrachtsdossier:
    """The hand-over dossier of the old gemeente's period (everything dated before the move); the handhaving only
    `met_handhaving`."""
    tot = verhuizing.datum - timedelta(days=1)
    inburgeraar_id = verhuizing.inburgeraar_id
    van = verhuizing.periode_van
    kenmerken = select(Verwijzing.id).where(Verwijzing.inburgeraar_id == inburgeraar_id)
    in_period = (lambda col: (col <= tot) & (col >= van)) if van else (lambda col: col <= tot)
    result = Overdrachtsdossier(verhuizing=verhuizing, tot=tot)
    result.pips = list(session.scalars(
        select(Pip).where(Pip.inburgeraar_id == inburgeraar_id, Pip.dagtekening <= tot).order_by(Pip.versie)))
    result.voortgang = list(session.scalars(
        select(Voortgangsrapportage).where(Voortgangsrapportage.verwijzing_id.in_(kenmerken),
                                           in_period(Voortgangsrapportage.peildatum))
        .order_by(Voortgangsrapportage.peildatum)))
    result.examens = list(session.scalars(
        select(Examenresultaat).where(Examenresultaat.inburgeraar_id == inburgeraar_id,
                                      in_period(Examenresultaat.examendatum))
        .order_by(Examenresultaat.examendatum)))
    result.routeresultaten = [
        r for r in session.scalars(select(RouteResultaat).where(RouteResultaat.inburgeraar_id == inburgeraar_id))
        if any(d is not None and d <= tot and (van is None or d >= van) for d in (
            r.datum_eindgesprek_map, r.datum_ondertekening_pvt, r.datum_afronding_z_route,
            r.datum_taalschakel_resultaat))
    ]
    exact = uren.tellers(session, inburgeraar_id, verhuizing.van_gemeente_id, tot=tot)
    result.uren_exact = exact
    result.uren = {soort: duo_uren.duo_waarde(waarde) for soort, waarde in exact.items()}
    result.handhaving = _handhaving(session, verhuizing, tot) if met_handhaving else None
    result.open_verwijzingen = list(verhuizing.verwijzingen)
    return result


def _handhaving(session: Session, verhuizing: Verhuizing, tot: date) -> list[Handhaving]:
    """Warnings and fines the old gemeente imposed in its period (Besluit 9.4 lid 4 c: uitgevoerde handhaving)."""
    query = select(Handhaving).where(Handhaving.inburgeraar_id == verhuizing.inburgeraar_id,
                                     Handhaving.gemeente_id == verhuizing.van_gemeente_id, Handhaving.datum <= tot)
    if verhuizing.periode_van is not None:
        query = query.where(Handhaving.datum >= verhuizing.periode_van)
    return list(session.scalars(query.order_by(Handhaving.datum)))


def read(session: Session, actor: User, verhuizing: Verhuizing) -> Overdrachtsdossier:
    """The dossier for a user of the old or the new gemeente (the handhaving and providers' belemmeringen only for
    who may see them); one audit event per read."""
    audit.record_read(session, actor, verhuizing.inburgeraar_id, object_type="verhuizing", object_id=verhuizing.id,
                      action=AuditActie.OVERDRACHTSDOSSIER_BEKEKEN)
    inhoud = dossier(session, verhuizing, met_handhaving=access.may_see_handhaving(actor))
    inhoud.lezer = actor
    return inhoud


