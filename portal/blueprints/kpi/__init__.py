"""Prestatie-indicatoren for contractmanagers: dashboard, aanbieders compared, trend, exports, beleidsrapportage."""

from flask import Blueprint

bp = Blueprint("kpi", __name__, url_prefix="/kpi")

from portal.blueprints.kpi import routes  # noqa: E402, F401
