"""Hostile files are refused with a clear Dutch message before any parser reads them, at little cost."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import openpyxl
import pytest

from portal.spreadsheets import guard
from portal.spreadsheets.guard import Limits, UnsafeFileError
from tests.spreadsheets import payloads


def refused(path: Path, limits: Limits = Limits()) -> str:  # noqa: B008
    with pytest.raises(UnsafeFileError) as info:
        guard.inspect(path, limits)
    return str(info.value)


def test_a_normal_workbook_passes_and_its_rows_are_counted(tmp_path: Path):
    path = payloads.xlsx(tmp_path / "ok.xlsx", payloads.sheet(payloads.rows_xml(50), dimension="A1:A50"))
    inspection = guard.inspect(path)
    assert inspection.kind == "xlsx"
    assert inspection.rows_per_sheet == {"xl/worksheets/sheet1.xml": 50}


def test_an_openpyxl_workbook_with_dropdowns_is_not_mistaken_for_formulas(tmp_path: Path):
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["BSN", "Activiteit"])
    sheet.append(["123456782", "Taalles en KNM"])
    validation = DataValidation(type="list", formula1='"Taalles en KNM,PVT"')
    validation.add("B2:B100")
    sheet.add_data_validation(validation)
    workbook.save(tmp_path / "dropdown.xlsx")
    assert guard.inspect(tmp_path / "dropdown.xlsx").kind == "xlsx"


def test_zip_bomb_is_refused_from_the_directory_without_inflating(tmp_path: Path):
    path = payloads.zip_bomb(tmp_path / "bom.xlsx", megabytes=200)
    assert path.stat().st_size < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    message = refused(path)
    assert "zip-bom" in message or "te groot" in message
    assert time.perf_counter() - started < 1.0
    # Peak memory did not grow by anything like the 200 MB the sheet expands to.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000


def test_part_that_inflates_beyond_its_declared_size_is_refused(tmp_path: Path):
    path = payloads.xlsx(tmp_path / "liar.xlsx", payloads.sheet(payloads.rows_xml(2000)))
    payloads.lie_about_size(path, "xl/worksheets/sheet1.xml", 1000)
    assert "beschadigd" in refused(path)


def test_too_many_zip_entries_is_refused(tmp_path: Path):
    extra = {f"xl/media/image{i}.bin": b"x" for i in range(300)}
    path = payloads.xlsx(tmp_path / "many.xlsx", payloads.sheet(payloads.rows_xml(1)), extra)
    assert "onderdelen" in refused(path)


def test_billion_laughs_in_a_sheet_is_refused(tmp_path: Path):
    path = payloads.xlsx(tmp_path / "lol.xlsx", [payloads.billion_laughs()])
    assert "DOCTYPE" in refused(path)


def test_xxe_in_shared_strings_is_refused(tmp_path: Path):
    path = payloads.xlsx(
        tmp_path / "xxe.xlsx", payloads.sheet(payloads.rows_xml(1)), {"xl/sharedStrings.xml": payloads.xxe()}
    )
    assert "DOCTYPE" in refused(path)


def test_doctype_in_workbook_xml_is_refused_by_defusedxml(tmp_path: Path):
    path = tmp_path / "wb.xlsx"
    payloads.xlsx(path, payloads.sheet(payloads.rows_xml(1)))
    import zipfile

    hostile = tmp_path / "wb2.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/workbook.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "b">]>' + data.split(b"?>", 1)[1]
            target.writestr(item, data)
    assert "DOCTYPE" in refused(hostile)


def test_utf16_part_that_could_hide_a_doctype_is_refused(tmp_path: Path):
    xml = payloads.billion_laughs().decode().encode("utf-16")
    path = payloads.xlsx(tmp_path / "u16.xlsx", [xml])
    assert "tekencodering" in refused(path)


def test_sheet_whose_dimension_hides_rows_is_refused_not_truncated(tmp_path: Path):
    path = payloads.xlsx(tmp_path / "dim.xlsx", payloads.sheet(payloads.rows_xml(20_000), dimension="A1:A2"))
    # The unsafe default this guards against: openpyxl read-only believes <dimension> and reads 2 rows.
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.active.max_row == 2
    workbook.close()
    assert "kleiner bereik" in refused(path)


def test_row_flood_of_a_million_rows_is_refused_quickly(tmp_path: Path):
    path = payloads.xlsx(tmp_path / "flood.xlsx", payloads.sheet(payloads.rows_xml(1_000_000)))
    started = time.perf_counter()
    assert "meer dan 300.000 rijen" in refused(path)
    assert time.perf_counter() - started < 10


def test_csv_row_flood_is_refused(tmp_path: Path):
    path = tmp_path / "flood.csv"
    path.write_bytes(b"BSN;Datum\n" + b"123456782;01-01-2026\n" * 2000)
    assert "meer dan 1.000 rijen" in refused(path, Limits(max_rows=1000))


def test_formula_cells_are_refused(tmp_path: Path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["BSN", "Uren aanwezig"])
    sheet.append(["123456782", "=HYPERLINK(\"http://example.com\",\"klik\")"])
    workbook.save(tmp_path / "formula.xlsx")
    assert "formules" in refused(tmp_path / "formula.xlsx")


def test_formula_with_namespace_prefix_is_refused(tmp_path: Path):
    xml = (
        b'<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:sheetData><x:row r="1"><x:c r="A1"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    assert "formules" in refused(payloads.xlsx(tmp_path / "ns.xlsx", [xml]))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (payloads.PNG, "geen spreadsheet"),
        (payloads.HTML, "geen spreadsheet"),
        (b"%PDF-1.7\n...", "geen spreadsheet"),
        (b"BSN;Naam\n123\x00456;x\n", "geen tekstbestand"),
        # Windows-1252 is read since issue 8; an MS-DOS (cp850) file would be read with wrong letters.
        ("BSN;Naam\n123456782;Jos\u00e9\n".encode("cp850"), "tekencodering"),
        (b"", "leeg"),
    ],
)
def test_files_that_are_not_what_their_extension_says_are_refused(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "bestand.xlsx"
    path.write_bytes(content)
    assert expected in refused(path)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path):
    assert "geen Excel-werkmap" in refused(payloads.plain_zip(tmp_path / "archief.xlsx"))


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path):
    path = tmp_path / "groot.csv"
    path.write_bytes(b"a;b\n" * 1000)
    assert "groter dan" in refused(path, Limits(max_bytes=1024))


def test_utf8_csv_with_bom_passes(tmp_path: Path):
    path = tmp_path / "ok.csv"
    path.write_bytes("\ufeffBSN;Naam\n123456782;José Müller\n".encode())
    assert guard.inspect(path).kind == "csv"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.xlsx", "passwd.xlsx"),
        ("..\\..\\windows\\system32\\x.csv", "x.csv"),
        ("<script>alert(1)</script>.xlsx", "script_.xlsx"),
        ("presentie maart.xlsx", "presentie maart.xlsx"),
        ("..", "bestand"),
        (None, "bestand"),
    ],
)
def test_display_name_keeps_only_a_harmless_last_part(name: str | None, expected: str):
    assert guard.display_name(name) == expected
