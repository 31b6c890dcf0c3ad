"""Presentie views: weekly grid (htmx per row), start form, single-session form and per-verwijzing page.

Every save goes through portal.services.presentie / portal.services.traject, the same functions the
spreadsheet import uses; views only load, check access, submit the form through formflow and render.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import access, audit, clock, database
from portal.access import roles_required
from portal.audit import AuditActie
from portal.blueprints.formflow import errors_status, input_from, render, submit
from portal.blueprints.listing import record_shown
from portal.blueprints.presentie import bp, grid
from portal.blueprints.presentie.forms import SessieForm, StartForm
from portal.extensions import db, htmx
from portal.formatting import getal
from portal.models import TrajectStart, User, Verwijzing
from portal.models.enums import AANBIEDER_ROLLEN
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL, Activiteit
from portal.navigation import add_nav_item
from portal.pagination import page_number, paginate
from portal.services import ValidationError, history, presentie, totals, traject, weekrooster

add_nav_item("presentie.week", "Presentie", AANBIEDER_ROLLEN, description="presentie per week registreren", order=20)

READERS = (*AANBIEDER_ROLLEN, *access.CASE_READERS)


def _user() -> User:
    """The logged-in user itself: every attribute read through flask-login's proxy looks the user up again, and
    the grid's scoped queries read the user many times a request."""
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _activiteit(raw: str | None, allowed: list[Activiteit]) -> Activiteit:
    return next((a for a in allowed if a.value == raw), allowed[0])


def _week_context(monday: date, activiteit: Activiteit, activiteiten: list[Activiteit], zoek: str = "",
                  pagina: int = 1) -> dict[str, Any]:
    return {
        "zoek": zoek, "pagina": pagina,
        "monday": monday, "days": [monday + timedelta(days=i) for i in range(7)],
        "week": weekrooster.week_label(monday),
        "prev_week": weekrooster.week_label(monday - timedelta(days=7)),
        "next_week": weekrooster.week_label(monday + timedelta(days=7)),
        "activiteit": activiteit, "activiteiten": activiteiten, **grid.template_helpers(),
    }


def _pages(total: int) -> int:
    return max(1, -(-total // weekrooster.GRID_PER_PAGE))


@bp.route("/")
@roles_required(*AANBIEDER_ROLLEN)
def index() -> Response:
    """The grid of the current week."""
    return redirect(url_for("presentie.week"))


@bp.route("/week")
@roles_required(*AANBIEDER_ROLLEN)
def week() -> str:
    """Weekly grid: the provider's deelnemers as rows, Monday to Sunday as columns, for one activity."""
    user = _user()
    now = clock.today()
    monday = weekrooster.parse_week(request.args.get("week"), now)
    activiteiten = weekrooster.activiteiten_for(db.session, user)
    activiteit = _activiteit(request.args.get("activiteit"), activiteiten)
    zoek = request.args.get("q", "").strip()[:100]
    total = weekrooster.count_rows(db.session, user, monday, activiteit, zoek)
    pages = _pages(total)
    pagina = min(page_number(request.args.get("pagina")), pages)
    rows = weekrooster.load_rows(db.session, user, monday, activiteit, now, zoek=zoek, pagina=pagina)
    html = render_template("presentie/week.html", rows=rows, total=total, pages=pages,
                           **_week_context(monday, activiteit, activiteiten, zoek, pagina))
    record_shown("presentie_weekrooster", (r.verwijzing.inburgeraar_id for r in rows), pagina=pagina,
                 week=monday.isoformat(), activiteit=activiteit.value)
    return html


@bp.route("/week/rij/<int:verwijzing_id>", methods=["POST"])
@database.reads_first_view  # the session check's read goes on into the row's (SQLite), ended below
@roles_required(*AANBIEDER_ROLLEN)
def save_row(verwijzing_id: int) -> ResponseReturnValue:
    """Save one row of the grid (all days or nothing); htmx gets the row back with errors in place."""
    user = _user()
    form = grid.RijForm()
    now = clock.today()
    monday = weekrooster.parse_week(form.week.data, now)
    activiteit = _activiteit(form.activiteit.data, list(Activiteit))
    # The row's own query is the access check (portal.access.verwijzingen_for_registration): another provider's
    # deelnemer, or one without a traject in this week for this activity, is not found. It only reads, so on
    # SQLite it runs before the write lock is taken: the save below holds the lock for its own reads and writes
    # (presentie.register validates against what is stored in that transaction), and concurrent saves wait less.
    # The session check's read transaction goes on in it (database.reads_first_view).
    with database.reading_first():
        rows = weekrooster.load_rows(db.session, user, monday, activiteit, now, only=verwijzing_id)
        # PostgreSQL reads committed data at every statement and a read takes no lock: the save goes on in this
        # transaction (a COMMIT, a BEGIN and the pool's ping fewer per save).
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.commit()
    if not rows:
        abort(404)
    row = rows[0]
    zoek = (form.q.data or "").strip()[:100]
    context = _week_context(monday, activiteit, [], zoek, page_number(form.pagina.data))  # the row needs no list

    inputs: list[presentie.PresentieInput] = []

    def save() -> presentie.SaveResult:
        try:
            inputs.extend(grid.inputs_from_form(row, form, activiteit))
            with history.via("weekrooster"):
                return presentie.register(db.session, user, inputs, now)
        except ValidationError as exc:
            grid.attach_errors(row, exc)
            count = sum(len(day.errors) for day in exc.rows)
            row.bericht = (f"Niet opgeslagen voor {row.naam}: {count} {'fout' if count == 1 else 'fouten'}. "
                           "Verbeter de gemarkeerde velden en druk op Enter.")
            raise

    def done(result: presentie.SaveResult) -> ResponseReturnValue:
        grid.show_saved(row, inputs)  # what was stored, without loading the row a second time
        saved = row
        saved.bericht = _saved_message(saved.naam, result)
        if not htmx:
            flash(saved.bericht, "success")
            return redirect(url_for("presentie.week", week=context["week"], activiteit=activiteit.value,
                                    q=zoek or None, pagina=context["pagina"] if context["pagina"] > 1 else None))
        return render_template("presentie/_rij.html", row=saved, **context)

    def again() -> ResponseReturnValue:
        if htmx:
            return render_template("presentie/_rij.html", row=row, **context)
        context["activiteiten"] = weekrooster.activiteiten_for(db.session, user)  # the whole page again
        all_rows = weekrooster.load_rows(db.session, user, monday, activiteit, now, zoek=zoek,
                                         pagina=context["pagina"])
        all_rows = [row if r.verwijzing.id == row.verwijzing.id else r for r in all_rows]
        total = weekrooster.count_rows(db.session, user, monday, activiteit, zoek)
        html = render_template("presentie/week.html", rows=all_rows, fout_bericht=row.bericht, total=total,
                               pages=_pages(total), **context)
        record_shown("presentie_weekrooster", (r.verwijzing.inburgeraar_id for r in all_rows),
                     pagina=context["pagina"], week=monday.isoformat(), activiteit=activiteit.value)
        return html, 422

    return submit(form, save, done=done, again=again)


@bp.route("/week/rij/<int:verwijzing_id>/afwezigheid")
@roles_required(*AANBIEDER_ROLLEN)
def afwezigheid(verwijzing_id: int) -> str:
    """The absence fields of one grid row for the week, loaded when the row's 'Afwezigheid' opens (htmx)."""
    user = _user()
    access.get_verwijzing_for_registration_or_404(user, verwijzing_id)
    now = clock.today()
    monday = weekrooster.parse_week(request.args.get("week"), now)
    activiteiten = weekrooster.activiteiten_for(db.session, user)
    activiteit = _activiteit(request.args.get("activiteit"), activiteiten)
    rows = weekrooster.load_rows(db.session, user, monday, activiteit, now, only=verwijzing_id)
    if not rows:
        abort(404)
    return render_template("presentie/_afwezigheid.html", row=rows[0],
                           **_week_context(monday, activiteit, activiteiten))


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

def _start_form(start: TrajectStart | None) -> StartForm:
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


def _waarde_label(object_type: str, veld: str, text: str | None) -> str:
    """A corrected value as history.waarde_label writes it; a provider's reason only as the user may see it."""
    return history.waarde_label(object_type, veld, access.reden_voor(current_user, text)
                                if veld in access.REDEN_VELDEN else text)


def _render_verwijzing(verwijzing: Verwijzing, start_form: StartForm | None = None,
                       status: int = 200) -> tuple[str, int]:
    start = traject.start_of(db.session, verwijzing)
    may_register = access.may_register(current_user, verwijzing)
    page = paginate(db.session, presentie.sessies(current_user, verwijzing), page_number(request.args.get("pagina")),
                    per_page=50, args={"verwijzing_id": verwijzing.id})
    audit.record_read(db.session, current_user, verwijzing.inburgeraar_id, action=AuditActie.PRESENTIE_BEKEKEN,
                      object_type="verwijzing", object_id=verwijzing.id)
    db.session.commit()
    return render_template(
        "presentie/verwijzing.html", verwijzing=verwijzing, inburgeraar=verwijzing.inburgeraar, start=start,
        page=page, history=history.correcties_van_verwijzing(db.session, verwijzing, start.id if start else None),
        may_register=may_register, form=start_form or (_start_form(start) if may_register else None),
        totalen=totals.for_verwijzing(db.session, current_user, verwijzing, clock.today()),
        activiteiten=ACTIVITEITEN_PER_ONDERDEEL[verwijzing.onderdeel],
        veld_label=history.veld_label, waarde_label=_waarde_label,
    ), status


@bp.route("/verwijzing/<int:verwijzing_id>")
@roles_required(*READERS)
def verwijzing(verwijzing_id: int) -> tuple[str, int]:
    """Start, sessions with corrections and their history, and totals of one verwijzing."""
    return _render_verwijzing(access.get_verwijzing_or_404(current_user, verwijzing_id))


@bp.route("/verwijzing/<int:verwijzing_id>/start", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def start(verwijzing_id: int) -> ResponseReturnValue:
    """Register or correct the start of the traject, or that the deelnemer did not start."""
    verwijzing = access.get_verwijzing_for_registration_or_404(current_user, verwijzing_id)
    form = StartForm()

    def done(_start: TrajectStart) -> Response:
        flash("De start van het traject is opgeslagen.", "success")
        return redirect(url_for("presentie.verwijzing", verwijzing_id=verwijzing.id))

    return submit(
        form, lambda: traject.register_start(db.session, current_user, verwijzing,
                                             input_from(traject.StartInput, form), clock.today()),
        done=done, again=lambda: _render_verwijzing(verwijzing, form, errors_status(form)),
    )


@bp.route("/verwijzing/<int:verwijzing_id>/sessie", methods=["GET", "POST"])
@roles_required(*AANBIEDER_ROLLEN)
def sessie(verwijzing_id: int) -> ResponseReturnValue:
    """Register one session, or correct it: the same day and activity is the same record."""
    verwijzing = access.get_verwijzing_for_registration_or_404(current_user, verwijzing_id)
    form = SessieForm()
    form.activiteit.choices = [(a.value, a.label) for a in ACTIVITEITEN_PER_ONDERDEEL[verwijzing.onderdeel]]
    form.activiteit.validate_choice = False  # the service explains a wrong activity in Dutch
    if request.method == "GET":
        _prefill(form, verwijzing)

    def save() -> presentie.SaveResult:
        # An error about the deelnemer itself names no field of this form: it shows above the form.
        item = input_from(presentie.PresentieInput, form, regel=1, verwijzing_id=verwijzing.id)
        with history.via("sessieformulier"):
            return presentie.register(db.session, current_user, [item], clock.today())

    def done(result: presentie.SaveResult) -> Response:
        flash("De sessie is gecorrigeerd." if result.gewijzigd else
              ("De sessie is opgeslagen." if result.nieuw else "Er was niets gewijzigd."), "success")
        return redirect(url_for("presentie.verwijzing", verwijzing_id=verwijzing.id))

    def again() -> tuple[str, int]:
        return render("presentie/sessie.html", status=errors_status(form), form=form, verwijzing=verwijzing,
                      inburgeraar=verwijzing.inburgeraar)

    return submit(form, save, done=done, again=again)


def _prefill(form: SessieForm, verwijzing: Verwijzing) -> None:
    """Open the form on an existing session (?datum=2026-11-17&activiteit=taalles_knm) to correct it."""
    try:
        day = date.fromisoformat(request.args.get("datum", ""))
    except ValueError:
        return
    existing = presentie.sessie_op(db.session, current_user, verwijzing, day, request.args.get("activiteit", ""))
    form.datum.data = day.strftime("%d-%m-%Y")
    if existing is not None:
        form.activiteit.data = existing.activiteit.value
        form.uren_aanwezig.data = getal(existing.uren_aanwezig)
        form.uren_afwezig_geoorloofd.data = getal(existing.uren_afwezig_geoorloofd)
        form.uren_afwezig_ongeoorloofd.data = getal(existing.uren_afwezig_ongeoorloofd)
        form.reden_afwezig.data = existing.reden_afwezig or ""
