"""API koppelingen: an aanbieder-beheerder registers its organisation's systems, a functioneel beheerder those of
its gemeenten; the secret is shown once, revoking works at once."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import access
from portal.access import roles_required
from portal.blueprints.beheer import bp
from portal.blueprints.beheer.forms import ActionForm, ApiClientForm, options
from portal.blueprints.formflow import errors_status, submit
from portal.extensions import db
from portal.models import ApiClient, User
from portal.models.base import utcnow
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.services import ValidationError
from portal.services import api_clients as service

KOPPELING_BEHEERDERS = (Rol.AANBIEDER_BEHEERDER, Rol.FUNCTIONEEL_BEHEERDER)

add_nav_item(
    "beheer.api_clients", "API-koppelingen", KOPPELING_BEHEERDERS,
    description="systemen die via de API gegevens aanleveren of lezen", order=85,
)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.route("/koppelingen")
@roles_required(*KOPPELING_BEHEERDERS)
def api_clients() -> str:
    """The organisation's API clients with their scopes, validity and last use."""
    actor = _actor()
    clients = list(db.session.scalars(access.api_clients(actor).order_by(ApiClient.naam, ApiClient.id)))
    return render_template("beheer/koppelingen.html", clients=clients, scopes=service.ALLE_SCOPES,
                           now=utcnow(), is_usable=service.is_usable)


@bp.route("/koppelingen/nieuw", methods=["GET", "POST"])
@roles_required(*KOPPELING_BEHEERDERS)
def create_api_client() -> str | Response | tuple[str, int]:
    """Register a client; the answer shows its secret once."""
    actor = _actor()
    form = ApiClientForm()
    form.scopes.choices = options((scope, f"{uitleg} ({scope})") for scope, uitleg in service.scopes_for(actor).items())
    gemeenten = list(db.session.scalars(access.gemeenten(actor))) if actor.rol is Rol.FUNCTIONEEL_BEHEERDER else []
    form.gemeente_id.choices = options([("", "Kies…"), *((g.id, g.naam) for g in gemeenten)])

    def save() -> tuple[ApiClient, str]:
        return service.create_client(db.session, actor, service.ApiClientInput(
            naam=form.naam.data, scopes=list(form.scopes.data or []), verloopt_op=form.verloopt_op.data,
            gemeente_id=form.gemeente_id.data), utcnow())

    def done(saved: tuple[ApiClient, str]) -> str:
        client, secret = saved
        return render_template("beheer/koppeling_geheim.html", client=client, secret=secret,
                               scopes=service.ALLE_SCOPES)

    return submit(form, save, done=done, again=lambda: (
        render_template("beheer/koppeling_nieuw.html", form=form, gemeenten=gemeenten), errors_status(form)))


@bp.route("/koppelingen/<int:api_client_id>", methods=["GET", "POST"])
@roles_required(*KOPPELING_BEHEERDERS)
def api_client(api_client_id: int) -> str | Response:
    """One client; revoking it (POST) ends its tokens at once."""
    actor = _actor()
    client = access.get_api_client_or_404(actor, api_client_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            service.revoke_client(db.session, actor, client)
        except ValidationError as exc:
            db.session.rollback()
            flash(next(iter(exc.errors.values())), "error")
        else:
            db.session.commit()
            flash(f"Koppeling '{client.naam}' is ingetrokken. Het systeem kan de API niet meer gebruiken.", "success")
        return redirect(url_for("beheer.api_client", api_client_id=client.id))
    return render_template("beheer/koppeling.html", client=client, form=form, scopes=service.ALLE_SCOPES,
                           usable=service.is_usable(client, utcnow()))
