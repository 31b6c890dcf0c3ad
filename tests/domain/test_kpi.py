"""The KPI rules on hand-built datasets whose answers are worked out by hand in the comments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from itertools import count

from portal.domain import kpi, perioden
from portal.domain.kpi import (
    KpiAfschaling,
    KpiExamen,
    KpiGegevens,
    KpiInburgeraar,
    KpiPip,
    KpiVerwijzing,
    Latentie,
    Uren,
)
from portal.domain.perioden import Kwartaal
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, VerwijzingStatus
from portal.models.resultaat import AfschalingStatus, Examenniveau, Examenonderdeel, Examenuitslag, ResultaatBron

VANDAAG = date(2026, 12, 3)
J2026 = perioden.jaar(2026)
K3 = perioden.kwartaal(Kwartaal(2026, 3))
_ids = count(1)
ASIEL = Doelgroep.ASIELSTATUSHOUDER


def v(**kw) -> KpiVerwijzing:
    n = next(_ids)
    values = dict(id=n, inburgeraar_id=n, gemeente_id=1, aanbieder_id=1, contract_id=1,
                  onderdeel=Onderdeel.B1_ROUTE, status=VerwijzingStatus.GESTART, doelgroep=ASIEL,
                  beoogde_startdatum=date(2026, 3, 2), uiterste_einddatum=date(2028, 3, 1), marge_dagen=14)
    values.update(kw)
    return KpiVerwijzing(**values)


def test_percentage_hidden_under_five_and_rounded_half_up():
    assert kpi.aandeel(range(4), range(3)).percentage is None
    assert kpi.aandeel(range(4), range(3)).achtergehouden and kpi.aandeel([], []).percentage is None
    share = kpi.aandeel(range(6), range(1))  # 1/6 = 16.666… -> 16.7
    assert share.percentage == Decimal("16.7")
    assert kpi.aandeel(range(8), range(1)).percentage == Decimal("12.5")  # half up, not to even
    assert kpi.aandeel([1, 2], [2, 9]).teller == frozenset({2})  # a unit outside the population never counts


def test_tijdige_start_uses_the_gemeente_margin_and_skips_what_is_not_due():
    beoogd = date(2026, 3, 2)
    verwijzingen = [
        v(gerealiseerde_startdatum=beoogd),  # on time
        v(gerealiseerde_startdatum=date(2026, 3, 16)),  # 14 days later: still on time (<= margin)
        v(gerealiseerde_startdatum=date(2026, 3, 17), reden_latere_start="Groep was vol"),  # 15 days: late
        v(gerealiseerde_startdatum=date(2026, 3, 27), reden_latere_start="Groep was vol"),  # late
        v(gerealiseerde_startdatum=date(2026, 3, 9), marge_dagen=5),  # 7 days with a 5-day margin: late
        v(niet_gestart=True, status=VerwijzingStatus.NIET_GESTART, reden_niet_gestart="Verhuisd"),
        v(),  # not started, margin long passed: due and not on time
        v(beoogde_startdatum=date(2026, 11, 30)),  # not started, but may still start on time: not counted
        v(status=VerwijzingStatus.INGETROKKEN),  # withdrawn: not counted
        v(beoogde_startdatum=date(2025, 12, 1), gerealiseerde_startdatum=date(2025, 12, 1)),  # other period
    ]
    r = kpi.tijdige_start(KpiGegevens(verwijzingen=verwijzingen), J2026, VANDAAG)
    op_tijd = r.rij("op_tijd").aandeel
    assert (op_tijd.aantal, op_tijd.totaal) == (2, 7)
    assert op_tijd.percentage == Decimal("28.6")
    assert r.rij("niet_gestart").aandeel.aantal == 1
    assert dict(r.redenen)["Redenen voor latere start"] == [("Groep was vol", 2), ("Geen reden opgegeven", 1)]
    assert dict(r.redenen)["Redenen niet gestart"] == [("Verhuisd", 1)]


def test_aanwezigheid_is_the_one_attendance_rule_with_absence_apart():
    k3, k4 = Kwartaal(2026, 3), Kwartaal(2026, 4)
    verwijzingen = [
        v(uren={k3: Uren(Decimal(30), Decimal(6), Decimal(4))}),
        v(uren={k3: Uren(Decimal(20), Decimal(0), Decimal(0)), k4: Uren(Decimal(100), Decimal(0), Decimal(0))}),
        *[v(uren={k3: Uren(Decimal(10), Decimal(0), Decimal(0))}) for _ in range(3)],
        v(uren={k4: Uren(Decimal(9), Decimal(1), Decimal(0))}),  # other quarter
    ]
    r = kpi.aanwezigheid_kpi(KpiGegevens(verwijzingen=verwijzingen), K3, VANDAAG)
    # Q3: present 30+20+30 = 80, geoorloofd 6, ongeoorloofd 4: 80 / 90 = 88.9%
    assert r.rij("aanwezig").waarde == Decimal("88.9")
    assert r.rij("geoorloofd").waarde == Decimal("6.7")
    assert r.rij("ongeoorloofd").waarde == Decimal("4.4")
    assert r.rij("gepland").waarde == Decimal(90)
    assert len(r.rij("aanwezig").ids) == 5
    # Each row carries the hours it is computed from, so a percentage can be checked.
    assert [(r.rij(k).teller, r.rij(k).noemer, r.rij(k).maat) for k in ("aanwezig", "geoorloofd", "ongeoorloofd")] \
        == [(Decimal(80), Decimal(90), "uur"), (Decimal(6), Decimal(90), "uur"), (Decimal(4), Decimal(90), "uur")]
    assert (r.rij("gepland").teller, r.rij("gepland").noemer) == (Decimal(90), None)
    # Four inburgeraars with hours: too few for a percentage.
    r4 = kpi.aanwezigheid_kpi(KpiGegevens(verwijzingen=verwijzingen[:4]), K3, VANDAAG)
    assert r4.rij("aanwezig").waarde is None


def test_a_withheld_percentage_withholds_its_amounts_too():
    """Over one verwijzing 'te weinig gegevens' shows no hours or sessions either: '32 uur van 40 uur' next to
    it would give the percentage of one person away."""
    k3 = Kwartaal(2026, 3)
    een = [v(gerealiseerde_startdatum=date(2026, 7, 1), gecontracteerde_uren=Decimal(100),
             uren={k3: Uren(Decimal(32), Decimal(8), Decimal(0))})]
    g = KpiGegevens(verwijzingen=een, latenties=[Latentie(1, k3, 1, 3)])
    rijen = [kpi.aanwezigheid_kpi(g, K3, VANDAAG).rij(k) for k in ("aanwezig", "geoorloofd", "ongeoorloofd")]
    rijen.append(kpi.urenrealisatie(g, K3, VANDAAG).rij("gecontracteerd"))
    rijen.append(kpi.aanleverdiscipline(g, K3, VANDAAG).rij("binnen_week"))
    assert [(r.waarde, r.teller, r.noemer) for r in rijen] == [(None, None, None)] * 5
    for resultaat in kpi.bereken(g, K3, VANDAAG):
        for rij in resultaat.rijen:
            assert rij.waarde is not None or (rij.teller, rij.noemer) == (None, None), (resultaat.code, rij.key)


def test_a_withheld_share_withholds_its_counts_too():
    """Review finding: 'te weinig gegevens (3)' stood next to '1 van 3' (linked), which says what the share is
    and, over three people, nearly whom. A withheld share shows how many units it is over, not its teller or
    noemer, on every row of kpi.bereken; the counted reasons and the cohort note under it give nothing away either."""
    beoogd = date(2026, 3, 2)
    cohort = [KpiInburgeraar(i, 1, ASIEL, date(2026, 1, 10), Leerroute.B, NiveauPip.B1) for i in (101, 102, 103)]
    drie = [
        v(inburgeraar_id=101, beoogde_startdatum=beoogd, gerealiseerde_startdatum=beoogd, termijn_einde=beoogd,
          resultaat_datum=beoogd),
        v(inburgeraar_id=102, beoogde_startdatum=beoogd, gerealiseerde_startdatum=date(2026, 4, 20),
          reden_latere_start="Groep was vol", status=VerwijzingStatus.UITGEVALLEN),
        v(onderdeel=Onderdeel.MAP, beoogde_startdatum=beoogd, niet_gestart=True,
          status=VerwijzingStatus.NIET_GESTART, reden_niet_gestart="Verhuisd", termijn_einde=beoogd),
    ]
    examens = [KpiExamen(i, 1, Examenonderdeel.SP, Examenniveau.B1, Examenuitslag.GESLAAGD, date(2026, 5, 1),
                         ResultaatBron.DUO, Examenniveau.B1) for i in (101, 102)]
    verzoek = [KpiAfschaling(1, 101, 1, AfschalingStatus.GOEDGEKEURD, Decimal(600), date(2026, 2, 1), None)]
    g = KpiGegevens(verwijzingen=drie, inburgeraars=cohort, examens=examens, afschalingen=verzoek)
    resultaten = {r.code: r for r in kpi.bereken(g, J2026, VANDAAG)}
    op_tijd = resultaten["tijdige_start"].rij("op_tijd")
    assert (op_tijd.omvang, op_tijd.aandeel.percentage, op_tijd.aandeel.aantal, op_tijd.aandeel.totaal) == (
        3, None, None, None)
    achtergehouden = []
    for code, resultaat in resultaten.items():
        for rij in resultaat.rijen:
            if rij.aandeel is not None and rij.van_toepassing and 0 < rij.omvang < kpi.MIN_AANTAL:
                assert (rij.aandeel.aantal, rij.aandeel.totaal) == (None, None), (code, rij.key)
                achtergehouden.append(f"{code}.{rij.key}")
            elif rij.aandeel is not None and not rij.afgeschermd:
                # 0 units, 'niet van toepassing' or enough: the counts as they are
                assert (rij.aandeel.aantal, rij.aandeel.totaal) == (len(rij.aandeel.teller),
                                                                    len(rij.aandeel.noemer)), (code, rij.key)
    assert {"tijdige_start.op_tijd", "tijdige_start.niet_gestart", "uitval.uitgevallen", "uitval.niet_gestart",
            "start_6_maanden.gestart", "afronding.map", "examens.duo_SP_eerste",
            "afschalingen.goedgekeurd_b1"} <= set(achtergehouden), achtergehouden
    # Under the withheld MAP share its 'na de termijn: verwijtbaar' (0 units) goes too.
    assert resultaten["afronding"].rij("map_verwijtbaar").afgeschermd
    # 'Groep was vol: 1' under a withheld 'op tijd gestart' of 3 would tell how many started late.
    assert [lijst for _, lijst in resultaten["tijdige_start"].redenen] == [[], []]
    assert [lijst for _, lijst in resultaten["uitval"].redenen] == [[]]
    assert not any(c.isdigit() for c in resultaten["start_6_maanden"].toelichting)
    # With enough units the counts, reasons and note stay.
    vijf = [v(beoogde_startdatum=beoogd, gerealiseerde_startdatum=date(2026, 4, 20), reden_latere_start="Vol")
            for _ in range(5)]
    ruim = kpi.tijdige_start(KpiGegevens(verwijzingen=vijf), J2026, VANDAAG)
    assert (ruim.hoofd.aandeel.aantal, ruim.hoofd.aandeel.totaal) == (0, 5)
    assert dict(ruim.redenen)["Redenen voor latere start"] == [("Vol", 5)]


def test_a_withheld_figure_counts_what_the_small_group_rule_counted():
    """The registration delay is withheld over 3 sessions: 'te weinig gegevens (3)', not '(0)' (it has no
    verwijzingen behind it); with no sessions it is 'geen gegevens', for an aanbieder without MAP 'niet van
    toepassing' on the MAP rows, as the comparison shows them."""
    from portal.blueprints.kpi.weergave import waarde_tekst

    k3 = Kwartaal(2026, 3)
    drie = KpiGegevens(verwijzingen=[v()], latenties=[Latentie(1, k3, 1, 3)])
    resultaat = kpi.aanleverdiscipline(drie, K3, VANDAAG)
    assert [waarde_tekst(resultaat.rij(k)) for k in ("mediaan", "binnen_week")] == ["te weinig gegevens (3)"] * 2
    resultaat = kpi.aanleverdiscipline(KpiGegevens(verwijzingen=[v()]), K3, VANDAAG)
    assert [waarde_tekst(resultaat.rij(k)) for k in ("mediaan", "binnen_week")] == ["geen gegevens"] * 2
    taal = KpiGegevens(verwijzingen=[v()]).voor_aanbieder(1)
    assert [waarde_tekst(r) for r in kpi.afronding_binnen_termijn(taal, K3, VANDAAG).rijen] == [
        "niet van toepassing"] * 5
    # Gemeente-wide every indicator applies: nothing to count is 'geen gegevens'.
    assert {waarde_tekst(r) for r in kpi.afronding_binnen_termijn(KpiGegevens(verwijzingen=[v()]), K3,
                                                                   VANDAAG).rijen} == {"geen gegevens"}


def test_urenrealisatie_against_contract_intensity_and_norm():
    start = date(2026, 1, 5)
    k = Kwartaal(2026, 1)
    b1 = [v(gerealiseerde_startdatum=start, gecontracteerde_uren=Decimal(100), geschatte_intensiteit=200,
            uren={k: Uren(Decimal(50))}) for _ in range(5)]
    maps = [v(onderdeel=Onderdeel.MAP, gerealiseerde_startdatum=start, uren={k: Uren(Decimal(h))})
            for h in (40, 40, 20, 45, 10)]
    r = kpi.urenrealisatie(KpiGegevens(verwijzingen=b1 + maps), J2026, VANDAAG)
    assert r.rij("gecontracteerd").waarde == Decimal("50.0")  # 250 of 500 contracted
    assert r.rij("intensiteit").waarde == Decimal("25.0")  # 250 of 1000 PIP hours
    assert r.rij("norm_map").waarde == Decimal("77.5")  # 155 of 5 x 40
    assert (r.rij("gecontracteerd").teller, r.rij("gecontracteerd").noemer) == (Decimal(250), Decimal(500))
    assert (r.rij("norm_map").teller, r.rij("norm_map").noemer, r.rij("norm_map").maat) == (155, 200, "uur")
    bereikt = r.rij("norm_map_bereikt").aandeel
    assert (bereikt.aantal, bereikt.totaal) == (3, 5)
    assert r.rij("norm_pvt").waarde is None  # no PVT verwijzingen


def test_afronding_binnen_termijn_and_verwijtbaar():
    einde = date(2026, 6, 30)
    rows = [
        v(onderdeel=Onderdeel.MAP, termijn_einde=einde, resultaat_datum=date(2026, 5, 1)),
        v(onderdeel=Onderdeel.MAP, termijn_einde=einde, resultaat_datum=date(2026, 6, 30)),  # on the last day
        v(onderdeel=Onderdeel.MAP, termijn_einde=einde, resultaat_datum=date(2026, 8, 1), verwijtbaar=True),
        v(onderdeel=Onderdeel.MAP, termijn_einde=einde, resultaat_datum=date(2026, 9, 1), verwijtbaar=False),
        v(onderdeel=Onderdeel.MAP, termijn_einde=einde),  # term passed in 2026 without a result
        v(onderdeel=Onderdeel.MAP, termijn_einde=date(2027, 6, 1)),  # term still running: not counted
        v(onderdeel=Onderdeel.PVT, termijn_einde=einde, resultaat_datum=date(2026, 1, 1)),
    ]
    r = kpi.afronding_binnen_termijn(KpiGegevens(verwijzingen=rows), J2026, VANDAAG)
    assert (r.rij("map").aandeel.aantal, r.rij("map").aandeel.totaal) == (2, 5)
    assert r.rij("map").aandeel.percentage == Decimal("40.0")
    # Under five the rule still counts (the case list behind it), but no count is shown.
    verwijtbaar = r.rij("map_verwijtbaar").aandeel
    assert (len(verwijtbaar.teller), len(verwijtbaar.noemer), verwijtbaar.aantal) == (1, 2, None)
    assert r.rij("pvt").aandeel.omvang == 1 and r.rij("pvt").aandeel.percentage is None


def test_examenresultaten_first_attempt_overall_level_and_source():
    def ex(persoon, niveau, uitslag, dag, bron=ResultaatBron.DUO, vereist=Examenniveau.B1):
        return KpiExamen(persoon, None, Examenonderdeel.SP, niveau, uitslag, dag, bron, vereist)

    examens = [
        ex(1, Examenniveau.B1, Examenuitslag.GESLAAGD, date(2026, 2, 1)),  # first attempt passed
        ex(2, Examenniveau.B1, Examenuitslag.GEZAKT, date(2026, 2, 1)),
        ex(2, Examenniveau.B1, Examenuitslag.GESLAAGD, date(2026, 5, 1)),  # passed at the second attempt
        ex(3, Examenniveau.A2, Examenuitslag.GESLAAGD, date(2026, 3, 1)),  # A2 under a B1 PIP: not passed
        ex(4, Examenniveau.A2, Examenuitslag.GESLAAGD, date(2026, 3, 1), vereist=Examenniveau.A2),  # lowered part
        ex(5, Examenniveau.B2, Examenuitslag.GESLAAGD, date(2026, 4, 1)),  # above the level counts
        ex(6, Examenniveau.B1, Examenuitslag.GEEN, date(2026, 4, 1)),  # no result is no attempt
        ex(7, Examenniveau.B1, Examenuitslag.GESLAAGD, date(2025, 11, 1)),  # earlier period
        ex(1, Examenniveau.B1, Examenuitslag.GEZAKT, date(2026, 2, 1), bron=ResultaatBron.AANBIEDER),
    ]
    r = kpi.examenresultaten(KpiGegevens(examens=examens), J2026, VANDAAG)
    eerste, totaal = r.rij("duo_SP_eerste").aandeel, r.rij("duo_SP_totaal").aandeel
    assert (eerste.aantal, eerste.totaal) == (3, 5)  # persons 1, 4, 5 of 1-5
    assert (totaal.aantal, totaal.totaal) == (4, 5)  # person 2 passed later
    assert totaal.percentage == Decimal("80.0")
    aanbieder = r.rij("aanbieder_SP_eerste").aandeel
    assert (len(aanbieder.teller), aanbieder.omvang, aanbieder.totaal) == (0, 1, None)


def test_afschalingen_count_share_of_b1_hours_and_decision_time():
    b1 = [KpiInburgeraar(i, 1, ASIEL, None, Leerroute.B, NiveauPip.B1) for i in range(1, 11)]
    verzoeken = [
        KpiAfschaling(1, 1, 1, AfschalingStatus.GOEDGEKEURD, Decimal(600), date(2026, 2, 1), date(2026, 2, 11)),
        KpiAfschaling(2, 2, 1, AfschalingStatus.GOEDGEKEURD, Decimal(640), date(2026, 3, 1), date(2026, 3, 5)),
        KpiAfschaling(3, 3, 1, AfschalingStatus.AFGEWEZEN, Decimal(610), date(2026, 4, 1), date(2026, 4, 21)),
        KpiAfschaling(4, 4, 1, AfschalingStatus.INGEDIEND, Decimal(700), date(2026, 5, 1), None),
        KpiAfschaling(5, 5, 1, AfschalingStatus.GOEDGEKEURD, Decimal(620), date(2026, 6, 1), date(2026, 6, 8)),
        KpiAfschaling(6, 6, 1, AfschalingStatus.GOEDGEKEURD, Decimal(605), date(2026, 6, 2), date(2026, 6, 4)),
        KpiAfschaling(7, 7, 1, AfschalingStatus.GOEDGEKEURD, Decimal(650), date(2026, 7, 1), date(2026, 7, 31)),
    ]
    cursus = [v(inburgeraar_id=i) for i in range(1, 11)]  # each on a B1-route course
    r = kpi.afschalingen(KpiGegevens(verwijzingen=cursus, inburgeraars=b1, afschalingen=verzoeken), J2026, VANDAAG)
    assert r.rij("aantal").waarde == 7
    share = r.rij("goedgekeurd_b1").aandeel
    assert (share.aantal, share.totaal) == (5, 10)
    assert r.rij("uren").waarde == Decimal(620)  # median of 600 605 610 620 640 650 700
    assert r.rij("besluittijd").waarde == Decimal("8.5")  # median of 10 4 20 7 2 30 -> (7+10)/2


def test_uitval_and_niet_gestart_of_the_start_cohort():
    rows = [v(status=VerwijzingStatus.UITGEVALLEN) for _ in range(2)] + [v() for _ in range(6)]
    rows += [v(status=VerwijzingStatus.NIET_GESTART, niet_gestart=True, reden_niet_gestart="Werkt fulltime")]
    rows += [v(status=VerwijzingStatus.INGETROKKEN), v(beoogde_startdatum=date(2026, 12, 20))]  # not counted
    r = kpi.uitval(KpiGegevens(verwijzingen=rows), J2026, VANDAAG)
    assert (r.rij("uitgevallen").aandeel.aantal, r.rij("uitgevallen").aandeel.totaal) == (2, 9)
    assert r.rij("niet_gestart").aandeel.aantal == 1
    assert r.redenen[0][1] == [("Werkt fulltime", 1)]


def test_doorlooptijd_median_and_within_end_date():
    start = date(2026, 1, 1)
    rows = [v(onderdeel=Onderdeel.PVT, gerealiseerde_startdatum=start, uiterste_einddatum=date(2026, 6, 30),
              resultaat_datum=start.replace(month=m)) for m in (3, 4, 5, 6, 8)]
    rows.append(v(onderdeel=Onderdeel.PVT, gerealiseerde_startdatum=start, uiterste_einddatum=date(2026, 6, 30),
                  bijgestelde_einddatum=date(2026, 9, 30), resultaat_datum=date(2026, 9, 1)))
    r = kpi.doorlooptijd(KpiGegevens(verwijzingen=rows), J2026, VANDAAG)
    binnen = r.rij("binnen_einddatum").aandeel
    assert (binnen.aantal, binnen.totaal) == (5, 6)  # August is after 30-06; the adjusted end date counts
    assert r.rij("mediaan").waarde == Decimal("135.5")  # 59 90 120 151 212 243 days: (120 + 151) / 2


def test_leerroute_mix_and_switches():
    pips = [KpiPip(i, 1, date(2026, 2, 1), Leerroute.B) for i in range(1, 7)]
    pips += [KpiPip(7, 1, date(2026, 2, 1), Leerroute.Z), KpiPip(8, 1, date(2026, 3, 1), Leerroute.O)]
    pips += [KpiPip(1, 2, date(2026, 9, 1), Leerroute.Z), KpiPip(2, 2, date(2026, 9, 1), Leerroute.B)]  # one switch
    pips += [KpiPip(9, 1, date(2025, 5, 1), Leerroute.B)]  # earlier cohort
    r = kpi.leerroute_mix(KpiGegevens(pips=pips), J2026, VANDAAG)
    b = r.rij("route_B").aandeel
    assert (b.aantal, b.totaal) == (6, 8) and b.percentage == Decimal("75.0")
    assert r.rij("route_B").streef == 60
    assert r.rij("wisselingen").waarde == 1


def test_aanleverdiscipline_recent_presence_and_median_latency():
    k4 = Kwartaal(2026, 4)
    start = date(2026, 9, 1)
    recent = [v(gerealiseerde_startdatum=start, uren={k4: Uren(Decimal(3), laatste=date(2026, 11, 25))})
              for _ in range(4)]
    stil = [v(gerealiseerde_startdatum=start, uren={k4: Uren(Decimal(3), laatste=date(2026, 11, 1))})]
    klaar = [v(gerealiseerde_startdatum=start, status=VerwijzingStatus.AFGEROND)]  # not active
    latenties = [Latentie(1, k4, 1, 10), Latentie(1, k4, 3, 5), Latentie(1, k4, 20, 6)]
    r = kpi.aanleverdiscipline(KpiGegevens(verwijzingen=recent + stil + klaar, latenties=latenties),
                               perioden.kwartaal(k4), VANDAAG)
    share = r.rij("recent").aandeel
    assert (share.aantal, share.totaal) == (4, 5)  # peildatum 3-12: window 20-11 … 3-12
    assert r.rij("mediaan").waarde == Decimal(3)  # 21 sessions: the 11th is registered after 3 days
    assert r.rij("binnen_week").waarde == Decimal("71.4")  # 15 of 21
    assert (r.rij("binnen_week").teller, r.rij("binnen_week").noemer, r.rij("binnen_week").maat) == (15, 21, "sessies")


def test_start_binnen_zes_maanden_cohort_and_target():
    def persoon(i, brp):
        return KpiInburgeraar(i, 1, ASIEL, brp, Leerroute.B, NiveauPip.B1)

    inburgeraars = [persoon(i, date(2026, 1, 10)) for i in range(1, 7)]
    inburgeraars += [persoon(7, date(2026, 10, 1)), persoon(8, date(2025, 6, 1))]
    verwijzingen = [
        v(inburgeraar_id=1, gerealiseerde_startdatum=date(2026, 3, 1)),
        v(inburgeraar_id=2, gerealiseerde_startdatum=date(2026, 7, 12)),  # day 183: in time
        v(inburgeraar_id=3, gerealiseerde_startdatum=date(2026, 7, 13)),  # day 184: too late
        v(inburgeraar_id=4, onderdeel=Onderdeel.MAP, gerealiseerde_startdatum=date(2026, 2, 1)),  # no leerroute
        v(inburgeraar_id=5, niet_gestart=True, gerealiseerde_startdatum=None),
        v(inburgeraar_id=7, gerealiseerde_startdatum=None),  # still within six months: not counted yet
    ]
    verwijzingen += [v(inburgeraar_id=i, gerealiseerde_startdatum=date(2026, 2, 1)) for i in (9, 10)]
    inburgeraars += [persoon(9, date(2026, 1, 10)), persoon(10, date(2026, 1, 10))]
    r = kpi.start_binnen_zes_maanden(KpiGegevens(verwijzingen=verwijzingen, inburgeraars=inburgeraars),
                                     J2026, VANDAAG, streef=75)
    share = r.hoofd.aandeel
    # Gemeente-wide, persons 1, 2, 9, 10 of 1-6, 9, 10: 4 (MAP only) and 6 (no verwijzing) have not started.
    assert (share.aantal, share.totaal) == (4, 8)
    assert share.percentage == Decimal("50.0")
    assert share.eenheid == "inburgeraars" and r.hoofd.streef == 75
    assert "2 inburgeraars uit het cohort hebben geen verwijzing voor een leerroute en tellen als niet gestart" \
        in r.toelichting


def test_start_binnen_zes_maanden_gemeente_wide_counts_the_unreferred_as_not_started():
    """Someone registered seven months ago without any verwijzing is the case the indicator exists to catch."""
    cohort = [KpiInburgeraar(i, 1, ASIEL, date(2026, 4, 1), Leerroute.B, NiveauPip.B1) for i in range(1, 6)]
    gestart = [v(inburgeraar_id=i, aanbieder_id=1, gerealiseerde_startdatum=date(2026, 5, 1)) for i in (1, 2)]
    r = kpi.start_binnen_zes_maanden(KpiGegevens(verwijzingen=gestart, inburgeraars=cohort), J2026, VANDAAG).hoofd
    assert (r.aandeel.aantal, r.aandeel.totaal, r.aandeel.van_toepassing) == (2, 5, True)
    assert r.aandeel.percentage == Decimal("40.0") and r.streef == 80
    # A gemeente with a cohort and no leerroute verwijzing at all: 0%, never 'niet van toepassing'.
    niemand = kpi.start_binnen_zes_maanden(KpiGegevens(inburgeraars=cohort), J2026, VANDAAG).hoofd
    assert (niemand.aandeel.aantal, niemand.aandeel.totaal, niemand.aandeel.van_toepassing) == (0, 5, True)
    assert niemand.aandeel.percentage == Decimal("0.0") and niemand.streef == 80
    # Narrowed to one aanbieder (filter, contract or its own scope): only its leerroute verwijzingen count.
    eigen = KpiGegevens(verwijzingen=gestart, inburgeraars=cohort[:2], per_aanbieder=True)
    r = kpi.start_binnen_zes_maanden(eigen, J2026, VANDAAG).hoofd
    assert (len(r.aandeel.teller), r.aandeel.omvang) == (2, 2)


def test_start_binnen_zes_maanden_counts_only_leerroute_verwijzingen_and_is_niet_van_toepassing_without():
    """Numerator and denominator share one rule: an aanbieder of MAP, PVT and MB is not 0% but n.v.t."""
    cohort = [KpiInburgeraar(i, 1, ASIEL, date(2026, 1, 10), Leerroute.B, NiveauPip.B1) for i in range(1, 9)]
    taal = [v(inburgeraar_id=i, aanbieder_id=1, gerealiseerde_startdatum=date(2026, 3, 1)) for i in range(1, 6)]
    anders = (Onderdeel.MAP, Onderdeel.PVT, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING)
    brug = [v(inburgeraar_id=i, aanbieder_id=2, onderdeel=onderdeel, gerealiseerde_startdatum=date(2026, 2, 1))
            for i in range(1, 9) for onderdeel in anders]
    g = KpiGegevens(verwijzingen=taal + brug, inburgeraars=cohort)
    de_brug = kpi.start_binnen_zes_maanden(g.voor_aanbieder(2), J2026, VANDAAG).hoofd
    assert not de_brug.aandeel.van_toepassing
    assert (de_brug.aandeel.aantal, de_brug.aandeel.totaal) == (0, 0)
    assert de_brug.aandeel.percentage is None and de_brug.streef is None  # not measured against the target
    assert "Niet van toepassing" in kpi.start_binnen_zes_maanden(g.voor_aanbieder(2), J2026, VANDAAG).toelichting
    taalaanbieder = kpi.start_binnen_zes_maanden(g.voor_aanbieder(1), J2026, VANDAAG).hoofd
    assert (taalaanbieder.aandeel.aantal, taalaanbieder.aandeel.totaal) == (5, 5)
    assert taalaanbieder.aandeel.percentage == Decimal("100.0") and taalaanbieder.streef == 80
    # Gemeente-wide: the three without a leerroute verwijzing have not started; they are not left out.
    alle = kpi.start_binnen_zes_maanden(g, J2026, VANDAAG).hoofd.aandeel
    assert (alle.aantal, alle.totaal, alle.van_toepassing) == (5, 8, True)


def test_afschalingen_share_is_over_the_b1_route_verwijzingen_of_the_selection():
    """An aanbieder without B1-route verwijzingen gets n.v.t., not 0% of the B1 inburgeraars it sees for MAP."""
    b1 = [KpiInburgeraar(i, 1, ASIEL, None, Leerroute.B, NiveauPip.B1) for i in range(1, 7)]
    cursus = [v(inburgeraar_id=i, aanbieder_id=1) for i in range(1, 7)]
    maps = [v(inburgeraar_id=i, aanbieder_id=2, onderdeel=Onderdeel.MAP) for i in range(1, 7)]
    verzoek = [KpiAfschaling(1, 1, 1, AfschalingStatus.GOEDGEKEURD, Decimal(600), date(2026, 2, 1), date(2026, 2, 9))]
    g = KpiGegevens(verwijzingen=cursus + maps, inburgeraars=b1, afschalingen=verzoek)
    brug = kpi.afschalingen(g.voor_aanbieder(2), J2026, VANDAAG).rij("goedgekeurd_b1").aandeel
    assert not brug.van_toepassing and brug.totaal == 0 and brug.percentage is None
    taal = kpi.afschalingen(g.voor_aanbieder(1), J2026, VANDAAG).rij("goedgekeurd_b1").aandeel
    assert (taal.aantal, taal.totaal, taal.van_toepassing) == (1, 6, True)


def test_afschalingen_share_gemeente_wide_is_over_every_b1_inburgeraar():
    """Without an aanbieder selected the population is every B1 inburgeraar, referred for the B1-route or not."""
    b1 = [KpiInburgeraar(i, 1, ASIEL, None, Leerroute.B, NiveauPip.B1) for i in range(1, 9)]
    cursus = [v(inburgeraar_id=i, aanbieder_id=1) for i in range(1, 6)]
    verzoek = [KpiAfschaling(1, 1, 1, AfschalingStatus.GOEDGEKEURD, Decimal(600), date(2026, 2, 1), date(2026, 2, 9))]
    g = KpiGegevens(verwijzingen=cursus, inburgeraars=b1, afschalingen=verzoek)
    alle = kpi.afschalingen(g, J2026, VANDAAG).rij("goedgekeurd_b1").aandeel
    assert (alle.aantal, alle.totaal, alle.van_toepassing) == (1, 8, True)
    geen = kpi.afschalingen(KpiGegevens(inburgeraars=b1), J2026, VANDAAG).rij("goedgekeurd_b1").aandeel
    assert (geen.aantal, geen.totaal, geen.van_toepassing) == (0, 8, True)


def test_comparison_splits_by_aanbieder():
    rows = [v(aanbieder_id=1, gerealiseerde_startdatum=date(2026, 3, 2)) for _ in range(5)]
    rows += [v(aanbieder_id=2, gerealiseerde_startdatum=date(2026, 5, 2)) for _ in range(3)]
    g = KpiGegevens(verwijzingen=rows)
    een = kpi.tijdige_start(g.voor_aanbieder(1), J2026, VANDAAG).hoofd.aandeel
    twee = kpi.tijdige_start(g.voor_aanbieder(2), J2026, VANDAAG).hoofd.aandeel
    assert (een.aantal, een.totaal, een.percentage) == (5, 5, Decimal("100.0"))
    assert (len(twee.teller), twee.omvang, twee.totaal, twee.percentage) == (0, 3, None, None)


def test_periods():
    assert perioden.parse("2026-K3", VANDAAG).van == date(2026, 7, 1)
    assert perioden.parse("2026-K3", VANDAAG).tot == date(2026, 9, 30)
    assert perioden.parse("2025", VANDAAG).tot == date(2025, 12, 31)
    assert perioden.parse("onzin", VANDAAG).code == "2026"
    assert [k.code for k in perioden.trend(Kwartaal(2026, 2), 4)] == ["2025-K3", "2025-K4", "2026-K1", "2026-K2"]


def _cel(omvang: int, teller: int = 0) -> kpi.Rij:
    return kpi.Rij("op_tijd", "Op tijd gestart", kpi.aandeel(range(omvang), range(teller)))


def test_afschermen_withholds_the_smallest_shown_cell_while_the_withheld_ones_cover_1_to_4_units():
    """Review finding: A 1 of 3 (withheld) next to B 4 of 6 and the total 5 of 9 gave A away by subtraction."""
    a, b = kpi.afschermen([_cel(3, 1), _cel(6, 4)])
    assert a.achtergehouden and not a.afgeschermd
    assert b.afgeschermd and b.achtergehouden and not b.toont_aantallen
    assert (b.aandeel.percentage, b.aandeel.aantal, b.aandeel.totaal) == (None, None, None)
    assert b.omvang == 6  # the rule still knows the size
    # One withheld cell of one unit: the smallest other goes, the larger ones stay.
    cellen = kpi.afschermen([_cel(8, 2), _cel(1, 1), _cel(6, 6), _cel(7, 0)])
    assert [c.afgeschermd for c in cellen] == [False, False, True, False]
    assert cellen[0].aandeel.percentage == Decimal("25.0")
    # Two small cells of 2 each (4 units): one more; then 4 + 5 >= 5.
    cellen = kpi.afschermen([_cel(2), _cel(2), _cel(5), _cel(9)])
    assert [c.achtergehouden for c in cellen] == [True, True, True, False]
    # A figure without a share (a median over 3 and over 6) the same way; its value goes.
    mediaan = [kpi.Rij("mediaan", "Mediaan", waarde=None, eenheid="dagen", ids=frozenset(range(3))),
               kpi.Rij("mediaan", "Mediaan", waarde=Decimal(40), eenheid="dagen", ids=frozenset(range(6)))]
    assert [(c.achtergehouden, c.waarde) for c in kpi.afschermen(mediaan)] == [(True, None), (True, None)]


def test_afschermen_leaves_a_row_alone_without_a_small_withheld_group():
    """Nothing withheld, or the withheld cells together over 5 units or more: nothing to give away."""
    for cellen in ([_cel(6, 4), _cel(9, 1)],  # nothing withheld
                   [_cel(3, 1), _cel(2, 1), _cel(6, 4)],  # 3 + 2 = 5 withheld
                   [_cel(0), _cel(7, 7)],  # 'geen gegevens' is not withheld
                   [_cel(4, 1), _cel(0)]):  # nothing shown to withhold
        assert kpi.afschermen(cellen) == cellen
    niet = kpi.Rij("map", "MAP", kpi.aandeel([], [], van_toepassing=False))
    assert kpi.afschermen([_cel(3), niet]) == [_cel(3), niet]  # 'niet van toepassing' shows nothing either


def test_afschermen_over_columns_matches_rows_by_kpi_and_key():
    """The comparison's columns (or a year's quarters) are whole KPI results; each row is its own group."""
    def kolom(op_tijd: int, niet: int) -> list[kpi.KpiResultaat]:
        return [kpi.KpiResultaat("tijdige_start", "Tijdige start", "", "", [
            kpi.Rij("op_tijd", "Op tijd", kpi.aandeel(range(op_tijd), range(1))),
            kpi.Rij("niet", "Niet gestart", kpi.aandeel(range(niet), []))])]
    links, rechts = kpi.afschermen_over([kolom(3, 6), kolom(6, 6)])
    assert [r.afgeschermd for r in links[0].rijen] == [False, False]
    assert [r.afgeschermd for r in rechts[0].rijen] == [True, False]


def test_a_row_over_part_of_a_withheld_rows_units_is_withheld_with_it():
    """Walk finding: 'MAP afgerond binnen de termijn' was 'te weinig gegevens (1)' but 'MAP na de termijn:
    verwijtbaar' below it showed '0 | 0 | geen gegevens': no MAP was late, so the one was on time."""
    einde = date(2026, 6, 30)
    op_tijd = [v(onderdeel=Onderdeel.MAP, termijn_einde=einde, resultaat_datum=date(2026, 5, 1))]
    r = kpi.afronding_binnen_termijn(KpiGegevens(verwijzingen=op_tijd), J2026, VANDAAG)
    assert r.rij("map").achtergehouden and not r.rij("map").afgeschermd
    verwijtbaar = r.rij("map_verwijtbaar")
    assert verwijtbaar.omvang == 0 and verwijtbaar.afgeschermd and not verwijtbaar.toont_aantallen
    assert (verwijtbaar.aandeel.aantal, verwijtbaar.aandeel.totaal) == (None, None)
    # A shown share leaves its sub-row alone; no PVT at all: both 'geen gegevens', nothing withheld.
    vijf = [v(onderdeel=Onderdeel.MAP, termijn_einde=einde, resultaat_datum=date(2026, 5, 1)) for _ in range(5)]
    r = kpi.afronding_binnen_termijn(KpiGegevens(verwijzingen=vijf), J2026, VANDAAG)
    assert not r.rij("map_verwijtbaar").achtergehouden and r.rij("map_verwijtbaar").geen_gegevens
    assert not r.rij("pvt_verwijtbaar").achtergehouden
    # The exams' first attempts are part of all attempts: withheld with them.
    examens = [KpiExamen(p, None, Examenonderdeel.SP, Examenniveau.B1, Examenuitslag.GESLAAGD, date(2026, 2, 1),
                         ResultaatBron.DUO, Examenniveau.B1) for p in range(3)]
    examens.append(KpiExamen(9, None, Examenonderdeel.SP, Examenniveau.B1, Examenuitslag.GESLAAGD,
                             date(2025, 2, 1), ResultaatBron.DUO, Examenniveau.B1))
    r = kpi.examenresultaten(KpiGegevens(examens=examens), J2026, VANDAAG)
    assert r.rij("duo_SP_totaal").achtergehouden and r.rij("duo_SP_eerste").achtergehouden


def test_afschermen_over_withholds_a_dependent_row_and_then_its_neighbours():
    """An afgeschermd share withholds its sub-row in that column; that sub-row's withheld cells are then a small
    group of their own, so the smallest other shown sub-row goes too."""
    def kolom(map_: int, laat: int) -> list[kpi.KpiResultaat]:
        return [kpi.KpiResultaat("afronding", "Afronding", "", "", [
            kpi.Rij("map", "MAP", kpi.aandeel(range(map_), range(1))),
            kpi.Rij("map_verwijtbaar", "MAP verwijtbaar", kpi.aandeel(range(laat), range(1)), binnen="map")])]
    a, b, c = kpi.afschermen_over([kolom(3, 0), kolom(6, 2), kolom(9, 8)])
    assert a[0].rij("map").achtergehouden and a[0].rij("map_verwijtbaar").achtergehouden
    assert b[0].rij("map").afgeschermd and b[0].rij("map_verwijtbaar").achtergehouden
    # The withheld sub-rows cover 0 + 2 units: C's 8 go too, or the total would give B's 2 away.
    assert c[0].rij("map").toont_aantallen and c[0].rij("map_verwijtbaar").afgeschermd


def test_the_cohort_note_has_no_number_when_the_share_is_afgeschermd():
    """Walk finding: /kpi/?periode=2026-K1 showed 'Gestart binnen 6 maanden' as 'afgeschermd (kleine groep elders)'
    and under it '8 inburgeraars uit het cohort hebben geen verwijzing ...': how many at most started. As under
    'te weinig gegevens', the note then says it without a number."""
    cohort = [KpiInburgeraar(i, 1, ASIEL, date(2026, 1, 10), Leerroute.B, NiveauPip.B1) for i in range(200, 208)]
    r = kpi.start_binnen_zes_maanden(KpiGegevens(inburgeraars=cohort), J2026, VANDAAG)
    assert r.hoofd.toont_aantallen and r.toelichting.startswith("8 inburgeraars uit het cohort")
    zonder = "Inburgeraars uit het cohort zonder verwijzing voor een leerroute tellen als niet gestart."
    afgeschermd = replace(r, rijen=[replace(r.hoofd, afgeschermd=True)])  # as the dashboard of one quarter does
    assert afgeschermd.hoofd.afgeschermd and afgeschermd.toelichting == zonder
    (kolom,), _ = kpi.afschermen_over([[r], [kpi.start_binnen_zes_maanden(
        KpiGegevens(inburgeraars=cohort[:2]), J2026, VANDAAG)]])
    assert kolom.hoofd.afgeschermd and kolom.toelichting == zonder
    klein = kpi.start_binnen_zes_maanden(KpiGegevens(inburgeraars=cohort[:3]), J2026, VANDAAG)
    assert klein.toelichting == zonder


def test_kpi_notes_count_in_dutch_one_or_many():
    """Walk finding: '1 inburgeraars met geplande uren', '22459 sessies', and the uitval note about 'de redenen
    hieronder' with no reasons below it."""
    een = [v(inburgeraar_id=300, uren={Kwartaal(2026, 1): Uren(aanwezig=Decimal(2))})]
    r = kpi.aanwezigheid_kpi(KpiGegevens(verwijzingen=een), J2026, VANDAAG)
    assert r.toelichting == "1 inburgeraar met geplande uren in de periode."
    latenties = [Latentie(1, Kwartaal(2026, 1), 2, 22459)]
    r = kpi.aanleverdiscipline(KpiGegevens(latenties=latenties), J2026, VANDAAG)
    assert r.toelichting.endswith("; 22.459 sessies in de periode.")
    cohort = [KpiInburgeraar(i, 1, ASIEL, date(2026, 1, 10), Leerroute.B, NiveauPip.B1) for i in range(400, 406)]
    gestart = [v(inburgeraar_id=i, gerealiseerde_startdatum=date(2026, 2, 1)) for i in range(400, 405)]
    r = kpi.start_binnen_zes_maanden(KpiGegevens(verwijzingen=gestart, inburgeraars=cohort), J2026, VANDAAG)
    assert r.toelichting == ("1 inburgeraar uit het cohort heeft geen verwijzing voor een leerroute en telt als "
                             "niet gestart.")
    # No one niet gestart: no reasons table, so no note about it either.
    r = kpi.uitval(KpiGegevens(verwijzingen=[v() for _ in range(6)]), J2026, VANDAAG)
    assert r.redenen == [("Redenen niet gestart", [])] and r.toelichting_redenen == ""
    niet = [v(niet_gestart=True, status=VerwijzingStatus.NIET_GESTART, reden_niet_gestart="Verhuisd")
            for _ in range(6)]
    r = kpi.uitval(KpiGegevens(verwijzingen=niet), J2026, VANDAAG)
    assert r.redenen[0][1] and r.toelichting_redenen.startswith("Het portaal legt bij uitval geen reden vast")
