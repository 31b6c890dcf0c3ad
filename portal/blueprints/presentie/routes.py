"""Presentie views: weekly grid (htmx per row), start form, single-session form and per-verwijzing page.

Every save goes through portal.services.presentie / portal.services.traject, the same functions the
spreadsheet import uses; views only load, check access, call the service, commit once and render.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, or_, select
from werkzeug.wrappers import Response

from portal import access, audit
from portal.access import roles_required
from portal.blueprints.formflow import apply_errors
from portal.blueprints.presentie import bp, grid
from portal.blueprints.presentie.forms import SessieForm, StartForm
from portal.extensions import db, htmx
from portal.formatting import getal
from portal.models import Presentie, RegistratieWijziging, User, Verwijzing
from portal.models.enums import AANBIEDER_ROLLEN
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL, Activiteit
from portal.navigation import add_nav_item
from portal.pagination import page_number, paginate
from portal.services import ValidationError, presentie, totals, traject

add_nav_item("presentie.week", "Presentie", AANBIEDER_ROLLEN, description="presentie per week registreren", order=20)

READERS = (*AANBIEDER_ROLLEN, *access.CASE_READERS)


def today() -> date:
    """Today's date (a function so tests can move the clock)."""
    return date.today()


def _activiteit(raw: str | None, allowed: list[Activiteit]) -> Activiteit:
    return next((a for a in allowed if a.value == raw), allowed[0])


def _week_context(monday: date, activiteit: Activiteit, activiteiten: list[Activiteit], zoek: str = "",
                  pagina: int = 1) -> dict:
    return {
        "zoek": zoek, "pagina": pagina,
        "monday": monday, "days": [monday + timedelta(days=i) for i in range(7)], "week": grid.week_label(monday),
        "prev_week": grid.week_label(monday - timedelta(days=7)),
        "next_week": grid.week_label(monday + timedelta(days=7)),
        "activiteit": activiteit, "activiteiten": activiteiten, **grid.template_helpers(),
    }


@bp.route("/")
@roles_required(*AANBIEDER_ROLLEN)
def index() -> Response:
    """The grid of the current week."""
    return redirect(url_for("presentie.week"))


@bp.route("/week")
@roles_required(*AANBIEDER_ROLLEN)
def week() -> str:
    """Weekly grid: the provider's deelnemers as rows, Monday to Sunday as columns, for one activity."""
    now = today()
    monday = grid.parse_week(request.args.get("week"), now)
    activiteiten = grid.activiteiten_for(db.session, current_user)
    activiteit = _activiteit(request.args.get("activiteit"), activiteiten)
    zoek = request.args.get("q", "").strip()[:100]
    total = grid.count_rows(db.session, current_user, monday, activiteit, zoek)
    pages = max(1, -(-total // grid.GRID_PER_PAGE))
    pagina = min(page_number(request.args.get("pagina")), pages)
    rows = grid.load_rows(db.session, current_user, monday, activiteit, now, zoek=zoek, pagina=pagina)
    return render_template("presentie/week.html", rows=rows, total=total, pages=pages,
                           **_week_context(monday, activiteit, activiteiten, zoek, pagina))


@bp.route("/week/rij/<int:verwijzing_id>", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def save_row(verwijzing_id: int) -> str | Response | tuple[str, int]:
    """Save one row of the grid (all days or nothing); htmx gets the row back with errors in place."""
    access.get_verwijzing_for_registration_or_404(current_user, verwijzing_id)
    now = today()
    monday = grid.parse_week(request.form.get("week"), now)
    activiteiten = grid.activiteiten_for(db.session, current_user)
    activiteit = _activiteit(request.form.get("activiteit"), activiteiten)
    rows = grid.load_rows(db.session, current_user, monday, activiteit, now, only=verwijzing_id)
    if not rows:
        abort(404)
    row = rows[0]
    inputs = grid.inputs_from_form(row, request.form, activiteit)
    result, errors = presentie.register(db.session, current_user, inputs, now)
    if errors:
        grid.attach_errors(row, errors)
        count = len({(e.regel, e.veld) for e in errors})
        row.bericht = (f"Niet opgeslagen voor {row.naam}: {count} {'fout' if count == 1 else 'fouten'}. "
                       "Verbeter de gemarkeerde velden en druk op Enter.")
    else:
        db.session.commit()
        row = grid.load_rows(db.session, current_user, monday, activiteit, now, only=verwijzing_id)[0]
        row.bericht = _saved_message(row.naam, result)
    zoek = request.form.get("q", "").strip()[:100]
    context = _week_context(monday, activiteit, activiteiten, zoek, page_number(request.form.get("pagina")))
    if htmx:
        return render_template("presentie/_rij.html", row=row, **context)
    if not errors:
        flash(row.bericht, "success")
        return redirect(url_for("presentie.week", week=context["week"], activiteit=activiteit.value,
                                q=zoek or None, pagina=context["pagina"] if context["pagina"] > 1 else None))
    all_rows = grid.load_rows(db.session, current_user, monday, activiteit, now, zoek=zoek, pagina=context["pagina"])
    all_rows = [row if r.verwijzing.id == row.verwijzing.id else r for r in all_rows]
    total = grid.count_rows(db.session, current_user, monday, activiteit, zoek)
    return render_template("presentie/week.html", rows=all_rows, fout_bericht=row.bericht, total=total,
                           pages=max(1, -(-total // grid.GRID_PER_PAGE)), **context), 422


def _saved_message(naam: str, result: presentie.SaveResult) -> str:
    if result.nieuw == result.gewijzigd == 0:
        return f"Geen wijzigingen voor {naam}."
    parts = []
    if result.nieuw:
        parts.append(f"{result.nieuw} {'dag' if result.nieuw == 1 else 'dagen'} nieuw")
    if result.gewijzigd:
        parts.append(f"{result.gewijzigd} gecorrigeerd")
    return f"Opgeslagen voor {naam}: {', '.join(parts)}."


# --- per verwijzing ---------------------------------------------------------------------------------

def _history(verwijzing: Verwijzing, start_id: int | None) -> list[tuple[RegistratieWijziging, str | None, str]]:
    """Corrections of this verwijzing's start, status and sessions, newest first, with who and what."""
    presentie_ids = select(Presentie.id).where(Presentie.verwijzing_id == verwijzing.id)
    conditions = [
        and_(RegistratieWijziging.object_type == "presentie", RegistratieWijziging.object_id.in_(presentie_ids)),
        and_(RegistratieWijziging.object_type == "verwijzing", RegistratieWijziging.object_id == verwijzing.id,
             RegistratieWijziging.veld == "status"),
    ]
    if start_id is not None:
        conditions.append(and_(RegistratieWijziging.object_type == "traject_start",
                               RegistratieWijziging.object_id == start_id))
    rows = db.session.execute(
        select(RegistratieWijziging, User.naam)
        .outerjoin(User, User.id == RegistratieWijziging.gewijzigd_door_id)
        .where(or_(*conditions))
        .order_by(RegistratieWijziging.gewijzigd_op.desc(), RegistratieWijziging.id.desc())
        .limit(100)
    ).all()
    sessions = {
        p.id: f"Sessie {p.datum.strftime('%d-%m-%Y')}, {p.activiteit.label}"
        for p in db.session.scalars(select(Presentie).where(Presentie.id.in_(
            [h.object_id for h, _ in rows if h.object_type == "presentie"])))
    }
    what = {"traject_start": "Start traject", "verwijzing": "Verwijzing"}
    return [(h, naam, sessions.get(h.object_id, "") if h.object_type == "presentie" else what[h.object_type])
            for h, naam in rows]


def _start_form(verwijzing: Verwijzing, start) -> StartForm:
    form = StartForm(formdata=None)
    if start is not None:
        form.gerealiseerde_startdatum.data = start.gerealiseerde_startdatum.strftime("%d-%m-%Y") \
            if start.gerealiseerde_startdatum else ""
        form.bijgestelde_einddatum.data = start.bijgestelde_einddatum.strftime("%d-%m-%Y") \
            if start.bijgestelde_einddatum else ""
        form.reden_latere_start.data = start.reden_latere_start or ""
        form.niet_gestart.data = start.niet_gestart
        form.reden_niet_gestart.data = start.reden_niet_gestart or ""
    return form


def _render_verwijzing(verwijzing: Verwijzing, start_form: StartForm | None = None, status: int = 200):
    start = traject.start_of(db.session, verwijzing)
    may_register = current_user.rol.is_aanbieder and verwijzing.aanbieder_id == current_user.aanbieder_id
    query = access.presentie(current_user).where(Presentie.verwijzing_id == verwijzing.id).order_by(
        Presentie.datum.desc(), Presentie.activiteit)
    page = paginate(db.session, query, page_number(request.args.get("pagina")), per_page=50,
                    args={"verwijzing_id": verwijzing.id})
    audit.record(db.session, current_user, "presentie_bekeken", object_type="verwijzing", object_id=verwijzing.id,
                 inburgeraar=verwijzing.inburgeraar_id)
    db.session.commit()
    return render_template(
        "presentie/verwijzing.html", verwijzing=verwijzing, inburgeraar=verwijzing.inburgeraar, start=start,
        page=page, history=_history(verwijzing, start.id if start else None), may_register=may_register,
        form=start_form or (_start_form(verwijzing, start) if may_register else None),
        totalen=totals.for_verwijzing(db.session, current_user, verwijzing, today()),
        activiteiten=ACTIVITEITEN_PER_ONDERDEEL[verwijzing.onderdeel],
    ), status


@bp.route("/verwijzing/<int:verwijzing_id>")
@roles_required(*READERS)
def verwijzing(verwijzing_id: int):
    """Start, sessions with corrections and their history, and totals of one verwijzing."""
    return _render_verwijzing(access.get_verwijzing_or_404(current_user, verwijzing_id))


@bp.route("/verwijzing/<int:verwijzing_id>/start", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def start(verwijzing_id: int):
    """Register or correct the start of the traject, or that the deelnemer did not start."""
    verwijzing = access.get_verwijzing_for_registration_or_404(current_user, verwijzing_id)
    form = StartForm()
    if form.validate_on_submit():
        data = traject.StartInput(
            gerealiseerde_startdatum=form.gerealiseerde_startdatum.data,
            bijgestelde_einddatum=form.bijgestelde_einddatum.data,
            reden_latere_start=form.reden_latere_start.data,
            niet_gestart=bool(form.niet_gestart.data),
            reden_niet_gestart=form.reden_niet_gestart.data,
        )
        try:
            traject.register_start(db.session, current_user, verwijzing, data, today())
        except ValidationError as exc:
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash("De start van het traject is opgeslagen.", "success")
            return redirect(url_for("presentie.verwijzing", verwijzing_id=verwijzing.id))
    return _render_verwijzing(verwijzing, form, 422)


@bp.route("/verwijzing/<int:verwijzing_id>/sessie", methods=["GET", "POST"])
@roles_required(*AANBIEDER_ROLLEN)
def sessie(verwijzing_id: int):
    """Register one session, or correct it: the same day and activity is the same record."""
    verwijzing = access.get_verwijzing_for_registration_or_404(current_user, verwijzing_id)
    form = SessieForm()
    form.activiteit.choices = [(a.value, a.label) for a in ACTIVITEITEN_PER_ONDERDEEL[verwijzing.onderdeel]]
    form.activiteit.validate_choice = False  # the service explains a wrong activity in Dutch
    if request.method == "GET":
        _prefill(form, verwijzing)
    elif form.validate_on_submit():
        item = presentie.PresentieInput(
            regel=1, verwijzing_id=verwijzing.id, datum=form.datum.data, activiteit=form.activiteit.data,
            uren_aanwezig=form.uren_aanwezig.data, uren_afwezig_geoorloofd=form.uren_afwezig_geoorloofd.data,
            uren_afwezig_ongeoorloofd=form.uren_afwezig_ongeoorloofd.data, reden_afwezig=form.reden_afwezig.data,
        )
        result, errors = presentie.register(db.session, current_user, [item], today())
        if not errors:
            db.session.commit()
            flash("De sessie is gecorrigeerd." if result.gewijzigd else
                  ("De sessie is opgeslagen." if result.nieuw else "Er was niets gewijzigd."), "success")
            return redirect(url_for("presentie.verwijzing", verwijzing_id=verwijzing.id))
        apply_errors(form, {("form" if e.veld == "verwijzing" else e.veld): e.melding for e in errors})
    status = 422 if form.errors or form.form_errors else 200
    return render_template("presentie/sessie.html", form=form, verwijzing=verwijzing,
                           inburgeraar=verwijzing.inburgeraar), status


def _prefill(form: SessieForm, verwijzing: Verwijzing) -> None:
    """Open the form on an existing session (?datum=2026-11-17&activiteit=taalles_knm) to correct it."""
    raw_date, raw_act = request.args.get("datum", ""), request.args.get("activiteit", "")
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        return
    existing = db.session.scalars(access.presentie(current_user).where(
        Presentie.verwijzing_id == verwijzing.id, Presentie.datum == day, Presentie.activiteit == raw_act
    ).limit(1)).first() if raw_act in Activiteit._value2member_map_ else None
    form.datum.data = day.strftime("%d-%m-%Y")
    if existing is not None:
        form.activiteit.data = existing.activiteit.value
        form.uren_aanwezig.data = getal(existing.uren_aanwezig)
        form.uren_afwezig_geoorloofd.data = getal(existing.uren_afwezig_geoorloofd)
        form.uren_afwezig_ongeoorloofd.data = getal(existing.uren_afwezig_ongeoorloofd)
        form.reden_afwezig.data = existing.reden_afwezig or ""
