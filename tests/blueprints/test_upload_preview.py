"""The upload page before and after the check (issue 11.5): limits stated before choosing a file, an oversized
file answered with the form and the Dutch message, values and counts in Dutch notation, and every correction
shown with its old and new value before the user confirms."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from flask import render_template
from sqlalchemy import select

from portal.blueprints.uploads.forms import BevestigForm
from portal.models import Presentie, Upload, UploadSoort, UploadStatus
from tests.blueprints.test_uploads import confirm, post_file
from tests.spreadsheets.conftest import HEADER, presence_rows, provider, xlsx_bytes  # noqa: F401 - fixture


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def _latest(db) -> Upload:
    return db.scalars(select(Upload).order_by(Upload.created_at.desc())).first()


def test_the_upload_page_states_the_maximum_size_and_rows_before_a_file_is_chosen(login_as, provider):  # noqa: F811
    page = login_as(provider.user).get("/uploads/").get_data(as_text=True)
    assert "hoogstens 25 MB en 300.000 regels" in page
    assert 'data-max-bytes="26214400"' in page


@pytest.mark.parametrize("htmx", [True, False])
def test_a_request_over_the_size_limit_gets_the_form_with_the_dutch_message(
    app, login_as, provider, monkeypatch, htmx  # noqa: F811
):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 10_000)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 20_000)
    client = login_as(provider.user)
    response = post_file(client, b"BSN;Datum\r\n" + b"123456782;01-11-2026\r\n" * 2_000, "groot.csv",
                         headers={"HX-Request": "true"} if htmx else {})
    html = response.get_data(as_text=True)
    assert response.status_code == (200 if htmx else 413)  # htmx 2 swaps no 4xx answers
    assert 'aria-invalid="true"' in html and "Er is 1 fout gevonden" in html
    assert "Het bestand is groter dan 10 kB. Splits het in kleinere bestanden" in html
    assert ('id="upload-formulier"' in html) and (("<h1" in html) is not htmx)


def test_the_script_s_size_check_gets_the_same_message_from_the_server(login_as, provider):  # noqa: F811
    client = login_as(provider.user)
    fragment = client.get("/uploads/te-groot?soort=startdatums", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "Het bestand is groter dan 25 MB. Splits het in kleinere bestanden (hoogstens 300.000 regels" in html
    assert '<option selected value="startdatums">' in html
    assert client.get("/uploads/te-groot").status_code == 302  # without htmx: back to the page


def test_error_values_are_shown_in_dutch_notation(login_as, provider, db):  # noqa: F811
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    bsn = provider.verwijzingen[0].inburgeraar.bsn
    future = datetime.combine(provider.start + timedelta(days=400), datetime.min.time())
    sheet.append([bsn, future, "Taalles en KNM", 2.5, None, None])  # a real date cell (Excel), in the future
    sheet.append([bsn, provider.start + timedelta(days=3), "Taalles en KNM", 25.0, None, None])  # > 24 hours
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = login_as(provider.user)
    post_file(client, buffer.getvalue(), "excel.xlsx")
    upload = _latest(db)
    shown = {(e["regel"], e["kolom"]): e["waarde"] for e in upload.fouten}
    assert shown[(2, "Datum")] == future.strftime("%d-%m-%Y")
    assert shown[(3, "Uren aanwezig")] == "25"
    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert future.strftime("%d-%m-%Y") in page and "00:00:00" not in page and "25.0" not in page


def test_every_correction_shows_its_old_and_new_value_before_confirming(login_as, provider, db):  # noqa: F811
    day = provider.start + timedelta(days=7)
    client = login_as(provider.user)
    post_file(client, xlsx_bytes([HEADER, *presence_rows(provider, day, uren="2,5")]), "eerste.xlsx")
    confirm(client, _latest(db).id)

    rows = presence_rows(provider, day, uren="2,5")
    rows[1][3] = "3,25"  # a correction of the hours
    rows[2][3], rows[2][4], rows[2][5] = "1,5", "1", "tandarts"  # and one with absence and its reason
    post_file(client, xlsx_bytes([HEADER, *rows]), "correctie.xlsx")
    upload = _latest(db)
    assert upload.status is UploadStatus.PREVIEWED
    assert (upload.aantal_gewijzigd, upload.aantal_ongewijzigd) == (2, 1)
    wat = f"{day.strftime('%d-%m-%Y')} · Taalles en KNM"
    assert upload.correcties == [
        {"regel": 3, "wat": wat, "kolom": "Uren aanwezig", "oud": "2,5", "nieuw": "3,25"},
        {"regel": 4, "wat": wat, "kolom": "Uren aanwezig", "oud": "2,5", "nieuw": "1,5"},
        {"regel": 4, "wat": wat, "kolom": "Uren afwezig geoorloofd", "oud": "0", "nieuw": "1"},
        {"regel": 4, "wat": wat, "kolom": "Reden afwezigheid", "oud": "(leeg)", "nieuw": "tandarts"},
    ]
    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert "Correcties: dit wordt overschreven" in page
    cell = '<td class="utrecht-table__cell">{}</td>'
    assert cell.format("2,5") in page and cell.format("3,25") in page and cell.format("tandarts") in page
    assert db.scalar(select(Presentie.uren_aanwezig).where(
        Presentie.verwijzing_id == provider.verwijzingen[1].id)) == 2.5  # nothing overwritten before confirming


def test_counts_are_written_the_dutch_way(app, provider):  # noqa: F811
    upload = Upload(id="a" * 32, soort=UploadSoort.PRESENTIE, status=UploadStatus.PREVIEWED, bestandsnaam="groot.csv",
                    aantal_nieuw=123_456, aantal_gewijzigd=1_250, aantal_ongewijzigd=0, aantal_fout=7, poging=1)
    with app.test_request_context():
        html = render_template("uploads/_status.html", upload=upload, progress=None, errors=[], gestopt=False,
                               Status=UploadStatus, form=BevestigForm(meta={"csrf": False}), meer_fouten=0,
                               htmx=False)
    assert ">123.456<" in html and ">1.250<" in html
    assert "124.706 regels opslaan" in html


def test_a_file_with_only_errors_offers_no_confirmation_but_says_to_fix_and_upload_again(
    login_as, provider, db  # noqa: F811
):
    client = login_as(provider.user)
    rows = presence_rows(provider, provider.start + timedelta(days=3))
    for row in rows:
        row[3] = "-1"  # every row has an error: nothing can be saved
    post_file(client, xlsx_bytes([HEADER, *rows]), "fout.xlsx")
    upload = _latest(db)
    assert upload.status is UploadStatus.PREVIEWED and upload.aantal_fout == len(rows)

    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)

    assert "Bevestigen en" not in page and "/bevestigen" not in page
    assert "Geen enkele regel in dit bestand kan worden opgeslagen" in page
    assert "Verbeter de fouten hieronder in uw bestand en upload het opnieuw" in page

    # A confirmation sent anyway (an old tab, a crafted post) is refused with the same words, not saved as done.
    response = confirm(client, upload.id)
    assert response.status_code == 302
    db.refresh(upload)
    assert upload.status is UploadStatus.PREVIEWED
    assert db.scalars(select(Presentie)).first() is None
    assert "Geen enkele regel in dit bestand kan worden opgeslagen" in client.get(
        f"/uploads/{upload.id}").get_data(as_text=True)


def test_a_file_that_changes_nothing_offers_no_confirmation(login_as, provider, db):  # noqa: F811
    client = login_as(provider.user)
    content = xlsx_bytes([HEADER, *presence_rows(provider, provider.start + timedelta(days=3))])
    post_file(client, content, "maart.xlsx")
    confirm(client, _latest(db).id)
    post_file(client, content, "maart-nogmaals.xlsx")  # the same file again: every row unchanged
    upload = _latest(db)
    assert upload.aantal_ongewijzigd and not (upload.aantal_nieuw or upload.aantal_gewijzigd or upload.aantal_fout)

    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)

    assert "Bevestigen en" not in page
    assert "Alles in dit bestand is al opgeslagen; er is niets te bevestigen." in page


def test_a_file_with_only_a_header_row_says_there_are_no_rows_not_that_all_is_saved(login_as, provider, db):  # noqa: F811
    client = login_as(provider.user)
    post_file(client, xlsx_bytes([HEADER]), "leeg.xlsx")
    upload = _latest(db)
    assert upload.status is UploadStatus.PREVIEWED and not upload.aantal_rijen

    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)

    assert "Bevestigen en" not in page
    assert "Het bestand bevat geen ingevulde regels onder de kopregel" in page
    assert "al opgeslagen" not in page


def test_unchanged_rows_next_to_errors_are_named_as_saved_and_the_errors_as_to_fix(login_as, provider, db):  # noqa: F811
    client = login_as(provider.user)
    rows = presence_rows(provider, provider.start + timedelta(days=3))
    post_file(client, xlsx_bytes([HEADER, *rows]), "maart.xlsx")
    confirm(client, _latest(db).id)
    rows[0][3] = "-1"  # the same file again with one row broken: the others are unchanged
    post_file(client, xlsx_bytes([HEADER, *rows]), "maart-fout.xlsx")
    upload = _latest(db)
    assert (upload.aantal_ongewijzigd, upload.aantal_fout) == (len(rows) - 1, 1)

    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)

    assert "Bevestigen en" not in page
    assert "elke regel heeft een fout" not in page
    assert (f"{len(rows) - 1} regels zijn al opgeslagen, 1 heeft een fout: verbeter die in uw bestand en upload "
            "het opnieuw.") in page


@pytest.mark.parametrize(("ongewijzigd", "fout", "bericht"), [
    (0, 0, "Het bestand bevat geen ingevulde regels onder de kopregel"),
    (0, 2, "Geen enkele regel in dit bestand kan worden opgeslagen: elke regel heeft een fout."),
    (8, 2, "8 regels zijn al opgeslagen, 2 hebben een fout: verbeter die in uw bestand en upload het opnieuw."),
    (1, 1, "1 regel is al opgeslagen, 1 heeft een fout: verbeter die in uw bestand en upload het opnieuw."),
    (8, 0, "Alles in dit bestand is al opgeslagen; er is niets te bevestigen."),
])
def test_nothing_to_save_says_what_is_true_of_the_file(ongewijzigd, fout, bericht):
    from portal.services.uploads import nothing_to_save

    upload = Upload(aantal_rijen=ongewijzigd + fout, aantal_nieuw=0, aantal_gewijzigd=0,
                    aantal_ongewijzigd=ongewijzigd, aantal_fout=fout)
    assert bericht in nothing_to_save(upload)


def test_prefilled_template_rows_left_empty_are_skipped_and_counted_not_errors(login_as, provider, db):  # noqa: F811
    """A docent fills in the start of the trajecten that started, not every deelnemer of the template."""
    client = login_as(provider.user)
    template = client.get("/uploads/sjabloon/startdatums.csv").data.decode("utf-8-sig")
    header, *prefilled = list(csv.reader(io.StringIO(template), delimiter=";"))
    assert len(prefilled) == 3
    kolom = {h.split(" (")[0]: i for i, h in enumerate(header)}
    prefilled[0][kolom["Gerealiseerde startdatum"]] = f"{provider.start:%d-%m-%Y}"
    prefilled[0][kolom["Reden latere start"]] = "Wachtlijst"
    text = "\n".join(";".join(row) for row in [header, *prefilled])
    post_file(client, text.encode("utf-8"), "starts.csv", soort="startdatums")
    upload = _latest(db)

    assert (upload.aantal_fout, upload.aantal_gewijzigd) == (0, 1)
    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert "Bevestigen en 1 regel" in page
    assert ("2 regels uit het sjabloon zijn niet ingevuld (alleen de deelnemer staat erin) en worden daarom niet "
            "ingelezen.") in page
    assert "Vul de gerealiseerde startdatum in" not in page


def test_prefilled_presentie_rows_left_empty_are_skipped_and_counted_not_errors(login_as, provider, db):  # noqa: F811
    """The presentie template lists every deelnemer; a docent adds the days taught and leaves the rest as it was."""
    client = login_as(provider.user)
    template = client.get("/uploads/sjabloon/presentie.csv").data.decode("utf-8-sig")
    header, *prefilled = list(csv.reader(io.StringIO(template), delimiter=";"))
    assert len(prefilled) == 3
    kolom = {h: i for i, h in enumerate(header)}
    prefilled[0][kolom["Datum"]] = f"{provider.start + timedelta(days=3):%d-%m-%Y}"
    prefilled[0][kolom["Activiteit"]] = "Taalles en KNM"
    prefilled[0][kolom["Uren aanwezig"]] = "2,5"
    text = "\n".join(";".join(row) for row in [header, *prefilled])
    post_file(client, text.encode("utf-8"), "presentie.csv", soort="presentie")
    upload = _latest(db)

    assert (upload.aantal_rijen, upload.aantal_fout, upload.aantal_nieuw) == (1, 0, 1)
    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert "2 regels uit het sjabloon zijn niet ingevuld (alleen de deelnemer staat erin)" in page
    assert "Vul de datum in" not in page and "Bevestigen en 1 regel" in page
