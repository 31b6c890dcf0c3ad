"""The prestatie-indicatoren dashboard: KPI records loaded once per page (`gegevens`), the rules of
portal.domain.kpi applied for the period, per aanbieder for the comparison and per quarter for the trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from portal.domain import kpi, perioden
from portal.domain.kpi import KpiGegevens, KpiResultaat
from portal.domain.perioden import Kwartaal, Periode
from portal.models import User
from portal.services.kpi import kosten
from portal.services.kpi.gegevens import KpiFilters, load

__all__ = ["Dashboard", "KpiFilters", "Vergelijking", "dashboard", "trend", "vergelijking"]

TREND_KWARTALEN = 8
# The KPIs followed per quarter on the trend page: one main figure each.
TREND_CODES = ("start_6_maanden", "tijdige_start", "aanwezigheid", "aanlevering", "uitval")


@dataclass
class Dashboard:
    periode: Periode
    peildatum: date
    resultaten: list[KpiResultaat]

    def kpi(self, code: str) -> KpiResultaat | None:
        return next((r for r in self.resultaten if r.code == code), None)


def _kwartalen(periode: Periode, extra_trend: bool) -> list[Kwartaal]:
    if extra_trend:
        return perioden.trend(periode.kwartalen[-1], TREND_KWARTALEN)
    return list(periode.kwartalen)


def gegevens(
    session: Session, user: User, filters: KpiFilters, periode: Periode, vandaag: date, *, trend: bool = False
) -> KpiGegevens:
    """The records for the period (and, for the trend, the quarters before it)."""
    return load(session, user, filters, _kwartalen(periode, trend), vandaag)


def dashboard(
    session: Session, user: User, filters: KpiFilters, periode: Periode, vandaag: date, *,
    streef_6_maanden: int = kpi.STANDAARD_STREEF_6_MAANDEN,
) -> Dashboard:
    """Every KPI for the period, within the user's scope and the filters."""
    g = gegevens(session, user, filters, periode, vandaag)
    resultaten = kpi.bereken(g, periode, vandaag, streef_6_maanden=streef_6_maanden)
    resultaten.append(kosten.kosten(session, user, filters, periode, vandaag))
    return Dashboard(periode, periode.peildatum(vandaag), resultaten)


@dataclass
class Vergelijking:
    periode: Periode
    aanbieders: list[tuple[int, str]]  # (id, naam) of the aanbieders with verwijzingen in scope
    per_aanbieder: dict[int, list[KpiResultaat]]


def vergelijking(
    session: Session, user: User, filters: KpiFilters, periode: Periode, vandaag: date,
    namen: dict[int, str],
) -> Vergelijking:
    """The same KPIs per aanbieder, side by side (the records are loaded once and split)."""
    g = gegevens(session, user, filters, periode, vandaag)
    ids = sorted({v.aanbieder_id for v in g.verwijzingen}, key=lambda a: namen.get(a, "").lower())
    codes = [k.code for k in kpi.KPIS if k.per_aanbieder]
    per = {a: kpi.bereken(g.voor_aanbieder(a), periode, vandaag, codes=codes) for a in ids}
    return Vergelijking(periode, [(a, namen.get(a, str(a))) for a in ids], per)


@dataclass
class Trend:
    kwartalen: list[Kwartaal]
    per_kwartaal: dict[Kwartaal, list[KpiResultaat]]

    def reeks(self, code: str) -> list[tuple[Kwartaal, KpiResultaat]]:
        return [(k, next(r for r in self.per_kwartaal[k] if r.code == code)) for k in self.kwartalen]


def trend(
    session: Session, user: User, filters: KpiFilters, periode: Periode, vandaag: date, *,
    streef_6_maanden: int = kpi.STANDAARD_STREEF_6_MAANDEN,
) -> Trend:
    """The main KPIs per quarter for the eight quarters up to the period's end (records loaded once)."""
    g = gegevens(session, user, filters, periode, vandaag, trend=True)
    kwartalen = [k for k in _kwartalen(periode, True) if k.van <= vandaag]
    per = {
        k: kpi.bereken(g, perioden.kwartaal(k), vandaag, streef_6_maanden=streef_6_maanden, codes=TREND_CODES)
        for k in kwartalen
    }
    return Trend(kwartalen, per)
