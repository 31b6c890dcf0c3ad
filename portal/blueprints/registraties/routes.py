"""Registrations on one verwijzing and the klantregisseur's afschaling decisions.

Views load the verwijzing through access (out of scope is 404), call one service function, commit once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal import access
from portal.access import login_only, roles_required
from portal.blueprints.formflow import apply_errors
from portal.blueprints.registraties import bp
from portal.blueprints.registraties.forms import (
    AfschalingForm,
    BesluitForm,
    ExamenForm,
    OmstandighedenForm,
    RouteResultaatForm,
    VoortgangForm,
)
from portal.domain import normen
from portal.extensions import db
from portal.models import Afschalingsverzoek, RouteResultaat, Verwijzing
from portal.models.enums import AANBIEDER_ROLLEN, Onderdeel, Rol
from portal.navigation import add_nav_item
from portal.redirects import local_path
from portal.services import ValidationError, afschaling, resultaten, voortgang
from portal.services.registraties import NotAllowed

add_nav_item("registraties.afschalingsverzoeken", "Afschalingsverzoeken", (Rol.KLANTREGISSEUR,),
             description="verzoeken om naar A2 af te schalen die op uw besluit wachten", order=30)

Service = Callable[..., Any]


def _pagina(verwijzing: Verwijzing, **forms: FlaskForm) -> str:
    """The verwijzing's registration page; every view of it is audited by the read service."""
    user = current_user
    is_aanbieder = user.rol in AANBIEDER_ROLLEN
    registraties = resultaten.registraties_van(db.session, user, verwijzing.inburgeraar, verwijzing=verwijzing)
    context = {
        "verwijzing": verwijzing,
        "inburgeraar": verwijzing.inburgeraar,
        "registraties": registraties,
        "rapportages": voortgang.rapportages_van(db.session, user, verwijzing),
        "is_aanbieder": is_aanbieder,
        "mag_duo_invoeren": user.rol in resultaten.DUO_INVOERDERS,
        "is_b1": verwijzing.onderdeel is Onderdeel.B1_ROUTE,
        "heeft_routeresultaat": verwijzing.onderdeel in resultaten.ROUTE_ONDERDELEN,
        "voortgang_form": forms.get("voortgang_form") or VoortgangForm(prefix="voortgang", formdata=None),
        "omstandigheden_form": forms.get("omstandigheden_form") or OmstandighedenForm(prefix="omst", formdata=None),
        "examen_form": forms.get("examen_form") or ExamenForm(prefix="examen", formdata=None),
        "route_form": forms.get("route_form") or _route_form(verwijzing),
    }
    db.session.commit()  # the audit event of this read
    return render_template("registraties/verwijzing.html", **context)


def _route_form(verwijzing: Verwijzing, *, from_request: bool = False) -> RouteResultaatForm:
    """The route result form; when not posted, filled with the registered result so a correction starts there."""
    if from_request:
        return RouteResultaatForm(prefix="route")
    huidig = db.session.scalar(
        access.route_resultaten(current_user).where(RouteResultaat.verwijzing_id == verwijzing.id)
    )
    kwargs: dict[str, Any] = {"prefix": "route", "formdata": None}
    if huidig is not None:
        kwargs["data"] = {
            "taalschakel_resultaat": huidig.taalschakel_resultaat.value if huidig.taalschakel_resultaat else "",
            "datum_taalschakel_resultaat": _d(huidig.datum_taalschakel_resultaat),
            "datum_eindgesprek_map": _d(huidig.datum_eindgesprek_map),
            "datum_ondertekening_pvt": _d(huidig.datum_ondertekening_pvt),
            "verwijtbaar": huidig.verwijtbaar.value if huidig.verwijtbaar else "",
            "datum_afronding_z_route": _d(huidig.datum_afronding_z_route),
            "bereikt_niveau": huidig.bereikt_niveau.value if huidig.bereikt_niveau else "",
        }
    return RouteResultaatForm(**kwargs)


def _d(value: Any) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def _registreer(
    verwijzing_id: int, form: FlaskForm, form_name: str, service: Service, melding: str, anker: str
) -> str | Response:
    """Shared POST flow: check CSRF, call the service, commit and go back, or show the errors on the page."""
    verwijzing = access.get_verwijzing_or_404(current_user, verwijzing_id)
    if form.validate_on_submit():
        try:
            service(db.session, current_user, verwijzing, form.data)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error.errors)
        else:
            db.session.commit()
            flash(melding, "success")
            return redirect(url_for(".verwijzing", verwijzing_id=verwijzing.id) + f"#{anker}")
    return _pagina(verwijzing, **{form_name: form})


@bp.route("/verwijzing/<int:verwijzing_id>")
@login_only
def verwijzing(verwijzing_id: int) -> str:
    """Everything registered on one verwijzing, with the forms the user may use."""
    return _pagina(access.get_verwijzing_or_404(current_user, verwijzing_id))


@bp.route("/verwijzing/<int:verwijzing_id>/voortgang", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def voortgang_registreren(verwijzing_id: int) -> str | Response:
    """Register a voortgangsrapportage."""
    return _registreer(verwijzing_id, VoortgangForm(prefix="voortgang"), "voortgang_form",
                       voortgang.registreer_voortgang, "De voortgangsrapportage is opgeslagen.", "voortgang")


@bp.route("/verwijzing/<int:verwijzing_id>/omstandigheden", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def omstandigheden_melden(verwijzing_id: int) -> str | Response:
    """Report changed circumstances to the klantregisseur."""
    return _registreer(verwijzing_id, OmstandighedenForm(prefix="omst"), "omstandigheden_form",
                       voortgang.meld_omstandigheden, "De wijziging is gemeld aan de klantregisseur.",
                       "omstandigheden")


@bp.route("/verwijzing/<int:verwijzing_id>/examenresultaat", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN, *resultaten.DUO_INVOERDERS)
def examenresultaat_registreren(verwijzing_id: int) -> str | Response:
    """Register an exam part result (providers) or copy DUO's result (gemeente staff)."""
    return _registreer(verwijzing_id, ExamenForm(prefix="examen"), "examen_form",
                       resultaten.registreer_examenresultaat, "Het examenresultaat is opgeslagen.", "examen")


@bp.route("/verwijzing/<int:verwijzing_id>/routeresultaat", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def routeresultaat_registreren(verwijzing_id: int) -> str | Response:
    """Register the end result of an onderwijsroute, MAP, PVT or Z-route traject."""
    verwijzing = access.get_verwijzing_or_404(current_user, verwijzing_id)
    return _registreer(verwijzing_id, _route_form(verwijzing, from_request=True), "route_form",
                       resultaten.registreer_routeresultaat, "Het resultaat is opgeslagen.", "resultaat")


@bp.route("/verwijzing/<int:verwijzing_id>/afschalingsverzoek", methods=["GET", "POST"])
@roles_required(*AANBIEDER_ROLLEN)
def afschalingsverzoek(verwijzing_id: int) -> str | Response:
    """Ask to lower exam parts to A2; shows how many hours are still missing below 600."""
    verwijzing = access.get_verwijzing_or_404(current_user, verwijzing_id)
    if verwijzing.onderdeel is not Onderdeel.B1_ROUTE:
        abort(404)
    form = AfschalingForm()
    if form.validate_on_submit():
        try:
            afschaling.dien_in(db.session, current_user, verwijzing, form.data)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error.errors)
        else:
            db.session.commit()
            flash("Het afschalingsverzoek is ingediend bij de klantregisseur.", "success")
            return redirect(url_for(".afschalingsverzoek", verwijzing_id=verwijzing.id))
    uren = afschaling.taalles_uren(db.session, verwijzing.inburgeraar_id)
    verzoeken = afschaling.verzoeken_van(db.session, current_user, verwijzing)
    resultaten.record_read(db.session, current_user, verwijzing.inburgeraar, verwijzing=verwijzing,
                           object_type="afschalingsverzoek")
    db.session.commit()
    return render_template(
        "registraties/afschalingsverzoek.html", verwijzing=verwijzing, inburgeraar=verwijzing.inburgeraar,
        form=form, uren=uren, minimum=normen.AFSCHALING_MINIMUM_UREN, tekort=normen.uren_tekort_afschaling(uren),
        verzoeken=verzoeken, wachtend=afschaling.wachtend_verzoek(db.session, verwijzing),
    )


@bp.route("/afschalingsverzoeken")
@roles_required(Rol.KLANTREGISSEUR)
def afschalingsverzoeken() -> str:
    """Waiting afschalingsverzoeken this klantregisseur decides on, oldest first."""
    verzoeken = afschaling.wachtende_verzoeken(db.session, current_user)
    for verzoek in verzoeken:
        resultaten.record_read(db.session, current_user, verzoek.inburgeraar_id, object_type="afschalingsverzoek",
                               object_id=verzoek.id)
    db.session.commit()
    return render_template("registraties/afschalingsverzoeken.html", verzoeken=verzoeken)


@bp.route("/afschalingsverzoeken/<int:verzoek_id>", methods=["GET", "POST"])
@roles_required(Rol.KLANTREGISSEUR)
def besluit(verzoek_id: int) -> str | Response:
    """One afschalingsverzoek with the decision form (reason required on afwijzing).

    The case page embeds the same form with a `next` field; after the decision the user returns there
    (local paths only), else to the list of waiting verzoeken.
    """
    next_url = local_path(request.values.get("next"))
    verzoek: Afschalingsverzoek = access.first_or_404(
        access.afschalingsverzoeken(current_user).where(Afschalingsverzoek.id == verzoek_id)
    )
    mag = afschaling.mag_beslissen(current_user, verzoek)
    form = BesluitForm()
    if form.validate_on_submit():
        if not mag:
            abort(403)
        try:
            afschaling.beslis(db.session, current_user, verzoek, form.data)
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error.errors)
        else:
            db.session.commit()
            flash(f"Het afschalingsverzoek is {verzoek.status.label.lower()}.", "success")
            return redirect(next_url or url_for(".afschalingsverzoeken"))
    verwijzing = verzoek.verwijzing
    uren = afschaling.taalles_uren(db.session, verzoek.inburgeraar_id)
    registraties = resultaten.registraties_van(db.session, current_user, verzoek.inburgeraar)
    db.session.commit()
    return render_template("registraties/besluit.html", verzoek=verzoek, verwijzing=verwijzing,
                           inburgeraar=verzoek.inburgeraar, form=form, mag_beslissen=mag, uren=uren,
                           registraties=registraties, next_url=next_url)
