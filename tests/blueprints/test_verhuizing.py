"""The verhuizing as the klantregisseurs use it: the old gemeente loses the case page, keeps its dossier; the new
gemeente decides on open verwijzingen."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.models import AuditEvent, User, VerhuizingVerwijzing
from portal.models.enums import Onderdeel, Rol, VerwijzingStatus
from tests.factories import (
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    IntakeGegevensFactory,
    PipFactory,
    UserFactory,
    VerwijzingFactory,
)
from tests.helpers import csrf_token, post_form, without_csrf_tokens


def test_move_hands_the_case_over(app, db, login_as):
    hoorn, dalfsen = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Dalfsen")
    oud = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    nieuw = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[dalfsen])
    person = InburgeraarFactory(gemeente=hoorn, klantregisseur=oud)
    IntakeGegevensFactory(inburgeraar=person)
    PipFactory(inburgeraar=person)
    verwijzing = VerwijzingFactory(inburgeraar=person, contract=ContractFactory(gemeenten=[hoorn]),
                                   onderdeel=Onderdeel.B1_ROUTE)
    db.flush()
    datum = date.today() - timedelta(days=3)

    client = login_as(oud)
    case_url = f"/inburgeraars/{person.id}"
    assert client.get(case_url).status_code == 200
    response = post_form(client, f"/keten/inburgeraars/{person.id}/verhuizing",
                         {"naar_gemeente_id": str(dalfsen.id), "datum": datum.strftime("%d-%m-%Y")})
    assert response.status_code == 302
    dossier_url = response.headers["Location"]

    # The old gemeente keeps the dossier of its period; the case page is the same 404 as a case that does not exist.
    page = client.get(dossier_url)
    gone = client.get(case_url)
    missing = client.get("/inburgeraars/999999")
    assert gone.status_code == missing.status_code == 404
    assert without_csrf_tokens(gone.get_data(as_text=True)) == without_csrf_tokens(missing.get_data(as_text=True))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Overdrachtsdossier" in html and verwijzing.kenmerk in html
    assert "Besluit vastleggen" not in html and "Nog te besluiten" not in html
    assert client.get(dossier_url + ".json").get_json()["verhuizing"]["periode_tot"] == (
        datum - timedelta(days=1)).isoformat()

    # The new gemeente sees the case and decides on the open verwijzing.
    client = login_as(nieuw)
    assert client.get(case_url).status_code == 200
    html = client.get(dossier_url).get_data(as_text=True)
    assert "Besluit vastleggen" in html
    # No contract of this aanbieder covers Dalfsen: only ending the verwijzing is offered, and the page says why.
    assert 'value="beeindigd"' in html and 'value="voortgezet"' not in html and "Kies een contract" not in html
    assert "Voortzetten kan niet" in html
    bad = post_form(client, f"{dossier_url}/verwijzingen/{verwijzing.id}", {f"v{verwijzing.id}-besluit": "voortgezet"},
                    page_url=dossier_url)
    assert bad.status_code == 422
    assert "Besluit: Voortzetten kan niet" in bad.get_data(as_text=True)  # in the error summary, at the field
    done = post_form(client, f"{dossier_url}/verwijzingen/{verwijzing.id}", {f"v{verwijzing.id}-besluit": "beeindigd"},
                     page_url=dossier_url)
    assert done.status_code == 302
    db.refresh(verwijzing)
    assert verwijzing.status is VerwijzingStatus.INGETROKKEN
    assert "Beëindigd" in client.get(dossier_url).get_data(as_text=True)


def test_move_before_the_brp_inschrijving_is_refused(app, db, login_as):
    # A typo such as 01-01-1990 would hand the old gemeente's whole period (presence, costs, DUO hours) to the new one.
    hoorn, dalfsen = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Dalfsen")
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    inschrijving = date.today() - timedelta(days=100)
    person = InburgeraarFactory(gemeente=hoorn, klantregisseur=regisseur, datum_brp_inschrijving=inschrijving)
    db.flush()
    client = login_as(regisseur)
    url = f"/keten/inburgeraars/{person.id}/verhuizing"

    for datum in (date(1990, 1, 1), inschrijving):
        response = post_form(client, url, {"naar_gemeente_id": str(dalfsen.id), "datum": datum.strftime("%d-%m-%Y")})
        html = response.get_data(as_text=True)
        assert response.status_code != 302
        assert f"in de BRP ingeschreven op {inschrijving:%d-%m-%Y}" in html
        db.refresh(person)
        assert person.gemeente_id == hoorn.id

    day_after = inschrijving + timedelta(days=1)
    response = post_form(client, url, {"naar_gemeente_id": str(dalfsen.id), "datum": day_after.strftime("%d-%m-%Y")})
    assert response.status_code == 302


def test_with_a_covering_contract_the_new_gemeente_may_continue_under_it(app, db, login_as):
    hoorn, dalfsen = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Dalfsen")
    oud = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    person = InburgeraarFactory(gemeente=hoorn, klantregisseur=oud)
    verwijzing = VerwijzingFactory(inburgeraar=person, contract=ContractFactory(gemeenten=[hoorn]),
                                   onderdeel=Onderdeel.B1_ROUTE)
    regionaal = ContractFactory(aanbieder=verwijzing.aanbieder, gemeenten=[hoorn, dalfsen], naam="Regio")
    db.flush()
    response = post_form(login_as(oud), f"/keten/inburgeraars/{person.id}/verhuizing",
                         {"naar_gemeente_id": str(dalfsen.id),
                          "datum": (date.today() - timedelta(days=3)).strftime("%d-%m-%Y")})
    dossier_url = response.headers["Location"]

    client = login_as(UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[dalfsen]))
    html = client.get(dossier_url).get_data(as_text=True)
    assert 'value="beeindigd"' in html and 'value="voortgezet"' in html and "Voortzetten kan niet" not in html
    assert f'value="{regionaal.id}"' in html
    url = f"{dossier_url}/verwijzingen/{verwijzing.id}"
    bad = post_form(client, url, {f"v{verwijzing.id}-besluit": "voortgezet"}, page_url=dossier_url)
    assert bad.status_code == 422 and "Kies een contract van deze aanbieder" in bad.get_data(as_text=True)
    done = post_form(client, url, {f"v{verwijzing.id}-besluit": "voortgezet",
                                   f"v{verwijzing.id}-contract_id": str(regionaal.id)}, page_url=dossier_url)
    assert done.status_code == 302
    db.refresh(verwijzing)
    assert verwijzing.contract_id == regionaal.id


def _moved_with_two_open_verwijzingen(db, login_as):
    """A move to Dalfsen with two verwijzingen open; the new gemeente's klantregisseur on the dossier."""
    hoorn, dalfsen = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Dalfsen")
    oud = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    person = InburgeraarFactory(gemeente=hoorn, klantregisseur=oud)
    eerste = VerwijzingFactory(inburgeraar=person, contract=ContractFactory(gemeenten=[hoorn]),
                               onderdeel=Onderdeel.B1_ROUTE)
    tweede = VerwijzingFactory(inburgeraar=person, contract=ContractFactory(gemeenten=[hoorn]),
                               onderdeel=Onderdeel.MAP)
    db.flush()
    response = post_form(login_as(oud), f"/keten/inburgeraars/{person.id}/verhuizing",
                         {"naar_gemeente_id": str(dalfsen.id),
                          "datum": (date.today() - timedelta(days=3)).strftime("%d-%m-%Y")})
    return response.headers["Location"], eerste, tweede, dalfsen


def test_a_refused_decision_keeps_the_other_verwijzingen_forms_on_the_page(app, db, login_as):
    dossier_url, eerste, tweede, dalfsen = _moved_with_two_open_verwijzingen(db, login_as)
    client = login_as(UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[dalfsen]))

    bad = post_form(client, f"{dossier_url}/verwijzingen/{eerste.id}", {f"v{eerste.id}-besluit": "voortgezet"},
                    page_url=dossier_url)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Besluit: Voortzetten kan niet" in html  # the failed form with its error
    # The other open verwijzing can still be decided from this page, without a reload.
    assert f'action="{dossier_url}/verwijzingen/{tweede.id}"' in html
    assert f'name="v{tweede.id}-besluit"' in html
    assert html.count("Besluit vastleggen") == 2


def test_a_decision_from_a_stale_page_says_it_was_already_decided(app, db, login_as):
    # A colleague (or another tab) decided after this page was opened: the refusal must reach the user.
    from portal.services.chain import verhuizing as verhuizingen

    dossier_url, eerste, tweede, dalfsen = _moved_with_two_open_verwijzingen(db, login_as)
    collega = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[dalfsen])
    client = login_as(UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[dalfsen]))
    token = csrf_token(client.get(dossier_url).get_data(as_text=True))
    with app.app_context():
        regel = db.scalars(select(VerhuizingVerwijzing).where(VerhuizingVerwijzing.verwijzing_id == eerste.id)).one()
        verhuizingen.decide(db, collega, regel, verhuizingen.BesluitInput(besluit="beeindigd"))
    db.commit()

    late = client.post(f"{dossier_url}/verwijzingen/{eerste.id}",
                       data={"csrf_token": token, f"v{eerste.id}-besluit": "beeindigd"})
    assert late.status_code == 302 and late.headers["Location"].endswith(dossier_url)
    html = client.get(dossier_url).get_data(as_text=True)
    assert "Over deze verwijzing is al besloten." in html
    assert f'name="v{eerste.id}-besluit"' not in html and f'name="v{tweede.id}-besluit"' in html
    db.refresh(regel)
    assert regel.besloten_door_id == collega.id


def test_the_old_gemeente_may_see_the_dossier_but_not_decide_even_with_an_empty_form(app, db, login_as):
    # The old gemeente's klantregisseur sees the dossier; the decision is the new gemeente's, valid form or not.
    dossier_url, eerste, _tweede, _dalfsen = _moved_with_two_open_verwijzingen(db, login_as)
    oud = db.scalars(select(User).where(User.rol == Rol.KLANTREGISSEUR)).first()
    client = login_as(oud)
    assert client.get(dossier_url).status_code == 200
    leeg = post_form(client, f"{dossier_url}/verwijzingen/{eerste.id}", {}, page_url=dossier_url)
    html = leeg.get_data(as_text=True)
    assert '<th scope="col">Besluit</th>' not in html and f'name="v{eerste.id}-besluit"' not in html
    db.expire_all()
    regel = db.scalars(select(VerhuizingVerwijzing).where(VerhuizingVerwijzing.verwijzing_id == eerste.id)).one()
    assert regel.besluit is None


def test_the_page_that_shows_a_refused_decision_is_an_audited_read_of_the_dossier(app, db, login_as):
    dossier_url, eerste, _tweede, dalfsen = _moved_with_two_open_verwijzingen(db, login_as)
    nieuw = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[dalfsen])
    client = login_as(nieuw)
    token = csrf_token(client.get(dossier_url).get_data(as_text=True))
    before = db.scalar(select(func.max(AuditEvent.id))) or 0
    bad = client.post(f"{dossier_url}/verwijzingen/{eerste.id}",
                      data={"csrf_token": token, f"v{eerste.id}-besluit": "voortgezet"})
    assert bad.status_code == 422 and "Overdrachtsdossier" in bad.get_data(as_text=True)
    events = db.scalars(select(AuditEvent).where(AuditEvent.id > before,
                                                 AuditEvent.action == "overdrachtsdossier_bekeken")).all()
    assert [(e.actor_id, e.inburgeraar_id) for e in events] == [(nieuw.id, eerste.inburgeraar_id)]
