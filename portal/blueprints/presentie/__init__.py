"""Traject start and presentie: the weekly grid for providers, the start form and the per-verwijzing page."""

from flask import Blueprint

bp = Blueprint("presentie", __name__, url_prefix="/presentie")

from portal.blueprints.presentie import routes  # noqa: E402, F401
