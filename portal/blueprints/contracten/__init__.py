"""Contract management for the contractmanager and the functioneel beheerder: settings, indicatoren, tarieven."""

from flask import Blueprint

bp = Blueprint("contracten", __name__, url_prefix="/contracten")

from portal.blueprints.contracten import routes  # noqa: E402, F401
