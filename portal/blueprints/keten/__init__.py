"""The chain around the gemeente: verhuizing and hand-over dossier, DUO berichten, handhaving, CBS file."""

from flask import Blueprint

bp = Blueprint("keten", __name__, url_prefix="/keten")

from portal.blueprints.keten import cbs, duo, handhaving, pip, verhuizing  # noqa: E402, F401
