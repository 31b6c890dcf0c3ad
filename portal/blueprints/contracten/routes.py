"""Contracts with their prestatie-indicatoren, tarieven and budgets (contractmanager, functioneel beheerder)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal import access
from portal.access import CONTRACT_BEHEERDERS, roles_required
from portal.blueprints.contracten import bp
from portal.blueprints.contracten.forms import BudgetForm, ContractForm, IndicatorForm, TariefForm
from portal.blueprints.fields import options
from portal.blueprints.formflow import errors_status, input_from, save_form
from portal.extensions import db
from portal.models import Contract, ContractBudget, Gemeente, PrestatieIndicator, Tarief, User
from portal.navigation import add_nav_item
from portal.services.billing import contracten, spuk

add_nav_item("contracten.index", "Contracten", CONTRACT_BEHEERDERS,
             description="contracten, prestatie-indicatoren en tarieven", order=60)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _contract(contract_id: int, *, whole: bool = False) -> Contract:
    """A contract in scope the actor manages; `whole`: a contract-wide change (`access.may_manage_whole_contract`)."""
    contract = access.get_contract_or_404(_actor(), contract_id)
    if not (access.may_manage_whole_contract if whole else access.may_manage_contract)(_actor(), contract):
        abort(403)
    return contract


@bp.route("/")
@roles_required(*CONTRACT_BEHEERDERS)
def index() -> str:
    """The contracts in scope, with how many indicators each has."""
    rows = db.session.execute(
        access.contracts(_actor()).add_columns(
            select(func.count(PrestatieIndicator.id)).where(PrestatieIndicator.contract_id == Contract.id)
            .correlate(Contract).scalar_subquery())
        .options(selectinload(Contract.gemeenten), selectinload(Contract.aanbieder))
        .order_by(Contract.kenmerk)
    ).all()
    return render_template("contracten/index.html", rows=rows)


@bp.route("/<int:contract_id>")
@roles_required(*CONTRACT_BEHEERDERS)
def detail(contract_id: int) -> str:
    """One contract: settings, onderdelen, gemeenten, budgets, indicators with their tarieven."""
    contract = _contract(contract_id)
    indicatoren = db.session.scalars(select(PrestatieIndicator).where(PrestatieIndicator.contract_id == contract.id)
                                     .order_by(PrestatieIndicator.code)).all()
    # Tarieven through their own scope, not `indicator.tarieven`: that holds every gemeente's of a regional contract.
    tarieven: dict[int, list[Tarief]] = {}
    for tarief in db.session.scalars(access.tarieven(_actor(), contract).options(selectinload(Tarief.gemeente))
                                     .order_by(Tarief.geldig_vanaf, Tarief.id)):
        tarieven.setdefault(tarief.indicator_id, []).append(tarief)
    # Budgets and submitted declaraties of the gemeenten in scope only (as access.declaraties gives them to gemeente
    # staff): on a regional contract one gemeente's contractmanager does not see the others' amounts.
    gemeente_ids = access.gemeenten(_actor()).with_only_columns(Gemeente.id).order_by(None)
    budgetten = db.session.scalars(select(ContractBudget).where(ContractBudget.contract_id == contract.id,
                                                                ContractBudget.gemeente_id.in_(gemeente_ids))).all()
    return render_template("contracten/detail.html", contract=contract, indicatoren=indicatoren, tarieven=tarieven,
                           hele_contract=access.may_manage_whole_contract(_actor(), contract),
                           budget_rijen=_budget_rijen(contract, budgetten, spuk.besteed_per_gemeente_jaar(
                               db.session, contract.id, gemeente_ids)))


def _budget_rijen(contract: Contract, budgetten: list[ContractBudget],
                  besteed: dict[tuple[int, int], spuk.Bedragen]) -> list[dict[str, object]]:
    """One row per gemeente and year that has a budget or spending: budget, declared, approved, left."""
    namen = {g.id: g.naam for g in contract.gemeenten}
    budget = {(b.gemeente_id, b.jaar): b.bedrag_cent for b in budgetten}
    rijen = []
    for gemeente_id, jaar in sorted(set(budget) | set(besteed), key=lambda k: (k[1], namen.get(k[0], ""))):
        bedrag, uitgaven = budget.get((gemeente_id, jaar)), besteed.get((gemeente_id, jaar), spuk.Bedragen())
        rijen.append({"gemeente": namen.get(gemeente_id, "?"), "jaar": jaar, "budget_cent": bedrag,
                      "gedeclareerd_cent": uitgaven.gedeclareerd_cent, "goedgekeurd_cent": uitgaven.goedgekeurd_cent,
                      "beschikbaar_cent": None if bedrag is None else bedrag - uitgaven.goedgekeurd_cent})
    return rijen


@bp.route("/<int:contract_id>/instellingen", methods=["GET", "POST"])
@roles_required(*CONTRACT_BEHEERDERS)
def instellingen(contract_id: int) -> str | Response | tuple[str, int]:
    """Inkoopvorm, declaratieperiode and declaratietermijn."""
    contract = _contract(contract_id, whole=True)
    form = ContractForm(data={"inkoopvorm": contract.inkoopvorm.value,
                              "declaratieperiode": contract.declaratieperiode.value,
                              "declaratietermijn_dagen": "" if contract.declaratietermijn_dagen is None
                              else contract.declaratietermijn_dagen})
    done = save_form(form, lambda: contracten.update_contract(db.session, _actor(), contract,
                                                               input_from(contracten.ContractInput, form)),
                     "De instellingen van het contract zijn opgeslagen.",
                     url_for("contracten.detail", contract_id=contract.id))
    return done or (render_template("contracten/formulier.html", form=form, contract=contract,
                                    titel=f"Instellingen contract {contract.kenmerk}"), errors_status(form))


@bp.route("/<int:contract_id>/indicatoren/nieuw", methods=["GET", "POST"])
@roles_required(*CONTRACT_BEHEERDERS)
def indicator_nieuw(contract_id: int) -> str | Response | tuple[str, int]:
    """Add a prestatie-indicator."""
    contract = _contract(contract_id, whole=True)
    form = IndicatorForm()
    form.onderdeel.choices = options([(o.value, o.label) for o in contract.onderdelen], leeg="Kies…")
    done = save_form(form, lambda: contracten.add_indicator(db.session, _actor(), contract,
                                                             input_from(contracten.IndicatorInput, form)),
                     lambda i: f"Prestatie-indicator {i.code} is toegevoegd. Voeg er een tarief aan toe.",
                     url_for("contracten.detail", contract_id=contract.id))
    return done or (render_template("contracten/formulier.html", form=form, contract=contract,
                                    titel=f"Nieuwe prestatie-indicator voor {contract.kenmerk}"), errors_status(form))


@bp.route("/<int:contract_id>/indicatoren/<int:indicator_id>/tarief", methods=["GET", "POST"])
@roles_required(*CONTRACT_BEHEERDERS)
def tarief_nieuw(contract_id: int, indicator_id: int) -> str | Response | tuple[str, int]:
    """Add a dated tarief to an indicator."""
    contract = _contract(contract_id)
    indicator = access.get_indicator_or_404(_actor(), contract, indicator_id)
    form = TariefForm()
    if not form.is_submitted():
        form.eenheid.data = indicator.trigger.eenheid.value  # the only unit the indicator's prestatie counts in
    eigen = access.contract_gemeenten_to_manage(_actor(), contract)
    form.gemeente_id.choices = options([(g.id, g.naam) for g in eigen],
                                       leeg="Alle gemeenten" if len(eigen) == len(contract.gemeenten) else None)

    done = save_form(form, lambda: contracten.add_tarief(db.session, _actor(), indicator,
                                                          input_from(contracten.TariefInput, form)),
                     lambda saved: _tarief_toegevoegd(indicator, saved),
                     url_for("contracten.detail", contract_id=contract.id))
    return done or (render_template("contracten/formulier.html", form=form, contract=contract,
                                    titel=f"Nieuw tarief voor {indicator.code} ({indicator.naam})"),
                    errors_status(form))


def _tarief_toegevoegd(indicator: PrestatieIndicator, nieuw: Tarief) -> str:
    """The flash after adding a tarief; it names the day the tarief before it now ends (contracten.add_tarief)."""
    dag_ervoor = nieuw.geldig_vanaf - timedelta(days=1)
    vorig = [t for t in indicator.tarieven if t is not nieuw and t.gemeente_id == nieuw.gemeente_id
             and t.geldig_tot == dag_ervoor]
    tekst = f"Het tarief van {indicator.code} is toegevoegd."
    return tekst + (f" Het vorige tarief geldt tot en met {dag_ervoor:%d-%m-%Y}." if vorig else "")


@bp.route("/<int:contract_id>/budget", methods=["GET", "POST"])
@roles_required(*CONTRACT_BEHEERDERS)
def budget(contract_id: int) -> str | Response | tuple[str, int]:
    """Set the budget of one gemeente for one year."""
    contract = _contract(contract_id)
    form = BudgetForm()
    form.gemeente_id.choices = options([(g.id, g.naam) for g in access.contract_gemeenten_to_manage(_actor(),
                                                                                                   contract)],
                                       leeg="Kies…")

    done = save_form(form, lambda: contracten.set_budget(db.session, _actor(), contract,
                                                          input_from(contracten.BudgetInput, form)),
                     "Het budget is opgeslagen.", url_for("contracten.detail", contract_id=contract.id))
    return done or (render_template("contracten/formulier.html", form=form, contract=contract,
                                    titel=f"Budget per gemeente voor {contract.kenmerk}"), errors_status(form))
