"""The gemeente's inburgeraars: list, detail, registration, PIP versions and verwijzingen."""

from flask import Blueprint

bp = Blueprint("inburgeraars", __name__, url_prefix="/inburgeraars")

from portal.blueprints.inburgeraars import routes  # noqa: E402, F401
