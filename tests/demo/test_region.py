"""The demo region is believable, stays within DUO's rules and the contracts, and loads only once."""

from __future__ import annotations

from datetime import date, timedelta

import pyotp
from sqlalchemy import case, func, select
from stdnum.nl import bsn as stdnum_bsn

from portal import access
from portal.demo import DEMO_LOGINS, WEST_FRIESLAND
from portal.models import Aanbieder, Contract, Gemeente, Inburgeraar, IntakeGegevens, Pip, User, Verwijzing
from portal.models.enums import AanbiederSoort, Doelgroep, Leerroute, NiveauPip, Onderdeel, Rol
from portal.services import auth
from portal.services.chain import woonplaats
from tests.demo import TODAY

ROUTE_ONDERDELEN = {
    Onderdeel.B1_ROUTE: {Leerroute.B},
    Onderdeel.ONDERWIJSROUTE: {Leerroute.O},
    Onderdeel.Z_ROUTE_TAAL: {Leerroute.Z},
    Onderdeel.Z_ROUTE_PARTICIPATIE: {Leerroute.Z},
    Onderdeel.MAP: {Leerroute.B, Leerroute.Z},
    Onderdeel.PVT: set(Leerroute),
    Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING: set(Leerroute),
}


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_region_has_every_kind_of_aanbieder_and_one_login_per_role(region):
    aanbieders = region.scalars(select(Aanbieder)).all()
    assert len(aanbieders) >= 6
    assert {a.soort for a in aanbieders} == set(AanbiederSoort)
    assert {u.rol for u in region.scalars(select(User))} == set(Rol)
    codes = set(region.scalars(select(Gemeente.cbs_code)))
    assert set(WEST_FRIESLAND) | {"0148", "0437"} <= codes


def test_region_has_hundreds_of_inburgeraars_with_valid_bsns_in_both_doelgroepen_and_all_leerroutes(region):
    people = region.scalars(select(Inburgeraar)).all()
    assert len(people) >= 200
    assert all(stdnum_bsn.is_valid(p.bsn) for p in people)
    assert {p.doelgroep for p in people} == set(Doelgroep)
    assert {pip.leerroute for pip in region.scalars(select(Pip))} == set(Leerroute)
    assert region.scalar(select(func.count()).where(IntakeGegevens.gezondheid.is_not(None))) > 0


def test_every_pip_follows_duo_rules(region):
    afgeschaald = 0
    for person in region.scalars(select(Inburgeraar)):
        assert [pip.versie for pip in person.pips] == list(range(1, len(person.pips) + 1))
        for pip in person.pips:
            if pip.leerroute is Leerroute.B:
                assert pip.niveau is not None
            if pip.leerroute is Leerroute.O:
                assert pip.niveau is not NiveauPip.A2
            if pip.leerroute is Leerroute.Z:
                assert pip.niveau is not NiveauPip.B1
            if pip.geschatte_intensiteit is not None:
                assert pip.leerroute is Leerroute.B and person.doelgroep is Doelgroep.ASIELSTATUSHOUDER
        if person.pips and person.pips[0].leerroute is Leerroute.B:
            assert person.pips[0].niveau is NiveauPip.B1  # A2 never on the first PIP in the B1-route
        if len(person.pips) > 1 and person.pips[-1].niveau is NiveauPip.A2:
            afgeschaald += 1
            assert person.pips[-1].dagtekening > person.pips[0].dagtekening
    assert afgeschaald > 0


def test_every_verwijzing_is_covered_by_its_contract_and_fits_the_pip(region):
    verwijzingen = region.scalars(select(Verwijzing)).all()
    assert len(verwijzingen) > 200
    for v in verwijzingen:
        person = v.inburgeraar
        assert v.aanbieder_id == v.contract.aanbieder_id
        # Made for the gemeente the person lived in at the start; after a verhuizing continued under a contract
        # that covers the new gemeente.
        made_for = woonplaats.gemeente_op(region, person.id, v.beoogde_startdatum)
        assert v.contract.covers(made_for, v.onderdeel, v.beoogde_startdatum) or \
            v.contract.covers(person.gemeente_id, v.onderdeel, v.beoogde_startdatum), v.kenmerk
        assert v.uiterste_einddatum >= v.beoogde_startdatum
        assert person.pips[0].leerroute in ROUTE_ONDERDELEN[v.onderdeel], v.kenmerk
        if v.onderdeel in (Onderdeel.B1_ROUTE, Onderdeel.ONDERWIJSROUTE, Onderdeel.Z_ROUTE_TAAL,
                           Onderdeel.Z_ROUTE_PARTICIPATIE, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING):
            # The gemeente buys the leerroute and maatschappelijke begeleiding only for asielstatushouders.
            assert person.doelgroep is Doelgroep.ASIELSTATUSHOUDER, v.kenmerk


def test_regional_contractmanager_sees_the_region_and_aanbieders_only_their_cases(region):
    users = {u.email: u for u in region.scalars(select(User))}
    manager = users["contractmanager@hoorn.example.nl"]
    in_scope = {g.cbs_code for g in region.scalars(access.gemeenten(manager))}
    assert set(WEST_FRIESLAND) <= in_scope
    regional = region.scalars(select(Contract).where(Contract.kenmerk == "WF-LR-2022")).one()
    assert len(regional.gemeenten) == 7

    docent = users["docent@omringdijk.example.nl"]
    begeleider = users["begeleider@debrug.example.nl"]
    docent_cases = set(region.scalars(access.inburgeraars(docent)))
    begeleider_cases = set(region.scalars(access.inburgeraars(begeleider)))
    assert docent_cases and begeleider_cases and docent_cases != begeleider_cases
    assert all(v.aanbieder_id == docent.aanbieder_id for v in region.scalars(access.verwijzingen(docent)))


def test_demo_logins_work_through_the_real_password_and_totp_checks(region):
    policy = auth.LoginPolicy()
    for login in DEMO_LOGINS:
        user = auth.check_password(region, login.email, login.wachtwoord, policy)
        assert user is not None and user.rol is login.rol and user.totp_bevestigd
        assert auth.verify_totp(region, user, pyotp.TOTP(login.totp_secret).now(), policy)


def test_demo_has_a_completed_verhuizing_and_one_awaiting_decisions(region):
    from portal.models import Verhuizing

    moves = region.scalars(select(Verhuizing).order_by(Verhuizing.datum)).all()
    assert len(moves) == 2
    completed, pending = moves
    assert completed.verwijzingen and all(r.besluit is not None for r in completed.verwijzingen)
    assert pending.verwijzingen and all(r.besluit is None for r in pending.verwijzingen)
    for move in moves:
        assert woonplaats.gemeente_op(region, move.inburgeraar_id, move.datum) == move.naar_gemeente_id
        assert woonplaats.gemeente_op(region, move.inburgeraar_id, move.datum - timedelta(days=1)) == \
            move.van_gemeente_id


def test_region_has_api_koppelingen_and_the_readme_example_gets_a_token(region, db, client):
    from portal.models import ApiClient
    from portal.models.base import utcnow
    from portal.services import api_clients

    clients = {c.client_id: c for c in db.query(ApiClient)}
    assert set(clients) >= {"ic_demo_omringdijk", "ic_demo_omringdijk_oud", "ic_demo_debrug", "ic_demo_hoorn_cvs"}
    assert api_clients.is_usable(clients["ic_demo_omringdijk"], utcnow())
    assert not api_clients.is_usable(clients["ic_demo_omringdijk_oud"], utcnow())  # revoked
    assert clients["ic_demo_hoorn_cvs"].gemeente is not None
    response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                           auth=("ic_demo_omringdijk", "demo-geheim-omringdijk-eduarte"))
    assert response.status_code == 200
    listed = client.get("/api/v1/verwijzingen?limit=5",
                        headers={"Authorization": f"Bearer {response.get_json()['access_token']}"})
    assert listed.status_code == 200 and len(listed.get_json()["items"]) == 5


def test_demo_has_duo_berichten_pending_sent_answered_and_rejected(region):
    from portal.models import BerichtStatus, DuoBericht

    statuses = {b.status for b in region.scalars(select(DuoBericht))}
    assert {BerichtStatus.KLAAR, BerichtStatus.VERZONDEN, BerichtStatus.GEACCEPTEERD,
            BerichtStatus.AFGEWEZEN} <= statuses


def test_demo_has_handhaving_and_a_cbs_file_for_the_last_quarter(region):
    from portal.models import CbsLevering, Handhaving, HandhavingSoort
    from portal.services.chain import cbs

    soorten = {h.soort for h in region.scalars(select(Handhaving))}
    assert soorten == set(HandhavingSoort)
    levering = region.scalars(select(CbsLevering)).one()
    assert (levering.periode_van, levering.periode_tot) == cbs.kwartaal(TODAY) and levering.aantal_rijen > 0


def test_demo_has_a_handhaving_beleid_and_a_withdrawn_pip_with_its_delete_bericht(region):
    from portal.models import BerichtStatus, DuoBericht, HandhavingBeleid, PipIntrekking

    codes = dict(region.execute(select(Gemeente.id, Gemeente.cbs_code)).all())
    beleid = {codes[b.gemeente_id]: b for b in region.scalars(select(HandhavingBeleid))}
    assert beleid["0148"].escalatie_cent == [5000, 10000, 20000, 40000, 80000] and beleid["0148"].waarschuwing_eerst
    assert beleid["0405"].max_per_termijn_cent == 160000
    assert region.scalar(select(Gemeente.zroute_taal_norm_gezinsmigrant).where(Gemeente.cbs_code == "0405")) == 600
    intrekking = region.scalars(select(PipIntrekking)).one()
    berichten = region.scalars(select(DuoBericht).where(DuoBericht.inburgeraar_id == intrekking.inburgeraar_id,
                                                        DuoBericht.pad.endswith("/PIP"))
                               .order_by(DuoBericht.id)).all()
    assert [(b.methode, b.status) for b in berichten] == [("POST", BerichtStatus.GEACCEPTEERD),
                                                         ("DELETE", BerichtStatus.KLAAR)]


def test_demo_declaraties_are_in_every_state_and_span_a_year(region):
    """Every declaratie state is there, with a credit regel; the regional contract has been declared every month
    for a year up to the last month that ended (all but that last one submitted), so the costs pages show a year;
    and the kept cost totals equal the regels."""
    from portal.demo_billing import demo_status_counts
    from portal.models import Declaratie, DeclaratieRegel
    from portal.models.billing import DeclaratieStatus
    from portal.models.enums import Declaratieperiode
    from portal.services.billing import kosten_totalen
    from portal.services.billing.rules import laatst_afgesloten

    assert all(demo_status_counts(region).values())
    assert region.scalar(select(func.count(DeclaratieRegel.id)).where(DeclaratieRegel.credit_van_regel_id.is_not(None)))
    regionaal = region.scalars(select(Contract).where(Contract.kenmerk == "WF-LR-2022")).one()
    maanden = [laatst_afgesloten(TODAY, Declaratieperiode.MAAND)]
    while len(maanden) < 12:
        maanden.insert(0, maanden[0].vorige())
    gedeclareerd = dict(region.execute(
        select(Declaratie.periode, func.max(case((Declaratie.status != DeclaratieStatus.CONCEPT, 1), else_=0)))
        .join(DeclaratieRegel, DeclaratieRegel.declaratie_id == Declaratie.id)
        .where(Declaratie.contract_id == regionaal.id).group_by(Declaratie.periode)).all())
    assert sorted(gedeclareerd) == [m.code for m in maanden]
    assert [m.code for m in maanden if gedeclareerd[m.code]] == [m.code for m in maanden[:-1]]
    assert kosten_totalen.differences(region) == []


def test_the_demo_keeps_presentie_totals_and_signals_as_the_services_would(region):
    """`flask --app portal totalen-controleren` finds nothing to report on a freshly seeded demo."""
    from portal.services import kept_signalen, kept_totals

    assert kept_totals.differences(region) == []
    assert kept_signalen.differences(region, TODAY)[0] == []


def test_demo_shows_one_declaratie_submitted_after_the_declaratietermijn(region, login_as):
    """Declaraties are dated as submitted in good time, except the MB declaratie that waits: 36 days late."""
    from portal.models import Declaratie
    from portal.models.billing import DeclaratieStatus
    from portal.services.billing.checks import declaratie_bevindingen

    manager = region.scalar(select(User).where(User.email == "contractmanager@hoorn.example.nl"))
    ingediend = list(region.scalars(select(Declaratie).where(Declaratie.ingediend_op.is_not(None))))
    te_laat = [d for d in ingediend if declaratie_bevindingen(d)]
    assert len(ingediend) > 20 and len(te_laat) == 1
    late = te_laat[0]
    assert late.status is DeclaratieStatus.INGEDIEND and late.contract.kenmerk.startswith("MB-")
    tekst = declaratie_bevindingen(late)[0]["tekst"]
    assert tekst.startswith("Ingediend na de declaratietermijn: 36 dagen na afloop") and "termijn is 30 dagen" in tekst
    client = login_as(manager)
    assert tekst in client.get(f"/declaraties/{late.id}").get_data(as_text=True)
    assert tekst in client.get("/declaraties/?status=te_beoordelen").get_data(as_text=True)


def test_demo_aanbieder_is_warned_about_a_concept_past_its_declaratietermijn(region, login_as):
    """One declaratie of the regional contract, of the month two before the last closed one, was not submitted: the
    aanbieder-beheerder's list and the declaratie's page say the termijn has passed, and it can still be
    submitted. That month's termijn of 30 days has passed on any seeding day (review finding: the previous month's
    had not on the 1st and 2nd of March)."""
    from datetime import datetime, timedelta

    from portal.models.enums import Declaratieperiode
    from portal.services.billing.rules import laatst_afgesloten

    dag = date(2027, 1, 1)
    while dag < date(2029, 1, 1):
        periode = laatst_afgesloten(dag, Declaratieperiode.MAAND).vorige().vorige()
        assert periode.tot + timedelta(days=30) < dag, dag
        dag += timedelta(days=1)

    import time_machine

    from portal.formatting import AMSTERDAM
    from portal.models import Declaratie
    from portal.models.billing import DeclaratieStatus
    from portal.services.billing.checks import termijn_melding, termijn_melding_kort

    beheerder = region.scalar(select(User).where(User.email == "beheerder@omringdijk.example.nl"))
    concepten = list(region.scalars(select(Declaratie).where(Declaratie.aanbieder_id == beheerder.aanbieder_id,
                                                             Declaratie.status == DeclaratieStatus.CONCEPT)))
    te_laat = [d for d in concepten
               if (termijn_melding(d, TODAY) or "").startswith("De declaratietermijn is verstreken")]
    assert len(te_laat) == 1 and te_laat[0].contract.kenmerk == "WF-LR-2022"
    assert te_laat[0].periode == laatst_afgesloten(TODAY, Declaratieperiode.MAAND).vorige().vorige().code
    tekst = termijn_melding(te_laat[0], TODAY)
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=AMSTERDAM), tick=False):
        client = login_as(beheerder)
        kop, kort = termijn_melding_kort(te_laat[0], TODAY)  # the list's short form of the same warning
        assert kop == "Declaratietermijn verstreken" and kort.startswith("op tijd indienen kon tot en met")
        assert f"<strong>{kop}:</strong> {kort}" in client.get("/declaraties/").get_data(as_text=True)
        pagina = client.get(f"/declaraties/{te_laat[0].id}").get_data(as_text=True)
    assert tekst in pagina and "Declaratie indienen" in pagina
