"""The aanbieder's "Mijn deelnemers": inburgeraars referred to the user's organisation."""

from flask import Blueprint

bp = Blueprint("deelnemers", __name__, url_prefix="/deelnemers")

from portal.blueprints.deelnemers import routes  # noqa: E402, F401
