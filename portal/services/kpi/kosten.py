"""The kosten KPI, from the billing: approved cost per gemeente and voorziening against the SPUK amount the
gemeente entered for the year, and approved cost per inburgeraar against the SPUK amounts (001 §4.2):
€12,712 per asielstatushouder (€7,712 + €4,000 + €1,000 over three years) and €589 per gezins- of overige migrant.

The amounts are billing's own (portal.services.billing.exports.spuk_kosten: approved regels, credits netted), so
the dashboard and the SPUK verantwoording agree to the cent.
"""

from __future__ import annotations

import statistics
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal import access
from portal.domain import kpi
from portal.domain.afronding import percentage
from portal.domain.kpi import KpiResultaat, Rij
from portal.domain.perioden import Periode
from portal.models import Declaratie, DeclaratieRegel, Inburgeraar, Prestatie, User
from portal.models.billing import RegelStatus
from portal.services.billing.exports import spuk_kosten
from portal.services.billing.spuk import SPUK_NORM_CENT
from portal.services.kpi import instellingen
from portal.services.kpi.gegevens import KpiFilters


def declaratie_ids(user: User, filters: KpiFilters) -> object:
    """Submitted declaraties in scope, narrowed like the dashboard (gemeente, aanbieder, contract)."""
    query = access.declaraties(user).with_only_columns(Declaratie.id).order_by(None)
    if filters.gemeente_id is not None:
        query = query.where(Declaratie.gemeente_id == filters.gemeente_id)
    if filters.aanbieder_id is not None:
        query = query.where(Declaratie.aanbieder_id == filters.aanbieder_id)
    if filters.contract_id is not None:
        query = query.where(Declaratie.contract_id == filters.contract_id)
    return query


def kosten(session: Session, user: User, filters: KpiFilters, periode: Periode, vandaag: date) -> KpiResultaat:
    """The kosten KPI for the years of the period."""
    ids = declaratie_ids(user, filters)
    jaren = {k.jaar for k in periode.kwartalen}
    gemeenten = {g.naam: g.id for g in session.scalars(access.gemeenten(user))}
    spuk = instellingen.spuk_bedragen(session, list(gemeenten.values()))
    rijen: list[Rij] = []
    totaal: dict[tuple[str, int], int] = {}
    for k in spuk_kosten(session, ids):
        if k.jaar not in jaren:
            continue
        totaal[(k.gemeente, k.jaar)] = totaal.get((k.gemeente, k.jaar), 0) + k.goedgekeurd_cent
        rijen.append(Rij(f"{k.cbs_code}-{k.jaar}-{k.voorziening.value}",
                         f"{k.gemeente} {k.jaar}, {k.voorziening.label}: goedgekeurd", waarde=k.goedgekeurd_cent,
                         eenheid="cent"))
    for (naam, jaar), cent in sorted(totaal.items()):
        bedrag = spuk.get((gemeenten.get(naam, 0), jaar))
        rijen.append(Rij(f"spuk-{naam}-{jaar}", f"{naam} {jaar}: goedgekeurd als deel van het SPUK-bedrag"
                         + ("" if bedrag else " (geen SPUK-bedrag ingevuld)"),
                         waarde=percentage(cent, bedrag) if bedrag else None, eenheid="%",
                         teller=cent, noemer=bedrag or None, maat="cent"))
    rijen.extend(_per_inburgeraar(session, user, ids, periode))
    return KpiResultaat(
        "kosten", "Kosten",
        "Goedgekeurde declaratieregels (na verrekening van creditregels) naar het jaar van de prestatie, per "
        "gemeente en voorziening (leerroute, maatschappelijke begeleiding, PVT, MAP, tolken), naast het "
        "SPUK-bedrag dat de gemeente voor dat jaar heeft ingevuld. Per inburgeraar: de goedgekeurde kosten tot het "
        "einde van de periode naast € 12.712 (asielstatushouder, verdeeld over drie jaar) of € 589 (gezins- en "
        "overige migrant).",
        "Declaraties (goedgekeurde regels), SPUK-bedragen per gemeente en jaar (001 §4.2).",
        rijen,
    )


def _per_inburgeraar(session: Session, user: User, ids: object, periode: Periode) -> list[Rij]:
    goedgekeurd = func.sum(case((DeclaratieRegel.status == RegelStatus.GOEDGEKEURD, DeclaratieRegel.bedrag_cent),
                                else_=0))
    rows = session.execute(
        select(Prestatie.inburgeraar_id, Inburgeraar.doelgroep, goedgekeurd)
        .join(DeclaratieRegel, DeclaratieRegel.prestatie_id == Prestatie.id)
        .join(Inburgeraar, Inburgeraar.id == Prestatie.inburgeraar_id)
        .where(DeclaratieRegel.declaratie_id.in_(ids), DeclaratieRegel.prestatiedatum <= periode.tot,
               Prestatie.inburgeraar_id.in_(access.inburgeraars(user).with_only_columns(Inburgeraar.id)))
        .group_by(Prestatie.inburgeraar_id, Inburgeraar.doelgroep)
    ).all()
    rijen = []
    for doelgroep, norm in SPUK_NORM_CENT.items():
        bedragen = {i: int(c or 0) for i, d, c in rows if d == doelgroep and c}
        personen = frozenset(bedragen)
        mediaan = int(statistics.median(bedragen.values())) if len(personen) >= kpi.MIN_AANTAL else None
        rijen.append(Rij(f"mediaan-{doelgroep.name.lower()}", f"{doelgroep.label}: mediane kosten per inburgeraar",
                         waarde=mediaan, eenheid="cent", ids=personen, ids_eenheid="inburgeraars"))
        rijen.append(Rij(f"boven-{doelgroep.name.lower()}",
                         f"{doelgroep.label}: kosten boven het SPUK-bedrag per inburgeraar",
                         kpi.aandeel(personen, (i for i, c in bedragen.items() if c > norm), "inburgeraars")))
    return rijen

