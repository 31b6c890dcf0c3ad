"""Start of a traject: dates, reason for a later start, 'niet gestart', status, history and signals."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from portal import events
from portal.formatting import AMSTERDAM
from portal.models import AuditEvent, RegistratieWijziging
from portal.models.enums import Rol, VerwijzingStatus
from portal.services import NotAllowed, ValidationError
from portal.services.traject import StartInput, register_start
from tests.factories import ContractFactory, PresentieFactory, UserFactory, VerwijzingFactory

TODAY = date(2026, 11, 20)
BEOOGD = date(2026, 9, 1)


@pytest.fixture
def case(db):
    contract = ContractFactory(startdatum=date(2026, 1, 1), einddatum=date(2028, 12, 31))
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    verwijzing = VerwijzingFactory(contract=contract, beoogde_startdatum=BEOOGD, uiterste_einddatum=date(2027, 12, 31))
    return medewerker, verwijzing


@pytest.fixture
def emitted():
    seen: list[events.DomainEvent] = []

    def listener(_session, event):
        seen.append(event)

    events.subscribe(listener)
    yield seen
    events._listeners.remove(listener)


def errors(db, actor, verwijzing, **values):
    with pytest.raises(ValidationError) as exc:
        register_start(db, actor, verwijzing, StartInput(**values), TODAY)
    return exc.value.errors


def test_start_on_the_planned_day_sets_gestart_without_signal(db, case, emitted):
    medewerker, verwijzing = case
    start = register_start(db, medewerker, verwijzing, StartInput(gerealiseerde_startdatum="01-09-2026"), TODAY)
    assert start.gerealiseerde_startdatum == BEOOGD and start.geregistreerd_door_id == medewerker.id
    assert verwijzing.status is VerwijzingStatus.GESTART
    assert emitted == []
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "traject_start_geregistreerd")).one()


def test_a_later_start_needs_a_reason_and_signals_the_gemeente(db, case, emitted):
    medewerker, verwijzing = case
    assert "reden van de latere start" in errors(db, medewerker, verwijzing, gerealiseerde_startdatum="15-09-2026")[
        "reden_latere_start"]
    register_start(db, medewerker, verwijzing, StartInput(
        gerealiseerde_startdatum="15-09-2026", reden_latere_start="Kinderopvang pas later geregeld"), TODAY)
    [signal] = emitted
    assert signal.kind == events.LATE_START
    assert signal.verwijzing_id == verwijzing.id and signal.details["dagen_later"] == 14
    # Submitting the same again is a no-op: no second signal, no history.
    register_start(db, medewerker, verwijzing, StartInput(
        gerealiseerde_startdatum="15-09-2026", reden_latere_start="Kinderopvang pas later geregeld"), TODAY)
    assert len(emitted) == 1


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"gerealiseerde_startdatum": "21-11-2026"}, "gerealiseerde_startdatum", "toekomst"),
        ({"gerealiseerde_startdatum": ""}, "gerealiseerde_startdatum", "Vul de gerealiseerde startdatum in"),
        ({"gerealiseerde_startdatum": "31-02-2026"}, "gerealiseerde_startdatum", "geen geldige datum"),
        ({"gerealiseerde_startdatum": "01-09-2026", "bijgestelde_einddatum": "01-01-2028"},
         "bijgestelde_einddatum", "na de uiterste einddatum"),
        ({"gerealiseerde_startdatum": "01-09-2026", "bijgestelde_einddatum": "31-08-2026"},
         "bijgestelde_einddatum", "vóór de startdatum"),
        ({"niet_gestart": True}, "reden_niet_gestart", "waarom"),
    ],
)
def test_start_rules_have_dutch_messages(db, case, values, field, fragment):
    medewerker, verwijzing = case
    assert fragment in errors(db, medewerker, verwijzing, **values)[field]


def test_niet_gestart_with_reason_sets_status_and_signals(db, case, emitted):
    medewerker, verwijzing = case
    data = StartInput(niet_gestart=True, reden_niet_gestart="Verhuisd")
    start = register_start(db, medewerker, verwijzing, data, TODAY)
    assert start.niet_gestart and start.gerealiseerde_startdatum is None
    assert verwijzing.status is VerwijzingStatus.NIET_GESTART
    assert [e.kind for e in emitted] == [events.NIET_GESTART]


def test_niet_gestart_is_refused_when_presentie_exists(db, case):
    medewerker, verwijzing = case
    register_start(db, medewerker, verwijzing, StartInput(gerealiseerde_startdatum="01-09-2026"), TODAY)
    PresentieFactory(verwijzing=verwijzing, datum=date(2026, 9, 2))
    assert "al presentie" in errors(db, medewerker, verwijzing, niet_gestart=True, reden_niet_gestart="x")[
        "niet_gestart"]
    # Nor can the start move past the first session.
    assert "02-09-2026" in errors(db, medewerker, verwijzing, gerealiseerde_startdatum="03-09-2026",
                                  reden_latere_start="x")["gerealiseerde_startdatum"]


def test_a_correction_keeps_history_and_status_changes_are_recorded(db, case):
    medewerker, verwijzing = case
    start = register_start(db, medewerker, verwijzing, StartInput(gerealiseerde_startdatum="01-09-2026"), TODAY)
    register_start(db, medewerker, verwijzing, StartInput(
        gerealiseerde_startdatum="08-09-2026", reden_latere_start="Ziek", bijgestelde_einddatum="01-09-2027"), TODAY)
    rows = {(h.object_type, h.veld): h for h in db.scalars(select(RegistratieWijziging))}
    assert rows[("traject_start", "gerealiseerde_startdatum")].oude_waarde == "2026-09-01"
    assert rows[("traject_start", "gerealiseerde_startdatum")].nieuwe_waarde == "2026-09-08"
    assert rows[("traject_start", "gerealiseerde_startdatum")].gewijzigd_door_id == medewerker.id
    assert rows[("verwijzing", "status")].nieuwe_waarde == "gestart"
    assert start.bijgestelde_einddatum == date(2027, 9, 1)


def test_only_the_own_provider_registers_a_start(db, case):
    _, verwijzing = case
    other = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=ContractFactory().aanbieder)
    with pytest.raises(NotAllowed, match="Alleen de aanbieder"):
        register_start(db, other, verwijzing, StartInput(gerealiseerde_startdatum="01-09-2026"), TODAY)
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[verwijzing.inburgeraar.gemeente])
    with pytest.raises(NotAllowed):
        register_start(db, regisseur, verwijzing, StartInput(gerealiseerde_startdatum="01-09-2026"), TODAY)


def test_an_ingetrokken_verwijzing_cannot_start(db, case):
    medewerker, verwijzing = case
    verwijzing.status = VerwijzingStatus.INGETROKKEN
    assert "ingetrokken" in errors(db, medewerker, verwijzing, gerealiseerde_startdatum="01-09-2026")["verwijzing"]


def test_a_finished_traject_keeps_its_status_when_the_start_is_corrected(db, case):
    medewerker, verwijzing = case
    register_start(db, medewerker, verwijzing, StartInput(gerealiseerde_startdatum="01-09-2026"), TODAY)
    verwijzing.status = VerwijzingStatus.AFGEROND
    data = StartInput(gerealiseerde_startdatum="02-09-2026", reden_latere_start="x")
    register_start(db, medewerker, verwijzing, data, TODAY)
    assert verwijzing.status is VerwijzingStatus.AFGEROND


def _vastgelegd_op(verwijzing, dag):
    """The day the gemeente recorded the verwijzing in the portal (the factory records it today)."""
    verwijzing.created_at = datetime.combine(dag, time(10), tzinfo=AMSTERDAM)


def test_a_start_some_days_before_the_beoogde_start_is_accepted_without_a_reason_or_signal(db, case, emitted):
    """QA: beoogde start 11-12, course began 03-12; the verwijzing existed since August. A course that starts a week
    early is ordinary: the beoogde startdatum is a plan, not a boundary."""
    medewerker, verwijzing = case
    _vastgelegd_op(verwijzing, date(2026, 8, 10))
    start = register_start(db, medewerker, verwijzing, StartInput(gerealiseerde_startdatum="25-08-2026"), TODAY)
    assert start.gerealiseerde_startdatum == date(2026, 8, 25) and start.reden_latere_start is None
    assert verwijzing.status is VerwijzingStatus.GESTART
    assert emitted == []


def test_a_start_before_the_verwijzing_was_made_is_refused(db, case):
    medewerker, verwijzing = case
    _vastgelegd_op(verwijzing, date(2026, 8, 10))
    message = errors(db, medewerker, verwijzing, gerealiseerde_startdatum="07-08-2026")["gerealiseerde_startdatum"]
    assert "10-08-2026" in message and "vóór" in message


def test_a_verwijzing_recorded_after_its_beoogde_start_cannot_start_before_that_start(db, case):
    """Recorded afterwards (the factory records it today, after BEOOGD): the beoogde startdatum is the earliest
    day the portal knows the verwijzing existed."""
    medewerker, verwijzing = case
    message = errors(db, medewerker, verwijzing, gerealiseerde_startdatum="31-08-2026")["gerealiseerde_startdatum"]
    assert "01-09-2026" in message and "vraag de gemeente" in message


def test_a_start_before_the_contract_began_is_refused(db, case):
    medewerker, verwijzing = case
    _vastgelegd_op(verwijzing, date(2025, 11, 1))
    message = errors(db, medewerker, verwijzing, gerealiseerde_startdatum="20-12-2025")["gerealiseerde_startdatum"]
    assert "contract" in message and "01-01-2026" in message


def test_every_error_of_a_submit_is_reported_at_once(db, case):
    """QA: a refused start hid that the einddatum lay before it; the einddatum error only came after fixing the
    start."""
    medewerker, verwijzing = case
    found = errors(db, medewerker, verwijzing, gerealiseerde_startdatum="21-11-2026",
                   bijgestelde_einddatum="01-11-2026")
    assert "toekomst" in found["gerealiseerde_startdatum"]
    assert "vóór de startdatum" in found["bijgestelde_einddatum"]
    found = errors(db, medewerker, verwijzing, gerealiseerde_startdatum="31-08-2026",
                   bijgestelde_einddatum="30-08-2026")
    assert set(found) == {"gerealiseerde_startdatum", "bijgestelde_einddatum"}
