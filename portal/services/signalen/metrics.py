"""The metrics of the regie signals: one set-based query per caseload and the folding of its rows into figures.

The query returns one row per verwijzing (or one row for an inburgeraar without verwijzingen) with the
inburgeraar's own figures repeated; presence is aggregated per verwijzing in the database, never row by row
in Python. Every part is scoped through portal.access.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Result, Select, and_, case, func, or_, select

from portal import access
from portal.domain import aanwezigheid, termijnen, trajecten, zoeken
from portal.models import (
    Aanbieder,
    Afschalingsverzoek,
    Examenresultaat,
    Gemeente,
    Inburgeraar,
    OmstandighedenMelding,
    Pip,
    Presentie,
    PresentieTotaal,
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

    @property
    def open(self) -> bool:
        """Still to be delivered: referred or running."""
        return trajecten.is_open(self.status, self.niet_gestart)

    @property
    def aanwezigheid_4w(self) -> Decimal | None:
        """Attendance over the last four weeks (portal.domain.aanwezigheid); None without planned hours."""
        return aanwezigheid.percentage(self.uren_aanwezig_4w, self.uren_geoorloofd_4w + self.uren_ongeoorloofd_4w)

    @property
    def einddatum(self) -> date:
        """The provider's adjusted end date where given, else the gemeente's uiterste einddatum."""
        return termijnen.traject_einddatum(self.uiterste_einddatum, self.bijgestelde_einddatum)

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
    afschaling_open: int
    afschaling_oudste: datetime | None
    examens_aantal: int
    examens_geslaagd: int
    examen_laatst_geregistreerd: datetime | None
    omstandigheden_aantal: int
    omstandigheden_laatst_gemeld: datetime | None
    omstandigheden_laatste_datum: date | None
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
        return max((s.ernst for s in self.signalen), default=0)

    @property
    def samenvatting(self) -> list[tuple[int, str, int]]:
        """(highest ernst, title, how many) per kind of signal, most urgent first: one line per kind in lists."""
        per_code: dict[str, list[Any]] = {}
        for s in self.signalen:
            if s.code in per_code:
                per_code[s.code][2] += 1
            else:
                per_code[s.code] = [s.ernst, s.titel, 1]
        return [(e, t, n) for e, t, n in per_code.values()]

    @property
    def aanbieders(self) -> list[str]:
        """The names of the aanbieders this inburgeraar is referred to (only their own verwijzingen)."""
        return sorted({v.aanbieder_naam for v in self.verwijzingen})

    @property
    def bsn_einde(self) -> str:
        """The BSN's last four digits: enough to tell namesakes apart without showing the whole number."""
        return self.bsn[-4:]


@dataclass(frozen=True)
class Filters:
    """What the overview narrows the caseload to; all optional."""

    gemeente_id: int | None = None
    klantregisseur_id: int | None = None
    leerroute: Leerroute | None = None
    doelgroep: Doelgroep | None = None
    aanbieder_id: int | None = None
    zoek: str | None = None
    inburgeraar_id: int | None = None


def aanwezigheid_venster(today: date) -> date:
    """The first day of the attendance window ("the last four weeks") that ends today."""
    return aanwezigheid.venster_start(today)


def presentie_per_verwijzing(
    verwijzing_ids: Select[Any], venster: date, *, met_presentie_sinds: date | None = None
) -> Select[Any]:
    """Presence hours per verwijzing among `verwijzing_ids`: in total and since `venster` (the attendance window).

    Totals come from the kept totals (portal.services.kept_totals), the window from the presentie rows of the
    last four weeks only, so the cost follows the window and the number of verwijzingen, not the history.
    `met_presentie_sinds` keeps only verwijzingen with presence on or after that day.
    """
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
    recent = (
        select(
            Presentie.verwijzing_id.label("verwijzing_id"),
            func.sum(Presentie.uren_aanwezig).label("aanwezig"),
            func.sum(Presentie.uren_afwezig_geoorloofd).label("geoorloofd"),
            func.sum(Presentie.uren_afwezig_ongeoorloofd).label("ongeoorloofd"),
        )
        .where(Presentie.verwijzing_id.in_(verwijzing_ids), Presentie.datum >= venster)
        .group_by(Presentie.verwijzing_id)
        .subquery("recent")
    )
    query = select(
        kept.c.verwijzing_id,
        kept.c.aanwezig_totaal,
        func.coalesce(recent.c.aanwezig, 0).label("aanwezig_4w"),
        func.coalesce(recent.c.geoorloofd, 0).label("geoorloofd_4w"),
        func.coalesce(recent.c.ongeoorloofd, 0).label("ongeoorloofd_4w"),
        kept.c.laatste,
    ).select_from(kept).outerjoin(recent, recent.c.verwijzing_id == kept.c.verwijzing_id)
    if met_presentie_sinds is not None:
        query = query.where(kept.c.laatste >= met_presentie_sinds)
    return query


def afgerond_resultaat() -> Any:
    """SQL: the verwijzing's RouteResultaat holds an end result (MAP, PVT, Z-route or taalschakeltraject)."""
    return or_(
        RouteResultaat.datum_eindgesprek_map.is_not(None),
        RouteResultaat.datum_ondertekening_pvt.is_not(None),
        RouteResultaat.datum_afronding_z_route.is_not(None),
        RouteResultaat.taalschakel_resultaat.is_not(None),
    )


def verwijzing_kolommen(presentie: Any) -> list[Any]:
    """The labelled columns `verwijzing_cijfers` reads; the query joins Verwijzing, Aanbieder, TrajectStart,
    RouteResultaat and the `presentie_per_verwijzing` CTE."""
    return [
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
        TrajectStart.reden_latere_start.label("t_reden_later"),
        TrajectStart.niet_gestart.label("t_niet_gestart"),
        TrajectStart.reden_niet_gestart.label("t_reden_niet"),
        presentie.c.aanwezig_totaal,
        presentie.c.aanwezig_4w,
        presentie.c.geoorloofd_4w,
        presentie.c.ongeoorloofd_4w,
        presentie.c.laatste.label("laatste_presentie"),
        case((afgerond_resultaat(), True), else_=False).label("afgerond_resultaat"),
    ]


def metrics_query(user: User, today: date, filters: Filters = Filters()) -> Select[Any]:
    """The one set-based query: per verwijzing (or per inburgeraar without one) every figure the rules use.

    Every part is scoped through portal.access, so the figures count only what the user may see
    (for instance health-related omstandigheden only for the klantregisseur).
    """
    # The filters on the inburgeraar itself narrow every part, not only the outer query: the case page of one
    # inburgeraar reads that inburgeraar's rows, the own caseload only those of the own cases.
    scope_ids = _scope_filters(access.inburgeraars(user), filters).with_only_columns(Inburgeraar.id).order_by(None)
    verwijzing_ids = (
        access.verwijzingen(user).with_only_columns(Verwijzing.id).where(Verwijzing.inburgeraar_id.in_(scope_ids))
    )
    venster = aanwezigheid_venster(today)

    # Per inburgeraar, looked up through the pip index (inburgeraar_id, versie): SQLite would otherwise scan a
    # materialised per-inburgeraar aggregate once per row (5,000 x 5,000 for a whole region).
    pip_versies = (
        select(func.max(Pip.versie)).where(Pip.inburgeraar_id == Inburgeraar.id).correlate(Inburgeraar)
        .scalar_subquery()
    )
    eerste_dagtekening = (
        select(Pip.dagtekening).where(Pip.inburgeraar_id == Inburgeraar.id, Pip.versie == 1)
        .correlate(Inburgeraar).scalar_subquery()
    )
    huidige_pip = Pip.__table__.alias("huidige_pip")

    presentie = presentie_per_verwijzing(verwijzing_ids, venster).cte("presentie_per_verwijzing")
    examens = (
        access.examenresultaten(user)
        .with_only_columns(
            Examenresultaat.inburgeraar_id.label("inburgeraar_id"),
            func.count().label("aantal"),
            func.sum(case((Examenresultaat.resultaat == Examenuitslag.GESLAAGD, 1), else_=0)).label("geslaagd"),
            func.max(Examenresultaat.created_at).label("laatst"),
        )
        .where(Examenresultaat.inburgeraar_id.in_(scope_ids))
        .group_by(Examenresultaat.inburgeraar_id)
        .cte("examens")
    )
    omstandigheden = (
        access.omstandigheden(user)
        .with_only_columns(
            OmstandighedenMelding.inburgeraar_id.label("inburgeraar_id"),
            func.count().label("aantal"),
            func.max(OmstandighedenMelding.created_at).label("laatst"),
            func.max(OmstandighedenMelding.datum).label("laatste_datum"),
        )
        .where(OmstandighedenMelding.inburgeraar_id.in_(scope_ids))
        .group_by(OmstandighedenMelding.inburgeraar_id)
        .cte("omstandigheden")
    )
    afschaling = (
        access.afschalingsverzoeken(user)
        .with_only_columns(
            Afschalingsverzoek.inburgeraar_id.label("inburgeraar_id"),
            func.count().label("open"),
            func.min(Afschalingsverzoek.ingediend_op).label("oudste"),
        )
        .where(Afschalingsverzoek.status == AfschalingStatus.INGEDIEND,
               Afschalingsverzoek.inburgeraar_id.in_(scope_ids))
        .group_by(Afschalingsverzoek.inburgeraar_id)
        .cte("afschaling_open")
    )
    query = (
        select(
            Inburgeraar.id,
            Inburgeraar.voornamen,
            Inburgeraar.achternaam,
            Inburgeraar.bsn,
            Inburgeraar.geboortedatum,
            Inburgeraar.gemeente_id,
            Gemeente.naam.label("gemeente_naam"),
            Gemeente.zroute_taal_norm_gezinsmigrant.label("zroute_norm"),
            Inburgeraar.klantregisseur_id,
            User.naam.label("klantregisseur_naam"),
            Inburgeraar.doelgroep,
            Inburgeraar.datum_kennisgeving,
            Inburgeraar.datum_brp_inschrijving,
            Inburgeraar.termijn_verlengd_tot,
            pip_versies.label("versies"),
            eerste_dagtekening.label("eerste_dagtekening"),
            huidige_pip.c.leerroute,
            huidige_pip.c.niveau,
            huidige_pip.c.geschatte_intensiteit,
            afschaling.c.open.label("afschaling_open"),
            afschaling.c.oudste.label("afschaling_oudste"),
            examens.c.aantal.label("examens_aantal"),
            examens.c.geslaagd.label("examens_geslaagd"),
            examens.c.laatst.label("examen_laatst"),
            omstandigheden.c.aantal.label("omstandigheden_aantal"),
            omstandigheden.c.laatst.label("omstandigheden_laatst"),
            omstandigheden.c.laatste_datum.label("omstandigheden_datum"),
            *verwijzing_kolommen(presentie),
        )
        .select_from(Inburgeraar)
        .join(Gemeente, Gemeente.id == Inburgeraar.gemeente_id)
        .outerjoin(User, User.id == Inburgeraar.klantregisseur_id)
        .outerjoin(
            huidige_pip,
            and_(huidige_pip.c.inburgeraar_id == Inburgeraar.id, huidige_pip.c.versie == pip_versies),
        )
        .outerjoin(afschaling, afschaling.c.inburgeraar_id == Inburgeraar.id)
        .outerjoin(examens, examens.c.inburgeraar_id == Inburgeraar.id)
        .outerjoin(omstandigheden, omstandigheden.c.inburgeraar_id == Inburgeraar.id)
        .outerjoin(Verwijzing, Verwijzing.inburgeraar_id == Inburgeraar.id)
        .outerjoin(Aanbieder, Aanbieder.id == Verwijzing.aanbieder_id)
        .outerjoin(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .outerjoin(presentie, presentie.c.verwijzing_id == Verwijzing.id)
        .outerjoin(RouteResultaat, RouteResultaat.verwijzing_id == Verwijzing.id)
        .where(Inburgeraar.id.in_(scope_ids))
        .order_by(Inburgeraar.id, Verwijzing.beoogde_startdatum, Verwijzing.id)
    )
    return _apply_filters(query, filters, huidige_pip)


def _scope_filters(query: Select[Any], filters: Filters) -> Select[Any]:
    """The filters on the inburgeraar's own columns (not leerroute or aanbieder, which need joins)."""
    if filters.inburgeraar_id is not None:
        query = query.where(Inburgeraar.id == filters.inburgeraar_id)
    if filters.gemeente_id is not None:
        query = query.where(Inburgeraar.gemeente_id == filters.gemeente_id)
    if filters.klantregisseur_id is not None:
        query = query.where(Inburgeraar.klantregisseur_id == filters.klantregisseur_id)
    if filters.doelgroep is not None:
        query = query.where(Inburgeraar.doelgroep == filters.doelgroep)
    gezocht = zoeken.clause(filters.zoek, voornamen=Inburgeraar.voornamen, achternaam=Inburgeraar.achternaam,
                            bsn=Inburgeraar.bsn)
    return query if gezocht is None else query.where(gezocht)


def _apply_filters(query: Select[Any], filters: Filters, huidige_pip: Any) -> Select[Any]:
    if filters.inburgeraar_id is not None:
        query = query.where(Inburgeraar.id == filters.inburgeraar_id)
    if filters.gemeente_id is not None:
        query = query.where(Inburgeraar.gemeente_id == filters.gemeente_id)
    if filters.klantregisseur_id is not None:
        query = query.where(Inburgeraar.klantregisseur_id == filters.klantregisseur_id)
    if filters.doelgroep is not None:
        query = query.where(Inburgeraar.doelgroep == filters.doelgroep)
    if filters.leerroute is not None:
        query = query.where(huidige_pip.c.leerroute == filters.leerroute)
    if filters.aanbieder_id is not None:
        bij_aanbieder = select(Verwijzing.inburgeraar_id).where(Verwijzing.aanbieder_id == filters.aanbieder_id)
        query = query.where(Inburgeraar.id.in_(bij_aanbieder))
    gezocht = zoeken.clause(filters.zoek, voornamen=Inburgeraar.voornamen, achternaam=Inburgeraar.achternaam,
                            bsn=Inburgeraar.bsn)
    if gezocht is not None:
        query = query.where(gezocht)
    return query


def group_rows(result: Result[Any]) -> list[CaseCijfers]:
    """Fold the query's rows (ordered by inburgeraar) into one CaseCijfers per inburgeraar."""
    cases: list[CaseCijfers] = []
    current: CaseCijfers | None = None
    # Positional access: building a mapping per row costs more than the rules themselves.
    ix = {key: n for n, key in enumerate(result.keys())}
    for m in result:
        if current is None or current.id != m[ix["id"]]:
            current = CaseCijfers(
                id=m[ix["id"]],
                voornamen=m[ix["voornamen"]],
                achternaam=m[ix["achternaam"]],
                bsn=m[ix["bsn"]],
                geboortedatum=as_date(m[ix["geboortedatum"]]),
                gemeente_id=m[ix["gemeente_id"]],
                gemeente_naam=m[ix["gemeente_naam"]],
                zroute_norm_gezinsmigrant=m[ix["zroute_norm"]],
                klantregisseur_id=m[ix["klantregisseur_id"]],
                klantregisseur_naam=m[ix["klantregisseur_naam"]],
                doelgroep=m[ix["doelgroep"]],
                datum_kennisgeving=m[ix["datum_kennisgeving"]],
                datum_brp_inschrijving=m[ix["datum_brp_inschrijving"]],
                termijn_verlengd_tot=m[ix["termijn_verlengd_tot"]],
                pip_versies=m[ix["versies"]] or 0,
                eerste_dagtekening=as_date(m[ix["eerste_dagtekening"]]),
                leerroute=Leerroute(m[ix["leerroute"]]) if m[ix["leerroute"]] else None,
                niveau=NiveauPip(m[ix["niveau"]]) if m[ix["niveau"]] else None,
                geschatte_intensiteit=m[ix["geschatte_intensiteit"]],
                afschaling_open=m[ix["afschaling_open"]] or 0,
                afschaling_oudste=as_datetime(m[ix["afschaling_oudste"]]),
                examens_aantal=m[ix["examens_aantal"]] or 0,
                examens_geslaagd=int(m[ix["examens_geslaagd"]] or 0),
                examen_laatst_geregistreerd=as_datetime(m[ix["examen_laatst"]]),
                omstandigheden_aantal=m[ix["omstandigheden_aantal"]] or 0,
                omstandigheden_laatst_gemeld=as_datetime(m[ix["omstandigheden_laatst"]]),
                omstandigheden_laatste_datum=as_date(m[ix["omstandigheden_datum"]]),
            )
            cases.append(current)
        if m[ix["v_id"]] is None:
            continue
        current.verwijzingen.append(verwijzing_cijfers(m, ix))
    return cases


def verwijzing_cijfers(m: Sequence[Any], ix: Mapping[str, int]) -> VerwijzingCijfers:
    """One verwijzing's figures from a row holding the `verwijzing_kolommen` (`ix`: column name -> position)."""
    return VerwijzingCijfers(
        id=m[ix["v_id"]],
        kenmerk=m[ix["v_kenmerk"]],
        onderdeel=m[ix["v_onderdeel"]],
        status=m[ix["v_status"]],
        aanbieder_id=m[ix["v_aanbieder_id"]],
        aanbieder_naam=m[ix["v_aanbieder_naam"]],
        contract_id=m[ix["v_contract_id"]],
        beoogde_startdatum=m[ix["v_beoogde_start"]],
        uiterste_einddatum=m[ix["v_uiterste_einde"]],
        gecontracteerde_uren=m[ix["v_uren"]],
        gerealiseerde_startdatum=m[ix["t_start"]],
        bijgestelde_einddatum=m[ix["t_einde"]],
        reden_latere_start=m[ix["t_reden_later"]],
        niet_gestart=bool(m[ix["t_niet_gestart"]]),
        reden_niet_gestart=m[ix["t_reden_niet"]],
        uren_aanwezig_totaal=as_decimal(m[ix["aanwezig_totaal"]]),
        uren_aanwezig_4w=as_decimal(m[ix["aanwezig_4w"]]),
        uren_geoorloofd_4w=as_decimal(m[ix["geoorloofd_4w"]]),
        uren_ongeoorloofd_4w=as_decimal(m[ix["ongeoorloofd_4w"]]),
        laatste_presentie=as_date(m[ix["laatste_presentie"]]),
        afgerond_resultaat=bool(m[ix["afgerond_resultaat"]]),
    )
