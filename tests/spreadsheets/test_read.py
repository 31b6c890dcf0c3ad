"""The reader accepts spreadsheets as people really fill them in, and hands raw values to the services."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from portal.spreadsheets import guard
from portal.spreadsheets.layouts import PRESENTIE
from portal.spreadsheets.read import ReadError, normalise_header, read


def messy_workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Blad1"
    sheet.append(["Presentielijst maart 2026 – Taalschool Noord"])
    sheet.append([])
    sheet.append(["Opmerking", "  bsn  ", "DATUM (dd-mm-jjjj)", "Soort activiteit", "Aantal uren", "Docent", "Reden"])
    sheet.append(["", 12345672, 46086, "Taalles en KNM", "2,5", "Anna", None])
    sheet.append([])
    sheet.append(["x", "012345672", "05-03-2026", "taalles en knm", 3, "Anna", ""])
    sheet.append([None, "012345672", datetime(2026, 3, 6), "Taalles en KNM", 1.75, None, None])
    sheet.append(["Totaal", None, None, None, "=SOM(E4:E7)", None, None])
    sheet.append([None, "999999999", "07-03-2026", "Taalles en KNM", 1, None, None])
    workbook.save(path)
    return path


def test_title_rows_synonyms_case_extra_columns_empty_rows_and_totaal(tmp_path: Path):
    path = messy_workbook(tmp_path / "rommelig.xlsx")
    result = read(path, "xlsx", PRESENTIE, max_rows=1000)
    rows = list(result.rows)
    assert result.header_row == 3
    assert set(result.columns) == {"bsn", "datum", "activiteit", "uren_aanwezig", "reden_afwezig"}
    assert "Docent" in result.ignored_headers and "Opmerking" in result.ignored_headers
    # Empty row 5 skipped; reading stops at the Totaal row, so row 9 below it is not data.
    assert [r.regel for r in rows] == [4, 6, 7]
    first = rows[0].values
    assert first["bsn"] == 12345672  # the lost leading zero is restored by parse_bsn in the service
    assert first["datum"] == 46086  # an Excel serial date, converted by parse_date
    assert first["uren_aanwezig"] == "2,5"
    assert rows[1].values["datum"] == "05-03-2026"
    assert rows[1].values["reden_afwezig"] is None  # empty text is no value


def test_csv_with_semicolons_bom_and_comma_decimals(tmp_path: Path):
    path = tmp_path / "presentie.csv"
    path.write_bytes(
        "\ufeffOverzicht\n\nBSN;Traject;Datum;Activiteit;Uren aanwezig\n"
        "12345672;V-000001;05-03-2026;Taalles en KNM;2,5\n;;;;\nTOTAAL;;;;2,5\n".encode()
    )
    assert guard.inspect(path).kind == "csv"
    rows = list(read(path, "csv", PRESENTIE, 1000).rows)
    assert len(rows) == 1
    assert rows[0].regel == 4
    assert rows[0].values == {
        "bsn": "12345672", "traject": "V-000001", "datum": "05-03-2026", "activiteit": "Taalles en KNM",
        "uren_aanwezig": "2,5",
    }


def test_comma_separated_csv_is_also_understood(tmp_path: Path):
    path = tmp_path / "komma.csv"
    path.write_text("bsn,datum,activiteit,uren\n123456782,05-03-2026,Taalles en KNM,\"2,5\"\n", encoding="utf-8")
    rows = list(read(path, "csv", PRESENTIE, 1000).rows)
    assert rows[0].values["uren_aanwezig"] == "2,5"


def test_missing_header_says_which_columns_are_needed(tmp_path: Path):
    path = tmp_path / "geen-kop.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(ReadError) as info:
        read(path, "csv", PRESENTIE, 1000)
    assert "BSN" in str(info.value) and "Datum" in str(info.value)


def test_row_cap_applies_to_data_rows(tmp_path: Path):
    path = tmp_path / "veel.csv"
    path.write_text("BSN;Datum;Activiteit;Uren aanwezig\n" + "123456782;05-03-2026;Taalles;1\n" * 11, encoding="utf-8")
    with pytest.raises(ReadError, match="meer dan 10 rijen"):
        list(read(path, "csv", PRESENTIE, 10).rows)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("  Uren_Aanwezig* ", "uren aanwezig"), ("Datum (dd-mm-jjjj)", "datum"),
     ("Reden afwezigheid:", "reden afwezigheid"), ("Geëxamineerd", "geexamineerd")],
)
def test_header_normalisation(text: str, expected: str):
    assert normalise_header(text) == expected
