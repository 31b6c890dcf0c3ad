"""The presentie pages as a user uses them: weekly grid with htmx rows, start form, session correction."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import event, select

from portal.formatting import AMSTERDAM
from portal.models import AuditEvent, Presentie, RegistratieWijziging, TrajectStart
from portal.models.enums import Rol, VerwijzingStatus
from tests.factories import (
    ContractFactory,
    InburgeraarFactory,
    TrajectStartFactory,
    UserFactory,
    VerwijzingFactory,
)
from tests.helpers import csrf_token

TODAY = date(2026, 11, 20)  # a Friday in ISO week 47 (16-11 to 22-11)
WEEK = "2026-W47"
START = date(2026, 9, 1)


@pytest.fixture(autouse=True)
def frozen_today():
    # Noon in Amsterdam on TODAY; the clock stands still so 'today' is the same for every request.
    with time_machine.travel(datetime.combine(TODAY, time(12), tzinfo=AMSTERDAM), tick=False):
        yield


@pytest.fixture
def provider(db):
    contract = ContractFactory(startdatum=date(2026, 1, 1), einddatum=date(2028, 12, 31))
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    verwijzingen = []
    for achternaam in ("Bakker", "Yusuf"):
        v = VerwijzingFactory(contract=contract, inburgeraar=InburgeraarFactory(achternaam=achternaam),
                              beoogde_startdatum=START, status=VerwijzingStatus.GESTART)
        TrajectStartFactory(verwijzing=v, gerealiseerde_startdatum=START)
        verwijzingen.append(v)
    return medewerker, verwijzingen


def grid_page(client):
    return client.get(f"/presentie/week?week={WEEK}&activiteit=taalles_knm")


def post_row(client, verwijzing, data, htmx=True):
    token = csrf_token(grid_page(client).get_data(as_text=True))
    payload = {"csrf_token": token, "week": WEEK, "activiteit": "taalles_knm", **data}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/presentie/week/rij/{verwijzing.id}", data=payload, headers=headers)


def accessible_name(html: str, element_id: str) -> str:
    """The accessible name of an element with aria-label or aria-labelledby (the texts of the ids, joined)."""
    return name_of_tag(html, re.search(rf'<[^>]*\bid="{element_id}"[^>]*>', html).group(0))


def name_of_tag(html: str, tag: str) -> str:
    """The accessible name a start tag with aria-label or aria-labelledby gives its element on this page."""
    label = re.search(r'aria-label="([^"]*)"', tag)
    if label:
        return label.group(1)
    parts = re.search(r'aria-labelledby="([^"]*)"', tag).group(1).split()
    return " ".join(re.search(rf'\bid="{part}"[^>]*>([^<]*)<', html).group(1) for part in parts)


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr id="rij-\d+".*?</tr>', html, re.S)


def saved(db, verwijzing):
    return {p.datum: p for p in db.scalars(select(Presentie).where(Presentie.verwijzing_id == verwijzing.id))}


def test_the_grid_shows_own_deelnemers_with_labelled_inputs_per_day(db, login_as, provider):
    medewerker, (bakker, yusuf) = provider
    stranger = VerwijzingFactory(inburgeraar=InburgeraarFactory(achternaam="Vreemd"), beoogde_startdatum=START)
    html = grid_page(login_as(medewerker)).get_data(as_text=True)
    assert bakker.inburgeraar.naam in html and yusuf.inburgeraar.naam in html
    assert stranger.inburgeraar.naam not in html
    name = accessible_name(html, f"aanwezig-{bakker.id}-0")
    assert name == f"Uren aanwezig maandag 16-11 voor {bakker.inburgeraar.naam}"
    assert accessible_name(html, f"aanwezig-{yusuf.id}-4") == (
        f"Uren aanwezig vrijdag 20-11 voor {yusuf.inburgeraar.naam}")
    assert 'inputmode="decimal"' in html
    save = re.search(r'<button[^>]*>', rows_of(html)[0]).group(0)
    assert name_of_tag(html, save) == f"Opslaan {bakker.inburgeraar.naam}"
    # Saturday 21-11 is after today: no input, but a reason for screen readers.
    assert f'id="aanwezig-{bakker.id}-5"' not in html and "zaterdag: in de toekomst" in html
    assert "2026-W46" in html and "2026-W48" in html  # previous / next week links


def test_gemeente_staff_do_not_get_the_grid(db, login_as, provider):
    _, (bakker, _) = provider
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[bakker.inburgeraar.gemeente])
    assert grid_page(login_as(regisseur)).status_code == 403


def test_an_htmx_row_save_stores_the_hours_and_returns_the_row(db, login_as, provider):
    medewerker, (bakker, _) = provider
    response = post_row(login_as(medewerker), bakker, {"aanwezig_0": "2,5", "aanwezig_1": "3.25", "aanwezig_2": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<tr")
    assert "Opgeslagen voor" in html and "2 dagen nieuw" in html
    stored = saved(db, bakker)
    assert stored[date(2026, 11, 16)].uren_aanwezig == Decimal("2.5")
    assert stored[date(2026, 11, 17)].uren_aanwezig == Decimal("3.25")
    assert date(2026, 11, 18) not in stored
    assert 'value="2,5"' in html


def test_a_row_with_an_error_saves_nothing_and_shows_the_error_at_the_input(db, login_as, provider):
    medewerker, (bakker, _) = provider
    html = post_row(login_as(medewerker), bakker, {"aanwezig_0": "25", "aanwezig_1": "3"}).get_data(as_text=True)
    assert saved(db, bakker) == {}
    assert f'id="aanwezig-{bakker.id}-0"' in html
    assert 'aria-invalid="true"' in html and f'aria-describedby="fout-aanwezig-{bakker.id}-0"' in html
    assert "meer dan 24" in html
    assert 'value="25"' in html  # what was typed stays, to correct it
    assert "Niet opgeslagen" in html


def test_absence_is_registered_in_the_row_and_needs_a_reason(db, login_as, provider):
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    html = post_row(client, bakker, {"aanwezig_0": "1", "ongeoorloofd_0": "2"}).get_data(as_text=True)
    assert "reden van afwezigheid" in html and saved(db, bakker) == {}
    post_row(client, bakker, {"aanwezig_0": "1", "ongeoorloofd_0": "2", "reden_0": "Zonder bericht"})
    monday = saved(db, bakker)[date(2026, 11, 16)]
    assert (monday.uren_aanwezig, monday.uren_afwezig_ongeoorloofd, monday.reden_afwezig) == (1, 2, "Zonder bericht")


def test_saving_the_same_row_again_changes_nothing_and_a_change_is_a_correction(db, login_as, provider):
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    post_row(client, bakker, {"aanwezig_0": "3"})
    assert "Geen wijzigingen" in post_row(client, bakker, {"aanwezig_0": "3"}).get_data(as_text=True)
    assert "1 gecorrigeerd" in post_row(client, bakker, {"aanwezig_0": "2"}).get_data(as_text=True)
    [history] = db.scalars(select(RegistratieWijziging).where(RegistratieWijziging.object_type == "presentie"))
    assert (Decimal(history.oude_waarde), Decimal(history.nieuwe_waarde)) == (3, 2)
    assert history.gewijzigd_door_id == medewerker.id
    # The case timeline names the channel and groups by the corrected day (portal.services.tijdlijn).
    assert (history.bron, history.betreft_datum) == ("weekrooster", date(2026, 11, 16))


def test_a_grid_correction_writes_each_changed_field_to_the_history_without_reading_the_days_again(
        db, login_as, provider):
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    post_row(client, bakker, {"aanwezig_0": "1", "ongeoorloofd_0": "2", "reden_0": "Zonder bericht"})
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    token = csrf_token(grid_page(client).get_data(as_text=True))
    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        answer = client.post(f"/presentie/week/rij/{bakker.id}", headers={"HX-Request": "true"}, data={
            "csrf_token": token, "week": WEEK, "activiteit": "taalles_knm",
            "aanwezig_0": "1", "ongeoorloofd_0": "1,5", "reden_0": " Ziek "})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert "1 gecorrigeerd" in answer.get_data(as_text=True)
    history = db.scalars(select(RegistratieWijziging).where(RegistratieWijziging.object_type == "presentie")
                         .order_by(RegistratieWijziging.id)).all()
    assert [(h.veld, h.gewijzigd_door_id) for h in history] == [
        ("uren_afwezig_ongeoorloofd", medewerker.id), ("reden_afwezig", medewerker.id)]
    assert (Decimal(history[0].oude_waarde), Decimal(history[0].nieuwe_waarde)) == (2, Decimal("1.5"))
    assert (history[1].oude_waarde, history[1].nieuwe_waarde) == ("Zonder bericht", "Ziek")
    db.expire_all()
    monday = saved(db, bakker)[date(2026, 11, 16)]
    assert (monday.uren_aanwezig, monday.uren_afwezig_ongeoorloofd, monday.reden_afwezig) == (1, Decimal("1.5"), "Ziek")
    # The week's stored days are read for the row as shown (joined to the row's own statement) and by validation in
    # the write transaction; what they held is known then, so the correction does not read them a third time.
    assert len([s for s in statements if s.startswith("SELECT") and re.search(r"(FROM|JOIN) presentie\b", s)]) == 2


def test_a_row_without_the_pages_token_is_refused_and_nothing_is_saved(db, login_as, provider):
    """The row form has no token field of its own: the portal's CSRF check refuses a save without the page's."""
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    for token in (None, "vervalst"):
        data = {"week": WEEK, "activiteit": "taalles_knm", "aanwezig_0": "3"}
        if token:
            data["csrf_token"] = token
        response = client.post(f"/presentie/week/rij/{bakker.id}", data=data, headers={"HX-Request": "true"})
        assert response.status_code == 400
    assert saved(db, bakker) == {}
    assert post_row(client, bakker, {"aanwezig_0": "3"}).status_code == 200 and saved(db, bakker)


def test_without_javascript_the_row_form_redirects_back_with_a_message(db, login_as, provider):
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    response = post_row(client, bakker, {"aanwezig_0": "3"}, htmx=False)
    assert response.status_code == 302 and f"week={WEEK}" in response.headers["Location"]
    assert "Opgeslagen voor" in client.get(response.headers["Location"]).get_data(as_text=True)
    from sqlalchemy import func, select

    from portal.models import AuditEvent, AuditGezien
    before = db.scalar(select(func.max(AuditEvent.id)))
    response = post_row(client, bakker, {"aanwezig_0": "abc"}, htmx=False)
    assert response.status_code == 422 and "geen geldig getal" in response.get_data(as_text=True)
    # The whole grid shown again is a list read like the grid's GET (post_row opens that first): both deelnemers.
    grids = db.scalars(select(AuditEvent.id).where(AuditEvent.id > before,
                                                   AuditEvent.object_type == "presentie_weekrooster")).all()
    assert len(grids) == 2 and set(db.scalars(select(AuditGezien.inburgeraar_id).where(
        AuditGezien.audit_event_id == grids[-1]))) == {v.inburgeraar_id for v in provider[1]}


def test_a_provider_cannot_post_for_another_providers_verwijzing(db, login_as, provider):
    medewerker, _ = provider
    other = VerwijzingFactory(beoogde_startdatum=START)
    TrajectStartFactory(verwijzing=other)
    assert post_row(login_as(medewerker), other, {"aanwezig_0": "3"}).status_code == 404
    assert saved(db, other) == {}


def test_the_start_form_requires_a_reason_for_a_later_start(db, login_as):
    contract = ContractFactory(startdatum=date(2026, 1, 1))
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    verwijzing = VerwijzingFactory(contract=contract, beoogde_startdatum=START)
    client = login_as(medewerker)
    url = f"/presentie/verwijzing/{verwijzing.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(f"{url}/start", data={"csrf_token": token, "gerealiseerde_startdatum": "15-09-2026"})
    assert response.status_code == 422
    assert "Vul de reden van de latere start in" in response.get_data(as_text=True)
    response = client.post(f"{url}/start", data={"csrf_token": token, "gerealiseerde_startdatum": "15-09-2026",
                                                 "reden_latere_start": "Kinderopvang"})
    assert response.status_code == 302
    db.refresh(verwijzing)
    assert verwijzing.status is VerwijzingStatus.GESTART
    page = client.get(url).get_data(as_text=True)
    assert "15-09-2026" in page and "Kinderopvang" in page


def test_a_session_correction_is_listed_with_who_old_and_new(db, login_as, provider):
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    form_url = f"/presentie/verwijzing/{bakker.id}/sessie"
    data = {"datum": "17-11-2026", "activiteit": "taalles_knm", "uren_aanwezig": "3"}
    token = csrf_token(client.get(form_url).get_data(as_text=True))
    assert client.post(form_url, data={"csrf_token": token, **data}).status_code == 302
    edit = client.get(f"{form_url}?datum=2026-11-17&activiteit=taalles_knm").get_data(as_text=True)
    assert 'value="17-11-2026"' in edit and 'value="3"' in edit
    response = client.post(form_url, data={"csrf_token": token, **data, "uren_aanwezig": "2,75"})
    assert response.status_code == 302
    page = client.get(f"/presentie/verwijzing/{bakker.id}").get_data(as_text=True)
    correcties = page.split('id="kop-historie"', 1)[1]
    # As the session table writes hours (3 and 2,75), not as stored ('3.00' -> '2.75').
    assert medewerker.naam in correcties and "<td>Uren aanwezig</td><td>3</td><td>2,75</td>" in correcties
    assert "3.00" not in correcties and "uren aanwezig" not in correcties


def test_the_session_form_shows_service_errors_on_the_fields(db, login_as, provider):
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    form_url = f"/presentie/verwijzing/{bakker.id}/sessie"
    token = csrf_token(client.get(form_url).get_data(as_text=True))
    response = client.post(form_url, data={"csrf_token": token, "datum": "23-11-2026", "activiteit": "taalles_knm",
                                           "uren_aanwezig": "1e3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "toekomst" in html and "geen geldig getal" in html and "Er zijn 2 fouten gevonden" in html


def test_gemeente_staff_read_the_verwijzing_page_and_the_read_is_audited(db, login_as, provider):
    _, (bakker, _) = provider
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[bakker.inburgeraar.gemeente])
    response = login_as(regisseur).get(f"/presentie/verwijzing/{bakker.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Uren en presentie" in html
    assert "Start opslaan" not in html and "Start corrigeren" not in html and "Corrigeren" not in html
    assert db.scalars(select(AuditEvent).where(
        AuditEvent.action == "presentie_bekeken", AuditEvent.actor_id == regisseur.id)).first()
    elsewhere = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[InburgeraarFactory().gemeente])
    assert login_as(elsewhere).get(f"/presentie/verwijzing/{bakker.id}").status_code == 404


def test_the_case_page_shows_totals_recomputed_from_the_sessions(db, login_as, provider):
    medewerker, (bakker, _) = provider
    post_row(login_as(medewerker), bakker, {"aanwezig_0": "2,5", "aanwezig_1": "3"})
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[bakker.inburgeraar.gemeente])
    html = login_as(regisseur).get(f"/inburgeraars/{bakker.inburgeraar_id}").get_data(as_text=True)
    assert "Uren en presentie" in html and "Taalles en KNM bij de cursusinstelling" in html
    assert "5,5" in html  # 2,5 + 3 hours present


def test_the_grid_can_be_searched_by_name(db, login_as, provider):
    medewerker, (bakker, yusuf) = provider
    html = login_as(medewerker).get(f"/presentie/week?week={WEEK}&q=yusu").get_data(as_text=True)
    assert yusuf.inburgeraar.naam in html and bakker.inburgeraar.naam not in html


def test_a_grid_row_stays_under_two_kilobytes(db, login_as):
    """295 KB for 40 rows made the grid slow to send and render; the absence fields load when opened.

    Measured with ids as long as a region's (7 digits): the row repeats its verwijzing's id in every input, its
    form and its urls, and the test database's 1-3 digit ids kept a row over 2 KB in production out of sight."""
    contract = ContractFactory(startdatum=date(2026, 1, 1), einddatum=date(2028, 12, 31))
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    rows_made = []
    for n, achternaam in enumerate(("van der Heijden-Abdulkadir", "Yusuf")):
        inburgeraar = InburgeraarFactory(id=8_765_432 + n, voornamen="Mohammed Abdirahman Abdullahi",
                                         achternaam=achternaam)
        v = VerwijzingFactory(id=9_876_543 + n, contract=contract, inburgeraar=inburgeraar,
                              beoogde_startdatum=START, status=VerwijzingStatus.GESTART)
        TrajectStartFactory(id=7_654_321 + n, verwijzing=v, gerealiseerde_startdatum=START)
        rows_made.append(v)
    client = login_as(medewerker)
    post_row(client, rows_made[0], {"aanwezig_0": "2,5", "aanwezig_1": "3", "geoorloofd_2": "2",
                                    "reden_2": "Ziek gemeld"})
    rows = rows_of(grid_page(client).get_data(as_text=True))
    assert sorted(re.search(r'<tr id="rij-(\d+)"', r).group(1) for r in rows) == ["9876543", "9876544"]
    assert max(len(r.encode()) for r in rows) <= 2048
    assert not any('id="geoorloofd-' in r for r in rows)  # loaded when 'Afwezigheid' opens, below
    # A past week with hours stored on all seven days: seven inputs, each holding its value.
    client.post(f"/presentie/week/rij/{rows_made[0].id}", headers={"HX-Request": "true"}, data={
        "csrf_token": csrf_token(grid_page(client).get_data(as_text=True)), "week": "2026-W46",
        "activiteit": "taalles_knm", **{f"aanwezig_{d}": "2,5" for d in range(7)}})
    [full] = [r for r in rows_of(client.get("/presentie/week?week=2026-W46&activiteit=taalles_knm").get_data(
        as_text=True)) if r.startswith(f'<tr id="rij-{rows_made[0].id}"')]
    assert full.count('value="2,5"') == 7 and len(full.encode()) <= 2048


def test_the_absence_panel_loads_labelled_fields_with_what_is_stored(db, login_as, provider):
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    post_row(client, bakker, {"aanwezig_0": "1", "ongeoorloofd_0": "2", "reden_0": "Zonder bericht"})
    row = rows_of(grid_page(client).get_data(as_text=True))[0]
    assert "Afwezigheid (1 dag)" in row
    url = re.search(r'hx-get="([^"]+)"', row).group(1)
    panel = client.get(url, query_string={"week": WEEK, "activiteit": "taalles_knm"},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert accessible_name(panel, f"ongeoorloofd-{bakker.id}-0") == (
        f"Uren ongeoorloofd afwezig maandag 16-11 voor {bakker.inburgeraar.naam}")
    assert f'id="ongeoorloofd-{bakker.id}-0"' in panel and 'value="2"' in panel and 'value="Zonder bericht"' in panel
    assert f'form="f{bakker.id}"' in panel  # saved with the row
    assert f'id="geoorloofd-{bakker.id}-5"' not in panel  # Saturday is in the future


def test_saving_a_row_whose_absence_panel_was_not_opened_keeps_the_stored_absence(db, login_as, provider):
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    post_row(client, bakker, {"aanwezig_0": "1", "ongeoorloofd_0": "2", "reden_0": "Zonder bericht"})
    post_row(client, bakker, {"aanwezig_0": "1,5", "aanwezig_1": "3"})  # only the day inputs were on the page
    monday = saved(db, bakker)[date(2026, 11, 16)]
    assert (monday.uren_aanwezig, monday.uren_afwezig_ongeoorloofd, monday.reden_afwezig) == (
        Decimal("1.5"), 2, "Zonder bericht")
    # Sent empty (the panel was open and the teacher cleared it): cleared.
    post_row(client, bakker, {"aanwezig_0": "1,5", "aanwezig_1": "3", "ongeoorloofd_0": "", "reden_0": ""})
    db.expire_all()
    monday = saved(db, bakker)[date(2026, 11, 16)]
    assert (monday.uren_afwezig_ongeoorloofd, monday.reden_afwezig) == (0, None)


def test_the_row_returned_after_a_save_is_the_row_as_stored(db, login_as, provider):
    """The save answers with the row built from what was saved, not loaded again: it must read the same."""
    medewerker, (bakker, _) = provider
    client = login_as(medewerker)
    answer = post_row(client, bakker, {"aanwezig_0": " 2.50", "aanwezig_1": "3,0", "aanwezig_2": "0",
                                       "ongeoorloofd_2": "1.25", "reden_2": "  Zonder   bericht "})
    answer = answer.get_data(as_text=True)
    fresh = rows_of(grid_page(client).get_data(as_text=True))[0]

    def without_message(html: str) -> str:  # the save's message, and the CSRF token signed with the time
        return re.sub(r' data-bericht="[^"]*"|name="csrf_token" value="[^"]*"'
                      r'|<p class="portal-grid__bewaard[^"]*">[^<]*</p>', "", html)

    assert "Opgeslagen voor" in answer
    assert without_message(rows_of(answer)[0]) == without_message(fresh)
    assert 'value="2,5"' in fresh and "Afwezigheid (1 dag)" in fresh


def test_providers_reasons_on_the_verwijzing_page_only_for_the_provider_and_the_klantregisseur(db, login_as,
                                                                                               provider):
    # Free-text reasons often hold health data: other gemeente roles see that one was given and the hours, not
    # the text (the walk: the contractmanager read 'Afspraak bij de huisarts' here).
    medewerker, (bakker, _) = provider
    start = db.scalar(select(TrajectStart).where(TrajectStart.verwijzing_id == bakker.id))
    start.reden_latere_start = "Wachtlijst bij de fysiotherapeut"
    db.flush()
    client = login_as(medewerker)
    form_url = f"/presentie/verwijzing/{bakker.id}/sessie"
    data = {"datum": "17-11-2026", "activiteit": "taalles_knm", "uren_aanwezig": "0",
            "uren_afwezig_geoorloofd": "3", "reden_afwezig": "Afspraak bij de huisarts"}
    token = csrf_token(client.get(form_url).get_data(as_text=True))
    assert client.post(form_url, data={"csrf_token": token, **data}).status_code == 302
    assert client.post(form_url, data={"csrf_token": token, **data,
                                       "reden_afwezig": "Controle in het ziekenhuis"}).status_code == 302
    url = f"/presentie/verwijzing/{bakker.id}"
    gemeente = bakker.inburgeraar.gemeente
    geheim = ("Afspraak bij de huisarts", "Controle in het ziekenhuis", "fysiotherapeut")
    for rol in (Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER):
        html = login_as(UserFactory(rol=rol, gemeenten=[gemeente])).get(url).get_data(as_text=True)
        assert not any(tekst in html for tekst in geheim), rol
        sessies = html.split('id="kop-sessies"', 1)[1].split('id="kop-historie"', 1)[0]
        assert "<td>Reden opgegeven (alleen zichtbaar voor de klantregisseur)</td>" in sessies
        assert '<td class="num">3</td>' in sessies  # the hours stay: billing needs them
        assert "Reden latere start</dt><dd>Reden opgegeven (alleen zichtbaar voor de klantregisseur)" in html
        correcties = html.split('id="kop-historie"', 1)[1]
        assert "<td>Reden afwezigheid</td><td>Reden opgegeven (alleen zichtbaar voor de klantregisseur)</td>" \
            in correcties
    for user in (medewerker, UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])):
        html = login_as(user).get(url).get_data(as_text=True)
        assert all(tekst in html for tekst in geheim) and "alleen zichtbaar" not in html
