"""Exam and route results by spreadsheet: the result services decide, the preview stores nothing, re-uploads
change nothing, changes are corrections with history, and a confirmed change tells the klantregisseur."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import tasks
from portal.models import (
    AuditEvent,
    Examenresultaat,
    Melding,
    MeldingSoort,
    RegistratieWijziging,
    RouteResultaat,
    TrajectStart,
    Upload,
    UploadSoort,
    UploadStatus,
    Verwijzing,
    melding_inburgeraar,
)
from portal.models.enums import Onderdeel, Rol, VerwijzingStatus
from portal.models.resultaat import BereiktNiveau, Examenuitslag, RedenGeenResultaat, ResultaatBron
from portal.services import uploads
from portal.services.uploads import Settings, UploadStateError, lifecycle
from tests import factories
from tests.spreadsheets.conftest import HEADER, Provider, presence_rows, xlsx_bytes

EXAM_HEADER = ["BSN", "Naam", "Traject", "Examenonderdeel", "Niveau", "Resultaat", "Reden geen resultaat",
               "Examendatum"]
ROUTE_HEADER = ["BSN", "Traject", "Datum eindgesprek MAP", "Datum ondertekening PVT", "Verwijtbaar",
                "Datum afronding Z-route", "Bereikt niveau", "Resultaat taalschakeltraject",
                "Datum resultaat taalschakeltraject"]


def count(db: Session, model) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def upload_file(db: Session, provider: Provider, settings: Settings, soort: UploadSoort, content: bytes,
                name: str = "r.xlsx") -> Upload:
    upload = uploads.store(db, provider.user, soort, io.BytesIO(content), name, settings.upload_dir, settings.limits)
    db.commit()
    tasks.run_upload_validation(db, {"UPLOAD_DIR": str(settings.upload_dir)}, upload.id, report=False)
    db.refresh(upload)
    assert upload.status is UploadStatus.PREVIEWED, upload.melding
    return upload


def confirm(db: Session, provider: Provider, settings: Settings, upload: Upload) -> Upload:
    uploads.request_confirmation(db, provider.user, upload)
    db.commit()
    tasks.run_upload_confirmation(db, {"UPLOAD_DIR": str(settings.upload_dir)}, upload.id, provider.user.id,
                                  report=False)
    db.refresh(upload)
    return upload


def refuse_confirmation(db: Session, provider: Provider, upload: Upload) -> None:
    """An upload with nothing to save cannot be confirmed; it stays checked, nothing is stored."""
    with pytest.raises(UploadStateError, match="niets te bevestigen"):
        uploads.request_confirmation(db, provider.user, upload)
    db.refresh(upload)
    assert upload.status is UploadStatus.PREVIEWED


def counts(upload: Upload) -> tuple[int, int, int, int]:
    return upload.aantal_nieuw, upload.aantal_gewijzigd, upload.aantal_ongewijzigd, upload.aantal_fout


def upload_meldingen(db: Session) -> list[Melding]:
    return list(db.scalars(select(Melding).where(Melding.kind == MeldingSoort.UPLOAD_BEVESTIGD).order_by(Melding.id)))


def cases_of(db: Session, melding: Melding) -> set[int]:
    """The inburgeraars a summary melding says were changed."""
    query = select(melding_inburgeraar.c.inburgeraar_id).where(melding_inburgeraar.c.melding_id == melding.id)
    return set(db.scalars(query))


@pytest.fixture
def klantregisseur(db, provider):
    return factories.UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[provider.verwijzingen[0].inburgeraar.gemeente])


# --- exam results ---------------------------------------------------------------------------------------------

@pytest.fixture
def examendatum(provider: Provider) -> date:
    return provider.start + timedelta(days=20)


def exam_rows(provider: Provider, day: date) -> list[list]:
    v0, v1, v2 = provider.verwijzingen
    return [
        [v0.inburgeraar.bsn, "Naam", None, "KNM", "A2", "Geslaagd", None, f"{day:%d-%m-%Y}"],
        # people type lower case and the labels of the dropdown; both name DUO's values
        [v1.inburgeraar.bsn, "Naam", v1.kenmerk, "le", "B1", "gezakt", None, f"{day:%d-%m-%Y}"],
        [v2.inburgeraar.bsn, "Naam", None, "LU", "B1", "Geen resultaat", "Niet verwijtbaar", day],
        # a prefilled template row without a result yet is skipped
        [v2.inburgeraar.bsn, "Naam", v2.kenmerk, None, None, None, None, None],
    ]


def test_exam_preview_stores_nothing_and_confirm_stores_through_the_service(
    db, provider, settings, examendatum, klantregisseur
):
    upload = upload_file(db, provider, settings, UploadSoort.EXAMENRESULTATEN,
                         xlsx_bytes([EXAM_HEADER, *exam_rows(provider, examendatum)], title_rows=1))
    assert upload.aantal_rijen == 3
    assert counts(upload) == (3, 0, 0, 0)
    assert count(db, Examenresultaat) == 0
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "examenresultaat_geregistreerd")) == 0
    assert count(db, Melding) == 0

    upload = confirm(db, provider, settings, upload)
    assert upload.status is UploadStatus.CONFIRMED
    assert counts(upload) == (3, 0, 0, 0)
    stored = {(r.inburgeraar_id, r.onderdeel.value, r.niveau.value, r.resultaat, r.reden_geen_resultaat, r.bron,
               r.examendatum, r.verwijzing_id) for r in db.scalars(select(Examenresultaat))}
    v0, v1, v2 = provider.verwijzingen
    assert stored == {
        (v0.inburgeraar_id, "KNM", "A2", Examenuitslag.GESLAAGD, None, ResultaatBron.AANBIEDER, examendatum, v0.id),
        (v1.inburgeraar_id, "LE", "B1", Examenuitslag.GEZAKT, None, ResultaatBron.AANBIEDER, examendatum, v1.id),
        (v2.inburgeraar_id, "LU", "B1", Examenuitslag.GEEN, RedenGeenResultaat.NIETVERWIJTBAAR,
         ResultaatBron.AANBIEDER, examendatum, v2.id),
    }
    # the klantregisseur hears once that the upload changed these cases
    [melding] = upload_meldingen(db)
    assert melding.user_id == klantregisseur.id
    assert cases_of(db, melding) == {v.inburgeraar_id for v in provider.verwijzingen}
    assert "upload (examenresultaten) bevestigd: 3 inburgeraars uit uw caseload gewijzigd." in melding.text


def test_exam_reupload_of_the_same_data_in_another_file_changes_nothing(
    db, provider, settings, examendatum, klantregisseur
):
    confirm(db, provider, settings, upload_file(db, provider, settings, UploadSoort.EXAMENRESULTATEN,
                                                xlsx_bytes([EXAM_HEADER, *exam_rows(provider, examendatum)])))
    meldingen_before = count(db, Melding)
    audit_before = count(db, AuditEvent)
    # Re-saved as CSV by Dutch Excel: other column order, BSN without leading zeros, values in other case.
    v0, v1, v2 = provider.verwijzingen
    d = f"{examendatum:%d-%m-%Y}"
    csv = ("Examendatum;Resultaat;BSN;Examenonderdeel;Niveau;Reden geen resultaat\n"
           f"{d};GESLAAGD;{int(v0.inburgeraar.bsn)};knm;a2;\n"
           f"{d};Gezakt;{int(v1.inburgeraar.bsn)};LE;B1;\n"
           f"{d};Geen;{int(v2.inburgeraar.bsn)};LU;B1;Nietverwijtbaar\n")
    again = upload_file(db, provider, settings, UploadSoort.EXAMENRESULTATEN, csv.encode("utf-8-sig"), "r.csv")
    assert counts(again) == (0, 0, 3, 0)
    refuse_confirmation(db, provider, again)  # nothing to save
    assert count(db, Examenresultaat) == 3
    assert count(db, RegistratieWijziging) == 0
    assert count(db, Melding) == meldingen_before  # nothing changed: no melding
    new_actions = {e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(audit_before))}
    assert not {a for a in new_actions if a.startswith("examenresultaat")}


def test_exam_changed_result_is_a_correction_with_history(db, provider, settings, examendatum, klantregisseur):
    confirm(db, provider, settings, upload_file(db, provider, settings, UploadSoort.EXAMENRESULTATEN,
                                                xlsx_bytes([EXAM_HEADER, *exam_rows(provider, examendatum)])))
    rows = exam_rows(provider, examendatum)
    rows[1][5] = "Geslaagd"
    upload = upload_file(db, provider, settings, UploadSoort.EXAMENRESULTATEN, xlsx_bytes([EXAM_HEADER, *rows]))
    assert counts(upload) == (0, 1, 2, 0)
    assert db.scalars(select(Examenresultaat).where(
        Examenresultaat.inburgeraar_id == provider.verwijzingen[1].inburgeraar_id)).one().resultaat \
        is Examenuitslag.GEZAKT  # the preview stored nothing
    meldingen_before = len(upload_meldingen(db))
    upload = confirm(db, provider, settings, upload)
    assert counts(upload) == (0, 1, 2, 0)
    history = db.scalars(select(RegistratieWijziging).where(RegistratieWijziging.object_type == "examenresultaat"))
    assert [(h.veld, h.oude_waarde, h.nieuwe_waarde, h.gewijzigd_door_id) for h in history] == [
        ("resultaat", "Gezakt", "Geslaagd", provider.user.id)]
    [new] = upload_meldingen(db)[meldingen_before:]
    assert cases_of(db, new) == {provider.verwijzingen[1].inburgeraar_id}


def test_exam_errors_name_row_column_and_what_to_fix(db, provider, settings, examendatum):
    v0, v1, v2 = provider.verwijzingen
    other = factories.VerwijzingFactory(contract=v0.contract, onderdeel=Onderdeel.MAP)
    d = f"{examendatum:%d-%m-%Y}"
    future = f"{date.today() + timedelta(days=2):%d-%m-%Y}"
    rows = [
        [v0.inburgeraar.bsn, None, None, "KNM", "A2", "Geslaagd", None, d],  # 2: fine
        [provider.stranger.inburgeraar.bsn, None, None, "KNM", "A2", "Geslaagd", None, d],  # 3: not ours
        ["111222333", None, None, "KNM", "A2", "Geslaagd", None, d],  # 4: nobody
        [v1.inburgeraar.bsn, None, None, "LE", "C1", "Geen", None, future],  # 5: three errors
        [v2.inburgeraar.bsn, None, None, "SP", "B1", "Geslaagd", "Absent", d],  # 6: reason without 'Geen'
        [other.inburgeraar.bsn, None, None, "KNM", "A2", "Geslaagd", None, d],  # 7: MAP traject, not B1-route
        [v0.inburgeraar.bsn, None, None, "knm", "A2", "Gezakt", None, d],  # 8: same exam as row 2
    ]
    upload = upload_file(db, provider, settings, UploadSoort.EXAMENRESULTATEN, xlsx_bytes([EXAM_HEADER, *rows]))
    errors = {(e["regel"], e["kolom"]): e for e in upload.fouten}
    assert errors[(3, "BSN")]["melding"].startswith("Onbekende deelnemer")
    assert errors[(4, "BSN")]["melding"] == errors[(3, "BSN")]["melding"]
    assert errors[(5, "Niveau")]["waarde"] == "C1" and "A2, B1 of B2" in errors[(5, "Niveau")]["melding"]
    assert "toekomst" in errors[(5, "Examendatum")]["melding"]
    assert "reden" in errors[(5, "Reden geen resultaat")]["melding"]
    assert "alleen bij 'geen resultaat'" in errors[(6, "Reden geen resultaat")]["melding"]
    assert "B1-route" in errors[(7, "Traject")]["melding"]
    assert "staat al op regel 2" in errors[(8, "Examenonderdeel")]["melding"]
    assert counts(upload) == (1, 0, 0, 6)
    assert not any(provider.stranger.inburgeraar.bsn in e["melding"] for e in upload.fouten)

    confirm(db, provider, settings, upload)
    assert [(r.inburgeraar_id, r.resultaat) for r in db.scalars(select(Examenresultaat))] == [
        (v0.inburgeraar_id, Examenuitslag.GESLAAGD)]


def test_a_crash_while_confirming_results_leaves_nothing_and_can_be_confirmed_again(
    db, provider, settings, examendatum, monkeypatch
):
    upload = upload_file(db, provider, settings, UploadSoort.EXAMENRESULTATEN,
                         xlsx_bytes([EXAM_HEADER, *exam_rows(provider, examendatum)]))

    def crash(*_args, **_kwargs):
        assert count(db, Examenresultaat) == 3  # written inside the transaction...
        raise MemoryError("killed")

    monkeypatch.setattr(lifecycle, "_announce", crash)
    upload = confirm(db, provider, settings, upload)
    assert upload.status is UploadStatus.PREVIEWED and "niets opgeslagen" in upload.melding
    assert count(db, Examenresultaat) == 0  # ...and rolled back with it
    monkeypatch.undo()
    upload = confirm(db, provider, settings, upload)
    assert counts(upload) == (3, 0, 0, 0) and count(db, Examenresultaat) == 3
    with pytest.raises(UploadStateError, match="al bevestigd"):
        uploads.request_confirmation(db, provider.user, upload)


# --- route results -------------------------------------------------------------------------------------------

@pytest.fixture
def routes(db, provider: Provider) -> dict[Onderdeel, Verwijzing]:
    """A MAP, a Z-route and an onderwijsroute traject of the provider, started with the others."""
    contract = provider.verwijzingen[0].contract
    made = {}
    for onderdeel in (Onderdeel.MAP, Onderdeel.Z_ROUTE_TAAL, Onderdeel.ONDERWIJSROUTE):
        verwijzing = factories.VerwijzingFactory(
            contract=contract, onderdeel=onderdeel, status=VerwijzingStatus.GESTART,
            inburgeraar=factories.InburgeraarFactory(gemeente=provider.verwijzingen[0].inburgeraar.gemeente))
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=provider.start))
        made[onderdeel] = verwijzing
    db.flush()
    return made


def route_rows(routes: dict[Onderdeel, Verwijzing], day: date) -> list[list]:
    d = f"{day:%d-%m-%Y}"
    return [
        [routes[Onderdeel.MAP].inburgeraar.bsn, None, d, None, None, None, None, None, None],
        [routes[Onderdeel.Z_ROUTE_TAAL].inburgeraar.bsn, None, None, None, None, d, "Lager dan A1", None, None],
        [routes[Onderdeel.ONDERWIJSROUTE].inburgeraar.bsn, None, None, None, None, None, None, "Behaald", d],
    ]


def test_route_results_preview_confirm_reupload_and_correction(db, provider, settings, routes, klantregisseur):
    day = provider.start + timedelta(days=30)
    upload = upload_file(db, provider, settings, UploadSoort.ROUTE_RESULTATEN,
                         xlsx_bytes([ROUTE_HEADER, *route_rows(routes, day)]))
    assert counts(upload) == (3, 0, 0, 0)
    assert count(db, RouteResultaat) == 0
    for verwijzing in routes.values():  # the preview did not close any traject either
        db.refresh(verwijzing)
        assert verwijzing.status is VerwijzingStatus.GESTART

    upload = confirm(db, provider, settings, upload)
    assert counts(upload) == (3, 0, 0, 0)
    stored = {r.verwijzing_id: r for r in db.scalars(select(RouteResultaat))}
    assert stored[routes[Onderdeel.MAP].id].datum_eindgesprek_map == day
    assert stored[routes[Onderdeel.Z_ROUTE_TAAL].id].bereikt_niveau is BereiktNiveau.ONDER_A1
    assert stored[routes[Onderdeel.ONDERWIJSROUTE].id].datum_taalschakel_resultaat == day
    for verwijzing in routes.values():  # a result ends the traject, as with the form
        db.refresh(verwijzing)
        assert verwijzing.status is VerwijzingStatus.AFGEROND
    [melding] = upload_meldingen(db)
    assert cases_of(db, melding) == {v.inburgeraar_id for v in routes.values()}
    history_before = count(db, RegistratieWijziging)

    again = upload_file(
        db, provider, settings, UploadSoort.ROUTE_RESULTATEN, xlsx_bytes([ROUTE_HEADER, *route_rows(routes, day)]))
    assert counts(again) == (0, 0, 3, 0)
    refuse_confirmation(db, provider, again)  # nothing to save
    assert count(db, RegistratieWijziging) == history_before
    assert len(upload_meldingen(db)) == 1

    rows = route_rows(routes, day)
    rows[0][2] = f"{day + timedelta(days=1):%d-%m-%Y}"
    corrected = confirm(db, provider, settings, upload_file(
        db, provider, settings, UploadSoort.ROUTE_RESULTATEN, xlsx_bytes([ROUTE_HEADER, *rows])))
    assert counts(corrected) == (0, 1, 2, 0)
    history = db.scalars(select(RegistratieWijziging).where(RegistratieWijziging.object_type == "route_resultaat"))
    assert [(h.veld, h.oude_waarde, h.nieuwe_waarde) for h in history] == [
        ("datum_eindgesprek_map", day.isoformat(), (day + timedelta(days=1)).isoformat())]


def test_route_errors_name_row_column_and_what_to_fix(db, provider, settings, routes):
    day = provider.start + timedelta(days=30)
    d = f"{day:%d-%m-%Y}"
    rows = [
        [routes[Onderdeel.MAP].inburgeraar.bsn, None, d, None, "Ja", None, None, None, None],  # 2: term not exceeded
        [routes[Onderdeel.Z_ROUTE_TAAL].inburgeraar.bsn, None, None, None, None, d, None, None, None],  # 3: no level
        [provider.verwijzingen[0].inburgeraar.bsn, None, d, None, None, None, None, None, None],  # 4: B1-route
        [provider.stranger.inburgeraar.bsn, None, d, None, None, None, None, None, None],  # 5: not ours
        [routes[Onderdeel.ONDERWIJSROUTE].inburgeraar.bsn, "V-BESTAATNIET", None, None, None, None, None,
         "Behaald", d],  # 6: wrong traject
        [routes[Onderdeel.MAP].inburgeraar.bsn, routes[Onderdeel.MAP].kenmerk, d, None, None, None, None, None,
         None],  # 7: fine
        [routes[Onderdeel.MAP].inburgeraar.bsn, None, d, None, None, None, None, None, None],  # 8: twice
    ]
    upload = upload_file(db, provider, settings, UploadSoort.ROUTE_RESULTATEN, xlsx_bytes([ROUTE_HEADER, *rows]))
    errors = {(e["regel"], e["kolom"]): e["melding"] for e in upload.fouten}
    assert "alleen in als de inburgeringstermijn is overschreden" in errors[(2, "Verwijtbaar")]
    assert "bereikte taalniveau" in errors[(3, "Bereikt niveau")]
    assert "geen eindresultaat" in errors[(4, "Traject")]
    assert errors[(5, "BSN")].startswith("Onbekende deelnemer")
    assert "hoort niet bij deze deelnemer" in errors[(6, "Traject")]
    assert "staat al op regel 7" in errors[(8, "Traject")]
    assert counts(upload) == (1, 0, 0, 6)
    assert count(db, RouteResultaat) == 0


# --- the melding of a confirmed upload -------------------------------------------------------------------------

def test_confirmed_presence_upload_with_changes_tells_the_klantregisseur_once(db, provider, settings, klantregisseur):
    day = provider.start + timedelta(days=7)
    first = upload_file(db, provider, settings, UploadSoort.PRESENTIE,
                        xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    assert upload_meldingen(db) == []  # the preview tells nobody
    confirm(db, provider, settings, first)
    [melding] = upload_meldingen(db)
    assert melding.user_id == klantregisseur.id  # not the provider who uploaded
    assert melding.inburgeraar_id is None
    assert melding.text == (f"{provider.user.aanbieder.naam} heeft een upload (presentie en uren) bevestigd: "
                            "3 inburgeraars uit uw caseload gewijzigd.")
    assert cases_of(db, melding) == {v.inburgeraar_id for v in provider.verwijzingen}
    assert not any(v.inburgeraar.bsn in melding.text or v.inburgeraar.achternaam in melding.text
                   for v in provider.verwijzingen)

    unchanged = upload_file(
        db, provider, settings, UploadSoort.PRESENTIE, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    assert counts(unchanged) == (0, 0, 3, 0)
    refuse_confirmation(db, provider, unchanged)  # nothing to save
    assert len(upload_meldingen(db)) == 1  # an unchanged re-upload creates none


def test_an_upload_tells_each_klantregisseur_once_about_their_own_cases_only(db, provider, settings):
    """A weekly presence upload: one summary melding per klantregisseur, not one per deelnemer."""
    gemeente = provider.verwijzingen[0].inburgeraar.gemeente
    anna = factories.UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    bram = factories.UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    extra = []
    for _ in range(9):
        verwijzing = factories.VerwijzingFactory(
            contract=provider.verwijzingen[0].contract, onderdeel=Onderdeel.B1_ROUTE,
            inburgeraar=factories.InburgeraarFactory(gemeente=gemeente))
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=provider.start))
        extra.append(verwijzing)
    deelnemers = [*provider.verwijzingen, *extra]
    annas, brams = deelnemers[:8], deelnemers[8:]
    for verwijzing in annas:
        verwijzing.inburgeraar.klantregisseur = anna
    for verwijzing in brams:
        verwijzing.inburgeraar.klantregisseur = bram
    db.flush()
    day = provider.start + timedelta(days=7)
    rows = [[v.inburgeraar.bsn, f"{day:%d-%m-%Y}", "Taalles en KNM", "2,5", None, None] for v in deelnemers]

    confirm(db, provider, settings, upload_file(db, provider, settings, UploadSoort.PRESENTIE,
                                                xlsx_bytes([HEADER, *rows])))

    by_user = {m.user_id: m for m in upload_meldingen(db)}
    assert set(by_user) == {anna.id, bram.id}
    assert len(upload_meldingen(db)) == 2
    assert cases_of(db, by_user[anna.id]) == {v.inburgeraar_id for v in annas}
    assert by_user[anna.id].text.endswith(": 8 inburgeraars uit uw caseload gewijzigd.")
    assert cases_of(db, by_user[bram.id]) == {v.inburgeraar_id for v in brams}
    assert by_user[bram.id].text.endswith(": 4 inburgeraars uit uw caseload gewijzigd.")


def test_confirmed_start_dates_upload_tells_only_about_the_changed_cases(db, provider, settings, klantregisseur):
    gemeente = provider.verwijzingen[0].inburgeraar.gemeente
    a, b = (factories.VerwijzingFactory(contract=provider.verwijzingen[0].contract,
                                        inburgeraar=factories.InburgeraarFactory(gemeente=gemeente))
            for _ in range(2))
    header = ["BSN", "Traject", "Gerealiseerde startdatum", "Reden latere start", "Niet gestart"]
    rows = [[v.inburgeraar.bsn, v.kenmerk, f"{v.beoogde_startdatum:%d-%m-%Y}", None, "Nee"] for v in (a, b)]
    first = confirm(db, provider, settings, upload_file(db, provider, settings, UploadSoort.STARTDATUMS,
                                                        xlsx_bytes([header, *rows])))
    assert counts(first) == (2, 0, 0, 0)
    [melding] = upload_meldingen(db)
    assert cases_of(db, melding) == {a.inburgeraar_id, b.inburgeraar_id}

    rows[1][2:4] = [f"{b.beoogde_startdatum + timedelta(days=2):%d-%m-%Y}", "Ziek"]
    second = confirm(db, provider, settings, upload_file(db, provider, settings, UploadSoort.STARTDATUMS,
                                                         xlsx_bytes([header, *rows])))
    assert counts(second) == (0, 1, 1, 0), second.fouten
    [_first, new] = upload_meldingen(db)
    assert cases_of(db, new) == {b.inburgeraar_id}
