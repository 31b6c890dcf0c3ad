"""Every role's start page shows its work as counts with links, counted only within the user's scope."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from portal import clock
from portal.models.base import utcnow
from portal.models.enums import Onderdeel, Rol, VerwijzingStatus
from portal.models.melding import MailStatus
from portal.models.resultaat import AfschalingStatus
from portal.models.traject import Activiteit
from portal.models.upload import UploadStatus
from portal.services.startpagina import vorige_week
from tests.factories import (
    AanbiederFactory,
    AfschalingsverzoekFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    MailOutboxFactory,
    MeldingFactory,
    PipFactory,
    PresentieFactory,
    TrajectStartFactory,
    UploadFactory,
    UserFactory,
    VerwijzingFactory,
)


def _taak(html: str, titel: str) -> str:
    """The count line of one task card ("3 deelnemers")."""
    kaart = html.split(titel, 1)[1]
    return re.search(r'portal-taak__aantal">(?:<a[^>]*>)?([^<]+)', kaart).group(1).strip()


def _gestart(contract, **kwargs):
    verwijzing = VerwijzingFactory(contract=contract, status=VerwijzingStatus.GESTART, **kwargs)
    TrajectStartFactory(verwijzing=verwijzing, gerealiseerde_startdatum=clock.today() - timedelta(days=60))
    return verwijzing


def test_provider_sees_missing_presence_overdue_starts_decisions_and_failed_uploads(db, login_as):
    gemeente = GemeenteFactory()
    eigen, ander = AanbiederFactory(naam="Eigen"), AanbiederFactory(naam="Ander")
    contract = ContractFactory(aanbieder=eigen, gemeenten=[gemeente])
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=eigen)
    monday, _ = vorige_week(clock.today())
    met_presentie = _gestart(contract)
    PresentieFactory(verwijzing=met_presentie, datum=monday + timedelta(days=2))
    _gestart(contract)  # no presence last week
    beide = _gestart(contract, onderdeel=Onderdeel.MAP)  # no presence last week, on either of two verwijzingen:
    _gestart(contract, onderdeel=Onderdeel.PVT, inburgeraar=beide.inburgeraar)  # one deelnemer, counted once
    _gestart(ContractFactory(aanbieder=ander, gemeenten=[gemeente]))  # another provider's: never counted
    VerwijzingFactory(contract=contract, status=VerwijzingStatus.VERWEZEN,
                      beoogde_startdatum=clock.today() - timedelta(days=10))  # start overdue
    VerwijzingFactory(contract=contract, status=VerwijzingStatus.VERWEZEN,
                      beoogde_startdatum=clock.today() + timedelta(days=10))  # not yet due
    AfschalingsverzoekFactory(verwijzing=met_presentie, status=AfschalingStatus.AFGEWEZEN,
                              besluit_reden="Nog niet", besloten_op=utcnow() - timedelta(days=3))
    UploadFactory(user=medewerker, status=UploadStatus.FAILED, melding="Geen geldig bestand")
    UploadFactory(user=medewerker, status=UploadStatus.PREVIEWED, aantal_fout=0)  # clean preview: no task

    html = login_as(medewerker).get("/").get_data(as_text=True)
    assert _taak(html, "Geen presentie vorige week") == "2 deelnemers"
    week = monday.isocalendar()
    assert f'href="/presentie/week?week={week.year}-W{week.week:02d}"' in html
    assert _taak(html, "Start nog niet geregistreerd") == "1 verwijzing"
    assert _taak(html, "Besluiten over afschalingsverzoeken") == "1 besluit"
    assert _taak(html, "Uploads met fouten") == "1 upload"
    assert 'href="/uploads/"' in html


def test_a_map_or_pvt_with_its_hours_reached_is_not_missing_presence(db, login_as):
    """The same rule as the 'geen presentie' signal (normen.praktijk_klaar): only the eindgesprek or the
    ondertekening remains, so no more sessions are expected."""
    eigen = AanbiederFactory(naam="Participatiewerkplaats")
    contract = ContractFactory(aanbieder=eigen, gemeenten=[GemeenteFactory()],
                               onderdelen=[Onderdeel.MAP, Onderdeel.PVT])
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=eigen)
    monday, _ = vorige_week(clock.today())
    klaar, bezig, pvt_klaar = (_gestart(contract, onderdeel=o) for o in (Onderdeel.MAP, Onderdeel.MAP, Onderdeel.PVT))
    for verwijzing, uren, activiteit in ((klaar, "40", Activiteit.MAP_PRAKTIJK), (bezig, "36", Activiteit.MAP_PRAKTIJK),
                                         (pvt_klaar, "12", Activiteit.PVT)):
        PresentieFactory(verwijzing=verwijzing, datum=monday - timedelta(days=20), activiteit=activiteit,
                         uren_aanwezig=Decimal(uren))

    html = login_as(medewerker).get("/").get_data(as_text=True)
    assert _taak(html, "Geen presentie vorige week") == "1 deelnemer"  # the MAP at 36 of its 40 hours


def test_klantregisseur_sees_actie_nodig_waiting_requests_and_unread_meldingen(db, login_as, regisseur, gemeente):
    contract = ContractFactory(gemeenten=[gemeente])
    persoon = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur)
    tweede = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur)
    PipFactory(inburgeraar=persoon)
    PipFactory(inburgeraar=tweede)
    # Referred five weeks ago and not started: "Actie nodig: Verwijzing niet gestart".
    VerwijzingFactory(inburgeraar=persoon, contract=contract, beoogde_startdatum=clock.today() - timedelta(weeks=5))
    wacht = VerwijzingFactory(inburgeraar=tweede, contract=contract,
                              beoogde_startdatum=clock.today() + timedelta(days=7))
    AfschalingsverzoekFactory(verwijzing=wacht)
    MeldingFactory(user_id=regisseur.id, inburgeraar_id=persoon.id)
    MeldingFactory(user_id=regisseur.id, inburgeraar_id=persoon.id, read_at=utcnow())

    html = login_as(regisseur).get("/").get_data(as_text=True)
    # Both need action: one not started, the other's afschalingsverzoek waits; one link per kind of signal.
    assert _taak(html, "Inburgeraars met “Actie nodig”") == "2 inburgeraars"
    assert 'href="/regie/?signaal=niet_gestart">Verwijzing niet gestart: 1' in html
    assert 'href="/regie/?signaal=afschaling_wacht">Afschalingsverzoek wacht op besluit: 1' in html
    assert _taak(html, "Afschalingsverzoeken wachten op uw besluit") == "1 verzoek"
    assert _taak(html, "Ongelezen meldingen") == "1 melding"


def test_beheerder_sees_locked_accounts_and_undelivered_mail_of_its_own_accounts(db, login_as, gemeente):
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])
    collega = UserFactory(rol=Rol.KLANTREGISSEUR, naam="Karin Kok", gemeenten=[gemeente],
                          geblokkeerd_tot=utcnow() + timedelta(minutes=10))
    elders = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[GemeenteFactory()],
                         geblokkeerd_tot=utcnow() + timedelta(minutes=10))
    MailOutboxFactory(to_address=collega.email, status=MailStatus.FAILED, last_error="550 mailbox unavailable")
    MailOutboxFactory(to_address=elders.email, status=MailStatus.FAILED)  # not its account: not counted
    MailOutboxFactory(to_address=collega.email, status=MailStatus.SENT)

    html = login_as(beheerder).get("/").get_data(as_text=True)
    assert _taak(html, "Geblokkeerde accounts") == "1 account"
    assert _taak(html, "E-mails die niet bezorgd konden worden") == "1 e-mail"
    assert f'href="/beheer/gebruikers/{collega.id}">Account van Karin Kok' in html


def test_contractmanager_sees_cases_needing_action_and_contracts_ending(db, login_as, gemeente):
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    ContractFactory(gemeenten=[gemeente], einddatum=clock.today() + timedelta(days=90))
    ContractFactory(gemeenten=[gemeente], einddatum=clock.today() + timedelta(days=900))
    ContractFactory(gemeenten=[GemeenteFactory()], einddatum=clock.today() + timedelta(days=30))  # not in scope
    html = login_as(manager).get("/").get_data(as_text=True)
    assert _taak(html, "Contracten die binnen een half jaar aflopen") == "1 contract"
    assert _taak(html, "Inburgeraars met “Actie nodig”") == "0 inburgeraars"


def test_a_signal_link_counts_the_cases_its_regie_list_shows(db, login_as, regisseur, gemeente):
    """The number on a link is the number of cases the filtered regie list behind it shows: attendance below the
    threshold is "Actie nodig" with unexcused absence and "Let op" without, and the list shows both."""
    contract = ContractFactory(gemeenten=[gemeente])
    for ongeoorloofd, geoorloofd in ((Decimal("3.00"), Decimal("0.00")), (Decimal("0.00"), Decimal("3.00"))):
        persoon = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur)
        PipFactory(inburgeraar=persoon)
        verwijzing = _gestart(contract, inburgeraar=persoon)
        PresentieFactory(verwijzing=verwijzing, datum=clock.today() - timedelta(days=3), uren_aanwezig=Decimal(1),
                         uren_afwezig_geoorloofd=geoorloofd, uren_afwezig_ongeoorloofd=ongeoorloofd)
    client = login_as(regisseur)

    lijst = client.get("/regie/?signaal=aanwezigheid_laag").get_data(as_text=True)
    assert "2 inburgeraars in uw caseload" in lijst
    html = client.get("/").get_data(as_text=True)
    link = re.search(r'href="/regie/\?signaal=aanwezigheid_laag">Aanwezigheid onder de drempel: (\d+)', html)
    assert link is not None and link.group(1) == "2"  # not only the case with unexcused absence


def _actie_nodig_world(db, regisseur, gemeente):
    """Two cases of the regisseur need action, one only needs attention ("Let op"), one has no signal."""
    contract = ContractFactory(gemeenten=[gemeente])
    namen = {}
    for naam, beoogd in (("Aziz", -5), ("Bakr", -6), ("Stil", 7)):
        persoon = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur, achternaam=naam)
        PipFactory(inburgeraar=persoon)
        VerwijzingFactory(inburgeraar=persoon, contract=contract, beoogde_startdatum=clock.today()
                          + timedelta(weeks=beoogd) if beoogd < 0 else clock.today() + timedelta(days=beoogd))
        namen[naam] = persoon
    let_op = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur, achternaam="Letop")
    PipFactory(inburgeraar=let_op)
    verwijzing = _gestart(contract, inburgeraar=let_op)
    PresentieFactory(verwijzing=verwijzing, datum=clock.today() - timedelta(days=3), uren_aanwezig=Decimal(1),
                     uren_afwezig_geoorloofd=Decimal(3), uren_afwezig_ongeoorloofd=Decimal(0))
    return namen


def _regie_namen(html: str) -> set[str]:
    return {naam.split(",")[0] for naam in re.findall(r'href="/inburgeraars/\d+">([^<]+)</a>', html)}


def test_the_actie_nodig_link_opens_the_regie_list_of_exactly_those_cases(db, login_as, regisseur, gemeente):
    _actie_nodig_world(db, regisseur, gemeente)
    client = login_as(regisseur)
    html = client.get("/").get_data(as_text=True)
    assert _taak(html, "Inburgeraars met “Actie nodig”") == "2 inburgeraars"
    kaart = html.split("Inburgeraars met “Actie nodig”", 1)[1]
    href = re.search(r'portal-taak__aantal"><a[^>]*href="([^"]+)"', kaart).group(1).replace("&amp;", "&")
    assert href != "/regie/"

    lijst = client.get(href).get_data(as_text=True)

    assert "2 inburgeraars in uw caseload" in lijst
    assert _regie_namen(lijst) == {"Aziz", "Bakr"}  # not "Letop" (Let op) nor "Stil" (no signal)
    assert re.search(r'<input[^>]*name="actie"[^>]*checked', lijst)  # the filter shows it is on


def test_the_actie_nodig_filter_gives_the_same_cases_from_kept_signals_and_in_the_export(
    db, login_as, regisseur, gemeente
):
    import io

    from openpyxl import load_workbook

    from portal.services import kept_signalen

    _actie_nodig_world(db, regisseur, gemeente)
    client = login_as(regisseur)
    worked_out = _regie_namen(client.get("/regie/?actie=1&sort=naam").get_data(as_text=True))
    kept_signalen.alles_opslaan(db)
    assert _regie_namen(client.get("/regie/?actie=1").get_data(as_text=True)) == worked_out == {"Aziz", "Bakr"}
    sheet = load_workbook(io.BytesIO(client.get("/regie/export.xlsx?actie=1").data)).active
    assert sum(1 for row in sheet.iter_rows(values_only=True) if row[0] and str(row[0]).startswith(
        ("Aziz", "Bakr"))) == 2
    assert not any(row[0] and str(row[0]).startswith(("Letop", "Stil")) for row in sheet.iter_rows(values_only=True))
