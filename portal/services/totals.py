"""Derived hour totals per inburgeraar, always recomputed from the presentie rows with SQL aggregates.

Nothing here is stored: DUO's counters, the hour norms and attendance percentages follow from the sessions,
so a correction of one session corrects every total at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal import access
from portal.models import Inburgeraar, Presentie, User, Verwijzing
from portal.models.enums import Doelgroep, Onderdeel
from portal.models.traject import Activiteit

PERIODE_RECENT_DAGEN = 28
DUO_MAX = 9999  # DUO's GevolgdeUren are whole numbers 0–9999
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Norm:
    """Hours realised against a legal minimum (MAP praktijk 40, PVT 12, Z-route 800 + 800)."""

    label: str
    uren: Decimal
    norm: int

    @property
    def percentage(self) -> int:
        """Share of the norm reached, capped at 100."""
        return min(100, int(self.uren * 100 / self.norm)) if self.norm else 0

    @property
    def behaald(self) -> bool:
        return self.uren >= self.norm


@dataclass(frozen=True)
class DuoTeller:
    """One of DUO's running hour counters (GevolgdeUren), sent to DUO as a whole number."""

    label: str
    uren: Decimal

    @property
    def duo_waarde(self) -> int:
        """Whole hours followed, rounded down and capped at DUO's maximum."""
        return min(DUO_MAX, int(self.uren))


@dataclass
class Totalen:
    """All derived totals of one inburgeraar, within what the viewing user may see."""

    duo_tellers: list[DuoTeller] = field(default_factory=list)
    normen: list[Norm] = field(default_factory=list)
    uren_aanwezig: Decimal = _ZERO
    uren_afwezig_geoorloofd: Decimal = _ZERO
    uren_afwezig_ongeoorloofd: Decimal = _ZERO
    presentie_recent: Decimal | None = None
    presentie_traject: Decimal | None = None
    recent_vanaf: date | None = None
    heeft_registraties: bool = False


def attendance_percentage(aanwezig: Decimal, afwezig: Decimal) -> Decimal | None:
    """Attendance = hours present / (hours present + hours absent, geoorloofd and ongeoorloofd) × 100,
    to one decimal; None when no hours were planned (nothing present and nothing absent)."""
    planned = aanwezig + afwezig
    if planned <= 0:
        return None
    return (aanwezig * 100 / planned).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else _ZERO


def for_inburgeraar(session: Session, user: User, inburgeraar: Inburgeraar, today: date | None = None) -> Totalen:
    """Totals over the verwijzingen of this inburgeraar that the user may see (a provider: only its own)."""
    scoped = access.verwijzingen(user).where(Verwijzing.inburgeraar_id == inburgeraar.id)
    return _totals(session, scoped, inburgeraar.doelgroep, today or date.today())


def for_verwijzing(session: Session, user: User, verwijzing: Verwijzing, today: date | None = None) -> Totalen:
    """Totals of one verwijzing in the user's scope."""
    scoped = access.verwijzingen(user).where(Verwijzing.id == verwijzing.id)
    return _totals(session, scoped, verwijzing.inburgeraar.doelgroep, today or date.today())


def _totals(session: Session, scoped: Any, doelgroep: Doelgroep, today: date) -> Totalen:
    ids = scoped.with_only_columns(Verwijzing.id)
    onderdelen = set(session.scalars(scoped.with_only_columns(Verwijzing.onderdeel).distinct()))
    since = today - timedelta(days=PERIODE_RECENT_DAGEN - 1)
    afwezig = Presentie.uren_afwezig_geoorloofd + Presentie.uren_afwezig_ongeoorloofd
    recent = Presentie.datum >= since
    query = (
        select(
            Verwijzing.onderdeel, Presentie.activiteit,
            func.sum(Presentie.uren_aanwezig), func.sum(Presentie.uren_afwezig_geoorloofd),
            func.sum(Presentie.uren_afwezig_ongeoorloofd),
            func.sum(case((recent, Presentie.uren_aanwezig), else_=0)),
            func.sum(case((recent, afwezig), else_=0)),
        )
        .join(Verwijzing, Verwijzing.id == Presentie.verwijzing_id)
        .where(Presentie.verwijzing_id.in_(ids))
        .group_by(Verwijzing.onderdeel, Presentie.activiteit)
    )
    per_activiteit: dict[Activiteit, Decimal] = {a: _ZERO for a in Activiteit}
    z_taal = _ZERO
    result = Totalen(recent_vanaf=since)
    recent_aanwezig = recent_afwezig = _ZERO
    for onderdeel, activiteit, aanwezig, geoorloofd, ongeoorloofd, r_aanwezig, r_afwezig in session.execute(query):
        result.heeft_registraties = True
        aanwezig = _dec(aanwezig)
        per_activiteit[activiteit] += aanwezig
        if onderdeel is Onderdeel.Z_ROUTE_TAAL and activiteit is Activiteit.TAALLES_KNM:
            z_taal += aanwezig
        result.uren_aanwezig += aanwezig
        result.uren_afwezig_geoorloofd += _dec(geoorloofd)
        result.uren_afwezig_ongeoorloofd += _dec(ongeoorloofd)
        recent_aanwezig += _dec(r_aanwezig)
        recent_afwezig += _dec(r_afwezig)
    result.presentie_traject = attendance_percentage(
        result.uren_aanwezig, result.uren_afwezig_geoorloofd + result.uren_afwezig_ongeoorloofd
    )
    result.presentie_recent = attendance_percentage(recent_aanwezig, recent_afwezig)
    result.duo_tellers = [
        DuoTeller("Taalles en KNM bij de cursusinstelling", per_activiteit[Activiteit.TAALLES_KNM]),
        DuoTeller("Taalles en KNM tijdens de brede intake", per_activiteit[Activiteit.BREDE_INTAKE]),
        DuoTeller("Participatieactiviteiten Z-route", per_activiteit[Activiteit.PARTICIPATIE]),
    ]
    if Onderdeel.MAP in onderdelen:
        result.normen.append(Norm("MAP praktijkdeel", per_activiteit[Activiteit.MAP_PRAKTIJK], 40))
    if Onderdeel.PVT in onderdelen:
        result.normen.append(Norm("PVT", per_activiteit[Activiteit.PVT], 12))
    if Onderdeel.Z_ROUTE_TAAL in onderdelen:
        result.normen.append(Norm("Z-route taal", z_taal, 800))
    if Onderdeel.Z_ROUTE_PARTICIPATIE in onderdelen and doelgroep is Doelgroep.ASIELSTATUSHOUDER:
        result.normen.append(Norm("Z-route participatie", per_activiteit[Activiteit.PARTICIPATIE], 800))
    return result


def taalles_knm_uren(session: Session, inburgeraar_id: int) -> Decimal:
    """All taalles+KNM hours present at cursusinstellingen for one inburgeraar, across every verwijzing.

    Deliberately not scoped to the asking provider: the 600-hour threshold for afschaling counts every
    lesuur the inburgeraar followed, also before a switch of route or provider (Besluit art. 5.5).
    """
    total = session.scalar(
        select(func.sum(Presentie.uren_aanwezig))
        .join(Verwijzing, Verwijzing.id == Presentie.verwijzing_id)
        .where(Verwijzing.inburgeraar_id == inburgeraar_id, Presentie.activiteit == Activiteit.TAALLES_KNM)
    )
    return _dec(total)
