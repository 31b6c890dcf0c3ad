"""Property-based tests of the billing rules (no HTTP): whatever the aanbieder registers, corrects and declares, and
whatever the contractmanager decides, no prestatie is billed twice, a corrected prestatie's credit and new regel net
to the right amount, totals equal the sum of their regels and a regel is decided once."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.models import AuditEvent, Declaratie, DeclaratieRegel, Presentie, Prestatie, Tarief
from portal.models.billing import DeclaratieStatus, Eenheid, IndicatorSoort, RegelStatus, Trigger, Voorziening
from portal.models.enums import VerwijzingStatus
from portal.services import ValidationError
from portal.services.billing import declaraties as dcl
from portal.services.billing import exports, kosten_totalen
from portal.services.billing.derive import derive
from portal.services.billing.rules import bedrag_cent, periode_uit_code
from tests.factories import PrestatieIndicatorFactory, TariefFactory
from tests.services.test_billing import wereld  # noqa: F401 - the fixture

PERIODES = [periode_uit_code(code) for code in ("2026-09", "2026-10", "2026-11", "2026-12", "2027-01")]

sessie = st.tuples(st.just("sessie"), st.integers(0, 3), st.integers(1, 28),
                   st.integers(0, 32).map(lambda q: Decimal(q) / 4))
stap = st.one_of(
    sessie,
    st.tuples(st.just("run")),
    st.tuples(st.just("volgende")),
    st.tuples(st.just("indienen")),
    st.tuples(st.just("goedkeuren")),
    st.tuples(st.just("afwijzen")),
)


def _upsert(db, verwijzing, dag: date, uren: Decimal) -> None:
    row = db.scalars(select(Presentie).where(Presentie.verwijzing_id == verwijzing.id, Presentie.datum == dag)).first()
    if row is None:
        db.add(Presentie(verwijzing_id=verwijzing.id, datum=dag, activiteit="taalles_knm", uren_aanwezig=uren,
                         uren_afwezig_geoorloofd=Decimal(0), uren_afwezig_ongeoorloofd=Decimal(0)))
    else:
        row.uren_aanwezig = uren
    db.flush()


def _open_declaraties(db, *statussen):
    return list(db.scalars(select(Declaratie).where(Declaratie.status.in_(statussen)).order_by(Declaratie.id)))


def _indienen(db, w, today):
    for declaratie in _open_declaraties(db, DeclaratieStatus.CONCEPT):
        if declaratie.periode_tot < today and dcl.totalen(db, declaratie).regels:
            dcl.submit(db, w.beheerder, declaratie, today)


def _alles_goedkeuren(db, w):
    for declaratie in _open_declaraties(db, DeclaratieStatus.INGEDIEND, DeclaratieStatus.IN_BEHANDELING):
        for regel in db.scalars(select(DeclaratieRegel).where(
                DeclaratieRegel.declaratie_id == declaratie.id, DeclaratieRegel.status == RegelStatus.INGEDIEND)):
            dcl.decide(db, w.manager, regel, dcl.BesluitInput(besluit="goedgekeurd"))


def _eerste_afwijzen(db, w):
    for declaratie in _open_declaraties(db, DeclaratieStatus.INGEDIEND, DeclaratieStatus.IN_BEHANDELING):
        regel = db.scalars(select(DeclaratieRegel).where(
            DeclaratieRegel.declaratie_id == declaratie.id, DeclaratieRegel.status == RegelStatus.INGEDIEND,
            DeclaratieRegel.credit_van_regel_id.is_(None))).first()
        if regel is not None:
            dcl.decide(db, w.manager, regel, dcl.BesluitInput(besluit="afgewezen", afwijsreden="anders",
                                                              toelichting="Steekproef: presentielijst ontbreekt."))
            return


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stappen=st.lists(stap, max_size=25))
def test_billing_invariants_hold_for_any_sequence(db, app_ctx, wereld, stappen):  # noqa: F811
    w = wereld
    savepoint = db.begin_nested()
    try:
        _run_sequence(db, w, stappen)
    finally:
        savepoint.rollback()
        db.expire_all()


def _run_sequence(db, w, stappen, extra=None, check=None):
    """`extra(db, w, step, today)` handles steps this function does not know; `check(db)` runs with the
    invariants after every step."""
    positie = 1  # the periode that ended last: runs are for it, submitting happens after it
    for step in stappen:
        kind = step[0]
        today = PERIODES[positie].tot + timedelta(days=1)
        if kind == "sessie":
            _, maand, dag, uren = step
            _upsert(db, w.verwijzing, date(2026, 9 + maand, dag) if maand < 4 else date(2027, 1, dag), uren)
        elif kind == "run":
            derive(db, w.contract, PERIODES[positie])
        elif kind == "volgende" and positie < len(PERIODES) - 1:
            positie += 1
        elif kind == "indienen":
            _indienen(db, w, today)
        elif kind == "goedkeuren":
            _alles_goedkeuren(db, w)
        elif kind == "afwijzen":
            _eerste_afwijzen(db, w)
        elif extra is not None:
            extra(db, w, step, today)
        _check_invariants(db)
        if check is not None:
            check(db)
    # Settle: run for a periode after everything, submit and approve until nothing new comes.
    laatste = PERIODES[-1].volgende()
    for _ in range(3):
        derive(db, w.contract, laatste)
        _indienen(db, w, laatste.tot + timedelta(days=1))
        _alles_goedkeuren(db, w)
        laatste = laatste.volgende()
    _check_invariants(db)
    _check_settled(db)
    if check is not None:
        check(db)


def _check_invariants(db):
    regels = list(db.scalars(select(DeclaratieRegel)))
    gecrediteerd = {r.credit_van_regel_id for r in regels if r.credit_van_regel_id}
    levend = Counter(r.prestatie_id for r in regels if r.credit_van_regel_id is None
                     and r.id not in gecrediteerd and r.status != RegelStatus.AFGEWEZEN)
    assert all(n == 1 for n in levend.values()), "a prestatie is billed twice"
    for declaratie in db.scalars(select(Declaratie)):
        eigen = [r for r in regels if r.declaratie_id == declaratie.id]
        stand = dcl.totalen(db, declaratie)
        assert stand.ingediend == sum(r.bedrag_cent for r in eigen)
        assert stand.goedgekeurd == sum(r.bedrag_cent for r in eigen if r.status == RegelStatus.GOEDGEKEURD)
        assert stand.regels == len(eigen)
    besluiten = Counter(db.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "declaratieregel_beoordeeld")))
    assert all(n == 1 for n in besluiten.values()), "a regel is decided more than once"


def _check_settled(db):
    """Once everything is decided, the approved regels of each prestatie (debet minus credit) add up to what the
    registrations say it is worth now; a rejected prestatie is paid nothing more than what was approved before."""
    for prestatie in db.scalars(select(Prestatie)):
        regels = list(db.scalars(select(DeclaratieRegel).where(DeclaratieRegel.prestatie_id == prestatie.id)))
        goedgekeurd = sum(r.bedrag_cent for r in regels if r.status == RegelStatus.GOEDGEKEURD)
        if prestatie.afgewezen:
            assert goedgekeurd >= 0
            continue
        tarief = db.scalar(select(Tarief.bedrag_cent).where(Tarief.indicator_id == prestatie.indicator_id))
        assert goedgekeurd == bedrag_cent(prestatie.aantal, tarief), (prestatie.periode, prestatie.aantal, [
            (r.aantal, r.bedrag_cent, r.status, r.credit_van_regel_id) for r in regels])
    assert db.scalar(select(func.count(DeclaratieRegel.id)).where(
        DeclaratieRegel.status == RegelStatus.INGEDIEND)) == 0


# --- kept cost totals ---------------------------------------------------------------------------------------------

kosten_stap = st.one_of(
    stap,
    st.tuples(st.just("alles_schoon")),
    st.tuples(st.just("opnieuw")),
    st.tuples(st.just("uitval")),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stappen=st.lists(kosten_stap, max_size=25))
# Always tried: an uitval prestatie declared in October moves to January 2027 with a later session.
@example(stappen=[("uitval",), ("sessie", 1, 10, Decimal(3)), ("run",), ("indienen",), ("sessie", 4, 5, Decimal(2)),
                  ("volgende",), ("volgende",), ("volgende",), ("run",), ("indienen",), ("alles_schoon",)])
def test_kept_cost_totals_equal_the_regels_after_any_sequence(db, app_ctx, wereld, stappen):  # noqa: F811
    """Whatever is declared, approved (one by one or all at once), rejected, re-declared and credited, and however
    a prestatie's amount and date move (uitval pro rata follows the last session, into the next year), the kept
    costs per gemeente, contract, indicator and year equal a recomputation from the regels, and the costs page's
    figures equal the aggregate over every regel."""
    w = wereld
    savepoint = db.begin_nested()
    try:
        uitval = PrestatieIndicatorFactory(contract=w.contract, code="UITVAL", soort=IndicatorSoort.OUTPUT,
                                           trigger=Trigger.UITVAL_PRO_RATA, activiteit=None,
                                           voorziening=Voorziening.TOLKEN)  # another voorziening on the page
        TariefFactory(indicator=uitval, bedrag_cent=40000, eenheid=Eenheid.STUK, geldig_vanaf=date(2026, 1, 1))
        gezien: dict[int, date] = {}

        def check(db) -> None:
            _check_kosten(db)
            _check_datums_vast(db, gezien)

        _run_sequence(db, w, stappen, extra=_kosten_stap, check=check)
    finally:
        savepoint.rollback()
        db.expire_all()


def _kosten_stap(db, w, step, today) -> None:
    kind = step[0]
    if kind == "alles_schoon":
        for declaratie in _open_declaraties(db, DeclaratieStatus.INGEDIEND, DeclaratieStatus.IN_BEHANDELING):
            with contextlib.suppress(ValidationError):  # nothing clean left to approve
                dcl.approve_all_clean(db, w.manager, declaratie)
    elif kind == "opnieuw":
        regel = db.scalars(select(DeclaratieRegel).join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id)
                           .where(DeclaratieRegel.status == RegelStatus.AFGEWEZEN,
                                  DeclaratieRegel.credit_van_regel_id.is_(None), Prestatie.afgewezen.is_(True))
                           .order_by(DeclaratieRegel.id)).first()
        if regel is not None:
            dcl.redeclare(db, w.beheerder, regel)
    elif kind == "uitval":
        w.verwijzing.status = VerwijzingStatus.UITGEVALLEN
        db.flush()


def _check_datums_vast(db, gezien: dict[int, date]) -> None:
    """A submitted regel keeps its prestatiedatum, however its prestatie's date moves; a credit has its original's."""
    for regel in db.scalars(select(DeclaratieRegel).join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
                            .where(Declaratie.status != DeclaratieStatus.CONCEPT)):
        assert gezien.setdefault(regel.id, regel.prestatiedatum) == regel.prestatiedatum
        if regel.credit_van is not None:
            assert regel.prestatiedatum == regel.credit_van.prestatiedatum


def _check_kosten(db) -> None:
    assert kosten_totalen.differences(db) == []
    alle = select(Declaratie.id).where(Declaratie.status != DeclaratieStatus.CONCEPT)
    gemeenten = select(Declaratie.gemeente_id)
    assert exports.spuk_kosten_bewaard(db, gemeenten) == exports.spuk_kosten(db, alle)
