"""The SPUK verantwoording for the contractmanager: costs per gemeente, voorziening and year against the SPUK
amount, and per inburgeraar against the SPUK per person, with CSV and xlsx exports."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from portal import access, audit
from portal.access import roles_required
from portal.audit import AuditActie
from portal.blueprints.declaraties import bp
from portal.blueprints.listing import choice_arg, int_arg
from portal.extensions import db
from portal.models import Declaratie, Gemeente, User
from portal.models.billing import Voorziening
from portal.models.enums import Doelgroep, Rol
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number, paginate_list
from portal.services.billing import exports, spuk
from portal.services.kpi import instellingen
from portal.spreadsheets.write import XLSX_MIMETYPE

KOSTEN_LEZERS = (Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER)

add_nav_item("declaraties.kosten", "Kosten per voorziening", KOSTEN_LEZERS,
             description="gedeclareerde en goedgekeurde kosten voor de SPUK-verantwoording", order=64)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _declaratie_ids():  # type: ignore[no-untyped-def]
    """The submitted declaraties in the user's scope (access.declaraties never gives gemeente staff a concept)."""
    return access.declaraties(_actor()).with_only_columns(Declaratie.id).order_by(None)


def _gemeente_ids():  # type: ignore[no-untyped-def]
    """The gemeenten in the user's scope: the kept cost totals count only submitted declaraties, as
    `_declaratie_ids` gives them."""
    return access.gemeenten(_actor()).with_only_columns(Gemeente.id).order_by(None)


def _csv(body: bytes, naam: str) -> Response:
    response = Response(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{naam}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/kosten")
@roles_required(*KOSTEN_LEZERS)
def kosten() -> str:
    """Declared and approved costs per gemeente, year and voorziening, against the SPUK amount of that year."""
    gemeenten = db.session.scalars(access.gemeenten(_actor())).all()
    bedragen = instellingen.spuk_bedragen(db.session, [g.id for g in gemeenten])
    per_code = {(g.cbs_code, jaar): cent for g in gemeenten for (gid, jaar), cent in bedragen.items() if gid == g.id}
    rijen = spuk.per_gemeente_jaar(exports.spuk_kosten_bewaard(db.session, _gemeente_ids()), per_code)
    return render_template("declaraties/kosten.html", rijen=rijen, voorzieningen=list(Voorziening),
                           norm=spuk.SPUK_TRANCHES_CENT)


@bp.route("/kosten.csv")
@roles_required(*KOSTEN_LEZERS)
def kosten_csv() -> Response:
    """The same costs as CSV for the SPUK verantwoording."""
    return _csv(exports.spuk_csv(exports.spuk_kosten_bewaard(db.session, _gemeente_ids())),
                "kosten-per-voorziening.csv")


def _filters() -> dict[str, str | int | None]:
    """The query string's filters; a gemeente outside the user's scope is answered as one that does not exist."""
    gemeente = int_arg(request.args.get("gemeente"))
    if gemeente is not None and db.session.scalar(
            access.gemeenten(_actor()).where(Gemeente.id == gemeente).with_only_columns(Gemeente.id)) is None:
        abort(404)
    return {"gemeente": gemeente,
            "doelgroep": choice_arg(request.args.get("doelgroep"), Doelgroep._value2member_map_)}


def _gefilterd(filters: dict[str, str | int | None]) -> dict[str, object]:
    """The filters as the service takes them."""
    return {"gemeente_id": filters["gemeente"],
            "doelgroep": Doelgroep(filters["doelgroep"]) if filters["doelgroep"] else None}


@bp.route("/kosten/inburgeraars")
@roles_required(*KOSTEN_LEZERS)
def kosten_inburgeraars() -> str:
    """Per inburgeraar and paying gemeente: approved cost per voorziening and year against the SPUK per person."""
    actor = _actor()
    filters = _filters()
    ids = _declaratie_ids()
    query = spuk.inburgeraars_met_kosten(ids, **_gefilterd(filters))  # type: ignore[arg-type]
    export_args = {k: v for k, v in filters.items() if v}
    # Page over the row numbers (the rows are pairs, not one entity), then read just that page's pairs.
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = paginate_list(range(total), page_number(request.args.get(PAGE_PARAM)), args=export_args)
    paren = [tuple(r) for r in db.session.execute(query.limit(page.per_page).offset(page.items[0]))] \
        if page.items else []
    rijen = spuk.kosten_per_inburgeraar(db.session, ids, paren)  # type: ignore[arg-type]
    ids = sorted({r.inburgeraar_id for r in rijen})
    audit.record_shown(db.session, actor, ids, action=AuditActie.BEKEKEN, object_type="spuk_kosten_inburgeraars",
                       details={"inburgeraar_ids": ids}, also_empty=True)
    db.session.commit()
    return render_template("declaraties/kosten_inburgeraars.html", page=page, rijen=rijen, filters=filters,
                           export_args=export_args,
                           gemeenten=db.session.scalars(access.gemeenten(actor)).all(), doelgroepen=list(Doelgroep),
                           voorzieningen=list(Voorziening), norm=spuk.SPUK_TRANCHES_CENT)


def _alle_rijen() -> list[spuk.InburgeraarKosten]:
    rijen = spuk.alle_kosten_per_inburgeraar(db.session, _declaratie_ids(),
                                             **_gefilterd(_filters()))  # type: ignore[arg-type]
    ids = sorted({r.inburgeraar_id for r in rijen})
    details = {"formaat": request.path.rsplit(".", 1)[-1], "rijen": len(rijen), "inburgeraar_ids": ids}
    audit.record_shown(db.session, _actor(), ids, action=AuditActie.GEEXPORTEERD,
                       object_type="spuk_kosten_inburgeraars", details=details, also_empty=True)
    db.session.commit()
    return rijen


@bp.route("/kosten/inburgeraars.csv")
@roles_required(*KOSTEN_LEZERS)
def kosten_inburgeraars_csv() -> Response:
    """Per inburgeraar as CSV (portaalnummer, no name or BSN; cents; formula-safe)."""
    return _csv(exports.spuk_inburgeraars_csv(_alle_rijen()), "kosten-per-inburgeraar.csv")


@bp.route("/kosten/inburgeraars.xlsx")
@roles_required(*KOSTEN_LEZERS)
def kosten_inburgeraars_xlsx() -> Response:
    """Per inburgeraar as a workbook, with the SPUK tranche per year on a second sheet."""
    response = Response(exports.spuk_inburgeraars_xlsx(_alle_rijen()), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="kosten-per-inburgeraar.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response
