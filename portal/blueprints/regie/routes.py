"""Regie views: the caseload with signals (page, htmx results, xlsx) and the regie case page."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from portal import access, audit
from portal.access import CASE_READERS, roles_required
from portal.blueprints.regie import bp
from portal.blueprints.regie.export import caseload_xlsx
from portal.blueprints.regie.overview import SORT_LABELS, OverzichtArgs, pagineer, sorteer
from portal.charts import aanwezigheid_svg, beschrijving
from portal.extensions import db, htmx
from portal.models import Gemeente, User, user_gemeente
from portal.models.enums import Doelgroep, Leerroute, Rol
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number
from portal.services import resultaten, signalen, tijdlijn, totals
from portal.services.cases import record_view
from portal.spreadsheets.write import XLSX_MIMETYPE

add_nav_item("regie.index", "Regie", CASE_READERS, description="caseload met signalen", order=5)

GRAFIEK_WEKEN = 12


def _caseload(args: OverzichtArgs, today: date) -> list[signalen.CaseCijfers]:
    """The user's cases with signals, filtered and sorted as asked."""
    cases = signalen.caseload(db.session, current_user, today=today, filters=args.filters(current_user))
    if args.signaal:
        cases = signalen.met_signaal(cases, [args.signaal])
    return sorteer(cases, args.sort)


def _keuzes() -> dict[str, object]:
    gemeenten = list(db.session.scalars(access.gemeenten(current_user)))
    regisseurs = db.session.scalars(
        select(User)
        .where(
            User.rol == Rol.KLANTREGISSEUR,
            User.id.in_(select(user_gemeente.c.user_id).where(
                user_gemeente.c.gemeente_id.in_(access.gemeenten(current_user).with_only_columns(Gemeente.id))
            )),
        )
        .order_by(User.naam)
    )
    return {
        "gemeenten": gemeenten,
        "klantregisseurs": list(regisseurs),
        "aanbieders": list(db.session.scalars(access.aanbieders(current_user))),
        "leerroutes": Leerroute.choices(),
        "doelgroepen": Doelgroep.choices(),
        "signaal_soorten": signalen.SIGNAAL_SOORTEN,
    }


@bp.route("/")
@roles_required(*CASE_READERS)
def index() -> str:
    """The caseload with signals; only the results part for htmx searches."""
    args = OverzichtArgs.parse(request.args, current_user)
    cases = _caseload(args, date.today())
    page = pagineer(cases, page_number(request.args.get(PAGE_PARAM)), args.as_dict())
    context = {"page": page, "args": args, "sort_labels": SORT_LABELS, "ernst": signalen.Ernst}
    if htmx and not htmx.history_restore_request:
        return render_template("regie/_resultaten.html", **context)
    return render_template("regie/index.html", **context, **_keuzes())


@bp.route("/export.xlsx")
@roles_required(*CASE_READERS)
def export() -> Response:
    """The same caseload (all pages) as an xlsx file; the export is an audit event."""
    args = OverzichtArgs.parse(request.args, current_user)
    today = date.today()
    cases = _caseload(args, today)
    audit.record(db.session, current_user, "geexporteerd", object_type="caseload",
                 details={"aantal": len(cases), "filters": sorted(args.as_dict())})
    db.session.commit()
    response = Response(caseload_xlsx(cases, peildatum=today), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="caseload-{today:%Y%m%d}.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/inburgeraar/<int:inburgeraar_id>")
@roles_required(*CASE_READERS)
def inburgeraar(inburgeraar_id: int) -> str:
    """The regie case page: signals, verwijzingen, hours, attendance chart, exams and the timeline."""
    today = date.today()
    persoon = access.get_inburgeraar_or_404(current_user, inburgeraar_id)
    case_ = signalen.caseload(db.session, current_user, today=today,
                              filters=signalen.Filters(inburgeraar_id=persoon.id))[0]
    verwijzingen = access.verwijzingen_of(current_user, persoon)
    registraties = resultaten.registraties_van(db.session, current_user, persoon)
    per_dag = tijdlijn.presentie_per_dag(db.session, current_user, [v.id for v in verwijzingen])
    weken = tijdlijn.weken(per_dag, tot=today, aantal=GRAFIEK_WEKEN)
    record_view(db.session, current_user, persoon, object_type="regie")
    db.session.commit()
    cijfers = {v.id: v for v in case_.verwijzingen}
    return render_template(
        "regie/inburgeraar.html",
        inburgeraar=persoon,
        case=case_,
        verwijzingen=verwijzingen,
        cijfers=cijfers,
        normen={v.id: signalen.uren_norm(case_, v) for v in case_.verwijzingen},
        totalen=totals.for_inburgeraar(db.session, current_user, persoon, today),
        registraties=registraties,
        gebeurtenissen=tijdlijn.tijdlijn(db.session, current_user, persoon, verwijzingen, registraties, per_dag),
        weken=weken,
        grafiek=aanwezigheid_svg(weken),
        grafiek_beschrijving=beschrijving(weken),
        mag_besluiten=current_user.rol is Rol.KLANTREGISSEUR,
        # The decision form lives in the registraties blueprint (another feature); link to it when it is there.
        besluit_endpoint="registraties.besluit" if "registraties.besluit" in current_app.view_functions else None,
        ernst=signalen.Ernst,
    )
