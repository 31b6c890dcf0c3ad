"""DUO berichten: made only when the value changes, per sending gemeente, with DUO's definitions and formats.

Every bericht made here is also checked against DUO's OpenAPI files by the tests.duo_schema plugin.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models import BerichtSoort, BerichtStatus, DuoBericht, TrajectStart
from portal.models.enums import IndicatorAlfabetisering, Leerroute, NiveauPip, Onderdeel, Rol, VerwijzingStatus
from portal.models.resultaat import JaNee, RouteResultaat
from portal.models.traject import Activiteit
from portal.services import ValidationError, cases
from portal.services.chain import duo
from portal.services.chain import verhuizing as verhuizingen
from tests import duo_schema
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PresentieFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date.today()


@pytest.fixture
def world(db):
    hoorn = GemeenteFactory(naam="Hoorn", oin="00000001000000405000")
    dalfsen = GemeenteFactory(naam="Dalfsen", oin="00000001000000148000")
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn], telefoonnummer="0229 252 400")
    person = InburgeraarFactory(gemeente=hoorn, klantregisseur=regisseur, datum_kennisgeving=TODAY - timedelta(400))
    PipFactory(inburgeraar=person, dagtekening=TODAY - timedelta(days=300), leerroute=Leerroute.B,
               niveau=NiveauPip.B1, indicator_alfabetisering=IndicatorAlfabetisering.NVT)
    taal = AanbiederFactory(instellingsnummer="10A1B2C3D4")
    contract = ContractFactory(aanbieder=taal, gemeenten=[hoorn, dalfsen])
    verwijzing = VerwijzingFactory(inburgeraar=person, contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                                   beoogde_startdatum=TODAY - timedelta(days=200),
                                   uiterste_einddatum=TODAY + timedelta(days=300))
    db.flush()
    return dict(hoorn=hoorn, dalfsen=dalfsen, regisseur=regisseur, person=person, verwijzing=verwijzing,
                contract=contract)


def _by_soort(made):
    return {(b.soort, b.pad.rsplit("/", 1)[-1]): b for b in made}


def test_a_bericht_only_when_the_value_differs_from_the_last(db, world):
    person, hoorn = world["person"], world["hoorn"]
    first = duo.bijwerken(db, hoorn).nieuw
    pip = [b for b in first if b.soort is BerichtSoort.PIP]
    assert len(pip) == 1 and pip[0].body == {"dagtekeningPip": (TODAY - timedelta(days=300)).isoformat(),
                                             "leerroute": "B", "niveau": "B1", "geschatteIntensiteitB1Route": 1200,
                                             "indicatorAlfabetiseringsonderwijs": "NVT"}
    assert (pip[0].bron_oin, pip[0].doel_oin, pip[0].methode) == (hoorn.oin, duo.DUO_OIN, "POST")
    assert duo.bijwerken(db, hoorn).nieuw == []  # nothing changed: nothing new

    cases.record_pip(db, world["regisseur"], person, cases.PipInput(
        dagtekening=(TODAY - timedelta(days=10)).strftime("%d-%m-%Y"), leerroute="B", niveau="A2",
        geschatte_intensiteit="1200", reden_wijziging="Afgeschaald", indicator_alfabetisering="NVT"), today=TODAY)
    db.refresh(person)
    second = [b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.PIP]
    assert len(second) == 1 and second[0].body["niveau"] == "A2"
    assert pip[0].status is BerichtStatus.VERVANGEN  # the pending older value is never sent


def test_gevolgde_uren_with_duos_definitions(db, world):
    person, verwijzing, hoorn = world["person"], world["verwijzing"], world["hoorn"]
    mb = VerwijzingFactory(inburgeraar=person, contract=world["contract"],
                           onderdeel=Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING)
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=20), uren_aanwezig=Decimal("3.75"))
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=21), uren_aanwezig=Decimal("2.50"))
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=22), activiteit=Activiteit.BREDE_INTAKE,
                     uren_aanwezig=Decimal("4"))
    PresentieFactory(verwijzing=mb, datum=TODAY - timedelta(days=23),
                     activiteit=Activiteit.MAATSCHAPPELIJKE_BEGELEIDING, uren_aanwezig=Decimal("1.5"))
    made = _by_soort(duo.bijwerken(db, hoorn).nieuw)
    # 6.25 h taalles at the cursusinstelling: whole hours, rounded down; brede intake apart; MB is participatie.
    assert made[(BerichtSoort.GEVOLGDE_UREN, "participatietaalles")].body == {"uren": 6}
    assert made[(BerichtSoort.GEVOLGDE_UREN, "taallesknm")].body == {"uren": 4}
    assert made[(BerichtSoort.GEVOLGDE_UREN, "participatieactiviteiten")].body == {"uren": 1}
    # A quarter hour more changes nothing DUO sees: no new bericht.
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=24), uren_aanwezig=Decimal("0.50"))
    assert [b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.GEVOLGDE_UREN] == []


def test_hours_per_sending_gemeente_after_a_verhuizing(db, world):
    person, verwijzing, hoorn, dalfsen = world["person"], world["verwijzing"], world["hoorn"], world["dalfsen"]
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=40), uren_aanwezig=Decimal("10"))
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=5), uren_aanwezig=Decimal("7"))
    verhuizingen.register(db, world["regisseur"], person, verhuizingen.VerhuizingInput(
        naar_gemeente_id=dalfsen.id, datum=TODAY - timedelta(days=10)), today=TODAY)
    oud = _by_soort(duo.bijwerken(db, hoorn).nieuw)
    nieuw = _by_soort(duo.bijwerken(db, dalfsen).nieuw)
    assert oud[(BerichtSoort.GEVOLGDE_UREN, "participatietaalles")].body == {"uren": 10}
    assert nieuw[(BerichtSoort.GEVOLGDE_UREN, "participatietaalles")].body == {"uren": 7}
    assert (BerichtSoort.PIP, "PIP") not in oud and (BerichtSoort.PIP, "PIP") in nieuw  # the new gemeente sends it
    assert nieuw[(BerichtSoort.PIP, "PIP")].bron_oin == dalfsen.oin
    # A late correction of the old period goes to the old gemeente's outbox only.
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=41), uren_aanwezig=Decimal("3"))
    assert [b.body for b in duo.bijwerken(db, hoorn).nieuw] == [{"uren": 13}]
    assert duo.bijwerken(db, dalfsen).nieuw == []


def test_inburgeringsaanbod_with_duos_exclusive_end_date(db, world):
    person, verwijzing, hoorn = world["person"], world["verwijzing"], world["hoorn"]
    start = TODAY - timedelta(days=190)
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=start))
    db.flush()
    aanbod = [b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.INBURGERINGSAANBOD]
    assert len(aanbod) == 1
    assert aanbod[0].pad == f"/personen/{person.bsn}/Inburgeringsaanbod/10A1B2C3D4"
    assert aanbod[0].body == {
        "datumInburgeringsaanbod": start.isoformat(),
        "verwachteStartdatumOpleiding": verwijzing.beoogde_startdatum.isoformat(),
        "verwachteEinddatumOpleiding": (verwijzing.uiterste_einddatum + timedelta(days=1)).isoformat(),
        "indicatorAlfabetiseringsonderwijs": "NVT",
    }
    duo.exporteer(db, world["regisseur"], hoorn, aanbod)  # DUO has it: withdrawing it needs a DELETE
    verwijzing.status = VerwijzingStatus.INGETROKKEN
    withdrawn = [b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.INBURGERINGSAANBOD]
    assert [(b.methode, b.body) for b in withdrawn] == [("DELETE", None)]


def test_no_inburgeringsaanbod_from_a_withdrawn_pip(db, world):
    """The aanbod's indicatorAlfabetiseringsonderwijs comes from the PIP in force (domain.pip.van_kracht): after a
    withdrawal the aanbod waits for a new PIP, saying so."""
    from tests.factories_chain import PipIntrekkingFactory

    person, verwijzing, hoorn = world["person"], world["verwijzing"], world["hoorn"]
    PipIntrekkingFactory(pip=person.huidige_pip, datum=TODAY - timedelta(days=20))
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=TODAY - timedelta(days=10)))
    db.flush()
    db.refresh(person)
    result = duo.bijwerken(db, hoorn)
    assert [b.soort for b in result.nieuw if b.soort is BerichtSoort.INBURGERINGSAANBOD] == []
    ingetrokken = (TODAY - timedelta(days=20)).strftime("%d-%m-%Y")
    assert (f"Het PIP van {person.naam} is ingetrokken per {ingetrokken}: het inburgeringsaanbod van verwijzing "
            f"{verwijzing.kenmerk} wacht op een nieuw PIP.") in result.onvolledig


def test_an_aanbod_waiting_for_the_alfabetisering_indicator_names_the_person_and_verwijzing(db, world):
    """The klantregisseur reads names and kenmerken, never the portal's internal ids."""
    person, verwijzing, hoorn = world["person"], world["verwijzing"], world["hoorn"]
    person.huidige_pip.indicator_alfabetisering = None
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=TODAY - timedelta(days=10)))
    db.flush()
    result = duo.bijwerken(db, hoorn)
    assert (f"Het PIP van {person.naam} zegt niet of er alfabetiseringsonderwijs nodig is (A, AA of NVT): het "
            f"inburgeringsaanbod van verwijzing {verwijzing.kenmerk} wacht daarop.") in result.onvolledig
    assert not any(f"inburgeraar {person.id} " in m for m in result.onvolledig)


def test_what_cannot_be_made_yet_is_named(db, world):
    hoorn, verwijzing = world["hoorn"], world["verwijzing"]
    verwijzing.aanbieder.instellingsnummer = None
    world["regisseur"].telefoonnummer = None
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=TODAY - timedelta(days=190)))
    db.flush()
    result = duo.bijwerken(db, hoorn)
    assert any("geen DUO-instellingsnummer" in m for m in result.onvolledig)
    assert any("geen telefoonnummer" in m for m in result.onvolledig)
    geen_oin = GemeenteFactory(naam="Opmeer")
    assert "nog geen OIN" in duo.bijwerken(db, geen_oin).onvolledig[0]


def test_route_results_go_to_duo_once_the_klantregisseur_confirms(db, world):
    person, hoorn = world["person"], world["hoorn"]
    map_v = VerwijzingFactory(inburgeraar=person, contract=world["contract"], onderdeel=Onderdeel.MAP)
    resultaat = RouteResultaat(verwijzing_id=map_v.id, inburgeraar_id=person.id,
                               datum_eindgesprek_map=TODAY - timedelta(days=3), verwijtbaar=JaNee.NEE)
    db.add(resultaat)
    db.flush()
    assert not [b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.MAP]
    duo.bevestig_resultaat(db, world["regisseur"], resultaat, today=TODAY)
    made = [b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.MAP]
    # Within the term DUO gets no 'verwijtbaar' (DOMAIN.md: only once the term is exceeded) ...
    assert [b.body for b in made] == [{"datumEindgesprekMap": (TODAY - timedelta(days=3)).isoformat()}]
    # ... after it, it does.
    person.termijn_verlengd_tot = TODAY - timedelta(days=10)
    made = [b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.MAP]
    assert [b.body for b in made] == [{"datumEindgesprekMap": (TODAY - timedelta(days=3)).isoformat(),
                                       "verwijtbaar": "Nee"}]


def test_export_answer_and_contactpersoon_flow(db, world):
    hoorn, regisseur, person = world["hoorn"], world["regisseur"], world["person"]
    made = duo.bijwerken(db, hoorn).nieuw
    contact = [b for b in made if b.soort is BerichtSoort.CONTACTPERSOON]
    assert [(b.methode, b.pad) for b in contact] == [("POST", "/contactpersonen")]
    assert contact[0].body == {"naam": regisseur.naam, "email": regisseur.email, "telefoonnummer": "0229 252 400"}

    lines = duo.exporteer(db, regisseur, hoorn, made).splitlines()
    assert len(lines) == len(made)
    parsed = [json.loads(line) for line in lines]
    assert {p["berichtId"] for p in parsed} == {b.bericht_id for b in made}
    assert all(duo_schema.problems(p) == [] for p in parsed)
    assert all(b.status is BerichtStatus.VERZONDEN and b.verzonden_door_id == regisseur.id for b in made)

    pip = next(b for b in made if b.soort is BerichtSoort.PIP)
    with pytest.raises(ValidationError) as exc:
        duo.record_antwoord(db, regisseur, pip, duo.AntwoordInput(status="400"))
    assert "foutmeldingen" in exc.value.errors
    duo.record_antwoord(db, regisseur, pip, duo.AntwoordInput(status="400", foutmeldingen="Dagtekening onjuist\n"))
    assert pip.status is BerichtStatus.AFGEWEZEN
    assert pip.antwoord == {"foutmeldingen": [{"fouttekst": "Dagtekening onjuist"}]}
    again = duo.opnieuw(db, regisseur, pip)
    assert again.status is BerichtStatus.KLAAR and again.bericht_id != pip.bericht_id and again.body == pip.body

    duo.record_antwoord(db, regisseur, contact[0], duo.AntwoordInput(status="201", contactpersoon_id="4711"))
    linked = [b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.CONTACTPERSOON]
    assert {(b.methode, b.pad) for b in linked} == {
        ("PUT", "/contactpersonen/4711"), ("POST", f"/contactpersonen/4711/personen/{person.bsn}")}


def test_the_schema_check_can_fail():
    """The plugin's validator rejects what DUO would reject (so its silence elsewhere means something)."""
    good = {"berichtId": "4a8f2c1e-6b3d-4e5f-9a7b-1c2d3e4f5a6b", "bron": "00000001000000405000",
            "doel": "00000001003214345000", "methode": "PUT", "pad": "/personen/999990019/uren/participatietaalles",
            "body": {"uren": 12}}
    assert duo_schema.problems(good) == []
    assert duo_schema.problems({**good, "body": {"uren": 10000}})
    assert duo_schema.problems({**good, "body": {"uren": 1.5}})
    assert duo_schema.problems({**good, "bron": "1234"})
    assert duo_schema.problems({**good, "pad": "/personen/12345/uren/participatietaalles"})
    assert duo_schema.problems({**good, "berichtId": "geen-uuid"})
    pip = {**good, "methode": "POST", "pad": "/personen/999990019/PIP"}
    valid_pip = {"dagtekeningPip": "2026-01-05", "leerroute": "B", "niveau": "B1"}
    assert duo_schema.problems({**pip, "body": valid_pip}) == []
    assert duo_schema.problems({**pip, "body": {"dagtekeningPip": "2026-01-05", "leerroute": "O", "niveau": "A2"}})
    assert duo_schema.problems({**pip, "body": {"dagtekeningPip": "2026-01-05", "leerroute": "X"}})
    assert duo_schema.problems({**pip, "body": {"dagtekeningPip": "2999-01-05", "leerroute": "Z"}})
    assert duo_schema.problems({**pip, "body": {"dagtekeningPip": "2026-01-05", "leerroute": "Z", "extra": 1}})


def test_every_bericht_made_in_this_module_was_validated(db, world):
    made = duo.bijwerken(db, world["hoorn"]).nieuw
    assert made and {b.bericht_id for b in made} <= set(duo_schema.VALIDATED)
    assert db.scalar(select(DuoBericht).where(DuoBericht.bericht_id.notin_(duo_schema.VALIDATED))) is None
