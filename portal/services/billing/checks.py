"""Checks that mark a regel before the contractmanager looks, each saying why with the numbers.

Hours beyond the gecontracteerde uren, attendance under the contract's condition, a prestatie outside the
verwijzing's or the contract's period, a duplicate, an onderdeel that does not fit the PIP. A finding does not stop
the regel: the contractmanager decides; regels without findings can be approved in one action.

One finding is about the declaratie as a whole: submitted after the contract's declaratietermijn
(`declaratie_bevindingen`). It is derived from the stored submission moment and the termijn stored with it, so it
never changes a regel, nor when the contract's termijn changes later. The
aanbieder is warned about the same deadline (`uiterste_indiendatum`) while the declaratie is a concept
(`termijn_melding`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.clock import dag_van
from portal.domain import pip as pip_regels
from portal.domain import termijnen
from portal.formatting import aantal, datum, procent
from portal.formatting import uren as fmt_uren
from portal.models import (
    Contract,
    Inburgeraar,
    Pip,
    PipIntrekking,
    Prestatie,
    PrestatieIndicator,
    TrajectStart,
    Verwijzing,
)
from portal.models.billing import DeclaratieStatus, Eenheid
from portal.services.billing.bulk import Memo, raw, rijen
from portal.services.billing.rules import periode_tekst
from portal.services.cases import onderdeel_fout
from portal.services.validation import as_date, as_decimal

BUITEN_UREN = "buiten_uren"
AANWEZIGHEID = "aanwezigheid"
BUITEN_PERIODE = "buiten_periode"
DUBBEL = "dubbel"
PIP = "pip"
GEEN_CONTRACT = "geen_contract"
NA_TERMIJN = "na_declaratietermijn"


class _Traject(NamedTuple):
    onderdeel: Any
    van: date
    tot: date
    gecontracteerde_uren: Decimal | None


def add_bevindingen(session: Session, contract: Contract, indicatoren: dict[int, PrestatieIndicator],
                    regels: Sequence[dict[str, Any]], prestaties: dict[int, Any]) -> None:
    """Fill in `bevindingen` of new debet regels (dicts about to be inserted); credit regels get none.
    `prestaties` holds the regels' prestaties by id (objects with the Prestatie columns)."""
    debet = [r for r in regels if r["credit_van_regel_id"] is None]
    if not debet:
        return
    per_uur = {prestaties[r["prestatie_id"]].indicator_id for r in debet if r["eenheid"] is Eenheid.UUR}
    context = _Context.load(session, contract, [prestaties[r["prestatie_id"]] for r in debet], per_uur)
    for regel in debet:
        prestatie = prestaties[regel["prestatie_id"]]
        found = context.bevindingen(prestatie, indicatoren[prestatie.indicator_id], regel["eenheid"])
        regel["bevindingen"] = found or None


def bevindingen_voor(session: Session, prestatie: Any, indicator: PrestatieIndicator) -> list[dict[str, str]]:
    """The findings of one prestatie (a concept regel brought up to date)."""
    tarief_eenheid = indicator.tarieven[0].eenheid if indicator.tarieven else Eenheid.STUK
    context = _Context.load(session, indicator.contract, [prestatie],
                            {indicator.id} if tarief_eenheid is Eenheid.UUR else set())
    return context.bevindingen(prestatie, indicator, tarief_eenheid)


_IN_LIMIT = 5000


class _PipVersie(NamedTuple):
    """One PIP version as portal.domain.pip reads it."""

    versie: int
    dagtekening: date
    leerroute: Any
    niveau: Any
    ingetrokken_op: date | None


@dataclass(frozen=True, slots=True)
class _Indicator:
    id: int
    max_eenheden: Decimal | None
    min_aanwezigheid_pct: int | None
    trigger: Any
    onderdeel: Any


_NUL = Decimal(0)
# Above this many prestaties the context is read for the whole contract instead of by id lists.
_BREED = 200


class _Context:
    """What the checks need about a batch of prestaties, loaded in a few set-based queries."""

    def __init__(self, contract: Contract) -> None:
        self.contract_van, self.contract_tot = contract.startdatum, contract.einddatum
        self.indicatoren: dict[int, _Indicator] = {}
        self.gemeenten: set[int] = {g.id for g in contract.gemeenten}
        self.trajecten: dict[int, _Traject] = {}
        self.cumulatief: dict[tuple[int, int], Decimal] = {}
        self.dubbel: set[tuple[int, int, str]] = set()
        self.pips: dict[int, list[_PipVersie]] = defaultdict(list)
        self.doelgroepen: dict[int, Any] = {}
        self.pip_fout: dict[tuple[Any, Any, Any], str | None] = {}  # (doelgroep, leerroute, onderdeel) -> fout

    @classmethod
    def load(cls, session: Session, contract: Contract, prestaties: Sequence[Any], per_uur: set[int]) -> _Context:
        """The context for these prestaties; `per_uur`: the indicators paid per hour (only their totals count)."""
        ctx = cls(contract)
        if len(prestaties) > _BREED:
            in_verwijzingen = Verwijzing.contract_id == contract.id
            personen = select(Verwijzing.inburgeraar_id).where(Verwijzing.contract_id == contract.id)
        else:
            in_verwijzingen = Verwijzing.id.in_(sorted({p.verwijzing_id for p in prestaties}))
            personen = sorted({p.inburgeraar_id for p in prestaties})
        uren, dagen = Memo(as_decimal), Memo(as_date)
        trajecten = (
            select(Verwijzing.id, Verwijzing.onderdeel, raw(Verwijzing.beoogde_startdatum),
                   raw(Verwijzing.uiterste_einddatum), raw(Verwijzing.gecontracteerde_uren),
                   raw(TrajectStart.gerealiseerde_startdatum), raw(TrajectStart.bijgestelde_einddatum))
            .outerjoin(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id).where(in_verwijzingen)
        )
        for row in rijen(session, trajecten):
            vid, onderdeel, beoogd, uiterste, gecontracteerd, gerealiseerd, bijgesteld = row
            beoogd, gerealiseerd = dagen(beoogd), dagen(gerealiseerd)
            ctx.trajecten[vid] = _Traject(onderdeel, min(beoogd, termijnen.traject_startdatum(gerealiseerd, beoogd)),
                                          termijnen.traject_einddatum(dagen(uiterste), dagen(bijgesteld)),
                                          None if gecontracteerd is None else uren(gecontracteerd))
        totalen = (
            select(Prestatie.verwijzing_id, Prestatie.indicator_id, raw(func.sum(Prestatie.aantal)))
            .join(Verwijzing, Verwijzing.id == Prestatie.verwijzing_id)
            .where(in_verwijzingen, Prestatie.indicator_id.in_(sorted(per_uur)), Prestatie.afgewezen.is_(False))
            .group_by(Prestatie.verwijzing_id, Prestatie.indicator_id)
        )
        for vid, indicator_id, totaal in rijen(session, totalen) if per_uur else ():
            ctx.cumulatief[(vid, indicator_id)] = uren(totaal)
        # The same prestatie (trigger, onderdeel, periode) for one inburgeraar under more than one verwijzing: the
        # database groups, only the duplicates come back.
        sleutel = (Prestatie.inburgeraar_id, PrestatieIndicator.trigger, PrestatieIndicator.onderdeel,
                   Prestatie.periode)
        meervoud = rijen(session,
            select(*sleutel)
            .join(PrestatieIndicator, PrestatieIndicator.id == Prestatie.indicator_id)
            .where(Prestatie.inburgeraar_id.in_(personen), Prestatie.aantal > 0, Prestatie.afgewezen.is_(False))
            .group_by(*sleutel).having(func.count(Prestatie.verwijzing_id.distinct()) > 1)
        )
        for start in range(0, len(meervoud), _IN_LIMIT):
            groepen = {tuple(row) for row in meervoud[start:start + _IN_LIMIT]}
            for iid, vid, trigger, onderdeel, periode in rijen(session,
                select(*sleutel[:1], Prestatie.verwijzing_id, *sleutel[1:])
                .join(PrestatieIndicator, PrestatieIndicator.id == Prestatie.indicator_id)
                .where(Prestatie.inburgeraar_id.in_(sorted({g[0] for g in groepen})), Prestatie.aantal > 0,
                       Prestatie.afgewezen.is_(False))
            ):
                if (iid, trigger, onderdeel, periode) in groepen:
                    ctx.dubbel.add((iid, vid, f"{trigger}|{onderdeel}|{periode}"))
        ctx._load_pip_fit(session, personen)
        return ctx

    def _load_pip_fit(self, session: Session, personen: Any) -> None:
        """Every PIP version of these inburgeraars with the date a withdrawal took effect, and their doelgroep: a
        prestatie is judged by the PIP in force on its prestatiedatum (portal.domain.pip.van_kracht, the rule the
        model, the KPIs and derive._examen share)."""
        for row in rijen(session,
            select(Pip.inburgeraar_id, Pip.versie, Pip.dagtekening, Pip.leerroute, Pip.niveau, PipIntrekking.datum)
            .outerjoin(PipIntrekking, PipIntrekking.pip_id == Pip.id).where(Pip.inburgeraar_id.in_(personen))
        ):
            self.pips[row[0]].append(_PipVersie(*row[1:]))
        self.doelgroepen.update(rijen(session, select(Inburgeraar.id, Inburgeraar.doelgroep)
                                      .where(Inburgeraar.id.in_(personen))))

    def _pip_bevinding(self, inburgeraar_id: int, onderdeel: Any, dag: date) -> str | None:
        """Why the prestatie's onderdeel does not fit the PIP in force on its day (the one rule for the fit:
        cases.onderdeel_fout, evaluated once per doelgroep, leerroute and onderdeel), or that none was in force
        because it was withdrawn (spec billing-and-kpis A2: "onderdeel past niet bij PIP")."""
        versies = self.pips.get(inburgeraar_id, ())
        ingetrokken = pip_regels.ingetrokken_per(versies, dag)
        if ingetrokken is not None:
            return (f"Het PIP is ingetrokken per {datum(ingetrokken)}: op de prestatiedatum {datum(dag)} was er geen "
                    "PIP van kracht.")
        pip = pip_regels.van_kracht(versies, dag)
        doelgroep = self.doelgroepen.get(inburgeraar_id)
        key = (doelgroep, pip.leerroute if pip else None, onderdeel)
        if key not in self.pip_fout:
            self.pip_fout[key] = onderdeel_fout(SimpleNamespace(doelgroep=doelgroep, pip_van_kracht=pip),
                                                onderdeel)  # type: ignore[arg-type]
        fout = self.pip_fout[key]
        if fout and pip is None and versies:
            eerste = min(v.dagtekening for v in versies)
            return (f"Op de prestatiedatum {datum(dag)} was er nog geen PIP (het eerste is gedagtekend "
                    f"{datum(eerste)}): {onderdeel.label} volgt uit de leerroute in het PIP.")
        return fout

    def bevindingen(self, prestatie: Any, indicator: PrestatieIndicator,
                    eenheid: Eenheid) -> list[dict[str, str]]:
        """Every finding about one prestatie, in plain Dutch with the numbers."""
        found: list[dict[str, str]] = []
        ind = self._indicator(indicator)
        traject = self.trajecten[prestatie.verwijzing_id]
        if eenheid is Eenheid.UUR:
            maximum = ind.max_eenheden if ind.max_eenheden is not None else traject.gecontracteerde_uren
            totaal = self.cumulatief.get((prestatie.verwijzing_id, ind.id), _NUL)
            if maximum is not None and totaal > maximum:
                bron = ("het maximum van de indicator" if ind.max_eenheden is not None
                        else "de gecontracteerde uren")
                found.append(_f(BUITEN_UREN, f"Totaal {fmt_uren(totaal)} uur op deze verwijzing is meer dan "
                                             f"{bron} ({fmt_uren(maximum)} uur): "
                                             f"{fmt_uren(totaal - maximum)} uur te veel."))
        drempel = ind.min_aanwezigheid_pct
        pct = prestatie.aanwezigheid_pct
        if drempel is not None and pct is not None and as_decimal(pct) < drempel:
            found.append(_f(AANWEZIGHEID, f"Aanwezigheid {procent(pct)} in {periode_tekst(prestatie.periode)} is "
                                          f"lager dan de voorwaarde van {drempel}%."))
        dag = prestatie.prestatiedatum
        if not traject.van <= dag <= traject.tot:
            found.append(_f(BUITEN_PERIODE, f"Prestatiedatum {datum(dag)} valt buiten de verwijzing "
                                            f"({datum(traject.van)} t/m {datum(traject.tot)})."))
        if not self.contract_van <= dag <= self.contract_tot:
            found.append(_f(BUITEN_PERIODE, f"Prestatiedatum {datum(dag)} valt buiten het contract "
                                            f"({datum(self.contract_van)} t/m {datum(self.contract_tot)})."))
        if prestatie.gemeente_id not in self.gemeenten:
            found.append(_f(GEEN_CONTRACT, "De gemeente waar de inburgeraar op de prestatiedatum woonde, valt niet "
                                           "onder dit contract."))
        if self.dubbel and (prestatie.inburgeraar_id, prestatie.verwijzing_id,
                            f"{ind.trigger}|{ind.onderdeel}|{prestatie.periode}") in self.dubbel:
            found.append(_f(DUBBEL, f"Dezelfde prestatie ({ind.trigger.label.lower()}, "
                                    f"{periode_tekst(prestatie.periode)}) staat ook op een andere verwijzing van "
                                    "deze inburgeraar."))
        fout = self._pip_bevinding(prestatie.inburgeraar_id, ind.onderdeel, dag)
        if fout:
            found.append(_f(PIP, fout))
        return found

    def _indicator(self, indicator: PrestatieIndicator) -> _Indicator:
        """The indicator's settings the checks read, read from the ORM object once per batch."""
        found = self.indicatoren.get(indicator.id)
        if found is None:
            found = self.indicatoren[indicator.id] = _Indicator(
                indicator.id, indicator.max_eenheden, indicator.min_aanwezigheid_pct, indicator.trigger,
                indicator.onderdeel)
        return found


def declaratietermijn(declaratie: Any) -> int | None:
    """The declaratietermijn in days that applies: the one stored at submission, for a concept the contract's now."""
    if declaratie.status is DeclaratieStatus.CONCEPT:
        return declaratie.contract.declaratietermijn_dagen
    return declaratie.declaratietermijn_dagen


def uiterste_indiendatum(declaratie: Any) -> date | None:
    """The last day a declaratie is submitted within its declaratietermijn (the NA_TERMIJN rule): the termijn's
    days after the periode's last day; None without a termijn."""
    termijn = declaratietermijn(declaratie)
    return None if termijn is None else declaratie.periode_tot + timedelta(days=termijn)


def declaratie_bevindingen(declaratie: Any) -> list[dict[str, str]]:
    """Findings about a submitted declaratie as a whole: submitted after the contract's declaratietermijn."""
    uiterlijk = uiterste_indiendatum(declaratie)
    if uiterlijk is None or declaratie.ingediend_op is None:
        return []
    ingediend = dag_van(declaratie.ingediend_op)
    if ingediend <= uiterlijk:
        return []
    dagen = (ingediend - declaratie.periode_tot).days
    return [_f(NA_TERMIJN, f"Ingediend na de declaratietermijn: {aantal(dagen, 'dagen')} na afloop van de periode "
                           f"({datum(declaratie.periode_tot)}), termijn is "
                           f"{aantal(declaratietermijn(declaratie), 'dagen')}.")]


TERMIJN_WAARSCHUWING_DAGEN = 7  # the aanbieder is warned this many days before the termijn ends


def _termijn_stand(declaratie: Any, vandaag: date) -> tuple[bool, date] | None:
    """(verstreken, last day) when the aanbieder is to be warned about a concept: its declaratietermijn has passed,
    or ends within a week. The deadline is uiterste_indiendatum's, so the warning and the NA_TERMIJN finding agree."""
    if declaratie.status is not DeclaratieStatus.CONCEPT:
        return None
    uiterlijk = uiterste_indiendatum(declaratie)
    # Before the periode ends it cannot be submitted (declaraties.submit): a deadline to meet would mislead.
    if uiterlijk is None or vandaag <= declaratie.periode_tot:
        return None
    if vandaag > uiterlijk:
        return True, uiterlijk
    if (uiterlijk - vandaag).days <= TERMIJN_WAARSCHUWING_DAGEN:
        return False, uiterlijk
    return None


def termijn_melding(declaratie: Any, vandaag: date) -> str | None:
    """For the aanbieder, on a concept's page: its declaratietermijn has passed, or ends within a week. Nothing is
    blocked."""
    stand = _termijn_stand(declaratie, vandaag)
    if stand is None:
        return None
    verstreken, uiterlijk = stand
    termijn = aantal(declaratietermijn(declaratie), "dagen")
    if verstreken:
        return (f"De declaratietermijn is verstreken: op tijd indienen kon tot en met {datum(uiterlijk)} ({termijn} "
                "na afloop van de periode). U kunt nog indienen; de gemeente ziet dat het te laat is.")
    return f"Let op: dien deze declaratie uiterlijk {datum(uiterlijk)} in (declaratietermijn {termijn})."


def termijn_melding_kort(declaratie: Any, vandaag: date) -> tuple[str, str] | None:
    """The same warning for the list of declaraties, as (heading, text): the page has the full sentences."""
    stand = _termijn_stand(declaratie, vandaag)
    if stand is None:
        return None
    verstreken, uiterlijk = stand
    if verstreken:
        return "Declaratietermijn verstreken", f"op tijd indienen kon tot en met {datum(uiterlijk)}."
    return "Declaratietermijn", f"dien uiterlijk {datum(uiterlijk)} in."


def _f(code: str, tekst: str) -> dict[str, str]:
    return {"code": code, "tekst": tekst}
