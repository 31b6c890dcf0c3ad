"""Role-aware start page."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from portal.blueprints.main import routes  # noqa: E402, F401
