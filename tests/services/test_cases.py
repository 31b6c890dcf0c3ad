"""Case rules: registering inburgeraars, PIP versions with DUO's rules, and verwijzingen that fit PIP and contract."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, Pip, Verwijzing
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, Rol, VerwijzingStatus
from portal.services import ValidationError, cases
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    UserFactory,
    next_bsn,
)

TODAY = date(2026, 6, 1)
ASIEL = Doelgroep.ASIELSTATUSHOUDER
GEZIN = Doelgroep.GEZINSMIGRANT_OVERIG


def errors_of(call) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.errors


def inburgeraar_data(gemeente, **overrides):
    data = {
        "bsn": next_bsn(),
        "voornamen": "Amina",
        "achternaam": "Haddad",
        "geboortedatum": "17-05-1990",
        "doelgroep": ASIEL.value,
        "gemeente_id": str(gemeente.id),
        "klantregisseur_id": "",
        "datum_kennisgeving": "01-03-2026",
        "datum_brp_inschrijving": "",
    }
    data.update(overrides)
    return cases.InburgeraarInput(**data)


# --- create_inburgeraar -------------------------------------------------------------------------

class TestCreateInburgeraar:
    def test_registers_with_parsed_values_and_audit(self, db, gemeente, regisseur):
        data = inburgeraar_data(gemeente, klantregisseur_id=str(regisseur.id))
        inburgeraar = cases.create_inburgeraar(db, regisseur, data, today=TODAY)
        assert inburgeraar.bsn == data.bsn
        assert inburgeraar.geboortedatum == date(1990, 5, 17)
        assert inburgeraar.doelgroep is ASIEL
        assert inburgeraar.klantregisseur_id == regisseur.id
        assert inburgeraar.pip_uiterlijk == date(2026, 5, 10)  # 10 weeks after kennisgeving
        event = db.scalar(select(AuditEvent).where(AuditEvent.inburgeraar_id == inburgeraar.id))
        assert (event.action, event.actor_id) == ("aangemaakt", regisseur.id)

    def test_restores_leading_zero_of_bsn(self, db, gemeente, regisseur):
        inburgeraar = cases.create_inburgeraar(db, regisseur, inburgeraar_data(gemeente, bsn="11222335"), today=TODAY)
        assert inburgeraar.bsn == "011222335"

    def test_reports_every_missing_field_at_once(self, db, gemeente, regisseur):
        errors = errors_of(lambda: cases.create_inburgeraar(db, regisseur, cases.InburgeraarInput(), today=TODAY))
        assert set(errors) == {"bsn", "voornamen", "achternaam", "geboortedatum", "doelgroep", "gemeente_id"}

    def test_bsn_must_pass_elfproef(self, db, gemeente, regisseur):
        errors = errors_of(lambda: cases.create_inburgeraar(
            db, regisseur, inburgeraar_data(gemeente, bsn="123456789"), today=TODAY))
        assert "elfproef" in errors["bsn"]

    def test_duplicate_bsn_in_own_gemeente_says_so(self, db, gemeente, regisseur):
        existing = InburgeraarFactory(gemeente=gemeente)
        errors = errors_of(lambda: cases.create_inburgeraar(
            db, regisseur, inburgeraar_data(gemeente, bsn=existing.bsn), today=TODAY))
        assert "in uw gemeente" in errors["bsn"]

    def test_duplicate_bsn_elsewhere_reveals_nothing_about_the_person(self, db, gemeente, regisseur):
        elders = GemeenteFactory(naam="Enkhuizen")
        existing = InburgeraarFactory(gemeente=elders, voornamen="Geheim", achternaam="Persoon")
        errors = errors_of(lambda: cases.create_inburgeraar(
            db, regisseur, inburgeraar_data(gemeente, bsn=existing.bsn), today=TODAY))
        assert "al geregistreerd" in errors["bsn"]
        for secret in ("Geheim", "Persoon", "Enkhuizen", str(existing.id)):
            assert secret not in errors["bsn"]

    @pytest.mark.parametrize(("geboortedatum", "fragment"), [
        ("02-06-2026", "toekomst"),
        ("01-01-1890", "te ver in het verleden"),
        ("01-01-2015", "minstens 16 jaar"),
        ("31-02-1990", "geen geldige datum"),
    ])
    def test_geboortedatum_must_be_plausible(self, db, gemeente, regisseur, geboortedatum, fragment):
        errors = errors_of(lambda: cases.create_inburgeraar(
            db, regisseur, inburgeraar_data(gemeente, geboortedatum=geboortedatum), today=TODAY))
        assert fragment in errors["geboortedatum"]

    def test_doelgroep_must_be_a_duo_value(self, db, gemeente, regisseur):
        errors = errors_of(lambda: cases.create_inburgeraar(
            db, regisseur, inburgeraar_data(gemeente, doelgroep="Toerist"), today=TODAY))
        assert "doelgroep" in errors

    def test_gemeente_must_be_one_of_the_actors(self, db, gemeente, regisseur):
        other = GemeenteFactory()
        errors = errors_of(lambda: cases.create_inburgeraar(
            db, regisseur, inburgeraar_data(other), today=TODAY))
        assert errors == {"gemeente_id": "Kies een van uw gemeenten."}

    def test_klantregisseur_must_work_for_that_gemeente(self, db, gemeente, regisseur):
        elders = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[GemeenteFactory()])
        contractmanager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
        for user in (elders, contractmanager):
            errors = errors_of(lambda u=user: cases.create_inburgeraar(
                db, regisseur, inburgeraar_data(gemeente, klantregisseur_id=str(u.id)), today=TODAY))
            assert "klantregisseur_id" in errors

    def test_kennisgeving_and_brp_dates_not_in_future(self, db, gemeente, regisseur):
        errors = errors_of(lambda: cases.create_inburgeraar(db, regisseur, inburgeraar_data(
            gemeente, datum_kennisgeving="02-06-2026", datum_brp_inschrijving="2026-07-01"), today=TODAY))
        assert "toekomst" in errors["datum_kennisgeving"]
        assert "toekomst" in errors["datum_brp_inschrijving"]


# --- record_pip ---------------------------------------------------------------------------------

def pip_data(**overrides):
    data = {"dagtekening": "01-04-2026", "leerroute": "B", "niveau": "B1", "geschatte_intensiteit": "",
            "reden_wijziging": ""}
    data.update(overrides)
    return cases.PipInput(**data)


@pytest.fixture
def asiel(db, gemeente):
    return InburgeraarFactory(gemeente=gemeente, doelgroep=ASIEL, datum_kennisgeving=date(2026, 1, 15))


class TestRecordPip:
    def test_first_pip_is_version_one_and_fixes_the_term(self, db, regisseur, asiel):
        pip = cases.record_pip(db, regisseur, asiel, pip_data(geschatte_intensiteit="1200"), today=TODAY)
        assert (pip.versie, pip.leerroute, pip.niveau, pip.geschatte_intensiteit) == (1, Leerroute.B, NiveauPip.B1,
                                                                                        1200)
        assert asiel.inburgeringstermijn_einde == date(2029, 4, 1)
        event = db.scalar(select(AuditEvent).where(AuditEvent.object_type == "pip"))
        assert (event.action, event.details) == ("pip_vastgesteld", {"versie": 1})

    def test_later_version_needs_a_reason_and_does_not_move_the_term(self, db, regisseur, asiel):
        cases.record_pip(db, regisseur, asiel, pip_data(), today=TODAY)
        errors = errors_of(lambda: cases.record_pip(db, regisseur, asiel, pip_data(dagtekening="15-05-2026"),
                                                    today=TODAY))
        assert "reden" in errors["reden_wijziging"].lower()
        tweede = cases.record_pip(db, regisseur, asiel, pip_data(
            dagtekening="15-05-2026", niveau="A2", reden_wijziging="Afschaling na 600 lesuren"), today=TODAY)
        assert tweede.versie == 2
        assert asiel.huidige_pip is tweede
        assert asiel.inburgeringstermijn_einde == date(2029, 4, 1)

    def test_version_follows_the_highest_existing_version(self, db, regisseur, asiel):
        PipFactory(inburgeraar=asiel, versie=1, dagtekening=date(2026, 2, 1))
        PipFactory(inburgeraar=asiel, versie=2, dagtekening=date(2026, 3, 1))
        pip = cases.record_pip(db, regisseur, asiel, pip_data(reden_wijziging="Nieuwe afspraken"), today=TODAY)
        assert pip.versie == 3

    @pytest.mark.parametrize(("leerroute", "niveau", "fragment"), [
        ("O", "A2", "onderwijsroute hoort geen niveau A2"),
        ("Z", "B1", "Z-route hoort geen niveau B1"),
        ("B", "", "verplicht"),
        ("B", "A2", "eerste PIP in de B1-route"),
    ])
    def test_duo_niveau_rules(self, db, regisseur, asiel, leerroute, niveau, fragment):
        errors = errors_of(lambda: cases.record_pip(
            db, regisseur, asiel, pip_data(leerroute=leerroute, niveau=niveau), today=TODAY))
        assert fragment in errors["niveau"]

    @pytest.mark.parametrize(("leerroute", "niveau"), [("O", "B1"), ("O", ""), ("Z", "A2"), ("Z", ""), ("B", "B1")])
    def test_allowed_combinations_on_a_first_pip(self, db, regisseur, asiel, leerroute, niveau):
        pip = cases.record_pip(db, regisseur, asiel, pip_data(leerroute=leerroute, niveau=niveau), today=TODAY)
        assert pip.leerroute.value == leerroute

    def test_leerroute_is_required_and_a_duo_code(self, db, regisseur, asiel):
        assert "leerroute" in errors_of(lambda: cases.record_pip(db, regisseur, asiel, pip_data(leerroute=""),
                                                                 today=TODAY))
        assert "leerroute" in errors_of(lambda: cases.record_pip(db, regisseur, asiel, pip_data(leerroute="X"),
                                                                 today=TODAY))

    @pytest.mark.parametrize(("leerroute", "niveau", "doelgroep"), [
        ("Z", "", ASIEL), ("O", "B1", ASIEL), ("B", "B1", GEZIN),
    ])
    def test_intensiteit_only_for_b1_route_asielstatushouders(self, db, gemeente, regisseur, leerroute, niveau,
                                                              doelgroep):
        inburgeraar = InburgeraarFactory(gemeente=gemeente, doelgroep=doelgroep, datum_kennisgeving=date(2026, 1, 1))
        errors = errors_of(lambda: cases.record_pip(db, regisseur, inburgeraar, pip_data(
            leerroute=leerroute, niveau=niveau, geschatte_intensiteit="800"), today=TODAY))
        assert "alleen bij de B1-route voor asielstatushouders" in errors["geschatte_intensiteit"]

    @pytest.mark.parametrize("value", ["0", "10000", "12,5", "veel"])
    def test_intensiteit_is_a_whole_number_from_1_to_9999(self, db, regisseur, asiel, value):
        errors = errors_of(lambda: cases.record_pip(db, regisseur, asiel, pip_data(geschatte_intensiteit=value),
                                                    today=TODAY))
        assert "geschatte_intensiteit" in errors

    def test_dagtekening_not_in_future_nor_before_kennisgeving(self, db, regisseur, asiel):
        future = errors_of(lambda: cases.record_pip(db, regisseur, asiel, pip_data(dagtekening="02-06-2026"),
                                                    today=TODAY))
        assert "toekomst" in future["dagtekening"]
        early = errors_of(lambda: cases.record_pip(db, regisseur, asiel, pip_data(dagtekening="14-01-2026"),
                                                   today=TODAY))
        assert "kennisgeving" in early["dagtekening"]

    def test_new_version_not_dated_before_the_current_one(self, db, regisseur, asiel):
        PipFactory(inburgeraar=asiel, versie=1, dagtekening=date(2026, 4, 1))
        errors = errors_of(lambda: cases.record_pip(db, regisseur, asiel, pip_data(
            dagtekening="31-03-2026", reden_wijziging="Correctie"), today=TODAY))
        assert "huidige versie" in errors["dagtekening"]

    def test_reports_all_pip_errors_at_once(self, db, regisseur, asiel):
        PipFactory(inburgeraar=asiel, versie=1, dagtekening=date(2026, 2, 1))
        errors = errors_of(lambda: cases.record_pip(db, regisseur, asiel, cases.PipInput(
            dagtekening="morgen", leerroute="Z", niveau="B1", geschatte_intensiteit="5"), today=TODAY))
        assert set(errors) == {"dagtekening", "niveau", "geschatte_intensiteit", "reden_wijziging"}

    def test_leerroute_change_only_within_one_and_a_half_years(self, db, regisseur, gemeente):
        inburgeraar = InburgeraarFactory(gemeente=gemeente, doelgroep=ASIEL, datum_kennisgeving=date(2024, 1, 1))
        PipFactory(inburgeraar=inburgeraar, versie=1, dagtekening=date(2024, 3, 10), leerroute=Leerroute.B,
                   niveau=NiveauPip.B1)
        # The term starts 11-03-2024; 1.5 years later the last day for a switch is 10-09-2025.
        assert inburgeraar.leerroute_wijzigen_uiterlijk == date(2025, 9, 10)
        errors = errors_of(lambda: cases.record_pip(db, regisseur, inburgeraar, pip_data(
            dagtekening="11-09-2025", leerroute="Z", niveau="A2", reden_wijziging="Switch"), today=TODAY))
        assert "10-09-2025" in errors["leerroute"]
        # Afschaling within the same leerroute is still possible afterwards.
        afschaling = cases.record_pip(db, regisseur, inburgeraar, pip_data(
            dagtekening="11-09-2025", leerroute="B", niveau="A2", reden_wijziging="Afschaling"), today=TODAY)
        assert afschaling.niveau is NiveauPip.A2
        # And on the last day a switch is allowed.
        tweede = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=date(2024, 1, 1))
        switch = cases.record_pip(db, regisseur, tweede, pip_data(
            dagtekening="10-03-2024"), today=TODAY)
        assert switch.versie == 1
        op_tijd = cases.record_pip(db, regisseur, switch.inburgeraar, pip_data(
            dagtekening="10-09-2025", leerroute="Z", niveau="A2", reden_wijziging="Switch"), today=TODAY)
        assert op_tijd.leerroute is Leerroute.Z

    def test_after_a_withdrawal_the_leerroute_window_still_counts_from_the_term(self, db, regisseur, gemeente):
        """A withdrawal does not restart the term, so it does not reopen the 1.5-year window: past it, a new PIP
        after a withdrawal keeps the withdrawn version's leerroute (record_pip's docstring gives the sources), and
        the message says so; within the window any leerroute may follow a withdrawal."""
        from tests.factories_chain import PipIntrekkingFactory

        laat = InburgeraarFactory(gemeente=gemeente, doelgroep=ASIEL, datum_kennisgeving=date(2024, 1, 1))
        PipIntrekkingFactory(pip=PipFactory(inburgeraar=laat, versie=1, dagtekening=date(2024, 3, 10),
                                            leerroute=Leerroute.B, niveau=NiveauPip.B1),
                             datum=date(2025, 10, 1))
        errors = errors_of(lambda: cases.record_pip(db, regisseur, laat, pip_data(
            dagtekening="02-10-2025", leerroute="Z", niveau="A2", reden_wijziging="Nieuw PIP"), today=TODAY))
        assert "tot en met 10-09-2025" in errors["leerroute"]
        assert "ingetrokken PIP (versie 1) aan, B1-route" in errors["leerroute"]
        zelfde = cases.record_pip(db, regisseur, laat, pip_data(
            dagtekening="02-10-2025", leerroute="B", niveau="B1", reden_wijziging="Nieuw PIP"), today=TODAY)
        assert (zelfde.versie, zelfde.leerroute) == (2, Leerroute.B)

        vroeg = InburgeraarFactory(gemeente=gemeente, doelgroep=ASIEL, datum_kennisgeving=date(2024, 1, 1))
        PipIntrekkingFactory(pip=PipFactory(inburgeraar=vroeg, versie=1, dagtekening=date(2024, 3, 10),
                                            leerroute=Leerroute.B, niveau=NiveauPip.B1),
                             datum=date(2025, 1, 1))
        switch = cases.record_pip(db, regisseur, vroeg, pip_data(
            dagtekening="01-02-2025", leerroute="Z", niveau="A2", reden_wijziging="Nieuw PIP"), today=TODAY)
        assert switch.leerroute is Leerroute.Z

    def test_a_new_pip_after_a_withdrawal_is_not_dated_before_the_withdrawal(self, db, regisseur, asiel):
        """Dated earlier, the new version would be in force (domain.pip.van_kracht) on days the withdrawal says
        none was."""
        from tests.factories_chain import PipIntrekkingFactory

        PipIntrekkingFactory(pip=PipFactory(inburgeraar=asiel, versie=1, dagtekening=date(2026, 2, 1)),
                             datum=date(2026, 4, 1))
        errors = errors_of(lambda: cases.record_pip(db, regisseur, asiel, pip_data(
            dagtekening="31-03-2026", reden_wijziging="Nieuw PIP"), today=TODAY))
        assert "ingetrokken per 01-04-2026" in errors["dagtekening"]
        assert cases.record_pip(db, regisseur, asiel, pip_data(
            dagtekening="01-04-2026", reden_wijziging="Nieuw PIP"), today=TODAY).versie == 2


class TestInburgeringstermijn:
    @pytest.mark.parametrize(("dagtekening", "einde"), [
        (date(2026, 3, 4), date(2029, 3, 4)),
        (date(2027, 12, 31), date(2030, 12, 31)),
        (date(2028, 2, 29), date(2031, 2, 28)),  # the term starts 01-03-2028 and ends three years later
        (date(2027, 2, 28), date(2030, 2, 28)),
    ])
    def test_three_years_from_the_day_after_the_first_dagtekening(self, db, gemeente, dagtekening, einde):
        inburgeraar = InburgeraarFactory(gemeente=gemeente)
        PipFactory(inburgeraar=inburgeraar, versie=1, dagtekening=dagtekening)
        PipFactory(inburgeraar=inburgeraar, versie=2, dagtekening=dagtekening.replace(year=dagtekening.year + 1,
                                                                                       day=1))
        assert inburgeraar.inburgeringstermijn_einde == einde

    def test_unknown_without_pip_and_duo_extension_wins(self, db, gemeente):
        inburgeraar = InburgeraarFactory(gemeente=gemeente)
        assert inburgeraar.inburgeringstermijn_einde is None
        PipFactory(inburgeraar=inburgeraar, versie=1, dagtekening=date(2026, 3, 4))
        inburgeraar.termijn_verlengd_tot = date(2029, 12, 31)
        assert inburgeraar.inburgeringstermijn_einde == date(2029, 12, 31)



# --- create_verwijzing --------------------------------------------------------------------------

@pytest.fixture
def contract(db, gemeente):
    return ContractFactory(gemeenten=[gemeente], startdatum=date(2026, 1, 1), einddatum=date(2028, 12, 31))


def with_pip(inburgeraar, leerroute, niveau=None):
    PipFactory(inburgeraar=inburgeraar, versie=1, dagtekening=date(2026, 4, 1), leerroute=leerroute, niveau=niveau,
               geschatte_intensiteit=None)
    return inburgeraar


def verwijzing_data(contract, onderdeel, **overrides):
    data = {"contract_id": str(contract.id), "onderdeel": onderdeel.value, "beoogde_startdatum": "01-05-2026",
            "uiterste_einddatum": "01-04-2029", "gecontracteerde_uren": "600", "uren_per_week": "12,5",
            "doelen": ""}
    data.update(overrides)
    return cases.VerwijzingInput(**data)


class TestCreateVerwijzing:
    def test_creates_with_kenmerk_aanbieder_and_audit(self, db, regisseur, asiel, contract):
        with_pip(asiel, Leerroute.B, NiveauPip.B1)
        verwijzing = cases.create_verwijzing(db, regisseur, asiel, verwijzing_data(contract, Onderdeel.B1_ROUTE))
        assert re.fullmatch(r"V-\d{8}", verwijzing.kenmerk)
        assert verwijzing.aanbieder_id == contract.aanbieder_id
        assert verwijzing.status is VerwijzingStatus.VERWEZEN
        assert verwijzing.gecontracteerde_uren == Decimal("600")
        assert verwijzing.uren_per_week == Decimal("12.5")
        event = db.scalar(select(AuditEvent).where(AuditEvent.object_type == "verwijzing"))
        assert (event.action, event.inburgeraar_id) == ("verwijzing_aangemaakt", asiel.id)

    def test_kenmerken_are_unique(self, db, regisseur, asiel, contract):
        with_pip(asiel, Leerroute.B, NiveauPip.B1)
        kenmerken = {cases.create_verwijzing(db, regisseur, asiel, verwijzing_data(contract, o)).kenmerk
                     for o in (Onderdeel.B1_ROUTE, Onderdeel.MAP, Onderdeel.PVT)}
        assert len(kenmerken) == 3

    @pytest.mark.parametrize(("leerroute", "niveau", "onderdeel", "fragment"), [
        (Leerroute.O, NiveauPip.B1, Onderdeel.MAP, "MAP hoort niet bij de onderwijsroute"),
        (Leerroute.B, NiveauPip.B1, Onderdeel.Z_ROUTE_TAAL, "past niet bij de leerroute"),
        (Leerroute.B, NiveauPip.B1, Onderdeel.Z_ROUTE_PARTICIPATIE, "past niet bij de leerroute"),
        (Leerroute.Z, NiveauPip.A2, Onderdeel.B1_ROUTE, "past niet bij de leerroute"),
        (Leerroute.B, NiveauPip.B1, Onderdeel.ONDERWIJSROUTE, "past niet bij de leerroute"),
    ])
    def test_onderdeel_must_fit_the_pip(self, db, regisseur, asiel, contract, leerroute, niveau, onderdeel,
                                        fragment):
        with_pip(asiel, leerroute, niveau)
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel, verwijzing_data(contract, onderdeel)))
        assert fragment in errors["onderdeel"]

    @pytest.mark.parametrize(("leerroute", "niveau", "onderdeel"), [
        (Leerroute.Z, NiveauPip.A2, Onderdeel.MAP),
        (Leerroute.Z, None, Onderdeel.Z_ROUTE_TAAL),
        (Leerroute.Z, None, Onderdeel.Z_ROUTE_PARTICIPATIE),
        (Leerroute.O, None, Onderdeel.ONDERWIJSROUTE),
        (Leerroute.O, None, Onderdeel.PVT),
        (Leerroute.B, NiveauPip.B1, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING),
    ])
    def test_fitting_onderdelen_for_asielstatushouders(self, db, regisseur, asiel, contract, leerroute, niveau,
                                                        onderdeel):
        with_pip(asiel, leerroute, niveau)
        verwijzing = cases.create_verwijzing(db, regisseur, asiel, verwijzing_data(contract, onderdeel))
        assert verwijzing.onderdeel is onderdeel

    @pytest.mark.parametrize(("leerroute", "onderdeel"), [
        (Leerroute.B, Onderdeel.B1_ROUTE),
        (Leerroute.O, Onderdeel.ONDERWIJSROUTE),
        (Leerroute.Z, Onderdeel.Z_ROUTE_PARTICIPATIE),
    ])
    def test_leerroute_only_bought_for_asielstatushouders(self, db, gemeente, regisseur, contract,
                                                                          leerroute, onderdeel):
        gezin = InburgeraarFactory(gemeente=gemeente, doelgroep=GEZIN)
        with_pip(gezin, leerroute, NiveauPip.B1 if leerroute is Leerroute.B else None)
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, gezin, verwijzing_data(contract, onderdeel)))
        assert "alleen in voor asielstatushouders" in errors["onderdeel"]

    @pytest.mark.parametrize(("leerroute", "onderdeel"), [
        (Leerroute.Z, Onderdeel.Z_ROUTE_TAAL), (Leerroute.B, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING)])
    def test_z_route_taal_and_begeleiding_for_gezinsmigranten(self, db, gemeente, regisseur, contract, leerroute,
                                                              onderdeel):
        """003 Bijlage B asks DUO for their Z-route hours; maatschappelijke begeleiding is 'niet uitgesloten'."""
        gezin = with_pip(InburgeraarFactory(gemeente=gemeente, doelgroep=GEZIN), leerroute,
                         NiveauPip.B1 if leerroute is Leerroute.B else None)
        verwijzing = cases.create_verwijzing(db, regisseur, gezin, verwijzing_data(contract, onderdeel))
        assert verwijzing.onderdeel is onderdeel

    @pytest.mark.parametrize("onderdeel", [Onderdeel.MAP, Onderdeel.PVT])
    def test_map_and_pvt_for_gezinsmigranten_too(self, db, gemeente, regisseur, contract, onderdeel):
        gezin = with_pip(InburgeraarFactory(gemeente=gemeente, doelgroep=GEZIN), Leerroute.B, NiveauPip.B1)
        verwijzing = cases.create_verwijzing(db, regisseur, gezin, verwijzing_data(contract, onderdeel))
        assert verwijzing.onderdeel is onderdeel

    def test_before_the_pip_only_begeleiding_and_pvt(self, db, regisseur, asiel, contract):
        for onderdeel in (Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING, Onderdeel.PVT):
            cases.create_verwijzing(db, regisseur, asiel, verwijzing_data(contract, onderdeel))
        for onderdeel in (Onderdeel.B1_ROUTE, Onderdeel.MAP, Onderdeel.Z_ROUTE_TAAL):
            errors = errors_of(lambda o=onderdeel: cases.create_verwijzing(
                db, regisseur, asiel, verwijzing_data(contract, o)))
            assert "Stel eerst het PIP vast" in errors["onderdeel"]

    def test_passende_onderdelen_offer_only_what_fits(self, db, gemeente, asiel):
        gezin = InburgeraarFactory(gemeente=gemeente, doelgroep=GEZIN)
        assert cases.passende_onderdelen(gezin) == [Onderdeel.PVT, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING]
        with_pip(asiel, Leerroute.B, NiveauPip.B1)
        assert cases.passende_onderdelen(asiel) == [
            Onderdeel.B1_ROUTE, Onderdeel.MAP, Onderdeel.PVT, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING]

    def test_contract_must_cover_gemeente_onderdeel_and_start(self, db, gemeente, regisseur, asiel):
        with_pip(asiel, Leerroute.B, NiveauPip.B1)
        andere_gemeente = GemeenteFactory()
        regisseur.gemeenten.append(andere_gemeente)  # in scope, but not the inburgeraar's gemeente
        elders = ContractFactory(gemeenten=[andere_gemeente])
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel,
                                                           verwijzing_data(elders, Onderdeel.B1_ROUTE)))
        assert "geldt niet voor de gemeente" in errors["contract_id"]

        alleen_map = ContractFactory(gemeenten=[gemeente], onderdelen=[Onderdeel.MAP])
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel,
                                                           verwijzing_data(alleen_map, Onderdeel.B1_ROUTE)))
        assert "omvat geen" in errors["contract_id"]

        kort = ContractFactory(gemeenten=[gemeente], startdatum=date(2026, 1, 1), einddatum=date(2026, 4, 30))
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel,
                                                           verwijzing_data(kort, Onderdeel.B1_ROUTE)))
        assert "looptijd van het contract" in errors["beoogde_startdatum"]

    def test_contract_outside_scope_is_just_not_a_choice(self, db, gemeente, regisseur, asiel):
        with_pip(asiel, Leerroute.B, NiveauPip.B1)
        foreign = ContractFactory(gemeenten=[GemeenteFactory()])
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel,
                                                           verwijzing_data(foreign, Onderdeel.B1_ROUTE)))
        assert errors["contract_id"] == "Kies een contract."

    def test_aanbieder_must_match_contract(self, db, regisseur, asiel, contract):
        with_pip(asiel, Leerroute.B, NiveauPip.B1)
        other = AanbiederFactory()
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel, verwijzing_data(
            contract, Onderdeel.B1_ROUTE, aanbieder_id=other.id)))
        assert "niet met de gekozen aanbieder" in errors["contract_id"]

    def test_dates_within_order_and_inburgeringstermijn(self, db, regisseur, asiel, contract):
        with_pip(asiel, Leerroute.B, NiveauPip.B1)  # term ends 01-04-2029
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel, verwijzing_data(
            contract, Onderdeel.B1_ROUTE, uiterste_einddatum="30-04-2026")))
        assert "vóór de beoogde startdatum" in errors["uiterste_einddatum"]
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel, verwijzing_data(
            contract, Onderdeel.B1_ROUTE, uiterste_einddatum="02-04-2029")))
        assert "01-04-2029" in errors["uiterste_einddatum"]

    @pytest.mark.parametrize(("field", "value"), [
        ("gecontracteerde_uren", "10000"), ("gecontracteerde_uren", "-5"), ("gecontracteerde_uren", "12,3"),
        ("uren_per_week", "41"), ("uren_per_week", "veel"),
    ])
    def test_hours_are_checked(self, db, regisseur, asiel, contract, field, value):
        with_pip(asiel, Leerroute.B, NiveauPip.B1)
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel, verwijzing_data(
            contract, Onderdeel.B1_ROUTE, **{field: value})))
        assert field in errors

    def test_reports_all_verwijzing_errors_at_once(self, db, regisseur, asiel):
        errors = errors_of(lambda: cases.create_verwijzing(db, regisseur, asiel,
                cases.VerwijzingInput(gecontracteerde_uren="x")))
        assert set(errors) == {"onderdeel", "contract_id", "beoogde_startdatum", "uiterste_einddatum",
                               "gecontracteerde_uren"}
        assert db.scalar(select(Verwijzing.id)) is None
        assert db.scalar(select(Pip.id)) is None
