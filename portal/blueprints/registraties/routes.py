"""Registrations on one verwijzing and the klantregisseur's afschaling decisions.

Views load the verwijzing through access (out of scope is 404), check what the user may do, and post through
formflow.submit: one service call with a typed input, one commit, or the page again with the errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from portal import access, audit
from portal.access import DUO_INVOERDERS, login_only, roles_required
from portal.blueprints.formflow import errors_status, input_from, submit
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
from portal.models import Verwijzing
from portal.models.enums import AANBIEDER_ROLLEN, Onderdeel, Rol
from portal.navigation import add_nav_item
from portal.redirects import local_path
from portal.services import afschaling, resultaten, voortgang

add_nav_item("registraties.afschalingsverzoeken", "Afschalingsverzoeken", (Rol.KLANTREGISSEUR,),
             description="verzoeken om naar A2 af te schalen die op uw besluit wachten", order=30)


def _pagina(verwijzing: Verwijzing, **forms: FlaskForm) -> str:
    """The verwijzing's registration page; every view of it is one audit event."""
    user = current_user
    registraties = resultaten.registraties_van(db.session, user, verwijzing.inburgeraar, verwijzing=verwijzing)
    context = {
        "verwijzing": verwijzing,
        "inburgeraar": verwijzing.inburgeraar,
        "registraties": registraties,
        "rapportages": voortgang.rapportages_van(db.session, user, verwijzing),
        "is_aanbieder": user.rol in AANBIEDER_ROLLEN,
        "mag_duo_invoeren": access.may_enter_duo_results(user),
        "is_b1": verwijzing.onderdeel is Onderdeel.B1_ROUTE,
        "afschaling_waarom_niet": afschaling.waarom_niet(db.session, verwijzing)
        if verwijzing.onderdeel is Onderdeel.B1_ROUTE else None,
        "heeft_routeresultaat": verwijzing.onderdeel in resultaten.ROUTE_ONDERDELEN,
        "voortgang_form": forms.get("voortgang_form") or VoortgangForm(prefix="voortgang", formdata=None),
        "omstandigheden_form": forms.get("omstandigheden_form") or OmstandighedenForm(prefix="omst", formdata=None),
        "examen_form": forms.get("examen_form") or ExamenForm(prefix="examen", formdata=None),
        "route_form": forms.get("route_form") or _route_form(verwijzing),
    }
    audit.record_read(db.session, user, verwijzing.inburgeraar, object_type="registraties", object_id=verwijzing.id,
                      details={"verwijzing_id": verwijzing.id,
                               "examenresultaten": len(registraties.examenresultaten)})
    db.session.commit()  # the audit event of this read
    return render_template("registraties/verwijzing.html", **context)


def _route_form(verwijzing: Verwijzing, *, from_request: bool = False) -> RouteResultaatForm:
    """The route result form; when not posted, filled with the registered result so a correction starts there."""
    if from_request:
        return RouteResultaatForm(prefix="route")
    huidig = resultaten.routeresultaat_van(db.session, current_user, verwijzing)
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


def _register(
    verwijzing: Verwijzing, form: FlaskForm, form_name: str, service: Callable[..., Any], input_cls: type,
    melding: str, anker: str,
) -> ResponseReturnValue:
    """One registration on the verwijzing's page: saved and back to its section, or the page with the errors."""
    def done(_saved: Any) -> ResponseReturnValue:
        flash(melding, "success")
        return redirect(url_for(".verwijzing", verwijzing_id=verwijzing.id) + f"#{anker}")

    return submit(
        form, lambda: service(db.session, current_user, verwijzing, input_from(input_cls, form)),
        done=done, again=lambda: (_pagina(verwijzing, **{form_name: form}), errors_status(form)),
    )


@bp.route("/verwijzing/<int:verwijzing_id>")
@login_only
def verwijzing(verwijzing_id: int) -> str:
    """Everything registered on one verwijzing, with the forms the user may use."""
    return _pagina(access.get_verwijzing_or_404(current_user, verwijzing_id))


@bp.route("/verwijzing/<int:verwijzing_id>/voortgang", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def voortgang_registreren(verwijzing_id: int) -> ResponseReturnValue:
    """Register a voortgangsrapportage."""
    return _register(access.get_verwijzing_or_404(current_user, verwijzing_id), VoortgangForm(prefix="voortgang"),
                       "voortgang_form", voortgang.register_voortgang, voortgang.VoortgangInput,
                       "De voortgangsrapportage is opgeslagen.", "voortgang")


@bp.route("/verwijzing/<int:verwijzing_id>/omstandigheden", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def omstandigheden_melden(verwijzing_id: int) -> ResponseReturnValue:
    """Report changed circumstances to the klantregisseur."""
    return _register(access.get_verwijzing_or_404(current_user, verwijzing_id), OmstandighedenForm(prefix="omst"),
                       "omstandigheden_form", voortgang.report_omstandigheden, voortgang.OmstandighedenInput,
                       "De wijziging is gemeld aan de klantregisseur.", "omstandigheden")


@bp.route("/verwijzing/<int:verwijzing_id>/examenresultaat", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN, *DUO_INVOERDERS)
def examenresultaat_registreren(verwijzing_id: int) -> ResponseReturnValue:
    """Register an exam part result (providers) or copy DUO's result (gemeente staff)."""
    return _register(access.get_verwijzing_or_404(current_user, verwijzing_id), ExamenForm(prefix="examen"),
                       "examen_form", resultaten.register_examenresultaat, resultaten.ExamenresultaatInput,
                       "Het examenresultaat is opgeslagen.", "examen")


@bp.route("/verwijzing/<int:verwijzing_id>/routeresultaat", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def routeresultaat_registreren(verwijzing_id: int) -> ResponseReturnValue:
    """Register the end result of an onderwijsroute, MAP, PVT or Z-route traject."""
    verwijzing = access.get_verwijzing_or_404(current_user, verwijzing_id)
    return _register(verwijzing, _route_form(verwijzing, from_request=True), "route_form",
                       resultaten.register_routeresultaat, resultaten.RouteResultaatInput,
                       "Het resultaat is opgeslagen.", "resultaat")


@bp.route("/verwijzing/<int:verwijzing_id>/afschalingsverzoek", methods=["GET", "POST"])
@roles_required(*AANBIEDER_ROLLEN)
def afschalingsverzoek(verwijzing_id: int) -> ResponseReturnValue:
    """Ask to lower exam parts to A2; shows how many hours are still missing below 600."""
    verwijzing = access.get_verwijzing_or_404(current_user, verwijzing_id)
    if verwijzing.onderdeel is not Onderdeel.B1_ROUTE:
        abort(404)
    form = AfschalingForm()

    def done(_verzoek: Any) -> ResponseReturnValue:
        flash("Het afschalingsverzoek is ingediend bij de klantregisseur.", "success")
        return redirect(url_for(".afschalingsverzoek", verwijzing_id=verwijzing.id))

    def page() -> tuple[str, int]:
        uren = afschaling.taalles_uren(db.session, verwijzing.inburgeraar_id)
        verzoeken = afschaling.verzoeken_van(db.session, current_user, verwijzing)
        audit.record_read(db.session, current_user, verwijzing.inburgeraar, object_type="afschalingsverzoek",
                          object_id=verwijzing.id, details={"verwijzing_id": verwijzing.id})
        db.session.commit()
        return render_template(
            "registraties/afschalingsverzoek.html", verwijzing=verwijzing, inburgeraar=verwijzing.inburgeraar,
            form=form, uren=uren, minimum=normen.AFSCHALING_MINIMUM_UREN,
            tekort=normen.uren_tekort_afschaling(uren), verzoeken=verzoeken,
            wachtend=afschaling.wachtend_verzoek(db.session, verwijzing),
            waarom_niet=afschaling.waarom_niet(db.session, verwijzing),
        ), errors_status(form)

    return submit(form, lambda: afschaling.submit_verzoek(db.session, current_user, verwijzing,
                                                   input_from(afschaling.AfschalingsverzoekInput, form)),
                  done=done, again=page)


@bp.route("/afschalingsverzoeken")
@roles_required(Rol.KLANTREGISSEUR)
def afschalingsverzoeken() -> str:
    """Waiting afschalingsverzoeken this klantregisseur decides on, oldest first."""
    verzoeken = afschaling.wachtende_verzoeken(db.session, current_user)
    for verzoek in verzoeken:
        audit.record_read(db.session, current_user, verzoek.inburgeraar_id, object_type="afschalingsverzoek",
                          object_id=verzoek.id, details={"verwijzing_id": None})
    db.session.commit()
    return render_template("registraties/afschalingsverzoeken.html", verzoeken=verzoeken)


@bp.route("/afschalingsverzoeken/<int:verzoek_id>", methods=["GET", "POST"])
@roles_required(Rol.KLANTREGISSEUR)
def besluit(verzoek_id: int) -> ResponseReturnValue:
    """One afschalingsverzoek with the decision form (reason required on afwijzing).

    The case page embeds the same form with a `next` field; after the decision the user returns there
    (local paths only), else to the list of waiting verzoeken.
    """
    verzoek = access.get_afschalingsverzoek_or_404(current_user, verzoek_id)
    mag = access.may_decide(current_user, verzoek)
    form = BesluitForm()
    next_url = local_path(form.next.data if request.method == "POST" else request.args.get("next"))
    if form.is_submitted() and not mag:
        abort(403)

    def done(besloten: Any) -> ResponseReturnValue:
        flash(f"Het afschalingsverzoek is {besloten.status.label.lower()}.", "success")
        return redirect(next_url or url_for(".afschalingsverzoeken"))

    def page() -> tuple[str, int]:
        uren = afschaling.taalles_uren(db.session, verzoek.inburgeraar_id)
        registraties = resultaten.registraties_van(db.session, current_user, verzoek.inburgeraar)
        audit.record_read(db.session, current_user, verzoek.inburgeraar, object_type="registraties",
                          details={"verwijzing_id": None})
        db.session.commit()
        return render_template("registraties/besluit.html", verzoek=verzoek, verwijzing=verzoek.verwijzing,
                               inburgeraar=verzoek.inburgeraar, form=form, mag_beslissen=mag, uren=uren,
                               registraties=registraties, next_url=next_url,
                               besluit_waarschuwing=afschaling.waarschuwing(
                                   db.session, verzoek, registraties.examenresultaten)), errors_status(form)

    return submit(form, lambda: afschaling.decide(db.session, current_user, verzoek,
                                                  input_from(afschaling.BesluitInput, form)),
                  done=done, again=page)
