"""The handhaving register: record a waarschuwing or boete the gemeente decided, within its beleid's amounts.

The portal records decisions; it does not make them. It checks what the law and the gemeente's beleid bound
(the maximum per overtreding, €2,400 per termijn by default) and suggests the escalation step as a hint only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit, clock
from portal.audit import AuditActie
from portal.domain import afronding, termijnen
from portal.formatting import euro
from portal.models import Inburgeraar, Presentie, User, Verwijzing
from portal.models.handhaving import Handhaving, HandhavingBeleid, HandhavingGrond, HandhavingSoort
from portal.services import Errors, Raw
from portal.services.validation import (
    is_empty,
    parse_bedrag_cent,
    parse_choice,
    parse_past_date,
    parse_text,
    parse_whole_number,
)


@dataclass
class HandhavingInput:
    """A waarschuwing or boete as entered; the amount in euros as text ("250" or "1.234,50")."""

    soort: Raw = None
    grond: Raw = None
    datum: Raw = None
    verwijtbaarheid_pct: Raw = None
    bedrag: Raw = None
    kenmerk: Raw = None
    toelichting: Raw = None
    presentie_ids: list[Raw] = field(default_factory=list)


def parse_euro_cent(raw: Raw, *, label: str = "het bedrag") -> int | None:
    """An amount in euros (Dutch notation: "250", "2.400,00", "€ 250") as integer cents; None for empty input."""
    return None if is_empty(raw) else parse_bedrag_cent(raw, label=label)


# 003 §3.2.6: the law's maxima; a gemeente's beleid may be stricter, never higher (CHECKs on handhaving_beleid).
WETTELIJK_MAX_BREDE_INTAKE_CENT = 25000
WETTELIJK_MAX_PIP_CENT = 80000
WETTELIJK_MAX_PER_TERMIJN_CENT = 240000


def standaard_beleid(gemeente_id: int) -> HandhavingBeleid:
    """The law's maxima, no waarschuwing first, no escalation: what a gemeente without its own beleid uses."""
    return HandhavingBeleid(gemeente_id=gemeente_id, max_brede_intake_cent=WETTELIJK_MAX_BREDE_INTAKE_CENT,
                            max_pip_cent=WETTELIJK_MAX_PIP_CENT, max_per_termijn_cent=WETTELIJK_MAX_PER_TERMIJN_CENT,
                            waarschuwing_eerst=False, escalatie_cent=[])


def beleid_voor(session: Session, gemeente_id: int) -> HandhavingBeleid:
    """The gemeente's amounts; the defaults of 003 §3.2.6 when it set none."""
    beleid = session.scalar(select(HandhavingBeleid).where(HandhavingBeleid.gemeente_id == gemeente_id))
    return beleid or standaard_beleid(gemeente_id)


def max_bedrag(beleid: HandhavingBeleid, grond: HandhavingGrond) -> int:
    """The highest fine for one overtreding on this ground."""
    return beleid.max_brede_intake_cent if grond is HandhavingGrond.BREDE_INTAKE else beleid.max_pip_cent


def boetes_in_termijn(session: Session, inburgeraar: Inburgeraar) -> int:
    """Cents of fines already imposed in the current inburgeringstermijn (all of them before the first PIP)."""
    query = select(func.coalesce(func.sum(Handhaving.bedrag_cent), 0)).where(
        Handhaving.inburgeraar_id == inburgeraar.id, Handhaving.soort == HandhavingSoort.BOETE)
    if inburgeraar.termijn_start is not None:
        query = query.where(Handhaving.datum >= inburgeraar.termijn_start)
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class Voorstel:
    """The next step the gemeente's beleid gives for one ground: a waarschuwing, or a boete of this amount."""

    soort: HandhavingSoort
    bedrag_cent: int = 0

    @property
    def tekst(self) -> str:
        return "een waarschuwing" if self.soort is HandhavingSoort.WAARSCHUWING else euro(self.bedrag_cent)


def escalatie_stap(beleid: HandhavingBeleid, grond: HandhavingGrond, eerdere_boetes: int) -> int:
    """The base amount of the next boete on this ground: the escalation step (the last one repeats) for PIP
    overtredingen, else the maximum; never above the maximum per overtreding."""
    hoogste = max_bedrag(beleid, grond)
    stappen = beleid.escalatie_cent or []
    if grond is not HandhavingGrond.PIP_VERPLICHTING or not stappen:
        return hoogste
    return min(hoogste, stappen[min(eerdere_boetes, len(stappen) - 1)])


def voorstel(session: Session, inburgeraar: Inburgeraar, grond: HandhavingGrond, verwijtbaarheid_pct: int) -> Voorstel:
    """The beleid's next step on this ground, the amount times the verwijtbaarheid and within the room left in
    the termijn: a hint, never a decision."""
    beleid = beleid_voor(session, inburgeraar.gemeente_id)
    eerdere = dict(session.execute(
        select(Handhaving.soort, func.count()).where(Handhaving.inburgeraar_id == inburgeraar.id,
                                                     Handhaving.grond == grond).group_by(Handhaving.soort)).all())
    if beleid.waarschuwing_eerst and not eerdere:
        return Voorstel(HandhavingSoort.WAARSCHUWING)
    basis = escalatie_stap(beleid, grond, eerdere.get(HandhavingSoort.BOETE, 0))
    bedrag = afronding.cent(Decimal(basis) * verwijtbaarheid_pct / 100)
    ruimte = beleid.max_per_termijn_cent - boetes_in_termijn(session, inburgeraar)
    return Voorstel(HandhavingSoort.BOETE, max(0, min(bedrag, ruimte)))


def register(
    session: Session, actor: User, inburgeraar: Inburgeraar, data: HandhavingInput, *, today: date | None = None
) -> Handhaving:
    """Record a decided waarschuwing or boete of the inburgeraar's gemeente, with presentie as evidence."""
    today = today or clock.today()
    errors = Errors()
    soort = errors.run("soort", lambda: parse_choice(HandhavingSoort, data.soort, "Kies waarschuwing of boete."))
    grond = errors.run("grond", lambda: parse_choice(HandhavingGrond, data.grond, "Kies de grond."))
    datum = errors.run("datum", lambda: parse_past_date(
        data.datum, today, label="de datum van de beschikking", subject="De datum van de beschikking"))
    pct = errors.run("verwijtbaarheid_pct", lambda: parse_whole_number(
        data.verwijtbaarheid_pct, label="de verwijtbaarheid (procent)", minimum=0, maximum=100,
        required=soort is HandhavingSoort.BOETE))
    bedrag = errors.run("bedrag", lambda: parse_euro_cent(data.bedrag))
    kenmerk = errors.run("kenmerk", lambda: parse_text(data.kenmerk, "het kenmerk", required=False, max_length=40,
                                                       single_line=True))
    toelichting = errors.run("toelichting", lambda: parse_text(data.toelichting, "de toelichting", required=False,
                                                               max_length=2000))
    # No PIP obligation can be broken before the PIP; dated on or before its dagtekening, a boete would also fall
    # outside the termijn and escape its maximum (boetes_in_termijn).
    eerste = inburgeraar.eerste_dagtekening
    if grond is HandhavingGrond.PIP_VERPLICHTING and datum is not None and eerste is not None and datum <= eerste:
        errors.add("datum", f"Het eerste PIP heeft dagtekening {eerste:%d-%m-%Y}. Een maatregel wegens een "
                            "verplichting uit het PIP heeft een latere datum.")
    # The brede intake comes after the inburgeringsplicht starts: its term counts from DUO's kennisgeving or the BRP
    # registration, whichever is later (the PIP deadline's start), so no-one missed it before that day.
    intake_start = termijnen.pip_startmoment(inburgeraar.datum_kennisgeving, inburgeraar.datum_brp_inschrijving)
    if grond is HandhavingGrond.BREDE_INTAKE and datum is not None and intake_start is not None \
            and datum < intake_start:
        errors.add("datum", f"De termijn voor de brede intake begint op {intake_start:%d-%m-%Y}: de datum van "
                            "de kennisgeving van DUO of van de inschrijving in de BRP, de latere van de twee. Een "
                            "maatregel wegens de brede intake heeft die datum of een latere.")
    if soort is HandhavingSoort.WAARSCHUWING and bedrag is not None:
        errors.add("bedrag", "Een waarschuwing heeft geen bedrag. Laat het bedrag leeg of kies boete.")
    if soort is HandhavingSoort.BOETE and grond is not None and "bedrag" not in errors.errors:
        beleid = beleid_voor(session, inburgeraar.gemeente_id)
        if bedrag is None or bedrag <= 0:
            errors.add("bedrag", "Vul het bedrag van de boete in.")
        elif bedrag > max_bedrag(beleid, grond):
            errors.add("bedrag", f"Het bedrag is hoger dan het maximum voor deze grond "
                       f"({euro(max_bedrag(beleid, grond))}). Controleer het bedrag in de beschikking.")
        else:
            al = boetes_in_termijn(session, inburgeraar)
            if al + bedrag > beleid.max_per_termijn_cent:
                errors.add("bedrag", f"Samen met de eerdere boetes in deze termijn ({euro(al)}) komt dit boven het "
                           f"maximum van {euro(beleid.max_per_termijn_cent)} per termijn. "
                           f"Er is nog {euro(beleid.max_per_termijn_cent - al)} ruimte.")
    ids = {int(raw) for raw in data.presentie_ids if str(raw).strip().isdigit()}
    bewijs = list(session.scalars(
        select(Presentie).join(Verwijzing, Verwijzing.id == Presentie.verwijzing_id)
        .where(Presentie.id.in_(ids), Verwijzing.inburgeraar_id == inburgeraar.id)
    )) if ids else []
    if len(bewijs) != len(ids):
        errors.add("presentie_ids", "Kies als bewijs alleen presentie van deze inburgeraar.")
    errors.raise_if_any()
    row = Handhaving(inburgeraar_id=inburgeraar.id, gemeente_id=inburgeraar.gemeente_id, soort=soort, grond=grond,
                     datum=datum, verwijtbaarheid_pct=pct, bedrag_cent=bedrag, kenmerk=kenmerk,
                     toelichting=toelichting, vastgelegd_door_id=actor.id, bewijs=bewijs)
    session.add(row)
    session.flush()
    audit.record(session, actor, AuditActie.HANDHAVING_VASTGELEGD, object_type="handhaving", object_id=row.id,
                 inburgeraar=inburgeraar, details={"soort": soort.value, "grond": grond.value,
                                                   "bedrag_cent": bedrag, "bewijs": len(bewijs)})
    return row
