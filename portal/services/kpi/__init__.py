"""The prestatie-indicatoren dashboard: KPI records loaded once per page (`gegevens`), the rules of
portal.domain.kpi applied for the period, per aanbieder for the comparison and per quarter for the trend. The
aanbieders of a comparison and the quarters of a year stand next to a total the user also sees (the dashboard):
`kpi.afschermen_over` withholds what a subtraction would give away."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
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
        return _hele_jaren(perioden.trend(periode.kwartalen[-1], TREND_KWARTALEN))
    return list(periode.kwartalen)


def _hele_jaren(kwartalen: list[Kwartaal]) -> list[Kwartaal]:
    """Every quarter of the years the quarters fall in: a year's quarters are withheld together, whichever of them
    a trend shows, so two trends never show one year's quarters differently."""
    jaren = range(kwartalen[0].jaar, kwartalen[-1].jaar + 1)
    return [Kwartaal(jaar, nummer) for jaar in jaren for nummer in range(1, 5)]


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
    afgeschermd = _afgeschermd(session, user, filters, periode, vandaag, streef_6_maanden)
    if afgeschermd:
        resultaten = [_afschermen(r, afgeschermd) for r in resultaten]
    resultaten.append(kosten.kosten(session, user, filters, periode, vandaag))
    return Dashboard(periode, periode.peildatum(vandaag), resultaten)


def _jaar(
    g: KpiGegevens, jaar: int, vandaag: date, streef_6_maanden: int, codes: Iterable[str] | None = None,
) -> dict[Kwartaal, list[KpiResultaat]]:
    """Each quarter of the year up to today, with what the year's quarters together withhold (kpi.afschermen_over)."""
    kwartalen = [k for k in _hele_jaren([Kwartaal(jaar, 1)]) if k.van <= vandaag]
    kolommen = kpi.afschermen_over([
        kpi.bereken(g, perioden.kwartaal(k), vandaag, streef_6_maanden=streef_6_maanden, codes=codes)
        for k in kwartalen])
    return dict(zip(kwartalen, kolommen, strict=True))


def _afschermen(resultaat: KpiResultaat, afgeschermd: set[tuple[str, str]]) -> KpiResultaat:
    """The result with those rows afgeschermd; then its counted reasons go too (the total's minus these would be
    the small group's, as _redenen withholds them under MIN_AANTAL)."""
    rijen = [replace(rij, afgeschermd=True) if (resultaat.code, rij.key) in afgeschermd and rij.toont_aantallen
             else rij for rij in resultaat.rijen]
    if rijen == resultaat.rijen:
        return resultaat
    return replace(resultaat, rijen=rijen, redenen=[(titel, []) for titel, _ in resultaat.redenen])


def _afgeschermd(
    session: Session, user: User, filters: KpiFilters, periode: Periode, vandaag: date, streef_6_maanden: int,
) -> set[tuple[str, str]]:
    """The rows (code, key) a dashboard of one quarter or one aanbieder withholds because the trend (the quarters
    of the year) or the comparison (the aanbieders) does: the same cell, so the same answer on every page."""
    rijen: set[tuple[str, str]] = set()
    if len(periode.kwartalen) == 1 and periode.kwartalen[0].van <= vandaag:
        kwartaal = periode.kwartalen[0]
        g = load(session, user, filters, _hele_jaren([kwartaal]), vandaag)
        per = _jaar(g, kwartaal.jaar, vandaag, streef_6_maanden)
        rijen |= {(r.code, rij.key) for r in per[kwartaal] for rij in r.rijen if rij.afgeschermd}
    if filters.aanbieder_id is not None:
        andere = vergelijking(session, user, replace(filters, aanbieder_id=None), periode, vandaag, {})
        rijen |= {(r.code, rij.key) for r in andere.per_aanbieder.get(filters.aanbieder_id, []) for rij in r.rijen
                  if rij.afgeschermd}
    return rijen


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
    kolommen = kpi.afschermen_over([kpi.bereken(g.voor_aanbieder(a), periode, vandaag, codes=codes) for a in ids])
    return Vergelijking(periode, [(a, namen.get(a, str(a))) for a in ids], dict(zip(ids, kolommen, strict=True)))


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
    getoond = [k for k in perioden.trend(periode.kwartalen[-1], TREND_KWARTALEN) if k.van <= vandaag]
    per: dict[Kwartaal, list[KpiResultaat]] = {}
    for jaar in sorted({k.jaar for k in getoond}):
        # All quarters of the year, also those the trend does not show: the year's total is the dashboard's, so
        # what a quarter withholds must not depend on which quarters are on the page.
        per.update(_jaar(g, jaar, vandaag, streef_6_maanden, codes=TREND_CODES))
    return Trend(getoond, {k: per[k] for k in getoond})
