"""Login with password and TOTP, enrolment of the second factor, logout."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/inloggen")

from portal.blueprints.auth import routes  # noqa: E402, F401
