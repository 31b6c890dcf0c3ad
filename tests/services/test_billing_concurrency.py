"""Billing under concurrent writers (PostgreSQL, READ COMMITTED): a tarief change, a billing run, a submission and
decisions on one contract happen one after the other, as on SQLite, whatever the moment each one starts.

Each test lets a first transaction do its work without committing, then runs the second one in a thread until it
either waits for a lock the first one holds or is done, and only then commits the first. Without one lock per
contract the second one works from what it read before the first committed: a regel priced at a tarief that was
ended the day before it, a second copy of a run's prestaties (a server error on the unique key), a regel approved
twice (its amount counted twice in the kept cost totals), a rejection over an approval, or regels added to a
declaratie that was submitted meanwhile (never counted as declared).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from portal.extensions import db as portal_db
from portal.models import (
    Contract,
    Declaratie,
    DeclaratieRegel,
    Gemeente,
    Presentie,
    Prestatie,
    PrestatieIndicator,
    Tarief,
    User,
)
from portal.models.billing import DeclaratieStatus, RegelStatus
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, Rol
from portal.services import ValidationError
from portal.services.billing import contracten, kosten_totalen
from portal.services.billing import declaraties as dcl
from portal.services.billing.derive import derive
from portal.services.billing.rules import overlapt, periode_uit_code, tarief_op
from tests import factories
from tests.helpers import app_on_scratch_database, open_session, post_form, second_behind_first

pytestmark = pytest.mark.postgres

NOVEMBER = periode_uit_code("2026-11")
TODAY = date(2026, 12, 6)  # November has ended: its declaratie can be submitted


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Flask]:
    """The app on its own throwaway database: the two writers need committed data and their own connections."""
    with app_on_scratch_database(tmp_path, "portal_billing_lock") as app, app.app_context():
        yield app


@dataclass
class Wereld:
    """Ids of one contract for Hoorn with an hours indicator, its running tarief, and who works on it."""

    contract: int
    indicator: int
    lopend: int
    managers: tuple[int, int]
    beheerder: int
    hoorn: int


def _engine() -> Engine:
    assert portal_db.engine is not None
    return portal_db.engine


def _wereld() -> Wereld:
    with Session(_engine()) as setup:
        for factory_class in factories.ALL_FACTORIES:
            factory_class._meta.sqlalchemy_session = setup
        hoorn = factories.GemeenteFactory(naam="Hoorn")
        contract = factories.ContractFactory(gemeenten=[hoorn], startdatum=date(2026, 1, 1),
                                             einddatum=date(2028, 12, 31))
        indicator = factories.PrestatieIndicatorFactory(contract=contract)
        lopend = factories.TariefFactory(indicator=indicator, bedrag_cent=1250, geldig_vanaf=date(2026, 1, 1))
        managers = [factories.UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[hoorn]) for _ in range(2)]
        beheerder = factories.UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=contract.aanbieder)
        setup.commit()
        return Wereld(contract.id, indicator.id, lopend.id, (managers[0].id, managers[1].id), beheerder.id, hoorn.id)


def _aanwezig(wereld: Wereld, *dagen: date) -> int:
    """A new B1-route verwijzing with three hours of taalles on each day; committed. Returns its id."""
    with Session(_engine()) as setup:
        for factory_class in factories.ALL_FACTORIES:
            factory_class._meta.sqlalchemy_session = setup
        contract = setup.get(Contract, wereld.contract)
        persoon = factories.InburgeraarFactory(gemeente=setup.get(Gemeente, wereld.hoorn))
        factories.PipFactory(inburgeraar=persoon, dagtekening=date(2026, 7, 1), leerroute=Leerroute.B,
                             niveau=NiveauPip.B1)
        verwijzing = factories.VerwijzingFactory(
            inburgeraar=persoon, contract=contract, onderdeel=Onderdeel.B1_ROUTE, beoogde_startdatum=date(2026, 9, 1),
            uiterste_einddatum=date(2027, 9, 1), gecontracteerde_uren=Decimal(40))
        for dag in dagen:
            setup.add(Presentie(verwijzing_id=verwijzing.id, datum=dag, activiteit="taalles_knm",
                                uren_aanwezig=Decimal(3), uren_afwezig_geoorloofd=Decimal(0),
                                uren_afwezig_ongeoorloofd=Decimal(0)))
        setup.commit()
        return verwijzing.id


def _run(wereld: Wereld) -> None:
    """A committed billing run for November."""
    with Session(_engine()) as session:
        derive(session, session.get(Contract, wereld.contract), NOVEMBER)
        session.commit()


def _declaratie_id(session: Session, wereld: Wereld) -> int:
    return session.scalar(select(Declaratie.id).where(Declaratie.contract_id == wereld.contract,
                                                      Declaratie.periode == NOVEMBER.code))


def _submitted(wereld: Wereld) -> int:
    """November run and submitted (committed); the declaratie's id."""
    _run(wereld)
    with Session(_engine()) as session:
        declaratie = session.get(Declaratie, _declaratie_id(session, wereld))
        dcl.submit(session, session.get(User, wereld.beheerder), declaratie, TODAY)
        session.commit()
        return declaratie.id


def _second_behind_first(app: Flask, first: Session, write_second: Callable[[Session], object]) -> list[BaseException]:
    """The second writer in its own session behind the first (it may also finish without waiting for a lock)."""
    second = Session(_engine())
    return second_behind_first(app, first, second, lambda: write_second(second), may_finish=True)


def _tarief(session: Session, wereld: Wereld, vanaf: str, bedrag: str, manager: int = 0) -> Tarief:
    return contracten.add_tarief(
        session, session.get(User, wereld.managers[manager]), session.get(PrestatieIndicator, wereld.indicator),
        contracten.TariefInput(geldig_vanaf=vanaf, bedrag=bedrag, eenheid="uur"))


def _every_regel_priced_at_the_tarief_of_its_day(session: Session, wereld: Wereld) -> list[DeclaratieRegel]:
    tarieven = list(session.scalars(select(Tarief).where(Tarief.indicator_id == wereld.indicator)))
    regels = list(session.scalars(select(DeclaratieRegel)))
    for regel in regels:
        geldig = tarief_op(tarieven, regel.prestatiedatum, wereld.hoorn)
        assert geldig is not None and geldig.id == regel.tarief_id, (
            f"regel of {regel.prestatiedatum} priced at tarief {regel.tarief_id}, valid that day: "
            f"{geldig and geldig.id}")
    return regels


def _beslis(session: Session, wereld: Wereld, manager: int, besluit: str, **extra: str) -> None:
    regel = session.scalars(select(DeclaratieRegel).order_by(DeclaratieRegel.id)).first()
    dcl.decide(session, session.get(User, wereld.managers[manager]), regel,
               dcl.BesluitInput(besluit=besluit, **extra))


# --- a tarief change and a billing run ---------------------------------------------------------------------------

def test_a_tarief_that_succeeds_the_running_one_waits_for_a_billing_run_and_then_refuses_its_days(live_app):
    wereld = _wereld()
    _aanwezig(wereld, date(2026, 11, 3), date(2026, 11, 20))
    first = Session(_engine())
    derive(first, first.get(Contract, wereld.contract), NOVEMBER)  # prices 20-11 at the running tarief; not committed

    errors = _second_behind_first(live_app, first, lambda second: _tarief(second, wereld, "10-11-2026", "13,00"))

    # Without the lock: the running tarief ends on 09-11 while the run's regel of 20-11 is priced at it.
    assert [type(e) for e in errors] == [ValidationError]
    assert "al gedeclareerd voor prestaties tot en met 20-11-2026" in errors[0].errors["geldig_vanaf"]
    with Session(_engine()) as check:
        assert len(_every_regel_priced_at_the_tarief_of_its_day(check, wereld)) == 1
        assert check.get(Tarief, wereld.lopend).geldig_tot is None


def test_a_billing_run_waits_for_a_tarief_change_and_prices_at_the_new_tarief(live_app):
    wereld = _wereld()
    _aanwezig(wereld, date(2026, 11, 3), date(2026, 11, 20))
    first = Session(_engine())
    _tarief(first, wereld, "10-11-2026", "13,00")  # the running tarief ends on 09-11; not committed

    errors = _second_behind_first(live_app, first, lambda second: derive(
        second, second.get(Contract, wereld.contract), NOVEMBER))

    assert errors == []
    with Session(_engine()) as check:
        # Without the lock: the run priced 20-11 at the tarief that now ends on 09-11 (12,50 instead of 13,00).
        [regel] = _every_regel_priced_at_the_tarief_of_its_day(check, wereld)
        assert regel.tarief_cent == 1300


def test_two_tarieven_added_at_once_do_not_overlap(live_app):
    wereld = _wereld()
    first = Session(_engine())
    _tarief(first, wereld, "01-01-2027", "13,00")  # succeeds the running tarief; not committed

    errors = _second_behind_first(live_app, first, lambda second: _tarief(second, wereld, "01-01-2027", "14,00", 1))

    assert errors == []  # the second one came later: it corrects the first (same day, nothing priced at it yet)
    with Session(_engine()) as check:
        tarieven = list(check.scalars(select(Tarief).where(Tarief.indicator_id == wereld.indicator)
                                      .order_by(Tarief.geldig_vanaf)))
        # Without the lock: both succeeded the running tarief, two tarieven from 01-01-2027 on.
        assert [(t.geldig_vanaf, t.geldig_tot, t.bedrag_cent) for t in tarieven] == [
            (date(2026, 1, 1), date(2026, 12, 31), 1250), (date(2027, 1, 1), None, 1400)]
        assert not any(overlapt(a.geldig_vanaf, a.geldig_tot, b.geldig_vanaf, b.geldig_tot)
                       for n, a in enumerate(tarieven) for b in tarieven[n + 1:])


# --- two billing runs ------------------------------------------------------------------------------------------------

def test_two_billing_runs_of_one_contract_at_once_make_one_set_of_prestaties_and_regels(live_app):
    wereld = _wereld()
    _aanwezig(wereld, date(2026, 11, 3))
    first = Session(_engine())
    derive(first, first.get(Contract, wereld.contract), NOVEMBER)  # not committed

    errors = _second_behind_first(live_app, first, lambda second: dcl.bereken_concepten(
        second, second.get(User, wereld.beheerder), TODAY))

    assert errors == []  # without the lock: duplicate key value violates unique constraint (a server error)
    with Session(_engine()) as check:
        assert check.scalar(select(func.count(Prestatie.id))) == 1
        assert check.scalar(select(func.count(DeclaratieRegel.id))) == 1


def test_two_billing_runs_after_a_correction_of_an_approved_regel_credit_it_once(live_app):
    wereld = _wereld()
    verwijzing_id = _aanwezig(wereld, date(2026, 11, 3))
    _submitted(wereld)
    with Session(_engine()) as session:
        _beslis(session, wereld, 0, "goedgekeurd")
        session.commit()
    with Session(_engine()) as session:  # the hours are corrected after the approval: 3 becomes 2
        presentie = session.scalars(select(Presentie).where(Presentie.verwijzing_id == verwijzing_id)).one()
        presentie.uren_aanwezig = Decimal(2)
        session.commit()
    first = Session(_engine())
    assert derive(first, first.get(Contract, wereld.contract), NOVEMBER).credit_regels == 1  # not committed

    errors = _second_behind_first(live_app, first, lambda second: derive(
        second, second.get(Contract, wereld.contract), NOVEMBER))

    # This passes without the contract lock as well: the second run's update of the corrected prestatie waits for
    # the first run's (a row lock), and reads the first's credit regel after it. It guards the outcome, not the lock.
    assert errors == []
    with Session(_engine()) as check:
        bedragen = sorted(check.scalars(select(DeclaratieRegel.bedrag_cent)))
        assert bedragen == [-3750, 2500, 3750]  # the original, its one credit, the corrected regel
        assert kosten_totalen.differences(check) == []


# --- submitting during a billing run ---------------------------------------------------------------------------------

def test_a_declaratie_submitted_during_a_billing_run_counts_every_regel_it_has(live_app):
    wereld = _wereld()
    _aanwezig(wereld, date(2026, 11, 3))
    _run(wereld)
    _aanwezig(wereld, date(2026, 11, 4))  # a second deelnemer's hours, for the next run
    first = Session(_engine())
    assert derive(first, first.get(Contract, wereld.contract), NOVEMBER).nieuwe_regels == 1  # not committed

    def submit(second: Session) -> None:
        declaratie = second.get(Declaratie, _declaratie_id(second, wereld))
        dcl.submit(second, second.get(User, wereld.beheerder), declaratie, TODAY)

    errors = _second_behind_first(live_app, first, submit)

    assert errors == []
    with Session(_engine()) as check:
        declaratie = check.get(Declaratie, _declaratie_id(check, wereld))
        assert declaratie.status is DeclaratieStatus.INGEDIEND
        assert dcl.totalen(check, declaratie).regels == 2
        # Without the lock: the run's regel landed on the submitted declaratie and was never counted as declared.
        assert kosten_totalen.differences(check) == []


# --- deciding --------------------------------------------------------------------------------------------------------

def test_two_contractmanagers_approving_one_regel_at_once_approve_it_once(live_app):
    wereld = _wereld()
    _aanwezig(wereld, date(2026, 11, 3))
    _submitted(wereld)
    first = Session(_engine())
    _beslis(first, wereld, 0, "goedgekeurd")  # not committed

    errors = _second_behind_first(live_app, first, lambda second: _beslis(second, wereld, 1, "goedgekeurd"))

    assert [type(e) for e in errors] == [ValidationError]
    assert "al besloten" in errors[0].errors["besluit"]
    with Session(_engine()) as check:
        regel = check.scalars(select(DeclaratieRegel)).one()
        assert (regel.status, regel.beoordeeld_door_id) == (RegelStatus.GOEDGEKEURD, wereld.managers[0])
        assert kosten_totalen.differences(check) == []  # without the lock: approved 37,50 counted twice


def test_a_rejection_while_another_approves_all_clean_regels_does_not_overwrite_the_approval(live_app):
    wereld = _wereld()
    _aanwezig(wereld, date(2026, 11, 3))
    declaratie_id = _submitted(wereld)
    first = Session(_engine())
    assert dcl.approve_all_clean(first, first.get(User, wereld.managers[0]),
                                 first.get(Declaratie, declaratie_id)) == 1  # not committed

    errors = _second_behind_first(live_app, first, lambda second: _beslis(
        second, wereld, 1, "afgewezen", afwijsreden="dubbel"))

    assert [type(e) for e in errors] == [ValidationError]
    with Session(_engine()) as check:
        regel = check.scalars(select(DeclaratieRegel)).one()
        assert regel.status is RegelStatus.GOEDGEKEURD
        assert kosten_totalen.differences(check) == []  # without the lock: rejected, yet counted as approved


# --- waiting for a contract's lock is bounded --------------------------------------------------------------------

_BEZIG = "Er wordt nu gerekend aan dit contract. Probeer het over een minuut opnieuw."


def _guarded(session: Session) -> Session:
    """Without a bound on the lock wait the test would hang on the uncommitted first writer: fail it instead."""
    session.execute(text("SET statement_timeout = '20s'"))
    return session


def test_a_decision_during_a_long_billing_run_gives_up_with_a_plain_message(live_app):
    wereld = _wereld()
    _aanwezig(wereld, date(2026, 11, 3))
    _submitted(wereld)
    live_app.config["BILLING_LOCK_TIMEOUT_MS"] = 200
    run = Session(_engine())
    derive(run, run.get(Contract, wereld.contract), NOVEMBER)  # holds the contract's lock; not committed
    try:
        with _guarded(Session(_engine())) as second, pytest.raises(ValidationError) as raised:
            _beslis(second, wereld, 0, "goedgekeurd")
    finally:
        run.rollback()
        run.close()
    assert list(raised.value.errors.values()) == [_BEZIG]


def test_bringing_concepts_up_to_date_during_a_billing_run_shows_the_plain_message(live_app):
    wereld = _wereld()
    _aanwezig(wereld, date(2026, 11, 3))
    live_app.config["BILLING_LOCK_TIMEOUT_MS"] = 200
    client = live_app.test_client()
    with Session(_engine()) as setup:
        open_session(setup, client, setup.get(User, wereld.beheerder))
        setup.commit()
    run = Session(_engine())
    derive(run, run.get(Contract, wereld.contract), NOVEMBER)  # holds the contract's lock; not committed
    try:
        response = post_form(client, "/declaraties/berekenen", page_url="/declaraties/", follow_redirects=True)
    finally:
        run.rollback()
        run.close()
    assert response.status_code == 200
    assert _BEZIG in response.get_data(as_text=True)


def test_a_submission_during_a_rebuild_of_the_kept_cost_totals_is_counted_once(live_app):
    wereld = _wereld()
    _aanwezig(wereld, date(2026, 10, 6))
    with Session(_engine()) as session:  # October run and submitted: counted in the kept totals
        derive(session, session.get(Contract, wereld.contract), periode_uit_code("2026-10"))
        oktober = session.scalars(select(Declaratie).where(Declaratie.periode == "2026-10")).one()
        dcl.submit(session, session.get(User, wereld.beheerder), oktober, TODAY)
        session.commit()
    _aanwezig(wereld, date(2026, 11, 3))
    _run(wereld)
    first = Session(_engine())
    kosten_totalen.rebuild(first)  # not committed

    errors = _second_behind_first(live_app, first, lambda second: dcl.submit(
        second, second.get(User, wereld.beheerder), second.get(Declaratie, _declaratie_id(second, wereld)), TODAY))

    assert errors == []
    with Session(_engine()) as check:
        # Passes without the contract locks as well (PostgreSQL's row locks on kosten_totaal order these two): it
        # guards that the rebuild, now taking every contract's lock first, still counts a queued submission once.
        assert kosten_totalen.differences(check) == []
