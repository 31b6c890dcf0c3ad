"""Account and organisation management for functioneel beheerders and aanbieder-beheerders."""

from flask import Blueprint

bp = Blueprint("beheer", __name__, url_prefix="/beheer")

from portal.blueprints.beheer import audit, drempels, koppelingen, organisaties, routes  # noqa: E402, F401
