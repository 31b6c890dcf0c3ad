"""Declaraties: the aanbieder-beheerder submits, the contractmanager decides per regel, the aanbieder re-declares.

Also the small read functions other features use: how many declaraties wait for a contractmanager (start page)
and the decisions on regels (the API feed). Every step is audited; decisions reach the aanbieder as a melding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, case, func, select, update
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from portal.services.billing.derive import RunResult

from portal import access, audit
from portal.audit import AuditActie
from portal.formatting import euro
from portal.models import Contract, Declaratie, DeclaratieRegel, Melding, MeldingSoort, Prestatie, User
from portal.models.base import utcnow
from portal.models.billing import Afwijsreden, DeclaratieStatus, RegelStatus
from portal.models.enums import Rol
from portal.services import NotAllowed, Raw, ValidationError
from portal.services.billing import kosten_totalen
from portal.services.billing.locking import lock_contract
from portal.services.billing.rules import Periode, periode_uit_code
from portal.services.validation import FieldError, parse_choice, parse_text

_IN_LIMIT = 5000  # ids per IN list (SQLite's variable limit)

# --- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totalen:
    """Sums of a declaratie's regels in euro cents (credit regels count negative)."""

    regels: int
    ingediend: int
    goedgekeurd: int
    afgewezen: int
    open: int
    met_bevindingen_open: int

    @property
    def beoordeeld(self) -> int:
        return self.regels - self.open


def totalen(session: Session, declaratie: Declaratie) -> Totalen:
    """The declaratie's totals, one aggregate over its own regels."""
    status = DeclaratieRegel.status
    row = session.execute(
        select(
            func.count(DeclaratieRegel.id),
            func.coalesce(func.sum(DeclaratieRegel.bedrag_cent), 0),
            func.coalesce(func.sum(case((status == RegelStatus.GOEDGEKEURD, DeclaratieRegel.bedrag_cent), else_=0)), 0),
            func.coalesce(func.sum(case((status == RegelStatus.AFGEWEZEN, DeclaratieRegel.bedrag_cent), else_=0)), 0),
            func.coalesce(func.sum(case((status == RegelStatus.INGEDIEND, 1), else_=0)), 0),
            func.coalesce(func.sum(case(((status == RegelStatus.INGEDIEND) & DeclaratieRegel.bevindingen.is_not(None),
                                         1), else_=0)), 0),
        ).where(DeclaratieRegel.declaratie_id == declaratie.id)
    ).one()
    return Totalen(*(int(v) for v in row))


def regels(declaratie: Declaratie) -> Select[tuple[DeclaratieRegel]]:
    """The regels of a declaratie in a stable order: inburgeraar, indicator, periode, debet before its credit."""
    return (select(DeclaratieRegel).join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id)
            .where(DeclaratieRegel.declaratie_id == declaratie.id)
            .order_by(Prestatie.inburgeraar_id, Prestatie.indicator_id, Prestatie.periode, DeclaratieRegel.id))


# Submitted, not yet every regel decided: the start page's count and the list's filter "Wacht op beoordeling".
WACHT_OP_BEOORDELING = (DeclaratieStatus.INGEDIEND, DeclaratieStatus.IN_BEHANDELING)


def te_beoordelen(user: User) -> Select[tuple[Declaratie]]:
    """Declaraties in the user's scope that wait for a decision (submitted, not yet every regel decided)."""
    return access.declaraties(user).where(Declaratie.status.in_(WACHT_OP_BEOORDELING))


def te_beoordelen_count(session: Session, user: User) -> int:
    """How many declaraties wait for this contractmanager: for the start page ("declaraties te beoordelen")."""
    if user.rol is not Rol.CONTRACTMANAGER:
        return 0
    return session.scalar(te_beoordelen(user).with_only_columns(func.count(Declaratie.id)).order_by(None)) or 0


@dataclass(frozen=True)
class Besluit:
    """One decided regel, as the API feed and exports report it (no names or BSNs)."""

    declaratienummer: str
    regel_id: int
    status: RegelStatus
    afwijsreden: Afwijsreden | None
    toelichting: str | None
    bedrag_cent: int
    beoordeeld_op: datetime | None


def besluiten(session: Session, user: User, sinds: datetime | None = None) -> list[Besluit]:
    """Decisions on regels of declaraties in the user's scope, oldest first (optionally only those after `sinds`)."""
    query = (select(Declaratie.nummer, DeclaratieRegel.id, DeclaratieRegel.status, DeclaratieRegel.afwijsreden,
                    DeclaratieRegel.toelichting, DeclaratieRegel.bedrag_cent, DeclaratieRegel.beoordeeld_op)
             .join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
             .where(Declaratie.id.in_(access.declaraties(user).with_only_columns(Declaratie.id)),
                    DeclaratieRegel.status != RegelStatus.INGEDIEND)
             .order_by(DeclaratieRegel.beoordeeld_op, DeclaratieRegel.id))
    if sinds is not None:
        query = query.where(DeclaratieRegel.beoordeeld_op > sinds)
    return [Besluit(*row) for row in session.execute(query)]


# --- the aanbieder submits ---------------------------------------------------------------------------------

def submit(session: Session, actor: User, declaratie: Declaratie, today: date) -> Declaratie:
    """Submit a concept declaratie after its periode ended; it is frozen from then on."""
    if not access.may_submit_declaratie(actor, declaratie):
        raise NotAllowed
    lock_contract(session, declaratie.contract_id)  # no run adds regels after they were counted as declared
    if declaratie.status is not DeclaratieStatus.CONCEPT:
        raise ValidationError({"declaratie": "Deze declaratie is al ingediend en kan niet opnieuw worden ingediend."})
    if declaratie.periode_tot >= today:
        raise ValidationError({"declaratie": (
            f"De periode loopt nog tot en met {declaratie.periode_tot.strftime('%d-%m-%Y')}. "
            "Dien de declaratie in na afloop van de periode.")})
    aantal = session.scalar(select(func.count(DeclaratieRegel.id))
                            .where(DeclaratieRegel.declaratie_id == declaratie.id)) or 0
    if aantal == 0:
        raise ValidationError({"declaratie": "Deze declaratie heeft geen regels; er is niets in te dienen."})
    declaratie.status = DeclaratieStatus.INGEDIEND
    declaratie.ingediend_door_id = actor.id
    declaratie.ingediend_op = utcnow()
    # The termijn that applies to this submission, kept: changing the contract later does not change the finding.
    declaratie.declaratietermijn_dagen = declaratie.contract.declaratietermijn_dagen
    kosten_totalen.ingediend(session, declaratie)
    audit.record(session, actor, AuditActie.DECLARATIE_INGEDIEND, object_type="declaratie", object_id=declaratie.id,
                 details={"nummer": declaratie.nummer, "regels": aantal})
    session.flush()
    return declaratie


def redeclare(session: Session, actor: User, regel: DeclaratieRegel) -> DeclaratieRegel | None:
    """Declare a rejected regel again after the aanbieder corrected what was wrong: a new regel on the next concept
    declaratie, at what the registrations say now. Returns the new regel (None when nothing is left to declare)."""
    from portal.services.billing.derive import derive

    declaratie = regel.declaratie
    if not access.may_submit_declaratie(actor, declaratie):
        raise NotAllowed
    lock_contract(session, declaratie.contract_id)
    if regel.status is not RegelStatus.AFGEWEZEN or regel.is_credit:
        raise ValidationError({"regel": "Alleen een afgewezen regel kan opnieuw worden gedeclareerd."})
    prestatie = regel.prestatie
    later = session.scalar(select(func.count(DeclaratieRegel.id)).where(
        DeclaratieRegel.prestatie_id == prestatie.id, DeclaratieRegel.id > regel.id)) or 0
    if later or not prestatie.afgewezen:
        raise ValidationError({"regel": "Deze prestatie is al opnieuw gedeclareerd."})
    prestatie.afgewezen = False
    session.flush()
    periode = periode_uit_code(declaratie.periode)
    result = derive(session, declaratie.contract, max(periode, _lopende(declaratie)), actor, opnieuw=[prestatie.id])
    audit.record(session, actor, AuditActie.DECLARATIEREGEL_OPNIEUW, object_type="declaratie_regel",
                 object_id=regel.id, inburgeraar=prestatie.inburgeraar_id,
                 details={"nummer": declaratie.nummer, "nieuwe_regels": result.nieuwe_regels})
    session.flush()
    return session.scalars(select(DeclaratieRegel).where(
        DeclaratieRegel.prestatie_id == prestatie.id, DeclaratieRegel.id > regel.id)).first()


def _lopende(declaratie: Declaratie) -> Periode:
    """The latest periode that has ended: where a re-declared regel goes when its own periode is closed."""
    from portal import clock
    from portal.services.billing.rules import laatst_afgesloten

    return laatst_afgesloten(clock.today(), declaratie.contract.declaratieperiode)


# --- the contractmanager decides ------------------------------------------------------------------------------

@dataclass
class BesluitInput:
    """A decision on one regel as entered: goedkeuren or afwijzen, with a reason (toelichting for 'anders')."""

    besluit: Raw = None
    afwijsreden: Raw = None
    toelichting: Raw = None


def decide(session: Session, actor: User, regel: DeclaratieRegel, data: BesluitInput) -> DeclaratieRegel:
    """Approve or reject one regel with a reason; a regel is decided once."""
    declaratie = regel.declaratie
    if not access.may_decide_declaratie(actor, declaratie):
        raise NotAllowed
    lock_contract(session, declaratie.contract_id)  # a colleague's decision on this regel came first: refused below
    _check_open(declaratie, regel)
    errors: dict[str, str] = {}
    besluit = (data.besluit or "").strip() if isinstance(data.besluit, str) else data.besluit
    reden = toelichting = None
    if besluit not in (RegelStatus.GOEDGEKEURD.value, RegelStatus.AFGEWEZEN.value):
        errors["besluit"] = "Kies goedkeuren of afwijzen."
    elif besluit == RegelStatus.AFGEWEZEN.value:
        try:
            reden = parse_choice(Afwijsreden, data.afwijsreden, "Kies de reden van afwijzing.")
        except FieldError as exc:
            errors["afwijsreden"] = str(exc)
        try:
            toelichting = parse_text(data.toelichting, "de toelichting", required=reden is Afwijsreden.ANDERS)
        except FieldError as exc:
            errors["toelichting"] = str(exc)
    if errors:
        raise ValidationError(errors)
    _decide(session, actor, regel, RegelStatus(besluit), reden, toelichting)
    if regel.status is RegelStatus.GOEDGEKEURD:
        kosten_totalen.goedgekeurd(session, [regel.id])
    _after_decisions(session, actor, declaratie, 1)
    return regel


def approve_all_clean(session: Session, actor: User, declaratie: Declaratie) -> int:
    """Approve, in one action, every undecided regel without findings; returns how many.

    Set-based: one UPDATE of the regels and one batch of audit events (the same event per regel as `decide`
    writes), then the one melding of `_after_decisions`: a declaratie of thousands of regels is one action."""
    if not access.may_decide_declaratie(actor, declaratie):
        raise NotAllowed
    lock_contract(session, declaratie.contract_id)
    if declaratie.status not in (DeclaratieStatus.INGEDIEND, DeclaratieStatus.IN_BEHANDELING):
        raise ValidationError({"declaratie": "Deze declaratie wacht niet op een beoordeling."})
    session.flush()
    open_schoon = and_(DeclaratieRegel.declaratie_id == declaratie.id, DeclaratieRegel.status == RegelStatus.INGEDIEND,
                       DeclaratieRegel.bevindingen.is_(None))
    schoon = session.execute(
        select(DeclaratieRegel.id, Prestatie.inburgeraar_id, DeclaratieRegel.bedrag_cent)
        .join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id).where(open_schoon)
        .order_by(DeclaratieRegel.id)).all()
    if not schoon:
        raise ValidationError({"declaratie": "Er zijn geen regels zonder bevindingen meer te beoordelen."})
    besloten: set[int] = set()
    nu = utcnow()
    for start in range(0, len(schoon), _IN_LIMIT):
        ids = [row[0] for row in schoon[start:start + _IN_LIMIT]]
        # Only what is still open is decided (a regel is decided once), and only that is audited.
        besloten.update(session.scalars(
            update(DeclaratieRegel).where(DeclaratieRegel.id.in_(ids), open_schoon)
            .values(status=RegelStatus.GOEDGEKEURD, afwijsreden=None, toelichting=None,
                    beoordeeld_door_id=actor.id, beoordeeld_op=nu, updated_at=nu)
            .returning(DeclaratieRegel.id).execution_options(synchronize_session=False)))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, DeclaratieRegel) and obj.id in besloten:
            session.expire(obj)
    kosten_totalen.goedgekeurd(session, besloten)
    audit.record_each(session, actor, AuditActie.DECLARATIEREGEL_BEOORDEELD, object_type="declaratie_regel", rows=[
        (regel_id, inburgeraar_id, {"besluit": RegelStatus.GOEDGEKEURD.value, "reden": None,
                                    "bedrag_cent": bedrag})
        for regel_id, inburgeraar_id, bedrag in schoon if regel_id in besloten])
    _after_decisions(session, actor, declaratie, len(besloten))
    return len(besloten)


def _check_open(declaratie: Declaratie, regel: DeclaratieRegel) -> None:
    # The regel's own state first: its last decision also closes the declaratie, and that is not what happened.
    if regel.status is not RegelStatus.INGEDIEND:
        raise ValidationError({"besluit": "Over deze regel is al besloten; een besluit wordt niet gewijzigd."})
    if declaratie.status not in (DeclaratieStatus.INGEDIEND, DeclaratieStatus.IN_BEHANDELING):
        raise ValidationError({"besluit": "Deze declaratie wacht niet op een beoordeling."})


def _decide(session: Session, actor: User, regel: DeclaratieRegel, status: RegelStatus,
            reden: Afwijsreden | None, toelichting: str | None) -> None:
    regel.status = status
    regel.afwijsreden = reden
    regel.toelichting = toelichting
    regel.beoordeeld_door_id = actor.id
    regel.beoordeeld_op = utcnow()
    if status is RegelStatus.AFGEWEZEN:
        regel.prestatie.afgewezen = True
    audit.record(session, actor, AuditActie.DECLARATIEREGEL_BEOORDEELD, object_type="declaratie_regel",
                 object_id=regel.id, inburgeraar=regel.prestatie.inburgeraar_id,
                 details={"besluit": status.value, "reden": reden.value if reden else None,
                          "bedrag_cent": regel.bedrag_cent})


def _after_decisions(session: Session, actor: User, declaratie: Declaratie, aantal: int) -> None:
    """Move the declaratie on (deels beoordeeld, afgehandeld) and tell the aanbieder."""
    session.flush()
    stand = totalen(session, declaratie)
    if stand.open == 0:
        declaratie.status = DeclaratieStatus.AFGEHANDELD
        declaratie.afgehandeld_op = utcnow()
    else:
        declaratie.status = DeclaratieStatus.IN_BEHANDELING
    tekst = (f"Declaratie {declaratie.nummer}: {stand.beoordeeld} van {stand.regels} regels beoordeeld. "
             f"Goedgekeurd {euro(stand.goedgekeurd)}, afgewezen {euro(stand.afgewezen)}"
             + (", alle regels zijn beoordeeld." if stand.open == 0 else f", nog {stand.open} te beoordelen."))
    notify_aanbieder(session, declaratie.aanbieder_id, tekst, skip=actor, over=declaratie.nummer)
    session.flush()


def notify_aanbieder(session: Session, aanbieder_id: int, tekst: str, skip: User | None = None,
                     over: str | None = None) -> list[Melding]:
    """A melding (and the mail each recipient wants) for the aanbieder-beheerders of an aanbieder; no names or BSNs.

    `over` (a declaratienummer): a recipient's unread melding about the same declaratie is brought up to date
    instead of adding another, so deciding 80 regels one by one makes one melding, not 80.
    """
    from portal.services import mail
    from portal.services.meldingen import base_url

    ontvangers = session.scalars(select(User).where(
        User.aanbieder_id == aanbieder_id, User.rol == Rol.AANBIEDER_BEHEERDER, User.actief.is_(True)))
    created = []
    for user in ontvangers:
        if skip is not None and user.id == skip.id:
            continue
        if over is not None:
            bestaand = session.scalars(select(Melding).where(
                Melding.user_id == user.id, Melding.kind == MeldingSoort.DECLARATIE_BEOORDEELD,
                Melding.read_at.is_(None), Melding.text.startswith(f"Declaratie {over}:", autoescape=True))).first()
            if bestaand is not None:
                bestaand.text = tekst[:500]
                continue
        melding = Melding(user_id=user.id, kind=MeldingSoort.DECLARATIE_BEOORDEELD, inburgeraar_id=None,
                          verwijzing_id=None, text=tekst[:500])
        session.add(melding)
        session.flush()
        mail.mail_meldingen(session, user, [melding], base_url())
        created.append(melding)
    return created


def open_regels(session: Session, ids: Iterable[int]) -> list[DeclaratieRegel]:
    """Undecided regels by id (for a review form that lists several)."""
    return list(session.scalars(select(DeclaratieRegel).where(
        DeclaratieRegel.id.in_(list(ids)), DeclaratieRegel.status == RegelStatus.INGEDIEND)))


def bereken_concepten(session: Session, actor: User, today: date) -> list[tuple[Contract, RunResult]]:
    """Run the billing service for every contract of the actor's aanbieder, up to the last periode that ended:
    the concept declaraties then show what the registrations say (the 'bijwerken' button; also run nightly)."""
    from portal.services.billing.derive import derive
    from portal.services.billing.rules import laatst_afgesloten

    if actor.rol is not Rol.AANBIEDER_BEHEERDER or actor.aanbieder_id is None:
        raise NotAllowed
    results = []
    for contract in session.scalars(access.contracts(actor).order_by(Contract.kenmerk)):
        results.append((contract, derive(session, contract, laatst_afgesloten(today, contract.declaratieperiode),
                                         actor)))
    return results


def in_te_dienen_count(session: Session, user: User, today: date) -> int:
    """Concept declaraties of the aanbieder whose periode has ended and that have regels: ready to submit."""
    if user.rol is not Rol.AANBIEDER_BEHEERDER:
        return 0
    met_regels = select(DeclaratieRegel.id).where(DeclaratieRegel.declaratie_id == Declaratie.id).exists()
    query = access.declaraties(user).where(
        Declaratie.status == DeclaratieStatus.CONCEPT, Declaratie.periode_tot < today, met_regels)
    return session.scalar(query.with_only_columns(func.count(Declaratie.id)).order_by(None)) or 0


def afgewezen_count(session: Session, user: User) -> int:
    """Rejected regels of the aanbieder not declared again yet: the aanbieder corrects and re-declares them."""
    if user.rol is not Rol.AANBIEDER_BEHEERDER:
        return 0
    return session.scalar(
        select(func.count(DeclaratieRegel.id))
        .join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id)
        .where(DeclaratieRegel.declaratie_id.in_(access.declaraties(user).with_only_columns(Declaratie.id)),
               DeclaratieRegel.status == RegelStatus.AFGEWEZEN, DeclaratieRegel.credit_van_regel_id.is_(None),
               Prestatie.afgewezen.is_(True))
    ) or 0
