"""A declaratieregel keeps the prestatiedatum it was declared with. The prestatie's date is recomputed when later
registrations come in (uitval pro rata follows the last session), but a submitted regel is a fixed record: its
page, its exports and the year its cost counts in (SPUK, kept totals) stay as declared; a change in amount is
settled as a credit (with the credited regel's date) plus a new regel (with the new date)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.models import Declaratie, DeclaratieRegel, Prestatie
from portal.models.billing import DeclaratieStatus, Eenheid, IndicatorSoort, RegelStatus, Trigger, Voorziening
from portal.models.enums import VerwijzingStatus
from portal.services import kept_totals
from portal.services.billing import declaraties as dcl
from portal.services.billing import exports, kosten_totalen
from portal.services.billing.derive import derive
from portal.services.billing.rules import periode_uit_code
from tests.factories import PrestatieIndicatorFactory, TariefFactory
from tests.services.test_billing import DEC, NA_DEC, sessie, wereld  # noqa: F401 - wereld is the fixture

pytestmark = pytest.mark.usefixtures("app_ctx")

JAN = periode_uit_code("2027-01")
NA_JAN = date(2027, 2, 3)
GEDECLAREERD = date(2026, 12, 15)  # the last session before the uitval was declared
LATER = date(2027, 1, 5)  # a session registered afterwards: the uitval's date moves into 2027


@pytest.fixture
def uitval(db, wereld):  # noqa: F811
    """An uitval indicator (€ 400 per whole traject, pro rata; its own voorziening) and the traject fallen out."""
    indicator = PrestatieIndicatorFactory(contract=wereld.contract, code="MB-UITVAL", soort=IndicatorSoort.OUTPUT,
                                          trigger=Trigger.UITVAL_PRO_RATA, activiteit=None,
                                          voorziening=Voorziening.TOLKEN)
    TariefFactory(indicator=indicator, bedrag_cent=40000, eenheid=Eenheid.STUK, geldig_vanaf=date(2026, 1, 1))
    wereld.verwijzing.status = VerwijzingStatus.UITGEVALLEN
    db.flush()
    return indicator


def _indienen_en_goedkeuren(db, wereld, periode, today):  # noqa: F811
    declaratie = db.scalars(select(Declaratie).where(Declaratie.periode == periode.code)).one()
    dcl.submit(db, wereld.beheerder, declaratie, today)
    for regel in db.scalars(select(DeclaratieRegel).where(DeclaratieRegel.declaratie_id == declaratie.id,
                                                          DeclaratieRegel.status == RegelStatus.INGEDIEND)):
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="goedgekeurd"))
    assert declaratie.status is DeclaratieStatus.AFGEHANDELD
    return declaratie


def _uitval_regels(db, indicator):
    return list(db.scalars(select(DeclaratieRegel).join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id)
                           .where(Prestatie.indicator_id == indicator.id).order_by(DeclaratieRegel.id)))


def _tolken_per_jaar(db):
    """Declared and approved tolken cost per year: from the kept totals and from the aggregate over the regels."""
    alle = select(Declaratie.id).where(Declaratie.status != DeclaratieStatus.CONCEPT)
    def per_jaar(kosten):
        return {k.jaar: (k.gedeclareerd_cent, k.goedgekeurd_cent) for k in kosten
                if k.voorziening is Voorziening.TOLKEN and (k.gedeclareerd_cent or k.goedgekeurd_cent)}

    return (per_jaar(exports.spuk_kosten_bewaard(db, select(Declaratie.gemeente_id))),
            per_jaar(exports.spuk_kosten(db, alle)))


def test_a_declared_regel_keeps_its_date_when_the_prestatie_date_moves(app, db, wereld, uitval):  # noqa: F811
    """The walk's case: an approved uitval regel went on showing (and counting in) the date of a later session."""
    sessie(db, wereld.verwijzing, GEDECLAREERD, "10")  # half of the 20 contracted hours
    derive(db, wereld.contract, DEC)
    december = _indienen_en_goedkeuren(db, wereld, DEC, NA_DEC)
    [regel] = _uitval_regels(db, uitval)
    assert (regel.prestatiedatum, regel.aantal, regel.bedrag_cent) == (GEDECLAREERD, Decimal("0.50"), 20000)
    csv_voor, json_voor = exports.as_csv(db, december), exports.as_message(db, december)
    assert "2026-12-15" in csv_voor.decode("utf-8-sig")

    sessie(db, wereld.verwijzing, LATER, "5")  # three quarters now, and the uitval's date moves into 2027
    derive(db, wereld.contract, JAN)  # the correction waits on January's concept declaratie

    db.expire_all()
    assert db.get(Prestatie, regel.prestatie_id).prestatiedatum == LATER  # the prestatie did move
    regel = db.get(DeclaratieRegel, regel.id)
    assert (regel.prestatiedatum, regel.bedrag_cent, regel.status) == (GEDECLAREERD, 20000, RegelStatus.GOEDGEKEURD)
    assert exports.as_csv(db, december) == csv_voor
    assert exports.as_message(db, december) == json_voor
    blad = load_workbook(io.BytesIO(exports.as_xlsx(db, december))).active
    assert datetime(2026, 12, 15) in [rij[5] for rij in blad.iter_rows(min_row=5, values_only=True)]
    bewaard, herberekend = _tolken_per_jaar(db)
    assert bewaard == herberekend == {2026: (20000, 20000)}  # the cost stays in the year it was declared in
    assert kosten_totalen.differences(db) == []
    kept_totals.rebuild(db)  # the sessions were stored around the presentie service (its totals are checked too)
    db.commit()
    controle = app.test_cli_runner().invoke(args=["totalen-controleren"])
    assert controle.exit_code == 0 and "Geen verschillen" in controle.output, controle.output


def test_a_changed_amount_is_a_credit_with_the_old_date_and_a_regel_with_the_new(db, wereld, uitval):  # noqa: F811
    sessie(db, wereld.verwijzing, GEDECLAREERD, "10")  # half of the 20 contracted hours
    derive(db, wereld.contract, DEC)
    _indienen_en_goedkeuren(db, wereld, DEC, NA_DEC)
    sessie(db, wereld.verwijzing, LATER, "5")  # three quarters, on a later date
    derive(db, wereld.contract, JAN)
    januari = _indienen_en_goedkeuren(db, wereld, JAN, NA_JAN)

    origineel, credit, nieuw = _uitval_regels(db, uitval)
    assert (origineel.prestatiedatum, origineel.bedrag_cent, origineel.declaratie.periode) == (
        GEDECLAREERD, 20000, "2026-12")
    assert (credit.credit_van_regel_id, credit.prestatiedatum, credit.bedrag_cent, credit.declaratie_id) == (
        origineel.id, GEDECLAREERD, -20000, januari.id)
    assert (nieuw.credit_van_regel_id, nieuw.prestatiedatum, nieuw.bedrag_cent) == (None, LATER, 30000)
    datums = {r["referentie"]: r["prestatiedatum"] for r in json.loads(exports.as_json(db, januari))["prestaties"]}
    assert (datums[f"R{credit.id}"], datums[f"R{nieuw.id}"]) == ("2026-12-15", "2027-01-05")
    bewaard, herberekend = _tolken_per_jaar(db)
    # 2026: declared and credited (nets to nothing); 2027: the corrected amount.
    assert bewaard == herberekend == {2027: (30000, 30000)}
    assert kosten_totalen.differences(db) == []


def test_a_regel_on_a_concept_follows_the_recomputed_date(db, wereld, uitval):  # noqa: F811
    sessie(db, wereld.verwijzing, date(2026, 12, 1), "5")  # a quarter
    derive(db, wereld.contract, DEC)
    sessie(db, wereld.verwijzing, GEDECLAREERD, "5")  # half, on a later date
    derive(db, wereld.contract, DEC)
    db.expire_all()
    assert [(r.prestatiedatum, r.bedrag_cent, r.declaratie.status) for r in _uitval_regels(db, uitval)] == [
        (GEDECLAREERD, 20000, DeclaratieStatus.CONCEPT)]  # not submitted yet: it can still change


def test_the_pages_show_the_declared_date(db, wereld, uitval, login_as):  # noqa: F811
    sessie(db, wereld.verwijzing, GEDECLAREERD, "10")
    derive(db, wereld.contract, DEC)
    december = _indienen_en_goedkeuren(db, wereld, DEC, NA_DEC)
    sessie(db, wereld.verwijzing, LATER, "5")
    derive(db, wereld.contract, JAN)
    origineel = _uitval_regels(db, uitval)[0]
    db.commit()
    client = login_as(wereld.manager)
    declaratie_pagina = client.get(f"/declaraties/{december.id}").get_data(as_text=True)
    regel_pagina = client.get(f"/declaraties/{december.id}/regels/{origineel.id}").get_data(as_text=True)
    for naam, pagina in (("declaratie", declaratie_pagina), ("regel", regel_pagina)):
        assert "op 15-12-2026" in pagina and "05-01-2027" not in pagina, naam
