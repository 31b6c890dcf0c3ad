"""The provider's "Mijn deelnemers": only own verwijzingen, what the work needs, never health details."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import AuditEvent
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, Rol, VerwijzingStatus
from tests.factories import (
    GEZONDHEID,
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    IntakeGegevensFactory,
    PipFactory,
    UserFactory,
    VerwijzingFactory,
)


@pytest.fixture
def hoorn(db):
    return GemeenteFactory(naam="Hoorn")


@pytest.fixture
def taalschool(db):
    return AanbiederFactory(naam="Taalschool West")


@pytest.fixture
def concurrent(db):
    return AanbiederFactory(naam="Concurrent Taal")


@pytest.fixture
def medewerker(db, taalschool):
    return UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=taalschool)


@pytest.fixture
def amina(db, hoorn):
    inburgeraar = InburgeraarFactory(gemeente=hoorn, voornamen="Amina", achternaam="Haddad")
    PipFactory(inburgeraar=inburgeraar, leerroute=Leerroute.B, niveau=NiveauPip.B1, geschatte_intensiteit=1200)
    IntakeGegevensFactory(inburgeraar=inburgeraar)
    return inburgeraar


@pytest.fixture
def eigen(db, hoorn, taalschool, amina):
    contract = ContractFactory(aanbieder=taalschool, gemeenten=[hoorn])
    return VerwijzingFactory(inburgeraar=amina, contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                             doelen="Zelfstandig boodschappen doen")


@pytest.fixture
def van_concurrent(db, hoorn, concurrent, amina):
    contract = ContractFactory(aanbieder=concurrent, gemeenten=[hoorn])
    return VerwijzingFactory(inburgeraar=amina, contract=contract, onderdeel=Onderdeel.MAP)


def test_list_shows_own_verwijzingen_only(login_as, medewerker, hoorn, concurrent, eigen, van_concurrent):
    other = InburgeraarFactory(gemeente=hoorn, achternaam="AlleenBijConcurrent")
    VerwijzingFactory(inburgeraar=other, contract=ContractFactory(aanbieder=concurrent, gemeenten=[hoorn]))
    page = login_as(medewerker).get("/deelnemers/")
    assert page.status_code == 200
    assert "Haddad, Amina" in page.text
    assert f"<td>{Onderdeel.B1_ROUTE.label}</td>" in page.text
    assert f"<td>{Onderdeel.MAP.label}</td>" not in page.text  # the other provider's verwijzing
    assert "AlleenBijConcurrent" not in page.text
    assert "B1-route B1" in page.text  # leerroute and niveau from the PIP
    assert GEZONDHEID not in page.text


def test_search_and_filters(login_as, medewerker, hoorn, taalschool, eigen):
    contract = ContractFactory(aanbieder=taalschool, gemeenten=[hoorn])
    omar = InburgeraarFactory(gemeente=hoorn, voornamen="Omar", achternaam="Jansen")
    VerwijzingFactory(inburgeraar=omar, contract=contract, onderdeel=Onderdeel.PVT, status=VerwijzingStatus.GESTART)
    client = login_as(medewerker)
    fragment = client.get("/deelnemers/?q=jansen", headers={"HX-Request": "true"})
    assert "Jansen, Omar" in fragment.text and "Haddad" not in fragment.text and "<html" not in fragment.text
    assert "Haddad" not in client.get("/deelnemers/?onderdeel=pvt").text
    gestart = client.get("/deelnemers/?status=gestart").text
    assert "Jansen" in gestart and "Haddad" not in gestart
    assert "Jansen" not in client.get(f"/deelnemers/?gemeente={GemeenteFactory().id}").text
    assert "Jansen" in client.get(f"/deelnemers/?gemeente={hoorn.id}").text


def test_detail_shows_the_verwijzing_without_health_and_records_the_read(login_as, db, medewerker, eigen,
                                                                          van_concurrent):
    page = login_as(medewerker).get(f"/deelnemers/{eigen.id}")
    assert page.status_code == 200
    for expected in (eigen.inburgeraar.bsn, eigen.kenmerk, "Zelfstandig boodschappen doen", "600",
                     "B1-route, niveau B1", eigen.beoogde_startdatum.strftime("%d-%m-%Y")):
        assert expected in page.text
    assert GEZONDHEID not in page.text
    assert "Middelbare school" not in page.text  # intake data
    assert van_concurrent.kenmerk not in page.text
    assert "Concurrent Taal" not in page.text
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "bekeken"))
    assert (event.actor_id, event.object_type, event.object_id, event.inburgeraar_id) == (
        medewerker.id, "verwijzing", str(eigen.id), eigen.inburgeraar_id)


def test_detail_shows_no_leerroute_or_intensiteit_once_the_pip_is_withdrawn(login_as, db, medewerker, eigen):
    """A withdrawn PIP is no longer in force (Inburgeraar.pip_van_kracht): the provider no longer works to its
    leerroute and geschatte intensiteit."""
    from tests.factories_chain import PipIntrekkingFactory

    intrekking = PipIntrekkingFactory(pip=eigen.inburgeraar.pips[-1])
    db.flush()
    client = login_as(medewerker)
    page = client.get(f"/deelnemers/{eigen.id}")
    assert page.status_code == 200
    assert f"Geen PIP van kracht: het PIP is ingetrokken per {intrekking.datum:%d-%m-%Y}" in page.text
    assert "B1-route, niveau B1" not in page.text and "Geschatte intensiteit" not in page.text
    # The list says the same, with the date (as the gemeente's lists do).
    assert f"PIP ingetrokken per {intrekking.datum:%d-%m-%Y}" in client.get("/deelnemers/").text


def test_other_providers_verwijzing_is_not_found(login_as, db, medewerker, van_concurrent):
    assert login_as(medewerker).get(f"/deelnemers/{van_concurrent.id}").status_code == 404
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "bekeken")) is None


def test_provider_cannot_open_gemeente_case_pages(login_as, medewerker, eigen):
    client = login_as(medewerker)
    assert client.get(f"/inburgeraars/{eigen.inburgeraar_id}").status_code == 403
    assert client.get("/inburgeraars/").status_code == 403


def test_gemeente_roles_get_403(login_as, hoorn, eigen):
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    client = login_as(regisseur)
    assert client.get("/deelnemers/").status_code == 403
    assert client.get(f"/deelnemers/{eigen.id}").status_code == 403


def test_beheerder_sees_menu_entry_and_list(login_as, taalschool, eigen):
    beheerder = UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=taalschool)
    client = login_as(beheerder)
    assert 'href="/deelnemers/"' in client.get("/").text
    assert "Haddad" in client.get("/deelnemers/").text


def test_verwijzing_dates_show_in_dutch_format(login_as, medewerker, hoorn, taalschool):
    inburgeraar = InburgeraarFactory(gemeente=hoorn)
    verwijzing = VerwijzingFactory(
        inburgeraar=inburgeraar, contract=ContractFactory(aanbieder=taalschool, gemeenten=[hoorn]),
        beoogde_startdatum=date(2026, 3, 5), uiterste_einddatum=date(2027, 3, 5),
    )
    page = login_as(medewerker).get("/deelnemers/").text
    assert "05-03-2026" in page and "05-03-2027" in page
    assert f"/deelnemers/{verwijzing.id}" in page
