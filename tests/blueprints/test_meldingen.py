"""The inbox: each user sees only their own meldingen, the badge counts unread ones, links re-check access."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import insert, select

from portal.models import AuditEvent, MailModus, MailVoorkeur, Melding, MeldingSoort, melding_inburgeraar
from portal.models.enums import Rol
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    UserFactory,
    VerwijzingFactory,
)
from tests.helpers import csrf_token, post_form


@pytest.fixture
def verwijzing(db, gemeente):
    contract = ContractFactory(aanbieder=AanbiederFactory(naam="Taalhuis West"), gemeenten=[gemeente])
    inburgeraar = InburgeraarFactory(gemeente=gemeente, voornamen="Samir", achternaam="Benali")
    return VerwijzingFactory(inburgeraar=inburgeraar, contract=contract)


def melding_for(db, user, verwijzing, text="Nieuw examenresultaat geregistreerd door Taalhuis West",
                kind=MeldingSoort.EXAMENRESULTAAT, with_verwijzing=False) -> Melding:
    melding = Melding(user_id=user.id, kind=kind, inburgeraar_id=verwijzing.inburgeraar_id, text=text,
                      verwijzing_id=verwijzing.id if with_verwijzing else None)
    db.add(melding)
    db.flush()
    return melding


def upload_melding_for(db, user, inburgeraars) -> Melding:
    """A summary melding about a confirmed upload, as the meldingen listener writes it."""
    melding = Melding(user_id=user.id, kind=MeldingSoort.UPLOAD_BEVESTIGD, inburgeraar_id=None,
                      text=f"Taalhuis West heeft een upload (presentie en uren) bevestigd: {len(inburgeraars)} "
                           "inburgeraars uit uw caseload gewijzigd.")
    db.add(melding)
    db.flush()
    db.execute(insert(melding_inburgeraar), [{"melding_id": melding.id, "inburgeraar_id": i.id}
                                             for i in inburgeraars])
    return melding


def htmx_post(client, url, page="/meldingen/"):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, headers={"HX-Request": "true", "X-CSRFToken": token})


def test_inbox_requires_login(client):
    response = client.get("/meldingen/")
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


def test_inbox_shows_only_own_meldingen_unread_first_with_the_case_name(db, login_as, regisseur, verwijzing, gemeente):
    other = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    read = melding_for(db, regisseur, verwijzing, text="Oude melding")
    read.read_at = read.created_at
    melding_for(db, regisseur, verwijzing, text="Nieuwe melding")
    melding_for(db, other, verwijzing, text="Melding voor een collega")

    html = login_as(regisseur).get("/meldingen/").get_data(as_text=True)

    assert "Nieuwe melding" in html and "Oude melding" in html
    assert html.index("Nieuwe melding") < html.index("Oude melding")
    assert "Melding voor een collega" not in html
    assert "Samir Benali" in html
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "meldingen_bekeken",
                                                AuditEvent.actor_id == regisseur.id)).one()
    assert audit.details == {"inburgeraar_ids": [verwijzing.inburgeraar_id]}


def test_name_is_not_shown_once_the_case_is_out_of_scope(db, login_as, regisseur, verwijzing):
    melding_for(db, regisseur, verwijzing)
    regisseur.gemeenten.clear()
    db.flush()

    html = login_as(regisseur).get("/meldingen/").get_data(as_text=True)

    assert "Nieuw examenresultaat" in html
    assert "Benali" not in html
    assert "Geen toegang meer" in html


def test_another_users_melding_is_not_found(db, login_as, regisseur, verwijzing, gemeente):
    other = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    theirs = melding_for(db, other, verwijzing)
    client = login_as(regisseur)

    assert client.get(f"/meldingen/{theirs.id}").status_code == 404
    assert htmx_post(client, f"/meldingen/{theirs.id}/gelezen").status_code == 404
    db.refresh(theirs)
    assert theirs.read_at is None


def test_badge_counts_unread_meldingen_with_an_accessible_name(db, login_as, regisseur, verwijzing):
    for _ in range(3):
        melding_for(db, regisseur, verwijzing)
    client = login_as(regisseur)

    badge = client.get("/meldingen/aantal").get_data(as_text=True)
    assert "3 ongelezen meldingen" in badge
    # Polling with an unchanged count swaps nothing, so screen readers hear a number only when it changes.
    assert client.get("/meldingen/aantal?was=3").status_code == 204
    assert "3 ongelezen meldingen" in client.get("/meldingen/aantal?was=2").get_data(as_text=True)

    page = client.get("/").get_data(as_text=True)
    assert 'aria-live="polite"' in page
    assert 'hx-get="/meldingen/aantal?was=3"' in page
    assert "every 30s" in page
    assert "3 ongelezen meldingen" in page


def test_mark_read_with_htmx_updates_the_row_and_the_badge(db, login_as, regisseur, verwijzing):
    first = melding_for(db, regisseur, verwijzing)
    melding_for(db, regisseur, verwijzing)
    client = login_as(regisseur)

    response = htmx_post(client, f"/meldingen/{first.id}/gelezen")

    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "meldingen-gewijzigd"
    row = response.get_data(as_text=True)
    assert row.lstrip().startswith("<tr") and "Gelezen" in row and "<html" not in row
    db.refresh(first)
    assert first.read_at is not None
    assert "1 ongelezen melding<" in client.get("/meldingen/aantal").get_data(as_text=True)


def test_mark_read_with_htmx_also_updates_the_mark_all_buttons_count(db, login_as, regisseur, verwijzing):
    first, second, _third = (melding_for(db, regisseur, verwijzing) for _ in range(3))
    client = login_as(regisseur)
    assert "Alles markeren als gelezen (3)" in client.get("/meldingen/").get_data(as_text=True)

    html = htmx_post(client, f"/meldingen/{first.id}/gelezen").get_data(as_text=True)

    # The button above the list is swapped out of band with the new count, not left at the old one.
    oob = re.search(r'<div id="meldingen-alles" hx-swap-oob="outerHTML">(.*?)</div>', html, re.S)
    assert oob is not None
    assert "Alles markeren als gelezen (2)" in oob.group(1)
    assert "(3)" not in html

    htmx_post(client, f"/meldingen/{second.id}/gelezen")
    html = htmx_post(client, f"/meldingen/{_third.id}/gelezen").get_data(as_text=True)

    # Nothing left to mark: the button goes away.
    oob = re.search(r'<div id="meldingen-alles" hx-swap-oob="outerHTML">(.*?)</div>', html, re.S)
    assert oob is not None and "<button" not in oob.group(1)


def test_mark_read_without_javascript_redirects_to_the_inbox(db, login_as, regisseur, verwijzing):
    melding = melding_for(db, regisseur, verwijzing)
    client = login_as(regisseur)

    response = post_form(client, f"/meldingen/{melding.id}/gelezen", page_url="/meldingen/")

    assert response.status_code == 302
    db.refresh(melding)
    assert melding.read_at is not None


def test_mark_all_read(db, login_as, regisseur, verwijzing, gemeente):
    mine = [melding_for(db, regisseur, verwijzing) for _ in range(2)]
    other = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    theirs = melding_for(db, other, verwijzing)
    client = login_as(regisseur)

    response = htmx_post(client, "/meldingen/alles-gelezen")

    assert "2 meldingen gemarkeerd als gelezen." in response.get_data(as_text=True)
    db.expire_all()
    assert all(m.read_at is not None for m in mine)
    assert theirs.read_at is None
    assert "Geen ongelezen meldingen" in client.get("/meldingen/aantal").get_data(as_text=True)


def test_opening_a_melding_marks_it_read_and_goes_to_the_case(db, login_as, regisseur, verwijzing):
    melding = melding_for(db, regisseur, verwijzing)

    response = login_as(regisseur).get(f"/meldingen/{melding.id}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/inburgeraars/{verwijzing.inburgeraar_id}"
    db.refresh(melding)
    assert melding.read_at is not None


def test_an_aanbieder_goes_to_its_deelnemer_page(db, login_as, verwijzing):
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=verwijzing.aanbieder)
    melding = melding_for(db, docent, verwijzing, kind=MeldingSoort.AFSCHALINGSVERZOEK_BESLOTEN,
                          text="De gemeente heeft besloten over een afschalingsverzoek", with_verwijzing=True)

    response = login_as(docent).get(f"/meldingen/{melding.id}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/deelnemers/{verwijzing.id}"


def test_a_recipient_who_lost_access_gets_404_and_the_attempt_is_audited(db, login_as, regisseur, verwijzing):
    melding = melding_for(db, regisseur, verwijzing)
    regisseur.gemeenten.clear()  # moved to another team
    db.flush()
    client = login_as(regisseur)

    assert client.get(f"/meldingen/{melding.id}").status_code == 404
    # The case page itself checks as well, should anyone follow an old link directly.
    assert client.get(f"/inburgeraars/{verwijzing.inburgeraar_id}").status_code == 404
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "melding_geopend",
                                                AuditEvent.actor_id == regisseur.id)).one()
    assert audit.result == "geweigerd"


def test_aanbieder_whose_verwijzing_is_not_theirs_cannot_open_the_case(db, login_as, verwijzing):
    outsider = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=AanbiederFactory())
    melding = melding_for(db, outsider, verwijzing, with_verwijzing=True)

    assert login_as(outsider).get(f"/meldingen/{melding.id}").status_code == 404


def test_mail_preference_is_saved_per_user(db, login_as, regisseur):
    client = login_as(regisseur)
    page = client.get("/meldingen/instellingen").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="per_melding"', page)

    response = post_form(client, "/meldingen/instellingen", {"modus": "dagelijks"})

    assert response.status_code == 302
    assert db.get(MailVoorkeur, regisseur.id).modus is MailModus.DAGELIJKS
    page = client.get("/meldingen/instellingen").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="dagelijks"', page)


def test_mail_preference_rejects_unknown_values(db, login_as, regisseur):
    response = post_form(login_as(regisseur), "/meldingen/instellingen", {"modus": "elk_uur"})

    assert response.status_code == 422
    assert "Kies een van de drie mogelijkheden." in response.get_data(as_text=True)
    assert db.get(MailVoorkeur, regisseur.id) is None


# --- summary meldingen (a confirmed upload) -------------------------------------------------------------------

def test_opening_an_upload_melding_lists_its_cases_that_the_reader_may_see(db, login_as, regisseur, gemeente):
    cases = [InburgeraarFactory(gemeente=gemeente, voornamen="Amina", achternaam=f"Yilmaz {n}") for n in range(3)]
    moved = InburgeraarFactory(gemeente=GemeenteFactory(), voornamen="Pieter", achternaam="Verhuisd")
    melding = upload_melding_for(db, regisseur, [*cases, moved])

    response = login_as(regisseur).get(f"/meldingen/{melding.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "4 inburgeraars uit uw caseload gewijzigd." in html
    for case in cases:
        assert f'href="/inburgeraars/{case.id}"' in html
        assert case.naam in html
    # Moved to another gemeente since: counted, not named.
    assert "Verhuisd" not in html and f"/inburgeraars/{moved.id}" not in html
    assert "1 inburgeraar uit deze melding kunt u niet (meer) inzien." in html
    db.refresh(melding)
    assert melding.read_at is not None
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "melding_geopend",
                                                AuditEvent.actor_id == regisseur.id)).one()
    assert audit.details == {"inburgeraar_ids": sorted(c.id for c in cases), "niet_zichtbaar": 1}
    assert audit.result != "geweigerd"


def test_each_klantregisseur_sees_only_the_cases_of_their_own_upload_melding(db, login_as, regisseur, gemeente):
    colleague = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    mine = InburgeraarFactory(gemeente=gemeente, voornamen="Eigen", achternaam="Dossier")
    theirs = InburgeraarFactory(gemeente=gemeente, voornamen="Ander", achternaam="Dossier")
    own_melding = upload_melding_for(db, regisseur, [mine])
    their_melding = upload_melding_for(db, colleague, [theirs])
    client = login_as(regisseur)

    html = client.get(f"/meldingen/{own_melding.id}").get_data(as_text=True)

    assert "Eigen Dossier" in html and "Ander Dossier" not in html
    assert client.get(f"/meldingen/{their_melding.id}").status_code == 404


def test_the_inbox_shows_how_many_cases_an_upload_melding_is_about_without_names(
    db, login_as, regisseur, gemeente, verwijzing
):
    cases = [InburgeraarFactory(gemeente=gemeente, achternaam=f"Caseload {n}") for n in range(2)]
    upload_melding_for(db, regisseur, cases)
    melding_for(db, regisseur, verwijzing)

    client = login_as(regisseur)
    html = client.get("/meldingen/").get_data(as_text=True)

    assert "Wijzigingen uit een upload" in html
    assert ">2 inburgeraars</td>" in html
    assert "Caseload" not in html
    assert "Samir Benali" in html  # a per-case melding still names its case
    assert "2 ongelezen meldingen" in client.get("/meldingen/aantal").get_data(as_text=True)


def test_a_long_upload_melding_is_paginated(db, login_as, regisseur, gemeente):
    cases = [InburgeraarFactory(gemeente=gemeente, achternaam=f"Persoon {n:03d}") for n in range(60)]
    melding = upload_melding_for(db, regisseur, cases)
    client = login_as(regisseur)

    first = client.get(f"/meldingen/{melding.id}").get_data(as_text=True)
    second = client.get(f"/meldingen/{melding.id}?pagina=2").get_data(as_text=True)

    assert "Persoon 000" in first and "Persoon 059" not in first
    assert "Persoon 059" in second and "Persoon 000" not in second
    assert f'href="/meldingen/{melding.id}?pagina=2"' in first


def test_the_page_that_opens_a_melding_counts_it_read_in_its_header(db, login_as, regisseur, verwijzing, gemeente):
    """Full pages read the header's unread count with the login; opening a melding marks it read after that, so
    the page it shows counts again."""
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    melding_for(db, regisseur, verwijzing)
    samenvatting = upload_melding_for(db, regisseur, [inburgeraar])
    client = login_as(regisseur)
    assert "2 ongelezen meldingen" in client.get("/").get_data(as_text=True)

    html = client.get(f"/meldingen/{samenvatting.id}").get_data(as_text=True)

    assert "1 ongelezen melding<" in html and 'hx-get="/meldingen/aantal?was=1"' in html


def test_the_badges_poll_reads_the_count_with_the_login(db, login_as, regisseur, verwijzing):
    """The header polls every 30 seconds in every open tab: its count comes with the login, in one statement."""
    from sqlalchemy import event

    from portal.extensions import db as portal_db

    melding_for(db, regisseur, verwijzing)
    client = login_as(regisseur)
    seen: list[str] = []

    def capture(_conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(" ".join(statement.split()))

    event.listen(portal_db.engine, "before_cursor_execute", capture)
    try:
        poll = client.get("/meldingen/aantal?was=0", headers={"HX-Request": "true", "X-Portal-Poll": "1"})
    finally:
        event.remove(portal_db.engine, "before_cursor_execute", capture)
    assert "1 ongelezen melding<" in poll.get_data(as_text=True)
    assert len(seen) == 1 and "user_session" in seen[0] and "FROM melding" in seen[0]
