"""Afschalingsverzoeken: 600 hours first, one waiting request at a time, decided by the inburgeraar's own
klantregisseur, and an approval is a new PIP version at A2."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal import events
from portal.access import may_decide
from portal.domain import normen
from portal.formatting import AMSTERDAM
from portal.models import AuditEvent, Pip
from portal.models.enums import Leerroute, NiveauPip, Onderdeel
from portal.models.resultaat import AfschalingStatus, Examenniveau, Examenonderdeel, Examenuitslag, ResultaatBron
from portal.models.traject import Activiteit
from portal.services import NotAllowed, ValidationError
from portal.services.afschaling import (
    AfschalingsverzoekInput,
    BesluitInput,
    decide,
    submit_verzoek,
    taalles_uren,
    verzoeken_van,
    waarschuwing,
    wachtende_verzoeken,
)
from tests.factories import ExamenresultaatFactory, PresentieFactory
from tests.registraties_case import TODAY, add_lesuren, make_case


def verzoek_data(**overrides):
    data = {"onderdelen": ["SC", "SP"], "observaties_aanbieder": "Zeer gemotiveerd, schrijven blijft moeilijk.",
            "ervaring_inburgeraar": "Wil graag verder, maar schrijven lukt niet."}
    data.update(overrides)
    return AfschalingsverzoekInput(**data)


def _ingediend_op(verzoek, dag):
    """Date the request on a Dutch calendar day (noon in Amsterdam), as a request submitted that day is stored."""
    verzoek.ingediend_op = datetime.combine(dag, time(12), tzinfo=AMSTERDAM)


@pytest.fixture
def ingediend(db, app_ctx, case):
    add_lesuren(case.b1, 600)
    verzoek = submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(), today=TODAY)
    _ingediend_op(verzoek, TODAY - timedelta(days=7))  # it waited a week for the decision
    db.flush()
    return verzoek


def test_below_600_hours_the_request_is_refused_saying_how_many_hours_are_missing(db, app_ctx, case):
    add_lesuren(case.b1, Decimal("597.5"))
    assert normen.uren_tekort_afschaling(taalles_uren(db, case.inburgeraar.id)) == Decimal("2.5")
    with pytest.raises(ValidationError) as error:
        submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(), today=TODAY)
    assert "nog 2,5 uur nodig" in error.value.errors["uren"]


def test_at_600_hours_the_request_is_submitted_per_part_with_the_hours_as_evidence(db, app_ctx, case, log):
    add_lesuren(case.b1, 600)
    verzoek = submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(onderdelen=["SP", "SC", "SP"]), today=TODAY)
    assert verzoek.status is AfschalingStatus.INGEDIEND
    assert verzoek.onderdelen == [Examenonderdeel.SC, Examenonderdeel.SP]
    assert verzoek.uren_op_moment == Decimal(600)
    assert log.kinds() == [events.AFSCHALINGSVERZOEK_INGEDIEND]
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "afschalingsverzoek_ingediend")).one()
    assert audit.details["onderdelen"] == ["SC", "SP"]


def test_only_taalles_and_knm_hours_count(db, app_ctx, case):
    participatie = case.verwijzing(Onderdeel.Z_ROUTE_PARTICIPATIE)
    for dag in range(1, 80):
        PresentieFactory(verwijzing=participatie, datum=TODAY - timedelta(days=dag),
                         activiteit=Activiteit.PARTICIPATIE, uren_aanwezig=Decimal(8))
    add_lesuren(case.b1, 100)
    assert normen.uren_tekort_afschaling(taalles_uren(db, case.inburgeraar.id)) == Decimal(500)


@pytest.mark.parametrize("onderdelen, message", [
    ([], "Kies welke onderdelen"),
    (["KNM"], "Alleen de taalonderdelen"),
    (["XX"], "Kies een of meer"),
])
def test_the_request_names_language_parts_only(db, app_ctx, case, onderdelen, message):
    add_lesuren(case.b1, 600)
    with pytest.raises(ValidationError) as error:
        submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(onderdelen=onderdelen), today=TODAY)
    assert message in error.value.errors["onderdelen"]


def test_observations_and_the_inburgeraars_experience_are_required(db, app_ctx, case):
    add_lesuren(case.b1, 600)
    with pytest.raises(ValidationError) as error:
        submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(observaties_aanbieder="", ervaring_inburgeraar=" "),
                today=TODAY)
    assert set(error.value.errors) == {"observaties_aanbieder", "ervaring_inburgeraar"}


def test_only_for_the_b1_route_and_only_by_its_provider(db, app_ctx, case):
    add_lesuren(case.b1, 600)
    with pytest.raises(NotAllowed):
        submit_verzoek(db, case.aanbieder_b, case.b1, verzoek_data(), today=TODAY)
    with pytest.raises(ValidationError) as error:
        submit_verzoek(db, case.aanbieder_b, case.map, verzoek_data(), today=TODAY)
    assert "B1-route" in error.value.errors["verwijzing"]


def test_one_waiting_request_at_a_time(db, app_ctx, case, ingediend):
    with pytest.raises(ValidationError) as error:
        submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(), today=TODAY)
    assert "al een afschalingsverzoek" in error.value.errors["verwijzing"]


def test_only_the_inburgeraars_own_klantregisseur_decides(db, app_ctx, case, ingediend):
    assert may_decide(case.klantregisseur, ingediend)
    assert not may_decide(case.andere_klantregisseur, ingediend)
    assert not may_decide(case.contractmanager, ingediend)
    assert not may_decide(case.aanbieder_a, ingediend)
    with pytest.raises(NotAllowed):
        decide(db, case.andere_klantregisseur, ingediend, BesluitInput(besluit="goedgekeurd"), today=TODAY)
    assert wachtende_verzoeken(db, case.klantregisseur) == [ingediend]
    assert wachtende_verzoeken(db, case.andere_klantregisseur) == []


def test_without_an_assigned_klantregisseur_any_klantregisseur_of_the_gemeente_decides(db, app_ctx, case, ingediend):
    case.inburgeraar.klantregisseur_id = None
    db.flush()
    assert may_decide(case.andere_klantregisseur, ingediend)
    assert wachtende_verzoeken(db, case.andere_klantregisseur) == [ingediend]


def test_rejection_needs_a_reason_and_changes_no_pip(db, app_ctx, case, ingediend, log):
    with pytest.raises(ValidationError) as error:
        decide(db, case.klantregisseur, ingediend, BesluitInput(besluit="afgewezen", besluit_reden=""), today=TODAY)
    assert "reden" in error.value.errors["besluit_reden"]
    verzoek = decide(db, case.klantregisseur, ingediend,
                     BesluitInput(besluit="afgewezen", besluit_reden="Eerst extra schrijfles volgen."), today=TODAY)
    assert verzoek.status is AfschalingStatus.AFGEWEZEN
    assert verzoek.pip_id is None
    assert verzoek.besloten_door_id == case.klantregisseur.id
    assert case.inburgeraar.huidige_pip.niveau is NiveauPip.B1
    assert log.kinds()[-1] == events.AFSCHALINGSVERZOEK_BESLOTEN


def test_approval_records_a_new_pip_version_at_a2_and_the_provider_sees_the_decision(db, app_ctx, case, ingediend):
    dagtekening = TODAY - timedelta(days=1)
    verzoek = decide(db, case.klantregisseur, ingediend,
                     BesluitInput(besluit="goedgekeurd", dagtekening=dagtekening.strftime("%d-%m-%Y")), today=TODAY)
    pips = db.scalars(select(Pip).where(Pip.inburgeraar_id == case.inburgeraar.id).order_by(Pip.versie)).all()
    assert [p.versie for p in pips] == [1, 2]
    nieuw = pips[-1]
    assert (nieuw.leerroute, nieuw.niveau, nieuw.dagtekening) == (Leerroute.B, NiveauPip.A2, dagtekening)
    assert f"afschalingsverzoek {verzoek.id}" in nieuw.reden_wijziging
    assert nieuw.geschatte_intensiteit == case.pip.geschatte_intensiteit
    assert verzoek.pip_id == nieuw.id
    assert verzoeken_van(db, case.aanbieder_a, case.b1)[0].status is AfschalingStatus.GOEDGEKEURD
    assert verzoeken_van(db, case.aanbieder_b, case.b1) == []
    # After approval the PIP is at A2: no further request is needed.
    with pytest.raises(ValidationError):
        submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(), today=TODAY)


def test_after_the_pip_is_withdrawn_there_is_nothing_to_lower(db, app_ctx, case, ingediend):
    """A withdrawn PIP is not in force (Inburgeraar.pip_van_kracht): a waiting request cannot be approved into a new
    A2 version of it, and no new request can be submitted until a new PIP is recorded."""
    from tests.factories_chain import PipIntrekkingFactory

    PipIntrekkingFactory(pip=case.pip)
    db.flush()
    db.refresh(case.inburgeraar)
    with pytest.raises(ValidationError) as error:
        decide(db, case.klantregisseur, ingediend, BesluitInput(
            besluit="goedgekeurd", dagtekening=(TODAY - timedelta(days=1)).strftime("%d-%m-%Y")), today=TODAY)
    assert "Wijs het verzoek af" in error.value.errors["besluit"]
    assert [p.versie for p in db.scalars(select(Pip).where(Pip.inburgeraar_id == case.inburgeraar.id))] == [1]
    decide(db, case.klantregisseur, ingediend, BesluitInput(besluit="afgewezen", besluit_reden="PIP ingetrokken"),
           today=TODAY)
    with pytest.raises(ValidationError) as error:
        submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(), today=TODAY)
    assert "ingetrokken" in " ".join(error.value.errors.values())


def test_a_decision_is_final(db, app_ctx, case, ingediend):
    decide(db, case.klantregisseur, ingediend, BesluitInput(besluit="afgewezen", besluit_reden="Nee."), today=TODAY)
    with pytest.raises(ValidationError) as error:
        decide(db, case.klantregisseur, ingediend, BesluitInput(besluit="goedgekeurd"), today=TODAY)
    assert "al beslist" in error.value.errors["besluit"]


def test_approval_cannot_be_dated_in_the_future_or_before_the_current_pip(db, app_ctx, case, ingediend):
    with pytest.raises(ValidationError) as error:
        decide(db, case.klantregisseur, ingediend,
               BesluitInput(besluit="goedgekeurd", dagtekening=TODAY + timedelta(days=1)), today=TODAY)
    assert "toekomst" in error.value.errors["dagtekening"]
    with pytest.raises(ValidationError) as error:
        decide(db, case.klantregisseur, ingediend,
               BesluitInput(besluit="goedgekeurd", dagtekening=case.pip.dagtekening - timedelta(days=1)), today=TODAY)
    assert "dagtekening" in error.value.errors
    assert ingediend.status is AfschalingStatus.INGEDIEND


def test_the_request_is_not_possible_on_a_z_route_verwijzing(db, app_ctx, case):
    z = case.verwijzing(Onderdeel.Z_ROUTE_TAAL)
    with pytest.raises(ValidationError):
        submit_verzoek(db, case.aanbieder_a, z, verzoek_data(), today=TODAY)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(onderdelen=st.one_of(st.none(), st.text(max_size=5), st.lists(st.one_of(
    st.sampled_from(["LE", "LU", "SC", "SP", "KNM", " sp ", ""]), st.text(max_size=4)), max_size=6)),
    besluit=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["goedgekeurd", "afgewezen", "ingediend"])))
def test_odd_input_gives_field_errors_never_crashes(db, app_ctx, onderdelen, besluit):
    case = make_case()
    add_lesuren(case.b1, 600)
    try:
        verzoek = submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(onderdelen=onderdelen), today=TODAY)
    except ValidationError as error:
        assert set(error.errors) == {"onderdelen"}
        return
    assert verzoek.onderdelen and set(verzoek.onderdelen) <= {Examenonderdeel.LE, Examenonderdeel.LU,
                                                               Examenonderdeel.SC, Examenonderdeel.SP}
    try:
        decide(db, case.klantregisseur, verzoek, BesluitInput(besluit=besluit, besluit_reden="Toelichting"),
                today=TODAY)
    except ValidationError as error:
        assert set(error.errors) == {"besluit"}
        assert verzoek.status is AfschalingStatus.INGEDIEND
    else:
        assert verzoek.status in (AfschalingStatus.GOEDGEKEURD, AfschalingStatus.AFGEWEZEN)


def test_the_new_pip_cannot_be_dated_before_the_request_it_comes_from(db, app_ctx, case, ingediend):
    """QA: a request of 22-11 was approved into a PIP dated 03-11, nineteen days before the request."""
    verzoek_dag = TODAY - timedelta(days=14)
    _ingediend_op(ingediend, verzoek_dag)
    db.flush()
    with pytest.raises(ValidationError) as error:
        decide(db, case.klantregisseur, ingediend, BesluitInput(
            besluit="goedgekeurd", dagtekening=(verzoek_dag - timedelta(days=19)).strftime("%d-%m-%Y")), today=TODAY)
    message = error.value.errors["dagtekening"]
    assert "vóór de datum van het afschalingsverzoek" in message
    assert f"{verzoek_dag:%d-%m-%Y}" in message and "op of na die dag" in message
    assert ingediend.status is AfschalingStatus.INGEDIEND
    assert [p.versie for p in db.scalars(select(Pip).where(Pip.inburgeraar_id == case.inburgeraar.id))] == [1]
    # The day of the request itself is fine.
    decide(db, case.klantregisseur, ingediend, BesluitInput(
        besluit="goedgekeurd", dagtekening=verzoek_dag.strftime("%d-%m-%Y")), today=TODAY)
    assert ingediend.pip.dagtekening == verzoek_dag


def _examen(case, onderdeel, niveau, resultaat="Geslaagd", bron="duo", dagen=40):
    return ExamenresultaatFactory(
        verwijzing=case.b1 if bron == "aanbieder" else None, inburgeraar_id=case.inburgeraar.id,
        onderdeel=Examenonderdeel(onderdeel), niveau=Examenniveau(niveau), resultaat=Examenuitslag(resultaat),
        examendatum=TODAY - timedelta(days=dagen), bron=ResultaatBron(bron))


@pytest.mark.parametrize("bron", ["duo", "aanbieder"])
def test_a_part_already_passed_at_the_pip_level_cannot_be_lowered(db, app_ctx, case, bron):
    """QA: LE passed at B1 (via DUO or registered by the provider), then a request for LE and SC was accepted."""
    add_lesuren(case.b1, 600)
    examen = _examen(case, "LE", "B1", bron=bron)
    with pytest.raises(ValidationError) as error:
        submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(onderdelen=["LE", "SC"]), today=TODAY)
    message = error.value.errors["onderdelen"]
    assert "Lezen (LE)" in message and f"{examen.examendatum:%d-%m-%Y}" in message and "al behaald" in message
    assert "Schrijven" not in message
    # Without the passed part the request goes through.
    verzoek = submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(onderdelen=["SC"]), today=TODAY)
    assert verzoek.onderdelen == [Examenonderdeel.SC]


def test_only_a_pass_at_or_above_the_pip_level_blocks_the_part(db, app_ctx, case):
    add_lesuren(case.b1, 600)
    _examen(case, "LE", "A2")  # passed below the PIP's B1: exactly what afschaling is for
    _examen(case, "SC", "B1", resultaat="Gezakt")
    _examen(case, "SP", "B2", dagen=60)
    with pytest.raises(ValidationError) as error:
        submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(onderdelen=["LE", "SC", "SP"]), today=TODAY)
    message = error.value.errors["onderdelen"]
    assert "Spreken (SP)" in message and "B2" in message
    assert "Lezen" not in message and "Schrijven" not in message


def test_a_passed_part_is_reported_together_with_the_other_errors(db, app_ctx, case):
    add_lesuren(case.b1, 600)
    _examen(case, "SP", "B1")
    with pytest.raises(ValidationError) as error:
        submit_verzoek(db, case.aanbieder_a, case.b1, verzoek_data(onderdelen=["SP"], observaties_aanbieder=""),
                       today=TODAY)
    assert set(error.value.errors) == {"onderdelen", "observaties_aanbieder"}


def test_a_stored_request_naming_a_passed_part_gets_a_warning_for_the_decision(db, app_ctx, case, ingediend):
    """Requests stored before the rule (or a part passed after the request) are flagged to the klantregisseur."""
    assert waarschuwing(db, ingediend) is None  # SC and SP, nothing passed
    examen = _examen(case, "SP", "B1", dagen=3)
    db.flush()
    tekst = waarschuwing(db, ingediend)
    assert "Spreken (SP)" in tekst and f"{examen.examendatum:%d-%m-%Y}" in tekst and "DUO" in tekst
