"""KPI views: the dashboard, the aanbieders side by side, the trend per quarter, the cases behind a figure
(scoped and audited), the xlsx export and the beleidsrapportage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import access, audit, clock
from portal.access import roles_required
from portal.audit import AuditActie
from portal.blueprints.formflow import errors_status, input_from, save_form
from portal.blueprints.kpi import bp
from portal.blueprints.kpi.export import beleid_xlsx, kpi_xlsx
from portal.blueprints.kpi.forms import InstellingForm
from portal.blueprints.kpi.weergave import KpiArgs, keuzes, maat_tekst, staaf_van, staven, waarde_tekst
from portal.blueprints.listing import int_arg
from portal.domain import kpi as kpi_regels
from portal.extensions import db
from portal.models import Aanbieder, Gemeente, Inburgeraar, KpiJaarInstelling, Verwijzing
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number, paginate_list
from portal.services import kpi
from portal.services.kpi import beleid
from portal.services.kpi import instellingen as instellingen_service
from portal.spreadsheets.write import XLSX_MIMETYPE
from portal.staafdiagram import svg

KPI_LEZERS = (Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER)

add_nav_item("kpi.index", "Prestaties", KPI_LEZERS, description="prestatie-indicatoren", order=7)


def _streef(args: KpiArgs) -> int:
    """The gemeente's target for the period's year (KPI settings), else the installation's default (80%)."""
    standaard = int(current_app.config.get("KPI_STREEF_6_MAANDEN", kpi_regels.STANDAARD_STREEF_6_MAANDEN))
    return instellingen_service.streefwaarde(db.session, args.gemeente, args.periode.kwartalen[-1].jaar, standaard)


def _context(args: KpiArgs, vandaag: date) -> dict[str, object]:
    return {"args": args, "vandaag": vandaag, "svg": svg, "staven": staven, "staaf_van": staaf_van,
            "waarde_tekst": waarde_tekst, "maat_tekst": maat_tekst, "min_aantal": kpi_regels.MIN_AANTAL,
            "trend_codes": kpi.TREND_CODES,
            **keuzes(current_user, vandaag)}


def _aanbieder_namen() -> dict[int, str]:
    return {a.id: a.naam for a in db.session.scalars(access.aanbieders(current_user))}


def _dashboard(args: KpiArgs, vandaag: date) -> kpi.Dashboard:
    """The dashboard for the period and selection, against the gemeente's target."""
    return kpi.dashboard(db.session, current_user, args.filters, args.periode, vandaag,
                         streef_6_maanden=_streef(args))


def _weergave(template: str, naam: str, maak: Callable[[KpiArgs, date], object]) -> str:
    """One KPI view: the period and selection from the query string, the data `maak` builds, the page."""
    vandaag = clock.today()
    args = KpiArgs.parse(request.args, current_user, vandaag)
    return render_template(template, **{naam: maak(args, vandaag)}, **_context(args, vandaag))


@bp.route("/")
@roles_required(*KPI_LEZERS)
def index() -> str:
    """Every KPI for the period and selection, each with its rule, chart and table."""
    return _weergave("kpi/index.html", "dashboard", _dashboard)


@bp.route("/vergelijking")
@roles_required(*KPI_LEZERS)
def vergelijking() -> str:
    """The aanbieders side by side on the same KPIs, with counts."""
    return _weergave("kpi/vergelijking.html", "vergelijking", lambda args, vandaag: kpi.vergelijking(
        db.session, current_user, args.filters, args.periode, vandaag, _aanbieder_namen()))


@bp.route("/trend")
@roles_required(*KPI_LEZERS)
def trend() -> str:
    """The main KPIs per quarter, the eight quarters up to the chosen period."""
    return _weergave("kpi/trend.html", "trend", lambda args, vandaag: kpi.trend(
        db.session, current_user, args.filters, args.periode, vandaag, streef_6_maanden=_streef(args)))


@bp.route("/gevallen")
@roles_required(*KPI_LEZERS)
def gevallen() -> str:
    """The verwijzingen or inburgeraars behind one figure of the dashboard; opening the list is audited."""
    vandaag = clock.today()
    args = KpiArgs.parse(request.args, current_user, vandaag)
    code, key, deel = request.args.get("kpi", ""), request.args.get("rij", ""), request.args.get("deel", "")
    if code not in (*kpi_regels.KPI_CODES, "kosten") or deel not in ("teller", "noemer", "ids"):
        abort(404)
    dashboard = _dashboard(args, vandaag)
    resultaat = dashboard.kpi(code)
    rij = resultaat.rij(key) if resultaat else None
    if resultaat is None or rij is None or not rij.toont_aantallen:
        abort(404)  # a withheld figure's cases, as a figure that does not exist: no link leads there
    if deel == "ids":
        ids, eenheid = rij.ids, rij.ids_eenheid
    elif rij.aandeel is not None:
        ids, eenheid = (rij.aandeel.teller if deel == "teller" else rij.aandeel.noemer), rij.aandeel.eenheid
    else:
        abort(404)
    if eenheid == "verwijzingen":
        rows = list(db.session.scalars(
            access.verwijzingen(current_user).where(Verwijzing.id.in_(ids)).order_by(Verwijzing.kenmerk)))
        personen = sorted({v.inburgeraar_id for v in rows})
    else:
        rows = list(db.session.scalars(
            access.inburgeraars(current_user).where(Inburgeraar.id.in_(ids))
            .order_by(Inburgeraar.achternaam, Inburgeraar.voornamen, Inburgeraar.id)))
        personen = [i.id for i in rows]
    details = {"periode": args.periode.code, "aantal": len(personen), "inburgeraars": personen}
    if personen:
        audit.record_shown(db.session, current_user, personen, action=AuditActie.BEKEKEN, object_type="kpi_gevallen",
                           object_id=f"{code}:{key}:{deel}", details=details)
    else:
        audit.record_read(db.session, current_user, None, object_type="kpi_gevallen",
                          object_id=f"{code}:{key}:{deel}", details=details)
    db.session.commit()
    page = paginate_list(rows, page_number(request.args.get(PAGE_PARAM)),
                         args={**args.as_dict(), "kpi": code, "rij": key, "deel": deel})
    return render_template("kpi/gevallen.html", resultaat=resultaat, rij=rij, deel=deel, eenheid=eenheid,
                           page=page, **_context(args, vandaag))


@bp.route("/export.xlsx")
@roles_required(*KPI_LEZERS)
def export() -> Response:
    """Every KPI table of the dashboard (or the comparison) as xlsx; no personal data, audited as an export."""
    vandaag = clock.today()
    args = KpiArgs.parse(request.args, current_user, vandaag)
    if request.args.get("soort") == "vergelijking":
        data = kpi.vergelijking(db.session, current_user, args.filters, args.periode, vandaag, _aanbieder_namen())
        tabellen = [(naam, data.per_aanbieder[a]) for a, naam in data.aanbieders]
    else:
        dashboard = _dashboard(args, vandaag)
        tabellen = [("Alle aanbieders" if args.aanbieder is None else _naam(args.aanbieder), dashboard.resultaten)]
    audit.record(db.session, current_user, AuditActie.GEEXPORTEERD, object_type="kpi",
                 details={"periode": args.periode.code, **{k: v for k, v in args.as_dict().items() if k != "periode"}})
    db.session.commit()
    response = Response(kpi_xlsx(tabellen, periode=args.periode, peildatum=vandaag, selectie=_selectie(args)),
                        mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="prestaties-{args.periode.code}.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _naam(aanbieder_id: int) -> str:
    aanbieder = db.session.get(Aanbieder, aanbieder_id)
    return aanbieder.naam if aanbieder else str(aanbieder_id)


def _selectie(args: KpiArgs) -> str:
    parts = [f"periode {args.periode.label}"]
    if args.gemeente:
        gemeenten = keuzes(current_user, clock.today())["gemeenten"]
        parts.append(f"gemeente {next((g.naam for g in gemeenten if g.id == args.gemeente), '')}")
    if args.aanbieder:
        parts.append(f"aanbieder {_naam(args.aanbieder)}")
    if args.contract:
        parts.append(f"contract {access.get_contract_or_404(current_user, args.contract).kenmerk}")
    return ", ".join(parts)


def _beleidsrapportage(args: KpiArgs, vandaag: date) -> beleid.Beleidsrapportage:
    """The report for the chosen gemeente (when none is chosen: the user's own, else the first in scope):
    aggregates only."""
    gemeenten = keuzes(current_user, vandaag)["gemeenten"]
    if not gemeenten:
        abort(404)
    if args.gemeente is None:
        in_scope = {g.id for g in gemeenten}
        eigen = [g.id for g in current_user.gemeenten if g.id in in_scope]
        args.gemeente = eigen[0] if eigen else gemeenten[0].id
    naam = next(g.naam for g in gemeenten if g.id == args.gemeente)
    filters = kpi.KpiFilters(gemeente_id=args.gemeente, contract_id=args.contract)
    g = kpi.gegevens(db.session, current_user, filters, args.periode, vandaag)
    return beleid.opstellen(g, naam, args.periode, vandaag, _streef(args))


def _beleidsrapportage_gevraagd() -> tuple[KpiArgs, date, beleid.Beleidsrapportage]:
    """The report the query string asks for: a gemeente's, so without an aanbieder selection."""
    vandaag = clock.today()
    args = KpiArgs.parse(request.args, current_user, vandaag)
    args.aanbieder = None
    return args, vandaag, _beleidsrapportage(args, vandaag)


@bp.route("/beleidsrapportage")
@roles_required(*KPI_LEZERS)
def beleid_pagina() -> str:
    """The beleidsrapportage as a printable page (for the raad's halfjaarrapportage)."""
    args, vandaag, rapport = _beleidsrapportage_gevraagd()
    return render_template("kpi/beleid.html", rapport=rapport, **_context(args, vandaag))


@bp.route("/beleidsrapportage.xlsx")
@roles_required(*KPI_LEZERS)
def beleid_export() -> Response:
    """The same report as xlsx."""
    args, _vandaag, rapport = _beleidsrapportage_gevraagd()
    audit.record(db.session, current_user, AuditActie.GEEXPORTEERD, object_type="beleidsrapportage",
                 details={"periode": args.periode.code, "gemeente": args.gemeente})
    db.session.commit()
    response = Response(beleid_xlsx(rapport), mimetype=XLSX_MIMETYPE)
    # Named by the CBS code, as the CBS and DUO files are: the database id means nothing outside this installation.
    gemeente = db.session.get(Gemeente, args.gemeente)  # in scope: _beleidsrapportage chose it from the user's
    response.headers["Content-Disposition"] = (
        f'attachment; filename="beleidsrapportage-{gemeente.cbs_code}-{args.periode.code}.xlsx"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/instellingen", methods=["GET", "POST"])
@roles_required(*KPI_LEZERS)
def instellingen() -> str | Response:
    """SPUK amount and KPI target per gemeente (in scope) and year."""
    vandaag = clock.today()
    gemeenten = keuzes(current_user, vandaag)["gemeenten"]
    gekozen = int_arg(request.args.get("gemeente")) or (gemeenten[0].id if gemeenten else None)
    gemeente = next((g for g in gemeenten if g.id == gekozen), None)
    if gemeente is None:
        abort(404)
    form = InstellingForm(data={"jaar": str(vandaag.year)})
    actor = current_user._get_current_object()  # type: ignore[attr-defined]
    done = save_form(
        form, lambda: instellingen_service.opslaan(db.session, actor, gemeente,
                                                   input_from(instellingen_service.InstellingInput, form)),
        lambda row: f"De instellingen van {gemeente.naam} voor {row.jaar} zijn opgeslagen.",
        url_for("kpi.instellingen", gemeente=gemeente.id),
    )
    if done:
        return done
    rijen = list(db.session.scalars(select(KpiJaarInstelling).where(KpiJaarInstelling.gemeente_id == gemeente.id)
                                    .order_by(KpiJaarInstelling.jaar.desc())))
    return render_template("kpi/instellingen.html", form=form, gemeente=gemeente, gemeenten=gemeenten, rijen=rijen,
                           standaard=kpi_regels.STANDAARD_STREEF_6_MAANDEN), errors_status(form)
