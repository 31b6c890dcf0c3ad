"""Declaraties per contract × gemeente × periode: concept, submit, review per regel, re-declare, exports, costs."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased, selectinload
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access, audit, clock
from portal.access import DECLARANTEN, DECLARATIE_LEZERS, roles_required
from portal.audit import AuditActie
from portal.blueprints.beheer.forms import ActionForm
from portal.blueprints.declaraties import bp
from portal.blueprints.declaraties.forms import BesluitForm
from portal.blueprints.formflow import errors_flashed, errors_status, input_from, submit
from portal.blueprints.listing import choice_arg, int_arg
from portal.extensions import db
from portal.models import (
    Contract,
    Declaratie,
    DeclaratieRegel,
    Gemeente,
    Inburgeraar,
    Prestatie,
    PrestatieIndicator,
    User,
    Verwijzing,
)
from portal.models.billing import DeclaratieStatus, RegelStatus
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number, paginate_list
from portal.services import NotAllowed, ValidationError
from portal.services.billing import declaraties as service
from portal.services.billing import exports
from portal.services.billing.checks import declaratie_bevindingen, termijn_melding, termijn_melding_kort
from portal.services.billing.rules import periode_tekst
from portal.spreadsheets.write import XLSX_MIMETYPE

BEOORDELAARS = (Rol.CONTRACTMANAGER,)
DECLARATIES_PER_PAGE = 50  # a year of monthly declaraties of four contracts; the ones to act on come first

add_nav_item("declaraties.index", "Declaraties", DECLARATIE_LEZERS,
             description="declaraties per contract, gemeente en periode", order=62)


bp.add_app_template_filter(periode_tekst, "periode")


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _overzicht_regels(declaraties_query):  # type: ignore[no-untyped-def]
    """Declaraties with their totals in one grouped query (no per-row queries)."""
    bedrag = DeclaratieRegel.bedrag_cent
    totals = (select(DeclaratieRegel.declaratie_id.label("id"), func.count(DeclaratieRegel.id).label("regels"),
                     func.sum(bedrag).label("totaal"),
                     func.sum(case((DeclaratieRegel.status == RegelStatus.GOEDGEKEURD, bedrag), else_=0))
                     .label("goedgekeurd"),
                     func.sum(case((DeclaratieRegel.status == RegelStatus.INGEDIEND, 1), else_=0)).label("open"))
              .group_by(DeclaratieRegel.declaratie_id).subquery())
    return db.session.execute(
        declaraties_query.add_columns(totals.c.regels, totals.c.totaal, totals.c.goedgekeurd, totals.c.open)
        .outerjoin(totals, totals.c.id == Declaratie.id)
        .options(selectinload(Declaratie.contract), selectinload(Declaratie.gemeente))
        .order_by(Declaratie.periode.desc(), Declaratie.nummer)
    ).all()


@bp.route("/")
@roles_required(*DECLARATIE_LEZERS)
def index() -> str:
    """The aanbieder-beheerder: its declaraties, concept first. Gemeente staff: submitted ones, waiting first."""
    actor = _actor()
    keuzes = _filterkeuzes(actor)
    filters = {"gemeente": int_arg(request.args.get("gemeente")), "contract": int_arg(request.args.get("contract")),
               "status": choice_arg(request.args.get("status"), STATUS_FILTERS)}
    query = access.declaraties(actor)
    if filters["gemeente"]:
        query = query.where(Declaratie.gemeente_id == filters["gemeente"])
    if filters["contract"]:
        query = query.where(Declaratie.contract_id == filters["contract"])
    if filters["status"]:
        query = query.where(Declaratie.status.in_(STATUS_FILTERS[filters["status"]][1]))
    rows = _overzicht_regels(query)
    order = {DeclaratieStatus.CONCEPT: 0, DeclaratieStatus.INGEDIEND: 1, DeclaratieStatus.IN_BEHANDELING: 1,
             DeclaratieStatus.AFGEHANDELD: 2}
    if actor.rol is not Rol.AANBIEDER_BEHEERDER:
        order = {DeclaratieStatus.INGEDIEND: 0, DeclaratieStatus.IN_BEHANDELING: 0, DeclaratieStatus.AFGEHANDELD: 1}
    rows = sorted(rows, key=lambda r: order.get(r[0].status, 3))
    filter_args = {k: v for k, v in filters.items() if v}
    page = paginate_list(rows, page_number(request.args.get(PAGE_PARAM)), per_page=DECLARATIES_PER_PAGE,
                         args=filter_args)
    # The aanbieder sees which concepts are past or near their declaratietermijn; the gemeente sees no concepts.
    vandaag = clock.today()
    termijn_meldingen = {row[0].id: melding for row in page.items
                         if (melding := termijn_melding_kort(row[0], vandaag))} if actor.rol in DECLARANTEN else {}
    afgewezen = _afgewezen_regels(actor) if actor.rol is Rol.AANBIEDER_BEHEERDER and page.number == 1 else []
    if afgewezen:
        ids = sorted({row[4].id for row in afgewezen})
        audit.record_shown(db.session, actor, ids, action=AuditActie.DECLARATIE_BEKEKEN, object_type="declaratie",
                           details={"inburgeraar_ids": ids})
        db.session.commit()
    return render_template("declaraties/index.html", page=page, bereken_form=ActionForm(), afgewezen=afgewezen,
                           args=filters, gefilterd=bool(filter_args), keuzes=keuzes,
                           statussen=[(k, v[0]) for k, v in STATUS_FILTERS.items()
                                      if actor.rol is Rol.AANBIEDER_BEHEERDER or k != "concept"],
                           afgewezen_totaal=service.afgewezen_count(db.session, actor),
                           te_beoordelen=service.te_beoordelen_count(db.session, actor),
                           declaratie_bevindingen=declaratie_bevindingen, termijn_meldingen=termijn_meldingen)


# The list's status filter: what a reader asks for ("what waits for me"), not the four stored states.
STATUS_FILTERS = {
    "concept": ("Concept", (DeclaratieStatus.CONCEPT,)),
    "te_beoordelen": ("Wacht op beoordeling", service.WACHT_OP_BEOORDELING),
    "afgehandeld": ("Afgehandeld", (DeclaratieStatus.AFGEHANDELD,)),
}


def _filterkeuzes(actor: User) -> dict[str, list[tuple[int, str]]]:
    """The gemeenten and contracts the user's declaraties are for, to filter the list on."""
    zichtbaar = access.declaraties(actor).subquery()
    gemeenten = db.session.execute(select(Gemeente.id, Gemeente.naam).where(
        Gemeente.id.in_(select(zichtbaar.c.gemeente_id))).order_by(Gemeente.naam)).all()
    contracten = db.session.execute(select(Contract.id, Contract.kenmerk, Contract.naam).where(
        Contract.id.in_(select(zichtbaar.c.contract_id))).order_by(Contract.kenmerk)).all()
    return {"gemeenten": [(i, naam) for i, naam in gemeenten],
            "contracten": [(i, f"{kenmerk} – {naam}") for i, kenmerk, naam in contracten]}


AFGEWEZEN_OP_OVERZICHT = 10  # the oldest; the rest follow as these are declared again


def _afgewezen_regels(actor: User):  # type: ignore[no-untyped-def]
    """The rejected regels the aanbieder has not declared again yet (the start page's "Afgewezen declaratieregels",
    service.afgewezen_count), oldest first, with what the list shows of each."""
    return db.session.execute(
        select(DeclaratieRegel, Declaratie, Prestatie, PrestatieIndicator, Inburgeraar)
        .join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
        .join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id)
        .join(PrestatieIndicator, PrestatieIndicator.id == Prestatie.indicator_id)
        .join(Inburgeraar, Inburgeraar.id == Prestatie.inburgeraar_id)
        .where(Declaratie.id.in_(access.declaraties(actor).with_only_columns(Declaratie.id)),
               DeclaratieRegel.status == RegelStatus.AFGEWEZEN, DeclaratieRegel.credit_van_regel_id.is_(None),
               Prestatie.afgewezen.is_(True))
        .order_by(Declaratie.periode, DeclaratieRegel.id).limit(AFGEWEZEN_OP_OVERZICHT)
    ).all()


@bp.route("/berekenen", methods=["POST"])
@roles_required(*DECLARANTEN)
def berekenen() -> WerkzeugResponse:
    """Bring the concept declaraties up to date with the registrations (the billing service's run)."""
    if ActionForm().validate_on_submit():
        try:
            results = service.bereken_concepten(db.session, _actor(), clock.today())
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except ValidationError as exc:  # a contract's billing lock stayed taken (a nightly run): nothing stored
            db.session.rollback()
            for message in exc.errors.values():
                flash(message, "error")
            return redirect(url_for("declaraties.index"))
        db.session.commit()
        nieuw = sum(r.nieuwe_regels for _, r in results)
        credit = sum(r.credit_regels for _, r in results)
        zonder = sum(r.zonder_tarief for _, r in results)
        tekst = f"De concept-declaraties zijn bijgewerkt: {nieuw} {'nieuwe regel' if nieuw == 1 else 'nieuwe regels'}"
        tekst += f", waarvan {credit} {'creditregel' if credit == 1 else 'creditregels'}" if credit else ""
        if zonder:
            tekst += (". 1 prestatie heeft nog geen tarief en staat" if zonder == 1 else
                      f". {zonder} prestaties hebben nog geen tarief en staan") + " niet op een declaratie."
        else:
            tekst += "."
        flash(tekst, "success")
    return redirect(url_for("declaraties.index"))


@bp.route("/nummer")
@roles_required(*DECLARATIE_LEZERS)
def op_nummer() -> WerkzeugResponse:
    """A declaratie by its declaratienummer (?nummer=, as a melding names it): to its page, or 404 out of scope."""
    declaratie_id = db.session.scalar(access.declaraties(_actor()).with_only_columns(Declaratie.id)
                                      .where(Declaratie.nummer == request.args.get("nummer", "")))
    if declaratie_id is None:
        abort(404)
    return redirect(url_for("declaraties.detail", declaratie_id=declaratie_id))


def _declaratie(declaratie_id: int) -> Declaratie:
    return access.get_declaratie_or_404(_actor(), declaratie_id)


def _regels_met_context(declaratie: Declaratie):  # type: ignore[no-untyped-def]
    """The regels with what the page shows of each: the inburgeraar, the verwijzing and the indicator."""
    return db.session.execute(
        service.regels(declaratie).add_columns(Prestatie, PrestatieIndicator, Verwijzing.kenmerk, Inburgeraar)
        .join(PrestatieIndicator, PrestatieIndicator.id == Prestatie.indicator_id)
        .join(Verwijzing, Verwijzing.id == Prestatie.verwijzing_id)
        .join(Inburgeraar, Inburgeraar.id == Prestatie.inburgeraar_id)
    ).all()


def _opnieuw_gedeclareerd(declaratie: Declaratie, regel_id: int | None = None) -> dict[int, tuple[int, Declaratie]]:
    """Rejected regels of this declaratie (or just `regel_id`) whose prestatie was declared again later: regel id ->
    (the new regel's id, its declaratie), when the user may see that declaratie (a concept is the aanbieder's)."""
    later = aliased(DeclaratieRegel)
    query = (select(DeclaratieRegel.id, func.min(later.id))
             .join(later, and_(later.prestatie_id == DeclaratieRegel.prestatie_id, later.id > DeclaratieRegel.id,
                               later.credit_van_regel_id.is_(None)))
             .where(DeclaratieRegel.declaratie_id == declaratie.id, DeclaratieRegel.status == RegelStatus.AFGEWEZEN,
                    later.declaratie_id.in_(access.declaraties(_actor()).with_only_columns(Declaratie.id)))
             .group_by(DeclaratieRegel.id))
    if regel_id is not None:
        query = query.where(DeclaratieRegel.id == regel_id)
    pairs: dict[int, int] = {oud: nieuw_id for oud, nieuw_id in db.session.execute(query)}
    nieuw = {r.id: r.declaratie for r in db.session.scalars(
        select(DeclaratieRegel).where(DeclaratieRegel.id.in_(list(pairs.values())))
        .options(selectinload(DeclaratieRegel.declaratie)))}
    return {oud: (nieuw_id, nieuw[nieuw_id]) for oud, nieuw_id in pairs.items()}


@bp.route("/<int:declaratie_id>")
@roles_required(*DECLARATIE_LEZERS)
def detail(declaratie_id: int) -> str:
    """One declaratie: its regels with findings and decisions, totals, and what the user can do with it."""
    actor = _actor()
    declaratie = _declaratie(declaratie_id)
    rows = _regels_met_context(declaratie)
    ids = sorted({row[4].id for row in rows})
    if ids:  # the regels name their inburgeraars: findable per inburgeraar (audit_gezien)
        audit.record_shown(db.session, actor, ids, action=AuditActie.DECLARATIE_BEKEKEN, object_type="declaratie",
                           object_id=declaratie.id, details={"inburgeraar_ids": ids})
    else:
        audit.record_read(db.session, actor, None, action=AuditActie.DECLARATIE_BEKEKEN, object_type="declaratie",
                          object_id=declaratie.id, details={"inburgeraar_ids": ids})
    db.session.commit()
    today = clock.today()
    may_submit = access.may_submit_declaratie(actor, declaratie)
    return render_template(
        "declaraties/detail.html", declaratie=declaratie, rows=rows, totalen=service.totalen(db.session, declaratie),
        action_form=ActionForm(), may_submit=may_submit,
        may_decide=access.may_decide_declaratie(actor, declaratie), today=today,
        termijn_tekst=termijn_melding(declaratie, today) if may_submit else None,
        indienen_vanaf=declaratie.periode_tot + timedelta(days=1), opnieuw=_opnieuw_gedeclareerd(declaratie),
        open_statussen=(DeclaratieStatus.INGEDIEND, DeclaratieStatus.IN_BEHANDELING),
        bevindingen=declaratie_bevindingen(declaratie),
    )


def _action(declaratie: Declaratie, action, done_message,  # type: ignore[no-untyped-def]
            terug: str | None = None) -> WerkzeugResponse:
    """One button's POST: call the service, commit, flash; a ValidationError is flashed as an error. Back to the
    declaratie, or to `terug` (a page of this declaratie the button was on)."""
    if ActionForm().validate_on_submit():
        try:
            result = action()
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except ValidationError as exc:
            db.session.rollback()
            for message in exc.errors.values():
                flash(message, "error")
        else:
            db.session.commit()
            flash(done_message(result), "success")
    return redirect(terug or url_for("declaraties.detail", declaratie_id=declaratie.id))


@bp.route("/<int:declaratie_id>/indienen", methods=["POST"])
@roles_required(*DECLARANTEN)
def indienen(declaratie_id: int) -> WerkzeugResponse:
    """Submit a concept declaratie (after its periode ended); it is frozen from then on."""
    declaratie = _declaratie(declaratie_id)
    return _action(declaratie, lambda: service.submit(db.session, _actor(), declaratie, clock.today()),
                   lambda d: f"Declaratie {d.nummer} is ingediend bij {d.gemeente.naam}.")


@bp.route("/<int:declaratie_id>/goedkeuren", methods=["POST"])
@roles_required(*BEOORDELAARS)
def goedkeuren(declaratie_id: int) -> WerkzeugResponse:
    """Approve every undecided regel without findings in one action."""
    declaratie = _declaratie(declaratie_id)
    return _action(declaratie, lambda: service.approve_all_clean(db.session, _actor(), declaratie),
                   lambda n: f"{n} {'regel' if n == 1 else 'regels'} zonder bevindingen goedgekeurd.")


@bp.route("/<int:declaratie_id>/regels/<int:regel_id>/opnieuw", methods=["POST"])
@roles_required(*DECLARANTEN)
def opnieuw(declaratie_id: int, regel_id: int) -> WerkzeugResponse:
    """Declare a rejected regel again, at what the (corrected) registrations say now."""
    declaratie = _declaratie(declaratie_id)
    regel = access.get_regel_or_404(_actor(), declaratie, regel_id)
    # From the regel's own page the user goes back there, where it now says where the regel went.
    terug = (url_for("declaraties.regel", declaratie_id=declaratie.id, regel_id=regel.id)
             if request.form.get("vanaf") == "regel" else None)
    return _action(declaratie, lambda: service.redeclare(db.session, _actor(), regel),
                   lambda nieuw: "De regel is opnieuw gedeclareerd op " + (
                       f"declaratie {nieuw.declaratie.nummer}." if nieuw else "de volgende declaratie."), terug)


def _beslissen(actor: User, declaratie: Declaratie, regel_obj: DeclaratieRegel) -> bool:
    """Whether the regel's page offers this user the decision form: a submitted regel not yet decided."""
    return (access.may_decide_declaratie(actor, declaratie) and regel_obj.status is RegelStatus.INGEDIEND
            and declaratie.status is not DeclaratieStatus.CONCEPT)


def _regel_page(declaratie: Declaratie, regel_obj: DeclaratieRegel, form: BesluitForm) -> tuple[str, int]:
    actor = _actor()
    return render_template("declaraties/regel.html", declaratie=declaratie, regel=regel_obj, form=form,
                           beslissen=_beslissen(actor, declaratie, regel_obj),
                           may_decide=access.may_decide_declaratie(actor, declaratie),
                           may_submit=access.may_submit_declaratie(actor, declaratie), action_form=ActionForm(),
                           opnieuw=_opnieuw_gedeclareerd(declaratie, regel_obj.id),
                           persoon=db.session.get(Inburgeraar, regel_obj.prestatie.inburgeraar_id),
                           back=_back(declaratie, regel_obj)), errors_status(form)


def _back(declaratie: Declaratie, regel_obj: DeclaratieRegel) -> str:
    return url_for("declaraties.detail", declaratie_id=declaratie.id) + f"#regel-{regel_obj.id}"


@bp.route("/<int:declaratie_id>/regels/<int:regel_id>")
@roles_required(*DECLARATIE_LEZERS)
def regel(declaratie_id: int, regel_id: int) -> tuple[str, int]:
    """One regel with its findings and decision; the contractmanager decides it here."""
    declaratie = _declaratie(declaratie_id)
    regel_obj = access.get_regel_or_404(_actor(), declaratie, regel_id)
    audit.record_read(db.session, _actor(), regel_obj.prestatie.inburgeraar_id, action=AuditActie.DECLARATIE_BEKEKEN,
                      object_type="declaratie_regel", object_id=regel_obj.id)
    db.session.commit()
    return _regel_page(declaratie, regel_obj, BesluitForm())


@bp.route("/<int:declaratie_id>/regels/<int:regel_id>/besluit", methods=["POST"])
@roles_required(*BEOORDELAARS)
def besluit(declaratie_id: int, regel_id: int):  # type: ignore[no-untyped-def]
    """Approve or reject one regel with a reason; a regel is decided once."""
    actor = _actor()
    declaratie = _declaratie(declaratie_id)
    regel_obj = access.get_regel_or_404(actor, declaratie, regel_id)
    form = BesluitForm()

    def done(saved: DeclaratieRegel) -> WerkzeugResponse:
        flash(f"Regel {saved.id}: {saved.status.label.lower()}.", "success")
        return redirect(_back(declaratie, saved))

    def again() -> ResponseReturnValue:
        if _beslissen(actor, declaratie, regel_obj):
            return _regel_page(declaratie, regel_obj, form)
        # Decided meanwhile (another tab, a colleague): the page shows no form to carry the reason.
        return errors_flashed(form, url_for("declaraties.regel", declaratie_id=declaratie.id, regel_id=regel_obj.id))

    return submit(form, lambda: service.decide(db.session, actor, regel_obj, input_from(service.BesluitInput, form)),
                  done=done, again=again)


def _download(declaratie: Declaratie, body: bytes, mimetype: str, ext: str) -> Response:
    audit.record(db.session, _actor(), AuditActie.DECLARATIE_GEEXPORTEERD, object_type="declaratie",
                 object_id=declaratie.id, details={"formaat": ext})
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="declaratie-{declaratie.nummer}.{ext}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:declaratie_id>/export.xlsx")
@roles_required(*DECLARATIE_LEZERS)
def export_xlsx(declaratie_id: int) -> Response:
    """The declaratie as a workbook (every text a string cell)."""
    declaratie = _declaratie(declaratie_id)
    return _download(declaratie, exports.as_xlsx(db.session, declaratie), XLSX_MIMETYPE, "xlsx")


@bp.route("/<int:declaratie_id>/export.json")
@roles_required(*DECLARATIE_LEZERS)
def export_json(declaratie_id: int) -> Response:
    """The declaratie as a 323 message with its 325 retour (amounts in euro cents)."""
    declaratie = _declaratie(declaratie_id)
    return _download(declaratie, exports.as_json(db.session, declaratie), "application/json", "json")


@bp.route("/<int:declaratie_id>/export.csv")
@roles_required(*DECLARATIE_LEZERS)
def export_csv(declaratie_id: int) -> Response:
    """The declaratie's regels as CSV with the message's fields."""
    declaratie = _declaratie(declaratie_id)
    return _download(declaratie, exports.as_csv(db.session, declaratie), "text/csv; charset=utf-8", "csv")
