"""Aanbieder views: "Mijn deelnemers" (own verwijzingen only) and the verwijzing page.

Providers see only what they need for the work (DOMAIN.md §4): never intake or health details and
never another aanbieder's verwijzingen; every query starts from access.verwijzingen(current_user).
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal import access, audit
from portal.access import roles_required
from portal.blueprints.deelnemers import bp
from portal.blueprints.listing import choice_arg, int_arg, record_shown, render_list
from portal.extensions import db
from portal.models.enums import AANBIEDER_ROLLEN, Onderdeel, VerwijzingStatus
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number, paginate
from portal.services import overzichten

add_nav_item("deelnemers.index", "Mijn deelnemers", AANBIEDER_ROLLEN,
             description="inburgeraars die naar uw organisatie zijn verwezen", order=10)

SORT_LABELS = {"naam": "Naam", "bsn": "BSN", "start": "Beoogde start", "einde": "Uiterste einddatum"}


@bp.route("/")
@roles_required(*AANBIEDER_ROLLEN)
def index() -> str:
    """One row per verwijzing to the user's aanbieder, with search, filters and pages."""
    args = {
        "q": request.args.get("q", "").strip()[:100],
        "onderdeel": choice_arg(request.args.get("onderdeel"), Onderdeel._value2member_map_),
        "status": choice_arg(request.args.get("status"), VerwijzingStatus._value2member_map_),
        "gemeente": int_arg(request.args.get("gemeente")),
        "sort": request.args.get("sort", "naam"),
    }
    query, args["sort"] = overzichten.deelnemers(current_user, overzichten.DeelnemerFilters(
        zoek=args["q"], onderdeel=args["onderdeel"], status=args["status"], gemeente_id=args["gemeente"],
        sort=args["sort"],
    ))
    page = paginate(db.session, query, page_number(request.args.get(PAGE_PARAM)), args=args)
    html = render_list("deelnemers", {"page": page, "args": args, "sort_labels": SORT_LABELS}, lambda: {
        "gemeenten": list(db.session.scalars(access.gemeenten(current_user))),
        "onderdelen": Onderdeel.choices(),
        "statussen": VerwijzingStatus.choices(),
    })
    record_shown("deelnemers_lijst", (v.inburgeraar_id for v in page.items), pagina=page.number)
    return html


@bp.route("/<int:verwijzing_id>")
@roles_required(*AANBIEDER_ROLLEN)
def detail(verwijzing_id: int) -> str:
    """What the gemeente asked this aanbieder to do for one deelnemer; other providers' work stays hidden."""
    verwijzing = access.get_verwijzing_or_404(current_user, verwijzing_id)
    inburgeraar = verwijzing.inburgeraar
    audit.record_read(db.session, current_user, inburgeraar, object_type="verwijzing", object_id=verwijzing.id)
    db.session.commit()
    andere = [v for v in access.verwijzingen_of(current_user, inburgeraar) if v.id != verwijzing.id]
    return render_template("deelnemers/detail.html", verwijzing=verwijzing, inburgeraar=inburgeraar,
                           pip=inburgeraar.pip_van_kracht, andere=andere)
