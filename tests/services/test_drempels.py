"""Signal thresholds per gemeente and per contract: validated in Dutch, audited, and they change the signals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from portal.models import AuditEvent, ContractSignaalDrempels, SignaalDrempels, TrajectStart
from portal.models.enums import Rol, VerwijzingStatus
from portal.models.signaal import STANDAARD_DREMPELS
from portal.models.traject import Activiteit
from portal.services import ValidationError, drempels, signalen
from tests.factories import (
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PresentieFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date(2026, 11, 20)


@pytest.fixture
def beheerder(db, gemeente):
    return UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])


def _data(**changes: object) -> drempels.GemeenteDrempelsInput:
    return drempels.GemeenteDrempelsInput(**{**{name: str(value) for name, value in STANDAARD_DREMPELS.items()},
                                             **changes})


def test_defaults_apply_until_a_gemeente_gets_its_own_thresholds(db, gemeente, beheerder):
    stand = drempels.gemeente_drempels(db, gemeente)
    assert not stand.eigen
    assert stand.huidig.aanwezigheid_min_pct == 80 == stand.standaard.aanwezigheid_min_pct

    drempels.save_gemeente_drempels(db, beheerder, gemeente, _data(aanwezigheid_min_pct="70 %", dagen_nieuw="7"))
    stand = drempels.gemeente_drempels(db, gemeente)
    assert stand.eigen
    assert (stand.huidig.aanwezigheid_min_pct, stand.huidig.dagen_nieuw) == (70, 7)
    assert stand.afwijkend("aanwezigheid_min_pct") and not stand.afwijkend("weken_niet_gestart")
    # Only this gemeente changed: another still uses the defaults.
    assert drempels.gemeente_drempels(db, GemeenteFactory()).huidig.aanwezigheid_min_pct == 80

    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "signaaldrempels_gewijzigd")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (beheerder.id, "gemeente", str(gemeente.id))
    assert event.details == {"wijzigingen": {"aanwezigheid_min_pct": [80, 70], "dagen_nieuw": [14, 7]}}

    assert drempels.reset_gemeente_drempels(db, beheerder, gemeente)
    assert not drempels.gemeente_drempels(db, gemeente).eigen
    assert db.scalar(select(SignaalDrempels).where(SignaalDrempels.gemeente_id == gemeente.id)) is None
    assert not drempels.reset_gemeente_drempels(db, beheerder, gemeente)


def test_invalid_thresholds_are_refused_with_dutch_messages_and_nothing_is_stored(db, gemeente, beheerder):
    with pytest.raises(ValidationError) as caught:
        drempels.save_gemeente_drempels(db, beheerder, gemeente, _data(
            aanwezigheid_min_pct="120", uren_achterstand_pct="12,5", weken_niet_gestart="",
            dagen_late_start="-3", maanden_termijn_einde="veel",
        ))
    assert caught.value.errors == {
        "aanwezigheid_min_pct": "Het percentage moet tussen 0 en 100 liggen.",
        "uren_achterstand_pct": "Het percentage moet een heel getal zijn, zonder punt of komma.",
        "weken_niet_gestart": "Vul het aantal weken in.",
        "dagen_late_start": "Het aantal dagen moet tussen 0 en 365 liggen.",  # -3 is whole: its range is wrong
        "maanden_termijn_einde": "Het aantal maanden moet een heel getal zijn, zonder punt of komma.",
    }
    assert db.scalar(select(SignaalDrempels)) is None
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "signaaldrempels_gewijzigd")) is None


def test_contract_override_is_optional_per_field_and_empty_removes_it(db, gemeente):
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    contract = ContractFactory(gemeenten=[gemeente])

    drempels.save_contract_drempels(db, manager, contract, drempels.ContractDrempelsInput(aanwezigheid_min_pct="90",
                                                            dagen_geen_presentie=""))
    stand = drempels.contract_drempels(db, contract)
    assert (stand.aanwezigheid_min_pct, stand.dagen_geen_presentie) == (90, None)
    assert [(g.naam, d.aanwezigheid_min_pct) for g, d in stand.per_gemeente] == [(gemeente.naam, 80)]

    with pytest.raises(ValidationError) as caught:
        drempels.save_contract_drempels(db, manager, contract,
                drempels.ContractDrempelsInput(aanwezigheid_min_pct="101",
                                                                dagen_geen_presentie="0"))
    assert caught.value.errors == {
        "aanwezigheid_min_pct": "Het percentage moet tussen 0 en 100 liggen.",
        "dagen_geen_presentie": "Het aantal dagen moet tussen 1 en 365 liggen.",
    }

    assert drempels.save_contract_drempels(db, manager, contract,
            drempels.ContractDrempelsInput(aanwezigheid_min_pct="",
                                                                   dagen_geen_presentie="")) is None
    assert db.scalar(select(ContractSignaalDrempels)) is None
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "contractdrempels_gewijzigd")
                        .order_by(AuditEvent.id)).all()
    assert [e.details for e in events] == [
        {"wijzigingen": {"aanwezigheid_min_pct": [None, 90]}},
        {"wijzigingen": {"aanwezigheid_min_pct": [90, None]}},
    ]


def _case_at_75_percent(db, gemeente):
    """A running traject with 6 of 8 planned hours present in the last four weeks: 75% attendance."""
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar, dagtekening=TODAY - timedelta(days=150))
    contract = ContractFactory(gemeenten=[gemeente], startdatum=TODAY - timedelta(days=700),
                               einddatum=TODAY + timedelta(days=900))
    verwijzing = VerwijzingFactory(inburgeraar=inburgeraar, contract=contract, status=VerwijzingStatus.GESTART,
                                   beoogde_startdatum=TODAY - timedelta(days=60),
                                   uiterste_einddatum=TODAY + timedelta(days=300))
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=TODAY - timedelta(days=60)))
    for dag, aanwezig, afwezig in ((TODAY - timedelta(days=3), 3, 1), (TODAY - timedelta(days=10), 3, 1)):
        PresentieFactory(verwijzing=verwijzing, datum=dag, activiteit=Activiteit.TAALLES_KNM,
                         uren_aanwezig=Decimal(aanwezig), uren_afwezig_geoorloofd=Decimal(afwezig),
                         uren_afwezig_ongeoorloofd=Decimal(0))
    db.flush()
    return inburgeraar, contract


def _aanwezigheid(db, regisseur, inburgeraar):
    (case_,) = signalen.caseload(db, regisseur, today=TODAY, filters=signalen.Filters(inburgeraar_id=inburgeraar.id))
    return next((s for s in case_.signalen if s.code == "aanwezigheid_laag"), None)


def test_changed_thresholds_change_the_signals(db, gemeente, beheerder, regisseur):
    inburgeraar, contract = _case_at_75_percent(db, gemeente)
    signaal = _aanwezigheid(db, regisseur, inburgeraar)
    assert signaal is not None
    assert "(75%)" in signaal.uitleg and "de drempel is 80% (standaard)" in signaal.uitleg

    # The gemeente lowers its threshold to 70%: 75% attendance is no longer a signal.
    drempels.save_gemeente_drempels(db, beheerder, gemeente, _data(aanwezigheid_min_pct="70"))
    assert _aanwezigheid(db, regisseur, inburgeraar) is None

    # The contract agreed 80% after all: it overrides the gemeente for its verwijzingen.
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    drempels.save_contract_drempels(db, manager, contract, drempels.ContractDrempelsInput(aanwezigheid_min_pct="80"))
    signaal = _aanwezigheid(db, regisseur, inburgeraar)
    assert signaal is not None and f"de drempel is 80% (contract {contract.kenmerk})" in signaal.uitleg

    drempels.save_contract_drempels(db, manager, contract, drempels.ContractDrempelsInput(aanwezigheid_min_pct=""))
    assert _aanwezigheid(db, regisseur, inburgeraar) is None


def test_every_threshold_is_read_in_one_statement_of_plain_rows(db, gemeente):
    """The case page reads the thresholds on every request: one statement of plain rows (no ORM objects), after
    the session's pending changes (a threshold just saved counts in the same transaction)."""
    contract = ContractFactory(gemeenten=[gemeente])
    andere = GemeenteFactory()
    db.flush()
    db.add_all([SignaalDrempels(gemeente_id=None, **{**STANDAARD_DREMPELS, "weken_niet_gestart": 7}),
                SignaalDrempels(gemeente_id=gemeente.id, **{**STANDAARD_DREMPELS, "weken_niet_gestart": 9,
                                                            "dagen_geen_presentie": 21}),
                ContractSignaalDrempels(contract_id=contract.id, aanwezigheid_min_pct=90)])
    statements = []

    def capture(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    engine = db.connection().engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        tabel = signalen.load_drempels(db)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1
    assert (tabel.voor(andere.id).weken_niet_gestart, tabel.voor(gemeente.id).weken_niet_gestart) == (7, 9)
    met_contract = tabel.voor(gemeente.id, contract.id)
    assert (met_contract.aanwezigheid_min_pct, met_contract.dagen_geen_presentie, met_contract.aanwezigheid_bron) == (
        90, 21, f"contract {contract.kenmerk}")
    assert tabel.voor(gemeente.id).aanwezigheid_bron == "gemeente" and tabel.standaard.aanwezigheid_bron == "standaard"
