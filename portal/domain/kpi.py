"""The prestatie-indicatoren (billing-and-kpis.md §A3): every KPI rule, once, as pure functions on typed records.

The dashboard, the comparison of aanbieders, the trend, the exports and the beleidsrapportage all call
`bereken()`. Attendance, hours, norms, terms, statuses and exam levels come from the other portal.domain
modules, the same functions the regie signals, the case page and the totals use. A share over fewer than
MIN_AANTAL units is not shown ("te weinig gegevens"): it says nothing and may point at a person. Where figures stand
next to a total the user also sees (the aanbieders of the comparison, the quarters of a year in the trend), a
withheld figure could be found by subtraction; `afschermen` then withholds another figure too.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from portal.domain import afronding, examens, normen, termijnen, trajecten
from portal.domain.afronding import percentage
from portal.domain.perioden import Kwartaal, Periode
from portal.formatting import aantal
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, VerwijzingStatus
from portal.models.resultaat import AfschalingStatus, Examenniveau, Examenonderdeel, Examenuitslag, ResultaatBron

MIN_AANTAL = 5
ZES_MAANDEN_DAGEN = 183  # 004 §5.1: "binnen 6 maanden na huisvesting"
STANDAARD_STREEF_6_MAANDEN = 80  # 004 §5.1 target, configurable per gemeente
AANLEVER_DAGEN = 14  # "presence in the last 14 days"
TAALSCHAKEL_WEKEN = (78, 104)  # 001 §4: the taalschakeltraject takes 1.5-2 years
# 001 Bijlage 1 §4: the ministry's expected route mix.
VERWACHTE_MIX = {Leerroute.B: 60, Leerroute.O: 25, Leerroute.Z: 15}
LEERROUTE_ONDERDELEN = (
    Onderdeel.B1_ROUTE, Onderdeel.ONDERWIJSROUTE, Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE,
)
Z_ONDERDELEN = (Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE)
_ZERO = Decimal(0)


def klein(omvang: int) -> bool:
    """The small-group rule: a figure over 1 to MIN_AANTAL - 1 units is withheld (0 units: nothing to count)."""
    return 0 < omvang < MIN_AANTAL


# --- records: what the rules read (built by portal.services.kpi from scoped queries, or by hand in tests) ---

@dataclass(frozen=True, slots=True)
class Uren:
    """Presence hours of one verwijzing in one quarter (or before the first quarter loaded); `laatste` is the last
    session day within the AANLEVER_DAGEN days up to the quarter's peildatum (None: no session then)."""

    aanwezig: Decimal = _ZERO
    geoorloofd: Decimal = _ZERO
    ongeoorloofd: Decimal = _ZERO
    laatste: date | None = None

    def __add__(self, other: Uren) -> Uren:
        laatste = max((d for d in (self.laatste, other.laatste) if d), default=None)
        return Uren(self.aanwezig + other.aanwezig, self.geoorloofd + other.geoorloofd,
                    self.ongeoorloofd + other.ongeoorloofd, laatste)

    @property
    def afwezig(self) -> Decimal:
        return self.geoorloofd + self.ongeoorloofd


@dataclass(slots=True)
class KpiVerwijzing:
    """One verwijzing with the facts the KPIs need."""

    id: int
    inburgeraar_id: int
    gemeente_id: int
    aanbieder_id: int
    contract_id: int
    onderdeel: Onderdeel
    status: VerwijzingStatus
    doelgroep: Doelgroep
    beoogde_startdatum: date
    uiterste_einddatum: date
    gecontracteerde_uren: Decimal | None = None
    geschatte_intensiteit: int | None = None  # of the PIP in force on the period's peildatum
    gerealiseerde_startdatum: date | None = None
    bijgestelde_einddatum: date | None = None
    reden_latere_start: str | None = None
    niet_gestart: bool = False
    reden_niet_gestart: str | None = None
    marge_dagen: int = 14  # the gemeente's late-start threshold (the same one the regie signal uses)
    termijn_einde: date | None = None  # the inburgeraar's inburgeringstermijn
    resultaat_datum: date | None = None  # MAP eindgesprek, PVT ondertekening, Z-route afronding, taalschakel
    taalschakel_behaald: bool | None = None
    verwijtbaar: bool | None = None
    zroute_norm_gezinsmigrant: int | None = None  # the gemeente's own Z-route taal norm (None: the default)
    uren_eerder: Uren = field(default_factory=Uren)  # before the first quarter loaded
    uren: dict[Kwartaal, Uren] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return trajecten.is_open(self.status, self.niet_gestart)

    @property
    def einddatum(self) -> date:
        return termijnen.traject_einddatum(self.uiterste_einddatum, self.bijgestelde_einddatum)

    def uren_in(self, periode: Periode) -> Uren:
        """Hours registered on days within the period."""
        total = Uren()
        for k in periode.kwartalen:
            if k in self.uren:
                total += self.uren[k]
        return total

    def uren_tot(self, peildatum: date) -> Uren:
        """Hours registered up to the end of the quarter that holds the peildatum."""
        total = self.uren_eerder
        for k, uren in self.uren.items():
            if k.van <= peildatum:
                total += uren
        return total

    def afgerond_op(self, peildatum: date) -> bool:
        return self.resultaat_datum is not None and self.resultaat_datum <= peildatum

    def actief_op(self, peildatum: date) -> bool:
        return trajecten.actief(self.open, self.gerealiseerde_startdatum, self.einddatum,
                                self.afgerond_op(peildatum), peildatum)


@dataclass(frozen=True, slots=True)
class KpiInburgeraar:
    """One inburgeraar; leerroute and niveau of the PIP in force on the period's peildatum (portal.domain.pip)."""

    id: int
    gemeente_id: int
    doelgroep: Doelgroep
    datum_brp_inschrijving: date | None
    leerroute: Leerroute | None
    niveau: NiveauPip | None


@dataclass(frozen=True, slots=True)
class KpiPip:
    """One PIP version, withdrawn or not (the leerroute mix counts versions as they were set)."""

    inburgeraar_id: int
    versie: int
    dagtekening: date
    leerroute: Leerroute
    niveau: NiveauPip | None = None
    geschatte_intensiteit: int | None = None
    ingetrokken_op: date | None = None  # the date its withdrawal takes effect


@dataclass(frozen=True, slots=True)
class KpiExamen:
    inburgeraar_id: int
    aanbieder_id: int | None  # of the verwijzing it was reported under; DUO's own results have none
    onderdeel: Examenonderdeel
    niveau: Examenniveau | None  # DUO's own results may lack it
    resultaat: Examenuitslag
    examendatum: date
    bron: ResultaatBron
    vereist: Examenniveau | None  # portal.domain.examens.vereist_niveau for this inburgeraar


@dataclass(frozen=True, slots=True)
class KpiAfschaling:
    id: int
    inburgeraar_id: int
    aanbieder_id: int
    status: AfschalingStatus
    uren_op_moment: Decimal
    ingediend_op: date
    besloten_op: date | None


@dataclass(frozen=True, slots=True)
class Latentie:
    """How many sessions of one aanbieder, held in one quarter, were registered `dagen` days after the session."""

    aanbieder_id: int
    kwartaal: Kwartaal
    dagen: int
    aantal: int


@dataclass
class KpiGegevens:
    """Everything the KPIs read, within what the user may see."""

    verwijzingen: list[KpiVerwijzing] = field(default_factory=list)
    inburgeraars: list[KpiInburgeraar] = field(default_factory=list)
    pips: list[KpiPip] = field(default_factory=list)
    examens: list[KpiExamen] = field(default_factory=list)
    afschalingen: list[KpiAfschaling] = field(default_factory=list)
    latenties: list[Latentie] = field(default_factory=list)
    # True when the selection is one aanbieder's verwijzingen (an aanbieder or contract filter, an aanbieder's
    # own scope, a column of the comparison): leerroute KPIs then count only the verwijzingen it has.
    per_aanbieder: bool = False

    def voor_aanbieder(self, aanbieder_id: int) -> KpiGegevens:
        """Only what one aanbieder delivered; inburgeraar-level facts for the inburgeraars it was referred."""
        verwijzingen = [v for v in self.verwijzingen if v.aanbieder_id == aanbieder_id]
        personen = {v.inburgeraar_id for v in verwijzingen}
        return KpiGegevens(
            verwijzingen=verwijzingen,
            inburgeraars=[i for i in self.inburgeraars if i.id in personen],
            pips=[p for p in self.pips if p.inburgeraar_id in personen],
            examens=[e for e in self.examens if e.aanbieder_id == aanbieder_id],
            afschalingen=[a for a in self.afschalingen if a.aanbieder_id == aanbieder_id],
            latenties=[lat for lat in self.latenties if lat.aanbieder_id == aanbieder_id],
            per_aanbieder=True,
        )


# --- results --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Aandeel:
    """`teller` of `noemer` units (verwijzingen or inburgeraars, by id); no percentage under MIN_AANTAL."""

    teller: frozenset[int]
    noemer: frozenset[int]
    eenheid: str = "verwijzingen"  # or "inburgeraars"
    # False when the selection has none of the verwijzingen the share is about (an aanbieder that runs no
    # leerroutes, for a leerroute KPI): "niet van toepassing", neither 0% nor measured against a target.
    van_toepassing: bool = True
    # Withheld although over MIN_AANTAL or more units: with a total the user sees, it would give away a small
    # group next to it (`afschermen`).
    afgeschermd: bool = False

    @property
    def omvang(self) -> int:
        """How many units the share is over: what the small-group rule compares with MIN_AANTAL."""
        return len(self.noemer)

    @property
    def achtergehouden(self) -> bool:
        """Withheld: over 1 to MIN_AANTAL - 1 units, or afgeschermd; no percentage and no counts."""
        return self.van_toepassing and (klein(self.omvang) or self.afgeschermd)

    @property
    def aantal(self) -> int | None:
        """The units counted, as shown; None when withheld ('1 van 3' would say the share, and nearly whom)."""
        return None if self.achtergehouden else len(self.teller)

    @property
    def totaal(self) -> int | None:
        """The units the share is over, as shown; None when withheld (the size is `omvang`)."""
        return None if self.achtergehouden else len(self.noemer)

    @property
    def percentage(self) -> Decimal | None:
        """Share in percent to one decimal (rounded half up); None when withheld, over no units, or n.v.t."""
        if self.achtergehouden or not self.omvang or not self.van_toepassing:
            return None
        return percentage(len(self.teller), self.omvang)


def aandeel(
    noemer: Iterable[int], teller: Iterable[int], eenheid: str = "verwijzingen", *, van_toepassing: bool = True,
) -> Aandeel:
    n = frozenset(noemer)
    return Aandeel(frozenset(teller) & n, n, eenheid, van_toepassing)


@dataclass(frozen=True)
class Rij:
    """One line of a KPI table: a share (linking to its units) and/or another figure with its unit."""

    key: str
    label: str
    aandeel: Aandeel | None = None
    waarde: Decimal | int | None = None
    eenheid: str = ""
    streef: int | None = None  # a target percentage where one is set
    # the units behind `waarde` when it is not a share (e.g. the verwijzingen a median is taken over)
    ids: frozenset[int] = frozenset()
    ids_eenheid: str = "verwijzingen"
    # The amounts a percentage `waarde` is computed from (hours, sessions, cents), so it can be checked: `teller`
    # of `noemer`, both in `maat`; a total on its own has a `teller` and no `noemer`.
    teller: Decimal | int | None = None
    noemer: Decimal | int | None = None
    maat: str = ""
    # False when the selection has none of the verwijzingen the row is about (as Aandeel.van_toepassing).
    van_toepassing: bool = True
    # The units the small-group rule counted when they are not `ids` (the sessions of the registration delay).
    gevallen: int | None = None
    # Withheld although not small: next to a total the user sees, it would give away a small group (`afschermen`).
    afgeschermd: bool = False
    # The key of the row whose units include this row's units: withheld when that row is (`_volgen`), as
    # 'na de termijn: verwijtbaar' would say how many of a withheld 'afgerond binnen de termijn' were late.
    binnen: str | None = None

    def __post_init__(self) -> None:
        """A withheld figure withholds its amounts too; a share that does not apply makes its row not apply."""
        if self.afgeschermd:
            object.__setattr__(self, "waarde", None)
            if self.aandeel is not None and not self.aandeel.afgeschermd:
                object.__setattr__(self, "aandeel", replace(self.aandeel, afgeschermd=True))
        # Under MIN_AANTAL the percentage is 'te weinig gegevens'; its hours or sessions would give it away.
        if self.waarde is None:
            object.__setattr__(self, "teller", None)
            object.__setattr__(self, "noemer", None)
        if self.aandeel is not None and not self.aandeel.van_toepassing:
            object.__setattr__(self, "van_toepassing", False)

    @property
    def omvang(self) -> int:
        """How many units the figure is over: what the small-group rule compares with MIN_AANTAL."""
        if self.aandeel is not None:
            return self.aandeel.omvang
        return self.gevallen if self.gevallen is not None else len(self.ids)

    @property
    def achtergehouden(self) -> bool:
        """Withheld under the small-group rule or afgeschermd: no figure, no counts or amounts, no link to its
        cases."""
        if not self.van_toepassing:
            return False
        if self.aandeel is not None:
            return self.aandeel.achtergehouden
        return self.afgeschermd or (self.waarde is None and klein(self.omvang))

    @property
    def geen_gegevens(self) -> bool:
        """Nothing to count: a share over no units, or a figure without a value over none."""
        return self.omvang == 0 and (self.aandeel is not None or self.waarde is None)

    @property
    def toont_aantallen(self) -> bool:
        """Whether the pages and exports show the counts or amounts behind the figure and link its cases: not when
        it does not apply, is withheld, or has nothing to count ('0 | 0' next to 'geen gegevens' says nothing)."""
        return self.van_toepassing and not self.achtergehouden and not self.geen_gegevens


def afschermen(cellen: Sequence[Rij]) -> list[Rij]:
    """Complementary suppression over one row's cells shown next to a total the user also sees (the aanbieders of
    the comparison, the quarters of a year): while the withheld cells together cover 1 to MIN_AANTAL - 1 units, the
    total minus the shown cells would give them away, so the smallest shown cell (by units) is withheld too. The
    cells need not add up to the total (a person may count for two aanbieders); the rule holds all the same."""
    result = list(cellen)
    verborgen = sum(c.omvang for c in result if c.achtergehouden)
    while klein(verborgen):
        shown = [i for i, c in enumerate(result) if c.toont_aantallen and c.omvang]
        if not shown:
            break
        kleinste = min(shown, key=lambda i: result[i].omvang)
        result[kleinste] = replace(result[kleinste], afgeschermd=True)
        verborgen += result[kleinste].omvang
    return result


def afschermen_over(kolommen: Sequence[Sequence[KpiResultaat]]) -> list[list[KpiResultaat]]:
    """`afschermen` for every row of every KPI across columns of the same KPIs (one column per aanbieder or per
    quarter); rows are matched by KPI code and row key."""
    rijen: dict[tuple[str, str], list[Rij]] = {}
    for kolom in kolommen:
        for resultaat in kolom:
            for rij in resultaat.rijen:
                rijen.setdefault((resultaat.code, rij.key), []).append(rij)
    vervangen = {key: iter(afschermen(cellen)) for key, cellen in rijen.items()}
    # Replacing the rows withholds their dependent rows too (KpiResultaat._volgen), which may leave such a row's
    # withheld cells small: again until nothing more is withheld.
    nieuw = [[replace(r, rijen=[next(vervangen[(r.code, rij.key)]) for rij in r.rijen]) for r in kolom]
             for kolom in kolommen]
    if _achtergehouden(nieuw) == _achtergehouden(kolommen):
        return nieuw
    return afschermen_over(nieuw)


def _achtergehouden(kolommen: Sequence[Sequence[KpiResultaat]]) -> int:
    return sum(rij.achtergehouden for kolom in kolommen for r in kolom for rij in r.rijen)


def _volgen(rijen: Sequence[Rij]) -> list[Rij]:
    """A row over part of a withheld row's units (`Rij.binnen`) is withheld too: its counts would tell about those
    few units (a late MAP count of 0 under a withheld MAP share says the one was on time)."""
    per_key = {rij.key: rij for rij in rijen}
    return [replace(rij, afgeschermd=True)
            if rij.binnen in per_key and per_key[rij.binnen].achtergehouden and rij.van_toepassing
            and not rij.achtergehouden else rij
            for rij in rijen]


@dataclass(frozen=True)
class KpiResultaat:
    code: str
    titel: str
    regel: str  # how it is computed, in words, shown on the page
    bron: str  # where the figures come from
    rijen: list[Rij]
    toelichting: str = ""
    redenen: list[tuple[str, list[tuple[str, int]]]] = field(default_factory=list)  # (title, [(reason, count)])
    # The note instead of `toelichting` when the main row is withheld (small or afgeschermd): a number in the note
    # would tell about the withheld figure.
    toelichting_zonder_cijfer: str | None = None
    # A note about the reasons listed under the table: only while some are listed.
    toelichting_redenen: str = ""

    def __post_init__(self) -> None:
        """Rows that depend on a withheld row are withheld with it, however the rows were made; so is the note."""
        object.__setattr__(self, "rijen", _volgen(self.rijen))
        if self.toelichting_zonder_cijfer is not None and self.rijen and self.hoofd.achtergehouden:
            object.__setattr__(self, "toelichting", self.toelichting_zonder_cijfer)
        if not any(lijst for _, lijst in self.redenen):
            object.__setattr__(self, "toelichting_redenen", "")

    @property
    def hoofd(self) -> Rij:
        return self.rijen[0]

    def rij(self, key: str) -> Rij | None:
        return next((r for r in self.rijen if r.key == key), None)


def _redenen(values: Iterable[str | None], omvang: int) -> list[tuple[str, int]]:
    """The reasons counted, none over fewer than MIN_AANTAL units: their counts would give a withheld share away."""
    if omvang < MIN_AANTAL:
        return []
    counts = Counter((v or "Geen reden opgegeven").strip() for v in values)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _mediaan(values: Sequence[int | Decimal]) -> Decimal | None:
    return Decimal(str(statistics.median(values))) if values else None


def _van_toepassing(g: KpiGegevens, onderdelen: Iterable[Onderdeel], *gemeten: set[int]) -> bool:
    """Whether a row about these onderdelen applies: always gemeente-wide; for one aanbieder only when it has such
    a verwijzing (not withdrawn) or the row counts one anyway. A taalaanbieder is not measured on MAP or PVT."""
    if not g.per_aanbieder or any(gemeten):
        return True
    wanted = set(onderdelen)
    return any(v.onderdeel in wanted and v.status is not VerwijzingStatus.INGETROKKEN for v in g.verwijzingen)


# --- the rules ------------------------------------------------------------------------------------

def tijdige_start(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Share of verwijzingen with a beoogde start in the period that started within the gemeente's margin."""
    due, op_tijd, later, niet = set(), set(), [], []
    niet_gestart_ids = set()
    for v in g.verwijzingen:
        if not periode.bevat(v.beoogde_startdatum) or v.status is VerwijzingStatus.INGETROKKEN:
            continue
        verlopen = v.beoogde_startdatum + timedelta(days=v.marge_dagen) < vandaag
        if v.gerealiseerde_startdatum is None and not v.niet_gestart and not verlopen:
            continue  # not yet due: it may still start on time
        due.add(v.id)
        if trajecten.op_tijd_gestart(v.beoogde_startdatum, v.gerealiseerde_startdatum, v.marge_dagen):
            op_tijd.add(v.id)
        elif v.gerealiseerde_startdatum is not None:
            later.append(v.reden_latere_start)
        if v.niet_gestart:
            niet_gestart_ids.add(v.id)
            niet.append(v.reden_niet_gestart)
    return KpiResultaat(
        "tijdige_start", "Tijdige start",
        "Verwijzingen met een beoogde startdatum in de periode (zonder ingetrokken verwijzingen) die uiterlijk het "
        "aantal dagen van de drempel 'later gestart' van de gemeente na de beoogde startdatum zijn gestart. "
        "Verwijzingen die nog op tijd kunnen starten tellen niet mee.",
        "Registratie start traject door de aanbieder (003 Bijlage B 'reden voor latere start').",
        [Rij("op_tijd", "Op tijd gestart", aandeel(due, op_tijd)),
         Rij("niet_gestart", "Niet gestart (gemeld door de aanbieder)", aandeel(due, niet_gestart_ids))],
        redenen=[("Redenen voor latere start", _redenen(later, len(due))),
                 ("Redenen niet gestart", _redenen(niet, len(due)))],
    )


def aanwezigheid_kpi(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Hours present / planned hours in the period (the one attendance rule), absence geoorloofd and not apart."""
    totaal = Uren()
    met_uren: set[int] = set()
    for v in g.verwijzingen:
        uren = v.uren_in(periode)
        if uren.aanwezig + uren.afwezig > 0:
            met_uren.add(v.inburgeraar_id)
            totaal += uren
    gepland = totaal.aanwezig + totaal.afwezig
    te_weinig = len(met_uren) < MIN_AANTAL
    pct = None if te_weinig else percentage(totaal.aanwezig, gepland)
    ids = frozenset(met_uren)

    def deel(uren: Decimal) -> Decimal | None:
        return None if te_weinig else percentage(uren, gepland)

    return KpiResultaat(
        "aanwezigheid", "Aanwezigheid",
        "Uren aanwezig gedeeld door geplande uren (aanwezig + afwezig met reden + afwezig zonder reden) over de "
        "sessies in de periode, afgerond op één decimaal: dezelfde regel als de signalen en de casuspagina.",
        "Presentieregistratie van de aanbieders.",
        [Rij("aanwezig", "Aanwezig", waarde=pct, eenheid="%", ids=ids, ids_eenheid="inburgeraars",
             teller=totaal.aanwezig, noemer=gepland, maat="uur"),
         Rij("geoorloofd", "Afwezig met reden (geoorloofd)", waarde=deel(totaal.geoorloofd), eenheid="%",
             ids=ids, ids_eenheid="inburgeraars", teller=totaal.geoorloofd, noemer=gepland, maat="uur"),
         Rij("ongeoorloofd", "Afwezig zonder reden (ongeoorloofd)", waarde=deel(totaal.ongeoorloofd), eenheid="%",
             ids=ids, ids_eenheid="inburgeraars", teller=totaal.ongeoorloofd, noemer=gepland, maat="uur"),
         # Next to a withheld attendance the hours planned for those few would be about them too.
         Rij("gepland", "Geplande uren", waarde=None if klein(len(met_uren)) else gepland, eenheid="uur", ids=ids,
             ids_eenheid="inburgeraars", teller=gepland, maat="uur")],
        toelichting=f"{aantal(len(met_uren), 'inburgeraars')} met geplande uren in de periode.",
    )


def urenrealisatie(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Hours present up to the period's end against contracted hours, the PIP intensity and the legal norms."""
    peildatum = periode.peildatum(vandaag)
    groepen: dict[str, tuple[str, list[tuple[int, Decimal, Decimal]]]] = {
        "gecontracteerd": ("Tegen gecontracteerde uren", []),
        "intensiteit": ("B1-route tegen geschatte intensiteit in het PIP", []),
    }
    for onderdeel in normen.WETTELIJKE_NORMEN:
        groepen[f"norm_{onderdeel.value}"] = (f"{normen.NORM_LABELS[onderdeel]} tegen de wettelijke norm", [])
    for v in g.verwijzingen:
        gestart = v.gerealiseerde_startdatum is not None and v.gerealiseerde_startdatum <= peildatum
        if not gestart or v.einddatum < periode.van or v.status is VerwijzingStatus.INGETROKKEN:
            continue
        uren = v.uren_tot(peildatum).aanwezig
        if v.gecontracteerde_uren:
            groepen["gecontracteerd"][1].append((v.id, uren, Decimal(v.gecontracteerde_uren)))
        if v.onderdeel is Onderdeel.B1_ROUTE and v.geschatte_intensiteit:
            groepen["intensiteit"][1].append((v.id, uren, Decimal(v.geschatte_intensiteit)))
        norm = normen.wettelijke_norm(v.onderdeel, v.doelgroep, v.zroute_norm_gezinsmigrant)
        if norm is not None:
            groepen[f"norm_{v.onderdeel.value}"][1].append((v.id, uren, Decimal(norm)))
    # The contracted hours apply to every aanbieder; the PIP intensity and each legal norm only to one that has
    # verwijzingen for that onderdeel.
    onderdelen: dict[str, tuple[Onderdeel, ...]] = {"intensiteit": (Onderdeel.B1_ROUTE,)}
    for onderdeel in normen.WETTELIJKE_NORMEN:
        onderdelen[f"norm_{onderdeel.value}"] = (onderdeel,)
    rijen = []
    for key, (label, items) in groepen.items():
        gerealiseerd = sum((u for _, u, _ in items), _ZERO)
        doel = sum((d for _, _, d in items), _ZERO)
        ids = frozenset(i for i, _, _ in items)
        geldt = key not in onderdelen or _van_toepassing(g, onderdelen[key], set(ids))
        pct = None if len(ids) < MIN_AANTAL else percentage(gerealiseerd, doel)
        rijen.append(Rij(key, f"{label}: uren gerealiseerd van het doel", waarde=pct, eenheid="%", ids=ids,
                         teller=gerealiseerd, noemer=doel, maat="uur", van_toepassing=geldt))
        rijen.append(Rij(f"{key}_bereikt", f"{label}: doel bereikt",
                         aandeel(ids, (i for i, u, d in items if u >= d), van_toepassing=geldt)))
    return KpiResultaat(
        "urenrealisatie", "Urenrealisatie",
        "Per verwijzing die in de periode liep: uren aanwezig vanaf de start tot het einde van de periode, "
        "opgeteld en gedeeld door het opgetelde doel. Het doel is de gecontracteerde uren van de verwijzing, de "
        "geschatte intensiteit in het PIP (B1-route) of de wettelijke norm (MAP 40, PVT 12, Z-route 800 taal en "
        "800 participatie voor asielstatushouders). Hier per verwijzing; de casuspagina telt de normen per "
        "inburgeraar over alle aanbieders.",
        "Verwijzing (gecontracteerde uren), PIP (geschatte intensiteit), presentie; normen uit de wet.",
        rijen,
    )


def afronding_binnen_termijn(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """MAP, PVT and Z-route: share finished within the inburgeringstermijn, and the share verwijtbaar."""
    groepen = {"map": ("MAP", (Onderdeel.MAP,)), "pvt": ("PVT", (Onderdeel.PVT,)), "z": ("Z-route", Z_ONDERDELEN)}
    rijen = []
    for key, (label, onderdelen) in groepen.items():
        noemer, binnen, met_oordeel, verwijtbaar = set(), set(), set(), set()
        for v in g.verwijzingen:
            if v.onderdeel not in onderdelen or v.termijn_einde is None:
                continue
            klaar = periode.bevat(v.resultaat_datum)
            verlopen = v.resultaat_datum is None and periode.bevat(v.termijn_einde) and v.termijn_einde < vandaag
            if not (klaar or verlopen):
                continue
            noemer.add(v.id)
            if v.resultaat_datum is not None and v.resultaat_datum <= v.termijn_einde:
                binnen.add(v.id)
            if v.verwijtbaar is not None:
                met_oordeel.add(v.id)
                if v.verwijtbaar:
                    verwijtbaar.add(v.id)
        geldt = _van_toepassing(g, onderdelen, noemer)
        rijen.append(Rij(key, f"{label} afgerond binnen de termijn", aandeel(noemer, binnen, van_toepassing=geldt)))
        if key != "z":
            rijen.append(Rij(f"{key}_verwijtbaar", f"{label} na de termijn: verwijtbaar",
                             aandeel(met_oordeel, verwijtbaar, van_toepassing=geldt), binnen=key))
    return KpiResultaat(
        "afronding", "Afronding binnen termijn",
        "MAP-, PVT- en Z-routeverwijzingen die in de periode zijn afgerond (datum eindgesprek MAP, ondertekening "
        "PVT of afronding Z-route), plus die waarvan de inburgeringstermijn in de periode is verstreken zonder "
        "resultaat. Binnen termijn: de resultaatdatum valt op of voor het einde van de inburgeringstermijn "
        "(verlengd door DUO waar dat zo is). Verwijtbaar: het oordeel van de gemeente bij afronding na de termijn.",
        "Routeresultaten (DUO MAP/PVT/Z-route), PIP (termijn).",
        rijen,
    )


def taalschakel(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Onderwijsroute: share of taalschakeltrajecten with a result in the period that were behaald, and duration."""
    noemer, behaald, weken = set(), set(), []
    for v in g.verwijzingen:
        if v.onderdeel is not Onderdeel.ONDERWIJSROUTE or v.taalschakel_behaald is None:
            continue
        if not periode.bevat(v.resultaat_datum):
            continue
        noemer.add(v.id)
        if v.taalschakel_behaald:
            behaald.add(v.id)
        if v.gerealiseerde_startdatum and v.resultaat_datum:
            weken.append((v.resultaat_datum - v.gerealiseerde_startdatum).days // 7)
    ids = frozenset(noemer)
    geldt = _van_toepassing(g, (Onderdeel.ONDERWIJSROUTE,), noemer)
    return KpiResultaat(
        "taalschakel", "Taalschakeltraject behaald",
        "Onderwijsrouteverwijzingen met een resultaat van het taalschakeltraject in de periode: aandeel behaald, "
        f"en de mediane duur van start tot resultaat, te vergelijken met {TAALSCHAKEL_WEKEN[0]}–"
        f"{TAALSCHAKEL_WEKEN[1]} weken (1,5 tot 2 jaar, 001 §4).",
        "Routeresultaat onderwijsroute, start traject.",
        [Rij("behaald", "Taalschakeltraject behaald", aandeel(noemer, behaald, van_toepassing=geldt)),
         Rij("duur", "Mediane duur", waarde=None if len(ids) < MIN_AANTAL else _mediaan(weken), eenheid="weken",
             ids=ids, van_toepassing=geldt)],
    )


def examenresultaten(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Per exam part and source: share passed at or above the required level, at the first attempt and overall."""
    rijen = []
    for bron in (ResultaatBron.DUO, ResultaatBron.AANBIEDER):
        # A DUO result belongs to the inburgeraar, not to an aanbieder: for one aanbieder it does not apply.
        geldt = not (bron is ResultaatBron.DUO and g.per_aanbieder)
        per_deel: dict[tuple[int, Examenonderdeel], list[KpiExamen]] = {}
        for e in g.examens:
            if e.bron is bron and e.vereist is not None and e.resultaat is not Examenuitslag.GEEN:
                per_deel.setdefault((e.inburgeraar_id, e.onderdeel), []).append(e)
        for onderdeel in Examenonderdeel:
            eerste_noemer, eerste_teller, alle_noemer, alle_teller = set(), set(), set(), set()
            for (persoon, deel), pogingen in per_deel.items():
                if deel is not onderdeel:
                    continue
                pogingen.sort(key=lambda e: e.examendatum)
                in_periode = [e for e in pogingen if periode.bevat(e.examendatum)]
                if not in_periode:
                    continue
                alle_noemer.add(persoon)
                if any(_geslaagd(e) for e in pogingen if e.examendatum <= periode.tot):
                    alle_teller.add(persoon)
                if periode.bevat(pogingen[0].examendatum):
                    eerste_noemer.add(persoon)
                    if _geslaagd(pogingen[0]):
                        eerste_teller.add(persoon)
            naam = f"{onderdeel.value} ({bron.label})"
            # The first attempts are a part of all attempts: withheld with them.
            rijen.append(Rij(f"{bron.value}_{onderdeel.value}_eerste", f"{naam}: geslaagd bij eerste poging",
                             aandeel(eerste_noemer, eerste_teller, "inburgeraars", van_toepassing=geldt),
                             binnen=f"{bron.value}_{onderdeel.value}_totaal"))
            rijen.append(Rij(f"{bron.value}_{onderdeel.value}_totaal", f"{naam}: geslaagd, alle pogingen",
                             aandeel(alle_noemer, alle_teller, "inburgeraars", van_toepassing=geldt)))
    return KpiResultaat(
        "examens", "Examenresultaten",
        "Per examenonderdeel en per bron: inburgeraars op de B1-route met een examen in de periode. Geslaagd "
        "telt alleen op of boven het vereiste niveau (het PIP-niveau, A2 voor onderdelen die na afschaling zijn "
        "verlaagd, A2 voor KNM). Eerste poging: de eerste uitslag van dat onderdeel valt in de periode. Alle "
        "pogingen: geslaagd op enig moment tot het einde van de periode. 'Geen resultaat' is geen poging. "
        "DUO-uitslagen horen niet bij een aanbieder: per aanbieder zijn ze niet van toepassing.",
        "Examenresultaten: DUO (bron van waarheid, ingevoerd door de gemeente) en de aanbieder apart.",
        rijen,
    )


def _geslaagd(e: KpiExamen) -> bool:
    return e.resultaat is Examenuitslag.GESLAAGD and e.vereist is not None and examens.voldoet(e.niveau, e.vereist)


def afschalingen(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Afschalingsverzoeken in the period: count, share of B1 PIPs, hours at the request, decision time."""
    in_periode = [a for a in g.afschalingen if periode.bevat(a.ingediend_op)]
    ids = frozenset(a.inburgeraar_id for a in in_periode)
    # Gemeente-wide the population is every B1 inburgeraar. An afschalingsverzoek comes from the aanbieder of a
    # B1-route course, so for one aanbieder it is the B1 inburgeraars with such a verwijzing at it (not every B1
    # inburgeraar it sees for MAP); without one: niet van toepassing.
    b1 = {i.id for i in g.inburgeraars if i.leerroute is Leerroute.B}
    van_toepassing = True
    if g.per_aanbieder:
        b1_verwezen = {v.inburgeraar_id for v in g.verwijzingen
                       if v.onderdeel is Onderdeel.B1_ROUTE and v.status is not VerwijzingStatus.INGETROKKEN}
        b1 &= b1_verwezen
        van_toepassing = bool(b1_verwezen)
    goedgekeurd = {a.inburgeraar_id for a in in_periode if a.status is AfschalingStatus.GOEDGEKEURD}
    besloten = [a for a in in_periode if a.besloten_op is not None]
    uren = [a.uren_op_moment for a in in_periode]
    return KpiResultaat(
        "afschalingen", "Afschalingen",
        "Afschalingsverzoeken ingediend in de periode. Aandeel: inburgeraars met een goedgekeurd verzoek van alle "
        "inburgeraars op de B1-route; per aanbieder van de inburgeraars op de B1-route met een verwijzing voor de "
        "B1-route bij die aanbieder (zonder zulke verwijzingen: niet van toepassing). Uren op het moment van het "
        "verzoek (minimaal 600, Besluit art. 5.5) en de "
        "besluittijd in dagen van indienen tot besluit.",
        "Afschalingsverzoeken en besluiten in het portaal, PIP.",
        [Rij("aantal", "Verzoeken ingediend", waarde=len(in_periode), eenheid="verzoeken", ids=ids,
             ids_eenheid="inburgeraars"),
         Rij("goedgekeurd_b1", "Goedgekeurd, van de inburgeraars op de B1-route",
             aandeel(b1, goedgekeurd, "inburgeraars", van_toepassing=van_toepassing)),
         Rij("uren", "Mediane uren taalles en KNM bij het verzoek",
             waarde=None if len(ids) < MIN_AANTAL else afronding.uren(_mediaan(uren) or 0), eenheid="uur", ids=ids,
             ids_eenheid="inburgeraars", van_toepassing=van_toepassing or bool(ids)),
         Rij("besluittijd", "Mediane besluittijd",
             waarde=None if len(besloten) < MIN_AANTAL else _mediaan([(a.besloten_op - a.ingediend_op).days
                                                                       for a in besloten if a.besloten_op]),
             eenheid="dagen", ids=frozenset(a.inburgeraar_id for a in besloten), ids_eenheid="inburgeraars",
             gevallen=len(besloten), van_toepassing=van_toepassing or bool(besloten))],
    )


def uitval(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Of the verwijzingen with a beoogde start in the period: share uitgevallen and niet gestart, with reasons."""
    cohort = {v.id for v in g.verwijzingen
              if periode.bevat(v.beoogde_startdatum) and v.beoogde_startdatum <= vandaag
              and v.status is not VerwijzingStatus.INGETROKKEN}
    uitgevallen = {v.id for v in g.verwijzingen if v.id in cohort and v.status is VerwijzingStatus.UITGEVALLEN}
    niet = [v for v in g.verwijzingen if v.id in cohort and v.niet_gestart]
    return KpiResultaat(
        "uitval", "Uitval en niet gestart",
        "Verwijzingen met een beoogde startdatum in de periode (tot vandaag, zonder ingetrokken): aandeel met "
        "status uitgevallen en aandeel dat volgens de aanbieder niet is gestart. De status is die van vandaag.",
        "Status van de verwijzing, registratie start traject.",
        [Rij("uitgevallen", "Uitgevallen", aandeel(cohort, uitgevallen)),
         Rij("niet_gestart", "Niet gestart", aandeel(cohort, {v.id for v in niet}))],
        toelichting_redenen="Het portaal legt bij uitval geen reden vast; de redenen hieronder zijn die van niet "
                            "gestart.",
        redenen=[("Redenen niet gestart", _redenen((v.reden_niet_gestart for v in niet), len(cohort)))],
    )


def doorlooptijd(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Verwijzingen with an end result in the period: median days from start, share within the traject's end date."""
    klaar = [v for v in g.verwijzingen
             if periode.bevat(v.resultaat_datum) and v.gerealiseerde_startdatum is not None]
    ids = frozenset(v.id for v in klaar)
    dagen = [(v.resultaat_datum - v.gerealiseerde_startdatum).days for v in klaar
             if v.resultaat_datum and v.gerealiseerde_startdatum]
    binnen = {v.id for v in klaar if v.resultaat_datum and v.resultaat_datum <= v.einddatum}
    return KpiResultaat(
        "doorlooptijd", "Doorlooptijd",
        "Verwijzingen met een eindresultaat in de periode (MAP, PVT, Z-route of taalschakeltraject): dagen van de "
        "gerealiseerde start tot het resultaat, en het aandeel dat klaar was op of voor de einddatum van het "
        "traject (de bijgestelde einddatum van de aanbieder, anders de uiterste einddatum).",
        "Start traject, routeresultaten, verwijzing.",
        [Rij("binnen_einddatum", "Klaar op of voor de einddatum", aandeel(ids, binnen)),
         Rij("mediaan", "Mediane doorlooptijd", waarde=None if len(ids) < MIN_AANTAL else _mediaan(dagen),
             eenheid="dagen", ids=ids)],
    )


def leerroute_mix(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Leerroute of the first PIPs set in the period against the expected 60/25/15, and route switches."""
    per_persoon: dict[int, list[KpiPip]] = {}
    for p in g.pips:
        per_persoon.setdefault(p.inburgeraar_id, []).append(p)
    nieuw: dict[int, Leerroute] = {}
    wissels: set[int] = set()
    for persoon, versies in per_persoon.items():
        versies.sort(key=lambda p: p.versie)
        if periode.bevat(versies[0].dagtekening):
            nieuw[persoon] = versies[0].leerroute
        for vorige, volgende in itertools.pairwise(versies):
            if volgende.leerroute is not vorige.leerroute and periode.bevat(volgende.dagtekening):
                wissels.add(persoon)
    rijen = [
        Rij(f"route_{route.value}", f"{route.label} (verwacht {verwacht}%)",
            aandeel(nieuw, (p for p, r in nieuw.items() if r is route), "inburgeraars"), streef=verwacht)
        for route, verwacht in VERWACHTE_MIX.items()
    ]
    rijen.append(Rij("wisselingen", "Leerroute gewijzigd in een nieuwe PIP-versie", waarde=len(wissels),
                     eenheid="inburgeraars", ids=frozenset(wissels), ids_eenheid="inburgeraars"))
    return KpiResultaat(
        "leerroute_mix", "Leerroute-mix en wisselingen",
        "Inburgeraars van wie het eerste PIP in de periode is vastgesteld, naar leerroute, naast de verwachting "
        "van het ministerie (B1 60%, onderwijsroute 25%, Z-route 15%; 001 Bijlage 1 §4). Wisselingen: een latere "
        "PIP-versie in de periode met een andere leerroute dan de versie ervoor.",
        "PIP-versies.",
        rijen,
    )


def aanleverdiscipline(g: KpiGegevens, periode: Periode, vandaag: date) -> KpiResultaat:
    """Share of active verwijzingen with presence in the last 14 days, and median days from session to registration."""
    peildatum = periode.peildatum(vandaag)
    vanaf = peildatum - timedelta(days=AANLEVER_DAGEN - 1)
    actief = {v.id for v in g.verwijzingen
              if v.actief_op(peildatum) and not normen.praktijk_klaar(v.onderdeel, v.uren_tot(peildatum).aanwezig)}
    recent = {v.id for v in g.verwijzingen if v.id in actief
              and (laatste := v.uren_tot(peildatum).laatste) is not None and vanaf <= laatste <= peildatum}
    verdeling: Counter[int] = Counter()
    for lat in g.latenties:
        if lat.kwartaal in periode.kwartalen:
            verdeling[max(lat.dagen, 0)] += lat.aantal
    sessies = sum(verdeling.values())
    mediaan = _mediaan_verdeling(verdeling) if sessies >= MIN_AANTAL else None
    binnen_week = sum(n for d, n in verdeling.items() if d <= 7)
    return KpiResultaat(
        "aanlevering", "Aanleverdiscipline",
        f"Actieve verwijzingen op de peildatum (gestart, niet afgerond, einddatum niet voorbij, bij MAP en PVT de "
        f"praktijkuren nog niet gehaald; dezelfde regel als het signaal 'geen presentie') met presentie in de "
        f"{AANLEVER_DAGEN} dagen tot en met de peildatum. "
        "Vertraging: dagen tussen de sessiedatum en het moment van registreren, over alle sessies in de periode.",
        "Presentie (sessiedatum en registratiemoment).",
        [Rij("recent", f"Actief met presentie in de laatste {AANLEVER_DAGEN} dagen", aandeel(actief, recent)),
         Rij("mediaan", "Mediane dagen van sessie tot registratie", waarde=mediaan, eenheid="dagen", ids=frozenset(),
             gevallen=sessies),
         Rij("binnen_week", "Sessies binnen 7 dagen geregistreerd",
             waarde=None if sessies < MIN_AANTAL else percentage(binnen_week, sessies), eenheid="%",
             teller=binnen_week, noemer=sessies, maat="sessies", gevallen=sessies)],
        toelichting=f"Peildatum {peildatum:%d-%m-%Y}; {aantal(sessies, 'sessies')} in de periode.",
    )


def _mediaan_verdeling(verdeling: Counter[int]) -> Decimal:
    """The median of a {days: count} distribution (the lower middle value for an even count)."""
    totaal = sum(verdeling.values())
    midden = (totaal + 1) // 2
    gezien = 0
    for dagen in sorted(verdeling):
        gezien += verdeling[dagen]
        if gezien >= midden:
            return Decimal(dagen)
    return _ZERO


def _leerroute_verwijzing(v: KpiVerwijzing) -> bool:
    """A verwijzing the start-within-6-months KPI is about: a leerroute onderdeel, not withdrawn."""
    return v.onderdeel in LEERROUTE_ONDERDELEN and v.status is not VerwijzingStatus.INGETROKKEN


def start_binnen_zes_maanden(
    g: KpiGegevens, periode: Periode, vandaag: date, streef: int = STANDAARD_STREEF_6_MAANDEN
) -> KpiResultaat:
    """Cohort by BRP inschrijving in the period: share started on a leerroute onderdeel within 183 days."""
    # Gemeente-wide the cohort is every inburgeraar in it: someone without a leerroute verwijzing has not started,
    # which is what the indicator is there to show. For one aanbieder it is the inburgeraars with a leerroute
    # verwijzing at it, so an aanbieder is never judged on its MAP, PVT or MB verwijzingen.
    verwezen: set[int] = set()
    eerste_start: dict[int, date] = {}
    for v in g.verwijzingen:
        if not _leerroute_verwijzing(v):
            continue
        verwezen.add(v.inburgeraar_id)
        if v.gerealiseerde_startdatum and not v.niet_gestart:
            huidige = eerste_start.get(v.inburgeraar_id)
            if huidige is None or v.gerealiseerde_startdatum < huidige:
                eerste_start[v.inburgeraar_id] = v.gerealiseerde_startdatum
    noemer, teller, zonder_verwijzing = set(), set(), 0
    for i in g.inburgeraars:
        brp = i.datum_brp_inschrijving
        if brp is None or not periode.bevat(brp):
            continue
        grens = brp + timedelta(days=ZES_MAANDEN_DAGEN)
        gestart = eerste_start.get(i.id)
        op_tijd = gestart is not None and gestart <= grens
        if not op_tijd and grens >= vandaag:
            continue  # the six months are still running
        if i.id not in verwezen:
            zonder_verwijzing += 1
            if g.per_aanbieder:
                continue
        noemer.add(i.id)
        if op_tijd:
            teller.add(i.id)
    van_toepassing = bool(verwezen) or not g.per_aanbieder
    if not van_toepassing:
        toelichting = ("Niet van toepassing: deze aanbieder heeft in de selectie geen verwijzingen voor een "
                       "leerroute (B1-route, onderwijsroute, Z-route).")
    elif zonder_verwijzing and g.per_aanbieder:
        een = zonder_verwijzing == 1
        toelichting = (f"{aantal(zonder_verwijzing, 'inburgeraars')} uit het cohort {'heeft' if een else 'hebben'} "
                       f"bij deze aanbieder geen verwijzing voor een leerroute en {'telt' if een else 'tellen'} niet "
                       "mee.")
    elif zonder_verwijzing:
        een = zonder_verwijzing == 1
        toelichting = (f"{aantal(zonder_verwijzing, 'inburgeraars')} uit het cohort {'heeft' if een else 'hebben'} "
                       f"geen verwijzing voor een leerroute en {'telt' if een else 'tellen'} als niet gestart.")
    else:
        toelichting = ""
    return KpiResultaat(
        "start_6_maanden", "Start binnen 6 maanden na inschrijving",
        f"Cohort: inburgeraars met een inschrijving in de BRP in de periode. Aandeel met een gerealiseerde start "
        f"op een leerroute-onderdeel (B1-route, onderwijsroute, Z-route; niet ingetrokken) binnen "
        f"{ZES_MAANDEN_DAGEN} dagen na de inschrijving; wie geen verwijzing voor een leerroute heeft, is niet "
        "gestart. Per aanbieder: de inburgeraars uit het cohort met een verwijzing voor een leerroute bij die "
        "aanbieder (verwijzingen voor MAP, PVT of maatschappelijke begeleiding tellen niet mee); een aanbieder "
        "zonder leerroutes krijgt 'niet van toepassing'. Wie nog binnen die 6 maanden zit en nog niet gestart is, "
        "telt nog niet mee. Participatie of werk in dezelfde periode (de volledige Ouder-Amstel-indicator) "
        "registreert het portaal niet.",
        "Inburgeraar (datum inschrijving BRP), verwijzing, start traject; streefwaarde 004 §5.1.",
        [Rij("gestart", "Gestart binnen 6 maanden",
             aandeel(noemer, teller, "inburgeraars", van_toepassing=van_toepassing),
             streef=streef if van_toepassing else None)],
        toelichting=toelichting,
        # Under a withheld share (small, or afgeschermd later): how many have no verwijzing would say how many at
        # most started.
        toelichting_zonder_cijfer=(
            "Inburgeraars uit het cohort zonder verwijzing voor een leerroute tellen als niet gestart."
            if zonder_verwijzing and not g.per_aanbieder else None),
    )


@dataclass(frozen=True)
class Kpi:
    code: str
    titel: str
    rule: Callable[[KpiGegevens, Periode, date], KpiResultaat]
    per_aanbieder: bool = True  # meaningful in the comparison of aanbieders


KPIS: tuple[Kpi, ...] = (
    Kpi("start_6_maanden", "Start binnen 6 maanden na inschrijving", start_binnen_zes_maanden),
    Kpi("tijdige_start", "Tijdige start", tijdige_start),
    Kpi("aanwezigheid", "Aanwezigheid", aanwezigheid_kpi),
    Kpi("urenrealisatie", "Urenrealisatie", urenrealisatie),
    Kpi("afronding", "Afronding binnen termijn", afronding_binnen_termijn),
    Kpi("taalschakel", "Taalschakeltraject behaald", taalschakel),
    Kpi("examens", "Examenresultaten", examenresultaten),
    Kpi("afschalingen", "Afschalingen", afschalingen),
    Kpi("uitval", "Uitval en niet gestart", uitval),
    Kpi("doorlooptijd", "Doorlooptijd", doorlooptijd),
    Kpi("leerroute_mix", "Leerroute-mix en wisselingen", leerroute_mix, per_aanbieder=False),
    Kpi("aanlevering", "Aanleverdiscipline", aanleverdiscipline),
)
KPI_CODES = {k.code: k for k in KPIS}


def bereken(
    g: KpiGegevens, periode: Periode, vandaag: date, *, streef_6_maanden: int = STANDAARD_STREEF_6_MAANDEN,
    codes: Iterable[str] | None = None,
) -> list[KpiResultaat]:
    """Every KPI (or the named ones) for the period."""
    wanted = set(codes) if codes is not None else None
    result = []
    for kpi in KPIS:
        if wanted is not None and kpi.code not in wanted:
            continue
        if kpi.code == "start_6_maanden":
            result.append(start_binnen_zes_maanden(g, periode, vandaag, streef_6_maanden))
        else:
            result.append(kpi.rule(g, periode, vandaag))
    return result
