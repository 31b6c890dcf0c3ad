"""Exports from student administrations (issue 8.3): every column the reader does not use is listed in the
preview by its header, and a file without an Activiteit column gets the one activity each traject allows,
with the preview saying so; where a traject allows several, or a deelnemer has several trajecten here, the
error names the missing column."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Presentie, TrajectStart, UploadSoort, UploadStatus, Verwijzing
from portal.models.enums import Onderdeel
from portal.models.traject import Activiteit
from portal.services.uploads import Settings
from tests import factories
from tests.spreadsheets.conftest import Provider
from tests.spreadsheets.test_upload_service import confirm, upload_file

HEADER = ["Cursist", "BSN-nummer", "Lesdatum", "Aanwezig (uren)", "Afwezig geoorloofd", "Reden verzuim", "Docent",
          "Opmerkingen"]


def _started(db: Session, provider: Provider, onderdeel: Onderdeel, inburgeraar: Any = None) -> Verwijzing:
    """Another started traject at the provider: for a new deelnemer, or a second one for `inburgeraar`."""
    first = provider.verwijzingen[0]
    verwijzing = factories.VerwijzingFactory(
        contract=first.contract, onderdeel=onderdeel,
        inburgeraar=inburgeraar or factories.InburgeraarFactory(gemeente=first.inburgeraar.gemeente))
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=provider.start))
    db.flush()
    return verwijzing


def _export(rows: list[list[Any]]) -> bytes:
    """Shaped like a student administration's export: merged title cells, BSN as a number (leading zero lost),
    text dates, decimal commas, a teacher and a notes column, and a Totaal row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Presentie MAP"
    sheet.append(["Aanwezigheid MAP-groep Hoorn – november"])
    sheet.merge_cells("A1:H1")
    sheet.append([])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    sheet.append(["Totaal", None, None, "7", None, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row(verwijzing: Verwijzing, day: date, uren: str = "2,5", naam: str = "Zoë Çelik", **extra: Any) -> list[Any]:
    afwezig, reden, notitie = extra.get("afwezig"), extra.get("reden"), extra.get("notitie")
    return [naam, int(verwijzing.inburgeraar.bsn), day.strftime("%d-%m-%Y"), uren, afwezig, reden, "Fenna de Wit",
            notitie]


def test_the_preview_lists_every_column_it_does_not_read_and_fills_in_the_only_activity(
    db: Session, provider: Provider, settings: Settings
):
    day = provider.start + timedelta(days=10)
    map_1, map_2 = _started(db, provider, Onderdeel.MAP), _started(db, provider, Onderdeel.MAP)
    pvt = _started(db, provider, Onderdeel.PVT)
    rows = [_row(map_1, day), _row(map_2, day, "3", "José Müller", notitie="kwam later"),
            _row(pvt, day, "1,5", "Ana Peña", afwezig="0,5", reden="huisarts")]
    upload = upload_file(db, provider, settings, _export(rows), name="export MAP november.xlsx")

    assert upload.status is UploadStatus.PREVIEWED, upload.melding
    assert (upload.aantal_nieuw, upload.aantal_fout) == (3, 0)
    assert upload.niet_ingelezen == ["Cursist", "Docent", "Opmerkingen"]
    opmerking, bewaard = upload.opmerkingen
    assert bewaard == ("Het bestand heeft geen kolom 'Uren afwezig ongeoorloofd'. Daarvan blijven de opgeslagen "
                       "waarden staan; bij nieuwe dagen blijven ze leeg.")
    assert "geen kolom 'Activiteit'" in opmerking
    assert "Bij 3 regels is de enige activiteit van het traject ingevuld" in opmerking
    assert "MAP praktijkdeel (2), Participatieverklaringstraject (PVT) (1)" in opmerking

    confirm(db, provider, settings, upload)
    stored = {p.verwijzing_id: p for p in db.scalars(select(Presentie))}
    assert {vid: p.activiteit for vid, p in stored.items()} == {
        map_1.id: Activiteit.MAP_PRAKTIJK, map_2.id: Activiteit.MAP_PRAKTIJK, pvt.id: Activiteit.PVT}
    assert stored[pvt.id].uren_afwezig_geoorloofd == Decimal("0.50")


def test_rows_of_a_traject_with_several_activities_name_the_missing_column(
    db: Session, provider: Provider, settings: Settings
):
    day = provider.start + timedelta(days=10)
    map_traject = _started(db, provider, Onderdeel.MAP)
    b1 = provider.verwijzingen[0]  # B1-route: taalles en KNM, or taalles during the brede intake
    upload = upload_file(db, provider, settings, _export([_row(map_traject, day), _row(b1, day)]))

    assert (upload.aantal_nieuw, upload.aantal_fout) == (1, 1)
    [fout] = upload.fouten
    assert (fout["regel"], fout["kolom"]) == (5, "Activiteit")
    assert "De kolom 'Activiteit' ontbreekt" in fout["melding"]
    assert "B1-route (taalcursus)" in fout["melding"] and "Voeg de kolom Activiteit toe" in fout["melding"]
    assert "Bij 1 regel is de enige activiteit" in upload.opmerkingen[0]


def test_a_deelnemer_with_both_map_and_pvt_gets_a_clear_error_not_a_guess(
    db: Session, provider: Provider, settings: Settings
):
    day = provider.start + timedelta(days=10)
    map_traject = _started(db, provider, Onderdeel.MAP)
    _started(db, provider, Onderdeel.PVT, inburgeraar=map_traject.inburgeraar)
    alone = _started(db, provider, Onderdeel.MAP)
    upload = upload_file(db, provider, settings, _export([_row(map_traject, day), _row(alone, day)]))

    assert (upload.aantal_nieuw, upload.aantal_fout) == (1, 1)
    [fout] = upload.fouten
    assert fout["kolom"] == "Traject"
    assert "meer trajecten" in fout["melding"]
    assert "MAP" in fout["melding"] and "PVT" in fout["melding"]
    assert "geen kolom 'Activiteit'" in fout["melding"] and "Vul bij deze regel het traject in" in fout["melding"]
    confirm(db, provider, settings, upload)
    assert [p.verwijzing_id for p in db.scalars(select(Presentie))] == [alone.id]


def test_a_file_of_taal_trajecten_without_activities_is_refused_naming_the_column(
    db: Session, provider: Provider, settings: Settings
):
    day = provider.start + timedelta(days=10)
    upload = upload_file(db, provider, settings, _export([_row(v, day) for v in provider.verwijzingen]))
    assert upload.status is UploadStatus.FAILED
    assert "De kolom 'Activiteit' ontbreekt" in upload.melding
    assert "Taalles en KNM" in upload.melding


def test_result_and_start_previews_list_the_columns_they_do_not_read(
    db: Session, provider: Provider, settings: Settings
):
    from tests.spreadsheets.conftest import xlsx_bytes
    from tests.spreadsheets.test_upload_results import upload_file as upload_kind

    verwijzing = provider.verwijzingen[0]
    rows = [["BSN", "Naam", "Gerealiseerde startdatum", "Mentor", "Opmerking"],
            [verwijzing.inburgeraar.bsn, "Zoë Çelik", provider.start.strftime("%d-%m-%Y"), "Fenna", "ok"]]
    upload = upload_kind(db, provider, settings, UploadSoort.STARTDATUMS, xlsx_bytes(rows))
    assert upload.status is UploadStatus.PREVIEWED, upload.melding
    assert upload.niet_ingelezen == ["Naam", "Mentor", "Opmerking"]


def test_result_and_start_corrections_show_the_old_and_the_new_value(
    db: Session, provider: Provider, settings: Settings
):
    from tests.spreadsheets.conftest import xlsx_bytes
    from tests.spreadsheets.test_upload_results import EXAM_HEADER, exam_rows
    from tests.spreadsheets.test_upload_results import confirm as confirm_kind
    from tests.spreadsheets.test_upload_results import upload_file as upload_kind

    day = provider.start + timedelta(days=20)
    rows = exam_rows(provider, day)
    confirm_kind(db, provider, settings,
                 upload_kind(db, provider, settings, UploadSoort.EXAMENRESULTATEN, xlsx_bytes([EXAM_HEADER, *rows])))
    rows[1][5] = "Geslaagd"  # the exam was wrongly registered as failed
    exam = upload_kind(db, provider, settings, UploadSoort.EXAMENRESULTATEN, xlsx_bytes([EXAM_HEADER, *rows]))
    assert [(c["regel"], c["kolom"], c["oud"], c["nieuw"]) for c in exam.correcties] == [
        (3, "Resultaat", "Gezakt", "Geslaagd")]

    verwijzing = provider.verwijzingen[0]  # started on provider.start; the administration says two days later
    later = provider.start + timedelta(days=2)
    starts = upload_kind(db, provider, settings, UploadSoort.STARTDATUMS, xlsx_bytes([
        ["BSN", "Gerealiseerde startdatum", "Reden latere start"],
        [verwijzing.inburgeraar.bsn, later.strftime("%d-%m-%Y"), "Kinderopvang was nog niet geregeld."]]))
    assert starts.aantal_gewijzigd == 1, starts.fouten
    assert ("Gerealiseerde startdatum", provider.start.strftime("%d-%m-%Y"), later.strftime("%d-%m-%Y")) in [
        (c["kolom"], c["oud"], c["nieuw"]) for c in starts.correcties]
