"""Keeping the thresholds of the regie signals: per gemeente (functioneel beheerder) and per contract (contractmanager).

The rules themselves live in portal/services/signalen.py and read these rows through `signalen.load_drempels`;
this module only validates and stores them, with an audit event for every change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import access, audit
from portal.audit import AuditActie
from portal.models import Contract, ContractSignaalDrempels, Gemeente, SignaalDrempels, User
from portal.services import NotAllowed, Raw, ValidationError
from portal.services.signalen import Drempels, DrempelTabel, load_drempels
from portal.services.validation import FieldError, parse_whole_number


@dataclass
class GemeenteDrempelsInput:
    """Every threshold of a gemeente, as entered ("80", "80%", 14)."""

    weken_niet_gestart: Raw = None
    dagen_late_start: Raw = None
    aanwezigheid_min_pct: Raw = None
    dagen_geen_presentie: Raw = None
    uren_achterstand_pct: Raw = None
    maanden_termijn_einde: Raw = None
    dagen_map_pvt_deadline: Raw = None
    dagen_afschaling_wachten: Raw = None
    dagen_nieuw: Raw = None


@dataclass
class ContractDrempelsInput:
    """A contract's attendance thresholds; empty means the gemeente's threshold applies."""

    aanwezigheid_min_pct: Raw = None
    dagen_geen_presentie: Raw = None


@dataclass(frozen=True)
class DrempelVeld:
    """One threshold: what the form calls it, what it means, its unit and the values it may take."""

    name: str
    label: str
    uitleg: str
    eenheid: str  # "weken", "dagen", "maanden" or "%"
    minimum: int
    maximum: int

    @property
    def percentage(self) -> bool:
        return self.eenheid == "%"

    def display(self, value: int | None) -> str:
        """A value with its unit, as the screens show it ("80%", "14 dagen")."""
        if value is None:
            return "—"
        if self.percentage:
            return f"{value}%"
        singular = {"weken": "week", "dagen": "dag", "maanden": "maand"}[self.eenheid]
        return f"{value} {singular if value == 1 else self.eenheid}"


# In the order of the rules on the case page; the bounds keep the signals meaningful (a percentage is 0-100,
# a period at most about a year, the inburgeringstermijn is three years).
VELDEN: tuple[DrempelVeld, ...] = (
    DrempelVeld("weken_niet_gestart", "Verwijzing niet gestart na",
                "Signaal als een verwijzing dit aantal weken na de beoogde startdatum nog niet is gestart.",
                "weken", 0, 52),
    DrempelVeld("dagen_late_start", "Late start bij meer dan",
                "Signaal als een traject meer dan dit aantal dagen na de beoogde startdatum is gestart.",
                "dagen", 0, 365),
    DrempelVeld("aanwezigheid_min_pct", "Minimale aanwezigheid",
                "Signaal als de aanwezigheid over de afgelopen 4 weken onder dit percentage van de geplande "
                "uren ligt.", "%", 0, 100),
    DrempelVeld("dagen_geen_presentie", "Geen presentie na",
                "Signaal als bij een lopend traject langer dan dit aantal dagen geen presentie is geregistreerd.",
                "dagen", 1, 365),
    DrempelVeld("uren_achterstand_pct", "Achterstand op de urennorm",
                "Signaal als de gerealiseerde uren meer dan dit percentage achterlopen op het tempo van de norm.",
                "%", 0, 100),
    DrempelVeld("maanden_termijn_einde", "Inburgeringstermijn eindigt binnen",
                "Signaal als de inburgeringstermijn binnen dit aantal maanden eindigt terwijl onderdelen open "
                "staan.", "maanden", 0, 36),
    DrempelVeld("dagen_map_pvt_deadline", "Einddatum MAP of PVT binnen",
                "Signaal als de einddatum van de MAP of PVT binnen dit aantal dagen valt en er nog geen resultaat "
                "is.", "dagen", 0, 365),
    DrempelVeld("dagen_afschaling_wachten", "Afschalingsverzoek wacht",
                "Signaal als een afschalingsverzoek dit aantal dagen op een besluit wacht (0: meteen).",
                "dagen", 0, 365),
    DrempelVeld("dagen_nieuw", "Nieuw gedurende",
                "Zo veel dagen gelden een examenresultaat en gewijzigde omstandigheden als nieuw.",
                "dagen", 0, 365),
)
VELD: dict[str, DrempelVeld] = {veld.name: veld for veld in VELDEN}
# A contract may only agree other attendance thresholds.
CONTRACT_VELDEN: tuple[DrempelVeld, ...] = (VELD["aanwezigheid_min_pct"], VELD["dagen_geen_presentie"])

_LABELS = {"weken": "het aantal weken", "dagen": "het aantal dagen", "maanden": "het aantal maanden",
           "%": "het percentage"}


def parse_drempel(veld: DrempelVeld, raw: object, *, required: bool = True) -> int | None:
    """A threshold as a whole number within its bounds; "80%" and "80 %" are read as 80."""
    if veld.percentage and isinstance(raw, str):
        raw = raw.strip().removesuffix("%").strip()
    return parse_whole_number(raw, label=_LABELS[veld.eenheid], minimum=veld.minimum, maximum=veld.maximum,
                              required=required)


# --- reading ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GemeenteDrempels:
    """The thresholds a gemeente uses now, and the installation defaults it would fall back to."""

    gemeente: Gemeente
    huidig: Drempels
    standaard: Drempels
    eigen: bool  # True when the gemeente has its own row

    def afwijkend(self, name: str) -> bool:
        """Whether this threshold differs from the default."""
        return bool(getattr(self.huidig, name) != getattr(self.standaard, name))


def gemeente_drempels(session: Session, gemeente: Gemeente, tabel: DrempelTabel | None = None) -> GemeenteDrempels:
    """What one gemeente uses, next to the defaults."""
    tabel = tabel or load_drempels(session)
    return GemeenteDrempels(gemeente, tabel.voor(gemeente.id), tabel.standaard, gemeente.id in tabel.per_gemeente)


@dataclass(frozen=True)
class ContractDrempels:
    """A contract's own attendance thresholds (None: the gemeente's apply) and those of its gemeenten."""

    contract: Contract
    aanwezigheid_min_pct: int | None
    dagen_geen_presentie: int | None
    per_gemeente: tuple[tuple[Gemeente, Drempels], ...]


def contract_drempels(session: Session, contract: Contract, tabel: DrempelTabel | None = None) -> ContractDrempels:
    """A contract's overrides and, for comparison, the thresholds of each gemeente it covers."""
    tabel = tabel or load_drempels(session)
    regel = _contract_regel(session, contract)
    return ContractDrempels(
        contract,
        regel.aanwezigheid_min_pct if regel else None,
        regel.dagen_geen_presentie if regel else None,
        tuple((g, tabel.voor(g.id)) for g in contract.gemeenten),
    )


def _gemeente_regel(session: Session, gemeente: Gemeente) -> SignaalDrempels | None:
    return session.scalar(select(SignaalDrempels).where(SignaalDrempels.gemeente_id == gemeente.id))


def _contract_regel(session: Session, contract: Contract) -> ContractSignaalDrempels | None:
    return session.scalar(select(ContractSignaalDrempels).where(ContractSignaalDrempels.contract_id == contract.id))


# --- changing ---------------------------------------------------------------------------------------

def save_gemeente_drempels(
    session: Session, actor: User, gemeente: Gemeente, data: GemeenteDrempelsInput
) -> SignaalDrempels:
    """Validate every threshold of a gemeente and store them; the caller has checked the gemeente is in scope."""
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for veld in VELDEN:
        try:
            value = parse_drempel(veld, getattr(data, veld.name))
        except FieldError as exc:
            errors[veld.name] = str(exc)
        else:
            assert value is not None
            values[veld.name] = value
    if errors:
        raise ValidationError(errors)

    regel = _gemeente_regel(session, gemeente)
    before = gemeente_drempels(session, gemeente).huidig
    if regel is None:
        regel = SignaalDrempels(gemeente_id=gemeente.id)
        session.add(regel)
    for name, value in values.items():
        setattr(regel, name, value)
    session.flush()
    changes = {name: [getattr(before, name), value] for name, value in values.items()
               if getattr(before, name) != value}
    audit.record(session, actor, AuditActie.SIGNAALDREMPELS_GEWIJZIGD, object_type="gemeente", object_id=gemeente.id,
                 details={"wijzigingen": changes})
    return regel


def reset_gemeente_drempels(session: Session, actor: User, gemeente: Gemeente) -> bool:
    """Drop a gemeente's own thresholds so the defaults apply again; False when it had none."""
    regel = _gemeente_regel(session, gemeente)
    if regel is None:
        return False
    session.delete(regel)
    session.flush()
    audit.record(session, actor, AuditActie.SIGNAALDREMPELS_STANDAARD, object_type="gemeente", object_id=gemeente.id)
    return True


def save_contract_drempels(
    session: Session, actor: User, contract: Contract, data: ContractDrempelsInput
) -> ContractSignaalDrempels | None:
    """Store a contract's attendance thresholds; an empty field means the gemeente's threshold applies.

    With both fields empty the contract has no row left (None is returned). The caller has checked scope; the
    thresholds hold for all gemeenten of the contract, so only `access.may_manage_whole_contract` changes them.
    """
    if not access.may_manage_whole_contract(actor, contract):
        raise NotAllowed
    errors: dict[str, str] = {}
    values: dict[str, int | None] = {}
    for veld in CONTRACT_VELDEN:
        try:
            values[veld.name] = parse_drempel(veld, getattr(data, veld.name), required=False)
        except FieldError as exc:
            errors[veld.name] = str(exc)
    if errors:
        raise ValidationError(errors)

    regel = _contract_regel(session, contract)
    before = {name: getattr(regel, name) if regel else None for name in values}
    if all(value is None for value in values.values()):
        if regel is not None:
            session.delete(regel)
        regel = None
    else:
        if regel is None:
            regel = ContractSignaalDrempels(contract_id=contract.id)
            session.add(regel)
        for name, value in values.items():
            setattr(regel, name, value)
    session.flush()
    changes = {name: [before[name], value] for name, value in values.items() if before[name] != value}
    audit.record(session, actor, AuditActie.CONTRACTDREMPELS_GEWIJZIGD, object_type="contract", object_id=contract.id,
                 details={"wijzigingen": changes})
    return regel
