"""The metrics of the regie signals: a few set-based queries per caseload and the folding of their rows into figures.

One query reads the cases, one their verwijzingen, one the presence per verwijzing (from the kept totals) and
three small ones the per-inburgeraar counts; `fold_cases` joins them by id in Python. Presence is aggregated in
the database, never row by row in Python. Every part is scoped through portal.access.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Result, Row, Select, and_, case, exists, func, or_, select

from portal import access
from portal.domain import aanwezigheid, afronding, termijnen, trajecten, zoeken
from portal.models import (
    Aanbieder,
    Afschalingsverzoek,
    Examenresultaat,
    Gemeente,
    Inburgeraar,
    OmstandighedenMelding,
    Pip,
    PipIntrekking,
    Presentie,
    PresentieTotaal,
    PresentieWeek,
    RouteResultaat,
    TrajectStart,
    User,
    Verwijzing,
)
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, VerwijzingStatus
from portal.models.resultaat import AfschalingStatus, Examenuitslag
from portal.services.validation import as_date, as_datetime, as_decimal

if TYPE_CHECKING:
    from portal.services.signalen.regels import Signaal

@dataclass(slots=True)
class VerwijzingCijfers:
    """The figures of one verwijzing that the rules need."""

    id: int
    kenmerk: str
    onderdeel: Onderdeel
    status: VerwijzingStatus
    aanbieder_id: int
    aanbieder_naam: str
    contract_id: int
    beoogde_startdatum: date
    uiterste_einddatum: date
    gecontracteerde_uren: Decimal | None
    gerealiseerde_startdatum: date | None
    bijgestelde_einddatum: date | None
    reden_latere_start: str | None
    niet_gestart: bool
    reden_niet_gestart: str | None
    uren_aanwezig_totaal: Decimal
    uren_aanwezig_4w: Decimal
    uren_geoorloofd_4w: Decimal
    uren_ongeoorloofd_4w: Decimal
    laatste_presentie: date | None
    afgerond_resultaat: bool
    # Derived once when the figures are read: the rules ask for them many times per verwijzing.
    open: bool = field(init=False)  # still to be delivered: referred or running
    einddatum: date = field(init=False)  # the adjusted end date where given, else the uiterste einddatum

    def __post_init__(self) -> None:
        self.open = trajecten.is_open(self.status, self.niet_gestart)
        self.einddatum = termijnen.traject_einddatum(self.uiterste_einddatum, self.bijgestelde_einddatum)

    @property
    def aanwezigheid_4w(self) -> Decimal | None:
        """Attendance over the last four weeks (portal.domain.aanwezigheid); None without planned hours."""
        return afronding.percentage(
            self.uren_aanwezig_4w, self.uren_aanwezig_4w + self.uren_geoorloofd_4w + self.uren_ongeoorloofd_4w)

    @property
    def omschrijving(self) -> str:
        return f"{self.onderdeel.label} bij {self.aanbieder_naam} ({self.kenmerk})"


@dataclass(slots=True)
class CaseCijfers:
    """The figures of one inburgeraar: the overview's row and the rules' input."""

    id: int
    voornamen: str
    achternaam: str
    bsn: str
    gemeente_id: int
    gemeente_naam: str
    klantregisseur_id: int | None
    klantregisseur_naam: str | None
    doelgroep: Doelgroep
    datum_kennisgeving: date | None
    datum_brp_inschrijving: date | None
    termijn_verlengd_tot: date | None
    pip_versies: int
    eerste_dagtekening: date | None
    leerroute: Leerroute | None
    niveau: NiveauPip | None
    geschatte_intensiteit: int | None
    afschaling_open: int = 0
    afschaling_oudste: datetime | None = None
    examens_aantal: int = 0
    examens_geslaagd: int = 0
    examen_laatst_geregistreerd: datetime | None = None
    omstandigheden_aantal: int = 0
    omstandigheden_laatst_gemeld: datetime | None = None
    omstandigheden_laatste_datum: date | None = None
    verwijzingen: list[VerwijzingCijfers] = field(default_factory=list)
    signalen: list[Signaal] = field(default_factory=list)
    geboortedatum: date | None = None  # with the BSN's last digits, tells people with the same name apart
    zroute_norm_gezinsmigrant: int | None = None  # the gemeente's own Z-route taal norm (None: the default)

    @property
    def naam(self) -> str:
        return f"{self.voornamen} {self.achternaam}"

    @property
    def termijn_einde(self) -> date | None:
        """DUO's extended end date, else three years from the day after the first PIP's dagtekening."""
        return termijnen.inburgeringstermijn_einde(self.eerste_dagtekening, self.termijn_verlengd_tot)

    @property
    def pip_uiterlijk(self) -> date | None:
        """The deadline of the first PIP."""
        return termijnen.pip_uiterlijk(self.datum_kennisgeving, self.datum_brp_inschrijving)

    @property
    def hoogste_ernst(self) -> int:
        """The most urgent signal's ernst (0 without signals); `signalen` is kept most urgent first."""
        return self.signalen[0].ernst if self.signalen else 0

    @property
    def samenvatting(self) -> list[tuple[int, str, int]]:
        """(highest ernst, title, how many) per kind of signal, most urgent first: one line per kind in lists."""
        return samenvatting_van(self.signalen)

    @property
    def aanbieders(self) -> list[str]:
        """The names of the aanbieders this inburgeraar is referred to (only their own verwijzingen)."""
        return sorted({v.aanbieder_naam for v in self.verwijzingen})

    @property
    def bsn_einde(self) -> str:
        """The BSN's last four digits: enough to tell namesakes apart without showing the whole number."""
        return self.bsn[-4:]


def samenvatting_van(signalen: Sequence[Signaal]) -> list[tuple[int, str, int]]:
    """(highest ernst, title, how many) per kind of signal of a case's signals (kept most urgent first)."""
    per_code: dict[str, list[Any]] = {}
    for s in signalen:
        if s.code in per_code:
            per_code[s.code][2] += 1
        else:
            per_code[s.code] = [s.ernst, s.titel, 1]
    return [(e, t, n) for e, t, n in per_code.values()]


@dataclass(frozen=True)
class Filters:
    """What the overview narrows the caseload to; all optional."""

    gemeente_id: int | None = None
    klantregisseur_id: int | None = None
    leerroute: Leerroute | None = None
    # No PIP in force (portal.domain.pip.van_kracht): "geen" (none yet, or withdrawn), "nog_geen" (never a version)
    # or "ingetrokken" (the latest version withdrawn); overzichten.GEEN_PIP_KEUZES names them.
    pip: str | None = None
    doelgroep: Doelgroep | None = None
    aanbieder_id: int | None = None
    zoek: str | None = None
    inburgeraar_id: int | None = None
    inburgeraar_ids: Any = None  # an expanding bindparam: these cases only (one page of the overview)
    # Only verwijzingen with these statuses and their presence (the signal order's pass: regels.SIGNALERENDE_STATUSSEN).
    verwijzing_statussen: tuple[VerwijzingStatus, ...] | None = None


def aanwezigheid_venster(today: date) -> date:
    """The first day of the attendance window ("the last four weeks") that ends today."""
    return aanwezigheid.venster_start(today)


def presentie_per_verwijzing(
    verwijzing_ids: Select[Any], venster: date, *, met_presentie_sinds: date | None = None
) -> Select[Any]:
    """Presence hours per verwijzing among `verwijzing_ids`: in total and since `venster` (the attendance window).

    Everything comes from the kept totals (portal.services.kept_totals) where it can: the total and the last day
    from PresentieTotaal, the window's whole weeks from PresentieWeek, and only the window's first, partial week
    from presentie rows (at most six days). The cost follows the number of verwijzingen, not the history.
    `met_presentie_sinds` keeps only verwijzingen with presence on or after that day.
    """
    eerste_week = venster + timedelta(days=-venster.weekday() % 7)  # the first Monday inside the window
    # The scope is worked out once and read by all three parts (PostgreSQL otherwise evaluates the scoped join
    # three times: 79 -> 42 ms for the load benchmark's caseload of 261 cases; SQLite is the same either way).
    in_scope = verwijzing_ids.cte("verwijzingen_in_scope")
    verwijzing_ids = select(*in_scope.c)
    kept = (
        select(
            PresentieTotaal.verwijzing_id.label("verwijzing_id"),
            func.sum(PresentieTotaal.uren_aanwezig).label("aanwezig_totaal"),
            func.max(PresentieTotaal.laatste_datum).label("laatste"),
        )
        .where(PresentieTotaal.verwijzing_id.in_(verwijzing_ids))
        .group_by(PresentieTotaal.verwijzing_id)
        .subquery("kept")
    )
    weken = _uren_per_verwijzing(PresentieWeek, PresentieWeek.week, verwijzing_ids, eerste_week, None, "weken")
    dagen = _uren_per_verwijzing(Presentie, Presentie.datum, verwijzing_ids, venster, eerste_week, "dagen")
    query = (
        select(
            kept.c.verwijzing_id,
            kept.c.aanwezig_totaal,
            *(
                (func.coalesce(weken.c[kolom], 0) + func.coalesce(dagen.c[kolom], 0)).label(f"{kolom}_4w")
                for kolom in ("aanwezig", "geoorloofd", "ongeoorloofd")
            ),
            kept.c.laatste,
        )
        .select_from(kept)
        .outerjoin(weken, weken.c.verwijzing_id == kept.c.verwijzing_id)
        .outerjoin(dagen, dagen.c.verwijzing_id == kept.c.verwijzing_id)
    )
    if met_presentie_sinds is not None:
        query = query.where(kept.c.laatste >= met_presentie_sinds)
    return query


def _uren_per_verwijzing(
    tabel: Any, dag: Any, verwijzing_ids: Select[Any], van: date, tot: date | None, naam: str
) -> Any:
    """Hours per verwijzing of presentie-shaped rows (presentie or its week totals) with `van <= dag < tot`."""
    query = (
        select(
            tabel.verwijzing_id.label("verwijzing_id"),
            func.sum(tabel.uren_aanwezig).label("aanwezig"),
            func.sum(tabel.uren_afwezig_geoorloofd).label("geoorloofd"),
            func.sum(tabel.uren_afwezig_ongeoorloofd).label("ongeoorloofd"),
        )
        .where(tabel.verwijzing_id.in_(verwijzing_ids), dag >= van)
        .group_by(tabel.verwijzing_id)
    )
    return (query if tot is None else query.where(dag < tot)).subquery(naam)


def afgerond_resultaat() -> Any:
    """SQL: the verwijzing's RouteResultaat holds an end result (MAP, PVT, Z-route or taalschakeltraject)."""
    return or_(
        RouteResultaat.datum_eindgesprek_map.is_not(None),
        RouteResultaat.datum_ondertekening_pvt.is_not(None),
        RouteResultaat.datum_afronding_z_route.is_not(None),
        RouteResultaat.taalschakel_resultaat.is_not(None),
    )


def verwijzing_kolommen(presentie: Any = None, user: User | None = None) -> list[Any]:
    """The labelled columns `verwijzing_cijfers` reads; the query joins Verwijzing, Aanbieder, TrajectStart,
    RouteResultaat and, when given, the `presentie_per_verwijzing` CTE (else its figures come separately). With a
    `user`, the provider's reasons as that user may see them (access.reden_kolom): every signal text built from
    these figures, on every page and export, then quotes only what the user may read."""
    def reden(kolom: Any) -> Any:
        return kolom if user is None else access.reden_kolom(user, kolom)

    kolommen = [
        Verwijzing.id.label("v_id"),
        Verwijzing.kenmerk.label("v_kenmerk"),
        Verwijzing.onderdeel.label("v_onderdeel"),
        Verwijzing.status.label("v_status"),
        Verwijzing.aanbieder_id.label("v_aanbieder_id"),
        Aanbieder.naam.label("v_aanbieder_naam"),
        Verwijzing.contract_id.label("v_contract_id"),
        Verwijzing.beoogde_startdatum.label("v_beoogde_start"),
        Verwijzing.uiterste_einddatum.label("v_uiterste_einde"),
        Verwijzing.gecontracteerde_uren.label("v_uren"),
        TrajectStart.gerealiseerde_startdatum.label("t_start"),
        TrajectStart.bijgestelde_einddatum.label("t_einde"),
        reden(TrajectStart.reden_latere_start).label("t_reden_later"),
        TrajectStart.niet_gestart.label("t_niet_gestart"),
        reden(TrajectStart.reden_niet_gestart).label("t_reden_niet"),
        case((afgerond_resultaat(), True), else_=False).label("afgerond_resultaat"),
    ]
    if presentie is not None:
        kolommen += [
            presentie.c.aanwezig_totaal,
            presentie.c.aanwezig_4w,
            presentie.c.geoorloofd_4w,
            presentie.c.ongeoorloofd_4w,
            presentie.c.laatste.label("laatste_presentie"),
        ]
    return kolommen


def caseload_queries(user: User, today: date, filters: Filters = Filters()) -> dict[str, Select[Any]]:
    """The set-based queries behind the caseload, by name: the cases, their verwijzingen, presence per
    verwijzing and three small per-inburgeraar aggregates. `load_cases` joins them by id in Python.

    Separate simple queries instead of one wide join: each reads its table through an index once, and neither
    database has to materialise and re-index aggregates per outer row. Every part is scoped through
    portal.access, so the figures count only what the user may see (for instance health-related
    omstandigheden only for the klantregisseur). The filters on the inburgeraar's own columns narrow every
    part, so the case page reads one inburgeraar's rows and the own caseload only those of the own cases.
    """
    scope_ids = _scope_filters(access.inburgeraars(user), filters).with_only_columns(Inburgeraar.id).order_by(None)
    verwijzing_ids = (
        access.verwijzingen(user).with_only_columns(Verwijzing.id).where(Verwijzing.inburgeraar_id.in_(scope_ids))
    )
    # Per inburgeraar, looked up through the pip index (inburgeraar_id, versie).
    pip_versies = (
        select(func.max(Pip.versie)).where(Pip.inburgeraar_id == Inburgeraar.id).correlate(Inburgeraar)
        .scalar_subquery()
    )
    eerste_dagtekening = (
        select(Pip.dagtekening).where(Pip.inburgeraar_id == Inburgeraar.id, Pip.versie == 1)
        .correlate(Inburgeraar).scalar_subquery()
    )
    huidige_pip = Pip.__table__.alias("huidige_pip")
    cases = (
        _scope_filters(access.inburgeraars(user), filters)
        .with_only_columns(
            Inburgeraar.id, Inburgeraar.voornamen, Inburgeraar.achternaam, Inburgeraar.bsn, Inburgeraar.geboortedatum,
            Inburgeraar.gemeente_id, Gemeente.naam, Inburgeraar.klantregisseur_id, User.naam, Inburgeraar.doelgroep,
            Inburgeraar.datum_kennisgeving, Inburgeraar.datum_brp_inschrijving, Inburgeraar.termijn_verlengd_tot,
            pip_versies, eerste_dagtekening, huidige_pip.c.leerroute, huidige_pip.c.niveau,
            huidige_pip.c.geschatte_intensiteit, Gemeente.zroute_taal_norm_gezinsmigrant,
        )
        .select_from(Inburgeraar)
        .join(Gemeente, Gemeente.id == Inburgeraar.gemeente_id)
        .outerjoin(User, User.id == Inburgeraar.klantregisseur_id)
        # The PIP in force (Inburgeraar.pip_van_kracht): the latest version unless it was withdrawn; a withdrawn
        # one gives no leerroute, niveau or intensiteit, as if there were no PIP.
        .outerjoin(huidige_pip,
                   and_(huidige_pip.c.inburgeraar_id == Inburgeraar.id, huidige_pip.c.versie == pip_versies,
                        ~exists().where(PipIntrekking.pip_id == huidige_pip.c.id)))
        .order_by(Inburgeraar.id)
    )
    if filters.leerroute is not None:
        cases = cases.where(huidige_pip.c.leerroute == filters.leerroute)
    if filters.pip is not None:
        cases = cases.where(_zonder_pip(filters.pip, huidige_pip.c.id, pip_versies))
    if filters.aanbieder_id is not None:
        cases = cases.where(_bij_aanbieder(filters.aanbieder_id))
    verwijzingen = (
        access.verwijzingen(user)
        .with_only_columns(Verwijzing.inburgeraar_id, *verwijzing_kolommen(user=user))
        .outerjoin(Aanbieder, Aanbieder.id == Verwijzing.aanbieder_id)
        .outerjoin(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .outerjoin(RouteResultaat, RouteResultaat.verwijzing_id == Verwijzing.id)
        .where(Verwijzing.inburgeraar_id.in_(scope_ids))
        .order_by(Verwijzing.inburgeraar_id, Verwijzing.beoogde_startdatum, Verwijzing.id)
    )
    # One case (the case page, a write's kept signals): each scope narrowed to its rows as portal.access offers, or
    # SQLite lists every inburgeraar or verwijzing in scope inside each statement first (0.1-0.3 ms each).
    een = filters.inburgeraar_id
    examens = _per_inburgeraar(
        access.examenresultaten(user, een), Examenresultaat, scope_ids,
        func.count(),
        func.sum(case((Examenresultaat.resultaat == Examenuitslag.GESLAAGD, 1), else_=0)),
        func.max(Examenresultaat.created_at),
    )
    omstandigheden = _per_inburgeraar(
        access.omstandigheden(user, een), OmstandighedenMelding, scope_ids,
        func.count(), func.max(OmstandighedenMelding.created_at), func.max(OmstandighedenMelding.datum),
    )
    afschaling = _per_inburgeraar(
        access.afschalingsverzoeken(user, een).where(Afschalingsverzoek.status == AfschalingStatus.INGEDIEND),
        Afschalingsverzoek, scope_ids, func.count(), func.min(Afschalingsverzoek.ingediend_op),
    )
    if filters.verwijzing_statussen is not None:
        verwijzing_ids = verwijzing_ids.where(Verwijzing.status.in_(filters.verwijzing_statussen))
        verwijzingen = verwijzingen.where(Verwijzing.status.in_(filters.verwijzing_statussen))
    return {
        "cases": cases,
        "verwijzingen": verwijzingen,
        "presentie": presentie_per_verwijzing(verwijzing_ids, aanwezigheid_venster(today)),
        "examens": examens,
        "omstandigheden": omstandigheden,
        "afschaling": afschaling,
    }


def _zonder_pip(keuze: str, van_kracht_id: Any, pip_versies: Any) -> Any:
    """SQL for the filter on no PIP in force, from the cases query's join of the PIP in force and its count of
    versions (the highest versie): none in force; never a version; versions but the latest withdrawn."""
    if keuze == "nog_geen":
        return pip_versies.is_(None)
    if keuze == "ingetrokken":
        return and_(van_kracht_id.is_(None), pip_versies.is_not(None))
    return van_kracht_id.is_(None)


def _bij_aanbieder(aanbieder_id: int) -> Any:
    """SQL: the case has a verwijzing to this aanbieder (the aanbieder filter)."""
    return Inburgeraar.id.in_(select(Verwijzing.inburgeraar_id).where(Verwijzing.aanbieder_id == aanbieder_id))


def caseload_namen(user: User, today: date, filters: Filters = Filters()) -> Select[Any]:
    """(id, achternaam, voornamen) of the cases of `caseload_queries`' `cases` query, ordered by id: the same scope
    and filters without its joins (enough to order a caseload by its kept signals)."""
    if filters.leerroute is not None or filters.pip is not None:  # the PIP in force: the cases query's join
        return caseload_queries(user, today, filters)["cases"].with_only_columns(
            Inburgeraar.id, Inburgeraar.achternaam, Inburgeraar.voornamen)
    query = (_scope_filters(access.inburgeraars(user), filters)
             .with_only_columns(Inburgeraar.id, Inburgeraar.achternaam, Inburgeraar.voornamen)
             .order_by(Inburgeraar.id))
    return query if filters.aanbieder_id is None else query.where(_bij_aanbieder(filters.aanbieder_id))


def _per_inburgeraar(scoped: Select[Any], tabel: Any, scope_ids: Select[Any], *aggregaten: Any) -> Select[Any]:
    """(inburgeraar id, *aggregaten) per inburgeraar among `scope_ids`, over a table's rows already scoped."""
    return (scoped.with_only_columns(tabel.inburgeraar_id, *aggregaten)
            .where(tabel.inburgeraar_id.in_(scope_ids)).group_by(tabel.inburgeraar_id))


def _scope_filters(query: Select[Any], filters: Filters) -> Select[Any]:
    """The filters on the inburgeraar's own columns (not leerroute or aanbieder, which need joins)."""
    if filters.inburgeraar_id is not None:
        query = query.where(Inburgeraar.id == filters.inburgeraar_id)
    if filters.inburgeraar_ids is not None:
        query = query.where(Inburgeraar.id.in_(filters.inburgeraar_ids))
    if filters.gemeente_id is not None:
        query = query.where(Inburgeraar.gemeente_id == filters.gemeente_id)
    if filters.klantregisseur_id is not None:
        query = query.where(Inburgeraar.klantregisseur_id == filters.klantregisseur_id)
    if filters.doelgroep is not None:
        query = query.where(Inburgeraar.doelgroep == filters.doelgroep)
    gezocht = zoeken.clause(filters.zoek, voornamen=Inburgeraar.voornamen, achternaam=Inburgeraar.achternaam,
                            bsn=Inburgeraar.bsn)
    return query if gezocht is None else query.where(gezocht)


def fold_case_rows(
    connection: Connection, queries: Mapping[str, Select[Any]], params: Mapping[str, Any] | None = None
) -> list[CaseCijfers]:
    """Only the `cases` query of `caseload_queries`: each case's own columns, without verwijzingen, counts or
    signals (enough to count the cases and to sort them by name, gemeente, leerroute, klantregisseur or term)."""
    return [case_cijfers(m) for m in connection.execute(queries["cases"], params or {}).all()]


def load_cases(connection: Connection, user: User, today: date, filters: Filters = Filters()) -> list[CaseCijfers]:
    """The cases in scope that match the filters with their figures (ordered by id), without signals."""
    return fold_cases(connection, caseload_queries(user, today, filters))


def fold_cases(
    connection: Connection, queries: Mapping[str, Select[Any]], params: Mapping[str, Any] | None = None
) -> list[CaseCijfers]:
    """Run the `caseload_queries` (built earlier, with `params` for their bound parameters) and fold their rows
    into one CaseCijfers per inburgeraar, ordered by id."""
    def run(name: str) -> Any:
        # All rows at once: iterating a result fetches row by row, which costs more than the database's work.
        return connection.execute(queries[name], params or {}).all()

    # Plain tuples, read by position: building a mapping or an ORM object per row costs more than the rules.
    cases = {m[0]: case_cijfers(m) for m in run("cases")}
    if not cases:
        return []
    for i, *examens in run("examens"):
        if (c := cases.get(i)) is not None:
            met_examens(c, *examens)
    for i, *meldingen in run("omstandigheden"):
        if (c := cases.get(i)) is not None:
            met_omstandigheden(c, *meldingen)
    for i, *afschaling in run("afschaling"):
        if (c := cases.get(i)) is not None:
            met_afschaling(c, *afschaling)
    fold_verwijzingen(connection, queries, params, cases)
    return list(cases.values())


# A case's per-inburgeraar counts from a row of the `examens`, `omstandigheden` and `afschaling` queries (without
# their inburgeraar id); a case without rows keeps CaseCijfers' defaults.

def met_examens(c: CaseCijfers, aantal: int, geslaagd: Any, laatst: Any) -> None:
    c.examens_aantal, c.examens_geslaagd, c.examen_laatst_geregistreerd = \
        aantal, int(geslaagd or 0), as_datetime(laatst)


def met_omstandigheden(c: CaseCijfers, aantal: int, laatst: Any, datum: Any) -> None:
    c.omstandigheden_aantal, c.omstandigheden_laatst_gemeld, c.omstandigheden_laatste_datum = \
        aantal, as_datetime(laatst), as_date(datum)


def met_afschaling(c: CaseCijfers, aantal: int, oudste: Any) -> None:
    c.afschaling_open, c.afschaling_oudste = aantal, as_datetime(oudste)


def fold_verwijzingen(
    connection: Connection, queries: Mapping[str, Select[Any]], params: Mapping[str, Any] | None,
    cases: Mapping[int, CaseCijfers],
) -> None:
    """Run the `verwijzingen` and `presentie` queries of `caseload_queries` and add each verwijzing's figures to
    its case in `cases` (by inburgeraar id), in the query's order (beoogde startdatum, id)."""
    uren = {m[0]: m for m in connection.execute(queries["presentie"], params or {}).all()}
    result = connection.execute(queries["verwijzingen"], params or {})
    ix = {key: n for n, key in enumerate(result.keys())}
    for m in result.all():
        if (c := cases.get(m[0])) is not None:
            c.verwijzingen.append(verwijzing_cijfers(m, ix, uren.get(m[ix["v_id"]], _GEEN_UREN)))


def fold_met_presentie(result: Result[Any], cases: Mapping[int, CaseCijfers]) -> Sequence[Row[Any]]:
    """Add the figures of each row of a `met_presentie_erbij` statement (which may select more after its columns)
    to its case in `cases`, as `fold_verwijzingen` does with the two statements; returns the rows."""
    ix = {key: n for n, key in enumerate(result.keys())}
    k = ix["verwijzing_id"]  # the presentie row's columns, in presentie_per_verwijzing's shape
    rows = result.all()
    for m in rows:
        if (c := cases.get(m[0])) is not None:
            c.verwijzingen.append(verwijzing_cijfers(m, ix, m[k:k + 6] if m[k] is not None else _GEEN_UREN))
    return rows


def met_presentie_erbij(queries: Mapping[str, Select[Any]]) -> Select[Any]:
    """The `verwijzingen` query of `caseload_queries` with its `presentie` query outer-joined to each row: for one
    case (the case page) one statement instead of two, read by `fold_met_presentie` (for a caseload the two stay
    apart: see caseload_queries)."""
    presentie = queries["presentie"].subquery("presentie")
    return queries["verwijzingen"].add_columns(*presentie.c).outerjoin(
        presentie, presentie.c.verwijzing_id == Verwijzing.id)


_NUL_UREN = Decimal("0.00")
# A verwijzing without presence, in presentie_per_verwijzing's shape (hours as as_decimal would make them).
_GEEN_UREN = (None, _NUL_UREN, _NUL_UREN, _NUL_UREN, _NUL_UREN, None)


def case_cijfers(m: Sequence[Any]) -> CaseCijfers:
    """One case's own figures from a row of the `cases` query, by position."""
    return CaseCijfers(
        id=m[0], voornamen=m[1], achternaam=m[2], bsn=m[3], geboortedatum=as_date(m[4]), gemeente_id=m[5],
        gemeente_naam=m[6], klantregisseur_id=m[7], klantregisseur_naam=m[8], doelgroep=m[9],
        datum_kennisgeving=m[10], datum_brp_inschrijving=m[11], termijn_verlengd_tot=m[12], pip_versies=m[13] or 0,
        eerste_dagtekening=as_date(m[14]), leerroute=Leerroute(m[15]) if m[15] else None,
        niveau=NiveauPip(m[16]) if m[16] else None, geschatte_intensiteit=m[17], zroute_norm_gezinsmigrant=m[18],
    )


def verwijzing_cijfers(
    m: Sequence[Any], ix: Mapping[str, int], uren: Sequence[Any] | None = None
) -> VerwijzingCijfers:
    """One verwijzing's figures from a row holding the `verwijzing_kolommen` in their order, from `ix["v_id"]`
    on (`ix`: column name -> position); the presence figures from `uren` (a `presentie_per_verwijzing` row) or
    else from the row itself."""
    n = ix["v_id"]
    (v_id, kenmerk, onderdeel, status, aanbieder_id, aanbieder_naam, contract_id, beoogde_start, uiterste_einde,
     gecontracteerd, start, einde, reden_later, niet_gestart, reden_niet, afgerond) = m[n:n + 16]
    if uren is None:
        uren = (None, *m[n + 16:n + 21])
    return VerwijzingCijfers(
        v_id, kenmerk, onderdeel, status, aanbieder_id, aanbieder_naam, contract_id, beoogde_start, uiterste_einde,
        gecontracteerd, start, einde, reden_later, bool(niet_gestart), reden_niet,
        uren_aanwezig_totaal=as_decimal(uren[1]),
        uren_aanwezig_4w=as_decimal(uren[2]),
        uren_geoorloofd_4w=as_decimal(uren[3]),
        uren_ongeoorloofd_4w=as_decimal(uren[4]),
        laatste_presentie=as_date(uren[5]),
        afgerond_resultaat=bool(afgerond),
    )
