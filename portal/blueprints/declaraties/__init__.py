"""Declaraties: the aanbieder-beheerder declares, the contractmanager of the gemeente decides per regel."""

from flask import Blueprint

bp = Blueprint("declaraties", __name__, url_prefix="/declaraties")

from portal.blueprints.declaraties import routes, spuk  # noqa: E402, F401
