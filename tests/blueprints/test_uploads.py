"""Upload pages: templates, upload → preview → confirm over HTTP, polling fragment, errors download, access."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.models import (
    AuditEvent,
    Examenresultaat,
    Melding,
    MeldingSoort,
    Presentie,
    RegistratieWijziging,
    Upload,
    UploadSoort,
    UploadStatus,
)
from portal.models.enums import Onderdeel, Rol
from portal.spreadsheets.layouts import LAYOUTS
from portal.spreadsheets.read import normalise_header
from tests import factories
from tests.helpers import csrf_token
from tests.spreadsheets.conftest import HEADER, presence_rows, provider, xlsx_bytes  # noqa: F401 - fixture


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def post_file(client, content: bytes, name: str, headers: dict | None = None, soort: str = "presentie"):
    page = client.get("/uploads/")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "soort": soort,
            "bestand": (io.BytesIO(content), name)}
    return client.post("/uploads/", data=data, content_type="multipart/form-data", headers=headers or {})


def confirm(client, upload_id: str):
    page = client.get(f"/uploads/{upload_id}")
    return client.post(f"/uploads/{upload_id}/bevestigen",
                       data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def test_presence_template_is_prefilled_with_own_deelnemers_and_has_dropdowns(login_as, provider, db):  # noqa: F811
    client = login_as(provider.user)
    response = client.get("/uploads/sjabloon/presentie.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Presentie", "Instructies", "Keuzelijsten"]
    assert workbook["Keuzelijsten"].sheet_state == "hidden"
    sheet = workbook["Presentie"]
    assert [c.value for c in sheet[1]][:6] == ["BSN", "Naam (niet verplicht)", "Onderdeel (niet verplicht)",
                                              "Traject (niet verplicht)", "Datum", "Activiteit"]
    bsns = {row[0].value for row in sheet.iter_rows(min_row=2)}
    assert bsns == {v.inburgeraar.bsn for v in provider.verwijzingen}  # text, leading zeros kept
    assert provider.stranger.inburgeraar.bsn not in bsns
    assert all(row[0].data_type == "s" for row in sheet.iter_rows(min_row=2))
    validations = sheet.data_validations.dataValidation
    assert validations and validations[0].formula1.startswith("'Keuzelijsten'!")
    assert "Taalles en KNM" in [c.value for c in workbook["Keuzelijsten"]["A"]]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "sjabloon_gedownload")).one()
    assert event.details == {"formaat": "xlsx", "deelnemers": 3}


@pytest.mark.parametrize(("soort", "deelnemers"),
                         [("presentie", 4), ("examenresultaten", 3), ("startdatums", 4), ("route_resultaten", 1)])
def test_every_template_kind_downloads_as_xlsx_and_csv(login_as, provider, soort, deelnemers):  # noqa: F811
    # Besides the three B1-route deelnemers, one MAP traject: results only list the trajecten they are about.
    map_traject = factories.VerwijzingFactory(contract=provider.verwijzingen[0].contract, onderdeel=Onderdeel.MAP)
    client = login_as(provider.user)
    xlsx = client.get(f"/uploads/sjabloon/{soort}.xlsx")
    assert xlsx.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(xlsx.data)).sheetnames[1] == "Instructies"
    text = client.get(f"/uploads/sjabloon/{soort}.csv").data
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "BSN" and len(rows) == 1 + deelnemers
    if soort == "route_resultaten":
        assert rows[1][0] == map_traject.inburgeraar.bsn
    # What the template calls its columns is what the upload reads back.
    layout = LAYOUTS[UploadSoort(soort)]
    assert [normalise_header(h) for h in rows[0]] == [normalise_header(c.header) for c in layout.columns]


def test_exports_never_contain_live_formulas(login_as, provider, db):  # noqa: F811
    provider.verwijzingen[0].inburgeraar.voornamen = "=HYPERLINK(\"http://evil\",\"x\")"
    provider.verwijzingen[1].inburgeraar.voornamen = "@SUM(1+1)"
    db.flush()
    client = login_as(provider.user)
    xlsx = client.get("/uploads/sjabloon/presentie.xlsx").data
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    names = [row[1] for row in openpyxl.load_workbook(io.BytesIO(xlsx))["Presentie"].iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in names)
    text = client.get("/uploads/sjabloon/presentie.csv").data.decode("utf-8-sig")
    cells = [row[1] for row in csv.reader(io.StringIO(text), delimiter=";")][1:]
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    assert any(c.startswith("'=HYPERLINK") for c in cells) and any(c.startswith("'@SUM") for c in cells)


def test_upload_preview_confirm_over_http(login_as, provider, db, upload_dir):  # noqa: F811
    client = login_as(provider.user)
    day = provider.start + timedelta(days=3)
    response = post_file(client, xlsx_bytes([HEADER, *presence_rows(provider, day)]), "maart.xlsx")
    assert response.status_code == 302
    upload = db.scalars(select(Upload)).one()
    assert response.headers["Location"].endswith(f"/uploads/{upload.id}")
    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert "Controle: nog niets opgeslagen" in page and "Bevestigen en 3 regels opslaan" in page
    assert db.scalar(select(func.count()).select_from(Presentie)) == 0

    assert confirm(client, upload.id).status_code == 302
    db.refresh(upload)
    assert upload.status is UploadStatus.CONFIRMED
    assert db.scalar(select(func.count()).select_from(Presentie)) == 3
    # A second confirmation (double click, back button) is refused and stores nothing more.
    again = confirm(client, upload.id)
    assert again.status_code == 302
    assert "al bevestigd" in client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Presentie)) == 3
    # The stored file is not reachable by URL.
    assert client.get(f"/uploads/{upload.opgeslagen_naam}").status_code == 404
    assert client.get(f"/static/../uploads/{upload.opgeslagen_naam}").status_code == 404


def test_htmx_upload_redirects_and_the_status_fragment_stops_polling_with_an_announcement(
    login_as, provider, db  # noqa: F811
):
    client = login_as(provider.user)
    day = provider.start + timedelta(days=3)
    response = post_file(client, xlsx_bytes([HEADER, *presence_rows(provider, day)]), "p.xlsx",
                         headers={"HX-Request": "true"})
    assert response.status_code == 204
    upload = db.scalars(select(Upload)).one()
    assert response.headers["HX-Redirect"] == f"/uploads/{upload.id}"
    fragment = client.get(f"/uploads/{upload.id}/status", headers={"HX-Request": "true"})
    assert fragment.status_code == 286  # htmx stops polling
    html = fragment.get_data(as_text=True)
    assert 'id="upload-aankondiging" hx-swap-oob="true"' in html and 'aria-live="polite"' in html
    assert "3 nieuw, 0 gewijzigd, 0 ongewijzigd, 0 met fouten" in html


def test_busy_upload_page_polls_and_shows_a_progress_bar(login_as, provider, db):  # noqa: F811
    upload = Upload(aanbieder_id=provider.user.aanbieder_id, user_id=provider.user.id, soort="presentie",
                    bestandsnaam="groot.xlsx", opgeslagen_naam="x.xlsx", bestandstype="xlsx", grootte=10_000_000,
                    sha256="0" * 64, status=UploadStatus.VALIDATING, voortgang=40)
    db.add(upload)
    db.flush()
    client = login_as(provider.user)
    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and '<progress id="verwerking-voortgang" max="100" value="40">' in page
    assert client.get(f"/uploads/{upload.id}/status").status_code == 200


def test_hostile_upload_shows_the_reason_on_the_form(login_as, provider, db):  # noqa: F811
    client = login_as(provider.user)
    response = post_file(client, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "../../etc/passwd.xlsx")
    assert response.status_code == 422
    assert "geen spreadsheet" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Upload)) == 0


def test_htmx_gets_the_form_with_its_error_as_200_so_htmx_swaps_it_in(login_as, provider, db):  # noqa: F811
    # htmx 2 swaps no 4xx response (base.html configures no responseHandling): the fragment must come as 200.
    client = login_as(provider.user)
    response = post_file(client, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "plaatje.xlsx", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "geen spreadsheet" in html
    assert "<html" not in html and "portal-error-summary" in html


def test_errors_download_lists_every_error_and_writes_values_as_text(login_as, provider, db):  # noqa: F811
    client = login_as(provider.user)
    day = provider.start + timedelta(days=3)
    rows = presence_rows(provider, day)
    rows[0][2] = "=cmd|' /C calc'!A0"  # in a CSV this is just text; it must stay text in our export
    rows[1][3] = "-1"
    text = "\n".join(";".join("" if v is None else str(v) for v in row) for row in [HEADER, *rows])
    post_file(client, text.encode(), "p.csv")
    upload = db.scalars(select(Upload)).one()
    page = client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert "Onbekende activiteit" in page and "negatief" in page
    response = client.get(f"/uploads/{upload.id}/fouten.xlsx")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [v[:3] for v in values] == [[2, "Activiteit", "=cmd|' /C calc'!A0"], [3, "Uren aanwezig", "-1"]]


def test_other_providers_get_404(login_as, provider, db):  # noqa: F811
    owner = login_as(provider.user)
    day = provider.start + timedelta(days=3)
    post_file(owner, xlsx_bytes([HEADER, *presence_rows(provider, day)]), "p.xlsx")
    upload = db.scalars(select(Upload)).one()
    other = login_as(factories.UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=factories.AanbiederFactory()))
    for url in (f"/uploads/{upload.id}", f"/uploads/{upload.id}/status", f"/uploads/{upload.id}/fouten.xlsx"):
        assert other.get(url).status_code == 404
    page = other.get("/uploads/")
    assert upload.id not in page.get_data(as_text=True)
    assert other.post(f"/uploads/{upload.id}/bevestigen",
                      data={"csrf_token": csrf_token(page.get_data(as_text=True))}).status_code == 404


def test_klantregisseur_cannot_use_uploads(login_as, db):
    client = login_as(factories.UserFactory(rol=Rol.KLANTREGISSEUR))
    assert client.get("/uploads/").status_code == 403
    assert client.get("/uploads/sjabloon/presentie.xlsx").status_code == 403


def test_every_kind_can_be_uploaded_and_no_kind_is_template_only(login_as, provider):  # noqa: F811
    page = login_as(provider.user).get("/uploads/").get_data(as_text=True)
    for soort in UploadSoort:
        assert f'<option value="{soort.value}"' in page
    assert "Nog niet" not in page and "gebruik voorlopig de formulieren" not in page


def test_exam_results_upload_preview_confirm_reupload_and_correction_over_http(
    login_as, provider, db  # noqa: F811
):
    klantregisseur = factories.UserFactory(rol=Rol.KLANTREGISSEUR,
                                           gemeenten=[provider.verwijzingen[0].inburgeraar.gemeente])
    client = login_as(provider.user)
    template = client.get("/uploads/sjabloon/examenresultaten.csv").data.decode("utf-8-sig")
    header, *prefilled = list(csv.reader(io.StringIO(template), delimiter=";"))
    day = f"{provider.start + timedelta(days=10):%d-%m-%Y}"
    # The user fills in the template: two results, one row left empty, and one foreign BSN added.
    prefilled[0][3:8] = ["KNM", "A2", "Geslaagd", "", day]
    prefilled[1][3:8] = ["LE", "B1", "Gezakt", "", day]
    foreign = [provider.stranger.inburgeraar.bsn, "", "", "KNM", "A2", "Geslaagd", "", day]

    def upload(rows) -> Upload:
        text = "\n".join(";".join(row) for row in [header, *rows])
        assert post_file(client, text.encode("utf-8"), "examens.csv", soort="examenresultaten").status_code == 302
        return db.scalars(select(Upload).order_by(Upload.created_at.desc(), Upload.id)).first()

    first = upload([*prefilled, foreign])
    page = client.get(f"/uploads/{first.id}").get_data(as_text=True)
    assert "Controle: nog niets opgeslagen" in page and "Bevestigen en 2 regels opslaan" in page
    assert "Onbekende deelnemer" in page and provider.stranger.inburgeraar.bsn in page  # the value the user typed
    assert "1 regel uit het sjabloon is niet ingevuld (alleen de deelnemer staat erin)" in page  # not silently
    assert db.scalar(select(func.count()).select_from(Examenresultaat)) == 0

    assert confirm(client, first.id).status_code == 302
    db.refresh(first)
    assert first.status is UploadStatus.CONFIRMED
    assert (first.aantal_nieuw, first.aantal_fout) == (2, 1)
    assert db.scalar(select(func.count()).select_from(Examenresultaat)) == 2
    confirm(client, first.id)  # a second click is refused and stores nothing more
    assert "al bevestigd" in client.get(f"/uploads/{first.id}").get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Examenresultaat)) == 2
    # One summary melding for the klantregisseur about both changed cases.
    [melding] = db.scalars(select(Melding).where(Melding.kind == MeldingSoort.UPLOAD_BEVESTIGD)).all()
    assert melding.user_id == klantregisseur.id and melding.text.endswith(": 2 inburgeraars uit uw caseload gewijzigd.")

    same = upload(prefilled)
    assert (same.aantal_nieuw, same.aantal_gewijzigd, same.aantal_ongewijzigd) == (0, 0, 2)
    confirm(client, same.id)
    assert db.scalar(select(func.count()).select_from(RegistratieWijziging)) == 0
    assert db.scalar(select(func.count()).select_from(Melding).where(
        Melding.kind == MeldingSoort.UPLOAD_BEVESTIGD)) == 1

    prefilled[1][5] = "Geslaagd"
    changed = upload(prefilled)
    assert "Gewijzigd (correctie)" in client.get(f"/uploads/{changed.id}").get_data(as_text=True)
    assert (changed.aantal_gewijzigd, changed.aantal_ongewijzigd) == (1, 1)
    confirm(client, changed.id)
    history = db.scalars(select(RegistratieWijziging)).all()
    assert [(h.veld, h.oude_waarde, h.nieuwe_waarde) for h in history] == [("resultaat", "Gezakt", "Geslaagd")]


def test_result_files_with_many_rows_are_processed_by_a_worker_not_in_the_request(app, monkeypatch, tmp_path):
    from portal.blueprints.uploads import routes
    from portal.services.uploads import Settings
    from portal.spreadsheets.guard import Limits

    monkeypatch.setitem(app.config, "HUEY_IMMEDIATE", False)
    settings = Settings(tmp_path, Limits(), 256 * 1024)
    with app.app_context():
        assert routes._run_inline(Upload(soort=UploadSoort.PRESENTIE, grootte=50_000, aantal_rijen=2000), settings)
        assert routes._run_inline(Upload(soort=UploadSoort.EXAMENRESULTATEN, grootte=5_000, aantal_rijen=40), settings)
        assert not routes._run_inline(
            Upload(soort=UploadSoort.ROUTE_RESULTATEN, grootte=50_000, aantal_rijen=2000), settings)
