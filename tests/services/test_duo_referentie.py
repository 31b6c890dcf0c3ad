"""Reference data DUO needs: OIN, instellingsnummer, Blik op Werk, keurmerken, PIP indicators, phone, niveau."""

from __future__ import annotations

from datetime import date

import pytest

from portal.models.enums import Doelgroep, IndicatorAlfabetisering, Rol
from portal.models.resultaat import ResultaatBron
from portal.services import ValidationError, accounts, cases, organisaties, resultaten
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date(2026, 12, 3)


@pytest.fixture
def beheerder(db, gemeente):
    return UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])


def test_oin_is_twenty_digits_and_unique(db, gemeente, beheerder):
    organisaties.save_gemeente(db, beheerder, cbs_code=gemeente.cbs_code, naam=gemeente.naam, gemeente=gemeente,
                               oin="0000 0001 0012 3456 7000")
    assert gemeente.oin == "00000001001234567000"
    with pytest.raises(ValidationError) as exc:
        organisaties.save_gemeente(db, beheerder, cbs_code=gemeente.cbs_code, naam=gemeente.naam, gemeente=gemeente,
                                   oin="1234")
    assert "20 cijfers" in exc.value.errors["oin"]
    andere = GemeenteFactory()
    with pytest.raises(ValidationError) as exc:
        organisaties.save_gemeente(db, beheerder, cbs_code=andere.cbs_code, naam=andere.naam, gemeente=andere,
                                   oin="00000001001234567000")
    assert "al een gemeente" in exc.value.errors["oin"]
    # Saving without touching the OIN keeps it; an empty text clears it.
    organisaties.save_gemeente(db, beheerder, cbs_code=gemeente.cbs_code, naam="Hoorn", gemeente=gemeente)
    assert gemeente.oin == "00000001001234567000"
    organisaties.save_gemeente(db, beheerder, cbs_code=gemeente.cbs_code, naam="Hoorn", gemeente=gemeente, oin="")
    assert gemeente.oin is None


def test_aanbieder_duo_reference_data(db, beheerder):
    aanbieder = AanbiederFactory()
    duo = organisaties.DuoInstelling(instellingsnummer="12ab34cd56", bow_nummer="123456", bow_keurmerk=True)
    organisaties.save_aanbieder(db, beheerder, kvk_nummer=aanbieder.kvk_nummer, naam=aanbieder.naam,
                                soort=aanbieder.soort, aanbieder=aanbieder, duo=duo)
    assert (aanbieder.instellingsnummer, aanbieder.bow_nummer, aanbieder.bow_keurmerk, aanbieder.tst_keurmerk) == (
        "12AB34CD56", "123456", True, False)
    with pytest.raises(ValidationError) as exc:
        organisaties.save_aanbieder(db, beheerder, kvk_nummer=aanbieder.kvk_nummer, naam=aanbieder.naam,
                                    soort=aanbieder.soort, aanbieder=aanbieder,
                                    duo=organisaties.DuoInstelling(instellingsnummer="123", bow_nummer="12a"))
    assert "10 tekens" in exc.value.errors["instellingsnummer"]
    assert "1 tot 10 cijfers" in exc.value.errors["bow_nummer"]


def test_klantregisseur_phone_as_duo_takes_it(db, gemeente, beheerder):
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    data = accounts.UserData(naam=regisseur.naam, rol=regisseur.rol, gemeente_ids=[gemeente.id],
                             telefoonnummer=" 0229  252 400 ")
    accounts.update_user(db, beheerder, regisseur, data)
    assert regisseur.telefoonnummer == "0229 252 400"
    data.telefoonnummer = "bel mij"
    with pytest.raises(ValidationError) as exc:
        accounts.update_user(db, beheerder, regisseur, data)
    assert "telefoonnummer" in exc.value.errors["telefoonnummer"]


def test_pip_carries_duos_two_indicators(db, gemeente, regisseur):
    person = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=date(2026, 1, 5))
    pip = cases.record_pip(db, regisseur, person, cases.PipInput(
        dagtekening="01-03-2026", leerroute="O", niveau="B1", indicator_alfabetisering="AA",
        indicator_mag_opleiding_afmaken="ja"), today=TODAY)
    assert (pip.indicator_alfabetisering, pip.indicator_mag_opleiding_afmaken) == (IndicatorAlfabetisering.AA, True)
    with pytest.raises(ValidationError) as exc:
        cases.record_pip(db, regisseur, person, cases.PipInput(
            dagtekening="01-04-2026", leerroute="O", niveau="B1", reden_wijziging="x",
            indicator_alfabetisering="B", indicator_mag_opleiding_afmaken="misschien"), today=TODAY)
    assert set(exc.value.errors) == {"indicator_alfabetisering", "indicator_mag_opleiding_afmaken"}


def test_duo_exam_result_may_lack_a_niveau_but_a_providers_may_not(db, gemeente, regisseur):
    person = InburgeraarFactory(gemeente=gemeente, doelgroep=Doelgroep.ASIELSTATUSHOUDER)
    PipFactory(inburgeraar=person, dagtekening=date(2026, 1, 10))
    verwijzing = VerwijzingFactory(inburgeraar=person, contract=ContractFactory(gemeenten=[gemeente]),
                                   beoogde_startdatum=date(2026, 2, 1))
    data = resultaten.ExamenresultaatInput(onderdeel="LE", niveau="", examendatum="01-10-2026", resultaat="Geslaagd")
    uitslag = resultaten.register_examenresultaat(db, regisseur, verwijzing, data, today=TODAY)
    assert uitslag.niveau is None and uitslag.bron is ResultaatBron.DUO
    assert not resultaten.examen_behaald(db, person)  # a pass without niveau proves no level
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=verwijzing.aanbieder)
    with pytest.raises(ValidationError) as exc:
        resultaten.register_examenresultaat(db, medewerker, verwijzing, data, today=TODAY)
    assert "niveau" in exc.value.errors
