"""Exam and route results: DUO's enumerations, their source, idempotent re-submission, corrections with
history, and the verwijzing status that follows from them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal import events
from portal.models import AuditEvent, Examenresultaat, RegistratieWijziging
from portal.models.enums import Leerroute, Onderdeel, VerwijzingStatus
from portal.models.resultaat import (
    AfschalingStatus,
    Afschalingsverzoek,
    AfschalingsverzoekOnderdeel,
    BereiktNiveau,
    Examenonderdeel,
    JaNee,
    ResultaatBron,
    TaalschakelResultaat,
)
from portal.services import NotAllowed, ValidationError
from portal.services.resultaten import (
    ExamenresultaatInput,
    RouteResultaatInput,
    examen_behaald,
    register_examenresultaat,
    register_routeresultaat,
    registraties_van,
    vereist_niveau,
)
from tests.factories import PipFactory, TrajectStartFactory
from tests.factories_chain import PipIntrekkingFactory
from tests.registraties_case import START, TODAY

EXAMENDATUM = TODAY - timedelta(days=5)


def examen(**overrides):
    data = {"onderdeel": "LE", "niveau": "B1", "resultaat": "Geslaagd", "reden_geen_resultaat": "",
            "examendatum": EXAMENDATUM.strftime("%d-%m-%Y")}
    data.update(overrides)
    return ExamenresultaatInput(**data)


# --- exam results ---------------------------------------------------------------------------------

def test_provider_registers_an_exam_result_with_source_aanbieder(db, app_ctx, case, log):
    uitslag = register_examenresultaat(db, case.aanbieder_a, case.b1, examen(), today=TODAY)
    assert (uitslag.onderdeel, uitslag.bron, uitslag.verwijzing_id) == (
        Examenonderdeel.LE, ResultaatBron.AANBIEDER, case.b1.id)
    assert log.kinds() == [events.EXAMENRESULTAAT]


def test_resubmitting_the_same_result_is_a_no_op(db, app_ctx, case, log):
    first = register_examenresultaat(db, case.aanbieder_a, case.b1, examen(), today=TODAY)
    again = register_examenresultaat(db, case.aanbieder_a, case.b1, examen(), today=TODAY)
    assert again.id == first.id
    assert db.scalar(select(func.count()).select_from(Examenresultaat)) == 1
    assert len(log) == 1
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "examenresultaat")) == 1


def test_a_different_outcome_for_the_same_exam_is_a_correction_with_history(db, app_ctx, case):
    first = register_examenresultaat(db, case.aanbieder_a, case.b1, examen(resultaat="Gezakt"), today=TODAY)
    corrected = register_examenresultaat(db, case.aanbieder_a, case.b1, examen(
        resultaat="Geen", reden_geen_resultaat="Nietverwijtbaar"), today=TODAY)
    assert corrected.id == first.id
    history = {h.veld: (h.oude_waarde, h.nieuwe_waarde) for h in db.scalars(select(RegistratieWijziging).where(
        RegistratieWijziging.object_type == "examenresultaat"))}
    assert history == {"resultaat": ("Gezakt", "Geen"), "reden_geen_resultaat": (None, "Nietverwijtbaar")}


@pytest.mark.parametrize("data, field", [
    (examen(resultaat="Geen"), "reden_geen_resultaat"),
    (examen(reden_geen_resultaat="Absent"), "reden_geen_resultaat"),
    (examen(onderdeel="Lezen en schrijven"), "onderdeel"),
    (examen(niveau="C1"), "niveau"),
    (examen(resultaat="misschien"), "resultaat"),
    (examen(examendatum=TODAY + timedelta(days=1)), "examendatum"),
    (examen(examendatum=START - timedelta(days=1)), "examendatum"),
])
def test_duo_enumerations_and_dates_are_enforced(db, app_ctx, case, data, field):
    with pytest.raises(ValidationError) as error:
        register_examenresultaat(db, case.aanbieder_a, case.b1, data, today=TODAY)
    assert field in error.value.errors


def test_the_realised_start_bounds_the_exam_date(db, app_ctx, case):
    TrajectStartFactory(verwijzing=case.b1, gerealiseerde_startdatum=TODAY - timedelta(days=3))
    with pytest.raises(ValidationError) as error:
        register_examenresultaat(db, case.aanbieder_a, case.b1, examen(), today=TODAY)
    assert "vóór de start" in error.value.errors["examendatum"]


def test_exam_results_only_on_b1_route_verwijzingen_of_the_own_organisation(db, app_ctx, case):
    with pytest.raises(ValidationError):
        register_examenresultaat(db, case.aanbieder_b, case.map, examen(), today=TODAY)
    with pytest.raises(NotAllowed):
        register_examenresultaat(db, case.aanbieder_b, case.b1, examen(), today=TODAY)
    with pytest.raises(NotAllowed):
        register_examenresultaat(db, case.contractmanager, case.b1, examen(), today=TODAY)


def test_gemeente_staff_copy_duos_result_which_coexists_with_the_providers(db, app_ctx, case):
    eigen = register_examenresultaat(db, case.aanbieder_a, case.b1, examen(), today=TODAY)
    duo = register_examenresultaat(db, case.klantregisseur, case.b1, examen(), today=TODAY)
    assert duo.bron is ResultaatBron.DUO and duo.id != eigen.id
    # The provider sees results on its own verwijzing; the gemeente sees all; another provider none.
    assert {r.id for r in registraties_van(db, case.aanbieder_a, case.inburgeraar).examenresultaten} == {
        eigen.id, duo.id}
    assert len(registraties_van(db, case.klantregisseur, case.inburgeraar).examenresultaten) == 2
    assert registraties_van(db, case.aanbieder_b, case.inburgeraar).examenresultaten == []


def _all_parts(db, actor, verwijzing, niveau="B1", **overrides):
    for onderdeel in ("KNM", "LE", "LU", "SC", "SP"):
        register_examenresultaat(db, actor, verwijzing, examen(onderdeel=onderdeel, niveau=niveau, **overrides),
                                   today=TODAY)


def test_all_parts_passed_at_the_pip_niveau_ends_the_b1_verwijzing_with_history(db, app_ctx, case):
    _all_parts(db, case.aanbieder_a, case.b1)
    assert case.b1.status is VerwijzingStatus.AFGEROND
    status = db.scalars(select(RegistratieWijziging).where(
        RegistratieWijziging.object_type == "verwijzing", RegistratieWijziging.object_id == case.b1.id)).one()
    assert (status.veld, status.oude_waarde, status.nieuwe_waarde) == ("status", "gestart", "afgerond")

    # Correcting one part to "gezakt" reopens the traject.
    register_examenresultaat(db, case.aanbieder_a, case.b1, examen(onderdeel="SP", resultaat="Gezakt"),
                               today=TODAY)
    assert case.b1.status is VerwijzingStatus.GESTART


def test_passing_at_a2_is_not_enough_for_a_b1_pip(db, app_ctx, case):
    _all_parts(db, case.aanbieder_a, case.b1, niveau="A2")
    assert not examen_behaald(db, case.inburgeraar)
    assert case.b1.status is VerwijzingStatus.GESTART


def test_only_the_b1_route_requires_exam_levels(db, app_ctx, case):
    assert vereist_niveau(db, case.inburgeraar)  # B1-route: every part has a required level
    case.inburgeraar.pips[-1].leerroute = Leerroute.Z
    case.inburgeraar.pips[-1].niveau = None
    db.flush()
    assert vereist_niveau(db, case.inburgeraar) == {}
    assert not examen_behaald(db, case.inburgeraar)  # nothing required is not the same as everything passed


def test_a_withdrawn_pip_requires_no_level_and_ends_no_traject(db, app_ctx, case):
    """The PIP in force (domain.pip.van_kracht), as the KPIs read it: after a withdrawal none is, so no part has a
    required level and passing every part does not end the B1 traject; a new version is in force again."""
    PipIntrekkingFactory(pip=case.pip, datum=EXAMENDATUM - timedelta(days=1))
    db.flush()
    db.refresh(case.inburgeraar)
    assert vereist_niveau(db, case.inburgeraar) == {}
    _all_parts(db, case.aanbieder_a, case.b1)
    assert not examen_behaald(db, case.inburgeraar) and case.b1.status is VerwijzingStatus.GESTART

    PipFactory(inburgeraar=case.inburgeraar, versie=2, dagtekening=EXAMENDATUM, niveau="B1",
               reden_wijziging="Opnieuw vastgesteld")
    db.flush()
    db.refresh(case.inburgeraar)
    assert vereist_niveau(db, case.inburgeraar)[Examenonderdeel.LE].value == "B1"
    register_examenresultaat(db, case.aanbieder_a, case.b1, examen(onderdeel="KNM", niveau="A2"), today=TODAY)
    assert examen_behaald(db, case.inburgeraar) and case.b1.status is VerwijzingStatus.AFGEROND


def test_after_approved_afschaling_the_lowered_parts_count_at_a2(db, app_ctx, case):
    verzoek = Afschalingsverzoek(
        verwijzing=case.b1, inburgeraar_id=case.inburgeraar.id, status=AfschalingStatus.GOEDGEKEURD,
        observaties_aanbieder="x", ervaring_inburgeraar="y", uren_op_moment=600,
        onderdeel_regels=[AfschalingsverzoekOnderdeel(onderdeel=Examenonderdeel.SC)],
        pip=PipFactory(inburgeraar=case.inburgeraar, versie=2, niveau="A2", reden_wijziging="Afschaling"),
    )
    db.add(verzoek)
    db.flush()
    db.refresh(case.inburgeraar)
    for onderdeel in ("KNM", "LE", "LU", "SP"):
        register_examenresultaat(db, case.aanbieder_a, case.b1, examen(onderdeel=onderdeel), today=TODAY)
    assert case.b1.status is VerwijzingStatus.GESTART
    register_examenresultaat(db, case.aanbieder_a, case.b1, examen(onderdeel="SC", niveau="A2"), today=TODAY)
    assert case.b1.status is VerwijzingStatus.AFGEROND


def test_duos_results_entered_by_the_gemeente_can_also_end_the_b1_traject(db, app_ctx, case):
    for onderdeel in ("KNM", "LE", "LU", "SC", "SP"):
        register_examenresultaat(db, case.klantregisseur, case.b1, examen(onderdeel=onderdeel), today=TODAY)
    assert case.b1.status is VerwijzingStatus.AFGEROND
    assert case.map.status is VerwijzingStatus.GESTART


# --- route results --------------------------------------------------------------------------------

def test_map_eindgesprek_ends_the_map_verwijzing(db, app_ctx, case, log):
    resultaat = register_routeresultaat(db, case.aanbieder_b, case.map,
                                          RouteResultaatInput(datum_eindgesprek_map=EXAMENDATUM), today=TODAY)
    assert resultaat.datum_eindgesprek_map == EXAMENDATUM
    assert resultaat.verwijtbaar is None
    assert case.map.status is VerwijzingStatus.AFGEROND
    assert log.kinds() == [events.ROUTE_RESULTAAT]


def test_route_result_again_with_another_date_is_a_correction_with_history(db, app_ctx, case):
    first = register_routeresultaat(db, case.aanbieder_b, case.map,
            RouteResultaatInput(datum_eindgesprek_map=EXAMENDATUM),
                                      today=TODAY)
    again = register_routeresultaat(db, case.aanbieder_b, case.map,
                                      RouteResultaatInput(datum_eindgesprek_map=EXAMENDATUM - timedelta(days=1)),
                                      today=TODAY)
    assert again.id == first.id
    history = db.scalars(select(RegistratieWijziging).where(
        RegistratieWijziging.object_type == "route_resultaat")).one()
    assert history.veld == "datum_eindgesprek_map"


def test_verwijtbaar_only_when_the_term_has_been_exceeded(db, app_ctx, case):
    with pytest.raises(ValidationError) as error:
        register_routeresultaat(db, case.aanbieder_b, case.map,
                                  RouteResultaatInput(datum_eindgesprek_map=EXAMENDATUM, verwijtbaar="Ja"), today=TODAY)
    assert "alleen" in error.value.errors["verwijtbaar"]

    case.inburgeraar.termijn_verlengd_tot = TODAY - timedelta(days=30)  # the term ended a month ago
    with pytest.raises(ValidationError) as error:
        register_routeresultaat(db, case.aanbieder_b, case.map,
                RouteResultaatInput(datum_eindgesprek_map=EXAMENDATUM),
                                  today=TODAY)
    assert "verwijtbaar" in error.value.errors
    resultaat = register_routeresultaat(db, case.aanbieder_b, case.map,
                                          RouteResultaatInput(datum_eindgesprek_map=EXAMENDATUM,
                                                  verwijtbaar="Nee"), today=TODAY)
    assert resultaat.verwijtbaar is JaNee.NEE


def test_route_dates_not_in_the_future_nor_before_the_term_start(db, app_ctx, case):
    pvt = case.verwijzing(Onderdeel.PVT, beoogde_startdatum=case.pip.dagtekening - timedelta(days=20))
    with pytest.raises(ValidationError) as error:
        register_routeresultaat(db, case.aanbieder_a, pvt,
                                  RouteResultaatInput(datum_ondertekening_pvt=TODAY + timedelta(days=1)), today=TODAY)
    assert "toekomst" in error.value.errors["datum_ondertekening_pvt"]
    with pytest.raises(ValidationError) as error:
        register_routeresultaat(db, case.aanbieder_a, pvt,
                RouteResultaatInput(datum_ondertekening_pvt=case.pip.dagtekening),
                                  today=TODAY)
    assert "vóór de start" in error.value.errors["datum_ondertekening_pvt"]
    ok = register_routeresultaat(db, case.aanbieder_a, pvt,
            RouteResultaatInput(datum_ondertekening_pvt=EXAMENDATUM), today=TODAY)
    assert ok.datum_ondertekening_pvt == EXAMENDATUM and pvt.status is VerwijzingStatus.AFGEROND


def test_z_route_afgerond_with_the_level_reached(db, app_ctx, case):
    z = case.verwijzing(Onderdeel.Z_ROUTE_TAAL)
    with pytest.raises(ValidationError) as error:
        register_routeresultaat(db, case.aanbieder_a, z, RouteResultaatInput(datum_afronding_z_route=EXAMENDATUM),
                today=TODAY)
    assert "bereikt_niveau" in error.value.errors
    resultaat = register_routeresultaat(db, case.aanbieder_a, z, RouteResultaatInput(
        datum_afronding_z_route=EXAMENDATUM, bereikt_niveau="A1"), today=TODAY)
    assert resultaat.bereikt_niveau is BereiktNiveau.A1
    assert z.status is VerwijzingStatus.AFGEROND


def test_taalschakeltraject_result_only_for_the_onderwijsroute(db, app_ctx, case):
    onderwijs = case.verwijzing(Onderdeel.ONDERWIJSROUTE)
    resultaat = register_routeresultaat(db, case.aanbieder_a, onderwijs, RouteResultaatInput(
        taalschakel_resultaat="niet_behaald", datum_taalschakel_resultaat=EXAMENDATUM,
        datum_eindgesprek_map=EXAMENDATUM), today=TODAY)
    assert resultaat.taalschakel_resultaat is TaalschakelResultaat.NIET_BEHAALD
    assert resultaat.datum_eindgesprek_map is None  # a MAP field does not belong to this onderdeel
    with pytest.raises(ValidationError) as error:
        register_routeresultaat(db, case.aanbieder_a, case.b1,
                RouteResultaatInput(taalschakel_resultaat="behaald"), today=TODAY)
    assert "verwijzing" in error.value.errors


def test_route_result_only_by_the_own_provider(db, app_ctx, case):
    with pytest.raises(NotAllowed):
        register_routeresultaat(db, case.aanbieder_a, case.map,
                RouteResultaatInput(datum_eindgesprek_map=EXAMENDATUM),
                                  today=TODAY)


_text_or_value = st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 50000), st.dates())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(onderdeel=st.one_of(_text_or_value, st.sampled_from(["KNM", "LE", "SP"])),
       niveau=st.one_of(_text_or_value, st.sampled_from(["A2", "B1", "B2"])),
       resultaat=st.one_of(_text_or_value, st.sampled_from(["Geslaagd", "Gezakt", "Geen"])),
       reden=st.one_of(_text_or_value, st.sampled_from(["Absent", "Afgemeld", ""])),
       examendatum=st.one_of(_text_or_value, st.dates(START - timedelta(days=3), TODAY + timedelta(days=3))))
def test_odd_exam_input_gives_field_errors_never_crashes(db, app_ctx, case, onderdeel, niveau, resultaat, reden,
                                                         examendatum):
    data = {"onderdeel": onderdeel, "niveau": niveau, "resultaat": resultaat, "reden_geen_resultaat": reden,
            "examendatum": examendatum}
    try:
        uitslag = register_examenresultaat(db, case.aanbieder_a, case.b1, ExamenresultaatInput(**data), today=TODAY)
    except ValidationError as error:
        assert set(error.errors) <= {"onderdeel", "niveau", "resultaat", "reden_geen_resultaat", "examendatum"}
    else:
        assert START <= uitslag.examendatum <= TODAY
        assert (uitslag.reden_geen_resultaat is not None) == (uitslag.resultaat.value == "Geen")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(datum=_text_or_value, verwijtbaar=st.one_of(_text_or_value, st.sampled_from(["Ja", "Nee"])))
def test_odd_route_input_gives_field_errors_never_crashes(db, app_ctx, case, datum, verwijtbaar):
    try:
        resultaat = register_routeresultaat(db, case.aanbieder_b, case.map, RouteResultaatInput(
            datum_eindgesprek_map=datum, verwijtbaar=verwijtbaar), today=TODAY)
    except ValidationError as error:
        assert set(error.errors) <= {"datum_eindgesprek_map", "verwijtbaar"}
    else:
        assert START <= resultaat.datum_eindgesprek_map <= TODAY
        assert resultaat.verwijtbaar is None
