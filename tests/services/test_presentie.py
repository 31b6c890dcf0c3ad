"""Presentie rules at the service level: the same functions serve the grid, the form and the spreadsheet import."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from portal.models import AuditEvent, Presentie, RegistratieWijziging
from portal.models.enums import Onderdeel, Rol, VerwijzingStatus
from portal.models.traject import Activiteit
from portal.services.presentie import (
    GEWIJZIGD,
    NIEUW,
    ONGEWIJZIGD,
    PresentieInput,
    preview_presentie,
    register,
    save_presentie,
    validate_presentie,
)
from portal.services.validation import FieldError, parse_hours
from tests.factories import (
    ContractFactory,
    PresentieFactory,
    TrajectStartFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date(2026, 11, 20)
START = date(2026, 9, 1)


@pytest.fixture
def case(db):
    """A taalaanbieder's employee with one started B1-route verwijzing."""
    contract = ContractFactory(startdatum=date(2026, 1, 1), einddatum=date(2028, 12, 31))
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    verwijzing = VerwijzingFactory(
        contract=contract, beoogde_startdatum=START, uiterste_einddatum=date(2027, 12, 31),
        status=VerwijzingStatus.GESTART,
    )
    TrajectStartFactory(verwijzing=verwijzing, gerealiseerde_startdatum=START)
    return medewerker, verwijzing


def row(verwijzing, regel=1, **values):
    values.setdefault("datum", "17-11-2026")
    values.setdefault("activiteit", "taalles_knm")
    values.setdefault("uren_aanwezig", "3")
    return PresentieInput(regel=regel, verwijzing_id=verwijzing.id, **values)


def errors_of(db, actor, *inputs):
    _, errors = validate_presentie(db, actor, list(inputs), TODAY)
    return {(e.row, veld): melding for e in errors for veld, melding in e.errors.items()}


def stored(db, verwijzing):
    return list(db.scalars(select(Presentie).where(Presentie.verwijzing_id == verwijzing.id)))


def test_a_session_is_saved_and_submitting_it_again_changes_nothing(db, case):
    medewerker, verwijzing = case
    result = register(db, medewerker, [row(verwijzing, uren_aanwezig="2,5")], TODAY)
    assert result.nieuw == 1
    again = register(db, medewerker, [row(verwijzing, uren_aanwezig="2.5")], TODAY)
    assert (again.nieuw, again.gewijzigd, again.ongewijzigd) == (0, 0, 1)
    [saved] = stored(db, verwijzing)
    assert saved.uren_aanwezig == Decimal("2.5")
    assert saved.geregistreerd_door_id == medewerker.id
    assert db.scalar(select(func.count()).select_from(RegistratieWijziging)) == 0


@pytest.mark.parametrize("raw", ["2,5", "2.5", " 2,50 ", 2.5, Decimal("2.5")])
def test_comma_and_point_both_mean_two_and_a_half_hours(db, case, raw):
    medewerker, verwijzing = case
    clean, errors = validate_presentie(db, medewerker, [row(verwijzing, uren_aanwezig=raw)], TODAY)
    assert errors == []
    assert clean[0].uren_aanwezig == Decimal("2.5")


def test_a_correction_keeps_who_when_old_and_new(db, case):
    medewerker, verwijzing = case
    register(db, medewerker, [row(verwijzing, uren_aanwezig="3")], TODAY)
    collega = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=medewerker.aanbieder)
    result = register(
        db, collega,
        [row(verwijzing, uren_aanwezig="1", uren_afwezig_geoorloofd="2", reden_afwezig="Afspraak huisarts")],
        TODAY,
    )
    assert result.gewijzigd == 1
    [saved] = stored(db, verwijzing)
    assert (saved.uren_aanwezig, saved.uren_afwezig_geoorloofd) == (Decimal("1"), Decimal("2"))
    history = {h.veld: h for h in db.scalars(select(RegistratieWijziging).where(
        RegistratieWijziging.object_type == "presentie", RegistratieWijziging.object_id == saved.id))}
    assert set(history) == {"uren_aanwezig", "uren_afwezig_geoorloofd", "reden_afwezig"}
    assert Decimal(history["uren_aanwezig"].oude_waarde) == 3
    assert Decimal(history["uren_aanwezig"].nieuwe_waarde) == 1
    assert history["uren_aanwezig"].gewijzigd_door_id == collega.id
    assert history["uren_aanwezig"].gewijzigd_op is not None


def test_every_change_is_audited_per_inburgeraar_without_personal_data(db, case):
    medewerker, verwijzing = case
    register(db, medewerker, [row(verwijzing), row(verwijzing, regel=2, datum="18-11-2026")], TODAY)
    [event_row] = db.scalars(select(AuditEvent).where(AuditEvent.action == "presentie_geregistreerd"))
    assert event_row.inburgeraar_id == verwijzing.inburgeraar_id
    assert event_row.actor_id == medewerker.id
    assert event_row.details == {"nieuw": 2, "gewijzigd": 0}


def test_future_dates_are_refused(db, case):
    medewerker, verwijzing = case
    errors = errors_of(db, medewerker, row(verwijzing, datum=TODAY + timedelta(days=1)))
    assert "toekomst" in errors[(1, "datum")]
    assert errors_of(db, medewerker, row(verwijzing, datum=TODAY)) == {}


def test_dates_outside_the_traject_are_refused(db, case):
    medewerker, verwijzing = case
    errors = errors_of(db, medewerker, row(verwijzing, datum=START - timedelta(days=1)))
    assert "vóór de start van het traject (01-09-2026)" in errors[(1, "datum")]
    verwijzing.uiterste_einddatum = date(2026, 10, 31)
    db.flush()
    errors = errors_of(db, medewerker, row(verwijzing, datum="03-11-2026"))
    assert "na het einde van het traject (31-10-2026)" in errors[(1, "datum")]


def test_bijgestelde_einddatum_ends_the_traject(db, case):
    medewerker, verwijzing = case
    start = verwijzing_start(db, verwijzing)
    start.bijgestelde_einddatum = date(2026, 11, 1)
    db.flush()
    errors = errors_of(db, medewerker, row(verwijzing, datum="02-11-2026"))
    assert "na het einde van het traject (01-11-2026)" in errors[(1, "datum")]


def verwijzing_start(db, verwijzing):
    from portal.models import TrajectStart

    return db.scalars(select(TrajectStart).where(TrajectStart.verwijzing_id == verwijzing.id)).one()


def test_presentie_needs_a_registered_start(db):
    contract = ContractFactory()
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    verwijzing = VerwijzingFactory(contract=contract, beoogde_startdatum=START)
    errors = errors_of(db, medewerker, row(verwijzing))
    assert "Registreer eerst de startdatum" in errors[(1, "verwijzing")]


def test_niet_gestart_has_no_presentie(db, case):
    medewerker, verwijzing = case
    start = verwijzing_start(db, verwijzing)
    start.niet_gestart, start.gerealiseerde_startdatum, start.reden_niet_gestart = True, None, "Verhuisd"
    db.flush()
    assert "niet gestart" in errors_of(db, medewerker, row(verwijzing))[(1, "verwijzing")]


def test_another_providers_verwijzing_is_an_unknown_deelnemer(db, case):
    medewerker, _ = case
    other = VerwijzingFactory()
    TrajectStartFactory(verwijzing=other)
    errors = errors_of(db, medewerker, row(other))
    assert errors[(1, "verwijzing")].startswith("Onbekende deelnemer")
    assert errors_of(db, medewerker, PresentieInput(regel=1, kenmerk="V-BESTAATNIET", datum="17-11-2026",
                                                   activiteit="taalles_knm", uren_aanwezig="1"))[(1, "verwijzing")]


def test_gemeente_staff_cannot_register_presentie(db, case):
    _, verwijzing = case
    klantregisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[verwijzing.inburgeraar.gemeente])
    assert "Onbekende deelnemer" in errors_of(db, klantregisseur, row(verwijzing))[(1, "verwijzing")]


def test_a_verwijzing_can_be_named_by_its_kenmerk(db, case):
    medewerker, verwijzing = case
    item = PresentieInput(regel=7, kenmerk=f" {verwijzing.kenmerk.lower()} ", datum="17-11-2026",
                          activiteit="Taalles en KNM", uren_aanwezig="3")
    clean, errors = validate_presentie(db, medewerker, [item], TODAY)
    assert errors == [] and clean[0].verwijzing_id == verwijzing.id and clean[0].regel == 7


def test_the_activity_must_fit_the_onderdeel(db, case):
    medewerker, verwijzing = case
    errors = errors_of(db, medewerker, row(verwijzing, activiteit="map_praktijk"))
    assert "hoort niet bij deze verwijzing" in errors[(1, "activiteit")]
    assert "Onbekende activiteit" in errors_of(db, medewerker, row(verwijzing, activiteit="zwemmen"))[(1, "activiteit")]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [("NaN", "geen geldig getal"), ("1e3", "geen geldig getal"), ("-1", "negatief"), ("24,25", "meer dan 24"),
     ("0,3", "kwartieren"), ("inf", "geen geldig getal"), (float("nan"), "als getal"), ("", "Vul 0 in")],
)
def test_odd_hours_are_refused_with_a_dutch_message(db, case, raw, fragment):
    medewerker, verwijzing = case
    assert fragment in errors_of(db, medewerker, row(verwijzing, uren_aanwezig=raw))[(1, "uren_aanwezig")]


def test_minus_zero_is_zero(db, case):
    medewerker, verwijzing = case
    clean, errors = validate_presentie(db, medewerker, [row(verwijzing, uren_aanwezig="-0")], TODAY)
    assert errors == [] and clean[0].uren_aanwezig == 0 and not clean[0].uren_aanwezig.is_signed()


def test_absence_needs_a_reason_and_empty_absence_means_none(db, case):
    medewerker, verwijzing = case
    errors = errors_of(db, medewerker, row(verwijzing, uren_aanwezig="", uren_afwezig_ongeoorloofd="3"))
    assert "reden van afwezigheid" in errors[(1, "reden_afwezig")]
    clean, errors = validate_presentie(db, medewerker, [row(
        verwijzing, uren_aanwezig=" ", uren_afwezig_ongeoorloofd="3", reden_afwezig="Zonder bericht")], TODAY)
    assert errors == []
    assert (clean[0].uren_aanwezig, clean[0].uren_afwezig_geoorloofd, clean[0].uren_afwezig_ongeoorloofd) == (0, 0, 3)


def map_elsewhere(verwijzing, uren: Decimal) -> None:
    """The same person also follows MAP (another verwijzing, started) with `uren` hours stored on 17-11-2026."""
    map_verwijzing = VerwijzingFactory(inburgeraar=verwijzing.inburgeraar, onderdeel=Onderdeel.MAP,
                                       beoogde_startdatum=START)
    TrajectStartFactory(verwijzing=map_verwijzing)
    PresentieFactory(verwijzing=map_verwijzing, datum=date(2026, 11, 17), activiteit=Activiteit.MAP_PRAKTIJK,
                     uren_aanwezig=uren)


def test_at_most_24_hours_per_person_per_day_over_all_activities_and_providers(db, case):
    medewerker, verwijzing = case
    map_elsewhere(verwijzing, Decimal(20))  # 20 hours stored that day at another provider
    errors = errors_of(db, medewerker, row(verwijzing, uren_aanwezig="4,25"))
    assert "meer dan 24 uur per dag" in errors[(1, "uren_aanwezig")]
    assert errors_of(db, medewerker, row(verwijzing, uren_aanwezig="4")) == {}


def test_one_verwijzing_is_checked_with_one_read_that_counts_the_persons_other_verwijzingen(db, case):
    """A grid row or session form names one verwijzing: it and what is stored of its person on the days named
    (under every verwijzing, any provider's) are read in one statement, and the 24-hour rule counts them all."""
    medewerker, verwijzing = case
    map_elsewhere(verwijzing, Decimal(19))
    register(db, medewerker, [row(verwijzing, uren_aanwezig="1", datum="16-11-2026"),
                              row(verwijzing, regel=2, uren_aanwezig="2")], TODAY)
    db.flush()
    reads: list[str] = []
    engine = db.get_bind().engine

    def seen(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        errors = errors_of(db, medewerker, row(verwijzing, uren_aanwezig="5,25"),
                           row(verwijzing, regel=2, datum="16-11-2026", uren_aanwezig="3"))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(reads) == 1, reads
    # 19 (MAP) + 5.25 on the 17th is too much; replacing the stored 2 does not count it twice, and the 16th is fine.
    assert list(errors) == [(1, "uren_aanwezig")] and "meer dan 24 uur per dag" in errors[(1, "uren_aanwezig")]
    assert errors_of(db, medewerker, row(verwijzing, uren_aanwezig="5"),
                     row(verwijzing, regel=2, datum="16-11-2026", uren_aanwezig="3")) == {}


def test_the_24_hours_count_other_rows_of_the_batch_but_not_the_row_being_replaced(db, case):
    medewerker, verwijzing = case
    register(db, medewerker, [row(verwijzing, uren_aanwezig="20")], TODAY)
    # Replacing the stored 20 by 24 is fine: the old value no longer counts.
    assert errors_of(db, medewerker, row(verwijzing, uren_aanwezig="24")) == {}
    both = errors_of(db, medewerker, row(verwijzing, uren_aanwezig="12"),
                     row(verwijzing, regel=2, activiteit="brede_intake", uren_aanwezig="12,25"))
    assert set(both) == {(1, "uren_aanwezig"), (2, "uren_aanwezig")}
    assert errors_of(db, medewerker, row(verwijzing, uren_aanwezig="12"),
                     row(verwijzing, regel=2, activiteit="brede_intake", uren_aanwezig="12")) == {}


def test_the_same_day_and_activity_twice_in_one_batch_is_an_error(db, case):
    medewerker, verwijzing = case
    errors = errors_of(db, medewerker, row(verwijzing, regel=4), row(verwijzing, regel=9, datum="2026-11-17"))
    assert "regel 4" in errors[(9, "datum")]


def test_preview_classifies_without_saving(db, case):
    medewerker, verwijzing = case
    register(db, medewerker, [row(verwijzing, datum="16-11-2026"), row(verwijzing, regel=2)], TODAY)
    clean, errors = validate_presentie(db, medewerker, [
        row(verwijzing, datum="16-11-2026"), row(verwijzing, regel=2, uren_aanwezig="1"),
        row(verwijzing, regel=3, datum="18-11-2026"),
    ], TODAY)
    assert errors == []
    assert [r.soort for r in clean] == [ONGEWIJZIGD, GEWIJZIGD, NIEUW]
    counts = preview_presentie(clean)
    assert (counts.nieuw, counts.gewijzigd, counts.ongewijzigd) == (1, 1, 1)
    assert len(stored(db, verwijzing)) == 2
    saved = save_presentie(db, medewerker, clean)
    assert (saved.nieuw, saved.gewijzigd, saved.ongewijzigd) == (1, 1, 1)


def test_a_batch_is_validated_and_saved_with_a_few_queries(db, case, app):
    """Batch-first: the number of statements does not grow with the number of rows."""
    medewerker, verwijzing = case
    others = []
    for _ in range(5):
        v = VerwijzingFactory(contract=verwijzing.contract, beoogde_startdatum=START)
        TrajectStartFactory(verwijzing=v)
        others.append(v)
    inputs = [
        PresentieInput(regel=n, kenmerk=v.kenmerk, datum=START + timedelta(days=d), activiteit="taalles_knm",
                       uren_aanwezig="2,5")
        for n, (v, d) in enumerate(((v, d) for v in others for d in range(60)), start=1)
    ]
    statements = []
    engine = db.get_bind().engine

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        clean, errors = validate_presentie(db, medewerker, inputs, TODAY)
        result = save_presentie(db, medewerker, clean)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert errors == [] and result.nieuw == 300
    assert len(statements) <= 20


REFERENCE_ODD = st.one_of(
    st.sampled_from(["NaN", "nan", "1e3", "-0", "", "   ", "2,5", "2.5", "inf", "-inf", "0,25", "24", "24,01",
                     "1.000", "1,000", "2,5,0", "٣", "+3", "3 ", "\u00a03", "0x10", None]),
    st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-100, max_value=100),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=REFERENCE_ODD)
def test_any_odd_hours_input_is_either_a_valid_quarter_or_a_dutch_error(db, case, raw):
    medewerker, verwijzing = case
    clean, errors = validate_presentie(db, medewerker, [row(verwijzing, uren_aanwezig=raw)], TODAY)
    try:
        expected = parse_hours(raw, label="uren aanwezig")
    except FieldError:
        expected = None
    if expected is None:
        assert clean == [] and errors and list(errors[0].errors) == ["uren_aanwezig"]
        assert errors[0].errors["uren_aanwezig"]
    else:
        assert errors == []
        value = clean[0].uren_aanwezig
        assert value.is_finite() and 0 <= value <= 24 and value % Decimal("0.25") == 0 and value == expected


ODD_DATES = st.one_of(
    st.sampled_from(["17-11-2026", "2026-11-17", "17/11/2026", "17.11.2026", "17-11-26", "31-02-2026", "", " ",
                     "morgen", "21-11-2026", "31-08-2026", "00-00-0000", "2026-W47", None]),
    st.text(max_size=12),
    st.integers(min_value=-5, max_value=3_000_000),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=ODD_DATES)
def test_any_odd_date_is_either_a_day_within_the_traject_or_a_dutch_error(db, case, raw):
    medewerker, verwijzing = case
    clean, errors = validate_presentie(db, medewerker, [row(verwijzing, datum=raw)], TODAY)
    if clean:
        assert START <= clean[0].datum <= TODAY
    else:
        assert [list(e.errors) for e in errors] == [["datum"]] and errors[0].errors["datum"]


# --- streamed batches (the API's bulk call on PostgreSQL) ----------------------------------------------------

def _streamed_batch(verwijzing):
    """Stored: 16 (2 h) and 17 November (3 h); the batch leaves the 16th, corrects the 17th, adds the 18th and 19th."""
    return [row(verwijzing, regel=1, datum="16-11-2026", uren_aanwezig="2"),
            row(verwijzing, regel=2, datum="17-11-2026", uren_aanwezig="4"),
            row(verwijzing, regel=3, datum="18-11-2026", uren_aanwezig="1"),
            row(verwijzing, regel=4, datum="19-11-2026", uren_aanwezig="2,5")]


@pytest.mark.postgres
def test_a_streamed_batch_sends_new_rows_while_checking_and_stores_what_the_plain_path_stores(db, case, monkeypatch):
    from portal.services import kept_totals
    from portal.services import presentie as service

    medewerker, verwijzing = case
    register(db, medewerker, [row(verwijzing, regel=1, datum="16-11-2026", uren_aanwezig="2"),
                              row(verwijzing, regel=2, datum="17-11-2026", uren_aanwezig="3")], TODAY)
    written_when_checked = []
    save = service._save
    monkeypatch.setattr(service, "_save", lambda session, actor, rows, stream=None: (
        written_when_checked.extend((r.datum.day, r.geschreven) for r in rows), save(session, actor, rows, stream))[1])

    result = register(db, medewerker, _streamed_batch(verwijzing), TODAY, stream_new=True)

    # The new rows went to the database before validation ended; the stored ones did not.
    assert written_when_checked == [(16, False), (17, False), (18, True), (19, True)]
    assert (result.nieuw, result.gewijzigd, result.ongewijzigd) == (2, 1, 1)
    assert sorted((p.datum.day, p.uren_aanwezig, p.geregistreerd_door_id) for p in stored(db, verwijzing)) == [
        (16, Decimal("2.00"), medewerker.id), (17, Decimal("4.00"), medewerker.id),
        (18, Decimal("1.00"), medewerker.id), (19, Decimal("2.50"), medewerker.id)]
    assert db.scalar(select(func.count()).select_from(RegistratieWijziging)) == 1  # uren_aanwezig of the 17th
    assert kept_totals.differences(db, [verwijzing.id]) == []


@pytest.mark.postgres
def test_a_streamed_batch_with_an_error_after_streamed_rows_saves_nothing_and_says_the_same(db, case):
    from portal.services import ValidationError

    medewerker, verwijzing = case
    db.commit()  # the case outlives the rollback below
    batch = [row(verwijzing, regel=1, datum="18-11-2026"), row(verwijzing, regel=2, datum="19-11-2026"),
             row(verwijzing, regel=3, datum="21-11-2026"), row(verwijzing, regel=4, datum="18-11-2026")]
    plain = errors_of(db, medewerker, *batch)
    assert set(plain) == {(3, "datum"), (4, "datum")}  # the future, and the 18th twice

    with pytest.raises(ValidationError) as streamed:
        register(db, medewerker, batch, TODAY, stream_new=True)
    db.rollback()

    assert {(e.row, veld): melding for e in streamed.value.rows for veld, melding in e.errors.items()} == plain
    assert stored(db, verwijzing) == []
    assert register(db, medewerker, batch[:2], TODAY, stream_new=True).nieuw == 2  # the session goes on


def test_stored_rows_with_the_same_hours_share_one_value_tuple_and_a_correction_still_reads_them(db, case):
    medewerker, verwijzing = case
    days = ["16-11-2026", "17-11-2026", "18-11-2026"]
    register(db, medewerker, [row(verwijzing, regel=n, datum=dag, uren_afwezig_geoorloofd="1", reden_afwezig="ziek")
                              for n, dag in enumerate(days, start=1)], TODAY)
    # Named by kenmerk: the batch path that loads what is stored for many people (not the one-verwijzing read).
    clean, errors = validate_presentie(db, medewerker, [
        PresentieInput(regel=n, kenmerk=verwijzing.kenmerk, datum=dag, activiteit="taalles_knm", uren_aanwezig="2",
                       uren_afwezig_geoorloofd="1", reden_afwezig="ziek") for n, dag in enumerate(days, start=1)
    ], TODAY)
    assert errors == []
    assert [r.soort for r in clean] == [GEWIJZIGD] * 3
    assert clean[0].vorige == (Decimal("3.00"), Decimal("1.00"), Decimal(0), "ziek")
    assert [str(v) for v in clean[0].vorige[:3]] == ["3.00", "1.00", "0.00"]
    assert clean[0].vorige is clean[1].vorige is clean[2].vorige  # one tuple, not one per stored row
    save_presentie(db, medewerker, clean)
    assert sorted(p.uren_aanwezig for p in stored(db, verwijzing)) == [Decimal(2)] * 3
    history = db.scalars(select(RegistratieWijziging.oude_waarde).where(
        RegistratieWijziging.veld == "uren_aanwezig")).all()
    assert history == ["3.00"] * 3
