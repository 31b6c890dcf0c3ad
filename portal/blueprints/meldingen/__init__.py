"""Meldingen: the in-app inbox, the unread badge and the mail preference."""

from flask import Blueprint

bp = Blueprint("meldingen", __name__, url_prefix="/meldingen")

from portal.blueprints.meldingen import routes  # noqa: E402, F401
