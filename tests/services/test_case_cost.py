"""The regie's pages cost what they show: the case page reads that inburgeraar's rows through indexes, totals come
from the kept totals, and the timeline shows presence per week, paged, without future dates."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select, update

from portal import access, audit
from portal.models import (
    AuditEvent,
    PresentieTotaal,
    RegistratieWijziging,
    SignaalDrempels,
    TrajectStart,
    Verwijzing,
)
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, Rol, VerwijzingStatus
from portal.models.pip_intrekking import PipIntrekking
from portal.models.resultaat import (
    AfschalingStatus,
    Examenniveau,
    Examenonderdeel,
    Examenresultaat,
    Examenuitslag,
    OmstandighedenMelding,
    OmstandighedenSoort,
)
from portal.models.traject import Activiteit
from portal.services import dossier, resultaten, signalen, tijdlijn, totals
from tests.factories import (
    AfschalingsverzoekFactory,
    ContractFactory,
    ExamenresultaatFactory,
    GemeenteFactory,
    InburgeraarFactory,
    OmstandighedenMeldingFactory,
    PipFactory,
    PresentieFactory,
    RouteResultaatFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date(2026, 11, 20)  # a Friday in ISO week 47
START = date(2026, 3, 2)


@pytest.fixture
def region(db):
    """A klantregisseur with two cases of her own, each with 38 weeks of presence, and one of a colleague."""
    gemeente = GemeenteFactory()
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    collega = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    contract = ContractFactory(gemeenten=[gemeente], startdatum=date(2025, 1, 1), einddatum=date(2028, 12, 31))
    cases = []
    for n, klantregisseur in enumerate((regisseur, regisseur, collega)):
        inburgeraar = InburgeraarFactory(gemeente=gemeente, klantregisseur=klantregisseur)
        PipFactory(inburgeraar=inburgeraar, dagtekening=date(2026, 1, 10))
        verwijzing = VerwijzingFactory(inburgeraar=inburgeraar, contract=contract, status=VerwijzingStatus.GESTART,
                                       beoogde_startdatum=START, uiterste_einddatum=date(2027, 12, 31),
                                       created_at=datetime(2026, 2, 2, 10, 0, tzinfo=UTC))
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=START))
        day = START
        while day <= TODAY:
            if day.weekday() in (0, 2):
                PresentieFactory(verwijzing=verwijzing, datum=day, uren_aanwezig=Decimal(3 - n % 2),
                                 uren_afwezig_geoorloofd=Decimal(n % 2))
            day += timedelta(days=1)
        cases.append((inburgeraar, verwijzing))
    db.flush()
    return regisseur, cases


def _statements_during(db, work):
    seen: list[tuple[str, object]] = []
    engine = db.connection().engine

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return seen


_PRESENTIE_TABLES = re.compile(r"\bpresentie(_totaal|_week)?\b", re.IGNORECASE)


def _full_scans(db, statements) -> list[str]:
    """Plan lines that read a presentie table whole (SQLite: SCAN; PostgreSQL, with seq scans priced out so a
    small test table does not tempt the planner: Seq Scan)."""
    connection = db.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    found = []
    for statement, parameters in statements:
        if not _PRESENTIE_TABLES.search(statement) or not statement.lstrip().upper().startswith("SELECT"):
            continue
        explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        for row in connection.exec_driver_sql(explain + statement, parameters):
            line = str(row[0] if postgres else row[-1])
            if re.search(r"Seq Scan on presentie(_totaal|_week)?\b" if postgres else
                         r"^SCAN presentie(_totaal|_week)?\b", line):
                found.append(line)
    if postgres:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = on")
    return found


def test_the_case_page_reads_only_that_inburgeraars_presence(db, app_ctx, region):
    regisseur, [(inburgeraar, _), *_] = region
    statements = _statements_during(db, lambda: dossier.read(db, regisseur, inburgeraar, today=TODAY))
    assert any(_PRESENTIE_TABLES.search(s) for s, _ in statements)
    assert _full_scans(db, statements) == []


def test_the_own_caseload_reads_only_the_own_cases_presence(db, app_ctx, region):
    regisseur, _cases = region
    filters = signalen.Filters(klantregisseur_id=regisseur.id)
    statements = _statements_during(db, lambda: signalen.caseload(db, regisseur, today=TODAY, filters=filters))
    assert _full_scans(db, statements) == []


def test_the_timeline_reads_only_the_corrections_of_its_weeks_through_an_index(db, app_ctx, region):
    """A long correction history (two years of daily week-grid corrections, and other inburgeraars') is not read
    whole for every timeline page: the corrections of the page's weeks are found by their day in an index."""
    regisseur, [(inburgeraar, _), (ander, _), _] = region
    rows = [{"object_type": "presentie", "object_id": n, "inburgeraar_id": wie.id, "veld": "uren_aanwezig",
             "bron": "weekrooster", "betreft_datum": TODAY - timedelta(days=n % 730),
             "gewijzigd_op": datetime(2026, 11, 19, tzinfo=UTC) - timedelta(days=n % 730)}
            for wie in (inburgeraar, ander) for n in range(2000)]
    rows += [{"object_type": "verwijzing", "object_id": n, "inburgeraar_id": ander.id, "veld": "status",
              "bron": "web", "betreft_datum": None, "gewijzigd_op": datetime(2026, 11, 19, tzinfo=UTC)}
             for n in range(1000)]
    db.execute(RegistratieWijziging.__table__.insert(), rows)
    connection = db.connection()
    postgres = connection.dialect.name == "postgresql"
    connection.exec_driver_sql("ANALYZE registratie_wijziging" if postgres else "ANALYZE")
    statements = _statements_during(db, lambda: dossier.read(db, regisseur, inburgeraar, today=TODAY))
    plans = []
    for statement, parameters in statements:
        if "registratie_wijziging" in statement and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plans += [str(row[0] if postgres else row[-1])
                      for row in connection.exec_driver_sql(explain + statement, parameters)]
    # The day range is an index condition (PostgreSQL: Index Cond; SQLite: SEARCH ... USING INDEX (...
    # betreft_datum>?)): the index yields only these weeks' rows, not every row of the inburgeraar to filter.
    bereik = [line for line in plans if "betreft_datum >" in line or "betreft_datum>" in line]
    assert any("Index Cond" in line or line.startswith("SEARCH") for line in bereik), plans
    # The first page's corrections of older weeks: found by the day they were made, not in the older history.
    assert any(("gewijzigd_op >" in line or "gewijzigd_op>" in line) and ("Index Cond" in line or
               line.startswith("SEARCH")) for line in plans), plans
    # The other corrections (not of presence) are found without walking the presence history either.
    assert not any("ix_registratie_wijziging_inburgeraar_id" in line for line in plans), plans


def test_the_overview_and_case_page_read_the_kept_totals(db, app_ctx, region):
    """The hours shown are the kept ones: a page never re-adds the whole history (and `totalen-controleren`
    is what finds a kept total that went wrong)."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    [case_] = signalen.caseload(db, regisseur, today=TODAY, filters=signalen.Filters(inburgeraar_id=inburgeraar.id))
    assert case_.verwijzingen[0].uren_aanwezig_totaal == Decimal(3 * 76)
    db.execute(update(PresentieTotaal).where(PresentieTotaal.verwijzing_id == verwijzing.id)
               .values(uren_aanwezig=Decimal("1234.5")))
    [case_] = signalen.caseload(db, regisseur, today=TODAY, filters=signalen.Filters(inburgeraar_id=inburgeraar.id))
    assert case_.verwijzingen[0].uren_aanwezig_totaal == Decimal("1234.5")
    page = dossier.read(db, regisseur, inburgeraar, today=TODAY)
    assert page.totalen.uren_aanwezig == Decimal("1234.5")
    # The attendance window (the last four weeks) comes from the days themselves: 8 sessions of 3 hours.
    assert case_.verwijzingen[0].uren_aanwezig_4w == Decimal(24)


def test_the_timeline_shows_twelve_weeks_of_presence_and_pages_to_older_weeks(db, app_ctx, region):
    regisseur, [(inburgeraar, _), *_] = region
    first = dossier.read(db, regisseur, inburgeraar, today=TODAY)
    weeks = [e for e in first.gebeurtenissen if e.soort == "Presentie"]
    assert len(weeks) == 12
    assert weeks[0].moment == TODAY  # week 47 ends on Sunday the 22nd: never a date after today
    assert weeks[-1].omschrijving.startswith("Week 36 ")
    assert {"PIP", "Verwijzing", "Start"} <= {e.soort for e in first.gebeurtenissen}  # every other event
    assert first.tijdlijn_ouder and first.tijdlijn_weken == (date(2026, 8, 31), date(2026, 11, 22))
    assert len(first.weken) == 12 and first.weken[-1].aanwezig == 6  # the chart: the same twelve weeks

    second = dossier.read(db, regisseur, inburgeraar, today=TODAY, tijdlijn_pagina=2)
    assert [e.soort for e in second.gebeurtenissen] == ["Presentie"] * 12
    assert second.gebeurtenissen[0].omschrijving.startswith("Week 35 ")
    third = dossier.read(db, regisseur, inburgeraar, today=TODAY, tijdlijn_pagina=4)
    assert [e.omschrijving[:8] for e in third.gebeurtenissen] == ["Week 11 ", "Week 10 "]
    assert not third.tijdlijn_ouder
    assert dossier.read(db, regisseur, inburgeraar, today=TODAY, tijdlijn_pagina=10**6).gebeurtenissen == []


def test_events_of_one_day_keep_the_order_in_which_they_happened(db, app_ctx, region):
    regisseur, [(inburgeraar, verwijzing), *_] = region
    dag = date(2026, 11, 18)
    pip = PipFactory(inburgeraar=inburgeraar, versie=2, dagtekening=dag, leerroute=Leerroute.B,
                     reden_wijziging="Afschaling naar A2 goedgekeurd",
                     created_at=datetime(2026, 11, 18, 14, 5, tzinfo=UTC))
    # Added after the PIP on purpose: the order of the rows must not decide the order on the timeline.
    AfschalingsverzoekFactory(
        verwijzing=verwijzing, status=AfschalingStatus.GOEDGEKEURD, pip_id=pip.id,
        ingediend_op=datetime(2026, 11, 18, 9, 0, tzinfo=UTC), besloten_op=datetime(2026, 11, 18, 14, 0, tzinfo=UTC),
    )
    db.flush()
    events = [e for e in dossier.read(db, regisseur, inburgeraar, today=TODAY).gebeurtenissen if e.moment == dag]
    # Newest first: the new PIP version, then the decision, then the request.
    assert [e.soort for e in events] == ["PIP", "Afschaling", "Afschaling"]
    assert "goedgekeurd" in events[1].omschrijving and "ingediend" in events[2].omschrijving


def test_presence_per_week_sums_activities_in_the_database(db, app_ctx, region):
    regisseur, [(_, verwijzing), *_] = region
    PresentieFactory(verwijzing=verwijzing, datum=date(2026, 11, 17), activiteit=Activiteit.BREDE_INTAKE,
                     uren_aanwezig=Decimal("1.5"))
    weeks = tijdlijn.presentie_per_week(db, regisseur, [verwijzing.id], vanaf=date(2026, 11, 16))
    assert weeks == [(verwijzing.id, date(2026, 11, 16), (pytest.approx(7.5), pytest.approx(0), pytest.approx(0)))]


def test_the_case_page_builds_its_statements_once_per_user_and_day(db, app_ctx, region, monkeypatch):
    """Building the scoped statements cost more than running them; a second case page of the same user reuses
    them with that case's id, and shows that case's own figures."""
    regisseur, [(first, _), (second, second_verwijzing), _] = region
    dossier.read(db, regisseur, first, today=TODAY)
    builds = []
    original = signalen.caseload_queries
    monkeypatch.setattr(signalen, "caseload_queries", lambda *a, **k: builds.append(a) or original(*a, **k))

    page = dossier.read(db, regisseur, second, today=TODAY)
    assert builds == []
    dossier.read(db, regisseur, second, today=TODAY + timedelta(days=1))  # a new day: its own window
    assert len(builds) == 1
    assert page.case.id == second.id and [v.id for v in page.verwijzingen] == [second_verwijzing.id]
    [expected] = signalen.caseload(db, regisseur, today=TODAY, filters=signalen.Filters(inburgeraar_id=second.id))
    assert page.cijfers[second_verwijzing.id] == expected.verwijzingen[0]
    assert [s.code for s in page.case.signalen] == [s.code for s in expected.signalen]


def test_reused_statements_follow_the_users_scope_and_role_at_once(db, app_ctx, region):
    """The gemeenten of a user are read by the statement itself, and its role is part of what it was built for:
    a klantregisseur moved to another gemeente sees nothing more of the old cases, and one who becomes
    contractmanager no longer sees health-related omstandigheden."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    OmstandighedenMeldingFactory(verwijzing=verwijzing, soort=OmstandighedenSoort.GEZONDHEID, datum=TODAY,
                                 toelichting="Langdurig ziek.")
    db.flush()
    assert len(dossier.read(db, regisseur, inburgeraar, today=TODAY).registraties.omstandigheden) == 1

    regisseur.rol = Rol.CONTRACTMANAGER
    db.flush()
    assert dossier.read(db, regisseur, inburgeraar, today=TODAY).registraties.omstandigheden == []

    regisseur.rol = Rol.KLANTREGISSEUR
    assert totals.for_inburgeraar(db, regisseur, inburgeraar, TODAY).uren_aanwezig == 3 * 76
    assert tijdlijn.presentie_per_week(db, regisseur, [verwijzing.id], vanaf=date(2026, 11, 16))
    regisseur.gemeenten = [GemeenteFactory()]
    db.flush()
    # The page itself answers 404 now (access.get_inburgeraar_or_404); its reused parts read nothing either.
    assert resultaten.registraties_van(db, regisseur, inburgeraar).omstandigheden == []
    assert totals.for_inburgeraar(db, regisseur, inburgeraar, TODAY).uren_aanwezig == 0
    assert tijdlijn.presentie_per_week(db, regisseur, [verwijzing.id], vanaf=date(2026, 11, 16)) == []


def test_presence_corrections_are_one_event_per_corrected_week_on_the_page_of_that_week(db, app_ctx, region):
    """A docent who corrects the week grid daily would fill the timeline with a line per field: presence
    corrections show per week of the corrected sessions, organisation and channel, paged with the presence weeks,
    counting sessions and days, not fields; other corrections one by one."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=verwijzing.aanbieder)

    def correctie(object_type: str, object_id: int, veld: str, op: datetime, betreft: date | None,
                  bron: str = "weekrooster") -> None:
        db.add(RegistratieWijziging(object_type=object_type, object_id=object_id, inburgeraar_id=inburgeraar.id,
                                    veld=veld, oude_waarde="3.00", nieuwe_waarde="2.00", gewijzigd_op=op,
                                    bron=bron, betreft_datum=betreft, gewijzigd_door_id=docent.id))

    for n in range(40):  # made this week, of week 46: two fields of each of 20 sessions on 10 days
        correctie("presentie", 1000 + n // 2, "uren_aanwezig" if n % 2 else "uren_afwezig_geoorloofd",
                  datetime(2026, 11, 18, 9, n, tzinfo=UTC), date(2026, 11, 9) + timedelta(days=n // 4 % 7))
    correctie("presentie", 7, "uren_aanwezig", datetime(2026, 11, 19, 10, 0, tzinfo=UTC), date(2026, 8, 12),
              bron="api client-1 10.0.0.9")  # of week 33 (page 2), made this week
    correctie("verwijzing", verwijzing.id, "status", datetime(2026, 3, 1, 10, 0, tzinfo=UTC), None)
    db.flush()

    first = [e for e in dossier.read(db, regisseur, inburgeraar, today=TODAY).gebeurtenissen if e.soort == "Correctie"]
    naam = verwijzing.aanbieder.naam
    assert [(e.moment, e.omschrijving, e.bron) for e in first] == [
        # The week-33 correction made this week: named on page 1 too, its week on page 2.
        (date(2026, 11, 19), "1 gecorrigeerde registratie van oudere weken, laatst op 19-11-2026.",
         f"{naam}, via de API"),
        (date(2026, 11, 15), "Week 46 (9–15 november 2026): presentie gecorrigeerd, 20 registraties op 7 dagen "
         "(laatst op 18-11-2026).", f"{naam}, via het weekrooster"),
        (date(2026, 3, 1), "Registratie gecorrigeerd (verwijzing, status).", f"{naam}, via het weekrooster"),
    ]
    second = dossier.read(db, regisseur, inburgeraar, today=TODAY, tijdlijn_pagina=2).gebeurtenissen
    assert [(e.omschrijving, e.bron) for e in second if e.soort == "Correctie"] == [
        ("Week 33 (10–16 augustus 2026): presentie gecorrigeerd, 1 registratie op 1 dag (laatst op 19-11-2026).",
         f"{naam}, via de API")]
    assert not any("10.0.0.9" in e.bron or "127.0.0.1" in e.bron for e in first + second)


def test_a_presence_correction_without_a_session_day_shows_in_the_week_it_was_made(db, app_ctx, region):
    """History from before the session day was kept (of sessions deleted since) still shows, in its own week."""
    regisseur, [(inburgeraar, _), *_] = region
    for dag in (date(2026, 11, 8), date(2026, 11, 9)):  # Sunday of week 45, Monday of week 46
        db.add(RegistratieWijziging(object_type="presentie", object_id=5, inburgeraar_id=inburgeraar.id,
                                    veld="uren_aanwezig", gewijzigd_op=datetime.combine(dag, datetime.min.time(),
                                                                                        tzinfo=UTC),
                                    bron="web 10.0.0.1", betreft_datum=None))
    db.flush()
    events = [e.omschrijving[:8] for e in dossier.read(db, regisseur, inburgeraar, today=TODAY).gebeurtenissen
              if e.soort == "Correctie"]
    assert events == ["Week 46 ", "Week 45 "]


def test_the_first_page_names_recent_corrections_of_older_weeks_and_links_their_pages(db, app_ctx, region):
    """A provider changing hours of a session months ago, today, is not only on that old week's page: the first
    page says how many registrations of older weeks were corrected since its first week, when last and by whom,
    with links to the pages of those weeks."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=verwijzing.aanbieder)

    def correctie(object_id: int, op: datetime, betreft: date | None) -> None:
        db.add(RegistratieWijziging(object_type="presentie", object_id=object_id, inburgeraar_id=inburgeraar.id,
                                    veld="uren_aanwezig", gewijzigd_op=op, bron="weekrooster",
                                    betreft_datum=betreft, gewijzigd_door_id=docent.id))

    correctie(1, datetime(2026, 11, 18, 9, 0, tzinfo=UTC), date(2026, 8, 12))  # week 33: page 2
    correctie(1, datetime(2026, 11, 18, 9, 5, tzinfo=UTC), date(2026, 8, 12))  # the same session again
    correctie(2, datetime(2026, 10, 1, 9, 0, tzinfo=UTC), date(2026, 8, 13))
    correctie(3, datetime(2026, 11, 19, 15, 0, tzinfo=UTC), date(2026, 5, 12))  # week 20: page 3
    correctie(4, datetime(2026, 6, 1, 9, 0, tzinfo=UTC), date(2026, 5, 13))  # made before page 1's weeks
    correctie(5, datetime(2026, 11, 18, 9, 0, tzinfo=UTC), date(2026, 11, 10))  # of a week on page 1 itself
    db.flush()

    first = dossier.read(db, regisseur, inburgeraar, today=TODAY).gebeurtenissen
    [ouder] = [e for e in first if "oudere weken" in e.omschrijving]
    assert ouder.omschrijving == "3 gecorrigeerde registraties van oudere weken, laatst op 19-11-2026."
    assert ouder.bron == f"{verwijzing.aanbieder.naam}, via het weekrooster"
    assert ouder.moment == date(2026, 11, 19) and ouder.paginas == (2, 3)
    # The weeks themselves still show their corrections on their own pages.
    second = dossier.read(db, regisseur, inburgeraar, today=TODAY, tijdlijn_pagina=2).gebeurtenissen
    assert any(e.omschrijving.startswith("Week 33 ") and e.soort == "Correctie" for e in second)


def test_corrections_name_the_gemeente_of_its_staff_and_the_system_once(db, app_ctx, region):
    """'Gemeente' alone tells a reader nothing about who corrected, and 'Systeem, door het systeem' says it twice."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    for door, bron, op in ((regisseur.id, "web 10.0.0.1", datetime(2026, 11, 17, 9, 0, tzinfo=UTC)),
                           (None, "systeem", datetime(2026, 11, 18, 9, 0, tzinfo=UTC))):
        db.add(RegistratieWijziging(object_type="verwijzing", object_id=verwijzing.id, inburgeraar_id=inburgeraar.id,
                                    veld="status", gewijzigd_op=op, bron=bron, gewijzigd_door_id=door))
    db.add(RegistratieWijziging(object_type="presentie", object_id=9, inburgeraar_id=inburgeraar.id,
                                veld="uren_aanwezig", gewijzigd_op=datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
                                bron="web 10.0.0.1", gewijzigd_door_id=regisseur.id, betreft_datum=date(2026, 11, 10)))
    db.flush()
    bronnen = [e.bron for e in dossier.read(db, regisseur, inburgeraar, today=TODAY).gebeurtenissen
               if e.soort == "Correctie"]
    gemeente = f"Gemeente {inburgeraar.gemeente.naam}"
    assert bronnen == ["Systeem", f"{gemeente}, via het portaal", f"{gemeente}, via het portaal"]


def test_a_weekrooster_correction_shows_in_the_week_of_the_days_it_corrected(db, app_ctx, region):
    """Two values of week 46 changed and one day added, in week 47: the timeline says week 46, two sessions
    corrected (the added one is new, not a correction), by the provider through the weekrooster."""
    from portal.services import history, presentie

    regisseur, [(inburgeraar, verwijzing), *_] = region
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=verwijzing.aanbieder)

    def dag(datum: date, uren: str) -> presentie.PresentieInput:
        return presentie.PresentieInput(regel=1, datum=datum.isoformat(), activiteit=Activiteit.TAALLES_KNM.value,
                                        uren_aanwezig=uren, verwijzing_id=verwijzing.id)

    with history.via("weekrooster"):
        presentie.register(db, docent, [dag(date(2026, 11, 9), "2"), dag(date(2026, 11, 10), "1,5"),
                                        dag(date(2026, 11, 11), "2,5")], TODAY)
        presentie.register(db, docent, [dag(date(2026, 11, 9), "2"), dag(date(2026, 11, 10), "1,5"),
                                        dag(date(2026, 11, 11), "2,5")], TODAY)  # saved again: nothing changes
    db.flush()

    events = [e for e in dossier.read(db, regisseur, inburgeraar, today=TODAY).gebeurtenissen
              if e.soort == "Correctie"]
    assert len(events) == 1
    [event] = events
    assert event.moment == date(2026, 11, 15)
    assert event.omschrijving.startswith("Week 46 (9–15 november 2026): presentie gecorrigeerd, 2 registraties op "
                                         "2 dagen (laatst op ")
    assert event.bron == f"{verwijzing.aanbieder.naam}, via het weekrooster"


@pytest.fixture
def registered(db, region):
    """The first case with exam results, omstandigheden (one about health) and afschalingsverzoeken (two waiting,
    one rejected), read back from the database as a request would."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    for resultaat, dag in ((Examenuitslag.GESLAAGD, 12), (Examenuitslag.GEZAKT, 19)):
        ExamenresultaatFactory(verwijzing=verwijzing, resultaat=resultaat, examendatum=date(2026, 11, dag - 2),
                               created_at=datetime(2026, 11, dag, 9, 0, tzinfo=UTC))
    for soort, dag in ((OmstandighedenSoort.VERHUIZING, 2), (OmstandighedenSoort.GEZONDHEID, 16)):
        OmstandighedenMeldingFactory(verwijzing=verwijzing, soort=soort, datum=date(2026, 11, dag),
                                     created_at=datetime(2026, 11, dag + 1, 8, 0, tzinfo=UTC))
    for status, dag in ((AfschalingStatus.INGEDIEND, 3), (AfschalingStatus.INGEDIEND, 10),
                        (AfschalingStatus.AFGEWEZEN, 1)):
        besluit = {} if status is AfschalingStatus.INGEDIEND else {
            "besluit_reden": "Eerst meer lessen.", "besloten_op": datetime(2026, 11, 4, 9, 0, tzinfo=UTC)}
        AfschalingsverzoekFactory(verwijzing=verwijzing, status=status,
                                  ingediend_op=datetime(2026, 11, dag, 10, 0, tzinfo=UTC), **besluit)
    db.flush()
    db.expire_all()
    return regisseur, inburgeraar, verwijzing


_TELLINGEN = ("examens_aantal", "examens_geslaagd", "examen_laatst_geregistreerd", "omstandigheden_aantal",
              "omstandigheden_laatst_gemeld", "omstandigheden_laatste_datum", "afschaling_open",
              "afschaling_oudste")


@pytest.mark.parametrize("rol", [Rol.KLANTREGISSEUR, Rol.CONTRACTMANAGER])
def test_the_case_page_counts_registrations_from_the_rows_it_shows(db, app_ctx, registered, rol):
    """The caseload's counts of exams, omstandigheden and waiting afschalingsverzoeken come from the registrations
    the page loads anyway (the same access scopes): the same figures and signals as the caseload, one statement
    per table instead of two."""
    regisseur, inburgeraar, _verwijzing = registered
    regisseur.rol = rol
    db.flush()
    pages = []
    statements = _statements_during(db, lambda: pages.append(dossier.read(db, regisseur, inburgeraar, today=TODAY)))
    [page] = pages
    [expected] = signalen.caseload(db, regisseur, today=TODAY, filters=signalen.Filters(inburgeraar_id=inburgeraar.id))
    assert {n: getattr(page.case, n) for n in _TELLINGEN} == {n: getattr(expected, n) for n in _TELLINGEN}
    assert (page.case.examens_aantal, page.case.afschaling_open) == (2, 2)
    assert page.case.omstandigheden_aantal == (2 if rol is Rol.KLANTREGISSEUR else 1)  # health: klantregisseur only
    assert [s.code for s in page.case.signalen] == [s.code for s in expected.signalen]
    assert [s.uitleg for s in page.case.signalen] == [s.uitleg for s in expected.signalen]
    for table in ("examenresultaat", "omstandigheden_melding"):
        assert len([s for s, _ in statements if re.search(rf"\bFROM {table}\b", s)]) == 1, table


def test_the_onderdelen_of_afschalingsverzoeken_are_read_at_once(db, app_ctx, registered):
    """The page and its timeline name each verzoek's onderdelen: read for all verzoeken in one statement, not one
    statement per verzoek."""
    regisseur, inburgeraar, verwijzing = registered

    def onderdelen_statements() -> int:
        db.expire_all()
        statements = _statements_during(db, lambda: dossier.read(db, regisseur, inburgeraar, today=TODAY))
        return len([s for s, _ in statements if "afschalingsverzoek_onderdeel" in s])

    drie = onderdelen_statements()
    for _ in range(3):
        AfschalingsverzoekFactory(verwijzing=verwijzing, ingediend_op=datetime(2026, 11, 12, 10, 0, tzinfo=UTC))
    db.flush()
    assert onderdelen_statements() == drie


@pytest.mark.sqlite  # PostgreSQL already looked the scope up per row (pk_verwijzing, pk_inburgeraar) unnarrowed
def test_the_registrations_of_one_case_are_read_through_its_own_verwijzingen(db, app_ctx, registered):
    """The registrations' scope is narrowed to the one inburgeraar (portal.access): the database does not first
    list every inburgeraar of the user's gemeenten (SQLite's plan searched them all by gemeente per statement)."""
    regisseur, inburgeraar, _verwijzing = registered
    connection = db.connection()
    statements = _statements_during(db, lambda: resultaten.registraties_van(db, regisseur, inburgeraar))
    assert len(statements) >= 4
    for statement, parameters in statements:
        plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        assert not any("ix_inburgeraar_gemeente_id" in line for line in plan), (statement, plan)


def test_the_case_page_writes_its_read_event_at_once(db, app_ctx, region):
    """The one 'bekeken' event is inserted by one Core statement after the page's reads, the same row record_read
    adds: nothing is left for the ORM's unit of work to flush at the view's commit."""
    regisseur, [(inburgeraar, _), *_] = region
    statements = _statements_during(db, lambda: dossier.read(db, regisseur, inburgeraar, today=TODAY))
    assert not db.new
    assert statements[-1][0].lstrip().upper().startswith("INSERT INTO AUDIT_EVENT")
    audit.record_read(db, regisseur, inburgeraar)
    db.flush()
    velden = ("action", "actor_id", "api_client_id", "object_type", "object_id", "inburgeraar_id", "result",
              "origin", "details")
    now, orm = db.scalars(select(AuditEvent).where(AuditEvent.inburgeraar_id == inburgeraar.id)
                          .order_by(AuditEvent.id)).all()
    assert [getattr(now, v) for v in velden] == [getattr(orm, v) for v in velden]
    assert now.occurred_at is not None


def test_the_case_pages_attendance_window_is_summed_once(db, app_ctx, region):
    """The totals' attendance of the last four weeks is the sum of the signals' per-verwijzing window (the same
    window and scope), not a second sum over the presence rows."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=1), uren_aanwezig=Decimal("1.25"),
                     uren_afwezig_ongeoorloofd=Decimal("1.75"))
    db.flush()
    pages = []
    statements = _statements_during(db, lambda: pages.append(dossier.read(db, regisseur, inburgeraar, today=TODAY)))
    [page] = pages
    apart = totals.for_inburgeraar(db, regisseur, inburgeraar, TODAY)
    assert (page.totalen.presentie_recent, page.totalen.presentie_traject) == (
        apart.presentie_recent, apart.presentie_traject)
    assert page.totalen.presentie_recent == Decimal("93.5")  # 8 × 3 + 1,25 present of 8 × 3 + 3 planned
    assert not [s for s, _ in statements if re.match(r"\s*SELECT sum\(presentie\.uren_aanwezig\)", s)]


def test_the_required_levels_come_from_the_verzoeken_the_page_loads(db, app_ctx, registered):
    """Gemeente staff load every afschalingsverzoek of the case: the parts an approved one lowered to A2 are taken
    from those rows. An aanbieder sees only its own verzoeken, so its required levels still count the others'."""
    regisseur, inburgeraar, verwijzing = registered
    pip = inburgeraar.huidige_pip
    AfschalingsverzoekFactory(verwijzing=verwijzing, status=AfschalingStatus.GOEDGEKEURD, pip_id=pip.id,
                              onderdelen=[Examenonderdeel.SP], besloten_op=datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    db.flush()
    db.expire_all()
    expected = {**{o: Examenniveau.B1 for o in Examenonderdeel if o is not Examenonderdeel.KNM},
                Examenonderdeel.SP: Examenniveau.A2}
    gelezen = []
    statements = _statements_during(db, lambda: gelezen.append(resultaten.registraties_van(db, regisseur, inburgeraar)))
    assert {o: n for o, n in gelezen[0].vereist.items() if o is not Examenonderdeel.KNM} == expected
    assert not [s for s, _ in statements if re.search(r"FROM afschalingsverzoek_onderdeel JOIN afschalingsverzoek", s)]

    contract = ContractFactory(gemeenten=[inburgeraar.gemeente])
    ander = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=VerwijzingFactory(
        inburgeraar=inburgeraar, contract=contract).aanbieder)
    db.flush()
    registraties = resultaten.registraties_van(db, ander, inburgeraar)
    assert registraties.afschalingsverzoeken == []
    assert {o: n for o, n in registraties.vereist.items() if o is not Examenonderdeel.KNM} == expected


_EIGEN_VELDEN = [f.name for f in fields(signalen.CaseCijfers) if f.name not in ("verwijzingen", "signalen")]


@pytest.mark.parametrize("situatie", ["geen pip", "twee versies", "ingetrokken", "zonder klantregisseur"])
def test_the_case_pages_own_figures_are_the_caseloads(db, app_ctx, region, situatie):
    """The case's own columns (name, gemeente, klantregisseur, PIP in force, term) are taken from the inburgeraar
    the page loaded with its PIP versions, not read again by the caseload's `cases` query: the same values."""
    regisseur, [(eerste, _), *_] = region
    gemeente = eerste.gemeente
    gemeente.zroute_taal_norm_gezinsmigrant = 640
    inburgeraar = InburgeraarFactory(gemeente=gemeente, klantregisseur=None if situatie == "zonder klantregisseur"
                                     else regisseur, termijn_verlengd_tot=date(2029, 1, 31))
    if situatie != "geen pip":
        PipFactory(inburgeraar=inburgeraar, dagtekening=date(2026, 1, 10))
    if situatie == "twee versies":
        PipFactory(inburgeraar=inburgeraar, versie=2, dagtekening=date(2026, 6, 1), niveau=NiveauPip.A2,
                   geschatte_intensiteit=800, reden_wijziging="Afschaling")
    if situatie == "ingetrokken":
        db.flush()
        db.add(PipIntrekking(pip_id=inburgeraar.pips[0].id, inburgeraar_id=inburgeraar.id, datum=date(2026, 9, 1),
                             reden="Vertrokken naar het buitenland."))
    db.flush()
    db.expire_all()
    geopend = dossier.open_case(db, regisseur, inburgeraar.id)
    pages = []
    statements = _statements_during(db, lambda: pages.append(dossier.read(db, regisseur, geopend.inburgeraar,
                                                                          today=TODAY)))
    [expected] = signalen.caseload(db, regisseur, today=TODAY, filters=signalen.Filters(inburgeraar_id=inburgeraar.id))
    assert {v: getattr(pages[0].case, v) for v in _EIGEN_VELDEN} == {v: getattr(expected, v) for v in _EIGEN_VELDEN}
    assert [s.uitleg for s in pages[0].case.signalen] == [s.uitleg for s in expected.signalen]
    assert not [s for s, _ in statements if "huidige_pip" in s]


def test_the_first_timeline_page_reads_its_presence_weeks_with_its_other_sources(db, app_ctx, region):
    """The chart's weeks, whether there is older presence and the kept totals of the hours section are read in the
    timeline's own statement, not in one of their own; the case page's reads stay within their count (the signals'
    one, which loads the verwijzingen and their route results too, the thresholds' one, three kinds of registrations,
    the timeline and the read event)."""
    regisseur, [(inburgeraar, _), *_] = region
    db.expire_all()
    geopend = dossier.open_case(db, regisseur, inburgeraar.id)  # as the view does
    pages = []
    statements = _statements_during(db, lambda: pages.append(dossier.read(db, regisseur, geopend.inburgeraar,
                                                                          today=TODAY)))
    assert [s for s, _ in statements if "tijdlijn_verwijzingen" in s and "traject_start" in s
            and "presentie_week" in s and "presentie_totaal" in s]
    assert pages[0].tijdlijn_ouder and len(pages[0].weken) == 12
    assert pages[0].totalen == totals.for_inburgeraar(db, regisseur, geopend.inburgeraar, TODAY)
    assert len(statements) == 7, [s[:60] for s, _ in statements]


def test_one_cases_verwijzingen_with_their_presence_in_one_statement_read_as_in_two(db, app_ctx, region):
    """The case page reads a case's verwijzingen with their presence in one statement (signalen.met_presentie_erbij):
    the same figures as the caseload's two statements, also for a verwijzing without any presence yet."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    VerwijzingFactory(inburgeraar=inburgeraar, contract=verwijzing.contract, status=VerwijzingStatus.GESTART,
                      beoogde_startdatum=date(2026, 10, 5), uiterste_einddatum=date(2027, 12, 31))
    db.flush()
    queries = signalen.caseload_queries(regisseur, TODAY, signalen.Filters(inburgeraar_id=inburgeraar.id))
    [case_] = signalen.fold_cases(db.connection(), queries)
    assert len(case_.verwijzingen) == 2
    case_samen = replace(case_, verwijzingen=[])
    samen = signalen.met_presentie_erbij(queries)
    statements = _statements_during(db, lambda: signalen.fold_met_presentie(db.connection().execute(samen),
                                                                            {case_.id: case_samen}))
    assert len(statements) == 1
    assert case_samen.verwijzingen == case_.verwijzingen
    assert [v.uren_aanwezig_totaal for v in case_samen.verwijzingen] == [Decimal(3 * 76), Decimal("0.00")]
    assert case_samen.verwijzingen[1].laatste_presentie is None


def test_the_timeline_reads_the_cases_verwijzingen_in_scope_once_and_shows_those_it_was_given(db, app_ctx, region):
    """The timeline's statement looks the case's verwijzingen in the user's scope up once (one CTE its sources
    share) and has the same text for every case, whatever its number of verwijzingen (PostgreSQL prepares it once);
    a verwijzing the page did not load (one made in between) shows nothing on it."""
    regisseur, [(inburgeraar, verwijzing), (ander, _), _] = region
    later = VerwijzingFactory(inburgeraar=inburgeraar, contract=verwijzing.contract, beoogde_startdatum=START,
                              created_at=datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    db.add(TrajectStart(verwijzing_id=later.id, gerealiseerde_startdatum=date(2026, 11, 2)))
    PresentieFactory(verwijzing=later, datum=date(2026, 11, 3), uren_aanwezig=Decimal(2))
    db.flush()

    registraties = resultaten.registraties_van(db, regisseur, inburgeraar)
    events = tijdlijn.tijdlijn(db, regisseur, inburgeraar, [verwijzing], registraties, [], TODAY)
    assert {e.verwijzing for e in events if e.soort == "Start"} == {verwijzing.kenmerk}
    gebeurtenissen, per_week, _ouder, kept = tijdlijn.eerste_pagina(db, regisseur, inburgeraar, [verwijzing],
                                                                    registraties, TODAY, date(2026, 8, 31))
    assert {e.verwijzing for e in gebeurtenissen if e.verwijzing} == {verwijzing.kenmerk}
    assert {v_id for v_id, *_ in per_week} == {v_id for v_id, *_ in kept} == {verwijzing.id}

    def timeline_statement(case) -> str:
        statements = _statements_during(db, lambda: dossier.read(db, regisseur, case, today=TODAY))
        [statement] = [s for s, _ in statements if "tijdlijn_verwijzingen" in s]
        return statement

    statement = timeline_statement(inburgeraar)
    assert statement == timeline_statement(ander)  # two verwijzingen and one: the same statement
    assert len(re.findall(r"\bJOIN inburgeraar\b", statement)) == 1


@pytest.mark.parametrize("rol", [Rol.KLANTREGISSEUR, Rol.CONTRACTMANAGER])
def test_the_case_page_reads_only_the_kinds_of_registration_the_case_has(db, app_ctx, region, rol):
    """open_case reads with the case whether it has any exam result, afschalingsverzoek or omstandigheden melding at
    all; the page runs no scoped statement for a kind it has none of, and still reads a kind it has through its scope
    (a contractmanager does not see a health melding: it is read, and not shown). Route results come with the
    verwijzingen (test below)."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    regisseur.rol = rol
    db.flush()
    db.expire_all()
    geopend = dossier.open_case(db, regisseur, inburgeraar.id)
    assert geopend.zonder == set(dossier.REGISTRATIES)
    statements = _statements_during(db, lambda: dossier.read(db, regisseur, geopend.inburgeraar, today=TODAY,
                                                             zonder=geopend.zonder))
    for table in ("examenresultaat", "afschalingsverzoek", "omstandigheden_melding"):
        assert not [s for s, _ in statements if re.search(rf"\bFROM {table}\b", s)], table

    OmstandighedenMeldingFactory(verwijzing=verwijzing, soort=OmstandighedenSoort.GEZONDHEID, datum=TODAY,
                                 toelichting="Langdurig ziek.")
    ExamenresultaatFactory(verwijzing=verwijzing, resultaat=Examenuitslag.GESLAAGD, examendatum=TODAY)
    db.flush()
    db.expire_all()
    geopend = dossier.open_case(db, regisseur, inburgeraar.id)
    assert geopend.zonder == set(dossier.REGISTRATIES) - {OmstandighedenMelding, Examenresultaat}
    pages = []
    statements = _statements_during(db, lambda: pages.append(dossier.read(
        db, regisseur, geopend.inburgeraar, today=TODAY, zonder=geopend.zonder)))
    assert len([s for s, _ in statements if re.search(r"\bFROM omstandigheden_melding\b", s)]) == 1
    assert len(pages[0].registraties.omstandigheden) == (1 if rol is Rol.KLANTREGISSEUR else 0)
    assert len(pages[0].registraties.examenresultaten) == 1
    volledig = dossier.read(db, regisseur, geopend.inburgeraar, today=TODAY)  # every kind read through its scope
    assert pages[0].registraties == volledig.registraties
    assert [s.code for s in pages[0].case.signalen] == [s.code for s in volledig.case.signalen]


@pytest.mark.parametrize("rol", [Rol.KLANTREGISSEUR, Rol.AANBIEDER_MEDEWERKER])
def test_the_case_page_reads_the_route_results_in_scope_with_the_verwijzingen(db, app_ctx, region, rol):
    """The case's route results come with its verwijzingen, in the same statement, through their scope
    (portal.access.route_resultaten): the same results in the same order (newest first) as their own scoped read,
    none of another case, and for an aanbieder only those on its own verwijzingen."""
    regisseur, [(inburgeraar, verwijzing), (_, ander_verwijzing), _] = region
    elders = VerwijzingFactory(inburgeraar=inburgeraar, onderdeel=Onderdeel.MAP, beoogde_startdatum=START)
    eigen = RouteResultaatFactory(verwijzing=verwijzing, datum_eindgesprek_map=date(2026, 10, 1))
    van_elders = RouteResultaatFactory(verwijzing=elders, datum_eindgesprek_map=date(2026, 10, 2))
    RouteResultaatFactory(verwijzing=ander_verwijzing)
    user = regisseur if rol is Rol.KLANTREGISSEUR else UserFactory(rol=rol, aanbieder=verwijzing.aanbieder)
    db.flush()
    db.expire_all()
    geopend = dossier.open_case(db, user, inburgeraar.id)
    pages = []
    statements = _statements_during(db, lambda: pages.append(dossier.read(
        db, user, geopend.inburgeraar, today=TODAY, zonder=geopend.zonder)))
    assert not [s for s, _ in statements if s.lstrip().startswith("SELECT route_resultaat.")]
    gezien = [r.id for r in pages[0].registraties.routeresultaten]
    assert gezien == [r.id for r in resultaten.registraties_van(db, user, inburgeraar).routeresultaten]
    assert gezien == ([van_elders.id, eigen.id] if rol is Rol.KLANTREGISSEUR else [eigen.id])


def test_the_case_page_shows_the_verwijzingen_in_scope_with_their_aanbieder_in_order(db, app_ctx, region):
    """The verwijzingen come with the signals' statement: those the user may see (portal.access.verwijzingen), by
    beoogde startdatum, each with its aanbieder loaded (the table and the timeline name it, without a statement)."""
    regisseur, [(inburgeraar, verwijzing), *_] = region
    eerder = VerwijzingFactory(inburgeraar=inburgeraar, beoogde_startdatum=date(2026, 1, 5))
    db.flush()
    db.expire_all()
    geopend = dossier.open_case(db, regisseur, inburgeraar.id)
    page = dossier.read(db, regisseur, geopend.inburgeraar, today=TODAY)
    expected = list(db.scalars(access.verwijzingen(regisseur).where(Verwijzing.inburgeraar_id == inburgeraar.id)
                               .order_by(Verwijzing.beoogde_startdatum, Verwijzing.id)))
    assert [v.id for v in page.verwijzingen] == [v.id for v in expected] == [eerder.id, verwijzing.id]
    assert [v.id for v in page.case.verwijzingen] == [eerder.id, verwijzing.id]
    names = []
    assert _statements_during(db, lambda: names.extend(v.aanbieder.naam for v in page.verwijzingen)) == []
    assert names == [eerder.contract.aanbieder.naam, verwijzing.contract.aanbieder.naam]


def test_the_case_page_uses_the_thresholds_as_stored_now_reading_them_only_when_they_changed(db, app_ctx, region):
    """open_case reads the thresholds' stamp with the inburgeraar: the page then reads the thresholds only when this
    process has no copy under that stamp, and a threshold changed behind its back (another worker, SQL) is read at
    the next page. Written here without the ORM, so no hook works anything out on their account."""
    regisseur, [_, (inburgeraar, _), _] = region  # present 2 of every 3 hours: 67%
    tabel = SignaalDrempels.__table__

    def open_and_read():
        pages = []

        def work():
            geopend = dossier.open_case(db, regisseur, inburgeraar.id)
            pages.append(dossier.read(db, regisseur, geopend.inburgeraar, today=TODAY, intake=geopend.intake,
                                      zonder=geopend.zonder, drempels=geopend.drempels))
        statements = _statements_during(db, work)
        return pages[0], [s for s, _ in statements if "signaal_drempels" in s]

    open_and_read()
    page, drempel_reads = open_and_read()
    assert len(drempel_reads) == 1  # the stamp, in open_case's statement
    assert page.case.signalen == dossier.read(db, regisseur, inburgeraar, today=TODAY).case.signalen
    assert [s for s in page.case.signalen if s.code == "aanwezigheid_laag"]  # below the default 80%

    db.execute(tabel.insert().values(gemeente_id=inburgeraar.gemeente_id, aanwezigheid_min_pct=60,
                                     created_at=datetime(2026, 11, 20), updated_at=datetime(2026, 11, 20)))
    page, drempel_reads = open_and_read()
    assert len(drempel_reads) == 2  # the new stamp, then the thresholds
    assert not [s for s in page.case.signalen if s.code == "aanwezigheid_laag"]
    db.execute(tabel.update().where(tabel.c.gemeente_id == inburgeraar.gemeente_id).values(aanwezigheid_min_pct=70))
    page, _ = open_and_read()
    assert [s for s in page.case.signalen if s.code == "aanwezigheid_laag"]
