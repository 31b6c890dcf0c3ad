"""Account and organisation management for functioneel beheerders and aanbieder-beheerders."""

from flask import Blueprint

bp = Blueprint("beheer", __name__, url_prefix="/beheer")

from portal.blueprints.beheer import (  # noqa: E402, F401
    audit,
    drempels,
    handhavingsbeleid,
    koppelingen,
    organisaties,
    routes,
)
