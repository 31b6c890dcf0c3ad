"""Signal thresholds: the functioneel beheerder's per gemeente, the contractmanager's attendance ones per contract."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import access
from portal.access import roles_required
from portal.blueprints.beheer import bp
from portal.blueprints.beheer.drempels_forms import ContractDrempelsForm, GemeenteDrempelsForm
from portal.blueprints.beheer.forms import ActionForm
from portal.blueprints.formflow import form_page, input_from, save_form
from portal.extensions import db
from portal.models import Contract, Gemeente, User
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.services import drempels
from portal.services.signalen import load_drempels

add_nav_item(
    "beheer.signaaldrempels", "Signaaldrempels", (Rol.FUNCTIONEEL_BEHEERDER,),
    description="wanneer de regie een signaal geeft, per gemeente", order=86,
)
add_nav_item(
    "beheer.contractdrempels", "Drempels per contract", (Rol.CONTRACTMANAGER,),
    description="afgesproken aanwezigheidsdrempels per contract", order=86,
)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _gemeente_or_404(actor: User, gemeente_id: int) -> Gemeente:
    return access.first_or_404(access.gemeenten(actor).where(Gemeente.id == gemeente_id))


# --- per gemeente ---------------------------------------------------------------------------------

@bp.route("/signaaldrempels")
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def signaaldrempels() -> str:
    """The defaults and, per gemeente of the beheerder, whether it uses its own thresholds."""
    tabel = load_drempels(db.session)
    gemeenten = db.session.scalars(access.gemeenten(_actor())).all()
    return render_template(
        "beheer/signaaldrempels.html", velden=drempels.VELDEN, standaard=tabel.standaard,
        overzicht=[drempels.gemeente_drempels(db.session, g, tabel) for g in gemeenten],
    )


@bp.route("/signaaldrempels/<int:gemeente_id>", methods=["GET", "POST"])
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def signaaldrempels_gemeente(gemeente_id: int) -> tuple[str, int] | Response:
    """Change the thresholds of one of the beheerder's gemeenten."""
    actor = _actor()
    gemeente = _gemeente_or_404(actor, gemeente_id)
    stand = drempels.gemeente_drempels(db.session, gemeente)
    form = GemeenteDrempelsForm(data={veld.name: str(getattr(stand.huidig, veld.name)) for veld in drempels.VELDEN})
    done = save_form(
        form, lambda: drempels.save_gemeente_drempels(db.session, actor, gemeente,
                                                      input_from(drempels.GemeenteDrempelsInput, form)),
        f"De signaaldrempels van {gemeente.naam} zijn opgeslagen.", url_for("beheer.signaaldrempels"),
    )
    return done or form_page(
        "beheer/signaaldrempels_gemeente.html", form, stand=stand, velden=drempels.VELDEN,
        reset_form=ActionForm(),
    )


@bp.route("/signaaldrempels/<int:gemeente_id>/standaard", methods=["POST"])
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def signaaldrempels_standaard(gemeente_id: int) -> Response:
    """Let one of the beheerder's gemeenten use the default thresholds again."""
    actor = _actor()
    gemeente = _gemeente_or_404(actor, gemeente_id)
    if ActionForm().validate_on_submit():
        if drempels.reset_gemeente_drempels(db.session, actor, gemeente):
            flash(f"{gemeente.naam} gebruikt weer de standaarddrempels.", "success")
        db.session.commit()
    return redirect(url_for("beheer.signaaldrempels"))


# --- per contract ---------------------------------------------------------------------------------

@bp.route("/contractdrempels")
@roles_required(Rol.CONTRACTMANAGER)
def contractdrempels() -> str:
    """The contracts in scope with their own attendance thresholds, if any."""
    tabel = load_drempels(db.session)
    contracts = db.session.scalars(access.contracts(_actor()).order_by(Contract.kenmerk)).all()
    return render_template(
        "beheer/contractdrempels.html", velden=drempels.CONTRACT_VELDEN,
        overzicht=[drempels.contract_drempels(db.session, c, tabel) for c in contracts],
        te_wijzigen={c.id for c in contracts if access.may_manage_whole_contract(_actor(), c)},
    )


@bp.route("/contractdrempels/<int:contract_id>", methods=["GET", "POST"])
@roles_required(Rol.CONTRACTMANAGER)
def contractdrempels_contract(contract_id: int) -> tuple[str, int] | Response:
    """Change the attendance thresholds agreed in one contract in scope."""
    actor = _actor()
    contract = access.get_contract_or_404(actor, contract_id)
    if not access.may_manage_whole_contract(actor, contract):
        abort(403)
    stand = drempels.contract_drempels(db.session, contract)
    form = ContractDrempelsForm(data={
        veld.name: "" if getattr(stand, veld.name) is None else str(getattr(stand, veld.name))
        for veld in drempels.CONTRACT_VELDEN
    })
    done = save_form(
        form,
        lambda: drempels.save_contract_drempels(db.session, actor, contract,
                                                input_from(drempels.ContractDrempelsInput, form)),
        f"De drempels van contract {contract.kenmerk} zijn opgeslagen.", url_for("beheer.contractdrempels"),
    )
    return done or form_page(
        "beheer/contractdrempels_contract.html", form, stand=stand, velden=drempels.CONTRACT_VELDEN,
    )
