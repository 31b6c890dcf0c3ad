"""Voortgangsrapportages and omstandigheden: who may write them, which dates fit, and who may read them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal import access, events
from portal.models import AuditEvent, OmstandighedenMelding, RegistratieWijziging, Voortgangsrapportage
from portal.models.enums import VerwijzingStatus
from portal.services import NotAllowed, ValidationError
from portal.services.voortgang import (
    OmstandighedenInput,
    VoortgangInput,
    omstandigheden_van,
    rapportages_van,
    register_voortgang,
    report_omstandigheden,
)
from tests.registraties_case import START, TODAY


def voortgang_data(**overrides):
    data = {"peildatum": (TODAY - timedelta(days=3)).strftime("%d-%m-%Y"), "motivatie": "Komt elke les, actief.",
            "voortgang": "Leest korte teksten.", "belemmeringen": ""}
    data.update(overrides)
    return VoortgangInput(**data)


def test_provider_records_a_progress_note_and_the_audit_names_the_fields_only(db, app_ctx, case):
    rapportage = register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(), today=TODAY)
    assert rapportage.id is not None
    assert rapportage.belemmeringen is None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "voortgang_geregistreerd")).one()
    assert event.inburgeraar_id == case.inburgeraar.id
    assert "Leest" not in str(event.details)


def test_same_peildatum_again_is_a_correction_with_history_and_identical_input_is_a_no_op(db, app_ctx, case):
    first = register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(), today=TODAY)
    same = register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(), today=TODAY)
    assert same.id == first.id
    assert db.scalar(select(func.count()).select_from(RegistratieWijziging)) == 0

    corrected = register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(voortgang="Leest de krant."),
                                     today=TODAY)
    assert corrected.id == first.id
    assert corrected.voortgang == "Leest de krant."
    history = db.scalars(select(RegistratieWijziging).where(
        RegistratieWijziging.object_type == "voortgangsrapportage")).one()
    assert (history.veld, history.oude_waarde, history.nieuwe_waarde) == (
        "voortgang", "Leest korte teksten.", "Leest de krant.")
    assert history.gewijzigd_door_id == case.aanbieder_a.id
    assert db.scalar(select(func.count()).select_from(Voortgangsrapportage)) == 1


@pytest.mark.parametrize("peildatum, message", [
    (TODAY + timedelta(days=1), "toekomst"),
    (START - timedelta(days=1), "vóór de start"),
])
def test_peildatum_must_lie_within_the_traject_up_to_today(db, app_ctx, case, peildatum, message):
    with pytest.raises(ValidationError) as error:
        register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(peildatum=peildatum), today=TODAY)
    assert message in error.value.errors["peildatum"]


def test_peildatum_after_the_uiterste_einddatum_is_refused(db, app_ctx, case):
    case.b1.uiterste_einddatum = TODAY - timedelta(days=10)
    with pytest.raises(ValidationError) as error:
        register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(), today=TODAY)
    assert "uiterste einddatum" in error.value.errors["peildatum"]


def test_motivatie_and_voortgang_are_required(db, app_ctx, case):
    with pytest.raises(ValidationError) as error:
        register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(motivatie="  ", voortgang=None),
                             today=TODAY)
    assert set(error.value.errors) == {"motivatie", "voortgang"}


def test_a_provider_cannot_write_on_another_providers_verwijzing(db, app_ctx, case):
    with pytest.raises(NotAllowed):
        register_voortgang(db, case.aanbieder_b, case.b1, voortgang_data(), today=TODAY)
    with pytest.raises(NotAllowed):
        register_voortgang(db, case.klantregisseur, case.b1, voortgang_data(), today=TODAY)


def test_withdrawn_verwijzing_takes_no_registrations(db, app_ctx, case):
    case.b1.status = VerwijzingStatus.INGETROKKEN
    with pytest.raises(ValidationError) as error:
        register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(), today=TODAY)
    assert "ingetrokken" in error.value.errors["verwijzing"]


def test_progress_notes_are_not_visible_to_another_provider(db, app_ctx, case):
    register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(), today=TODAY)
    assert len(rapportages_van(db, case.aanbieder_a, case.b1)) == 1
    assert len(rapportages_van(db, case.klantregisseur, case.b1)) == 1
    assert rapportages_van(db, case.aanbieder_b, case.b1) == []


def melding_data(**overrides):
    data = {"soort": "verhuizing", "datum": TODAY.strftime("%d-%m-%Y"), "toelichting": "Verhuist naar Hoorn."}
    data.update(overrides)
    return OmstandighedenInput(**data)


def test_omstandigheden_reach_the_klantregisseur_but_never_another_provider(db, app_ctx, case, log):
    melding = report_omstandigheden(db, case.aanbieder_a, case.b1, melding_data(), today=TODAY)
    assert melding.aanbieder_id == case.b1.aanbieder_id
    assert log.kinds() == [events.OMSTANDIGHEDEN_GEWIJZIGD]
    assert log[0].object_id == melding.id

    assert omstandigheden_van(db, case.klantregisseur, case.inburgeraar) == [melding]
    assert omstandigheden_van(db, case.aanbieder_a, case.inburgeraar) == [melding]
    # Aanbieder B has its own verwijzing for the same inburgeraar and still sees nothing.
    assert omstandigheden_van(db, case.aanbieder_b, case.inburgeraar) == []
    assert db.scalar(access.omstandigheden(case.aanbieder_b).where(OmstandighedenMelding.id == melding.id)) is None


def test_health_meldingen_are_for_the_klantregisseur_and_the_writing_provider_only(db, app_ctx, case, log):
    eigen = report_omstandigheden(db, case.aanbieder_b, case.map, melding_data(soort="gezondheid",
                                                                             toelichting="Operatie gepland."),
                                today=TODAY)
    gezondheid = report_omstandigheden(db, case.aanbieder_a, case.b1, melding_data(
        soort="gezondheid", toelichting="Langdurig ziek."), today=TODAY)
    assert set(omstandigheden_van(db, case.klantregisseur, case.inburgeraar)) == {eigen, gezondheid}
    assert omstandigheden_van(db, case.aanbieder_a, case.inburgeraar) == [gezondheid]
    assert omstandigheden_van(db, case.aanbieder_b, case.inburgeraar) == [eigen]
    assert omstandigheden_van(db, case.contractmanager, case.inburgeraar) == []
    # Neither the audit trail nor the event tells that it was about health.
    events_logged = db.scalars(select(AuditEvent).where(AuditEvent.action == "omstandigheden_gemeld")).all()
    assert all("gezondheid" not in str(e.details) and "ziek" not in str(e.details) for e in events_logged)
    assert all(e.details == {} for e in log)


def test_melding_needs_a_known_kind_a_date_and_an_explanation(db, app_ctx, case):
    with pytest.raises(ValidationError) as error:
        report_omstandigheden(db, case.aanbieder_a, case.b1, OmstandighedenInput(soort="ontslag", datum="31-02-2026"),
                            today=TODAY)
    assert set(error.value.errors) == {"soort", "datum", "toelichting"}


def test_a_planned_move_may_be_reported_ahead_but_not_years_ahead(db, app_ctx, case):
    gepland = report_omstandigheden(db, case.aanbieder_a, case.b1,
                                  melding_data(datum=TODAY + timedelta(days=30)), today=TODAY)
    assert gepland.datum == TODAY + timedelta(days=30)
    with pytest.raises(ValidationError):
        report_omstandigheden(db, case.aanbieder_a, case.b1, melding_data(datum=TODAY + timedelta(days=800)),
                            today=TODAY)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    peildatum=st.one_of(st.text(max_size=20), st.dates().map(lambda d: d.strftime("%d-%m-%Y")), st.none()),
    motivatie=st.one_of(st.text(max_size=50), st.none()),
    soort=st.one_of(st.text(max_size=15), st.sampled_from(["verhuizing", "werk", "anders"])),
)
def test_odd_input_gives_field_errors_never_crashes(db, app_ctx, case, peildatum, motivatie, soort):
    try:
        rapportage = register_voortgang(db, case.aanbieder_a, case.b1, voortgang_data(
            peildatum=peildatum, motivatie=motivatie), today=TODAY)
    except ValidationError as error:
        assert set(error.errors) <= {"peildatum", "motivatie"}
    else:
        assert START <= rapportage.peildatum <= TODAY
        assert rapportage.motivatie == rapportage.motivatie.strip() and "\x00" not in rapportage.motivatie
    try:
        report_omstandigheden(db, case.aanbieder_a, case.b1, melding_data(soort=soort), today=TODAY)
    except ValidationError as error:
        assert set(error.errors) == {"soort"}
