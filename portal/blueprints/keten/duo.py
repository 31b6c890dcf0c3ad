"""DUO berichten: the outbox per gemeente, each bericht's JSON, a batch export as JSON lines, DUO's answers."""

from __future__ import annotations

import json

from flask import Response as FlaskResponse
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from portal import access, audit, clock
from portal.access import DUO_INVOERDERS, roles_required
from portal.audit import AuditActie
from portal.blueprints.formflow import errors_flashed, errors_status, input_from, save_form
from portal.blueprints.keten import bp
from portal.blueprints.keten.forms import ActieForm, AntwoordForm, ExportForm
from portal.blueprints.listing import choice_arg, int_arg, record_shown
from portal.extensions import db
from portal.models import BerichtStatus, DuoBericht, Gemeente, User
from portal.models.resultaat import RouteResultaat
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number, paginate
from portal.services.chain import duo

add_nav_item("keten.duo_index", "DUO-berichten", DUO_INVOERDERS,
             description="berichten aan DUO klaarzetten, exporteren en antwoorden vastleggen", order=62)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _gemeenten(actor: User) -> list[Gemeente]:
    return list(db.session.scalars(access.gemeenten(actor)))


TE_BEVESTIGEN_MAX = 50  # the oldest first; the page says how many more wait


def _te_bevestigen(actor: User) -> tuple[list[RouteResultaat], int]:
    """Route results with a date for DUO that no klantregisseur confirmed yet (residents in scope): the oldest
    TE_BEVESTIGEN_MAX, and how many there are in all."""
    query = access.route_resultaten(actor).where(
        RouteResultaat.duo_bevestigd_op.is_(None),
        (RouteResultaat.datum_eindgesprek_map.is_not(None)) | (RouteResultaat.datum_ondertekening_pvt.is_not(None))
        | (RouteResultaat.datum_afronding_z_route.is_not(None)),
    )
    # Oldest by the date the list shows (the eindgesprek, ondertekening or afronding), not by when it was entered.
    datum = func.coalesce(RouteResultaat.datum_eindgesprek_map, RouteResultaat.datum_ondertekening_pvt,
                          RouteResultaat.datum_afronding_z_route)
    rows = list(db.session.scalars(query.order_by(datum, RouteResultaat.id).limit(TE_BEVESTIGEN_MAX)))
    totaal = len(rows) if len(rows) < TE_BEVESTIGEN_MAX else db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery()))
    return rows, totaal


@bp.route("/duo")
@roles_required(*DUO_INVOERDERS)
def duo_index() -> str:
    """The outbox: pending berichten first, with what is still missing, and the sent ones with DUO's answers."""
    actor = _actor()
    gemeenten = _gemeenten(actor)
    args = {
        "gemeente": int_arg(request.args.get("gemeente")),
        "status": choice_arg(request.args.get("status"), BerichtStatus._value2member_map_) or BerichtStatus.KLAAR.value,
    }
    query = access.duo_berichten(actor).where(DuoBericht.status == args["status"])
    if args["gemeente"]:
        query = query.where(DuoBericht.gemeente_id == args["gemeente"])
    query = query.order_by(DuoBericht.id.desc())
    page = paginate(db.session, query, page_number(request.args.get(PAGE_PARAM)), args=args)
    export = ExportForm()
    klaar = duo.klaar_per_gemeente(db.session, [g.id for g in gemeenten])
    export.gemeente_id.choices = [(str(g.id), f"{g.naam} ({klaar.get(g.id, 0)} klaar)") for g in gemeenten]
    # Offer the first gemeente that has something to export, not one that would answer "nothing waiting".
    export.gemeente_id.data = next((str(g.id) for g in gemeenten if klaar.get(g.id)), None)
    te_bevestigen, totaal = _te_bevestigen(actor)
    html = render_template(
        "keten/duo.html", page=page, args=args, gemeenten=gemeenten, statussen=BerichtStatus,
        aantallen=duo.counts(db.session, [g.id for g in gemeenten]), export=export, actie=ActieForm(),
        te_bevestigen=te_bevestigen, te_bevestigen_totaal=totaal,
    )
    # The route results to confirm name their inburgeraars (the berichten list shows none).
    record_shown("duo_te_bevestigen", (r.inburgeraar_id for r in te_bevestigen))
    return html


@bp.route("/duo/bijwerken", methods=["POST"])
@roles_required(*DUO_INVOERDERS)
def duo_bijwerken() -> Response:
    """Compare what DUO should hold with what was sent, for every gemeente in scope, and add berichten."""
    actor = _actor()
    form = ActieForm()
    if not form.validate_on_submit():
        return redirect(url_for("keten.duo_index"))
    nieuw, onvolledig = 0, []
    for gemeente in _gemeenten(actor):
        result = duo.bijwerken(db.session, gemeente)
        nieuw += len(result.nieuw)
        onvolledig += result.onvolledig
    audit.record(db.session, actor, AuditActie.DUO_BERICHTEN_BIJGEWERKT, object_type="duo_bericht",
                 details={"nieuw": nieuw, "onvolledig": len(onvolledig)})
    db.session.commit()
    tekst = f"{nieuw} {'nieuw bericht' if nieuw == 1 else 'nieuwe berichten'} klaargezet."
    flash(tekst if nieuw else "Geen wijzigingen: DUO heeft alles al.", "success")
    for melding in onvolledig[:10]:
        flash(melding, "warning")
    if len(onvolledig) > 10:
        flash(f"En nog {len(onvolledig) - 10} andere gegevens die ontbreken.", "warning")
    return redirect(url_for("keten.duo_index"))


@bp.route("/duo/export", methods=["POST"])
@roles_required(*DUO_INVOERDERS)
def duo_export() -> Response:
    """Every pending bericht of one gemeente as JSON lines; they are recorded as 'verzonden'."""
    actor = _actor()
    form = ExportForm()
    form.gemeente_id.choices = [(str(g.id), g.naam) for g in _gemeenten(actor)]
    gemeente_id = int_arg(form.gemeente_id.data)
    if not form.validate_on_submit() or gemeente_id is None:
        flash("Kies de gemeente waarvan u de berichten wilt exporteren.", "error")
        return redirect(url_for("keten.duo_index"))
    gemeente = access.first_or_404(access.gemeenten(actor).where(Gemeente.id == gemeente_id))
    pending = list(db.session.scalars(
        access.duo_berichten(actor).where(DuoBericht.gemeente_id == gemeente.id,
                                          DuoBericht.status == BerichtStatus.KLAAR).order_by(DuoBericht.id)))
    if not pending:
        flash(f"Er staan geen berichten klaar voor {gemeente.naam}.", "warning")
        return redirect(url_for("keten.duo_index"))
    body = duo.exporteer(db.session, actor, gemeente, pending)
    db.session.commit()
    naam = f"duo-berichten-{gemeente.cbs_code}-{clock.today():%Y%m%d}-{pending[0].id}-{pending[-1].id}.jsonl"
    return FlaskResponse(body, mimetype="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="{naam}"', "Cache-Control": "no-store"})


@bp.route("/duo/<int:bericht_id>", methods=["GET", "POST"])
@roles_required(*DUO_INVOERDERS)
def duo_bericht(bericht_id: int) -> str | Response:
    """One bericht: its JSON as the transport sends it, and DUO's answer (status, foutmeldingen, a created id)."""
    actor = _actor()
    bericht = access.get_duo_bericht_or_404(actor, bericht_id)
    form = AntwoordForm()
    done = save_form(
        form, lambda: duo.record_antwoord(db.session, actor, bericht, input_from(duo.AntwoordInput, form)),
        "Het antwoord van DUO is vastgelegd.", url_for("keten.duo_bericht", bericht_id=bericht.id),
    )
    if done:
        return done
    if form.is_submitted() and bericht.status not in duo.BEANTWOORDBAAR:
        # Answered meanwhile (another tab, a colleague): the page shows no form to carry the reason.
        return errors_flashed(form, url_for("keten.duo_bericht", bericht_id=bericht.id))
    if request.method == "GET" and bericht.inburgeraar_id is not None:
        audit.record_read(db.session, actor, bericht.inburgeraar_id, object_type="duo_bericht",
                          object_id=bericht.id, action=AuditActie.DUO_BERICHT_BEKEKEN)
        db.session.commit()
    vorige = db.session.scalars(
        access.duo_berichten(actor).where(DuoBericht.sleutel == bericht.sleutel,
                                          DuoBericht.gemeente_id == bericht.gemeente_id, DuoBericht.id != bericht.id)
        .order_by(DuoBericht.id.desc()).limit(10)).all()
    return render_template("keten/duo_bericht.html", bericht=bericht, form=form, actie=ActieForm(),
                           beantwoordbaar=bericht.status in duo.BEANTWOORDBAAR,
                           json_tekst=json.dumps(duo.as_json(bericht), ensure_ascii=False, indent=2),
                           vorige=vorige), errors_status(form)  # type: ignore[return-value]


@bp.route("/duo/<int:bericht_id>/opnieuw", methods=["POST"])
@roles_required(*DUO_INVOERDERS)
def duo_opnieuw(bericht_id: int) -> str | Response:
    """Put a rejected bericht back in the outbox under a new berichtId."""
    actor = _actor()
    bericht = access.get_duo_bericht_or_404(actor, bericht_id)
    form = ActieForm()
    done = save_form(form, lambda: duo.opnieuw(db.session, actor, bericht),
                     "Het bericht staat opnieuw klaar, met een nieuw berichtId.",
                     lambda kopie: url_for("keten.duo_bericht", bericht_id=kopie.id))
    return done or redirect(url_for("keten.duo_bericht", bericht_id=bericht.id))


@bp.route("/resultaten/<int:resultaat_id>/bevestigen", methods=["POST"])
@roles_required(*DUO_INVOERDERS)
def resultaat_bevestigen(resultaat_id: int) -> str | Response:
    """The klantregisseur confirms the date of an eindgesprek, ondertekening or afronding for DUO."""
    actor = _actor()
    resultaat = access.get_route_resultaat_or_404(actor, resultaat_id)
    form = ActieForm()
    done = save_form(form, lambda: duo.bevestig_resultaat(db.session, actor, resultaat),
                     "De datum is bevestigd; bij het bijwerken komt er een bericht voor DUO.",
                     url_for("keten.duo_index"))
    if done:
        return done
    for message in form.form_errors or ["Het resultaat kon niet bevestigd worden."]:
        flash(message, "error")
    return redirect(url_for("keten.duo_index"))
