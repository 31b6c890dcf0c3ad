"""Start page: what each role does first."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from portal import clock
from portal.access import login_only, public
from portal.blueprints.main import bp
from portal.extensions import db
from portal.models.base import utcnow
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.services import overzichten, startpagina

add_nav_item("main.index", "Start", tuple(Rol), order=0)


@bp.route("/")
@login_only
def index() -> str:
    """Start page: the work waiting for this user (counts with links) and the user's scope at a glance."""
    inburgeraar_count, verwijzing_count = overzichten.aantallen(db.session, current_user)
    taken = startpagina.taken(db.session, current_user, clock.today(), utcnow())
    return render_template(
        "main/index.html", inburgeraar_count=inburgeraar_count, verwijzing_count=verwijzing_count, taken=taken
    )


@bp.route("/gezond")
@public
def health() -> tuple[dict[str, str], int]:
    """Liveness check for load balancers: no data, no session."""
    db.session.execute(select(1))
    return {"status": "ok"}, 200


@bp.route("/api-documentatie")
@public
def api_documentatie() -> str:
    """A readable reference of the API, made from its OpenAPI document on the server (no scripts, no CDN)."""
    from portal.api.reference import operations

    return render_template("main/api_documentatie.html", **operations())
