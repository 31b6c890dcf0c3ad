"""THE regie rules module: one set-based query gathers the metrics, pure functions turn them into signals.

The caseload overview, the case page, the export and the benchmark all call `caseload()`, so a signal
means the same everywhere. The query returns one row per verwijzing (or one row for an inburgeraar
without verwijzingen) with the inburgeraar's own figures repeated; presence is aggregated per verwijzing
in the database, never row by row in Python. Thresholds come from `SignaalDrempels` per gemeente (the row
without gemeente is the installation default) and, for attendance, from `ContractSignaalDrempels`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import IntEnum
from typing import Any

from sqlalchemy import Result, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal import access
from portal.formatting import datum, getal
from portal.models import (
    Aanbieder,
    Afschalingsverzoek,
    Contract,
    ContractSignaalDrempels,
    Examenresultaat,
    Gemeente,
    Inburgeraar,
    OmstandighedenMelding,
    Pip,
    Presentie,
    RouteResultaat,
    SignaalDrempels,
    TrajectStart,
    User,
    Verwijzing,
)
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, VerwijzingStatus
from portal.models.inburgeraar import termijn_einde
from portal.models.resultaat import AfschalingStatus, Examenuitslag
from portal.models.signaal import STANDAARD_DREMPELS
from portal.services.cases import add_months

AANWEZIGHEID_DAGEN = 28  # "over the last 4 weeks"
PIP_WEKEN = 10  # Besluit inburgering art. 5.3: PIP within 10 weeks of kennisgeving or BRP registration
PIP_WAARSCHUWING_DAGEN = 14  # warn two weeks before the PIP deadline
MIN_DAGEN_VOOR_TEMPO = 28  # hours-behind-pace is noise in the first weeks of a traject
OPEN_STATUSSEN = (VerwijzingStatus.VERWEZEN, VerwijzingStatus.GESTART)
# Hour norms per onderdeel (DOMAIN.md §3): Z-route 800 h taal + 800 h participatie, MAP practical part >= 40 h,
# PVT >= 12 h. The B1-route uses the PIP's geschatte intensiteit, else the contracted hours.
UREN_NORM: dict[Onderdeel, int] = {
    Onderdeel.Z_ROUTE_TAAL: 800,
    Onderdeel.Z_ROUTE_PARTICIPATIE: 800,
    Onderdeel.MAP: 40,
    Onderdeel.PVT: 12,
}


class Ernst(IntEnum):
    """How urgent a signal is; higher sorts first."""

    INFO = 1
    LET_OP = 2
    HOOG = 3

    @property
    def label(self) -> str:
        return {Ernst.INFO: "Ter informatie", Ernst.LET_OP: "Let op", Ernst.HOOG: "Actie nodig"}[self]


# code -> short title; also the choices of the overview's signal filter.
SIGNAAL_SOORTEN: dict[str, str] = {
    "pip_termijn": "PIP niet op tijd vastgesteld",
    "niet_gestart": "Verwijzing niet gestart",
    "late_start": "Later gestart dan beoogd",
    "aanwezigheid_laag": "Aanwezigheid onder de drempel",
    "geen_presentie": "Geen presentie geregistreerd",
    "uren_achter": "Uren achter op de norm",
    "termijn_einde": "Inburgeringstermijn eindigt, onderdelen open",
    "map_pvt_deadline": "Einddatum MAP/PVT nadert",
    "afschaling_wacht": "Afschalingsverzoek wacht op besluit",
    "examen_nieuw": "Nieuw examenresultaat",
    "omstandigheden": "Omstandigheden gewijzigd",
}


@dataclass(frozen=True, slots=True)
class Signaal:
    """One reason for the klantregisseur to look at a case, with the numbers behind it in words.

    The explanation is written only when someone reads it: the overview decides and sorts on thousands
    of signals but shows a page of them, and Dutch number formatting is the costly part.
    """

    code: str
    titel: str
    tekst: Callable[[], str] = field(repr=False, compare=False)
    ernst: Ernst = Ernst.INFO
    verwijzing_id: int | None = None

    @property
    def uitleg(self) -> str:
        """Why this signal fires, with the numbers behind it."""
        return self.tekst()


# --- thresholds ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drempels:
    """The thresholds that apply to one gemeente (and, for attendance, one contract)."""

    weken_niet_gestart: int = STANDAARD_DREMPELS["weken_niet_gestart"]
    dagen_late_start: int = STANDAARD_DREMPELS["dagen_late_start"]
    aanwezigheid_min_pct: int = STANDAARD_DREMPELS["aanwezigheid_min_pct"]
    dagen_geen_presentie: int = STANDAARD_DREMPELS["dagen_geen_presentie"]
    uren_achterstand_pct: int = STANDAARD_DREMPELS["uren_achterstand_pct"]
    maanden_termijn_einde: int = STANDAARD_DREMPELS["maanden_termijn_einde"]
    dagen_map_pvt_deadline: int = STANDAARD_DREMPELS["dagen_map_pvt_deadline"]
    dagen_afschaling_wachten: int = STANDAARD_DREMPELS["dagen_afschaling_wachten"]
    dagen_nieuw: int = STANDAARD_DREMPELS["dagen_nieuw"]
    # Where the attendance threshold comes from, for the explanation ("contract C-00012" / "gemeente").
    aanwezigheid_bron: str = "standaard"


_DREMPEL_VELDEN = [f.name for f in fields(Drempels) if f.name != "aanwezigheid_bron"]


@dataclass
class DrempelTabel:
    """All thresholds of the installation, loaded once per request (the tables are small)."""

    standaard: Drempels
    per_gemeente: dict[int, Drempels]
    per_contract: dict[int, tuple[str, ContractSignaalDrempels]]

    def voor(self, gemeente_id: int | None, contract_id: int | None = None) -> Drempels:
        """Thresholds for a gemeente, with a contract's attendance thresholds on top when it has them."""
        basis = self.per_gemeente.get(gemeente_id, self.standaard) if gemeente_id is not None else self.standaard
        if contract_id is None or contract_id not in self.per_contract:
            return basis
        kenmerk, regel = self.per_contract[contract_id]
        changes: dict[str, Any] = {}
        if regel.aanwezigheid_min_pct is not None:
            changes["aanwezigheid_min_pct"] = regel.aanwezigheid_min_pct
            changes["aanwezigheid_bron"] = f"contract {kenmerk}"
        if regel.dagen_geen_presentie is not None:
            changes["dagen_geen_presentie"] = regel.dagen_geen_presentie
        return replace(basis, **changes) if changes else basis


def _drempels(row: SignaalDrempels, bron: str) -> Drempels:
    return Drempels(**{name: getattr(row, name) for name in _DREMPEL_VELDEN}, aanwezigheid_bron=bron)


def laad_drempels(session: Session) -> DrempelTabel:
    """Read every threshold row; a gemeente without a row uses the default row, else the built-in defaults."""
    rows = list(session.scalars(select(SignaalDrempels).order_by(SignaalDrempels.id)))
    standaard = next((_drempels(row, "standaard") for row in rows if row.gemeente_id is None), Drempels())
    per_gemeente = {row.gemeente_id: _drempels(row, "gemeente") for row in rows if row.gemeente_id is not None}
    per_contract = {
        regel.contract_id: (kenmerk, regel)
        for regel, kenmerk in session.execute(
            select(ContractSignaalDrempels, Contract.kenmerk).join(
                Contract, Contract.id == ContractSignaalDrempels.contract_id
            )
        )
    }
    return DrempelTabel(standaard, per_gemeente, per_contract)


# --- metrics ------------------------------------------------------------------------------------

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
        return self.status in OPEN_STATUSSEN and not self.niet_gestart

    @property
    def einddatum(self) -> date:
        """The provider's adjusted end date where given, else the gemeente's uiterste einddatum."""
        return self.bijgestelde_einddatum or self.uiterste_einddatum

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

    @property
    def naam(self) -> str:
        return f"{self.voornamen} {self.achternaam}"

    @property
    def termijn_einde(self) -> date | None:
        """DUO's extended end date, else three years from the day after the first PIP's dagtekening."""
        if self.termijn_verlengd_tot:
            return self.termijn_verlengd_tot
        return termijn_einde(self.eerste_dagtekening) if self.eerste_dagtekening else None

    @property
    def pip_uiterlijk(self) -> date | None:
        starts = [d for d in (self.datum_kennisgeving, self.datum_brp_inschrijving) if d]
        return max(starts) + timedelta(weeks=PIP_WEKEN) if starts else None

    @property
    def hoogste_ernst(self) -> int:
        return max((s.ernst for s in self.signalen), default=0)

    @property
    def samenvatting(self) -> list[tuple[Ernst, str, int]]:
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
        return sorted({v.aanbieder_naam for v in self.verwijzingen})


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
    return today - timedelta(days=AANWEZIGHEID_DAGEN - 1)


def presentie_per_verwijzing(scope: Select[Any], venster: date) -> Select[Any]:
    """Presence hours per verwijzing of the Presentie rows `scope` selects: in total and since `venster`.

    `scope` is `access.presentie(user)` for a user's figures or `select(Presentie)` for the system job.
    """
    in_venster = Presentie.datum >= venster
    return scope.with_only_columns(
        Presentie.verwijzing_id.label("verwijzing_id"),
        func.sum(Presentie.uren_aanwezig).label("aanwezig_totaal"),
        func.sum(case((in_venster, Presentie.uren_aanwezig), else_=0)).label("aanwezig_4w"),
        func.sum(case((in_venster, Presentie.uren_afwezig_geoorloofd), else_=0)).label("geoorloofd_4w"),
        func.sum(case((in_venster, Presentie.uren_afwezig_ongeoorloofd), else_=0)).label("ongeoorloofd_4w"),
        func.max(Presentie.datum).label("laatste"),
    ).group_by(Presentie.verwijzing_id)


def verwijzing_kolommen(presentie: Any) -> list[Any]:
    """The labelled columns `verwijzing_cijfers` reads; the query joins Verwijzing, Aanbieder, TrajectStart,
    RouteResultaat and the `presentie_per_verwijzing` CTE."""
    afgerond = or_(
        RouteResultaat.datum_eindgesprek_map.is_not(None),
        RouteResultaat.datum_ondertekening_pvt.is_not(None),
        RouteResultaat.datum_afronding_z_route.is_not(None),
        RouteResultaat.taalschakel_resultaat.is_not(None),
    )
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
        case((afgerond, True), else_=False).label("afgerond_resultaat"),
    ]


def metrics_query(user: User, today: date, filters: Filters = Filters()) -> Select[Any]:
    """The one set-based query: per verwijzing (or per inburgeraar without one) every figure the rules use.

    Every part is scoped through portal.access, so the figures count only what the user may see
    (for instance health-related omstandigheden only for the klantregisseur).
    """
    scope_ids = access.inburgeraars(user).with_only_columns(Inburgeraar.id).order_by(None)
    venster = aanwezigheid_venster(today)

    pip_stand = (
        select(
            Pip.inburgeraar_id.label("inburgeraar_id"),
            func.max(Pip.versie).label("versies"),
            func.min(case((Pip.versie == 1, Pip.dagtekening))).label("eerste_dagtekening"),
        )
        .where(Pip.inburgeraar_id.in_(scope_ids))
        .group_by(Pip.inburgeraar_id)
        .cte("pip_stand")
    )
    huidige_pip = Pip.__table__.alias("huidige_pip")

    presentie = presentie_per_verwijzing(access.presentie(user), venster).cte("presentie_per_verwijzing")
    examens = (
        access.examenresultaten(user)
        .with_only_columns(
            Examenresultaat.inburgeraar_id.label("inburgeraar_id"),
            func.count().label("aantal"),
            func.sum(case((Examenresultaat.resultaat == Examenuitslag.GESLAAGD, 1), else_=0)).label("geslaagd"),
            func.max(Examenresultaat.created_at).label("laatst"),
        )
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
        .where(Afschalingsverzoek.status == AfschalingStatus.INGEDIEND)
        .group_by(Afschalingsverzoek.inburgeraar_id)
        .cte("afschaling_open")
    )
    query = (
        select(
            Inburgeraar.id,
            Inburgeraar.voornamen,
            Inburgeraar.achternaam,
            Inburgeraar.bsn,
            Inburgeraar.gemeente_id,
            Gemeente.naam.label("gemeente_naam"),
            Inburgeraar.klantregisseur_id,
            User.naam.label("klantregisseur_naam"),
            Inburgeraar.doelgroep,
            Inburgeraar.datum_kennisgeving,
            Inburgeraar.datum_brp_inschrijving,
            Inburgeraar.termijn_verlengd_tot,
            pip_stand.c.versies,
            pip_stand.c.eerste_dagtekening,
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
        .outerjoin(pip_stand, pip_stand.c.inburgeraar_id == Inburgeraar.id)
        .outerjoin(
            huidige_pip,
            and_(huidige_pip.c.inburgeraar_id == Inburgeraar.id, huidige_pip.c.versie == pip_stand.c.versies),
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
    zoek = (filters.zoek or "").strip()
    if zoek:
        if zoek.isdigit():
            query = query.where(Inburgeraar.bsn.startswith(zoek, autoescape=True))
        else:
            naam = func.lower(Inburgeraar.voornamen + " " + Inburgeraar.achternaam)
            query = query.where(naam.contains(zoek.lower(), autoescape=True))
    return query


def dec(value: Any) -> Decimal:
    """Sums come back as Decimal (PostgreSQL) or float/int (SQLite); compare and show them alike."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(round(float(value), 2)))


def as_date(value: Any) -> date | None:
    """A date from a database value (SQLite may hand back text or a datetime)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


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
                gemeente_id=m[ix["gemeente_id"]],
                gemeente_naam=m[ix["gemeente_naam"]],
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
                afschaling_oudste=_as_datetime(m[ix["afschaling_oudste"]]),
                examens_aantal=m[ix["examens_aantal"]] or 0,
                examens_geslaagd=int(m[ix["examens_geslaagd"]] or 0),
                examen_laatst_geregistreerd=_as_datetime(m[ix["examen_laatst"]]),
                omstandigheden_aantal=m[ix["omstandigheden_aantal"]] or 0,
                omstandigheden_laatst_gemeld=_as_datetime(m[ix["omstandigheden_laatst"]]),
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
        uren_aanwezig_totaal=dec(m[ix["aanwezig_totaal"]]),
        uren_aanwezig_4w=dec(m[ix["aanwezig_4w"]]),
        uren_geoorloofd_4w=dec(m[ix["geoorloofd_4w"]]),
        uren_ongeoorloofd_4w=dec(m[ix["ongeoorloofd_4w"]]),
        laatste_presentie=as_date(m[ix["laatste_presentie"]]),
        afgerond_resultaat=bool(m[ix["afgerond_resultaat"]]),
    )


# --- rules --------------------------------------------------------------------------------------

def _dagen(n: int) -> str:
    return "1 dag" if n == 1 else f"{n} dagen"


def _weken(n: int) -> str:
    return "1 week" if n == 1 else f"{n} weken"


def _uur(value: Decimal | float | int) -> str:
    return f"{getal(value, 1)} uur"


def regel_pip_termijn(case_: CaseCijfers, today: date) -> Signaal | None:
    """No PIP yet while the 10-week deadline has passed or is two weeks away."""
    uiterlijk = case_.pip_uiterlijk
    if case_.pip_versies or uiterlijk is None:
        return None
    start = max(d for d in (case_.datum_kennisgeving, case_.datum_brp_inschrijving) if d)
    bron = "inschrijving in de BRP" if start == case_.datum_brp_inschrijving and start != case_.datum_kennisgeving \
        else "kennisgeving van DUO"
    if uiterlijk < today:
        return Signaal(
            "pip_termijn", SIGNAAL_SOORTEN["pip_termijn"],
            lambda: (f"Er is nog geen PIP. De {bron} was op {datum(start)}; het PIP moest binnen {PIP_WEKEN} weken, "
                f"uiterlijk op {datum(uiterlijk)}, zijn vastgesteld. Dat is {_dagen((today - uiterlijk).days)} "
                "geleden."),
            Ernst.HOOG,
        )
    if (uiterlijk - today).days <= PIP_WAARSCHUWING_DAGEN:
        return Signaal(
            "pip_termijn", "PIP-termijn loopt af",
            lambda: (f"Er is nog geen PIP. De {bron} was op {datum(start)}; het PIP moet uiterlijk op "
                f"{datum(uiterlijk)} zijn vastgesteld, over {_dagen((uiterlijk - today).days)}."),
            Ernst.LET_OP,
        )
    return None


def regel_niet_gestart(case_: CaseCijfers, v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """Not started N weeks after the beoogde startdatum, or reported as not started by the provider."""
    if v.niet_gestart and v.status in OPEN_STATUSSEN:
        reden = f" Reden van de aanbieder: “{v.reden_niet_gestart}”." if v.reden_niet_gestart else ""
        return Signaal("niet_gestart", SIGNAAL_SOORTEN["niet_gestart"],
                       lambda: (f"De aanbieder meldt dat {v.omschrijving} niet is gestart (beoogde start "
                           f"{datum(v.beoogde_startdatum)}).{reden}"), Ernst.HOOG, v.id)
    if v.status is not VerwijzingStatus.VERWEZEN or v.gerealiseerde_startdatum or v.niet_gestart:
        return None
    te_laat = (today - v.beoogde_startdatum).days
    if te_laat < d.weken_niet_gestart * 7:
        return None
    return Signaal(
        "niet_gestart", SIGNAAL_SOORTEN["niet_gestart"],
        lambda: (f"{v.omschrijving} is {_weken(te_laat // 7)} ({_dagen(te_laat)}) na de beoogde startdatum "
            f"{datum(v.beoogde_startdatum)} nog niet gestart; de drempel is {_weken(d.weken_niet_gestart)}."),
        Ernst.HOOG, v.id,
    )


def regel_late_start(v: VerwijzingCijfers, d: Drempels) -> Signaal | None:
    """Started more than N days after the beoogde startdatum, with the provider's reason."""
    if not v.open or v.gerealiseerde_startdatum is None:
        return None
    later = (v.gerealiseerde_startdatum - v.beoogde_startdatum).days
    if later <= d.dagen_late_start:
        return None
    reden = f"Reden van de aanbieder: “{v.reden_latere_start}”." if v.reden_latere_start \
        else "De aanbieder heeft geen reden opgegeven."
    return Signaal(
        "late_start", SIGNAAL_SOORTEN["late_start"],
        lambda: (f"{v.omschrijving} is gestart op {datum(v.gerealiseerde_startdatum)}, {_dagen(later)} na de beoogde "
            f"startdatum {datum(v.beoogde_startdatum)} (drempel {_dagen(d.dagen_late_start)}). {reden}"),
        Ernst.INFO, v.id,
    )


def _actief(v: VerwijzingCijfers, today: date) -> bool:
    """A traject that has started, is not finished and has not passed its end date."""
    return (
        v.open
        and v.gerealiseerde_startdatum is not None
        and v.gerealiseerde_startdatum <= today
        and v.einddatum >= today
        and not v.afgerond_resultaat
    )


def regel_aanwezigheid(v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """Present hours / planned hours over the last four weeks below the threshold."""
    gepland = v.uren_aanwezig_4w + v.uren_geoorloofd_4w + v.uren_ongeoorloofd_4w
    if not v.open or gepland <= 0:
        return None
    pct = v.uren_aanwezig_4w * 100 / gepland
    if pct >= d.aanwezigheid_min_pct:
        return None
    vanaf = today - timedelta(days=AANWEZIGHEID_DAGEN - 1)
    return Signaal(
        "aanwezigheid_laag", SIGNAAL_SOORTEN["aanwezigheid_laag"],
        lambda: (f"{v.omschrijving}: aanwezig {_uur(v.uren_aanwezig_4w)} van {_uur(gepland)} geplande uren "
            f"({getal(pct, 1)}%) in de afgelopen 4 weken (vanaf {datum(vanaf)}); de drempel is "
            f"{d.aanwezigheid_min_pct}% ({d.aanwezigheid_bron}). Afwezig met reden {_uur(v.uren_geoorloofd_4w)}, "
            f"zonder reden {_uur(v.uren_ongeoorloofd_4w)}."),
        Ernst.HOOG if v.uren_ongeoorloofd_4w > 0 else Ernst.LET_OP, v.id,
    )


def regel_geen_presentie(v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """An active traject without any presence registered for N days."""
    if not _actief(v, today):
        return None
    if v.onderdeel in (Onderdeel.MAP, Onderdeel.PVT) and v.uren_aanwezig_totaal >= UREN_NORM[v.onderdeel]:
        # The practical hours are done; only the eindgesprek/ondertekening remains (its own deadline signal).
        return None
    assert v.gerealiseerde_startdatum is not None
    sinds = max(v.laatste_presentie or v.gerealiseerde_startdatum, v.gerealiseerde_startdatum)
    stil = (today - sinds).days
    if stil <= d.dagen_geen_presentie:
        return None
    wat = f"de laatste registratie op {datum(v.laatste_presentie)}" if v.laatste_presentie \
        else f"de start op {datum(v.gerealiseerde_startdatum)}"
    return Signaal(
        "geen_presentie", SIGNAAL_SOORTEN["geen_presentie"],
        lambda: (f"{v.omschrijving}: al {_dagen(stil)} geen presentie geregistreerd, sinds {wat}; de drempel is "
            f"{_dagen(d.dagen_geen_presentie)}."),
        Ernst.LET_OP, v.id,
    )


def uren_norm(case_: CaseCijfers, v: VerwijzingCijfers) -> tuple[Decimal, str] | None:
    """The hours a verwijzing should reach and where that number comes from."""
    if v.onderdeel in UREN_NORM:
        return Decimal(UREN_NORM[v.onderdeel]), f"norm {v.onderdeel.label}"
    if v.onderdeel is Onderdeel.B1_ROUTE and case_.geschatte_intensiteit:
        return Decimal(case_.geschatte_intensiteit), "geschatte intensiteit in het PIP"
    if v.gecontracteerde_uren:
        return Decimal(v.gecontracteerde_uren), "gecontracteerde uren"
    return None


def regel_uren_achter(case_: CaseCijfers, v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """Hours present lag the straight-line pace to the norm by more than the threshold percentage."""
    if not _actief(v, today):
        return None
    norm = uren_norm(case_, v)
    assert v.gerealiseerde_startdatum is not None
    duur = (v.einddatum - v.gerealiseerde_startdatum).days
    verstreken = (today - v.gerealiseerde_startdatum).days
    if norm is None or duur <= 0 or verstreken < MIN_DAGEN_VOOR_TEMPO:
        return None
    uren, bron = norm
    verwacht = uren * min(verstreken, duur) / duur
    if v.uren_aanwezig_totaal >= verwacht * (100 - d.uren_achterstand_pct) / 100:
        return None
    tempo = v.uren_aanwezig_totaal * 100 / verwacht
    return Signaal(
        "uren_achter", SIGNAAL_SOORTEN["uren_achter"],
        lambda: (f"{v.omschrijving}: na {_weken(verstreken // 7)} van {_weken(duur // 7)} hoort bij {_uur(uren)} "
            f"({bron}) een stand van {_uur(verwacht)}; gerealiseerd is {_uur(v.uren_aanwezig_totaal)} "
            f"({getal(tempo, 1)}% van het tempo). De drempel is {d.uren_achterstand_pct}% achterstand."),
        Ernst.LET_OP, v.id,
    )


def regel_termijn_einde(case_: CaseCijfers, d: Drempels, today: date) -> Signaal | None:
    """The inburgeringstermijn ends within N months (or has ended) while onderdelen are still open."""
    einde = case_.termijn_einde
    open_ = [v for v in case_.verwijzingen if v.open and not v.afgerond_resultaat]
    if einde is None or not open_:
        return None
    if einde > add_months(today, d.maanden_termijn_einde):
        return None
    namen = ", ".join(v.onderdeel.label for v in open_)
    wanneer = f"is op {datum(einde)} verstreken" if einde < today else \
        f"eindigt op {datum(einde)}, over {_dagen((einde - today).days)}"
    return Signaal(
        "termijn_einde", SIGNAAL_SOORTEN["termijn_einde"],
        lambda: (f"De inburgeringstermijn {wanneer}; de drempel is {d.maanden_termijn_einde} maanden. "
            f"Nog {len(open_)} onderdeel/onderdelen open: {namen}."),
        Ernst.HOOG, None,
    )


def regel_map_pvt(v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """A MAP or PVT without result whose end date is within N days or has passed."""
    if v.onderdeel not in (Onderdeel.MAP, Onderdeel.PVT) or not v.open or v.afgerond_resultaat:
        return None
    over = (v.einddatum - today).days
    if over > d.dagen_map_pvt_deadline:
        return None
    wat = "eindgesprek" if v.onderdeel is Onderdeel.MAP else "ondertekening van de participatieverklaring"
    wanneer = f"{_dagen(-over)} geleden verstreken" if over < 0 else f"over {_dagen(over)}"
    return Signaal(
        "map_pvt_deadline", SIGNAAL_SOORTEN["map_pvt_deadline"],
        lambda: (f"{v.omschrijving} moet uiterlijk op {datum(v.einddatum)} klaar zijn ({wanneer}; drempel "
            f"{_dagen(d.dagen_map_pvt_deadline)}). Het {wat} is nog niet geregistreerd."),
        Ernst.HOOG if over < 0 else Ernst.LET_OP, v.id,
    )


def regel_afschaling(case_: CaseCijfers, d: Drempels, today: date) -> Signaal | None:
    """Afschalingsverzoeken waiting for the klantregisseur's decision."""
    if not case_.afschaling_open or case_.afschaling_oudste is None:
        return None
    wacht = (today - as_date(case_.afschaling_oudste)).days  # type: ignore[operator]
    if wacht < d.dagen_afschaling_wachten:
        return None
    aantal = "1 afschalingsverzoek wacht" if case_.afschaling_open == 1 else \
        f"{case_.afschaling_open} afschalingsverzoeken wachten"
    oudste = case_.afschaling_oudste
    return Signaal(
        "afschaling_wacht", SIGNAAL_SOORTEN["afschaling_wacht"],
        lambda: f"{aantal} op uw besluit; ingediend op {datum(oudste)} ({_dagen(wacht)} geleden).",
        Ernst.HOOG, None,
    )


def regel_examen(case_: CaseCijfers, d: Drempels, today: date) -> Signaal | None:
    """An exam result registered in the last N days."""
    laatst = case_.examen_laatst_geregistreerd
    if laatst is None or (today - as_date(laatst)).days > d.dagen_nieuw:  # type: ignore[operator]
        return None
    aantal, geslaagd = case_.examens_aantal, case_.examens_geslaagd
    return Signaal(
        "examen_nieuw", SIGNAAL_SOORTEN["examen_nieuw"],
        lambda: (f"Examenresultaat geregistreerd op {datum(laatst)} (nieuw: minder dan {_dagen(d.dagen_nieuw)} oud). "
            f"In totaal {aantal} resultaten, waarvan {geslaagd} geslaagd."),
        Ernst.INFO, None,
    )


def regel_omstandigheden(case_: CaseCijfers, d: Drempels, today: date) -> Signaal | None:
    """Changed circumstances reported in the last N days."""
    laatst = case_.omstandigheden_laatst_gemeld
    if laatst is None or (today - as_date(laatst)).days > d.dagen_nieuw:  # type: ignore[operator]
        return None
    per, aantal = case_.omstandigheden_laatste_datum, case_.omstandigheden_aantal
    return Signaal(
        "omstandigheden", SIGNAAL_SOORTEN["omstandigheden"],
        lambda: (f"Een aanbieder meldde op {datum(laatst)} gewijzigde omstandigheden (per "
            f"{datum(per)}); {aantal} melding(en) in totaal."),
        Ernst.LET_OP, None,
    )


def signalen_voor(case_: CaseCijfers, tabel: DrempelTabel, today: date) -> list[Signaal]:
    """Every signal of one case, most urgent first."""
    d = tabel.voor(case_.gemeente_id)
    result = [
        regel_pip_termijn(case_, today),
        regel_termijn_einde(case_, d, today),
        regel_afschaling(case_, d, today),
        regel_examen(case_, d, today),
        regel_omstandigheden(case_, d, today),
    ]
    for v in case_.verwijzingen:
        dv = tabel.voor(case_.gemeente_id, v.contract_id)
        result += [
            regel_niet_gestart(case_, v, dv, today),
            regel_late_start(v, dv),
            regel_aanwezigheid(v, dv, today),
            regel_geen_presentie(v, dv, today),
            regel_uren_achter(case_, v, dv, today),
            regel_map_pvt(v, dv, today),
        ]
    return sorted((s for s in result if s is not None), key=lambda s: -s.ernst)


def caseload(
    session: Session, user: User, *, today: date | None = None, filters: Filters = Filters(),
    tabel: DrempelTabel | None = None,
) -> list[CaseCijfers]:
    """The cases in scope that match the filters, each with its figures and signals."""
    today = today or date.today()
    tabel = tabel or laad_drempels(session)
    # Plain rows through the session's connection: the ORM's row loading adds nothing for column tuples.
    result = session.connection().execute(metrics_query(user, today, filters))
    # Thousands of small objects are made in one go; the cyclic GC would rescan them repeatedly for nothing.
    with _zonder_gc():
        cases = group_rows(result)
        for case_ in cases:
            case_.signalen = signalen_voor(case_, tabel, today)
    return cases


@contextmanager
def _zonder_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for an allocation-heavy loop (reference counting still frees)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def met_signaal(cases: Sequence[CaseCijfers], codes: Iterable[str]) -> list[CaseCijfers]:
    """Only the cases that have at least one of the given signals."""
    wanted = set(codes)
    return [c for c in cases if any(s.code in wanted for s in c.signalen)]
