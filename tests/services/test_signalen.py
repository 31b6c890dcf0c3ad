"""The regie signals: each rule fires on the registered data with its numbers, thresholds per gemeente/contract."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from portal.models import (
    Afschalingsverzoek,
    ContractSignaalDrempels,
    Examenresultaat,
    OmstandighedenMelding,
    RouteResultaat,
    SignaalDrempels,
    TrajectStart,
)
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, VerwijzingStatus
from portal.models.resultaat import Examenniveau, Examenonderdeel, Examenuitslag, OmstandighedenSoort, ResultaatBron
from portal.models.traject import Activiteit
from portal.services import signalen
from tests.factories import (
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PresentieFactory,
    VerwijzingFactory,
)
from tests.factories_chain import PipIntrekkingFactory

TODAY = date(2026, 11, 20)


def _case(db, regisseur, inburgeraar):
    cases = signalen.caseload(db, regisseur, today=TODAY,
                              filters=signalen.Filters(inburgeraar_id=inburgeraar.id))
    assert len(cases) == 1
    return cases[0]


def _signaal(case_, code):
    found = [s for s in case_.signalen if s.code == code]
    return found[0] if found else None


def _verwijzing(db, inburgeraar, gemeente, **kwargs):
    contract = kwargs.pop("contract", None) or ContractFactory(
        gemeenten=[gemeente], startdatum=TODAY - timedelta(days=700), einddatum=TODAY + timedelta(days=900))
    defaults = {"beoogde_startdatum": TODAY - timedelta(days=100), "uiterste_einddatum": TODAY + timedelta(days=265)}
    return VerwijzingFactory(inburgeraar=inburgeraar, contract=contract, **{**defaults, **kwargs})


def _presentie(db, verwijzing, dag, aanwezig, geoorloofd=0, ongeoorloofd=0, activiteit=Activiteit.TAALLES_KNM):
    PresentieFactory(verwijzing=verwijzing, datum=dag, activiteit=activiteit,
                     uren_aanwezig=Decimal(aanwezig), uren_afwezig_geoorloofd=Decimal(geoorloofd),
                     uren_afwezig_ongeoorloofd=Decimal(ongeoorloofd))


def _start(db, verwijzing, startdatum, **kwargs):
    verwijzing.status = VerwijzingStatus.GESTART
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=startdatum, **kwargs))
    db.flush()


def test_pip_not_fixed_within_ten_weeks_of_the_later_of_kennisgeving_and_brp(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=date(2026, 7, 1),
                                     datum_brp_inschrijving=date(2026, 8, 3))
    signaal = _signaal(_case(db, regisseur, inburgeraar), "pip_termijn")
    assert signaal is not None and signaal.ernst is signalen.Ernst.HOOG
    # BRP registration is later, so it sets the deadline: 03-08-2026 + 10 weeks = 12-10-2026, 39 days before today.
    assert "inschrijving in de BRP was op 03-08-2026" in signaal.uitleg
    assert "uiterlijk op 12-10-2026" in signaal.uitleg
    assert "39 dagen geleden" in signaal.uitleg

    PipFactory(inburgeraar=inburgeraar, dagtekening=date(2026, 10, 20))
    assert _signaal(_case(db, regisseur, inburgeraar), "pip_termijn") is None


def test_pip_deadline_near_is_a_warning(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=TODAY - timedelta(weeks=9))
    signaal = _signaal(_case(db, regisseur, inburgeraar), "pip_termijn")
    assert signaal.ernst is signalen.Ernst.LET_OP
    assert "over 7 dagen" in signaal.uitleg


def test_verwijzing_not_started_after_threshold_weeks_per_gemeente(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar, dagtekening=TODAY - timedelta(days=150))
    verwijzing = _verwijzing(db, inburgeraar, gemeente, beoogde_startdatum=TODAY - timedelta(days=17))

    signaal = _signaal(_case(db, regisseur, inburgeraar), "niet_gestart")
    assert signaal.verwijzing_id == verwijzing.id
    assert "2 weken (17 dagen) na de beoogde startdatum" in signaal.uitleg
    assert "de drempel is 2 weken" in signaal.uitleg

    # This gemeente allows three weeks: 17 days is not yet a signal.
    db.add(SignaalDrempels(gemeente_id=gemeente.id, weken_niet_gestart=3))
    db.flush()
    assert _signaal(_case(db, regisseur, inburgeraar), "niet_gestart") is None

    _start(db, verwijzing, TODAY - timedelta(days=1))
    assert _signaal(_case(db, regisseur, inburgeraar), "niet_gestart") is None


@pytest.mark.parametrize("status", [VerwijzingStatus.NIET_GESTART, VerwijzingStatus.VERWEZEN])
def test_provider_reports_not_started_with_reason(db, gemeente, regisseur, status):
    # register_start sets NIET_GESTART; the signal must fire in that real state too.
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar)
    verwijzing = _verwijzing(db, inburgeraar, gemeente, beoogde_startdatum=TODAY - timedelta(days=3), status=status)
    db.add(TrajectStart(verwijzing_id=verwijzing.id, niet_gestart=True, reden_niet_gestart="Verhuisd naar Zwolle"))
    db.flush()
    signaal = _signaal(_case(db, regisseur, inburgeraar), "niet_gestart")
    assert "niet is gestart" in signaal.uitleg and "Verhuisd naar Zwolle" in signaal.uitleg


def test_late_start_shows_the_providers_reason(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar)
    verwijzing = _verwijzing(db, inburgeraar, gemeente, beoogde_startdatum=date(2026, 9, 1))
    _start(db, verwijzing, date(2026, 9, 22), reden_latere_start="Wachtlijst dagklas")
    signaal = _signaal(_case(db, regisseur, inburgeraar), "late_start")
    assert "gestart op 22-09-2026, 21 dagen na de beoogde startdatum 01-09-2026" in signaal.uitleg
    assert "Wachtlijst dagklas" in signaal.uitleg


def test_providers_reasons_in_signal_texts_only_for_the_klantregisseur_and_the_provider(db, gemeente, regisseur):
    # Provider-entered reasons often hold health data: other gemeente roles see that one was given, not its text.
    from portal.models.enums import Rol
    from tests.factories import UserFactory

    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar)
    later = _verwijzing(db, inburgeraar, gemeente, beoogde_startdatum=date(2026, 9, 1))
    _start(db, later, date(2026, 9, 22), reden_latere_start="Afspraak bij de huisarts")
    niet = _verwijzing(db, inburgeraar, gemeente, contract=later.contract, beoogde_startdatum=TODAY - timedelta(days=3),
                       status=VerwijzingStatus.NIET_GESTART)
    db.add(TrajectStart(verwijzing_id=niet.id, niet_gestart=True, reden_niet_gestart="Medische afspraken"))
    db.flush()
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])
    aanbieder = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=later.aanbieder)
    for user in (manager, beheerder):
        case_ = _case(db, user, inburgeraar)
        texts = [_signaal(case_, "late_start").uitleg, _signaal(case_, "niet_gestart").uitleg]
        assert not any("huisarts" in t or "Medische" in t for t in texts)
        assert all("een reden opgegeven (alleen zichtbaar voor de klantregisseur)" in t for t in texts)
    case_ = _case(db, regisseur, inburgeraar)
    assert "Afspraak bij de huisarts" in _signaal(case_, "late_start").uitleg
    assert "Medische afspraken" in _signaal(case_, "niet_gestart").uitleg
    # The provider keeps reading what it wrote (its figures, through the same queries).
    eigen = signalen.caseload(db, aanbieder, today=TODAY, filters=signalen.Filters(inburgeraar_id=inburgeraar.id))
    assert [v.reden_latere_start for v in eigen[0].verwijzingen if v.id == later.id] == ["Afspraak bij de huisarts"]


def test_attendance_below_threshold_over_last_four_weeks_with_contract_override(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar)
    verwijzing = _verwijzing(db, inburgeraar, gemeente, beoogde_startdatum=TODAY - timedelta(days=60))
    _start(db, verwijzing, TODAY - timedelta(days=60))
    # Older than four weeks: perfect attendance that must not count.
    for n in range(30, 40):
        _presentie(db, verwijzing, TODAY - timedelta(days=n), 4)
    # Last four weeks: 12 sessions of 4 hours planned, 9 present, 2 excused, 1 unexcused = 75%.
    for n in range(12):
        dag = TODAY - timedelta(days=2 * n + 1)
        if n < 9:
            _presentie(db, verwijzing, dag, 4)
        elif n < 11:
            _presentie(db, verwijzing, dag, 0, geoorloofd=4)
        else:
            _presentie(db, verwijzing, dag, 0, ongeoorloofd=4)
    db.flush()

    signaal = _signaal(_case(db, regisseur, inburgeraar), "aanwezigheid_laag")
    assert "aanwezig 36 uur van 48 uur geplande uren (75%)" in signaal.uitleg
    assert "de drempel is 80% (standaard)" in signaal.uitleg
    assert "met reden 8 uur, zonder reden 4 uur" in signaal.uitleg
    assert signaal.ernst is signalen.Ernst.HOOG

    db.add(ContractSignaalDrempels(contract_id=verwijzing.contract_id, aanwezigheid_min_pct=70))
    db.flush()
    assert _signaal(_case(db, regisseur, inburgeraar), "aanwezigheid_laag") is None

    db.add(SignaalDrempels(gemeente_id=gemeente.id, aanwezigheid_min_pct=90))
    db.flush()
    # The contract's 70% still wins over the gemeente's 90% for this verwijzing.
    assert _signaal(_case(db, regisseur, inburgeraar), "aanwezigheid_laag") is None


def test_gemeente_threshold_applies_only_to_that_gemeente(db, gemeente, regisseur):
    andere = GemeenteFactory()
    regisseur.gemeenten.append(andere)
    db.add(SignaalDrempels(gemeente_id=andere.id, aanwezigheid_min_pct=50))
    cases = []
    for g in (gemeente, andere):
        inburgeraar = InburgeraarFactory(gemeente=g)
        PipFactory(inburgeraar=inburgeraar)
        verwijzing = _verwijzing(db, inburgeraar, g)
        _start(db, verwijzing, TODAY - timedelta(days=40))
        _presentie(db, verwijzing, TODAY - timedelta(days=2), 3, ongeoorloofd=1)
        cases.append(inburgeraar)
    db.flush()
    assert _signaal(_case(db, regisseur, cases[0]), "aanwezigheid_laag") is not None  # 75% < 80%
    assert _signaal(_case(db, regisseur, cases[1]), "aanwezigheid_laag") is None  # 75% >= 50%


def test_no_presence_for_n_days_on_an_active_traject(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar)
    verwijzing = _verwijzing(db, inburgeraar, gemeente)
    _start(db, verwijzing, TODAY - timedelta(days=90))
    _presentie(db, verwijzing, date(2026, 10, 30), 4)
    db.flush()
    signaal = _signaal(_case(db, regisseur, inburgeraar), "geen_presentie")
    assert "al 21 dagen geen presentie geregistreerd, sinds de laatste registratie op 30-10-2026" in signaal.uitleg
    assert "de drempel is 14 dagen" in signaal.uitleg

    db.add(ContractSignaalDrempels(contract_id=verwijzing.contract_id, dagen_geen_presentie=30))
    db.flush()
    assert _signaal(_case(db, regisseur, inburgeraar), "geen_presentie") is None


def test_no_presence_is_no_signal_once_the_map_practical_hours_are_done(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar)
    verwijzing = _verwijzing(db, inburgeraar, gemeente, onderdeel=Onderdeel.MAP)
    _start(db, verwijzing, TODAY - timedelta(days=90))
    for week in range(9):
        _presentie(db, verwijzing, date(2026, 9, 1) + timedelta(weeks=week), 4, activiteit=Activiteit.MAP_PRAKTIJK)
    db.flush()
    assert _signaal(_case(db, regisseur, inburgeraar), "geen_presentie") is not None  # 36 of 40 hours

    _presentie(db, verwijzing, date(2026, 10, 1), 4, activiteit=Activiteit.MAP_PRAKTIJK)
    db.flush()
    assert _signaal(_case(db, regisseur, inburgeraar), "geen_presentie") is None  # 40 of 40: nothing left to register


def _z_route_met_uren(db, gemeente, *, dagen_geleden_gestart: int, sessies_van_4_uur: int):
    """A year-long Z-route taal (norm 800 hours) started some days ago, with sessions of 4 hours every 3 days."""
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar, leerroute=Leerroute.Z, niveau=NiveauPip.A2, geschatte_intensiteit=None)
    start = TODAY - timedelta(days=dagen_geleden_gestart)
    verwijzing = _verwijzing(db, inburgeraar, gemeente, onderdeel=Onderdeel.Z_ROUTE_TAAL,
                             beoogde_startdatum=start, uiterste_einddatum=start + timedelta(days=364))
    _start(db, verwijzing, start)
    for n in range(sessies_van_4_uur):
        _presentie(db, verwijzing, TODAY - timedelta(days=3 * n + 1), 4)
    db.flush()
    return inburgeraar


def test_hours_behind_the_z_route_norm(db, gemeente, regisseur):
    # Half way through a year: the pace asks 400 of 800 hours; 200 present is 50% of the pace.
    inburgeraar = _z_route_met_uren(db, gemeente, dagen_geleden_gestart=182, sessies_van_4_uur=50)
    signaal = _signaal(_case(db, regisseur, inburgeraar), "uren_achter")
    assert "na 26 weken van 52 weken hoort bij 800 uur (norm Z-route taal) een stand van 400 uur" in signaal.uitleg
    assert "gerealiseerd is 200 uur (50% van het tempo)" in signaal.uitleg


def test_the_expected_pace_is_rounded_to_the_quarter_hour_like_every_hour_figure(db, gemeente, regisseur):
    inburgeraar = _z_route_met_uren(db, gemeente, dagen_geleden_gestart=100, sessies_van_4_uur=25)
    signaal = _signaal(_case(db, regisseur, inburgeraar), "uren_achter")
    # 800 hours × 100 / 364 days = 219,78… hours expected: shown as 219,75 (quarter hours), not 219,78.
    assert "een stand van 219,75 uur; gerealiseerd is 100 uur (45,5% van het tempo)" in signaal.uitleg


def test_b1_route_pace_uses_the_geschatte_intensiteit(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar, geschatte_intensiteit=1000)
    start = TODAY - timedelta(days=100)
    verwijzing = _verwijzing(db, inburgeraar, gemeente, beoogde_startdatum=start,
                             uiterste_einddatum=start + timedelta(days=400))
    _start(db, verwijzing, start)
    _presentie(db, verwijzing, TODAY - timedelta(days=1), 200)
    db.flush()
    # 100 of 400 days: 250 hours expected; 200 is 20% behind, which is not more than the 20% threshold.
    assert _signaal(_case(db, regisseur, inburgeraar), "uren_achter") is None
    db.add(SignaalDrempels(gemeente_id=gemeente.id, uren_achterstand_pct=10))
    db.flush()
    signaal = _signaal(_case(db, regisseur, inburgeraar), "uren_achter")
    assert "1.000 uur (geschatte intensiteit in het PIP)" in signaal.uitleg


def test_a_withdrawn_pip_counts_as_no_pip_for_the_leerroute_and_the_b1_pace(db, gemeente, regisseur):
    """After the klantregisseur withdraws the PIP (PipIntrekking), its leerroute, niveau and geschatte intensiteit
    are no longer in force: the caseload shows no leerroute and the B1 pace falls back to the contracted hours."""
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    pip = PipFactory(inburgeraar=inburgeraar, leerroute=Leerroute.B, niveau=NiveauPip.B1, geschatte_intensiteit=1000)
    start = TODAY - timedelta(days=100)
    verwijzing = _verwijzing(db, inburgeraar, gemeente, beoogde_startdatum=start,
                             uiterste_einddatum=start + timedelta(days=400), gecontracteerde_uren=Decimal(600))
    _start(db, verwijzing, start)
    _presentie(db, verwijzing, TODAY - timedelta(days=1), 20)
    db.flush()
    voor = _case(db, regisseur, inburgeraar)
    assert (voor.leerroute, voor.niveau, voor.geschatte_intensiteit) == (Leerroute.B, NiveauPip.B1, 1000)
    assert "1.000 uur (geschatte intensiteit in het PIP)" in _signaal(voor, "uren_achter").uitleg

    PipIntrekkingFactory(pip=pip, datum=TODAY - timedelta(days=3))
    db.flush()
    na = _case(db, regisseur, inburgeraar)
    assert (na.leerroute, na.niveau, na.geschatte_intensiteit) == (None, None, None)
    uitleg = _signaal(na, "uren_achter").uitleg
    assert "600 uur (gecontracteerde uren)" in uitleg and "geschatte intensiteit" not in uitleg
    assert signalen.caseload(db, regisseur, today=TODAY, filters=signalen.Filters(
        inburgeraar_id=inburgeraar.id, leerroute=Leerroute.B)) == []


def test_term_ends_within_six_months_with_open_onderdelen(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    # Term: three years from the day after 01-03-2024, so it ends on 01-03-2027 (101 days from today).
    PipFactory(inburgeraar=inburgeraar, dagtekening=date(2024, 3, 1))
    _verwijzing(db, inburgeraar, gemeente, uiterste_einddatum=date(2027, 2, 1))
    signaal = _signaal(_case(db, regisseur, inburgeraar), "termijn_einde")
    assert "eindigt op 01-03-2027, over 101 dagen" in signaal.uitleg
    assert "B1-route (taalcursus)" in signaal.uitleg

    db.add(SignaalDrempels(gemeente_id=gemeente.id, maanden_termijn_einde=3))
    db.flush()
    assert _signaal(_case(db, regisseur, inburgeraar), "termijn_einde") is None


def test_map_deadline_near_until_the_eindgesprek_is_registered(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar)
    verwijzing = _verwijzing(db, inburgeraar, gemeente, onderdeel=Onderdeel.MAP,
                             uiterste_einddatum=TODAY + timedelta(days=10))
    signaal = _signaal(_case(db, regisseur, inburgeraar), "map_pvt_deadline")
    assert "uiterlijk op 30-11-2026 klaar zijn (over 10 dagen; drempel 30 dagen)" in signaal.uitleg
    assert "eindgesprek" in signaal.uitleg
    db.add(RouteResultaat(verwijzing_id=verwijzing.id, inburgeraar_id=inburgeraar.id,
                          datum_eindgesprek_map=TODAY - timedelta(days=1)))
    db.flush()
    assert _signaal(_case(db, regisseur, inburgeraar), "map_pvt_deadline") is None


def test_afschaling_exam_and_circumstances(db, gemeente, regisseur):
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar)
    verwijzing = _verwijzing(db, inburgeraar, gemeente)
    db.add(Afschalingsverzoek(verwijzing_id=verwijzing.id, inburgeraar_id=inburgeraar.id,
                              observaties_aanbieder="x", ervaring_inburgeraar="y", uren_op_moment=Decimal(620),
                              ingediend_op=datetime(2026, 11, 13, 10, 0, tzinfo=UTC)))
    db.add(Examenresultaat(inburgeraar_id=inburgeraar.id, onderdeel=Examenonderdeel.LE, niveau=Examenniveau.B1,
                           resultaat=Examenuitslag.GESLAAGD, examendatum=date(2026, 11, 2), bron=ResultaatBron.DUO,
                           created_at=datetime(2026, 11, 16, 9, 0, tzinfo=UTC)))
    db.add(OmstandighedenMelding(inburgeraar_id=inburgeraar.id, verwijzing_id=verwijzing.id,
                                 aanbieder_id=verwijzing.aanbieder_id, soort=OmstandighedenSoort.GEZONDHEID,
                                 datum=date(2026, 11, 10), toelichting="z",
                                 created_at=datetime(2026, 11, 11, 9, 0, tzinfo=UTC)))
    db.flush()
    case_ = _case(db, regisseur, inburgeraar)
    assert "1 afschalingsverzoek wacht op uw besluit; ingediend op 13-11-2026 (7 dagen geleden)" in \
        _signaal(case_, "afschaling_wacht").uitleg
    assert "geregistreerd op 16-11-2026" in _signaal(case_, "examen_nieuw").uitleg
    assert "1 resultaten, waarvan 1 geslaagd" in _signaal(case_, "examen_nieuw").uitleg
    assert "op 11-11-2026 gewijzigde omstandigheden (per 10-11-2026)" in _signaal(case_, "omstandigheden").uitleg
    # Urgent first.
    assert case_.signalen[0].ernst is signalen.Ernst.HOOG

    later = _case_on(db, regisseur, inburgeraar, TODAY + timedelta(days=30))
    assert _signaal(later, "examen_nieuw") is None and _signaal(later, "omstandigheden") is None


def _case_on(db, regisseur, inburgeraar, today):
    return signalen.caseload(db, regisseur, today=today,
                             filters=signalen.Filters(inburgeraar_id=inburgeraar.id))[0]


def test_installation_default_row_applies_to_gemeenten_without_their_own(db, gemeente, regisseur):
    db.add(SignaalDrempels(gemeente_id=None, weken_niet_gestart=5))
    db.flush()
    tabel = signalen.load_drempels(db)
    assert tabel.voor(gemeente.id).weken_niet_gestart == 5


def test_caseload_never_contains_other_gemeenten(db, gemeente, regisseur):
    eigen = InburgeraarFactory(gemeente=gemeente)
    vreemd = InburgeraarFactory(gemeente=GemeenteFactory())
    ids = {c.id for c in signalen.caseload(db, regisseur, today=TODAY)}
    assert eigen.id in ids and vreemd.id not in ids


def test_gezinsmigrant_on_the_z_route_gets_no_inspanningsverplichting_signals(db, gemeente, regisseur):
    """003 Bijlage B: Z-route taal for a gezinsmigrant is recorded (its hours go to DUO) but the law sets no
    inspanningsverplichting towards the gemeente: no low attendance, no hours behind, no 'geen presentie'."""
    from portal.models.enums import Doelgroep
    from portal.services import signalen_job

    def case(doelgroep):
        person = InburgeraarFactory(gemeente=gemeente, doelgroep=doelgroep)
        PipFactory(inburgeraar=person, leerroute=Leerroute.Z, niveau=NiveauPip.A2, geschatte_intensiteit=None)
        start = TODAY - timedelta(days=182)
        verwijzing = _verwijzing(db, person, gemeente, onderdeel=Onderdeel.Z_ROUTE_TAAL, beoogde_startdatum=start,
                                 uiterste_einddatum=start + timedelta(days=364))
        _start(db, verwijzing, start)
        for n in range(10):  # a few hours long ago, then only unexcused absence
            _presentie(db, verwijzing, TODAY - timedelta(days=60 + n), 2)
        _presentie(db, verwijzing, TODAY - timedelta(days=3), 0, ongeoorloofd=4)
        db.flush()
        return person, verwijzing

    asiel, asiel_v = case(Doelgroep.ASIELSTATUSHOUDER)
    gezin, gezin_v = case(Doelgroep.GEZINSMIGRANT_OVERIG)
    codes = {s.code for s in _case(db, regisseur, asiel).signalen}
    assert {"aanwezigheid_laag", "uren_achter"} <= codes
    codes = {s.code for s in _case(db, regisseur, gezin).signalen}
    assert codes.isdisjoint({"aanwezigheid_laag", "uren_achter", "geen_presentie"})
    flagged = {o.verwijzing_id for o in signalen_job.aanwezigheid_onder_drempel(db, TODAY)}
    assert asiel_v.id in flagged and gezin_v.id not in flagged
