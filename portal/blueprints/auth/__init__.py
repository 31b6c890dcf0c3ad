"""Login with password and TOTP, enrolment of the second factor, logout; the user's own account page."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/inloggen")
account_bp = Blueprint("account", __name__, url_prefix="/mijn-account")

from portal.blueprints.auth import account, routes  # noqa: E402, F401
