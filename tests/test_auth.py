"""Login through the real forms: password, mandatory TOTP, enrolment, replay, lockout, logout, rotation, idle."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.models import AuditEvent, User, UserSession
from portal.models.enums import Rol
from tests import factories
from tests.factories import UserFactory
from tests.helpers import csrf_token, login_via_form, post_form, totp_code

START = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)  # 10 s into a 30 s TOTP step
COOKIE = "portal_session"


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _session_data(app: Flask, cookie_value: str) -> dict:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return serializer.loads(cookie_value)


def _password_step(client: FlaskClient, email: str, password: str = factories.PASSWORD):
    return post_form(client, "/inloggen/", {"email": email, "password": password})


def _error_text(response) -> str:
    html = response.get_data(as_text=True)
    match = re.search(r'class="portal-field__error[^"]*" id="password-error">([^<]*)<', html)
    assert match, "no password error on the page"
    return match.group(1)


def _logged_in(client: FlaskClient) -> bool:
    response = client.get("/")
    return response.status_code == 200


# --- the happy path -------------------------------------------------------------------------------

def test_password_and_totp_code_log_the_user_in(client: FlaskClient, db):
    user = UserFactory(email="kr@gemeente.nl", naam="Karin Regie")
    assert not _logged_in(client)

    login_via_form(client, "kr@gemeente.nl", factories.PASSWORD, user.totp_secret)

    response = client.get("/")
    assert response.status_code == 200
    assert "Karin Regie" in response.get_data(as_text=True)
    assert db.scalar(select(UserSession).where(UserSession.user_id == user.id)) is not None


def test_email_is_matched_case_insensitively(client: FlaskClient, db):
    user = UserFactory(email="hoofdletters@gemeente.nl")
    login_via_form(client, "  HoofdLetters@Gemeente.NL ", factories.PASSWORD, user.totp_secret)
    assert _logged_in(client)


def test_password_alone_does_not_open_the_portal(client: FlaskClient, db):
    UserFactory(email="half@gemeente.nl")
    response = _password_step(client, "half@gemeente.nl")
    assert response.headers["Location"].endswith("/inloggen/tweede-factor")
    assert not _logged_in(client)


def test_wrong_totp_code_is_refused(client: FlaskClient, db):
    user = UserFactory(email="fout@gemeente.nl")
    _password_step(client, "fout@gemeente.nl")
    wrong = f"{(int(totp_code(user.totp_secret)) + 1) % 1_000_000:06d}"
    response = post_form(client, "/inloggen/tweede-factor", {"code": wrong})
    assert response.status_code == 422
    assert "Deze code klopt niet" in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_non_ascii_digits_are_refused_without_an_error_page(client: FlaskClient, db):
    UserFactory(email="arabisch@gemeente.nl")
    _password_step(client, "arabisch@gemeente.nl")
    response = post_form(client, "/inloggen/tweede-factor", {"code": "١٢٣٤٥٦"})
    assert response.status_code == 422
    assert "zes cijfers" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "/%09/evil.example", "https://evil.example/", "/\\evil.example"]
)
def test_next_only_follows_local_paths(client: FlaskClient, db, target: str):
    user = UserFactory(email="next@gemeente.nl")
    post_form(client, f"/inloggen/?next={target}", {"email": "next@gemeente.nl", "password": factories.PASSWORD})
    response = post_form(client, "/inloggen/tweede-factor", {"code": totp_code(user.totp_secret)})
    assert response.headers["Location"] == "/"


# --- enrolment ------------------------------------------------------------------------------------

def test_first_login_enrols_the_second_factor_by_qr_code_and_typed_secret(client: FlaskClient, db):
    user = UserFactory(email="nieuw@gemeente.nl", totp_secret=None, totp_bevestigd=False)

    response = _password_step(client, "nieuw@gemeente.nl")
    assert response.headers["Location"].endswith("/inloggen/tweede-factor/instellen")
    # The normal code page is not a way around enrolment.
    assert client.get("/inloggen/tweede-factor").headers["Location"].endswith("/inloggen/")

    page = client.get("/inloggen/tweede-factor/instellen").get_data(as_text=True)
    assert "<svg" in page  # the QR code
    secret = re.search(r'<span class="portal-secret">([A-Z2-7]+)</span>', page).group(1)
    db.refresh(user)
    assert secret == user.totp_secret

    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    response = client.post(
        "/inloggen/tweede-factor/instellen", data={"csrf_token": csrf_token(page), "code": wrong}
    )
    assert response.status_code == 422
    db.refresh(user)
    assert not user.totp_bevestigd

    response = post_form(client, "/inloggen/tweede-factor/instellen", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert _logged_in(client)
    db.refresh(user)
    assert user.totp_bevestigd


def test_enrolled_user_is_never_shown_the_secret_again(client: FlaskClient, db):
    user = UserFactory(email="klaar@gemeente.nl")
    _password_step(client, "klaar@gemeente.nl")
    response = client.get("/inloggen/tweede-factor/instellen")
    assert response.status_code == 302
    assert user.totp_secret not in client.get("/inloggen/tweede-factor").get_data(as_text=True)


def test_enrolment_page_needs_the_password_step(client: FlaskClient, db):
    response = client.get("/inloggen/tweede-factor/instellen")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inloggen/")


# --- replay -----------------------------------------------------------------------------------------

def test_a_code_works_only_once_even_within_its_30_seconds(client: FlaskClient, app: Flask, db):
    user = UserFactory(email="replay@gemeente.nl")
    with time_machine.travel(START, tick=False) as traveller:
        code = totp_code(user.totp_secret)
        login_via_form(client, "replay@gemeente.nl", factories.PASSWORD, user.totp_secret)
        post_form(client, "/inloggen/uitloggen", page_url="/")

        _password_step(client, "replay@gemeente.nl")
        response = post_form(client, "/inloggen/tweede-factor", {"code": code})
        assert response.status_code == 422
        assert "al gebruikt" in response.get_data(as_text=True)
        assert not _logged_in(client)

        # A second client replaying the code is refused too.
        other = app.test_client()
        _password_step(other, "replay@gemeente.nl")
        assert post_form(other, "/inloggen/tweede-factor", {"code": code}).status_code == 422

        traveller.shift(timedelta(seconds=30))  # the next code works
        _password_step(client, "replay@gemeente.nl")
        response = post_form(client, "/inloggen/tweede-factor", {"code": totp_code(user.totp_secret)})
        assert response.status_code == 302
        assert _logged_in(client)


def test_an_older_code_is_refused_after_a_newer_one_was_used(client: FlaskClient, db):
    user = UserFactory(email="ouder@gemeente.nl")
    totp = pyotp.TOTP(user.totp_secret)
    with time_machine.travel(START, tick=False):
        previous = totp.at(START - timedelta(seconds=30))  # still accepted as clock drift on its own
        login_via_form(client, "ouder@gemeente.nl", factories.PASSWORD, user.totp_secret)
        post_form(client, "/inloggen/uitloggen", page_url="/")
        _password_step(client, "ouder@gemeente.nl")
        assert post_form(client, "/inloggen/tweede-factor", {"code": previous}).status_code == 422
        assert not _logged_in(client)


# --- lockout ----------------------------------------------------------------------------------------

def test_repeated_wrong_passwords_lock_the_account(client: FlaskClient, app: Flask, db):
    user = UserFactory(email="slot@gemeente.nl")
    max_failed, minutes = app.config["MAX_FAILED_LOGINS"], app.config["LOCKOUT_MINUTES"]
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(max_failed):
            assert _password_step(client, "slot@gemeente.nl", "verkeerd wachtwoord").status_code == 422

        locked = _password_step(client, "slot@gemeente.nl")  # the right password, but locked
        assert locked.status_code == 422
        assert not _logged_in(client)

        traveller.shift(timedelta(minutes=minutes, seconds=1))
        login_via_form(client, "slot@gemeente.nl", factories.PASSWORD, user.totp_secret)
        assert _logged_in(client)
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))).all()
    assert "account_geblokkeerd" in actions


def test_lockout_message_does_not_reveal_whether_the_account_exists(client: FlaskClient, app: Flask, db):
    UserFactory(email="bestaat@gemeente.nl")
    for _ in range(app.config["MAX_FAILED_LOGINS"]):
        _password_step(client, "bestaat@gemeente.nl", "verkeerd wachtwoord")

    wrong_password = _error_text(_password_step(client, "bestaat@gemeente.nl", "x"))
    locked_right_password = _error_text(_password_step(client, "bestaat@gemeente.nl"))
    unknown = _error_text(_password_step(client, "bestaat-niet@gemeente.nl"))
    assert wrong_password == locked_right_password == unknown


def test_inactive_account_gets_the_same_message(client: FlaskClient, db):
    UserFactory(email="inactief@gemeente.nl", actief=False)
    inactive = _error_text(_password_step(client, "inactief@gemeente.nl"))
    unknown = _error_text(_password_step(client, "onbekend@gemeente.nl"))
    assert inactive == unknown


def test_wrong_codes_count_towards_the_lockout(client: FlaskClient, app: Flask, db):
    user = UserFactory(email="codes@gemeente.nl")
    wrong = f"{(int(totp_code(user.totp_secret)) + 500_000) % 1_000_000:06d}"
    _password_step(client, "codes@gemeente.nl")
    for _ in range(app.config["MAX_FAILED_LOGINS"] - 1):
        assert post_form(client, "/inloggen/tweede-factor", {"code": wrong}).status_code == 422
    response = post_form(client, "/inloggen/tweede-factor", {"code": wrong})
    assert response.headers["Location"].endswith("/inloggen/")  # locked: back to the start

    # Even the right password and a valid code do not get in while locked.
    assert _password_step(client, "codes@gemeente.nl").status_code == 422
    db.refresh(user)
    assert user.geblokkeerd_tot is not None
    assert not _logged_in(client)


# --- logout and deactivation ------------------------------------------------------------------------

def test_logout_ends_every_session_and_captured_cookies_stop_working(app: Flask, db):
    user = UserFactory(email="overal@gemeente.nl", rol=Rol.CONTRACTMANAGER)
    laptop, phone = app.test_client(), app.test_client()
    with time_machine.travel(START, tick=False) as traveller:
        login_via_form(laptop, "overal@gemeente.nl", factories.PASSWORD, user.totp_secret)
        traveller.shift(timedelta(seconds=30))  # a fresh code for the second device
        login_via_form(phone, "overal@gemeente.nl", factories.PASSWORD, user.totp_secret)
        captured = _cookie(laptop)
        assert _logged_in(laptop) and _logged_in(phone)

        response = post_form(phone, "/inloggen/uitloggen", page_url="/")
        assert response.headers["Location"].endswith("/inloggen/")

        assert not _logged_in(laptop)
        attacker = app.test_client()
        attacker.set_cookie(COOKIE, captured)
        response = attacker.get("/")
        assert response.status_code == 302
        assert "/inloggen/" in response.headers["Location"]
    open_sessions = db.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    ).all()
    assert open_sessions == []


def test_a_cookie_copied_before_own_logout_no_longer_works(app: Flask, client: FlaskClient, db):
    user = UserFactory(email="kopie@gemeente.nl")
    login_via_form(client, "kopie@gemeente.nl", factories.PASSWORD, user.totp_secret)
    captured = _cookie(client)
    post_form(client, "/inloggen/uitloggen", page_url="/")

    replay = app.test_client()
    replay.set_cookie(COOKIE, captured)
    assert replay.get("/").status_code == 302


def test_logout_needs_a_post_with_csrf_token(client: FlaskClient, db):
    user = UserFactory(email="csrf@gemeente.nl")
    login_via_form(client, "csrf@gemeente.nl", factories.PASSWORD, user.totp_secret)
    assert client.get("/inloggen/uitloggen").status_code == 405
    assert client.post("/inloggen/uitloggen").status_code == 400
    assert _logged_in(client)


def test_deactivated_user_is_logged_out_at_the_next_request(client: FlaskClient, db):
    user = UserFactory(email="weg@gemeente.nl")
    login_via_form(client, "weg@gemeente.nl", factories.PASSWORD, user.totp_secret)
    user.actief = False
    db.flush()
    response = client.get("/")
    assert response.status_code == 302
    assert "verlopen=1" in response.headers["Location"]


# --- session rotation -------------------------------------------------------------------------------

def test_session_is_rotated_at_login(app: Flask, client: FlaskClient, db):
    user = UserFactory(email="rotatie@gemeente.nl")
    client.get("/inloggen/")
    before_login = _cookie(client)
    assert "csrf_token" in _session_data(app, before_login)

    _password_step(client, "rotatie@gemeente.nl")
    pending = _cookie(client)
    assert "pending_user" in _session_data(app, pending)

    post_form(client, "/inloggen/tweede-factor", {"code": totp_code(user.totp_secret)})
    after_login = _cookie(client)
    data = _session_data(app, after_login)
    assert after_login not in (before_login, pending)
    assert not {"pending_user", "next", "csrf_token"} & data.keys()
    assert db.get(UserSession, data["sid"]).user_id == user.id

    # The cookies from before login do not give access.
    for old in (before_login, pending):
        other = app.test_client()
        other.set_cookie(COOKIE, old)
        assert other.get("/").status_code == 302


def test_each_login_gets_a_new_session_id(app: Flask, client: FlaskClient, db):
    user = UserFactory(email="tweemaal@gemeente.nl")
    with time_machine.travel(START, tick=False) as traveller:
        login_via_form(client, "tweemaal@gemeente.nl", factories.PASSWORD, user.totp_secret)
        first = _session_data(app, _cookie(client))["sid"]
        post_form(client, "/inloggen/uitloggen", page_url="/")
        traveller.shift(timedelta(seconds=30))
        login_via_form(client, "tweemaal@gemeente.nl", factories.PASSWORD, user.totp_secret)
        second = _session_data(app, _cookie(client))["sid"]
    assert first != second


# --- idle timeout -----------------------------------------------------------------------------------

def test_idle_session_is_logged_out(app: Flask, client: FlaskClient, db):
    user = UserFactory(email="idle@gemeente.nl")
    idle = app.config["IDLE_TIMEOUT_MINUTES"]
    with time_machine.travel(START, tick=False) as traveller:
        login_via_form(client, "idle@gemeente.nl", factories.PASSWORD, user.totp_secret)
        sid = _session_data(app, _cookie(client))["sid"]

        # Activity keeps the session alive past the timeout counted from login.
        traveller.shift(timedelta(minutes=idle - 5))
        assert _logged_in(client)
        traveller.shift(timedelta(minutes=idle - 5))
        assert _logged_in(client)

        traveller.shift(timedelta(minutes=idle, seconds=1))
        response = client.get("/")
        assert response.status_code == 302
        assert "verlopen=1" in response.headers["Location"]
        assert "Uw sessie is beëindigd" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.expire_all()
    assert db.get(UserSession, sid).revoked_at is not None


def test_background_polling_does_not_keep_an_idle_session_alive(app: Flask, client: FlaskClient, db):
    user = UserFactory(email="poll@gemeente.nl")
    idle = app.config["IDLE_TIMEOUT_MINUTES"]
    with time_machine.travel(START, tick=False) as traveller:
        login_via_form(client, "poll@gemeente.nl", factories.PASSWORD, user.totp_secret)
        for _ in range(idle // 5):  # an open tab polls the unread-meldingen badge all the time
            traveller.shift(timedelta(minutes=5))
            poll = client.get("/meldingen/aantal", headers={"HX-Request": "true", "X-Portal-Poll": "1"})
            assert poll.status_code in (200, 204)
        traveller.shift(timedelta(minutes=1))
        response = client.get("/")
    assert response.status_code == 302
    assert "verlopen=1" in response.headers["Location"]


def test_expired_session_sends_htmx_requests_to_the_login_page(app: Flask, client: FlaskClient, db):
    user = UserFactory(email="htmx@gemeente.nl")
    with time_machine.travel(START, tick=False) as traveller:
        login_via_form(client, "htmx@gemeente.nl", factories.PASSWORD, user.totp_secret)
        traveller.shift(timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
        response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert "/inloggen/" in response.headers["HX-Redirect"]


def test_the_page_after_a_background_request_noticed_the_end_still_says_why(app: Flask, client: FlaskClient, db):
    user = UserFactory(email="badge@gemeente.nl")
    with time_machine.travel(START, tick=False) as traveller:
        login_via_form(client, "badge@gemeente.nl", factories.PASSWORD, user.totp_secret)
        traveller.shift(timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
        # The header badge's poll is the first request after the end: it gets the htmx redirect ...
        poll = client.get("/meldingen/aantal", headers={"HX-Request": "true", "X-Portal-Poll": "1"})
        assert poll.status_code == 204 and "/inloggen/" in poll.headers["HX-Redirect"]
        # ... and the page the user opens next (not the poll's redirect target) says why, once.
        response = client.get("/regie/")
        assert response.status_code == 302 and "verlopen" not in response.headers["Location"]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("Uw sessie is beëindigd. Log opnieuw in.") == 1
    assert "Log in om deze pagina te bekijken" not in page
    # Said once: the login page after that is plain again.
    assert "Uw sessie is beëindigd" not in client.get("/inloggen/").get_data(as_text=True)


@pytest.mark.parametrize("field", ["email", "password"])
def test_login_form_requires_both_fields(client: FlaskClient, db, field: str):
    data = {"email": "iemand@gemeente.nl", "password": "geheim"}
    data[field] = ""
    response = post_form(client, "/inloggen/", data)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_audit_records_login_and_logout_without_personal_data(client: FlaskClient, db):
    user = UserFactory(email="audit@gemeente.nl", naam="Anna Audit")
    login_via_form(client, "audit@gemeente.nl", factories.PASSWORD, user.totp_secret)
    post_form(client, "/inloggen/uitloggen", page_url="/")
    events = db.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id)).all()
    assert {"inloggen", "uitloggen"} <= {e.action for e in events}
    for event in events:
        assert "audit@gemeente.nl" not in str(event.details) and "Anna" not in str(event.details)


def test_user_loader_ignores_a_user_id_without_session(app: Flask, client: FlaskClient, db):
    """A forged cookie with a user id but no server-side session is not a login."""
    user = UserFactory(email="vals@gemeente.nl")
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user.id)
    assert client.get("/").status_code == 302
    assert db.scalar(select(User).where(User.id == user.id)).laatst_ingelogd is None


def test_two_requests_with_the_same_code_cannot_both_succeed(app_ctx, app: Flask, db):
    """The used step is claimed in one conditional UPDATE, so a parallel request that already read the
    user (with the old step in memory) still loses."""
    from sqlalchemy import update

    from portal.services import auth

    user = UserFactory(email="parallel@gemeente.nl")
    policy = auth.LoginPolicy()
    with time_machine.travel(START, tick=False):
        code = totp_code(user.totp_secret)
        step = pyotp.TOTP(user.totp_secret).timecode(START)
        # Another request accepts the code first; this request's copy of the user still says step 0.
        db.execute(update(User).where(User.id == user.id).values(totp_last_step=step)
                   .execution_options(synchronize_session=False))
        assert user.totp_last_step == 0
        assert auth.verify_totp(db, user, code, policy) is False


def test_a_page_reads_its_login_in_one_statement_and_refreshes_the_session_at_most_once_a_minute(
        app: Flask, client: FlaskClient, db):
    """The user, its server-side session and the header's count are one SELECT; within a minute of the last
    refresh a page writes nothing, after it the new last-seen moment is stored (and counts for the idle timeout)."""
    from sqlalchemy import event

    from portal.extensions import db as portal_db

    user = UserFactory(email="eenmaal@gemeente.nl")
    seen: list[str] = []

    def capture(_conn, _cursor, statement, _parameters, _context, _executemany):
        if "user_session" in statement:
            seen.append(" ".join(statement.split()))

    with time_machine.travel(START, tick=False) as traveller:
        login_via_form(client, "eenmaal@gemeente.nl", factories.PASSWORD, user.totp_secret)
        sid = _session_data(app, _cookie(client))["sid"]
        event.listen(portal_db.engine, "before_cursor_execute", capture)
        try:
            traveller.shift(timedelta(seconds=50))
            assert client.get("/").status_code == 200
            within_a_minute = list(seen)
            seen.clear()
            traveller.shift(timedelta(seconds=20))  # 70 s after the login's own last-seen moment
            assert client.get("/").status_code == 200
        finally:
            event.remove(portal_db.engine, "before_cursor_execute", capture)
    assert len(within_a_minute) == 1 and within_a_minute[0].startswith("SELECT")
    assert "LEFT OUTER JOIN user_session" in within_a_minute[0] and "FROM melding" in within_a_minute[0]
    assert [s.split()[0] for s in seen] == ["SELECT", "UPDATE"]
    db.expire_all()
    assert db.get(UserSession, sid).last_seen_at.replace(tzinfo=UTC) == START + timedelta(seconds=70)


def test_the_session_check_commits_only_what_it_wrote_or_before_a_write(db):
    """A GET whose check wrote nothing keeps reading without a commit (and without SQLite's write lock)."""
    from portal.services import auth

    user = UserFactory(email="commit@gemeente.nl")
    db.flush()
    assert auth.session_check_commits(db, valid=True, safe_method=True) is False
    assert auth.session_check_commits(db, valid=False, safe_method=True) is True  # the login ended
    assert auth.session_check_commits(db, valid=True, safe_method=False) is True  # a POST: the view writes
    user.naam = "Ververst"  # e.g. a refreshed last_seen_at, left pending
    assert auth.session_check_commits(db, valid=True, safe_method=True) is True
