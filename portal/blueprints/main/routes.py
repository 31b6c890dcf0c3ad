"""Start page: what each role does first."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from portal import access
from portal.access import login_only, public
from portal.blueprints.main import bp
from portal.extensions import db
from portal.models.enums import Rol
from portal.navigation import add_nav_item

add_nav_item("main.index", "Start", tuple(Rol), order=0)


@bp.route("/")
@login_only
def index() -> str:
    """Start page with the user's scope at a glance."""
    inburgeraar_count = db.session.scalar(
        select(func.count()).select_from(access.inburgeraars(current_user).subquery())
    )
    verwijzing_count = db.session.scalar(
        select(func.count()).select_from(access.verwijzingen(current_user).subquery())
    )
    return render_template(
        "main/index.html", inburgeraar_count=inburgeraar_count, verwijzing_count=verwijzing_count
    )


@bp.route("/gezond")
@public
def health() -> tuple[dict[str, str], int]:
    """Liveness check for load balancers: no data, no session."""
    db.session.execute(select(1))
    return {"status": "ok"}, 200
