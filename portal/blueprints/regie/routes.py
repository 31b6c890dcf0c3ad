"""Regie views: the caseload with signals (page, htmx results, xlsx); cases open on the one case page."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import literal, union_all

from portal import access, audit, clock
from portal.access import CASE_READERS, roles_required
from portal.audit import AuditActie
from portal.blueprints.listing import record_shown, render_list
from portal.blueprints.regie import bp
from portal.blueprints.regie.export import caseload_xlsx
from portal.blueprints.regie.overview import SORT_LABELS, OverzichtArgs, signaal_order, sort_cases
from portal.extensions import db
from portal.models import Aanbieder, Gemeente, User
from portal.models.enums import Doelgroep, Leerroute
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number, paginate_list
from portal.services import kept_signalen, overzichten, signalen, statements
from portal.services.batch import gc_paused
from portal.spreadsheets.write import XLSX_MIMETYPE

VEEL_ZONDER_STAND = 50  # more cases without kept signals than this: work out the caseload in one go

add_nav_item("regie.index", "Regie", CASE_READERS, description="caseload met signalen", order=5)


def _caseload(args: OverzichtArgs, today: date) -> list[signalen.CaseCijfers]:
    """The user's cases with signals, filtered and sorted as asked (the export: every row with its figures)."""
    cases = signalen.caseload(db.session, current_user, today=today, filters=args.filters(current_user))
    if args.signaal:
        cases = signalen.met_signaal(cases, [args.signaal])
    if args.actie:
        cases = signalen.met_actie_nodig(cases)
    return sort_cases(cases, args.sort)


def _keuzes() -> dict[str, object]:
    user = current_user  # the scoped statement is built once per user and day (portal.services.statements)
    # (id, naam) rows, which the filter's select shows as they are: no ORM objects for a list of names. The three
    # lists come in one statement (a round trip each cost more than reading them on PostgreSQL).
    lijsten: dict[int, list[tuple[int, str]]] = {0: [], 1: [], 2: []}
    for soort, id_, naam in db.session.execute(statements.per_user("regie.keuzes", user, lambda: _keuzes_query(user))):
        lijsten[soort].append((id_, naam))
    return {
        "gemeenten": lijsten[0],
        "klantregisseurs": lijsten[1],
        "aanbieders": lijsten[2],
        "leerroutes": [*Leerroute.choices(), *overzichten.GEEN_PIP_KEUZES],
        "doelgroepen": Doelgroep.choices(),
        "signaal_soorten": signalen.SIGNAAL_SOORTEN,
    }


def _keuzes_query(user: User) -> Any:
    """The filter's gemeenten (0), klantregisseurs (1) and aanbieders (2) in scope, each by name."""
    keuzes = union_all(*(
        scoped.with_only_columns(literal(soort).label("soort"), kolom_id.label("id"), kolom_naam.label("naam"))
        .order_by(None)
        for soort, scoped, kolom_id, kolom_naam in (
            (0, access.gemeenten(user), Gemeente.id, Gemeente.naam),
            (1, access.klantregisseurs(user), User.id, User.naam),
            (2, access.aanbieders(user), Aanbieder.id, Aanbieder.naam),
        )
    ))
    kolommen = keuzes.selected_columns
    return keuzes.order_by(kolommen.soort, kolommen.naam, kolommen.id)


@bp.route("/")
@roles_required(*CASE_READERS)
def index() -> str:
    """The caseload with signals; only the results part for htmx searches."""
    args = OverzichtArgs.parse(request.args, current_user)
    today, number = clock.today(), page_number(request.args.get(PAGE_PARAM))
    # The collector stays off until only the page's rows are left: the rest of the caseload is freed by
    # reference counting, so no collection has to walk thousands of cases that are about to go anyway.
    with gc_paused():
        if args.naar_signalen:
            # Every case's signals decide order and selection: read as kept (portal.services.kept_signalen), worked
            # out here only for cases whose kept signals are missing or no longer valid today (a GET writes
            # nothing). The page shows kept rows from their kept summary, the others as worked out.
            rijen = signalen.caseload_met_stand(db.session, current_user, today=today,
                                                filters=args.filters(current_user),
                                                alleen_naam=args.sort.lstrip("-") == "signalen")
            berekend = _zonder_stand(args, today, [c for c, stand in rijen if stand is None])
            stand = {i: kept_signalen.stand_van(c.signalen) for i, c in berekend.items()}
            page = paginate_list(signaal_order(rijen, args, stand), number, args=args.as_dict())
            kept = {c.id: stand for c, stand in rijen if stand is not None}
            getoond = {c.id: c for c in signalen.met_afgesloten_verwijzingen(
                db.session, current_user, [berekend[c.id] for c in page.items if c.id in berekend], today=today)}
            getoond.update((rij.id, rij) for rij in signalen.pagina_uit_stand(
                db.session, current_user, [(c.id, kept[c.id]) for c in page.items if c.id in kept], today=today))
            page.items = [getoond[c.id] for c in page.items if c.id in getoond]
        else:
            # Sorted on a column of the case itself: the cases' own rows decide the order and the page, and only
            # the page shown gets its verwijzingen, figures and signals (the same queries and rules, for its ids).
            rijen = signalen.caseload_rijen(db.session, current_user, today=today, filters=args.filters(current_user))
            page = paginate_list(sort_cases(rijen, args.sort), number, args=args.as_dict())
            page.items = signalen.met_cijfers(db.session, current_user, page.items, today=today)
    # A row without a PIP in force says why: none yet, or withdrawn per a date (as on the other lists).
    ingetrokken = overzichten.pip_ingetrokken_per(db.session, current_user, page.items)
    html = render_list("regie", {"page": page, "args": args, "sort_labels": SORT_LABELS,
                                 "pip_ingetrokken": ingetrokken}, _keuzes)
    record_shown("regie_overzicht", (c.id for c in page.items), pagina=page.number)
    return html


def _zonder_stand(args: OverzichtArgs, today: date, zonder: list[Any]) -> dict[int, signalen.CaseCijfers]:
    """The cases without valid kept signals with their signals worked out for this request (the refresh stores
    them), without the figures of finished verwijzingen (signalen.signaalvolgorde): by id when they are a few,
    else the whole filtered caseload at once (after a migration, or before the refresh on a new day)."""
    if len(zonder) <= VEEL_ZONDER_STAND:
        return {c.id: c for c in signalen.signaalvolgorde_van(db.session, current_user, [c.id for c in zonder],
                                                              today=today)}
    wanted = {c.id for c in zonder}
    return {c.id: c for c in signalen.signaalvolgorde(db.session, current_user, today=today,
                                                      filters=args.filters(current_user)) if c.id in wanted}


@bp.route("/export.xlsx")
@roles_required(*CASE_READERS)
def export() -> Response:
    """The same caseload (all pages) as an xlsx file; the export is an audit event."""
    args = OverzichtArgs.parse(request.args, current_user)
    today = clock.today()
    cases = _caseload(args, today)
    audit.record_shown(db.session, current_user, (c.id for c in cases), action=AuditActie.GEEXPORTEERD,
                       object_type="caseload", details={"aantal": len(cases), "filters": sorted(args.as_dict())},
                       also_empty=True)
    db.session.commit()
    ingetrokken = overzichten.pip_ingetrokken_per(db.session, current_user, cases)
    response = Response(caseload_xlsx(cases, peildatum=today, pip_ingetrokken=ingetrokken), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="caseload-{today:%Y%m%d}.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/inburgeraar/<int:inburgeraar_id>")
@roles_required(*CASE_READERS)
def inburgeraar(inburgeraar_id: int) -> Response:
    """The old regie case page's address: the one case page is inburgeraars.detail (foreign ids stay 404)."""
    persoon = access.get_inburgeraar_or_404(current_user, inburgeraar_id)
    return redirect(url_for("inburgeraars.detail", inburgeraar_id=persoon.id), code=301)
