"""In a real browser: a klantregisseur sees the unread count, opens the inbox with the keyboard, marks a melding
read in place (htmx, no page load), the count follows, focus lands on the changed row, and axe finds nothing
serious or critical."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Inburgeraar, Melding, MeldingSoort, User
from portal.services import meldingen

pytestmark = pytest.mark.e2e

KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"


def _name(count: int) -> str:
    return "1 ongelezen melding" if count == 1 else f"{count} ongelezen meldingen"


@pytest.fixture
def seeded(live_server) -> tuple[list[int], int]:
    """Two new unread meldingen for the klantregisseur on a case of its own; (their ids, unread count)."""
    with live_server.app.app_context():
        session = db.session
        user = session.scalars(select(User).where(User.email == KLANTREGISSEUR)).one()
        inburgeraar = session.scalars(
            select(Inburgeraar).where(Inburgeraar.klantregisseur_id == user.id).order_by(Inburgeraar.id)
        ).first()
        assert inburgeraar is not None, "the demo region gives the klantregisseur a caseload"
        seeded = [
            Melding(user_id=user.id, kind=kind, inburgeraar_id=inburgeraar.id, text=text)
            for kind, text in (
                (MeldingSoort.EXAMENRESULTAAT, "Nieuw examenresultaat geregistreerd door Taalhuis Omringdijk"),
                (MeldingSoort.OMSTANDIGHEDEN_GEWIJZIGD, "Gewijzigde omstandigheden gemeld door De Brug"),
            )
        ]
        session.add_all(seeded)
        session.commit()
        return [m.id for m in seeded], meldingen.unread_count(session, user)


def test_inbox_marks_a_melding_read_in_place_with_the_keyboard(page_as, seeded, axe):
    ids, unread = seeded
    page = page_as(KLANTREGISSEUR)
    page.goto("/")

    # The header names the number of unread meldingen, for sight and for screen readers.
    header_link = page.locator("a.portal-meldingen-link")
    expect(header_link).to_have_accessible_name(_name(unread))
    expect(header_link.locator(".portal-badge")).to_have_text(str(unread))

    # Open the inbox from the header with the keyboard.
    header_link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meldingen")
    row = page.locator(f"#melding-{ids[0]}")
    expect(row).to_contain_text("Ongelezen")
    expect(row).to_contain_text("Nieuw examenresultaat geregistreerd door Taalhuis Omringdijk")
    assert axe(page) == []

    # Mark one read with the keyboard: the row is swapped in place, the page is not reloaded.
    page.evaluate("window.__geenHerlaad = true")
    button = row.get_by_role("button", name=re.compile(r"^Markeer als gelezen"))
    button.focus()
    page.keyboard.press("Enter")
    expect(row).to_contain_text("Gelezen")
    expect(row).not_to_contain_text("Ongelezen")
    expect(row.get_by_role("button")).to_have_count(0)
    assert page.evaluate("window.__geenHerlaad === true"), "marking read must not reload the page"

    # Focus moves to the row's new status instead of falling back to the top of the page.
    expect(row.get_by_text("Gelezen", exact=True)).to_be_focused()

    # The header count follows at once, and the other melding is still unread.
    expect(header_link).to_have_accessible_name(_name(unread - 1))
    expect(page.locator(f"#melding-{ids[1]}")).to_contain_text("Ongelezen")
    # ... and so does the count on "mark all read" above the list (without a reload).
    expect(page.get_by_role("button", name=re.compile(r"^Alles markeren als gelezen"))).to_have_text(
        f"Alles markeren als gelezen ({unread - 1})")
    assert axe(page) == []

    # After a reload the melding stays read.
    page.reload()
    expect(page.locator(f"#melding-{ids[0]}")).not_to_contain_text("Ongelezen")
    expect(page.locator("a.portal-meldingen-link")).to_have_accessible_name(_name(unread - 1))
