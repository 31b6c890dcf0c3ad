"""Gemeenten and aanbieders, kept by the functioneel beheerder."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import access
from portal.access import roles_required
from portal.blueprints.beheer import bp
from portal.blueprints.beheer.forms import AanbiederForm, GemeenteForm
from portal.blueprints.formflow import form_page, save_form
from portal.extensions import db
from portal.models import Aanbieder, Gemeente, User
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.services import organisaties

add_nav_item(
    "beheer.organisaties_index", "Organisaties", (Rol.FUNCTIONEEL_BEHEERDER,),
    description="gemeenten en aanbieders", order=85,
)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.route("/organisaties")
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def organisaties_index() -> str:
    """The beheerder's gemeenten and the aanbieders it administers (access.administered_aanbieders)."""
    actor = _actor()
    return render_template(
        "beheer/organisaties.html",
        gemeenten=db.session.scalars(access.gemeenten(actor)).all(),
        aanbieders=db.session.scalars(access.administered_aanbieders(actor)).all(),
    )


@bp.route("/organisaties/gemeenten/nieuw", methods=["GET", "POST"], defaults={"gemeente_id": None})
@bp.route("/organisaties/gemeenten/<int:gemeente_id>", methods=["GET", "POST"])
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def gemeente(gemeente_id: int | None) -> tuple[str, int] | Response:
    """Create a gemeente, or change one of the beheerder's own."""
    actor = _actor()
    existing: Gemeente | None = None
    if gemeente_id is not None:
        existing = access.first_or_404(access.gemeenten(actor).where(Gemeente.id == gemeente_id))
    form = GemeenteForm(obj=existing)
    done = save_form(
        form,
        lambda: organisaties.save_gemeente(
            db.session, actor, cbs_code=form.cbs_code.data or "", naam=form.naam.data or "", gemeente=existing,
            oin=form.oin.data or "",
        ),
        lambda saved: f"Gemeente {saved.naam} is opgeslagen.",
        url_for("beheer.organisaties_index"),
    )
    return done or form_page("beheer/gemeente.html", form, gemeente=existing)


@bp.route("/organisaties/aanbieders/nieuw", methods=["GET", "POST"], defaults={"aanbieder_id": None})
@bp.route("/organisaties/aanbieders/<int:aanbieder_id>", methods=["GET", "POST"])
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def aanbieder(aanbieder_id: int | None) -> tuple[str, int] | Response:
    """Create an aanbieder organisation, or change one the beheerder administers."""
    actor = _actor()
    existing: Aanbieder | None = None
    if aanbieder_id is not None:
        existing = access.first_or_404(access.administered_aanbieders(actor).where(Aanbieder.id == aanbieder_id))
    form = AanbiederForm(obj=existing)
    done = save_form(
        form,
        lambda: organisaties.save_aanbieder(
            db.session, actor,
            kvk_nummer=form.kvk_nummer.data or "", naam=form.naam.data or "", soort=form.soort.data,
            actief=bool(form.actief.data), aanbieder=existing,
            duo=organisaties.DuoInstelling(
                instellingsnummer=form.instellingsnummer.data, bow_nummer=form.bow_nummer.data,
                bow_keurmerk=bool(form.bow_keurmerk.data), tst_keurmerk=bool(form.tst_keurmerk.data)),
        ),
        lambda saved: f"Aanbieder {saved.naam} is opgeslagen.",
        url_for("beheer.organisaties_index"),
    )
    return done or form_page("beheer/aanbieder.html", form, aanbieder=existing)
