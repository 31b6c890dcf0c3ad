"""Demo data the prestatie-indicatoren need besides starts and presentie: route results (MAP, PVT, Z-route,
taalschakeltraject) of finished trajecten, exam results from DUO and the aanbieder over the past years, and the
SPUK amounts per gemeente and year. Afschalingsverzoeken come from portal.demo_dossiers (through the service).

Only for the verwijzingen created in this run, so seeding twice adds nothing. Proportions follow the seeds
where they say something (001 §4: taalschakeltraject 1,5-2 years) and are otherwise modest guesses.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain import termijnen
from portal.models import (
    Examenresultaat,
    Inburgeraar,
    KpiJaarInstelling,
    RouteResultaat,
    TrajectStart,
    Verwijzing,
)
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, VerwijzingStatus
from portal.models.resultaat import (
    BereiktNiveau,
    Examenniveau,
    Examenonderdeel,
    Examenuitslag,
    JaNee,
    ResultaatBron,
    TaalschakelResultaat,
)

if TYPE_CHECKING:
    from portal.demo import DemoRegion

_DELEN = (Examenonderdeel.KNM, Examenonderdeel.LE, Examenonderdeel.LU, Examenonderdeel.SC, Examenonderdeel.SP)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(14, 0), tzinfo=UTC)


def seed_kpi(session: Session, region: DemoRegion) -> None:
    """Route results, exams and afschalingsverzoeken for this run's verwijzingen."""
    session.flush()
    rng, today = region.rng, region.today
    ids = [v.id for v in region.verwijzingen]
    starts = {s.verwijzing_id: s
              for s in session.scalars(select(TrajectStart).where(TrajectStart.verwijzing_id.in_(ids)))}
    counts = {"routeresultaten (afgeronde trajecten)": 0, "examenresultaten (eerdere jaren)": 0}
    for v in region.verwijzingen:
        start = starts.get(v.id)
        if start is None or start.gerealiseerde_startdatum is None:
            continue
        if v.status is VerwijzingStatus.AFGEROND and v.onderdeel in (
            Onderdeel.MAP, Onderdeel.PVT, Onderdeel.Z_ROUTE_TAAL, Onderdeel.ONDERWIJSROUTE,
        ):
            session.add(_route_resultaat(rng, v, start.gerealiseerde_startdatum, today))
            counts["routeresultaten (afgeronde trajecten)"] += 1
        elif v.onderdeel is Onderdeel.ONDERWIJSROUTE and v.status is VerwijzingStatus.GESTART and rng.random() < 0.7:
            # The taalschakeltraject takes 1,5-2 years (001 §4); the onderwijsroute goes on after it.
            klaar = start.gerealiseerde_startdatum + timedelta(days=rng.randrange(546, 760))
            if klaar < today:
                session.add(_route_resultaat(rng, v, start.gerealiseerde_startdatum, klaar + timedelta(days=1)))
                counts["routeresultaten (afgeronde trajecten)"] += 1
        if v.onderdeel is Onderdeel.B1_ROUTE:
            rows = _examens(rng, v, start.gerealiseerde_startdatum, today)
            session.add_all(rows)
            counts["examenresultaten (eerdere jaren)"] += len(rows)
    counts["spuk-bedragen"] = _spuk_bedragen(session, region)
    session.flush()
    region.counts.update(counts)


def _spuk_bedragen(session: Session, region: DemoRegion) -> int:
    """The SPUK per gemeente for this year and the two before, as the Rijk sets it (001 §4.2): €7,712 per
    asielstatushouder in the year of housing, €4,000 the year after, €1,000 the year after that; €589 per
    gezins- of overige migrant. The demo's BRP registration stands in for the year of housing."""
    jaren = range(region.today.year - 2, region.today.year + 1)
    bestaand = {(g, j) for g, j in session.execute(select(KpiJaarInstelling.gemeente_id, KpiJaarInstelling.jaar))}
    bedragen: dict[tuple[int, int], int] = {}
    for persoon in session.scalars(select(Inburgeraar).where(Inburgeraar.datum_brp_inschrijving.is_not(None))):
        huisvesting = persoon.datum_brp_inschrijving.year  # type: ignore[union-attr]
        for jaar in jaren:
            if persoon.doelgroep is Doelgroep.ASIELSTATUSHOUDER:
                cent = {0: 771_200, 1: 400_000, 2: 100_000}.get(jaar - huisvesting, 0)
            else:
                cent = 58_900 if jaar == huisvesting else 0
            if cent:
                key = (persoon.gemeente_id, jaar)
                bedragen[key] = bedragen.get(key, 0) + cent
    made = 0
    for (gemeente_id, jaar), cent in sorted(bedragen.items()):
        if (gemeente_id, jaar) not in bestaand:
            session.add(KpiJaarInstelling(gemeente_id=gemeente_id, jaar=jaar, spuk_bedrag_cent=cent))
            made += 1
    return made


def _route_resultaat(rng: random.Random, v: Verwijzing, start: date, today: date) -> RouteResultaat:
    einde = min(v.uiterste_einddatum, today - timedelta(days=1))
    datum = max(start, einde - timedelta(days=rng.randrange(0, 45)))
    eerste = v.inburgeraar.pips[0].dagtekening
    termijn_einde = termijnen.inburgeringstermijn_einde(eerste, v.inburgeraar.termijn_verlengd_tot)
    row = RouteResultaat(verwijzing_id=v.id, inburgeraar_id=v.inburgeraar_id, created_at=_moment(datum),
                         updated_at=_moment(datum))
    if v.onderdeel in (Onderdeel.MAP, Onderdeel.PVT):
        # About one in eight finishes after the term: the gemeente then judges whether that is verwijtbaar.
        if termijn_einde and rng.random() < 0.12 and termijn_einde + timedelta(days=30) < today:
            datum = termijn_einde + timedelta(days=rng.randrange(10, 30))
            row.verwijtbaar = JaNee.JA if rng.random() < 0.35 else JaNee.NEE
        if v.onderdeel is Onderdeel.MAP:
            row.datum_eindgesprek_map = datum
        else:
            row.datum_ondertekening_pvt = datum
    elif v.onderdeel is Onderdeel.Z_ROUTE_TAAL:
        row.datum_afronding_z_route = datum
        row.bereikt_niveau = rng.choices(
            (BereiktNiveau.ONDER_A1, BereiktNiveau.A1, BereiktNiveau.A2), (2, 5, 3))[0]
    else:
        row.taalschakel_resultaat = TaalschakelResultaat.BEHAALD if rng.random() < 0.75 \
            else TaalschakelResultaat.NIET_BEHAALD
        row.datum_taalschakel_resultaat = datum
    return row


def _examens(rng: random.Random, v: Verwijzing, start: date, today: date) -> list[Examenresultaat]:
    """Exams after 9-16 months of lessons. A finished B1-route passed every part; a running one only some,
    so the B1 status rule (all parts passed ends the route) keeps holding."""
    pip = v.inburgeraar.pips[-1]
    if pip.leerroute is not Leerroute.B:
        return []
    eerste = start + timedelta(days=rng.randrange(270, 480))
    if eerste > today - timedelta(days=7):
        return []
    klaar = v.status is VerwijzingStatus.AFGEROND
    delen = _DELEN if klaar else _DELEN[: rng.randrange(1, 4)]
    # After an approved afschaling (speaking and writing lowered to A2) those parts are taken at A2.
    verlaagd = (Examenonderdeel.SP, Examenonderdeel.SC) if pip.niveau is NiveauPip.A2 else ()
    bron_aanbieder_ook = rng.random() < 0.4  # the school also reports what it heard
    rows = []
    for deel in delen:
        deel_niveau = Examenniveau.A2 if deel is Examenonderdeel.KNM or deel in verlaagd else Examenniveau.B1
        dag = eerste + timedelta(days=rng.randrange(0, 20))
        pogingen = [Examenuitslag.GESLAAGD] if rng.random() < 0.72 else [Examenuitslag.GEZAKT, Examenuitslag.GESLAAGD]
        if not klaar and pogingen[-1] is Examenuitslag.GESLAAGD and len(pogingen) == 2 and rng.random() < 0.5:
            pogingen = [Examenuitslag.GEZAKT]
        for uitslag in pogingen:
            if dag > today - timedelta(days=3):
                break
            bronnen = [ResultaatBron.DUO] + ([ResultaatBron.AANBIEDER] if bron_aanbieder_ook else [])
            for bron in bronnen:
                rows.append(Examenresultaat(
                    inburgeraar_id=v.inburgeraar_id, verwijzing_id=v.id if bron is ResultaatBron.AANBIEDER else None,
                    onderdeel=deel, niveau=deel_niveau, resultaat=uitslag, examendatum=dag, bron=bron,
                    created_at=_moment(dag + timedelta(days=4)), updated_at=_moment(dag + timedelta(days=4)),
                ))
            dag += timedelta(days=rng.randrange(49, 90))
    return rows
