"""The SPUK per inburgeraar: what was declared and approved for one person, per voorziening and year, against the
specifieke uitkering the gemeente receives for that person (001 §4.2 and figuur 1.1, 004 §4.2).

The SPUK is €12,712 per asielstatushouder, paid as €7,712 in the year of huisvesting (t), €4,000 in t+1 and
€1,000 in t+2, and €589 per gezins- of overige migrant in year t. The year of huisvesting is the year of the
inburgeraar's BRP inschrijving (billing-and-kpis.md A2 Budgetbewaking). The sources do not say to which year a
cost belongs, so a cost counts in the year of the prestatiedatum its regel was declared with (a date recomputed
later moves no declared cost), as in the costs per gemeente (exports.spuk_kosten).
The gemeente that pays is the declaratie's gemeente: the inburgeraar's gemeente on the prestatiedatum, decided once
by rules.betalende_gemeente when the prestatie was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, extract, func, select
from sqlalchemy.orm import Session

from portal.models import (
    Declaratie,
    DeclaratieRegel,
    Gemeente,
    Inburgeraar,
    KostenTotaal,
    Prestatie,
    PrestatieIndicator,
)
from portal.models.billing import RegelStatus, Voorziening, voorziening_van
from portal.models.enums import Doelgroep

# The SPUK per person in cents, per year counted from the year of huisvesting (001 figuur 1.1).
SPUK_TRANCHES_CENT: dict[Doelgroep, tuple[int, ...]] = {
    Doelgroep.ASIELSTATUSHOUDER: (771_200, 400_000, 100_000),
    Doelgroep.GEZINSMIGRANT_OVERIG: (58_900,),
}
SPUK_NORM_CENT: dict[Doelgroep, int] = {d: sum(t) for d, t in SPUK_TRANCHES_CENT.items()}


def spuk_per_jaar(doelgroep: Doelgroep, huisvestingsjaar: int | None) -> dict[int, int]:
    """The SPUK for one person per calendar year; empty when the year of huisvesting is unknown."""
    if huisvestingsjaar is None:
        return {}
    return {huisvestingsjaar + n: cent for n, cent in enumerate(SPUK_TRANCHES_CENT[doelgroep])}


@dataclass
class Bedragen:
    """Declared and approved cents (credits netted)."""

    gedeclareerd_cent: int = 0
    goedgekeurd_cent: int = 0


class _VoorzieningTotalen:
    """Totals over `per_voorziening`, shared by the per-inburgeraar and per-gemeente-year views."""

    per_voorziening: dict

    @property
    def gedeclareerd_cent(self) -> int:
        return sum(b.gedeclareerd_cent for b in self.per_voorziening.values())

    @property
    def goedgekeurd_cent(self) -> int:
        return sum(b.goedgekeurd_cent for b in self.per_voorziening.values())


@dataclass
class InburgeraarKosten(_VoorzieningTotalen):
    """One inburgeraar's costs paid by one gemeente, against that person's SPUK."""

    inburgeraar_id: int
    naam: str
    doelgroep: Doelgroep
    huisvestingsjaar: int | None
    gemeente: str
    cbs_code: str
    per_voorziening: dict[Voorziening, Bedragen] = field(default_factory=dict)
    per_jaar: dict[int, Bedragen] = field(default_factory=dict)

    @property
    def spuk_cent(self) -> int:
        return SPUK_NORM_CENT[self.doelgroep]

    @property
    def spuk_per_jaar(self) -> dict[int, int]:
        return spuk_per_jaar(self.doelgroep, self.huisvestingsjaar)

    @property
    def verschil_cent(self) -> int:
        """SPUK minus approved cost: negative when the person cost more than the SPUK brings in."""
        return self.spuk_cent - self.goedgekeurd_cent

    def jaren(self) -> list[tuple[int, int | None, int]]:
        """(year, SPUK of that year or None, approved cost of that year) over the SPUK years and the cost years."""
        budget = self.spuk_per_jaar
        return [(jaar, budget.get(jaar), self.per_jaar.get(jaar, Bedragen()).goedgekeurd_cent)
                for jaar in sorted(set(budget) | set(self.per_jaar))]


def inburgeraars_met_kosten(declaratie_ids: Any, *, gemeente_id: int | None = None,
                            doelgroep: Doelgroep | None = None) -> Select[tuple[Inburgeraar, Gemeente]]:
    """(inburgeraar, paying gemeente) pairs with a regel on one of the declaraties (a scoped id query), by name:
    the rows of the per-inburgeraar view, to be paged."""
    paren = (select(Prestatie.inburgeraar_id.label("inburgeraar_id"), Declaratie.gemeente_id.label("gemeente_id"))
             .join(DeclaratieRegel, DeclaratieRegel.prestatie_id == Prestatie.id)
             .join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
             .where(Declaratie.id.in_(declaratie_ids)))
    if gemeente_id is not None:
        paren = paren.where(Declaratie.gemeente_id == gemeente_id)
    sub = paren.distinct().subquery()
    query = (select(Inburgeraar, Gemeente).join(sub, sub.c.inburgeraar_id == Inburgeraar.id)
             .join(Gemeente, Gemeente.id == sub.c.gemeente_id))
    if doelgroep is not None:
        query = query.where(Inburgeraar.doelgroep == doelgroep)
    return query.order_by(Inburgeraar.achternaam, Inburgeraar.voornamen, Inburgeraar.id, Gemeente.naam)


def kosten_per_inburgeraar(session: Session, declaratie_ids: Any,
                           rijen: list[tuple[Inburgeraar, Gemeente]]) -> list[InburgeraarKosten]:
    """The costs of the given (inburgeraar, paying gemeente) rows on the declaraties: one grouped query over
    just those people, per voorziening and year of the prestatiedatum each regel was declared with."""
    found = {(p.id, g.id): InburgeraarKosten(
        p.id, f"{p.voornamen} {p.achternaam}", p.doelgroep,
        p.datum_brp_inschrijving.year if p.datum_brp_inschrijving else None, g.naam, g.cbs_code)
        for p, g in rijen}
    if not found:
        return []
    jaar = extract("year", DeclaratieRegel.prestatiedatum)
    goedgekeurd = case((DeclaratieRegel.status == RegelStatus.GOEDGEKEURD, DeclaratieRegel.bedrag_cent), else_=0)
    rows = session.execute(
        select(Prestatie.inburgeraar_id, Declaratie.gemeente_id, jaar, PrestatieIndicator.onderdeel,
               PrestatieIndicator.voorziening, func.sum(DeclaratieRegel.bedrag_cent), func.sum(goedgekeurd))
        .join(DeclaratieRegel, DeclaratieRegel.prestatie_id == Prestatie.id)
        .join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
        .join(PrestatieIndicator, PrestatieIndicator.id == Prestatie.indicator_id)
        .where(Declaratie.id.in_(declaratie_ids),
               Prestatie.inburgeraar_id.in_(sorted({i for i, _ in found})))
        .group_by(Prestatie.inburgeraar_id, Declaratie.gemeente_id, jaar, PrestatieIndicator.onderdeel,
                  PrestatieIndicator.voorziening)
    )
    for inburgeraar_id, gemeente_id, year, onderdeel, eigen, gedeclareerd, akkoord in rows:
        kosten = found.get((inburgeraar_id, gemeente_id))
        if kosten is None:
            continue
        for bedragen in (kosten.per_voorziening.setdefault(voorziening_van(onderdeel, eigen), Bedragen()),
                         kosten.per_jaar.setdefault(int(year), Bedragen())):
            bedragen.gedeclareerd_cent += int(gedeclareerd or 0)
            bedragen.goedgekeurd_cent += int(akkoord or 0)
    return [found[(p.id, g.id)] for p, g in rijen]


def alle_kosten_per_inburgeraar(session: Session, declaratie_ids: Any, *, gemeente_id: int | None = None,
                                doelgroep: Doelgroep | None = None) -> list[InburgeraarKosten]:
    """Every row of the view (for the export), computed in slices of people."""
    rijen = [tuple(r) for r in session.execute(
        inburgeraars_met_kosten(declaratie_ids, gemeente_id=gemeente_id, doelgroep=doelgroep))]
    result: list[InburgeraarKosten] = []
    for start in range(0, len(rijen), 500):
        result.extend(kosten_per_inburgeraar(session, declaratie_ids, rijen[start:start + 500]))  # type: ignore[arg-type]
    return result



@dataclass
class GemeenteJaar(_VoorzieningTotalen):
    """One gemeente's costs of one year per voorziening, against the SPUK amount the gemeente entered."""

    gemeente: str
    cbs_code: str
    jaar: int
    spuk_bedrag_cent: int | None
    per_voorziening: dict[Voorziening, Bedragen] = field(default_factory=dict)

    def bedragen(self, voorziening: Voorziening) -> Bedragen:
        return self.per_voorziening.get(voorziening, Bedragen())

    @property
    def beschikbaar_cent(self) -> int | None:
        return None if self.spuk_bedrag_cent is None else self.spuk_bedrag_cent - self.goedgekeurd_cent


def per_gemeente_jaar(kosten: Any, spuk_bedragen: dict[tuple[str, int], int]) -> list[GemeenteJaar]:
    """exports.spuk_kosten's rows (gemeente, year, voorziening) folded per gemeente and year, every voorziening
    present, with the SPUK amount by (cbs_code, year)."""
    found: dict[tuple[str, int], GemeenteJaar] = {}
    for k in kosten:
        rij = found.setdefault((k.cbs_code, k.jaar), GemeenteJaar(k.gemeente, k.cbs_code, k.jaar,
                                                                  spuk_bedragen.get((k.cbs_code, k.jaar))))
        rij.per_voorziening[k.voorziening] = Bedragen(k.gedeclareerd_cent, k.goedgekeurd_cent)
    return sorted(found.values(), key=lambda r: (r.gemeente, r.jaar))


def besteed_per_gemeente_jaar(session: Session, contract_id: int, gemeente_ids: Any) -> dict[tuple[int, int], Bedragen]:
    """(gemeente id, year of the prestatiedatum) -> declared and approved cents on the submitted declaraties of one
    contract for the gemeenten in `gemeente_ids` (a scoped id query): what the contract page sets against the budget
    per gemeente per year, read from the kept totals (KostenTotaal)."""
    rows = session.execute(
        select(KostenTotaal.gemeente_id, KostenTotaal.jaar, func.sum(KostenTotaal.gedeclareerd_cent),
               func.sum(KostenTotaal.goedgekeurd_cent))
        .where(KostenTotaal.contract_id == contract_id, KostenTotaal.gemeente_id.in_(gemeente_ids))
        .group_by(KostenTotaal.gemeente_id, KostenTotaal.jaar))
    return {(g, int(y)): Bedragen(int(d or 0), int(a or 0)) for g, y, d, a in rows if d or a}
