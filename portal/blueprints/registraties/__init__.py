"""Provider registrations on a verwijzing (voortgang, omstandigheden, afschaling, results) and the
klantregisseur's decisions on afschalingsverzoeken."""

from flask import Blueprint

bp = Blueprint("registraties", __name__, url_prefix="/registraties")

from portal.blueprints.registraties import routes  # noqa: E402, F401
