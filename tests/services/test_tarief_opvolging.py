"""A new tarief succeeds the running one (the yearly indexation): the tarief that holds 'tot nader order' ends the
day before; never over a day a regel was already priced at, and never around a tarief that started later."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models import DeclaratieRegel, Presentie
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, Rol
from portal.services import ValidationError
from portal.services.billing import contracten
from portal.services.billing.derive import derive
from portal.services.billing.rules import periode_uit_code, tarief_op
from tests import factories

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def wereld(db):
    hoorn = factories.GemeenteFactory(naam="Hoorn")
    contract = factories.ContractFactory(gemeenten=[hoorn], startdatum=date(2026, 1, 1), einddatum=date(2028, 12, 31))
    indicator = factories.PrestatieIndicatorFactory(contract=contract)
    lopend = factories.TariefFactory(indicator=indicator, bedrag_cent=1250, geldig_vanaf=date(2026, 1, 1))
    manager = factories.UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[hoorn])
    return {"hoorn": hoorn, "contract": contract, "indicator": indicator, "lopend": lopend, "manager": manager}


def _nieuw(db, wereld, vanaf, tot=None, bedrag="13,00"):
    return contracten.add_tarief(db, wereld["manager"], wereld["indicator"], contracten.TariefInput(
        geldig_vanaf=vanaf, geldig_tot=tot, bedrag=bedrag, eenheid="uur"))


def _verwijzing(wereld):
    """A B1-route verwijzing under the contract, for a Hoorn inburgeraar with a PIP."""
    persoon = factories.InburgeraarFactory(gemeente=wereld["hoorn"])
    factories.PipFactory(inburgeraar=persoon, dagtekening=date(2026, 7, 1), leerroute=Leerroute.B,
                         niveau=NiveauPip.B1)
    return factories.VerwijzingFactory(
        inburgeraar=persoon, contract=wereld["contract"], onderdeel=Onderdeel.B1_ROUTE,
        beoogde_startdatum=date(2026, 9, 1), uiterste_einddatum=date(2027, 9, 1), gecontracteerde_uren=Decimal(40))


def _present(db, verwijzing, datum):
    """Three hours of taalles on that day: a prestatie to declare."""
    db.add(Presentie(verwijzing_id=verwijzing.id, datum=datum, activiteit="taalles_knm", uren_aanwezig=Decimal(3),
                     uren_afwezig_geoorloofd=Decimal(0), uren_afwezig_ongeoorloofd=Decimal(0)))
    db.flush()


def test_a_new_tarief_ends_the_running_one_the_day_before(db, wereld):
    nieuw = _nieuw(db, wereld, "01-01-2027")
    assert wereld["lopend"].geldig_tot == date(2026, 12, 31)
    tarieven = wereld["indicator"].tarieven
    hoorn = wereld["hoorn"].id
    assert tarief_op(tarieven, date(2026, 12, 31), hoorn).bedrag_cent == 1250
    assert tarief_op(tarieven, date(2027, 1, 1), hoorn) is nieuw and nieuw.bedrag_cent == 1300


def test_a_tarief_already_declared_at_is_not_ended_before_that_prestatie(db, wereld):
    _present(db, _verwijzing(wereld), date(2026, 11, 3))
    assert derive(db, wereld["contract"], periode_uit_code("2026-11")).nieuwe_regels == 1

    with pytest.raises(ValidationError) as refused:
        _nieuw(db, wereld, "01-11-2026")
    assert "al gedeclareerd voor prestaties tot en met 03-11-2026" in refused.value.errors["geldig_vanaf"]
    assert wereld["lopend"].geldig_tot is None

    _nieuw(db, wereld, "04-11-2026")  # the day after the last declared prestatie: fine
    assert wereld["lopend"].geldig_tot == date(2026, 11, 3)


@pytest.mark.parametrize(("vanaf", "tot"), [("01-01-2025", None), ("01-01-2027", "31-12-2027")],
                         ids=["starts before the running tarief", "ends while the running one would go on"])
def test_a_tarief_that_would_not_succeed_the_running_one_still_overlaps(db, wereld, vanaf, tot):
    with pytest.raises(ValidationError) as refused:
        _nieuw(db, wereld, vanaf, tot)
    assert "overlapt met het tarief dat geldt van 01-01-2026" in refused.value.errors["geldig_vanaf"]
    assert wereld["lopend"].geldig_tot is None


def test_a_mistyped_tarief_nothing_was_priced_at_is_replaced_from_the_same_day(db, wereld):
    fout = _nieuw(db, wereld, "01-01-2027", bedrag="1.300,00")  # meant 13,00
    goed = _nieuw(db, wereld, "01-01-2027", bedrag="13,00")
    tarieven = wereld["indicator"].tarieven
    assert fout not in tarieven and goed in tarieven
    assert tarief_op(tarieven, date(2027, 3, 1), wereld["hoorn"].id).bedrag_cent == 1300
    assert wereld["lopend"].geldig_tot == date(2026, 12, 31)  # still succeeded, once


def test_a_tarief_already_priced_at_is_not_replaced(db, wereld):
    _present(db, _verwijzing(wereld), date(2026, 11, 3))
    derive(db, wereld["contract"], periode_uit_code("2026-11"))

    with pytest.raises(ValidationError) as refused:
        _nieuw(db, wereld, "01-01-2026")
    assert "al gedeclareerd voor prestaties tot en met 03-11-2026" in refused.value.errors["geldig_vanaf"]
    assert wereld["lopend"] in wereld["indicator"].tarieven


def test_a_tarief_priced_at_before_its_first_day_is_not_replaced_but_refused(db, wereld):
    # After migration 0026 a regel carries its prestatie's date as declared: a prestatie recalculated to an earlier
    # day leaves a regel priced at a tarief with a date before that tarief began. The tarief is still in use.
    verwijzing = _verwijzing(wereld)
    nieuw = _nieuw(db, wereld, "01-01-2027")
    _present(db, verwijzing, date(2027, 1, 5))
    assert derive(db, wereld["contract"], periode_uit_code("2027-01")).nieuwe_regels == 1
    [regel] = db.scalars(select(DeclaratieRegel).where(DeclaratieRegel.tarief_id == nieuw.id)).all()
    regel.prestatiedatum = date(2026, 12, 20)
    db.flush()

    with pytest.raises(ValidationError) as refused:
        _nieuw(db, wereld, "01-01-2027", bedrag="14,00")
    assert "al gedeclareerd voor prestaties tot en met 20-12-2026" in refused.value.errors["geldig_vanaf"]
    assert "na 01-01-2027 ingaan" in refused.value.errors["geldig_vanaf"]
    assert nieuw in wereld["indicator"].tarieven and regel.tarief_id == nieuw.id
