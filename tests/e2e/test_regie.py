"""In a real browser: the regie overview's filters and search update the results in place (and the URL),
its rows open the one case page, and both pages (with the afschaling decision form) have no serious or
critical axe-core violations."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Inburgeraar, User, Verwijzing
from portal.models.enums import Onderdeel
from portal.models.resultaat import Afschalingsverzoek

pytestmark = pytest.mark.e2e

KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"


def _count(page) -> int:
    heading = page.locator("#regie-resultaten h2").first
    return int(re.match(r"\d+", heading.inner_text()).group(0))


def test_regie_overview_filters_search_and_accessibility(page_as, axe):
    page = page_as(KLANTREGISSEUR)
    page.goto("/regie/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Regie: caseload met signalen")
    expect(page.locator("#regie-resultaten h2")).to_contain_text("in uw caseload")
    eigen = _count(page)
    assert axe(page) == []

    # Widen to the whole gemeente: the results region updates without a page load and the URL follows.
    page.get_by_label("Alle inburgeraars van mijn gemeente(n), niet alleen mijn caseload").check()
    expect(page.locator("#regie-resultaten h2")).not_to_contain_text("in uw caseload")
    expect(page).to_have_url(re.compile(r"alle=1"))
    alle = _count(page)
    assert alle >= eigen

    # Filter on one signal: every remaining row names it.
    page.get_by_label("Signaal").select_option("termijn_einde")
    expect(page).to_have_url(re.compile(r"signaal=termijn_einde"))
    rows = page.locator("#regie-resultaten tbody tr")
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("Inburgeringstermijn eindigt")
    assert _count(page) <= alle

    # Active search on a surname shown in the list narrows the results to it.
    page.get_by_label("Signaal").select_option("")
    expect(page).not_to_have_url(re.compile(r"signaal=termijn_einde"))
    first = page.locator("#regie-resultaten tbody tr th a").first.inner_text()
    achternaam = first.split(",")[0]
    page.get_by_label("Zoek op naam of BSN").fill(achternaam)
    expect(page).to_have_url(re.compile(r"q="))
    expect(page.locator("#regie-resultaten tbody tr").first).to_contain_text(achternaam)
    assert axe(page) == []

    # Sorting is a real link that keeps the filters.
    page.get_by_role("link", name=re.compile(r"^Naam")).click()
    expect(page).to_have_url(re.compile(r"sort=naam"))
    expect(page).to_have_url(re.compile(r"alle=1"))


def _case_with_waiting_verzoek(live_server) -> int:
    """A B1-route case of the demo klantregisseur, given a waiting afschalingsverzoek (the demo has none)."""
    with live_server.app.app_context():
        regisseur = db.session.scalar(select(User).where(User.email == KLANTREGISSEUR))
        verwijzing = db.session.scalars(
            select(Verwijzing).join(Verwijzing.inburgeraar)
            .where(Inburgeraar.klantregisseur_id == regisseur.id, Verwijzing.onderdeel == Onderdeel.B1_ROUTE)
            .order_by(Verwijzing.id)
        ).first()
        assert verwijzing is not None
        db.session.add(Afschalingsverzoek(
            verwijzing_id=verwijzing.id, inburgeraar_id=verwijzing.inburgeraar_id, uren_op_moment=Decimal(610),
            observaties_aanbieder="Spreken blijft moeizaam", ervaring_inburgeraar="Vindt spreken erg moeilijk",
        ))
        db.session.commit()
        return verwijzing.inburgeraar_id


def test_overview_rows_open_the_one_case_page(page_as):
    page = page_as(KLANTREGISSEUR)
    page.goto("/regie/?alle=1")
    link = page.locator("#regie-resultaten tbody tr th a").first
    achternaam, voornamen = (part.strip() for part in link.inner_text().split(",", 1))
    link.click()
    expect(page).to_have_url(re.compile(r"/inburgeraars/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{voornamen} {achternaam}")


def test_case_page_is_accessible_and_the_afschaling_is_decided_on_it(page_as, axe, live_server):
    inburgeraar_id = _case_with_waiting_verzoek(live_server)
    page = page_as(KLANTREGISSEUR)
    page.goto(f"/regie/inburgeraar/{inburgeraar_id}")  # the old address leads to the one case page
    expect(page).to_have_url(re.compile(rf"/inburgeraars/{inburgeraar_id}$"))
    for kop in ("Signalen", "Persoonsgegevens", "Verwijzingen", "Uren en presentie", "Uren ten opzichte van de norm",
                "Examenresultaten", "Afschalingsverzoeken", "Tijdlijn"):
        expect(page.get_by_role("heading", name=kop, exact=True)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Aanwezigheid per week"))).to_be_visible()
    page.get_by_text("Tabel met de uren per week").click()
    expect(page.get_by_role("table", name=re.compile("Uren per week"))).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Examenresultaten per onderdeel en niveau"))).to_be_visible()
    expect(page.get_by_role("group", name=re.compile("Besluit"))).to_be_visible()
    assert axe(page) == []

    page.get_by_label("Afwijzen").check()
    page.get_by_label(re.compile("^Reden")).fill("Eerst nog een examen Spreken doen")
    page.get_by_role("button", name="Besluit opslaan").click()
    expect(page).to_have_url(re.compile(rf"/inburgeraars/{inburgeraar_id}#kop-registraties-afschaling$"))
    expect(page.get_by_text("Het afschalingsverzoek is afgewezen.")).to_be_visible()
    expect(page.get_by_role("group", name=re.compile("Besluit"))).to_have_count(0)
    assert axe(page) == []
