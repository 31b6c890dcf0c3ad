"""The regie signals: thresholds (`drempels`), metrics gathered by a few set-based queries (`metrics`) and the
rules that turn them into signals (`regels`).

The caseload overview, the case page, the export and the benchmark all call `caseload()`, so a signal
means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam
from sqlalchemy.orm import Session

from portal import access, clock
from portal.models import Aanbieder, Inburgeraar, SignaalStand, User, Verwijzing
from portal.models.enums import OPEN_STATUSSEN, VerwijzingStatus
from portal.services import statements
from portal.services.batch import gc_paused
from portal.services.signalen.drempels import (
    Drempels,
    DrempelTabel,
    drempel_stempel,
    drempels_met_stempel,
    load_drempels,
)
from portal.services.signalen.metrics import (
    CaseCijfers,
    Filters,
    VerwijzingCijfers,
    aanwezigheid_venster,
    case_cijfers,
    caseload_namen,
    caseload_queries,
    fold_case_rows,
    fold_cases,
    fold_met_presentie,
    fold_verwijzingen,
    load_cases,
    met_presentie_erbij,
    presentie_per_verwijzing,
    verwijzing_cijfers,
    verwijzing_kolommen,
)
from portal.services.signalen.regels import (
    SIGNAAL_SOORTEN,
    SIGNALERENDE_STATUSSEN,
    Ernst,
    Signaal,
    regel_aanwezigheid,
    signalen_voor,
    uren_norm,
)

ALLE = Filters()  # no filter: the whole caseload in scope

__all__ = [
    "OPEN_STATUSSEN",
    "SIGNAAL_SOORTEN",
    "SIGNALERENDE_STATUSSEN",
    "CaseCijfers",
    "DrempelTabel",
    "Drempels",
    "Ernst",
    "Filters",
    "PaginaRij",
    "Rij",
    "Signaal",
    "VerwijzingCijfers",
    "aanwezigheid_venster",
    "actie_nodig",
    "caseload",
    "caseload_met_stand",
    "caseload_queries",
    "caseload_rijen",
    "drempel_stempel",
    "drempels_met_stempel",
    "fold_case_rows",
    "fold_cases",
    "fold_met_presentie",
    "fold_verwijzingen",
    "load_cases",
    "load_drempels",
    "met_actie_nodig",
    "met_afgesloten_verwijzingen",
    "met_cijfers",
    "met_presentie_erbij",
    "met_signaal",
    "pagina_uit_stand",
    "presentie_per_verwijzing",
    "regel_aanwezigheid",
    "signaalvolgorde",
    "signaalvolgorde_van",
    "signalen_voor",
    "uren_norm",
    "verwijzing_cijfers",
    "verwijzing_kolommen",
]


def caseload(
    session: Session, user: User, *, today: date | None = None, filters: Filters = ALLE,
    tabel: DrempelTabel | None = None,
) -> list[CaseCijfers]:
    """The cases in scope that match the filters, each with its figures and signals."""
    today = today or clock.today()
    tabel = tabel or load_drempels(session)
    return _met_signalen(session, _queries(user, today, filters), {}, tabel, today)


def _met_signalen(
    session: Session, queries: dict[str, Any], params: dict[str, Any], tabel: DrempelTabel, today: date,
) -> list[CaseCijfers]:
    """The cases of these caseload queries with their figures and signals."""
    # Thousands of small objects are made in one go; the cyclic GC would rescan them repeatedly for nothing.
    with gc_paused():
        cases = fold_cases(session.connection(), queries, params)
        for case_ in cases:
            case_.signalen = signalen_voor(case_, tabel, today)
    return cases


def signaalvolgorde(
    session: Session, user: User, *, today: date | None = None, filters: Filters = ALLE,
    tabel: DrempelTabel | None = None,
) -> list[CaseCijfers]:
    """Every case in scope that matches the filters with its signals, to order or filter the caseload by them.

    Read with only the verwijzingen that can signal (SIGNALERENDE_STATUSSEN) and their presence: the signals are
    those of `caseload`, but a case's finished verwijzingen are missing from its figures, so the rows that are
    shown get them from `met_afgesloten_verwijzingen`."""
    return caseload(session, user, today=today, filters=replace(filters, verwijzing_statussen=SIGNALERENDE_STATUSSEN),
                    tabel=tabel)


def signaalvolgorde_van(
    session: Session, user: User, inburgeraar_ids: Sequence[int], *, today: date | None = None,
    tabel: DrempelTabel | None = None,
) -> list[CaseCijfers]:
    """`signaalvolgorde` for these cases only (a few without valid kept signals), in scope, ordered by id."""
    if not inburgeraar_ids:
        return []
    today = today or clock.today()
    tabel = tabel or load_drempels(session)
    queries = statements.per_user("signalen.volgorde.ids", user, lambda: caseload_queries(user, today, Filters(
        inburgeraar_ids=bindparam("pagina_ids", expanding=True), verwijzing_statussen=SIGNALERENDE_STATUSSEN)), today)
    return _met_signalen(session, queries, {"pagina_ids": list(inburgeraar_ids)}, tabel, today)


def met_afgesloten_verwijzingen(
    session: Session, user: User, cases: Sequence[CaseCijfers], *, today: date | None = None
) -> Sequence[CaseCijfers]:
    """Complete these cases of `signaalvolgorde` (a page of them) with their finished verwijzingen, those that
    never signal: their signals stay as they are, their figures become those of `caseload`."""
    if not cases:
        return cases
    today = today or clock.today()
    afgesloten = tuple(s for s in VerwijzingStatus if s not in SIGNALERENDE_STATUSSEN)
    queries = statements.per_user("signalen.pagina.afgesloten", user, lambda: caseload_queries(user, today, Filters(
        inburgeraar_ids=bindparam("pagina_ids", expanding=True), verwijzing_statussen=afgesloten)), today)
    fold_verwijzingen(session.connection(), queries, {"pagina_ids": [c.id for c in cases]}, {c.id: c for c in cases})
    for case_ in cases:
        case_.verwijzingen.sort(key=_startvolgorde)  # as caseload_queries orders them
    return cases


def _startvolgorde(v: VerwijzingCijfers) -> tuple[date, int]:
    return v.beoogde_startdatum, v.id


def caseload_rijen(
    session: Session, user: User, *, today: date | None = None, filters: Filters = ALLE
) -> list[CaseCijfers]:
    """The cases in scope that match the filters with only their own columns: no verwijzingen, counts or signals.

    Enough to count the cases and to sort them on any column but the signals; `met_cijfers` then completes the one
    page that is shown, so the cost follows the page rather than the caseload."""
    today = today or clock.today()
    return fold_case_rows(session.connection(), _queries(user, today, filters))


class PaginaRij:
    """A case of the overview's page shown from its kept signals: the case's own columns, the kept summary of its
    signals and its aanbieders; everything else as the CaseCijfers."""

    def __init__(self, case_: CaseCijfers, stand: tuple[Any, ...], aanbieders: list[str]) -> None:
        self._case = case_
        self.signalen = stand[1]  # how many: the row only asks whether there are any
        self.samenvatting = [(Ernst(int(e)), titel, int(n)) for e, n, titel in
                             (regel.split("\t", 2) for regel in stand[3].splitlines())]
        self.aanbieders = aanbieders

    def __getattr__(self, name: str) -> Any:
        return getattr(self._case, name)


class Rij(NamedTuple):
    """A case as the signal order needs it: its id and name (`met_cijfers` completes the page shown)."""

    id: int
    achternaam: str
    voornamen: str


def caseload_met_stand(
    session: Session, user: User, *, today: date | None = None, filters: Filters = ALLE, alleen_naam: bool = False
) -> list[tuple[Any, tuple[int, int, str] | None]]:
    """`caseload_rijen` with each case's kept signals (portal.services.kept_signalen) as the user sees them:
    (most urgent ernst, how many, codes) when kept and valid today, else None (work it out with `met_cijfers`).
    With `alleen_naam` a case is only its id and name (a `Rij`): enough to order by the signals."""
    today = today or clock.today()
    met_gezondheid = access.may_see_intake(user)

    def build() -> Any:
        cases = caseload_namen(user, today, filters) if alleen_naam else _queries(user, today, filters)["cases"]
        return cases.outerjoin(SignaalStand, and_(
            SignaalStand.inburgeraar_id == Inburgeraar.id, SignaalStand.met_gezondheid.is_(met_gezondheid),
            SignaalStand.geldig_van <= today, SignaalStand.geldig_tot > today,
        )).add_columns(SignaalStand.hoogste_ernst, SignaalStand.aantal, SignaalStand.codes, SignaalStand.samenvatting)

    query = build() if filters.zoek else statements.per_user(
        f"signalen.stand.{alleen_naam}.{filters!r}", user, build, today)
    maak = Rij._make if alleen_naam else case_cijfers
    return [(maak(m[:3]) if alleen_naam else maak(m), None if m[-4] is None else tuple(m[-4:]))
            for m in session.connection().execute(query).all()]


def pagina_uit_stand(
    session: Session, user: User, rijen: Sequence[tuple[int, tuple[Any, ...]]], *, today: date | None = None
) -> list[CaseCijfers]:
    """The rows of a page whose signals are kept, (id, kept stand) in page order, as the overview shows them: each
    case's own columns and aanbieders read for these ids, its signals as kept (only their `samenvatting`; the
    full signals with their explanations come from `met_cijfers`). Scoped as `met_cijfers` is."""
    if not rijen:
        return []
    today = today or clock.today()
    queries = statements.per_user("signalen.pagina", user, lambda: caseload_queries(
        user, today, Filters(inburgeraar_ids=bindparam("pagina_ids", expanding=True))), today)
    aanbieders_query = statements.per_user("signalen.pagina.aanbieders", user, lambda: (
        access.verwijzingen(user).with_only_columns(Verwijzing.inburgeraar_id, Aanbieder.naam)
        .join(Aanbieder, Aanbieder.id == Verwijzing.aanbieder_id)
        .where(Verwijzing.inburgeraar_id.in_(bindparam("pagina_ids", expanding=True))).distinct()))
    params = {"pagina_ids": [i for i, _stand in rijen]}
    connection = session.connection()
    cases = {c.id: c for c in fold_case_rows(connection, queries, params)}
    namen: dict[int, set[str]] = {}
    for i, naam in connection.execute(aanbieders_query, params).all():
        namen.setdefault(i, set()).add(naam)
    return [PaginaRij(cases[i], stand, sorted(namen.get(i, ()))) for i, stand in rijen if i in cases]


def met_cijfers(
    session: Session, user: User, cases: Sequence[CaseCijfers], *, today: date | None = None,
    tabel: DrempelTabel | None = None,
) -> list[CaseCijfers]:
    """These cases (a page of `caseload_rijen`) with their figures and signals, in the same order: the same
    queries and rules as `caseload`, for their ids only. The ids came from a scoped, filtered query; the scope
    is applied again, so a case outside it never gets figures."""
    if not cases:
        return []
    today = today or clock.today()
    tabel = tabel or load_drempels(session)
    queries = statements.per_user("signalen.pagina", user, lambda: caseload_queries(
        user, today, Filters(inburgeraar_ids=bindparam("pagina_ids", expanding=True))), today)
    volledig = {c.id: c for c in _met_signalen(session, queries, {"pagina_ids": [c.id for c in cases]}, tabel, today)}
    return [volledig[c.id] for c in cases if c.id in volledig]


def _queries(user: User, today: date, filters: Filters) -> dict[str, Any]:
    """The scoped caseload queries for this user, day and filters."""
    # Building the scoped queries costs more than running them for a caseload of ~100: built once per user, day
    # and filter combination (portal.services.statements); a free-text search is built afresh, so what people
    # type does not fill the cache.
    if filters.zoek:
        return caseload_queries(user, today, filters)
    return statements.per_user(
        f"signalen.caseload.{filters!r}", user, lambda: caseload_queries(user, today, filters), today)


def actie_nodig(hoogste_ernst: int) -> bool:
    """Whether a case counts as "Actie nodig" (its most urgent signal is Ernst.HOOG): the one rule behind the
    start page's count and the overview's filter, for worked-out and kept signals alike."""
    return hoogste_ernst >= Ernst.HOOG


def met_actie_nodig(cases: Sequence[CaseCijfers]) -> list[CaseCijfers]:
    """Only the cases that count as "Actie nodig"."""
    return [c for c in cases if actie_nodig(c.hoogste_ernst)]


def met_signaal(cases: Sequence[CaseCijfers], codes: Iterable[str]) -> list[CaseCijfers]:
    """Only the cases that have at least one of the given signals."""
    wanted = set(codes)
    return [c for c in cases if any(s.code in wanted for s in c.signalen)]
