"""The KPI records: hours per quarter from the kept weekly totals plus the weeks across a quarter boundary day by
day, equal to summing every presentie row; the last session near each quarter's peildatum."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal.domain.perioden import Kwartaal
from portal.models import Presentie
from portal.models.enums import Rol
from portal.models.traject import Activiteit
from portal.services import kept_totals
from portal.services.kpi import KpiFilters
from portal.services.kpi.gegevens import gesplitste_weken, load
from tests.factories import ContractFactory, GemeenteFactory, InburgeraarFactory, UserFactory, VerwijzingFactory

Q3, Q4 = Kwartaal(2025, 3), Kwartaal(2025, 4)


def test_boundary_weeks_are_split_by_day():
    # 1 July 2025 is a Tuesday, 1 October a Wednesday, 1 January 2026 a Thursday.
    assert gesplitste_weken([Q3, Q4]) == [date(2025, 6, 30), date(2025, 9, 29), date(2025, 12, 29)]


def test_quarter_hours_equal_the_sum_of_the_sessions(db):
    gemeente = GemeenteFactory()
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    verwijzing = VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente),
                                   contract=ContractFactory(gemeenten=[gemeente]),
                                   beoogde_startdatum=date(2025, 5, 1), uiterste_einddatum=date(2027, 5, 1))
    sessies = {  # day: (present, absent with reason, absent without)
        date(2025, 6, 2): (3, 0, 0),  # Q2: before the quarters loaded
        date(2025, 7, 1): (2, 1, 0),  # Q3, in the week that starts on 30 June (Q2)
        date(2025, 8, 12): (3, 0, 0),  # Q3, a whole week
        date(2025, 9, 29): (3, 0, 0),  # Q3, Monday of the week across the boundary
        date(2025, 9, 30): (Decimal("2.75"), 0, Decimal("0.25")),  # Q3
        date(2025, 10, 1): (0, 3, 0),  # Q4, same week
        date(2025, 10, 7): (3, 0, 0),  # Q4
        date(2025, 12, 30): (1, 0, 2),  # Q4, in the week into 2026; the last session before the peildatum
        date(2026, 1, 2): (3, 0, 0),  # after the quarters loaded: never counted
    }
    for day, (a, g, o) in sessies.items():
        db.add(Presentie(verwijzing_id=verwijzing.id, datum=day, activiteit=Activiteit.TAALLES_KNM,
                         uren_aanwezig=Decimal(a), uren_afwezig_geoorloofd=Decimal(g),
                         uren_afwezig_ongeoorloofd=Decimal(o)))
    kept_totals.rebuild(db)

    records = load(db, manager, KpiFilters(), [Q3, Q4], date(2026, 1, 20)).verwijzingen
    assert len(records) == 1
    v = records[0]

    def som(van: date, tot: date) -> tuple[Decimal, Decimal, Decimal]:
        rows = [s for d, s in sessies.items() if van <= d <= tot]
        return tuple(sum((Decimal(r[i]) for r in rows), Decimal(0)) for i in range(3))  # type: ignore[return-value]

    for k in (Q3, Q4):
        assert (v.uren[k].aanwezig, v.uren[k].geoorloofd, v.uren[k].ongeoorloofd) == som(k.van, k.tot)
    assert v.uren_eerder.aanwezig == som(date(2000, 1, 1), Q3.van - timedelta(days=1))[0]
    assert v.uren[Q4].laatste == date(2025, 12, 30)  # within the 14 days up to 31 December
    assert v.uren[Q3].laatste == date(2025, 9, 30)
    assert v.uren_tot(Q4.tot).aanwezig == Decimal("17.75")  # everything up to 31 December


def test_gemeente_filter_uses_the_residence_on_the_peildatum(db):
    """A regional contractmanager filtering on one gemeente sees that gemeente's residents on the period's
    peildatum: someone who moved from A to B in 2026 counts for A in 2025 and for B in 2026."""
    from portal.models import Verhuizing

    a, b = GemeenteFactory(naam="A"), GemeenteFactory(naam="B")
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[a, b])
    contract = ContractFactory(gemeenten=[a, b])

    def case(gemeente):
        return VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), contract=contract,
                                 beoogde_startdatum=date(2025, 3, 1), uiterste_einddatum=date(2027, 3, 1))

    blijft_a, blijft_b, verhuisd = case(a), case(b), case(b)
    db.add(Verhuizing(inburgeraar_id=verhuisd.inburgeraar_id, van_gemeente_id=a.id, naar_gemeente_id=b.id,
                      datum=date(2026, 2, 1)))
    db.flush()

    def ids(gemeente, jaar):
        g = load(db, manager, KpiFilters(gemeente_id=gemeente.id), list(Kwartaal(jaar, n) for n in range(1, 5)),
                 date(2026, 12, 3))
        return {v.id for v in g.verwijzingen}, {i.id for i in g.inburgeraars}

    assert ids(a, 2025)[0] == {blijft_a.id, verhuisd.id}
    assert ids(b, 2025)[0] == {blijft_b.id}
    assert ids(a, 2026) == ({blijft_a.id}, {blijft_a.inburgeraar_id})
    assert ids(b, 2026) == ({blijft_b.id, verhuisd.id}, {blijft_b.inburgeraar_id, verhuisd.inburgeraar_id})


def test_leerroute_niveau_and_intensiteit_come_from_the_pip_in_force_on_the_peildatum(db):
    """A withdrawn latest version is no PIP in force from its withdrawal on (and the version before it is not
    revived); before the withdrawal, and before a version was set, the version then in force counts."""
    from portal.domain import kpi
    from portal.domain.perioden import kwartaal
    from portal.models.enums import Leerroute, NiveauPip
    from tests.factories import PipFactory
    from tests.factories_chain import PipIntrekkingFactory

    gemeente = GemeenteFactory()
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    verwijzing = VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente),
                                   contract=ContractFactory(gemeenten=[gemeente]),
                                   beoogde_startdatum=date(2025, 2, 1), uiterste_einddatum=date(2027, 2, 1))
    persoon = verwijzing.inburgeraar
    PipFactory(inburgeraar=persoon, versie=1, dagtekening=date(2025, 1, 10), leerroute=Leerroute.B,
               niveau=NiveauPip.B1, geschatte_intensiteit=1200)
    v2 = PipFactory(inburgeraar=persoon, versie=2, dagtekening=date(2025, 5, 1), leerroute=Leerroute.B,
                    niveau=NiveauPip.A2, geschatte_intensiteit=800)
    PipIntrekkingFactory(pip=v2, datum=date(2025, 8, 1))
    vandaag = date(2026, 1, 20)

    def stand(k: Kwartaal):
        g = load(db, manager, KpiFilters(), [k], vandaag)
        (i,), (v,) = g.inburgeraars, g.verwijzingen
        return i.leerroute, i.niveau, v.geschatte_intensiteit, g

    assert stand(Kwartaal(2025, 1))[:3] == (Leerroute.B, NiveauPip.B1, 1200)
    assert stand(Kwartaal(2025, 2))[:3] == (Leerroute.B, NiveauPip.A2, 800)  # withdrawn only later
    *waarden, g = stand(Q3)
    assert waarden == [None, None, None]  # withdrawn on 1 August: no PIP in force, not version 1 either
    assert len(g.pips) == 2  # the leerroute mix still sees both versions as they were set
    # The KPI counts the inburgeraar under no leerroute: not among those on the B1-route.
    afschalingen = kpi.afschalingen(g, kwartaal(Q3), vandaag)
    assert afschalingen.rij("goedgekeurd_b1").aandeel.totaal == 0


def test_providers_reasons_reach_the_kpi_readers_only_as_given_or_not(db):
    """The KPI lists 'Redenen niet gestart' with counts; its readers (contractmanager, functioneel beheerder) may
    not read a provider's free text (often health data): they see that a reason was given, and how often."""
    from portal.access import REDEN_VERBORGEN
    from portal.models import TrajectStart

    gemeente = GemeenteFactory()
    contract = ContractFactory(gemeenten=[gemeente])
    redenen = ("Afspraak bij de huisarts", None)
    for reden in redenen:
        v = VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), contract=contract,
                              beoogde_startdatum=date(2025, 8, 1), uiterste_einddatum=date(2027, 3, 1))
        db.add(TrajectStart(verwijzing_id=v.id, niet_gestart=True, reden_niet_gestart=reden,
                            reden_latere_start=reden))
    db.flush()
    for rol in (Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER):
        user = UserFactory(rol=rol, gemeenten=[gemeente])
        records = load(db, user, KpiFilters(), [Q3, Q4], date(2026, 1, 20)).verwijzingen
        assert sorted((v.reden_niet_gestart or "", v.reden_latere_start or "") for v in records) == \
            [("", ""), (REDEN_VERBORGEN, REDEN_VERBORGEN)]


def test_the_records_say_whether_they_are_one_aanbieders(db):
    """Leerroute KPIs count an aanbieder's own verwijzingen only when the selection is one aanbieder's: an
    aanbieder or contract filter, or an aanbieder's own scope; gemeente-wide they count the whole cohort."""
    gemeente = GemeenteFactory()
    contract = ContractFactory(gemeenten=[gemeente])
    VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), contract=contract)
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    aanbieder = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    db.flush()
    kwartalen = [Kwartaal(2026, n) for n in range(1, 5)]

    def per_aanbieder(user, filters):
        return load(db, user, filters, kwartalen, date(2026, 12, 3)).per_aanbieder

    assert not per_aanbieder(manager, KpiFilters())
    assert not per_aanbieder(manager, KpiFilters(gemeente_id=gemeente.id))
    assert per_aanbieder(manager, KpiFilters(aanbieder_id=contract.aanbieder_id))
    assert per_aanbieder(manager, KpiFilters(contract_id=contract.id))
    assert per_aanbieder(aanbieder, KpiFilters())
