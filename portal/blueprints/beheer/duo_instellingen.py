"""DUO's list of instellingen (GET /instellingen) into the aanbieders' reference data: paste or upload, check the
preview, confirm; the functioneel beheerder's."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import HiddenField, TextAreaField

from portal.access import roles_required
from portal.blueprints.beheer import bp
from portal.blueprints.fields import VOORWAARDELIJK
from portal.blueprints.formflow import apply_errors, form_page
from portal.extensions import db
from portal.models import User
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.services import ValidationError
from portal.services.chain import instellingen

add_nav_item(
    "beheer.duo_instellingen", "DUO-instellingen", (Rol.FUNCTIONEEL_BEHEERDER,),
    description="instellingsnummers en keurmerken van aanbieders uit DUO's lijst overnemen", order=88,
)


class InstellingenForm(FlaskForm):
    """DUO's answer, pasted or as a file."""

    json = TextAreaField("Antwoord van DUO (JSON)", render_kw={"rows": "10", "spellcheck": "false"},
                         description="Plak het antwoord op GET /instellingen zoals de DUO-koppeling het ontving, "
                                     "of kies hieronder het bestand.", validators=VOORWAARDELIJK)
    bestand = FileField("Of een JSON-bestand", render_kw={"accept": ".json,application/json"},
                        validators=VOORWAARDELIJK)


class BevestigInstellingenForm(FlaskForm):
    """The checked JSON and the digest of the plan the beheerder saw."""

    json = HiddenField()
    digest = HiddenField()


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _tekst(form: InstellingenForm) -> str:
    bestand = request.files.get(form.bestand.name)
    if bestand is not None and bestand.filename:
        ruw = bestand.read(instellingen.MAX_TEKENS + 1)
        try:
            return ruw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({"bestand": "Het bestand is geen tekst in UTF-8. Kies het JSON-bestand van "
                                              "DUO."}) from exc
    return form.json.data or ""


@bp.route("/duo-instellingen", methods=["GET", "POST"])
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def duo_instellingen() -> str | tuple[str, int]:
    """Paste or upload DUO's list; a valid one is shown as a preview with a confirm button."""
    form = InstellingenForm()
    if form.validate_on_submit():
        try:
            tekst = _tekst(form)
            plan = instellingen.voorstel(db.session, instellingen.lees(tekst))
        except ValidationError as exc:
            apply_errors(form, exc.errors)
        else:
            bevestig = BevestigInstellingenForm(data={"json": tekst, "digest": plan.digest})
            return render_template("beheer/duo_instellingen_controle.html", plan=plan, bevestig=bevestig)
    return form_page("beheer/duo_instellingen.html", form)


@bp.route("/duo-instellingen/bevestigen", methods=["POST"])
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def duo_instellingen_bevestigen() -> Response | tuple[str, int]:
    """Apply the previewed plan all at once, or show why not (with the plan as it is now)."""
    form = BevestigInstellingenForm()
    if not form.validate_on_submit():
        return redirect(url_for("beheer.duo_instellingen"))
    try:
        plan = instellingen.toepassen(db.session, _actor(), form.json.data or "", form.digest.data or "")
    except ValidationError as exc:
        db.session.rollback()
        try:
            plan = instellingen.voorstel(db.session, instellingen.lees(form.json.data or ""))
        except ValidationError:
            return redirect(url_for("beheer.duo_instellingen"))
        bevestig = BevestigInstellingenForm(data={"json": form.json.data, "digest": plan.digest})
        return render_template("beheer/duo_instellingen_controle.html", plan=plan, bevestig=bevestig,
                               fout=exc.errors.get("json")), 409
    db.session.commit()
    flash(f"DUO's lijst is overgenomen: {len(plan.te_wijzigen)} aanbieder(s) bijgewerkt.", "success")
    return redirect(url_for("beheer.organisaties_index"))
