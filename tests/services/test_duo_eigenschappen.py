"""Property: any trajectory the portal can hold gives only berichten DUO accepts, with the right hour totals.

Hypothesis builds random cases (doelgroep, PIP versions, verwijzingen, quarter-hour presentie, a verhuizing,
confirmed route results, a withdrawn PIP); every bericht is validated against DUO's OpenAPI files by the
tests.duo_schema plugin when it is inserted, and the GevolgdeUren sent per gemeente equal the floored sum of
that gemeente's period.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.domain import duo_uren
from portal.models import BerichtSoort, DuoBericht, Presentie, RouteResultaat, TrajectStart
from portal.models.enums import (
    Doelgroep,
    IndicatorAlfabetisering,
    Leerroute,
    NiveauPip,
    Onderdeel,
    Rol,
)
from portal.models.resultaat import BereiktNiveau, JaNee
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL
from portal.services.chain import duo, pip_intrekking, woonplaats
from portal.services.chain import verhuizing as verhuizingen
from tests import duo_schema
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date.today()
ROUTE_NIVEAUS = {Leerroute.B: [NiveauPip.B1, NiveauPip.A2], Leerroute.O: [None, NiveauPip.B1],
                 Leerroute.Z: [None, NiveauPip.A2]}
ONDERDELEN = {Leerroute.B: [Onderdeel.B1_ROUTE, Onderdeel.MAP, Onderdeel.PVT, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING],
              Leerroute.O: [Onderdeel.ONDERWIJSROUTE, Onderdeel.PVT, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING],
              Leerroute.Z: [Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE, Onderdeel.MAP, Onderdeel.PVT]}


@st.composite
def trajecten(draw):
    leerroute = draw(st.sampled_from(list(Leerroute)))
    return {
        "doelgroep": draw(st.sampled_from(list(Doelgroep))),
        "leerroute": leerroute,
        "niveau": draw(st.sampled_from(ROUTE_NIVEAUS[leerroute])),
        "intensiteit": draw(st.none() | st.integers(1, 9999)),
        "alfa": draw(st.none() | st.sampled_from(list(IndicatorAlfabetisering))),
        "afmaken": draw(st.none() | st.booleans()),
        "onderdelen": draw(st.lists(st.sampled_from(ONDERDELEN[leerroute]), min_size=1, max_size=3)),
        # (days ago, index of verwijzing, index of activity, quarters present): up to a long intensive course
        "sessies": draw(st.lists(st.tuples(st.integers(0, 700), st.integers(0, 2), st.integers(0, 1),
                                           st.integers(0, 96)), max_size=40)),
        "grote_uren": draw(st.integers(0, 3)),  # some cases reach DUO's 9999 cap
        "verhuizing": draw(st.none() | st.integers(1, 700)),
        "resultaat_dagen": draw(st.none() | st.integers(0, 700)),
        "verwijtbaar": draw(st.none() | st.sampled_from(list(JaNee))),
        "start": draw(st.booleans()),
        "intrekken": draw(st.booleans()),  # the PIP is withdrawn after the berichten were sent
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(t=trajecten())
def test_random_trajectories_give_only_valid_berichten(db, t):
    savepoint = db.begin_nested()
    try:
        _check(db, t)
    finally:
        savepoint.rollback()
        db.expunge_all()  # ids are reused by the next example


def _check(db, t):
    hoorn = GemeenteFactory(oin="00000001000000405000")
    dalfsen = GemeenteFactory(oin="00000001000000148000")
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn], telefoonnummer="+31 229 252 400")
    person = InburgeraarFactory(gemeente=hoorn, doelgroep=t["doelgroep"], klantregisseur=regisseur,
                                datum_kennisgeving=TODAY - timedelta(days=900))
    asiel_b = t["leerroute"] is Leerroute.B and t["doelgroep"] is Doelgroep.ASIELSTATUSHOUDER
    PipFactory(inburgeraar=person, dagtekening=TODAY - timedelta(days=800), leerroute=t["leerroute"],
               niveau=t["niveau"] if t["leerroute"] is not Leerroute.B else NiveauPip.B1,
               geschatte_intensiteit=t["intensiteit"] if asiel_b else None,
               indicator_alfabetisering=t["alfa"], indicator_mag_opleiding_afmaken=t["afmaken"])
    if t["niveau"] is NiveauPip.A2 and t["leerroute"] is Leerroute.B:  # afgeschaald in a second version
        PipFactory(inburgeraar=person, versie=2, dagtekening=TODAY - timedelta(days=100), leerroute=Leerroute.B,
                   niveau=NiveauPip.A2, geschatte_intensiteit=None, indicator_alfabetisering=t["alfa"])
    contract = ContractFactory(aanbieder=AanbiederFactory(instellingsnummer="10A1B2C3D4"), gemeenten=[hoorn, dalfsen])
    verwijzingen = [
        VerwijzingFactory(inburgeraar=person, contract=contract, onderdeel=o,
                          beoogde_startdatum=TODAY - timedelta(days=720), uiterste_einddatum=TODAY + timedelta(days=90))
        for o in t["onderdelen"]
    ]
    if t["start"]:
        db.add(TrajectStart(verwijzing_id=verwijzingen[0].id, gerealiseerde_startdatum=TODAY - timedelta(days=700)))
    seen = set()
    for dagen, v_ix, a_ix, kwartieren in t["sessies"]:
        verwijzing = verwijzingen[v_ix % len(verwijzingen)]
        activiteiten = ACTIVITEITEN_PER_ONDERDEEL[verwijzing.onderdeel]
        activiteit = activiteiten[a_ix % len(activiteiten)]
        key = (verwijzing.id, dagen, activiteit)
        if key in seen:
            continue
        seen.add(key)
        db.add(Presentie(verwijzing_id=verwijzing.id, datum=TODAY - timedelta(days=dagen), activiteit=activiteit,
                         uren_aanwezig=Decimal(kwartieren) / 4))
    for n in range(t["grote_uren"] * 120):  # up to 360 days of 24 h: beyond 9999 hours in one counter
        db.add(Presentie(verwijzing_id=verwijzingen[0].id, datum=TODAY - timedelta(days=701 + n),
                         activiteit=ACTIVITEITEN_PER_ONDERDEEL[verwijzingen[0].onderdeel][0],
                         uren_aanwezig=Decimal(24)))
    if t["resultaat_dagen"] is not None:
        d = TODAY - timedelta(days=t["resultaat_dagen"])
        for v in verwijzingen:
            if v.onderdeel in (Onderdeel.MAP, Onderdeel.PVT, Onderdeel.Z_ROUTE_TAAL):
                db.add(RouteResultaat(
                    verwijzing_id=v.id, inburgeraar_id=person.id, duo_bevestigd_op=None,
                    datum_eindgesprek_map=d if v.onderdeel is Onderdeel.MAP else None,
                    datum_ondertekening_pvt=d if v.onderdeel is Onderdeel.PVT else None,
                    datum_afronding_z_route=d if v.onderdeel is Onderdeel.Z_ROUTE_TAAL else None,
                    bereikt_niveau=BereiktNiveau.A2 if v.onderdeel is Onderdeel.Z_ROUTE_TAAL else None,
                    verwijtbaar=t["verwijtbaar"] if v.onderdeel is not Onderdeel.Z_ROUTE_TAAL else None))
        db.flush()
        for r in db.query(RouteResultaat).filter_by(inburgeraar_id=person.id):
            duo.bevestig_resultaat(db, regisseur, r, today=TODAY)
    db.flush()
    if t["verhuizing"] is not None:
        verhuizingen.register(db, regisseur, person, verhuizingen.VerhuizingInput(
            naar_gemeente_id=dalfsen.id, datum=TODAY - timedelta(days=t["verhuizing"])), today=TODAY)

    made = duo.bijwerken(db, hoorn).nieuw + duo.bijwerken(db, dalfsen).nieuw
    assert {b.bericht_id for b in made} <= set(duo_schema.VALIDATED)  # each one passed DUO's schema
    assert duo.bijwerken(db, hoorn).nieuw == [] and duo.bijwerken(db, dalfsen).nieuw == []  # idempotent

    for gemeente in (hoorn, dalfsen):
        sent = {b.pad.split("/uren/", 1)[1]: b.body["uren"]
                for b in made if b.soort is BerichtSoort.GEVOLGDE_UREN and b.gemeente_id == gemeente.id}
        for soort in duo_uren.DuoUrenSoort:
            exact = Decimal(0)
            for p in db.query(Presentie).filter(Presentie.verwijzing_id.in_([v.id for v in verwijzingen])):
                if duo_uren.soort_van(p.activiteit) is soort and \
                        woonplaats.gemeente_op(db, person.id, p.datum) == gemeente.id:
                    exact += p.uren_aanwezig
            expected = duo_uren.duo_waarde(exact)
            if not duo_uren.gemeld_aan_duo(soort, person.doelgroep):
                assert soort.value not in sent
            elif expected:
                assert sent[soort.value] == expected

    if t["intrekken"]:
        _check_intrekking(db, person, made)


def _check_intrekking(db, person, made):
    """After everything was sent, withdrawing the PIP gives DUO exactly one valid DELETE, from the gemeente that
    sent the PIP, and nothing more on a second refresh."""
    gemeente = person.gemeente
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    for g in {b.gemeente for b in made}:
        duo.exporteer(db, regisseur, g, [b for b in made if b.gemeente_id == g.id])
    had_pip = any(b.soort is BerichtSoort.PIP and b.gemeente_id == gemeente.id for b in made)
    before = set(duo_schema.VALIDATED)
    pip_intrekking.intrekken(db, regisseur, person, pip_intrekking.IntrekkingInput(
        datum=TODAY.strftime("%d-%m-%Y"), reden="Ten onrechte vastgesteld"), today=TODAY)
    nieuw = [b for b in db.query(DuoBericht).filter_by(inburgeraar_id=person.id, soort=BerichtSoort.PIP,
                                                          methode="DELETE")]
    assert [(b.pad, b.body, b.gemeente_id) for b in nieuw] == (
        [(f"/personen/{person.bsn}/PIP", None, gemeente.id)] if had_pip else [])
    assert {b.bericht_id for b in nieuw} <= set(duo_schema.VALIDATED) - before
    assert duo.bijwerken(db, gemeente).nieuw == []
