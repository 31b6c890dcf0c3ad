"""Withdrawing the PIP in force: the klantregisseur's decision with date and reason, audited, and DUO's PIP DELETE
bericht in the outbox (validated against PIP.openapi.yml by the tests.duo_schema plugin) only when DUO had it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.formatting import datum_lang
from portal.models import AuditEvent, BerichtSoort, BerichtStatus, DuoBericht, PipIntrekking
from portal.models.enums import IndicatorAlfabetisering, Leerroute, NiveauPip, Onderdeel, Rol
from portal.services import NotAllowed, ValidationError, cases, dossier
from portal.services.chain import duo, pip_intrekking
from portal.services.chain.pip_intrekking import IntrekkingInput
from tests import duo_schema
from tests.factories import GemeenteFactory, InburgeraarFactory, PipFactory, UserFactory
from tests.helpers import post_form

TODAY = date.today()
DAGTEKENING = TODAY - timedelta(days=300)


@pytest.fixture
def world(db):
    hoorn = GemeenteFactory(naam="Hoorn", oin="00000001000000405000")
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    person = InburgeraarFactory(gemeente=hoorn, klantregisseur=regisseur, datum_kennisgeving=TODAY - timedelta(400))
    PipFactory(inburgeraar=person, dagtekening=DAGTEKENING, leerroute=Leerroute.B, niveau=NiveauPip.B1,
               indicator_alfabetisering=IndicatorAlfabetisering.NVT)
    db.flush()
    return hoorn, regisseur, person


def _datum(d: date) -> str:
    return d.strftime("%d-%m-%Y")


def _pip_berichten(db, person):
    return list(db.scalars(select(DuoBericht).where(DuoBericht.inburgeraar_id == person.id,
                                                    DuoBericht.soort == BerichtSoort.PIP).order_by(DuoBericht.id)))


def test_withdrawing_a_pip_duo_has_makes_the_delete_bericht(db, world):
    hoorn, regisseur, person = world
    post = next(b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.PIP)
    duo.exporteer(db, regisseur, hoorn, [post])  # sent to DUO
    row = pip_intrekking.intrekken(db, regisseur, person, IntrekkingInput(
        datum=_datum(TODAY - timedelta(days=2)), reden="Ten onrechte vastgesteld: geen inburgeringsplicht."),
        today=TODAY)
    assert (row.datum, row.pip.versie, row.ingetrokken_door_id) == (TODAY - timedelta(days=2), 1, regisseur.id)
    delete = _pip_berichten(db, person)[-1]
    assert (delete.methode, delete.pad, delete.body) == ("DELETE", f"/personen/{person.bsn}/PIP", None)
    assert (delete.bron_oin, delete.status) == (hoorn.oin, BerichtStatus.KLAAR)
    assert delete.bericht_id in duo_schema.VALIDATED and duo_schema.problems(delete) == []
    assert duo.bijwerken(db, hoorn).nieuw == []  # idempotent: the DELETE is the last value
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "pip_ingetrokken"))
    assert event.inburgeraar_id == person.id and event.details == {"versie": 1, "datum": row.datum.isoformat()}
    assert "onrechte" not in str(event.details)  # the reason stays out of the audit trail

    # A new PIP afterwards is a new POST to DUO.
    cases.record_pip(db, regisseur, person, cases.PipInput(
        dagtekening=_datum(TODAY - timedelta(days=1)), leerroute="B", niveau="B1", geschatte_intensiteit="1200",
        reden_wijziging="Opnieuw vastgesteld", indicator_alfabetisering="NVT"), today=TODAY)
    db.refresh(person)
    nieuw = [b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.PIP]
    assert [(b.methode, b.body["dagtekeningPip"]) for b in nieuw] == [("POST", (TODAY - timedelta(days=1)).isoformat())]


def test_a_pip_duo_never_got_is_withdrawn_without_a_delete(db, world):
    hoorn, regisseur, person = world
    post = next(b for b in duo.bijwerken(db, hoorn).nieuw if b.soort is BerichtSoort.PIP)
    pip_intrekking.intrekken(db, regisseur, person, IntrekkingInput(datum=_datum(TODAY), reden="Vergissing"),
                             today=TODAY)
    assert post.status is BerichtStatus.VERVANGEN  # the pending POST is not sent
    assert [b.methode for b in _pip_berichten(db, person)] == ["POST"]
    assert duo.bijwerken(db, hoorn).nieuw == []


def test_bad_input_and_wrong_actors_are_refused_with_what_to_fix(db, world):
    hoorn, regisseur, person = world
    with pytest.raises(ValidationError) as exc:
        pip_intrekking.intrekken(db, regisseur, person, IntrekkingInput(
            datum=_datum(TODAY + timedelta(days=1)), reden=" "), today=TODAY)
    assert set(exc.value.errors) == {"datum", "reden"} and "toekomst" in exc.value.errors["datum"]
    with pytest.raises(ValidationError) as exc:
        pip_intrekking.intrekken(db, regisseur, person, IntrekkingInput(
            datum=_datum(DAGTEKENING - timedelta(days=1)), reden="Vergissing"), today=TODAY)
    assert "vóór de dagtekening van het PIP" in exc.value.errors["datum"]
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[hoorn])
    with pytest.raises(NotAllowed):
        pip_intrekking.intrekken(db, beheerder, person, IntrekkingInput(datum=_datum(TODAY), reden="x"), today=TODAY)
    assert db.scalar(select(PipIntrekking)) is None

    pip_intrekking.intrekken(db, regisseur, person, IntrekkingInput(datum=_datum(TODAY), reden="Vergissing"),
                             today=TODAY)
    with pytest.raises(ValidationError) as exc:
        pip_intrekking.intrekken(db, regisseur, person, IntrekkingInput(datum=_datum(TODAY), reden="Nog eens"),
                                 today=TODAY)
    assert "al ingetrokken" in exc.value.errors["datum"]
    zonder_pip = InburgeraarFactory(gemeente=hoorn)
    with pytest.raises(ValidationError) as exc:
        pip_intrekking.intrekken(db, regisseur, zonder_pip, IntrekkingInput(datum=_datum(TODAY), reden="x"),
                                 today=TODAY)
    assert "geen PIP" in exc.value.errors["datum"]


def test_the_functioneel_beheerder_is_not_offered_the_withdrawal(db, world, login_as):
    hoorn, _, person = world
    client = login_as(UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[hoorn]))
    page = client.get(f"/inburgeraars/{person.id}").get_data(as_text=True)
    assert "PIP wijzigen" in page and f"/keten/inburgeraars/{person.id}/pip/intrekken" not in page
    assert client.get(f"/keten/inburgeraars/{person.id}/pip/intrekken").status_code == 403


def test_the_klantregisseur_withdraws_on_the_page(db, world, login_as):
    _, regisseur, person = world
    client = login_as(regisseur)
    page = client.get(f"/inburgeraars/{person.id}")
    assert f"/keten/inburgeraars/{person.id}/pip/intrekken" in page.get_data(as_text=True)
    form = client.get(f"/keten/inburgeraars/{person.id}/pip/intrekken")
    assert "PIP intrekken" in form.get_data(as_text=True)
    url = f"/keten/inburgeraars/{person.id}/pip/intrekken"
    bad = post_form(client, url, {"datum": "gisteren", "reden": ""})
    assert bad.status_code == 422 and db.scalar(select(PipIntrekking)) is None
    done = post_form(client, url, {"datum": _datum(TODAY), "reden": "Vergissing"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Versie 1 van het PIP is ingetrokken" in text and "ingetrokken per" in text
    assert db.scalar(select(PipIntrekking)).reden == "Vergissing"


def test_the_withdrawal_is_on_the_timeline_between_the_versions_and_no_pip_is_in_force_until_a_new_one(db, world):
    _, regisseur, person = world
    pip_intrekking.intrekken(db, regisseur, person, IntrekkingInput(
        datum=_datum(TODAY - timedelta(days=2)), reden="Ten onrechte vastgesteld"), today=TODAY)
    db.refresh(person)
    assert person.huidige_pip.versie == 1 and person.pip_van_kracht is None

    cases.record_pip(db, regisseur, person, cases.PipInput(
        dagtekening=_datum(TODAY - timedelta(days=1)), leerroute="B", niveau="B1", geschatte_intensiteit="1200",
        reden_wijziging="Opnieuw vastgesteld", indicator_alfabetisering="NVT"), today=TODAY)
    db.refresh(person)
    assert person.pip_van_kracht.versie == 2

    pip_events = [(e.moment, e.omschrijving) for e in dossier.read(db, regisseur, person, today=TODAY).gebeurtenissen
                  if e.soort == "PIP"]
    assert [moment for moment, _ in pip_events] == [TODAY - timedelta(days=1), TODAY - timedelta(days=2), DAGTEKENING]
    assert pip_events[0][1].startswith("PIP versie 2 vastgesteld")
    assert pip_events[1][1] == (f"PIP versie 1 ingetrokken per {_datum(TODAY - timedelta(days=2))}. "
                                "Reden: Ten onrechte vastgesteld")
    assert pip_events[2][1].startswith("PIP versie 1 vastgesteld")


def test_after_a_withdrawal_the_case_page_offers_a_new_pip_and_says_when_it_was_withdrawn(db, world, login_as):
    _, regisseur, person = world
    client = login_as(regisseur)
    voor = client.get(f"/inburgeraars/{person.id}").get_data(as_text=True)
    assert "PIP wijzigen" in voor and "geen PIP van kracht" not in voor
    url = f"/keten/inburgeraars/{person.id}/pip/intrekken"
    post_form(client, url, {"datum": _datum(TODAY), "reden": "Vergissing"})

    page = client.get(f"/inburgeraars/{person.id}").get_data(as_text=True)
    assert "PIP wijzigen" not in page and "PIP vastleggen" in page
    assert f"Het PIP is ingetrokken op {datum_lang(TODAY)}." in page and "Er is nu geen PIP van kracht" in page
    assert f"PIP versie 1 ingetrokken per {_datum(TODAY)}" in page  # the timeline
    assert url not in page.split("Het PIP is ingetrokken")[0]  # no "PIP intrekken" button any more
    formulier = client.get(f"/inburgeraars/{person.id}/pip/nieuw").get_data(as_text=True)
    assert "PIP vastleggen:" in formulier and "PIP wijzigen" not in formulier
    assert f"is ingetrokken op {datum_lang(TODAY)}" in formulier and "wordt versie 2" in formulier
    # What cases.record_pip checks after a withdrawal, said before the user types: the date, the leerroute window.
    assert f"met een dagtekening op of na {_datum(TODAY)}" in formulier
    assert "ook na de intrekking; daarna houdt het nieuwe PIP de leerroute B1-route" in formulier


def test_after_a_withdrawal_no_onderdeel_follows_from_the_withdrawn_leerroute(db, world):
    """cases.onderdeel_fout reads the PIP in force (Inburgeraar.pip_van_kracht): the withdrawn B1-route no longer
    makes a B1-route verwijzing fit; what needs no PIP still does."""
    _, regisseur, person = world
    assert cases.onderdeel_fout(person, Onderdeel.B1_ROUTE) is None
    pip_intrekking.intrekken(db, regisseur, person, IntrekkingInput(datum=_datum(TODAY), reden="Vergissing"),
                             today=TODAY)
    db.refresh(person)
    assert cases.onderdeel_fout(person, Onderdeel.B1_ROUTE).startswith("Stel eerst het PIP vast")
    assert Onderdeel.B1_ROUTE not in cases.passende_onderdelen(person)
    assert set(cases.passende_onderdelen(person)) <= cases.VOOR_PIP_TOEGESTAAN
    assert Onderdeel.PVT in cases.passende_onderdelen(person)


def test_after_a_withdrawal_the_verwijzing_form_names_no_leerroute_and_offers_what_needs_no_pip(db, world, login_as):
    """The verwijzing form's PIP line reads the PIP in force, like the onderdelen it offers (cases.onderdeel_fout):
    not the withdrawn version's "PIP: B1-route B1" above a choice of only MB and PVT."""
    _, regisseur, person = world
    pip_intrekking.intrekken(db, regisseur, person, IntrekkingInput(datum=_datum(TODAY), reden="Vergissing"),
                             today=TODAY)
    db.flush()
    html = login_as(regisseur).get(f"/inburgeraars/{person.id}/verwijzingen/nieuw").get_data(as_text=True)
    regel = html.split("<h1")[1].split("</p>")[0]
    assert "PIP: B1-route" not in regel and "B1-route" not in regel
    assert f"Geen PIP van kracht: het PIP is ingetrokken per {_datum(TODAY)}" in regel
    assert f'value="{Onderdeel.B1_ROUTE.value}"' not in html and f'value="{Onderdeel.PVT.value}"' in html
