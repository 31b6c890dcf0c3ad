"""The signal order reads only the verwijzingen that can signal (signalen.SIGNALERENDE_STATUSSEN): a property test
that leaving out the finished ones (afgerond, uitgevallen, ingetrokken) never changes a case's signals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, VerwijzingStatus
from portal.services import signalen
from portal.services.signalen import CaseCijfers, Drempels, DrempelTabel, VerwijzingCijfers

TODAY = date(2026, 11, 20)
TABEL = DrempelTabel(Drempels(), {}, {})
dagen = st.integers(min_value=-900, max_value=900).map(lambda n: TODAY + timedelta(days=n))
uren = st.integers(min_value=0, max_value=1200).map(lambda n: Decimal(n) / 4)


@st.composite
def verwijzingen(draw: st.DrawFn, n: int) -> VerwijzingCijfers:
    beoogd = draw(dagen)
    gestart = draw(st.one_of(st.none(), dagen))
    return VerwijzingCijfers(
        id=n, kenmerk=f"V-{n:08d}", onderdeel=draw(st.sampled_from(Onderdeel)),
        status=draw(st.sampled_from(VerwijzingStatus)), aanbieder_id=1, aanbieder_naam="Taalschool",
        contract_id=1, beoogde_startdatum=beoogd, uiterste_einddatum=draw(dagen),
        gecontracteerde_uren=draw(st.one_of(st.none(), uren)), gerealiseerde_startdatum=gestart,
        bijgestelde_einddatum=draw(st.one_of(st.none(), dagen)), reden_latere_start=None,
        niet_gestart=draw(st.booleans()), reden_niet_gestart=None, uren_aanwezig_totaal=draw(uren),
        uren_aanwezig_4w=draw(uren), uren_geoorloofd_4w=draw(uren), uren_ongeoorloofd_4w=draw(uren),
        laatste_presentie=draw(st.one_of(st.none(), dagen)), afgerond_resultaat=draw(st.booleans()),
    )


@st.composite
def cases(draw: st.DrawFn) -> CaseCijfers:
    aantal = draw(st.integers(min_value=0, max_value=6))
    return CaseCijfers(
        id=1, voornamen="A", achternaam="B", bsn="999990019", gemeente_id=1, gemeente_naam="Dalfsen",
        klantregisseur_id=None, klantregisseur_naam=None, doelgroep=draw(st.sampled_from(Doelgroep)),
        datum_kennisgeving=draw(st.one_of(st.none(), dagen)), datum_brp_inschrijving=None,
        termijn_verlengd_tot=None, pip_versies=draw(st.integers(min_value=0, max_value=2)),
        eerste_dagtekening=draw(st.one_of(st.none(), dagen)), leerroute=draw(st.one_of(st.none(), st.sampled_from(
            Leerroute))), niveau=draw(st.one_of(st.none(), st.sampled_from(NiveauPip))),
        geschatte_intensiteit=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=1600))),
        verwijzingen=[draw(verwijzingen(n)) for n in range(aantal)],
    )


def _gezien(signalen_: list[signalen.Signaal]) -> list[tuple]:
    return [(s.code, s.titel, s.ernst, s.verwijzing_id, s.uitleg) for s in signalen_]


@settings(max_examples=400, deadline=None)
@given(cases())
def test_finished_verwijzingen_never_change_a_cases_signals(case_):
    alle = signalen.signalen_voor(case_, TABEL, TODAY)
    zonder = replace(case_, verwijzingen=[v for v in case_.verwijzingen
                                          if v.status in signalen.SIGNALERENDE_STATUSSEN])
    assert _gezien(signalen.signalen_voor(zonder, TABEL, TODAY)) == _gezien(alle)
    klaar = {v.id for v in case_.verwijzingen if v.status not in signalen.SIGNALERENDE_STATUSSEN}
    assert not any(s.verwijzing_id in klaar for s in alle)


def test_the_finished_statuses_are_the_ones_left_out():
    assert set(VerwijzingStatus) - set(signalen.SIGNALERENDE_STATUSSEN) == {
        VerwijzingStatus.AFGEROND, VerwijzingStatus.UITGEVALLEN, VerwijzingStatus.INGETROKKEN}
