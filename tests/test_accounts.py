"""Account and organisation management: who manages whom, which roles may be given, and what each change does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import Aanbieder, AuditEvent, Gemeente, User, UserSession
from portal.models.enums import AanbiederSoort, Rol
from portal.services import ValidationError, accounts
from tests import factories
from tests.factories import AanbiederFactory, GemeenteFactory, UserFactory
from tests.helpers import login_via_form, post_form, totp_code

NEW_PASSWORD = "een lang eerste wachtwoord"


@dataclass
class World:
    gemeente: Gemeente
    andere_gemeente: Gemeente
    fb: User
    klantregisseur: User
    klantregisseur_elders: User
    aanbieder: Aanbieder
    andere_aanbieder: Aanbieder
    ab: User
    medewerker: User
    medewerker_elders: User


@pytest.fixture
def world(db) -> World:
    gemeente, andere = GemeenteFactory(naam="Utrecht"), GemeenteFactory(naam="Zwolle")
    aanbieder, andere_aanbieder = AanbiederFactory(naam="Taalhuis"), AanbiederFactory(naam="Leerhuis")
    return World(
        gemeente=gemeente,
        andere_gemeente=andere,
        fb=UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente], naam="Fenna Beheer"),
        klantregisseur=UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente], naam="Kees Regie"),
        klantregisseur_elders=UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[andere], naam="Zoë Elders"),
        aanbieder=aanbieder,
        andere_aanbieder=andere_aanbieder,
        ab=UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=aanbieder, naam="Ad Beheer"),
        medewerker=UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=aanbieder, naam="Mia Docent"),
        medewerker_elders=UserFactory(
            rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=andere_aanbieder, naam="Lars Leerhuis"
        ),
    )


def _new_user_data(**overrides) -> dict:
    data = {
        "email": "Nieuwe.Collega@Utrecht.nl",
        "naam": "Nieuwe Collega",
        "rol": Rol.KLANTREGISSEUR.value,
        "aanbieder_id": "",
        "password": NEW_PASSWORD,
        "password_repeat": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def _open_sessions(db, user: User) -> list[UserSession]:
    return list(db.scalars(select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))))


def _events(db, object_type: str, object_id: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
    return list(db.scalars(query))


# --- who sees whom ----------------------------------------------------------------------------------

def test_functioneel_beheerder_lists_its_gemeente_users_and_the_aanbieder_users(login_as, world: World):
    # Neither aanbieder has a contract yet: a new organisation's accounts are set up by any functioneel beheerder.
    page = login_as(world.fb).get("/beheer/gebruikers").get_data(as_text=True)
    for name in ("Kees Regie", "Ad Beheer", "Mia Docent", "Lars Leerhuis", "Fenna Beheer"):
        assert name in page
    assert "Zoë Elders" not in page


def test_aanbieder_beheerder_lists_only_its_own_organisation(login_as, world: World):
    page = login_as(world.ab).get("/beheer/gebruikers").get_data(as_text=True)
    assert "Mia Docent" in page and "Ad Beheer" in page
    for name in ("Lars Leerhuis", "Kees Regie", "Fenna Beheer", "Zoë Elders"):
        assert name not in page


@pytest.mark.parametrize("target", ["medewerker_elders", "klantregisseur", "fb"])
def test_aanbieder_beheerder_cannot_open_or_change_other_accounts(login_as, world: World, db, target: str):
    other = getattr(world, target)
    client = login_as(world.ab)
    assert client.get(f"/beheer/gebruikers/{other.id}").status_code == 404
    own_page = f"/beheer/gebruikers/{world.medewerker.id}"  # a page with a valid CSRF token
    for action in ("deactiveren", "tweede-factor-resetten"):
        response = post_form(client, f"/beheer/gebruikers/{other.id}/{action}", page_url=own_page)
        assert response.status_code == 404
    response = post_form(client, f"/beheer/gebruikers/{other.id}", {"naam": "Gekaapt", "rol": other.rol.value},
                         page_url=own_page)
    assert response.status_code == 404
    db.refresh(other)
    assert other.actief and other.totp_bevestigd and other.naam != "Gekaapt"


def test_functioneel_beheerder_cannot_take_over_staff_of_an_aanbieder_working_only_for_other_gemeenten(
    login_as, world: World, db
):
    """Leerhuis works only for Zwolle, Taalhuis (also) for Utrecht: Utrecht's beheerder manages Taalhuis's staff, but
    Leerhuis's staff are as unknown to it as a user that does not exist (a new password or second factor set by
    Utrecht would open Zwolle's residents); it cannot create a Leerhuis account either."""
    from tests.factories import ContractFactory

    ContractFactory(aanbieder=world.andere_aanbieder, gemeenten=[world.andere_gemeente])
    ContractFactory(aanbieder=world.aanbieder, gemeenten=[world.gemeente, world.andere_gemeente])
    client = login_as(world.fb)
    page = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert "Mia Docent" in page and "Lars Leerhuis" not in page
    lars = world.medewerker_elders
    assert client.get(f"/beheer/gebruikers/{lars.id}").status_code == 404
    assert client.get(_password_page(lars)).status_code == 404
    own_page = f"/beheer/gebruikers/{world.medewerker.id}"  # a page with a valid CSRF token
    for action in ("tweede-factor-resetten", "deactiveren"):
        assert post_form(client, f"/beheer/gebruikers/{lars.id}/{action}", page_url=own_page).status_code == 404
    response = post_form(client, _password_page(lars), {"password": RESET_PASSWORD, "password_repeat": RESET_PASSWORD},
                         page_url=own_page)
    assert response.status_code == 404
    db.refresh(lars)
    assert lars.actief and lars.totp_bevestigd and lars.password_hash != ""

    form = client.get("/beheer/gebruikers/nieuw").get_data(as_text=True)
    assert "Taalhuis" in form and "Leerhuis" not in form
    data = _new_user_data(rol=Rol.AANBIEDER_MEDEWERKER.value, aanbieder_id=str(world.andere_aanbieder.id))
    assert post_form(client, "/beheer/gebruikers/nieuw", data).status_code != 302  # the form again, not saved
    assert db.scalar(select(User).where(User.email == "nieuwe.collega@utrecht.nl")) is None


def test_a_klantregisseur_who_also_works_elsewhere_is_not_taken_over_by_one_gemeentes_beheerder(
    login_as, world: World, db
):
    """Utrecht's beheerder may edit a klantregisseur of Utrecht and Zwolle, but a new password or second factor
    would give it Zwolle's residents: that, and activating a blocked account again, is for a beheerder of both
    gemeenten."""
    gedeeld = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[world.gemeente, world.andere_gemeente],
                          naam="Gerda Gedeeld")
    client = login_as(world.fb)
    page = client.get(f"/beheer/gebruikers/{gedeeld.id}").get_data(as_text=True)
    assert "Gerda Gedeeld" in page and "Nieuw wachtwoord instellen" not in page
    assert client.get(_password_page(gedeeld)).status_code == 403
    own_page = f"/beheer/gebruikers/{world.klantregisseur.id}"  # a page with a valid CSRF token
    response = post_form(client, f"/beheer/gebruikers/{gedeeld.id}/tweede-factor-resetten", page_url=own_page)
    assert response.status_code == 403
    response = post_form(client, _password_page(gedeeld), {"password": RESET_PASSWORD,
                                                           "password_repeat": RESET_PASSWORD}, page_url=own_page)
    assert response.status_code == 403
    db.refresh(gedeeld)
    assert gedeeld.totp_bevestigd and not _events(db, "user", gedeeld.id)
    # Blocking protects and opens nothing: any of its beheerders may; activating it again is for all of them.
    assert post_form(client, f"/beheer/gebruikers/{gedeeld.id}/deactiveren", page_url=own_page).status_code == 302
    assert post_form(client, f"/beheer/gebruikers/{gedeeld.id}/activeren", page_url=own_page).status_code == 403
    db.refresh(gedeeld)
    assert not gedeeld.actief

    beide = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[world.gemeente, world.andere_gemeente])
    client = login_as(beide)
    response = post_form(client, f"/beheer/gebruikers/{gedeeld.id}/tweede-factor-resetten", page_url=own_page)
    assert response.status_code == 302
    db.refresh(gedeeld)
    assert not gedeeld.totp_bevestigd


def test_functioneel_beheerder_cannot_open_users_of_other_gemeenten(login_as, world: World):
    assert login_as(world.fb).get(f"/beheer/gebruikers/{world.klantregisseur_elders.id}").status_code == 404


@pytest.mark.parametrize("rol", [Rol.KLANTREGISSEUR, Rol.CONTRACTMANAGER, Rol.AANBIEDER_MEDEWERKER])
def test_other_roles_cannot_manage_accounts(login_as, db, rol: Rol):
    aanbieder = AanbiederFactory() if rol.is_aanbieder else None
    user = UserFactory(rol=rol, aanbieder=aanbieder, gemeenten=[] if aanbieder else [GemeenteFactory()])
    client = login_as(user)
    assert client.get("/beheer/gebruikers").status_code == 403
    assert client.get("/beheer/organisaties").status_code == 403
    assert "/beheer/gebruikers" not in client.get("/").get_data(as_text=True)


def test_menu_shows_users_to_both_beheerders_and_organisaties_only_to_functioneel_beheerder(login_as, world: World):
    fb_page = login_as(world.fb).get("/").get_data(as_text=True)
    assert 'href="/beheer/gebruikers"' in fb_page and 'href="/beheer/organisaties"' in fb_page
    ab_page = login_as(world.ab).get("/").get_data(as_text=True)  # same client, now as the aanbieder-beheerder
    assert 'href="/beheer/gebruikers"' in ab_page and 'href="/beheer/organisaties"' not in ab_page


# --- creating accounts --------------------------------------------------------------------------------

def test_functioneel_beheerder_creates_a_gemeente_user_who_then_enrols(app: Flask, login_as, world: World, db):
    client = login_as(world.fb)
    response = post_form(
        client, "/beheer/gebruikers/nieuw", _new_user_data(gemeente_ids=[str(world.gemeente.id)])
    )
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "nieuwe.collega@utrecht.nl"))
    assert user is not None and user.rol is Rol.KLANTREGISSEUR and user.gemeente_ids == [world.gemeente.id]
    assert not user.totp_bevestigd and user.actief

    # The new colleague logs in with the initial password and is sent to set up the second factor.
    newcomer = app.test_client()
    response = post_form(newcomer, "/inloggen/", {"email": "nieuwe.collega@utrecht.nl", "password": NEW_PASSWORD})
    assert response.headers["Location"].endswith("/inloggen/tweede-factor/instellen")

    events = _events(db, "user", user.id)
    assert [e.action for e in events] == ["gebruiker_aangemaakt"]
    assert events[0].actor_id == world.fb.id
    assert "Nieuwe" not in str(events[0].details) and "utrecht.nl" not in str(events[0].details)


def test_functioneel_beheerder_creates_an_aanbieder_user(login_as, world: World, db):
    client = login_as(world.fb)
    data = _new_user_data(rol=Rol.AANBIEDER_BEHEERDER.value, aanbieder_id=str(world.andere_aanbieder.id))
    assert post_form(client, "/beheer/gebruikers/nieuw", data).status_code == 302
    user = db.scalar(select(User).where(User.email == "nieuwe.collega@utrecht.nl"))
    assert user.aanbieder_id == world.andere_aanbieder.id and user.gemeenten == []


def test_aanbieder_role_needs_an_aanbieder_and_gemeente_role_a_gemeente(login_as, world: World, db):
    client = login_as(world.fb)
    response = post_form(client, "/beheer/gebruikers/nieuw", _new_user_data(rol=Rol.AANBIEDER_MEDEWERKER.value))
    assert "Kies de aanbieder waar deze persoon werkt." in response.get_data(as_text=True)
    response = post_form(client, "/beheer/gebruikers/nieuw", _new_user_data())
    assert "Kies minstens één gemeente." in response.get_data(as_text=True)
    assert db.scalar(select(User).where(User.email == "nieuwe.collega@utrecht.nl")) is None


@pytest.mark.parametrize("rol", [Rol.KLANTREGISSEUR, Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER])
def test_aanbieder_beheerder_cannot_grant_gemeente_roles(login_as, world: World, db, rol: Rol):
    client = login_as(world.ab)
    page = client.get("/beheer/gebruikers/nieuw").get_data(as_text=True)
    assert f'value="{rol.value}"' not in page
    response = post_form(client, "/beheer/gebruikers/nieuw", _new_user_data(rol=rol.value))
    assert response.status_code == 422
    assert "Deze rol kunt u niet toekennen." in response.get_data(as_text=True)
    assert db.scalar(select(User).where(User.email == "nieuwe.collega@utrecht.nl")) is None


def test_aanbieder_beheerder_creates_users_only_in_its_own_organisation(login_as, world: World, db):
    client = login_as(world.ab)
    data = _new_user_data(rol=Rol.AANBIEDER_MEDEWERKER.value, aanbieder_id=str(world.andere_aanbieder.id))
    assert post_form(client, "/beheer/gebruikers/nieuw", data).status_code == 302
    user = db.scalar(select(User).where(User.email == "nieuwe.collega@utrecht.nl"))
    assert user.aanbieder_id == world.aanbieder.id


def test_aanbieder_beheerder_cannot_promote_to_a_gemeente_role(login_as, world: World, db):
    client = login_as(world.ab)
    response = post_form(
        client, f"/beheer/gebruikers/{world.medewerker.id}", {"naam": "Mia Docent", "rol": Rol.CONTRACTMANAGER.value}
    )
    assert "Deze rol kunt u niet toekennen." in response.get_data(as_text=True)
    db.refresh(world.medewerker)
    assert world.medewerker.rol is Rol.AANBIEDER_MEDEWERKER


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "kort", "password_repeat": "kort"}, "Kies een wachtwoord van minstens 12 tekens."),
        ({"password_repeat": "iets anders dan het wachtwoord"}, "De twee wachtwoorden zijn niet gelijk."),
        ({"email": "geen-adres"}, "Vul een geldig e-mailadres in"),
        ({"naam": "   "}, "Vul de naam in."),
    ],
)
def test_create_form_explains_what_to_fix(login_as, world: World, db, overrides: dict, message: str):
    client = login_as(world.fb)
    data = _new_user_data(gemeente_ids=[str(world.gemeente.id)], **overrides)
    response = post_form(client, "/beheer/gebruikers/nieuw", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(User).where(User.naam == "Nieuwe Collega")) is None


def test_e_mail_addresses_are_unique_whatever_the_case(login_as, world: World, db):
    client = login_as(world.fb)
    data = _new_user_data(email=world.klantregisseur.email.upper(), gemeente_ids=[str(world.gemeente.id)])
    response = post_form(client, "/beheer/gebruikers/nieuw", data)
    assert "Er bestaat al een account met dit e-mailadres." in response.get_data(as_text=True)


def test_functioneel_beheerder_cannot_put_users_in_gemeenten_it_does_not_manage(login_as, world: World, db):
    client = login_as(world.fb)
    data = _new_user_data(gemeente_ids=[str(world.andere_gemeente.id)])
    response = post_form(client, "/beheer/gebruikers/nieuw", data)
    assert "U kunt alleen gemeenten kiezen die u zelf beheert." in response.get_data(as_text=True)


# --- changing accounts ---------------------------------------------------------------------------------

def test_functioneel_beheerder_changes_name_role_and_gemeenten(login_as, world: World, db):
    tweede = GemeenteFactory(naam="Amersfoort")
    world.fb.gemeenten.append(tweede)
    # Kees also works for Zwolle, which another beheerder manages: that must survive the edit.
    world.klantregisseur.gemeenten.append(world.andere_gemeente)
    db.flush()
    client = login_as(world.fb)
    page = client.get(f"/beheer/gebruikers/{world.klantregisseur.id}").get_data(as_text=True)
    assert "Zwolle" in page  # shown, but not as a choice
    response = post_form(
        client,
        f"/beheer/gebruikers/{world.klantregisseur.id}",
        {"naam": "Kees de Regisseur", "rol": Rol.CONTRACTMANAGER.value, "gemeente_ids": [str(tweede.id)]},
    )
    assert response.status_code == 302
    db.refresh(world.klantregisseur)
    assert world.klantregisseur.naam == "Kees de Regisseur"
    assert world.klantregisseur.rol is Rol.CONTRACTMANAGER
    assert sorted(world.klantregisseur.gemeente_ids) == sorted([tweede.id, world.andere_gemeente.id])
    event = _events(db, "user", world.klantregisseur.id)[-1]
    assert event.action == "gebruiker_gewijzigd"
    assert set(event.details["velden"]) == {"naam", "rol", "gemeenten"}
    assert "Kees" not in str(event.details)


def test_accounts_cannot_switch_between_aanbieder_and_gemeente(app_ctx, db, world: World):
    data = accounts.UserData(naam="Mia Docent", rol=Rol.KLANTREGISSEUR, gemeente_ids=[world.gemeente.id])
    with pytest.raises(ValidationError) as exc:
        accounts.update_user(db, world.fb, world.medewerker, data)
    assert "rol" in exc.value.errors


def test_beheerder_cannot_change_its_own_role(app_ctx, db, world: World):
    data = accounts.UserData(naam=world.ab.naam, rol=Rol.AANBIEDER_MEDEWERKER)
    with pytest.raises(ValidationError) as exc:
        accounts.update_user(db, world.ab, world.ab, data)
    assert exc.value.errors["rol"].startswith("U kunt uw eigen rol niet wijzigen")


# --- deactivation and second factor -------------------------------------------------------------------

def test_deactivation_ends_the_users_sessions_and_blocks_login(app: Flask, login_as, world: World, db):
    target = app.test_client()
    login_via_form(target, world.medewerker.email, factories.PASSWORD, world.medewerker.totp_secret)
    assert target.get("/").status_code == 200

    admin = login_as(world.ab)
    page = f"/beheer/gebruikers/{world.medewerker.id}"
    assert post_form(admin, f"{page}/deactiveren", page_url=page).status_code == 302

    assert target.get("/").status_code == 302
    assert _open_sessions(db, world.medewerker) == []
    response = post_form(target, "/inloggen/", {"email": world.medewerker.email, "password": factories.PASSWORD})
    assert response.status_code == 422  # refused, with the generic message
    assert [e.action for e in _events(db, "user", world.medewerker.id)][-1] == "gebruiker_gedeactiveerd"

    post_form(admin, f"{page}/activeren", page_url=page)
    response = post_form(target, "/inloggen/", {"email": world.medewerker.email, "password": factories.PASSWORD})
    assert response.headers["Location"].endswith("/inloggen/tweede-factor")


def test_nobody_can_deactivate_themselves(login_as, world: World, db):
    client = login_as(world.fb)
    page = f"/beheer/gebruikers/{world.fb.id}"
    assert "Account deactiveren" not in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/deactiveren", page_url=page)
    assert response.status_code == 302
    message = "U kunt uw eigen account niet deactiveren."
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    db.refresh(world.fb)
    assert world.fb.actief
    assert client.get("/").status_code == 200


def test_reset_second_factor_ends_sessions_and_makes_the_user_enrol_again(app: Flask, login_as, world: World, db):
    old_secret = world.klantregisseur.totp_secret
    target = app.test_client()
    login_via_form(target, world.klantregisseur.email, factories.PASSWORD, old_secret)

    admin = login_as(world.fb)
    page = f"/beheer/gebruikers/{world.klantregisseur.id}"
    assert post_form(admin, f"{page}/tweede-factor-resetten", page_url=page).status_code == 302

    assert target.get("/").status_code == 302
    assert _open_sessions(db, world.klantregisseur) == []
    response = post_form(target, "/inloggen/", {"email": world.klantregisseur.email, "password": factories.PASSWORD})
    assert response.headers["Location"].endswith("/inloggen/tweede-factor/instellen")
    enrol_page = target.get("/inloggen/tweede-factor/instellen").get_data(as_text=True)
    new_secret = re.search(r'<span class="portal-secret">([A-Z2-7]+)</span>', enrol_page).group(1)
    assert new_secret != old_secret
    # The new app's first code works straight away.
    response = post_form(target, "/inloggen/tweede-factor/instellen", {"code": totp_code(new_secret)})
    assert response.status_code == 302
    assert target.get("/").status_code == 200
    assert "tweede_factor_gereset" in [e.action for e in _events(db, "user", world.klantregisseur.id)]


def test_account_actions_need_a_csrf_token(login_as, world: World, db):
    client = login_as(world.fb)
    assert client.post(f"/beheer/gebruikers/{world.klantregisseur.id}/deactiveren").status_code == 400
    db.refresh(world.klantregisseur)
    assert world.klantregisseur.actief


# --- new password -----------------------------------------------------------------------------------------

RESET_PASSWORD = "een nieuw en lang wachtwoord"


def _password_page(user: User) -> str:
    return f"/beheer/gebruikers/{user.id}/wachtwoord"


def test_aanbieder_beheerder_sets_a_new_password_which_ends_sessions_and_lifts_the_lockout(
    app: Flask, login_as, world: World, db
):
    target = app.test_client()
    login_via_form(target, world.medewerker.email, factories.PASSWORD, world.medewerker.totp_secret)
    assert target.get("/").status_code == 200
    world.medewerker.mislukte_pogingen = 5
    world.medewerker.geblokkeerd_tot = datetime.now(UTC) + timedelta(minutes=15)
    db.flush()

    admin = login_as(world.ab)
    assert "Nieuw wachtwoord instellen" in admin.get(f"/beheer/gebruikers/{world.medewerker.id}").get_data(as_text=True)
    response = post_form(admin, _password_page(world.medewerker),
                         {"password": RESET_PASSWORD, "password_repeat": RESET_PASSWORD})
    assert response.status_code == 302
    assert "Alle sessies van dit account zijn beëindigd" in admin.get(response.headers["Location"]).get_data(
        as_text=True)

    assert target.get("/").status_code == 302  # the user's cookie no longer opens anything
    assert _open_sessions(db, world.medewerker) == []
    db.refresh(world.medewerker)
    assert world.medewerker.mislukte_pogingen == 0 and world.medewerker.geblokkeerd_tot is None
    assert world.medewerker.password_hash.startswith("$argon2id$")
    response = post_form(target, "/inloggen/", {"email": world.medewerker.email, "password": factories.PASSWORD})
    assert response.status_code == 422  # the old password is refused
    response = post_form(target, "/inloggen/", {"email": world.medewerker.email, "password": RESET_PASSWORD})
    assert response.headers["Location"].endswith("/inloggen/tweede-factor")  # the new one is accepted

    event = [e for e in _events(db, "user", world.medewerker.id) if e.action == "wachtwoord_ingesteld"]
    assert len(event) == 1 and event[0].actor_id == world.ab.id
    logged = str(event[0].details)
    for secret in (RESET_PASSWORD, world.medewerker.password_hash, world.medewerker.email, world.medewerker.naam):
        assert secret not in logged


@pytest.mark.parametrize(("password", "repeat", "message"), [
    ("te kort", "te kort", "Kies een wachtwoord van minstens 12 tekens."),
    (RESET_PASSWORD, "iets anders dan dat", "De twee wachtwoorden zijn niet gelijk."),
    ("", "", "Kies een nieuw wachtwoord."),
])
def test_new_password_form_explains_what_to_fix(login_as, world: World, db, password, repeat, message):
    old_hash = world.klantregisseur.password_hash
    login_as(world.klantregisseur)  # an open session that must survive a refused reset
    client = login_as(world.fb)
    response = post_form(client, _password_page(world.klantregisseur),
                         {"password": password, "password_repeat": repeat})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "gevonden" in text and message in text
    db.refresh(world.klantregisseur)
    assert world.klantregisseur.password_hash == old_hash
    assert len(_open_sessions(db, world.klantregisseur)) == 1
    assert not [e for e in _events(db, "user", world.klantregisseur.id) if e.action == "wachtwoord_ingesteld"]


@pytest.mark.parametrize(("beheerder", "target"), [
    ("ab", "medewerker_elders"), ("ab", "klantregisseur"), ("fb", "klantregisseur_elders"),
])
def test_beheerder_cannot_set_the_password_of_an_account_outside_its_scope(
    login_as, world: World, db, beheerder: str, target: str
):
    other = getattr(world, target)
    old_hash = other.password_hash
    client = login_as(getattr(world, beheerder))
    assert client.get(_password_page(other)).status_code == 404
    own_page = f"/beheer/gebruikers/{getattr(world, beheerder).id}"  # a page with a valid CSRF token
    response = post_form(client, _password_page(other), {"password": RESET_PASSWORD,
                                                          "password_repeat": RESET_PASSWORD}, page_url=own_page)
    assert response.status_code == 404
    db.refresh(other)
    assert other.password_hash == old_hash


def test_setting_a_password_needs_a_csrf_token(login_as, world: World, db):
    old_hash = world.medewerker.password_hash
    response = login_as(world.ab).post(_password_page(world.medewerker),
                                       data={"password": RESET_PASSWORD, "password_repeat": RESET_PASSWORD})
    assert response.status_code in (200, 400)
    db.refresh(world.medewerker)
    assert world.medewerker.password_hash == old_hash


# --- user list: search and pagination ---------------------------------------------------------------------

def test_user_list_is_paginated_with_real_links(login_as, world: World, db):
    for n in range(30):
        UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=world.aanbieder, naam=f"Docent {n:02d}")
    client = login_as(world.ab)  # manages 32 accounts: Ad Beheer, Mia Docent and the 30 docenten
    first = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert "32 accounts gevonden" in first and "pagina 1 van 2" in first
    assert len(re.findall(r'href="/beheer/gebruikers/\d+"', first)) == 25
    assert 'href="/beheer/gebruikers?pagina=2"' in first and f'href="/beheer/gebruikers/{world.ab.id}"' in first
    second = client.get("/beheer/gebruikers?pagina=2").get_data(as_text=True)
    assert len(re.findall(r'href="/beheer/gebruikers/\d+"', second)) == 7
    assert "Mia Docent" in second and "Docent 29" in second and "Docent 29" not in first
    assert 'href="/beheer/gebruikers" rel="prev"' in second
    assert "Lars Leerhuis" not in first + second


def test_user_list_searches_name_and_e_mail_within_scope(login_as, world: World, db):
    client = login_as(world.fb)
    text = client.get("/beheer/gebruikers", query_string={"q": "docent"}).get_data(as_text=True)
    assert "1 account gevonden" in text and "Mia Docent" in text and "Ad Beheer" not in text
    text = client.get("/beheer/gebruikers", query_string={"q": world.klantregisseur.email.upper()}).get_data(
        as_text=True)
    assert "Kees Regie" in text and "Mia Docent" not in text
    text = client.get("/beheer/gebruikers", query_string={"q": "Elders"}).get_data(as_text=True)
    assert "Zoë Elders" not in text and "Geen accounts gevonden" in text  # out of scope stays out of sight
    text = client.get("/beheer/gebruikers", query_string={"q": "%"}).get_data(as_text=True)
    assert "Geen accounts gevonden" in text  # wildcards are searched literally


def test_search_is_kept_in_the_page_links(login_as, world: World, db):
    for n in range(27):
        UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=world.aanbieder, naam=f"Docent {n:02d}")
    text = login_as(world.ab).get("/beheer/gebruikers?q=docent").get_data(as_text=True)
    assert "28 accounts gevonden" in text
    assert 'href="/beheer/gebruikers?q=docent&amp;pagina=2"' in text
    fragment = login_as(world.ab).get("/beheer/gebruikers?q=mia", headers={"HX-Request": "true"}).get_data(
        as_text=True)  # typing in the search box swaps only the results
    assert "<html" not in fragment and "1 account gevonden" in fragment and "Mia Docent" in fragment


# --- organisations ---------------------------------------------------------------------------------------

def test_functioneel_beheerder_adds_a_gemeente_and_can_then_place_users_in_it(login_as, world: World, db):
    client = login_as(world.fb)
    response = post_form(client, "/beheer/organisaties/gemeenten/nieuw", {"cbs_code": "GM0307", "naam": "Amersfoort"})
    assert response.status_code == 302
    gemeente = db.scalar(select(Gemeente).where(Gemeente.cbs_code == "0307"))
    assert gemeente is not None and gemeente.naam == "Amersfoort"
    assert "Amersfoort" in client.get("/beheer/organisaties").get_data(as_text=True)
    data = _new_user_data(gemeente_ids=[str(gemeente.id)])
    assert post_form(client, "/beheer/gebruikers/nieuw", data).status_code == 302
    event = _events(db, "gemeente", gemeente.id)[0]
    assert event.action == "gemeente_aangemaakt" and event.actor_id == world.fb.id


@pytest.mark.parametrize(
    ("cbs_code", "message"),
    [("344", "vier cijfers"), ("03445", "vier cijfers"), ("abcd", "vier cijfers"), (None, "al een gemeente")],
)
def test_cbs_code_must_be_four_digits_and_unique(login_as, world: World, cbs_code, message: str):
    client = login_as(world.fb)
    code = world.andere_gemeente.cbs_code if cbs_code is None else cbs_code
    response = post_form(client, "/beheer/organisaties/gemeenten/nieuw", {"cbs_code": code, "naam": "Nieuw"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_functioneel_beheerder_edits_only_its_own_gemeenten(login_as, world: World, db):
    client = login_as(world.fb)
    assert client.get(f"/beheer/organisaties/gemeenten/{world.andere_gemeente.id}").status_code == 404
    url = f"/beheer/organisaties/gemeenten/{world.gemeente.id}"
    assert post_form(client, url, {"cbs_code": world.gemeente.cbs_code, "naam": "Utrecht (stad)"}).status_code == 302
    db.refresh(world.gemeente)
    assert world.gemeente.naam == "Utrecht (stad)"
    assert _events(db, "gemeente", world.gemeente.id)[-1].action == "gemeente_gewijzigd"


def test_functioneel_beheerder_adds_and_changes_an_aanbieder(login_as, world: World, db):
    client = login_as(world.fb)
    data = {"kvk_nummer": "1234 5678", "naam": "Taal Direct", "soort": AanbiederSoort.MAP_PVT.value, "actief": "y"}
    assert post_form(client, "/beheer/organisaties/aanbieders/nieuw", data).status_code == 302
    aanbieder = db.scalar(select(Aanbieder).where(Aanbieder.kvk_nummer == "12345678"))
    assert aanbieder.soort is AanbiederSoort.MAP_PVT and aanbieder.actief

    url = f"/beheer/organisaties/aanbieders/{aanbieder.id}"
    assert f'<option selected value="{AanbiederSoort.MAP_PVT.value}">' in client.get(url).get_data(as_text=True)
    data = {"kvk_nummer": "12345678", "naam": "Taal Direct BV", "soort": AanbiederSoort.TAAL.value}  # actief unticked
    assert post_form(client, url, data).status_code == 302
    db.refresh(aanbieder)
    assert aanbieder.naam == "Taal Direct BV" and aanbieder.soort is AanbiederSoort.TAAL and not aanbieder.actief
    assert [e.action for e in _events(db, "aanbieder", aanbieder.id)] == ["aanbieder_aangemaakt", "aanbieder_gewijzigd"]


@pytest.mark.parametrize(
    ("kvk", "soort", "message"),
    [
        ("1234567", "taal", "acht cijfers"),
        ("1234567A", "taal", "acht cijfers"),
        (None, "taal", "al een aanbieder"),
        ("87654321", "", "Kies de soort aanbieder."),
        ("87654321", "onbekend", "Kies de soort aanbieder."),
    ],
)
def test_aanbieder_needs_a_valid_unique_kvk_number_and_a_soort(login_as, world: World, db, kvk, soort, message):
    client = login_as(world.fb)
    kvk = world.aanbieder.kvk_nummer if kvk is None else kvk
    data = {"kvk_nummer": kvk, "naam": "Nieuw", "soort": soort}
    response = post_form(client, "/beheer/organisaties/aanbieders/nieuw", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(Aanbieder).where(Aanbieder.naam == "Nieuw")) is None


def test_assignable_roles_per_beheerder(world: World):
    assert set(accounts.assignable_roles(world.fb)) == set(Rol)
    assert set(accounts.assignable_roles(world.ab)) == {Rol.AANBIEDER_MEDEWERKER, Rol.AANBIEDER_BEHEERDER}
    assert accounts.assignable_roles(world.klantregisseur) == ()
