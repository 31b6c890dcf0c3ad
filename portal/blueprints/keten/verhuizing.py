"""Verhuizing: register a move, read the hand-over dossier (page and JSON), decide on open verwijzingen."""

from __future__ import annotations

from flask import abort, jsonify, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal import access
from portal.access import CASE_MANAGERS, CASE_READERS, roles_required
from portal.blueprints.fields import options
from portal.blueprints.formflow import errors_flashed, errors_status, form_page, input_from, save_form
from portal.blueprints.keten import bp
from portal.blueprints.keten.forms import BesluitForm, VerhuizingForm
from portal.extensions import db
from portal.models import Gemeente, User, Verhuizing, VerhuizingVerwijzing
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.services.chain import verhuizing as verhuizingen
from portal.services.chain import woonplaats

add_nav_item("keten.verhuizingen_index", "Verhuizingen", CASE_READERS,
             description="overdrachtsdossiers en besluiten over lopende verwijzingen", order=60,
             per_rol={Rol.CONTRACTMANAGER: "overdrachtsdossiers en besluiten over lopende verwijzingen inzien"})


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.route("/inburgeraars/<int:inburgeraar_id>/verhuizing", methods=["GET", "POST"])
@roles_required(*CASE_MANAGERS)
def verhuizing_nieuw(inburgeraar_id: int) -> tuple[str, int] | Response:
    """Register that an inburgeraar of the user's gemeente moved to another gemeente."""
    actor = _actor()
    inburgeraar = access.get_inburgeraar_or_404(actor, inburgeraar_id)
    form = VerhuizingForm()
    andere = db.session.scalars(
        select(Gemeente).where(Gemeente.id != inburgeraar.gemeente_id).order_by(Gemeente.naam)
    )
    form.naar_gemeente_id.choices = [("", "Kies de nieuwe gemeente"), *((str(g.id), g.naam) for g in andere)]
    done = save_form(
        form,
        lambda: verhuizingen.register(db.session, actor, inburgeraar, input_from(verhuizingen.VerhuizingInput, form)),
        lambda saved: f"De verhuizing naar {saved.naar_gemeente.naam} is geregistreerd. "
                      "Het overdrachtsdossier staat klaar voor de nieuwe gemeente.",
        lambda saved: url_for("keten.verhuizing_dossier", verhuizing_id=saved.id),
    )
    return done or form_page(
        "keten/verhuizing_nieuw.html", form, inburgeraar=inburgeraar,
        historie=woonplaats.historie(db.session, inburgeraar),
    )


@bp.route("/verhuizingen")
@roles_required(*CASE_READERS)
def verhuizingen_index() -> str:
    """Moves from and to the user's gemeenten, newest first, with the open decisions."""
    actor = _actor()
    rows = db.session.scalars(access.verhuizingen(actor).order_by(Verhuizing.datum.desc(), Verhuizing.id.desc()))
    return render_template("keten/verhuizingen.html", verhuizingen=list(rows),
                           scope=set(db.session.scalars(access.gemeente_ids_in_scope(actor))))


def _besluit_form(regel: VerhuizingVerwijzing) -> BesluitForm:
    """The decision form of one open verwijzing, offering only what can be done: without a contract to continue
    under, only ending it (the hint says why)."""
    form = BesluitForm(prefix=f"v{regel.verwijzing_id}")
    contracten = verhuizingen.contracten_voor_voortzetten(db.session, regel)
    form.besluit.choices = options((b.value, b.label) for b in verhuizingen.besluiten_mogelijk(contracten))
    if contracten:
        form.contract_id.choices = options(((str(c.id), f"{c.naam} ({c.kenmerk})") for c in contracten),
                                           leeg="Kies een contract")
    else:
        form.besluit.description = verhuizingen.geen_voortzetting(regel)
        del form.contract_id
    return form


def _besluit_forms(actor: User, verhuizing: Verhuizing,
                   inhoud: verhuizingen.Overdrachtsdossier) -> dict[int, BesluitForm]:
    """A decision form per verwijzing still to decide, for a user of the new gemeente who may decide."""
    if not access.may_decide_verhuizing(actor, verhuizing):
        return {}
    return {regel.verwijzing_id: _besluit_form(regel) for regel in inhoud.open_verwijzingen if regel.besluit is None}


def _dossier(verhuizing_id: int) -> tuple[Verhuizing, verhuizingen.Overdrachtsdossier, bool]:
    actor = _actor()
    verhuizing = access.get_verhuizing_or_404(actor, verhuizing_id)
    inhoud, nieuw = _read(actor, verhuizing)
    return verhuizing, inhoud, nieuw


def _read(actor: User, verhuizing: Verhuizing) -> tuple[verhuizingen.Overdrachtsdossier, bool]:
    """The dossier as an audited read (committed), and whether the actor is of the new gemeente."""
    inhoud = verhuizingen.read(db.session, actor, verhuizing)
    nieuw = verhuizing.naar_gemeente_id in set(db.session.scalars(access.gemeente_ids_in_scope(actor)))
    db.session.commit()
    return inhoud, nieuw


@bp.route("/verhuizingen/<int:verhuizing_id>")
@roles_required(*CASE_READERS)
def verhuizing_dossier(verhuizing_id: int) -> str:
    """The printable hand-over dossier: the old gemeente's period only; decisions for the new gemeente."""
    verhuizing, inhoud, nieuw = _dossier(verhuizing_id)
    besluiten = _besluit_forms(_actor(), verhuizing, inhoud) if nieuw else {}
    return render_template("keten/dossier.html", verhuizing=verhuizing, dossier=inhoud, nieuw=nieuw,
                           besluiten=besluiten)


@bp.route("/verhuizingen/<int:verhuizing_id>.json")
@roles_required(*CASE_READERS)
def verhuizing_dossier_json(verhuizing_id: int) -> Response:
    """The hand-over dossier as JSON, for the new gemeente's own systems."""
    _verhuizing, inhoud, nieuw = _dossier(verhuizing_id)
    response = jsonify(inhoud.as_json(met_besluiten=nieuw))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/verhuizingen/<int:verhuizing_id>/verwijzingen/<int:verwijzing_id>", methods=["POST"])
@roles_required(*CASE_MANAGERS)
def verhuizing_besluit(verhuizing_id: int, verwijzing_id: int) -> tuple[str, int] | Response:
    """The new gemeente ends a verwijzing that was open at the move, or continues it under a covering contract."""
    actor = _actor()
    verhuizing = access.get_verhuizing_or_404(actor, verhuizing_id)
    regel = access.get_verhuizing_verwijzing_or_404(actor, verhuizing, verwijzing_id)
    if not access.may_decide_verhuizing(actor, verhuizing):
        # Who may see the dossier (the old gemeente) but not decide gets no form back, whatever was posted.
        abort(403)
    form = _besluit_form(regel)
    dossier_url = url_for("keten.verhuizing_dossier", verhuizing_id=verhuizing.id)
    done = save_form(
        form,
        lambda: verhuizingen.decide(db.session, actor, regel, input_from(verhuizingen.BesluitInput, form)),
        lambda saved: f"Het besluit over verwijzing {saved.verwijzing.kenmerk} is vastgelegd.",
        dossier_url,
    )
    if done:
        return done
    if regel.besluit is not None:
        # Decided meanwhile (another tab, a colleague): the page shows no form to carry the reason.
        return errors_flashed(form, dossier_url)
    # The whole dossier again, every open verwijzing with its form: only the failed one carries the errors.
    # Shown again, so read again: one audit event, as for the dossier page itself.
    inhoud, nieuw = _read(actor, verhuizing)
    besluiten = {**_besluit_forms(actor, verhuizing, inhoud), regel.verwijzing_id: form}
    return render_template("keten/dossier.html", verhuizing=verhuizing, dossier=inhoud, nieuw=nieuw,
                           besluiten=besluiten), errors_status(form)
