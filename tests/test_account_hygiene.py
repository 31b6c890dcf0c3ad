"""Account and header hygiene (OWASP ASVS 5.0 level 2): HSTS, password rules, changing your own password,
an absolute session lifetime, and downloads with one charset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.models import AuditEvent, User, UserSession
from portal.models.enums import Rol
from portal.security import one_charset
from portal.services import ValidationError, accounts
from portal.services.accounts import password_problem
from tests import factories
from tests.helpers import login_via_form, open_session, post_form

ACCOUNT = "/mijn-account/"
NIEUW = "zeven bruggen over de Amstel"


# --- headers ----------------------------------------------------------------------------------------

def test_hsts_of_at_least_a_year_whenever_cookies_are_secure(app: Flask, client: FlaskClient,
                                                             monkeypatch: pytest.MonkeyPatch):
    assert "Strict-Transport-Security" not in client.get("/gezond").headers  # plain HTTP on a laptop
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    for path in ("/gezond", "/inloggen/", "/bestaat-niet"):
        header = client.get(path, base_url="https://portal.example.nl").headers.get("Strict-Transport-Security", "")
        max_age = int(header.split("max-age=")[1].split(";")[0]) if "max-age=" in header else 0
        assert max_age >= 365 * 24 * 3600, (path, header)
        assert "includeSubDomains" in header


def test_csv_template_download_names_exactly_one_charset(login_as, db):
    aanbieder = factories.AanbiederFactory()
    user = factories.UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=aanbieder)
    response = login_as(user).get("/uploads/sjabloon/presentie.csv")
    assert response.status_code == 200
    content_type = response.headers["Content-Type"]
    assert content_type.lower().count("charset") == 1 and content_type == "text/csv; charset=utf-8"


@pytest.mark.parametrize(("given", "expected"), [
    ("text/csv; charset=utf-8; charset=utf-8", "text/csv; charset=utf-8"),
    ("text/html; charset=utf-8", "text/html; charset=utf-8"),
    ("application/json", "application/json"),
    ("text/csv;charset=utf-8;header=present;charset=latin-1", "text/csv; charset=utf-8; header=present"),
])
def test_one_charset(given: str, expected: str):
    assert one_charset(given) == expected


# --- password rules ---------------------------------------------------------------------------------

def test_the_common_password_list_is_a_real_one():
    common = accounts._common_passwords()
    assert len(common) >= 10_000
    assert {"123456", "password", "qwerty", "welkom01"} <= common


@pytest.mark.parametrize(("password", "fragment"), [
    ("kort", "minstens 12 tekens"),
    ("aaaaaaaaaaaa", "te makkelijk te raden"),
    ("abcdefghijkl", "te makkelijk te raden"),
    ("zxcvbnmasdfghjkl", "te makkelijk te raden"),
    ("qwertyuiop12", "lijsten van veelgebruikte of gelekte wachtwoorden"),
    ("Anna de Vries 1990", "uw naam niet bevatten"),
    ("password1234", "lijsten van veelgebruikte of gelekte wachtwoorden"),
    ("QWERTY123456", "lijsten van veelgebruikte of gelekte wachtwoorden"),
    ("Welkom2026!!", "veelgebruikt wachtwoord met cijfers of tekens"),
    ("!!Wachtwoord2026", "veelgebruikt wachtwoord met cijfers of tekens"),
    ("mijn adres is anna.devries@gemeente.nl", "e-mailadres niet bevatten"),
    ("ANNA.DEVRIES-zegt-hallo", "e-mailadres niet bevatten"),
    ("x" * 257, "hoogstens 256 tekens"),
])
def test_weak_passwords_are_refused_with_what_to_do(password: str, fragment: str):
    assert fragment in (password_problem(password, "anna.devries@gemeente.nl", "Anna de Vries") or "")


@pytest.mark.parametrize("password", [NIEUW, "een lang eerste wachtwoord", "Fietsen-langs-de-Vecht-2026"])
def test_long_uncommon_passwords_are_accepted(password: str):
    assert password_problem(password, "anna.devries@gemeente.nl", "Anna de Vries") is None


def test_admins_cannot_give_a_weak_password_either(app_ctx, db):
    gemeente = factories.GemeenteFactory()
    admin = factories.UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])
    target = factories.UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    with pytest.raises(ValidationError) as info:
        accounts.set_password(db, admin, target, "aaaaaaaaaaaa")
    assert "te makkelijk te raden" in info.value.errors["password"]
    data = accounts.UserData(naam="Nieuwe Collega", rol=Rol.KLANTREGISSEUR, email="nieuwe.collega@gemeente.nl",
                             password="nieuwe.collega@gemeente.nl!", gemeente_ids=[gemeente.id])
    with pytest.raises(ValidationError) as info:
        accounts.create_user(db, admin, data)
    assert "e-mailadres" in info.value.errors["password"]


# --- changing your own password ---------------------------------------------------------------------

def _open_sessions(db, user: User) -> list[UserSession]:
    return list(db.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                      UserSession.revoked_at.is_(None))))


def _change(client: FlaskClient, current: str, new: str, repeat: str | None = None):
    return post_form(client, ACCOUNT, {"current_password": current, "new_password": new,
                                       "new_password_repeat": new if repeat is None else repeat})


def test_changing_your_password_asks_the_current_one_and_ends_your_other_sessions(app: Flask, db):
    user = factories.UserFactory(rol=Rol.KLANTREGISSEUR, email="kees.regie@gemeente.nl")
    laptop, phone = app.test_client(), app.test_client()
    login_via_form(laptop, user.email, factories.PASSWORD, user.totp_secret)
    open_session(db, phone, user)  # logged in on a second device as well
    assert len(_open_sessions(db, user)) == 2

    page = laptop.get(ACCOUNT).get_data(as_text=True)
    assert "Wachtwoord wijzigen" in page and user.email in page
    response = _change(laptop, factories.PASSWORD, NIEUW)
    assert response.status_code == 302
    assert "Uw andere sessie is beëindigd" in laptop.get(response.headers["Location"]).get_data(as_text=True)

    assert laptop.get("/").status_code == 200  # this browser stays logged in
    assert phone.get("/").status_code == 302  # the other one is logged out
    assert len(_open_sessions(db, user)) == 1
    fresh = app.test_client()
    assert post_form(fresh, "/inloggen/", {"email": user.email, "password": factories.PASSWORD}).status_code == 422
    assert post_form(fresh, "/inloggen/", {"email": user.email, "password": NIEUW}).status_code == 302

    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "wachtwoord_gewijzigd",
                                                AuditEvent.actor_id == user.id)).one()
    assert event.result == "ok" and event.details == {"andere_sessies_beeindigd": 1}
    db.refresh(user)
    assert NIEUW not in str(event.details) and user.password_hash not in str(event.details)


def test_a_wrong_current_password_changes_nothing_and_counts_towards_the_lockout(login_as, db):
    user = factories.UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=factories.AanbiederFactory())
    old_hash = user.password_hash
    client = login_as(user)
    response = _change(client, "niet mijn wachtwoord", NIEUW)
    assert response.status_code == 422
    assert "Uw huidige wachtwoord klopt niet." in response.get_data(as_text=True)
    db.refresh(user)
    assert user.password_hash == old_hash and user.mislukte_pogingen == 1
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "wachtwoord_gewijzigd",
                                               AuditEvent.result == "mislukt")).one().actor_id == user.id


def test_guessing_the_current_password_locks_the_account_and_ends_the_session(app: Flask, login_as, db):
    user = factories.UserFactory(rol=Rol.KLANTREGISSEUR)
    client = login_as(user)
    for attempt in range(app.config["MAX_FAILED_LOGINS"]):
        response = _change(client, f"gok nummer {attempt}", NIEUW)
    assert response.status_code == 302 and response.headers["Location"].startswith("/inloggen/")
    assert client.get("/").status_code == 302
    assert _open_sessions(db, user) == []


@pytest.mark.parametrize(("new", "repeat", "message"), [
    ("aaaaaaaaaaaa", None, "te makkelijk te raden"),
    ("kort", None, "Kies een wachtwoord van minstens 12 tekens."),
    (NIEUW, "iets anders", "De twee nieuwe wachtwoorden zijn niet gelijk."),
    (factories.PASSWORD, None, "Kies een ander wachtwoord dan uw huidige."),
])
def test_the_new_password_must_meet_the_rules(login_as, db, new: str, repeat: str | None, message: str):
    user = factories.UserFactory(rol=Rol.KLANTREGISSEUR)
    old_hash = user.password_hash
    response = _change(login_as(user), factories.PASSWORD, new, repeat)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and "gevonden" in text  # in the error summary too
    db.refresh(user)
    assert user.password_hash == old_hash and user.mislukte_pogingen == 0


def test_the_account_page_is_in_the_menu_for_every_role(login_as, db):
    aanbieder = factories.AanbiederFactory()
    for rol in Rol:
        user = factories.UserFactory(rol=rol, aanbieder=aanbieder if rol.is_aanbieder else None)
        assert 'href="/mijn-account/"' in login_as(user).get("/").get_data(as_text=True), rol


# --- absolute session lifetime ----------------------------------------------------------------------

def _session_aged(db, client: FlaskClient, user: User, hours: float) -> None:
    now = datetime.now(UTC)
    db.execute(UserSession.__table__.update().where(UserSession.user_id == user.id).values(
        created_at=now - timedelta(hours=hours), last_seen_at=now - timedelta(minutes=1)))
    db.flush()


def test_an_active_session_still_ends_after_twelve_hours(login_as, db):
    user = factories.UserFactory(rol=Rol.KLANTREGISSEUR)
    client = login_as(user)
    _session_aged(db, client, user, 11.5)
    assert client.get("/").status_code == 200
    _session_aged(db, client, user, 12.5)
    response = client.get("/")
    assert response.status_code == 302 and "verlopen=1" in response.headers["Location"]
    assert _open_sessions(db, user) == []


def test_the_absolute_lifetime_is_configurable(app: Flask, login_as, db, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "SESSION_MAX_HOURS", 2)
    user = factories.UserFactory(rol=Rol.KLANTREGISSEUR)
    client = login_as(user)
    _session_aged(db, client, user, 3)
    assert client.get("/").status_code == 302
