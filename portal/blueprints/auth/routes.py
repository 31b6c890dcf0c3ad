"""Login views: password → (enrolment) → TOTP → session; logout ends every session of the user."""

from __future__ import annotations

import time

import segno
from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal import audit
from portal.access import login_only, public
from portal.blueprints.auth import bp
from portal.blueprints.auth.forms import LoginForm, TotpForm
from portal.blueprints.formflow import form_page
from portal.extensions import db
from portal.models import User
from portal.redirects import local_path
from portal.security import ENDED_KEY, SESSION_KEY
from portal.services import auth

PENDING_KEY = "pending_user"
PENDING_SECONDS = 300
FAILED_LOGIN = "Het e-mailadres of wachtwoord klopt niet, of het account is tijdelijk geblokkeerd."


def _policy() -> auth.LoginPolicy:
    return auth.LoginPolicy(
        max_failed=current_app.config["MAX_FAILED_LOGINS"],
        lockout_minutes=current_app.config["LOCKOUT_MINUTES"],
    )


def _pending_user() -> User | None:
    """The user who passed the password step in the last few minutes, if any."""
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending["id"])
    return user if user is not None and user.actief else None


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    return local_path(target) or url_for("main.index")


@bp.route("/", methods=["GET", "POST"])
@public
def login() -> tuple[str, int] | Response:
    """Step 1: e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    ended = session.pop(ENDED_KEY, False)
    if request.method == "GET" and (request.args.get("verlopen") or ended):
        # Instead of the general "log in to see this page" of the redirect that brought the user here: one message.
        session.pop("_flashes", None)
        flash("Uw sessie is beëindigd. Log opnieuw in.", "info")
    if form.validate_on_submit():
        user = auth.check_password(db.session, form.email.data or "", form.password.data or "", _policy())
        db.session.commit()
        if user is None:
            form.password.errors = [FAILED_LOGIN]
        else:
            session.clear()
            session[PENDING_KEY] = {"id": user.id, "at": time.time()}
            session["next"] = _safe_next(request.args.get("next"))
            if not user.totp_bevestigd:
                return redirect(url_for("auth.enrol"))
            return redirect(url_for("auth.second_factor"))
    return form_page("auth/login.html", form)


@bp.route("/tweede-factor", methods=["GET", "POST"])
@public
def second_factor() -> tuple[str, int] | Response:
    """Step 2: the TOTP code; success rotates the session and opens a server-side one."""
    user = _pending_user()
    if user is None or not user.totp_bevestigd:
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if form.validate_on_submit():
        if auth.verify_totp(db.session, user, form.code.data or "", _policy()):
            return _complete_login(user)
        db.session.commit()
        if auth.is_locked(user):
            return _abandon_login()
        form.code.errors = ["Deze code klopt niet of is al gebruikt. Wacht op een nieuwe code."]
    return form_page("auth/second_factor.html", form)


@bp.route("/tweede-factor/instellen", methods=["GET", "POST"])
@public
def enrol() -> tuple[str, int] | Response:
    """First login: show the QR code and confirm it with a first code."""
    user = _pending_user()
    if user is None or user.totp_bevestigd:
        return redirect(url_for("auth.login"))
    if not user.totp_secret:
        user.totp_secret = auth.new_totp_secret()
        db.session.commit()
    form = TotpForm()
    if form.validate_on_submit():
        if auth.verify_totp(db.session, user, form.code.data or "", _policy()):
            user.totp_bevestigd = True
            return _complete_login(user)
        db.session.commit()
        if auth.is_locked(user):
            return _abandon_login()
        form.code.errors = ["Deze code klopt niet. Controleer de tijd op uw telefoon en probeer opnieuw."]
    qr_svg = segno.make(auth.provisioning_uri(user), error="m").svg_inline(scale=5, title="QR-code")
    return form_page("auth/enrol.html", form, qr_svg=qr_svg, secret=user.totp_secret)


def _abandon_login() -> Response:
    """Too many wrong codes: the account is locked; start again from the password step."""
    session.clear()
    flash(FAILED_LOGIN, "error")
    return redirect(url_for("auth.login"))


def _complete_login(user: User) -> Response:
    next_url = session.get("next") or url_for("main.index")
    user_session = auth.start_session(db.session, user)
    db.session.commit()
    session.clear()  # rotation: nothing from before login survives
    login_user(user)
    session[SESSION_KEY] = user_session.id
    session.permanent = False
    return redirect(next_url)


@bp.route("/uitloggen", methods=["POST"])
@login_only
def logout() -> Response:
    """End every session of this user, on every device."""
    auth.revoke_all_sessions(db.session, current_user)
    audit.record(db.session, current_user, "uitloggen", object_type="user", object_id=current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))
