"""Files shaped like real provider exports lose nothing silently: header variants are understood, unused columns
are reported, a missing column is named, undivided absence is never dropped, CSV encodings are read correctly,
and macro workbooks are refused."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Presentie, UploadSoort, UploadStatus
from portal.services import uploads
from portal.services.uploads import Settings
from portal.spreadsheets import guard
from portal.spreadsheets.guard import UnsafeFileError
from portal.spreadsheets.layouts import LAYOUTS, PRESENTIE, AbsenceError, split_absence
from portal.spreadsheets.read import Column, ReadError, SheetLayout, read
from tests.spreadsheets import payloads
from tests.spreadsheets.conftest import Provider
from tests.spreadsheets.test_upload_service import confirm, upload_file

# --- header variants -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "key"), [
    ("Uren afwezig", "uren_afwezig"),
    ("Afwezig (uren)", "uren_afwezig"),
    ("Aanwezig", "uren_aanwezig"),
    ("Aanwezig (uren)", "uren_aanwezig"),
    ("Gevolgde lesuren", "uren_aanwezig"),
    ("Datum les", "datum"),
    ("Lesdatum", "datum"),
    ("BSN-nummer", "bsn"),
    ("Burgerservicenummer", "bsn"),
    ("Geoorloofd verzuim (uren)", "uren_afwezig_geoorloofd"),
    ("Ongeoorloofd verzuim", "uren_afwezig_ongeoorloofd"),
    ("Soort afwezigheid", "soort_afwezigheid"),
    ("Geoorloofd/ongeoorloofd", "soort_afwezigheid"),
    ("Reden verzuim", "reden_afwezig"),
])
def test_common_presence_header_variants_are_recognised(tmp_path: Path, header: str, key: str):
    path = tmp_path / "kop.csv"
    others = [h for h in ("BSN", "Datum", "Activiteit", "Uren aanwezig") if PRESENTIE.lookup()[h.lower()] != key]
    path.write_text(";".join([*others, header]) + "\n", encoding="utf-8")
    result = read(path, "csv", PRESENTIE, 100)
    assert key in result.columns and header not in result.ignored_headers


@pytest.mark.parametrize("soort", list(LAYOUTS), ids=lambda s: s.value)
def test_every_header_and_synonym_of_every_layout_is_recognised(tmp_path: Path, soort: UploadSoort):
    layout = LAYOUTS[soort]
    required = [c.header for c in layout.all_columns if c.required]
    for column in layout.all_columns:
        for name in (column.header, *column.synonyms):
            header = [h for h in required if h != column.header and layout.lookup()[h.lower()] != column.key]
            path = tmp_path / "kop.csv"
            path.write_text(";".join([*header, name.title()]) + "\n", encoding="utf-8")
            result = read(path, "csv", layout, 100)
            assert result.columns.get(column.key) == len(header), (soort, column.key, name)


# --- what is not read is said ----------------------------------------------------------------------------------

def test_the_reader_returns_every_header_it_does_not_read(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("BSN;Naam cursist;Docent;Datum;Activiteit;Uren aanwezig;Opmerkingen;Aanwezig\n"
                    "123456782;Jan;Anna;05-03-2026;Taalles;2;;3\n", encoding="utf-8")
    result = read(path, "csv", PRESENTIE, 100)
    # The name is only there for the eye; the second presence column would contradict the first.
    assert result.ignored_headers == ["Naam cursist", "Docent", "Opmerkingen", "Aanwezig"]
    assert [r.values["uren_aanwezig"] for r in result.rows] == ["2"]


def test_a_missing_required_column_is_named_with_the_unrecognised_headers(tmp_path: Path):
    path = tmp_path / "leerlingadministratie.csv"
    path.write_text("Presentie week 10\n\nBSN;Naam;Lesdatum;Les;Aanwezig (uren)\n123456782;Jan;05-03-2026;NT2;2\n",
                    encoding="utf-8")
    with pytest.raises(ReadError) as info:
        read(path, "csv", PRESENTIE, 100)
    message = str(info.value)
    assert "De kolom 'Activiteit' ontbreekt in de kopregel (rij 3)" in message
    assert "Deze kolommen zijn niet herkend: Les." in message
    assert "Geen kopregel" not in message


def test_several_missing_columns_are_all_named(tmp_path: Path):
    path = tmp_path / "weinig.csv"
    path.write_text("BSN;Naam;Opmerking\n123456782;Jan;x\n", encoding="utf-8")
    with pytest.raises(ReadError, match="De kolommen 'Datum', 'Activiteit' en 'Uren aanwezig' ontbreken"):
        read(path, "csv", PRESENTIE, 100)


def test_a_caller_that_can_fill_in_the_activity_gets_the_rows_and_is_told_it_is_missing(tmp_path: Path):
    path = tmp_path / "zonder-activiteit.csv"
    path.write_text("BSN;Lesdatum;Aanwezig\n123456782;05-03-2026;2,5\n", encoding="utf-8")
    result = read(path, "csv", PRESENTIE, 100, optional=frozenset({"activiteit"}))
    assert result.missing == ("activiteit",)
    [(regel, values)] = list(result.records(("bsn", "activiteit", "uren_aanwezig")))
    assert (regel, values) == (2, ("123456782", None, "2,5"))


# --- undivided absence -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "expected"), [
    ((None, None, "0,5", "Ongeoorloofd"), (None, "0,5")),
    ((None, None, 1.5, "geoorloofd"), (1.5, None)),
    ((None, None, "0", None), (None, None)),
    ((None, None, None, "geoorloofd"), (None, None)),
    (("1", "0,5", None, None), ("1", "0,5")),
    (("1", None, "", None), ("1", None)),
])
def test_undivided_absence_goes_to_the_kind_it_is(values: tuple[Any, ...], expected: tuple[Any, Any]):
    assert split_absence(*values) == expected


@pytest.mark.parametrize(("values", "fragment"), [
    ((None, None, "0,5", None), "Geef aan of deze afwezigheid geoorloofd of ongeoorloofd is"),
    ((None, None, "0,5", "ziek"), "('ziek' is geen soort)"),
    (("1", None, "0,5", "geoorloofd"), "niet allebei"),
])
def test_undivided_absence_is_never_guessed(values: tuple[Any, ...], fragment: str):
    with pytest.raises(AbsenceError) as info:
        split_absence(*values)
    assert fragment in info.value.melding and info.value.kolom == "uren_afwezig"


# --- encodings -------------------------------------------------------------------------------------------------

NAMES_LAYOUT = SheetLayout("Namen", (Column("bsn", "BSN"), Column("naam", "Naam"), Column("reden", "Reden",
                                                                                           required=False)))
NAMEN = ["José Müller", "Zoë Çelik", "Ana Peña-Ibáñez"]
REDEN = "Ziek – afspraak bij de huisarts (€ 0)"


def _names_csv(separator: str = ";", reden: str = REDEN) -> str:
    lines = [separator.join(["BSN", "Naam", "Reden"])]
    lines += [separator.join([f"12345678{n}", naam, reden]) for n, naam in enumerate(NAMEN)]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(("encoding", "separator"), [
    ("utf-8", ";"), ("utf-8-sig", ";"), ("utf-16", "\t"), ("utf-16-be-bom", "\t"), ("cp1252", ";"),
])
def test_csv_encodings_excel_writes_are_read_with_every_letter(tmp_path: Path, encoding: str, separator: str):
    path = tmp_path / "namen.csv"
    text = _names_csv(separator)
    path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding))
    assert guard.inspect(path).kind == "csv"
    rows = list(read(path, "csv", NAMES_LAYOUT, 100).rows)
    assert [r.values["naam"] for r in rows] == NAMEN
    assert {r.values["reden"] for r in rows} == {REDEN}


@pytest.mark.parametrize("content", [
    _names_csv(reden="ziek").encode("cp850"),  # Excel's "CSV (MS-DOS)"
    _names_csv(reden="ziek").encode("mac_roman"),  # Excel for Mac's "CSV (Macintosh)"
    _names_csv().encode("utf-16-le"),  # UTF-16 without a byte order mark
    _names_csv().encode("utf-32"),
    "BSN;Naam\n123456782;Ren\u00e9\n".encode("cp850"),  # é at the end of a word
    "BSN;Naam\n123456782;Jos\u00e9 M\u00fcller\n".encode("mac_roman"),
    "BSN;Naam;Reden\n123456782;Anna;caf\u00e9 dicht, ge\u00efnd, pr\u00e8s\n".encode("cp850"),
], ids=["ms-dos", "macintosh", "utf-16-zonder-bom", "utf-32", "ms-dos-woordeinde", "macintosh-e-en-u",
        "ms-dos-trema"])
def test_other_encodings_are_refused_saying_how_to_save_the_file(tmp_path: Path, content: bytes):
    path = tmp_path / "namen.csv"
    path.write_bytes(content)
    with pytest.raises(UnsafeFileError) as info:
        guard.inspect(path)
    message = str(info.value)
    assert "tekencodering" in message and "CSV UTF-8" in message


# --- macro workbooks -------------------------------------------------------------------------------------------

def _workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    workbook.active.append(["BSN", "Datum", "Activiteit", "Uren aanwezig"])
    workbook.save(path)
    return path


def _with_part(source: Path, target: Path, name: str, data: bytes, content_types: bytes | None = None) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "[Content_Types].xml" and content_types is not None:
                content = content_types
            dst.writestr(info.filename, content)
        if name:
            dst.writestr(name, data)
    return target


def test_a_workbook_with_a_vba_project_is_refused(tmp_path: Path):
    path = _with_part(_workbook(tmp_path / "a.xlsx"), tmp_path / "macro.xlsx", "xl/vbaProject.bin", b"\x00" * 64)
    with pytest.raises(UnsafeFileError, match="macro's"):
        guard.inspect(path)


def test_a_workbook_with_a_macro_enabled_content_type_is_refused(tmp_path: Path):
    plain = _workbook(tmp_path / "a.xlsx")
    with zipfile.ZipFile(plain) as archive:
        types = archive.read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    assert b"macroEnabled" in types
    path = _with_part(plain, tmp_path / "macro.xlsx", "", b"", content_types=types)
    with pytest.raises(UnsafeFileError, match=r"Excel-werkmap \(\*\.xlsx\)"):
        guard.inspect(path)


@pytest.mark.parametrize("name", ["presentie.xlsm", "PRESENTIE.XLSM", "sjabloon.xltm"])
def test_a_macro_enabled_file_name_is_refused_at_upload(db: Session, provider: Provider, settings: Settings,
                                                        tmp_path: Path, name: str):
    content = _workbook(tmp_path / "a.xlsx").read_bytes()
    with pytest.raises(UnsafeFileError, match="macro's"):
        uploads.store(db, provider.user, UploadSoort.PRESENTIE, io.BytesIO(content), name, settings.upload_dir,
                      settings.limits)
    assert not settings.upload_dir.exists() or list(settings.upload_dir.iterdir()) == []


def test_an_old_xls_file_is_refused_with_how_to_save_it(tmp_path: Path):
    path = tmp_path / "oud.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(UnsafeFileError, match=r"Excel 97-2003"):
        guard.inspect(path)


def test_an_ordinary_workbook_still_passes(tmp_path: Path):
    assert guard.inspect(_workbook(tmp_path / "gewoon.xlsx"), filename="gewoon.xlsx").kind == "xlsx"
    assert guard.inspect(payloads.xlsx(tmp_path / "mini.xlsx", payloads.sheet(payloads.rows_xml(3)))).kind == "xlsx"


# --- a student administration's export, end to end -------------------------------------------------------------

EXPORT_HEADER = ["BSN-nummer", "Naam cursist", "Lesdatum", "Soort les", "Aanwezig (uren)", "Afwezig (uren)",
                 "Soort afwezigheid", "Reden", "Opmerkingen"]


def _export_rows(provider: Provider, day: date) -> list[list[Any]]:
    first, second, third = (v.inburgeraar for v in provider.verwijzingen)
    text_day = day.strftime("%d-%m-%Y")
    return [
        # The BSN as a number: Excel dropped its leading zeros.
        [int(first.bsn), "José Müller", text_day, "Taalles en KNM", "2,5", "0,5", "Ongeoorloofd", "te laat", "bus"],
        [int(second.bsn), "Zoë Çelik", text_day, "Taalles en KNM", "3", "0", None, None, None],
        [int(third.bsn), "Ana Peña", text_day, "Taalles en KNM", "1,5", "1,5", "Geoorloofd", "huisarts", None],
        # Absence without its kind: listed as an error with what to do, not saved as 0 and not guessed.
        [int(first.bsn), "José Müller", (day + timedelta(days=1)).strftime("%d-%m-%Y"), "Taalles en KNM", "2",
         "1", None, "ziek", None],
    ]


def _export_xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Export"
    sheet.append(["Presentieoverzicht Taalcentrum – week 10"])
    sheet.merge_cells("A1:I1")  # a merged title cell across the table
    sheet.append(["Gemaakt door: leerlingadministratie"])
    sheet.merge_cells("A2:D2")
    sheet.append([])
    sheet.append(EXPORT_HEADER)
    for row in rows:
        sheet.append(row)
    sheet.append(["Totaal", None, None, None, "9", "3", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _export_csv_cp1252(rows: list[list[Any]]) -> bytes:
    lines = ["Presentieoverzicht Taalcentrum;;;;;;;;", ";;;;;;;;", ";".join(EXPORT_HEADER)]
    lines += [";".join("" if v is None else str(v) for v in row) for row in rows]
    lines.append("Totaal;;;;9;3;;;")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


@pytest.mark.parametrize(("make", "name"), [(_export_xlsx, "export.xlsx"), (_export_csv_cp1252, "export.csv")])
def test_a_student_administration_export_is_read_completely(db: Session, provider: Provider, settings: Settings,
                                                            make, name: str):
    day = provider.start + timedelta(days=14)
    upload = upload_file(db, provider, settings, make(_export_rows(provider, day)), name=name)
    assert upload.status is UploadStatus.PREVIEWED, upload.melding
    assert (upload.aantal_rijen, upload.aantal_nieuw, upload.aantal_fout) == (4, 3, 1)
    [fout] = upload.fouten
    assert (fout["regel"], fout["kolom"]) == (8 if name.endswith("xlsx") else 7, "Uren afwezig")
    assert "geoorloofd of ongeoorloofd" in fout["melding"]

    confirm(db, provider, settings, upload)
    stored = {p.verwijzing_id: p for p in db.scalars(select(Presentie))}
    first, second, third = provider.verwijzingen
    assert (stored[first.id].uren_aanwezig, stored[first.id].uren_afwezig_ongeoorloofd,
            stored[first.id].uren_afwezig_geoorloofd) == (Decimal("2.50"), Decimal("0.50"), Decimal("0.00"))
    assert stored[first.id].reden_afwezig == "te laat"
    assert (stored[second.id].uren_aanwezig, stored[second.id].uren_afwezig_ongeoorloofd) == (Decimal("3.00"), 0)
    assert (stored[third.id].uren_afwezig_geoorloofd, stored[third.id].uren_afwezig_ongeoorloofd) == (
        Decimal("1.50"), Decimal("0.00"))
    assert len(stored) == 3
