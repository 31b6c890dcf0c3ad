"""The user's own account: who you are logged in as, and changing your password."""

from __future__ import annotations

from flask import current_app, flash, redirect, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from portal.access import login_only
from portal.blueprints.auth import account_bp
from portal.blueprints.auth.forms import PasswordChangeForm
from portal.blueprints.formflow import apply_errors, form_page
from portal.extensions import db
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.security import SESSION_KEY
from portal.services import ValidationError, auth

add_nav_item("account.index", "Mijn account", tuple(Rol), description="uw gegevens en wachtwoord", order=95)


@account_bp.route("/", methods=["GET", "POST"])
@login_only
def index() -> str | Response | tuple[str, int]:
    """Your name, e-mail address, role and organisation; change your password (ends your other sessions)."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        policy = auth.LoginPolicy(max_failed=current_app.config["MAX_FAILED_LOGINS"],
                                  lockout_minutes=current_app.config["LOCKOUT_MINUTES"])
        try:
            ended = auth.change_own_password(
                db.session, current_user, form.current_password.data or "", form.new_password.data or "",
                session.get(SESSION_KEY), policy,
            )
        except ValidationError as exc:
            db.session.commit()  # a wrong current password counts towards the lockout, and is audited
            if auth.is_locked(current_user):
                return _locked_out()
            apply_errors(form, exc.errors)
            return form_page("auth/account.html", form)
        db.session.commit()
        others = {0: "", 1: " Uw andere sessie is beëindigd."}.get(ended, f" Uw {ended} andere sessies zijn beëindigd.")
        flash(f"Uw wachtwoord is gewijzigd.{others}", "success")
        return redirect(url_for("account.index"))
    return form_page("auth/account.html", form)


def _locked_out() -> Response:
    """Too many wrong current passwords: the account is locked and this session ends as well."""
    auth.revoke_all_sessions(db.session, current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Het huidige wachtwoord was te vaak onjuist. Het account is tijdelijk geblokkeerd; log later opnieuw in.",
          "error")
    return redirect(url_for("auth.login"))
