"""In a real browser: a teacher fills the weekly presentie grid with the keyboard only (type, Tab, Enter),
errors appear at the input and keep focus, and the page has no serious or critical axe violations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contract, Inburgeraar, Presentie, TrajectStart, User, Verwijzing
from portal.models.enums import Doelgroep, Onderdeel, VerwijzingStatus
from tests.factories import next_bsn

pytestmark = pytest.mark.e2e

DOCENT = "docent@omringdijk.example.nl"
VOORNAMEN = ("Anna", "Bilal", "Chen", "Dina")


@pytest.fixture
def rooster(live_server) -> list[int]:
    """Four started B1-route deelnemers of the docent's organisation, found in the grid by 'Roostertest'."""
    today = date.today()
    with live_server.app.app_context():
        session = db.session
        docent = session.scalars(select(User).where(User.email == DOCENT)).one()
        contract = next(c for c in session.scalars(select(Contract).where(Contract.aanbieder_id == docent.aanbieder_id))
                        if Onderdeel.B1_ROUTE in c.onderdelen and c.startdatum <= today - timedelta(days=60))
        ids = []
        for number, voornaam in enumerate(VOORNAMEN, start=1):
            kenmerk = f"E2E-ROOSTER-{number}"
            verwijzing = session.scalars(select(Verwijzing).where(Verwijzing.kenmerk == kenmerk)).first()
            if verwijzing is None:
                person = Inburgeraar(bsn=next_bsn(), voornamen=voornaam, achternaam="Roostertest",
                                     geboortedatum=date(1990, 1, number), doelgroep=Doelgroep.ASIELSTATUSHOUDER,
                                     gemeente=contract.gemeenten[0])
                verwijzing = Verwijzing(kenmerk=kenmerk, inburgeraar=person, aanbieder_id=docent.aanbieder_id,
                                        contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                                        beoogde_startdatum=today - timedelta(days=60),
                                        uiterste_einddatum=today + timedelta(days=300), status=VerwijzingStatus.GESTART)
                session.add(verwijzing)
                session.flush()
                session.add(TrajectStart(verwijzing_id=verwijzing.id,
                                         gerealiseerde_startdatum=verwijzing.beoogde_startdatum))
            ids.append(verwijzing.id)
        session.commit()
    return ids


def stored(live_server, verwijzing_id: int) -> dict[int, Presentie]:
    with live_server.app.app_context():
        rows = db.session.scalars(select(Presentie).where(Presentie.verwijzing_id == verwijzing_id)).all()
        return {p.datum.weekday(): p for p in rows}


def type_into_focused(page: Page, text: str) -> None:
    page.keyboard.press("Control+A")  # replace what the cell holds, as a teacher overtyping would
    page.keyboard.type(text)


def test_a_teacher_fills_the_week_with_the_keyboard(page_as, live_server, rooster, axe):
    v1, v2, v3, v4 = rooster
    last_week = date.today() - timedelta(days=7)
    year, week, _ = last_week.isocalendar()
    page = page_as(DOCENT)
    csp_errors: list[str] = []
    page.on("console", lambda m: isinstance(m, ConsoleMessage) and m.type == "error"
            and "Content Security Policy" in m.text and csp_errors.append(m.text))
    page.goto(f"/presentie/week?week={year}-W{week:02d}&activiteit=taalles_knm&q=Roostertest")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Presentie week {week}")
    status = page.locator("#presentie-status")
    # The browser names each day input and the save button in full (composed from the grid's name parts).
    maandag = last_week - timedelta(days=last_week.weekday())
    expect(page.locator(f"#aanwezig-{v1}-0")).to_have_accessible_name(
        f"Uren aanwezig maandag {maandag:%d-%m} voor Anna Roostertest")
    expect(page.locator(f"#rij-{v1} button")).to_have_accessible_name("Opslaan Anna Roostertest")

    # Start in Anna's Monday cell; from here on only the keyboard is used.
    page.locator(f"#aanwezig-{v1}-0").focus()
    expect(page.locator(f"#aanwezig-{v1}-0")).to_be_focused()
    type_into_focused(page, "2,5")
    page.keyboard.press("Tab")
    expect(page.locator(f"#aanwezig-{v1}-1")).to_be_focused()
    type_into_focused(page, "3")
    page.keyboard.press("Enter")
    # Saved: the result is announced and focus moves to the same day of the next deelnemer.
    expect(page.locator(f"#aanwezig-{v2}-1")).to_be_focused()
    expect(status).to_contain_text("Opgeslagen voor Anna Roostertest")

    type_into_focused(page, "1.75")
    page.keyboard.press("Enter")
    expect(page.locator(f"#aanwezig-{v3}-1")).to_be_focused()

    # An impossible amount: the row is not saved, the error sits at the input and focus stays there.
    type_into_focused(page, "25")
    page.keyboard.press("Enter")
    field = page.locator(f"#aanwezig-{v3}-1")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    expect(page.locator(f"#fout-aanwezig-{v3}-1")).to_contain_text("meer dan 24")
    expect(status).to_contain_text("Niet opgeslagen voor Chen Roostertest")
    assert axe(page) == []
    type_into_focused(page, "2")
    page.keyboard.press("Enter")
    expect(page.locator(f"#aanwezig-{v4}-1")).to_be_focused()

    # Absence: Tab past the remaining days to 'Afwezigheid', open it with Enter, fill Tuesday's fields.
    type_into_focused(page, "1")
    for _ in range(6):  # Wednesday to Sunday, then the summary
        page.keyboard.press("Tab")
    summary = page.locator(f"#rij-{v4} summary")
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    # The week's absence fields load when the panel opens; focus stays on the summary meanwhile.
    expect(page.locator(f"#geoorloofd-{v4}-0")).to_be_attached()
    expect(summary).to_be_focused()
    for _ in range(4):  # Monday geoorloofd, ongeoorloofd, reden, then Tuesday geoorloofd
        page.keyboard.press("Tab")
    expect(page.locator(f"#geoorloofd-{v4}-1")).to_be_focused()
    type_into_focused(page, "1")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(f"#reden-{v4}-1")).to_be_focused()
    type_into_focused(page, "Afspraak bij de huisarts")
    page.keyboard.press("Enter")
    expect(status).to_contain_text("Opgeslagen voor Dina Roostertest")

    assert (stored(live_server, v1)[0].uren_aanwezig, stored(live_server, v1)[1].uren_aanwezig) == (
        Decimal("2.5"), Decimal(3))
    assert stored(live_server, v2)[1].uren_aanwezig == Decimal("1.75")
    assert stored(live_server, v3)[1].uren_aanwezig == Decimal(2)
    dina = stored(live_server, v4)[1]
    assert (dina.uren_aanwezig, dina.uren_afwezig_geoorloofd, dina.reden_afwezig) == (
        Decimal(1), Decimal(1), "Afspraak bij de huisarts")
    assert axe(page) == []

    # The deelnemer's page lists the sessions, the correction history, the start form and the totals.
    page.goto(f"/presentie/verwijzing/{v3}")
    expect(page.get_by_role("heading", name="Correcties")).to_be_visible()
    expect(page.get_by_role("heading", name="Uren en presentie")).to_be_visible()
    assert axe(page) == []
    assert csp_errors == []
