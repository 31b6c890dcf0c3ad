"""The klantregisseur's regie view: caseload overview with signals, export and the regie case page."""

from flask import Blueprint

bp = Blueprint("regie", __name__, url_prefix="/regie")

from portal.blueprints.regie import routes  # noqa: E402, F401
