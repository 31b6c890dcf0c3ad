"""Derived hour totals per inburgeraar: DUO's counters, the hour norms and attendance percentages.

They read the kept totals (portal.services.kept_totals, updated in the same transaction as every presentie
write, so a correction of one session corrects every total at once) and, for the attendance window, only the
presentie rows of the last four weeks: the cost does not grow with the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from portal import access, clock
from portal.domain import aanwezigheid, afronding, duo_uren, normen
from portal.models import Inburgeraar, Presentie, PresentieTotaal, User, Verwijzing
from portal.models.enums import Doelgroep, Onderdeel
from portal.models.traject import Activiteit
from portal.services import statements
from portal.services.validation import as_decimal

DUO_MAX = duo_uren.DUO_MAX
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Norm:
    """Hours realised against a legal minimum (MAP praktijk 40, PVT 12, Z-route 800 + 800)."""

    label: str
    uren: Decimal
    norm: int

    @property
    def percentage(self) -> Decimal:
        """Share of the norm reached (one decimal; past 100 beyond the norm)."""
        return normen.aandeel(self.uren, self.norm)

    @property
    def behaald(self) -> bool:
        return self.uren >= self.norm

    @property
    def waarde(self) -> Decimal | int:
        """The bar's value: a <progress> cannot go past its maximum (min() keeps the hours when equal)."""
        return min(self.uren, self.norm)


@dataclass(frozen=True)
class DuoTeller:
    """One of DUO's running hour counters (GevolgdeUren), sent to DUO as a whole number."""

    label: str
    uren: Decimal

    @property
    def duo_waarde(self) -> int:
        """Whole hours followed, rounded down and capped at DUO's maximum."""
        return duo_uren.duo_waarde(self.uren)


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


def for_inburgeraar(session: Session, user: User, inburgeraar: Inburgeraar, today: date | None = None, *,
                    verwijzingen: Sequence[Verwijzing] | None = None,
                    recent: tuple[Decimal, Decimal] | None = None,
                    kept: Iterable[tuple[int, Activiteit, Any, Any, Any]] | None = None) -> Totalen:
    """Totals over the verwijzingen of this inburgeraar that the user may see (a provider: only its own).

    `verwijzingen`: those verwijzingen, when the caller already loaded them through access.verwijzingen(user) (the
    case page); their onderdelen are then not read again. `recent`: the hours present and absent in the attendance
    window (aanwezigheid.venster_start up to today) over those verwijzingen, when the caller has them (the case page,
    from the signals' figures per verwijzing); they are then not summed again. `kept`: the kept totals of those
    verwijzingen, one (verwijzing_id, activiteit, aanwezig, geoorloofd, ongeoorloofd) per PresentieTotaal row, when
    the caller read them (the case page, with its timeline: portal.services.tijdlijn.eerste_pagina); needs
    `verwijzingen`."""
    today = today or clock.today()
    # Built once per user and day (portal.services.statements): the case page asks this for every case.
    queries = statements.per_user("totals.inburgeraar", user, lambda: _queries(
        access.verwijzingen(user).where(Verwijzing.inburgeraar_id == bindparam("totals_id")), today), today)
    kept_rows = None
    if kept is not None:
        assert verwijzingen is not None, "kept totals are added up per onderdeel of the verwijzingen"
        onderdeel = {v.id: v.onderdeel for v in verwijzingen}
        kept_rows = [(onderdeel[v_id], activiteit, *uren) for v_id, activiteit, *uren in kept]
    return _totals(session, queries, {"totals_id": inburgeraar.id}, inburgeraar.doelgroep,
                   inburgeraar.gemeente.zroute_taal_norm_gezinsmigrant, today,
                   None if verwijzingen is None else {v.onderdeel for v in verwijzingen}, recent, kept_rows)


def for_verwijzing(session: Session, user: User, verwijzing: Verwijzing, today: date | None = None) -> Totalen:
    """Totals of one verwijzing in the user's scope."""
    today = today or clock.today()
    queries = _queries(access.verwijzingen(user).where(Verwijzing.id == verwijzing.id), today)
    inburgeraar = verwijzing.inburgeraar
    return _totals(session, queries, {}, inburgeraar.doelgroep, inburgeraar.gemeente.zroute_taal_norm_gezinsmigrant,
                   today)


def _queries(scoped: Any, today: date) -> tuple[Any, Any, Any]:
    """The verwijzingen's onderdelen, their kept totals per onderdeel and activity, and the attendance window."""
    ids = scoped.with_only_columns(Verwijzing.id)
    onderdelen = scoped.with_only_columns(Verwijzing.onderdeel).distinct()
    kept = (
        select(
            Verwijzing.onderdeel, PresentieTotaal.activiteit,
            func.sum(PresentieTotaal.uren_aanwezig), func.sum(PresentieTotaal.uren_afwezig_geoorloofd),
            func.sum(PresentieTotaal.uren_afwezig_ongeoorloofd),
        )
        .join(Verwijzing, Verwijzing.id == PresentieTotaal.verwijzing_id)
        .where(PresentieTotaal.verwijzing_id.in_(ids))
        .group_by(Verwijzing.onderdeel, PresentieTotaal.activiteit)
    )
    recent = select(
        func.sum(Presentie.uren_aanwezig),
        func.sum(Presentie.uren_afwezig_geoorloofd + Presentie.uren_afwezig_ongeoorloofd),
    ).where(Presentie.verwijzing_id.in_(ids), Presentie.datum >= aanwezigheid.venster_start(today))
    return onderdelen, kept, recent


def _totals(session: Session, queries: tuple[Any, Any, Any], params: dict[str, Any], doelgroep: Doelgroep,
            zroute_gezinsmigrant: int | None, today: date, onderdelen: set[Onderdeel] | None = None,
            recent_uren: tuple[Decimal, Decimal] | None = None,
            kept_rows: Iterable[tuple[Onderdeel, Activiteit, Any, Any, Any]] | None = None) -> Totalen:
    onderdelen_query, kept, recent = queries
    if onderdelen is None:
        onderdelen = set(session.scalars(onderdelen_query, params))
    since = aanwezigheid.venster_start(today)
    per_activiteit: dict[Activiteit, Decimal] = {a: _ZERO for a in Activiteit}
    z_taal = _ZERO
    result = Totalen(recent_vanaf=since)
    if kept_rows is None:
        kept_rows = session.execute(kept, params)
    for onderdeel, activiteit, aanwezig, geoorloofd, ongeoorloofd in kept_rows:
        result.heeft_registraties = True
        aanwezig = as_decimal(aanwezig)
        per_activiteit[activiteit] += aanwezig
        if onderdeel is Onderdeel.Z_ROUTE_TAAL and activiteit is Activiteit.TAALLES_KNM:
            z_taal += aanwezig
        result.uren_aanwezig += aanwezig
        result.uren_afwezig_geoorloofd += as_decimal(geoorloofd)
        result.uren_afwezig_ongeoorloofd += as_decimal(ongeoorloofd)
    if recent_uren is None:
        r_aanwezig, r_afwezig = session.execute(recent, params).one()
        recent_aanwezig, recent_afwezig = as_decimal(r_aanwezig), as_decimal(r_afwezig)
    else:
        recent_aanwezig, recent_afwezig = recent_uren
    result.presentie_traject = afronding.percentage(
        result.uren_aanwezig,
        result.uren_aanwezig + result.uren_afwezig_geoorloofd + result.uren_afwezig_ongeoorloofd,
    )
    result.presentie_recent = afronding.percentage(recent_aanwezig, recent_aanwezig + recent_afwezig)
    result.duo_tellers = [
        DuoTeller(soort.label, uren) for soort, uren in duo_uren.tellers(per_activiteit).items()
    ]
    # Legal norms count per inburgeraar across verwijzingen: the hours of the activity the norm is about.
    gerealiseerd = {
        Onderdeel.MAP: per_activiteit[Activiteit.MAP_PRAKTIJK],
        Onderdeel.PVT: per_activiteit[Activiteit.PVT],
        Onderdeel.Z_ROUTE_TAAL: z_taal,
        Onderdeel.Z_ROUTE_PARTICIPATIE: per_activiteit[Activiteit.PARTICIPATIE],
    }
    for onderdeel, uren in gerealiseerd.items():
        norm = normen.wettelijke_norm(onderdeel, doelgroep, zroute_gezinsmigrant)
        if onderdeel in onderdelen and norm is not None:
            result.normen.append(Norm(normen.NORM_LABELS[onderdeel], uren, norm))
    return result


def taalles_knm_uren(session: Session, inburgeraar_id: int) -> Decimal:
    """All taalles+KNM hours present at cursusinstellingen for one inburgeraar, across every verwijzing.

    Deliberately not scoped to the asking provider: the 600-hour threshold for afschaling counts every
    lesuur the inburgeraar followed, also before a switch of route or provider (Besluit art. 5.5).
    """
    total = session.scalar(
        select(func.sum(PresentieTotaal.uren_aanwezig))
        .join(Verwijzing, Verwijzing.id == PresentieTotaal.verwijzing_id)
        .where(Verwijzing.inburgeraar_id == inburgeraar_id, PresentieTotaal.activiteit == Activiteit.TAALLES_KNM)
    )
    return as_decimal(total)
