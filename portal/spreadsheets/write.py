"""Writing spreadsheets people download: templates with dropdowns, CSV variants and error lists.

Anything we write may contain text that came from users or uploads. Spreadsheet programs execute a
cell that starts with = + - @ (and some with tab, CR or NUL) as a formula, so every text cell is
written as a string cell (xlsx) or prefixed with an apostrophe (CSV): exports never carry live formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from portal.spreadsheets.read import SheetLayout

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LISTS_SHEET = "Keuzelijsten"
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")


def text_safe_workbook(buffer: io.BytesIO) -> xlsxwriter.Workbook:
    """An in-memory workbook that writes every string as text: never as a formula, a link or a number."""
    return xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet program would treat this text as a formula or command."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_safe(value: object) -> str:
    """A CSV cell as text; formula-like text gets a leading apostrophe so it stays text.

    Numbers are never formulas: a credit of -37800 cents must reach a financial system as a number, not as text.
    """
    text = _as_text(value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return text
    return "'" + text if is_formula_like(text) else text


def set_text(cell: Cell, value: str) -> None:
    """Put text in an openpyxl cell as a string, even when it starts with '=' (openpyxl would make a formula)."""
    cell.value = value
    cell.data_type = "s"


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(value, bool):
        return "Ja" if value else "Nee"
    return str(value)


@dataclass(frozen=True)
class Choices:
    """Allowed values of one column, offered as a dropdown in the template."""

    column_key: str
    values: tuple[str, ...]


def template_xlsx(
    layout: SheetLayout,
    prefilled: Iterable[Mapping[str, Any]],
    choices: Sequence[Choices],
    instructions: Sequence[str],
    title: str,
    extra_rows: int = 200,
) -> bytes:
    """An xlsx template: data sheet first (header, prefilled rows, dropdowns), instructions, hidden lists."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = layout.sheet_name
    keys = [c.key for c in layout.columns]
    for position, column in enumerate(layout.columns, start=1):
        cell = sheet.cell(row=1, column=position)
        set_text(cell, column.header + ("" if column.required else " (niet verplicht)"))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(position)].width = column.width
        if column.key == "bsn":
            # A BSN is text: as a number Excel drops the leading zero.
            sheet.column_dimensions[get_column_letter(position)].number_format = "@"
    sheet.freeze_panes = "A2"
    last_row = 1
    for row_index, values in enumerate(prefilled, start=2):
        last_row = row_index
        for position, key in enumerate(keys, start=1):
            value = values.get(key)
            cell = sheet.cell(row=row_index, column=position)
            if value is None:
                continue
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            if key == "bsn":
                cell.number_format = "@"
            elif isinstance(value, date):
                cell.number_format = "DD-MM-YYYY"
    validation_end = max(last_row, 1) + extra_rows
    _add_dropdowns(workbook, sheet, layout, choices, validation_end)
    _add_instructions(workbook, layout, title, instructions)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_dropdowns(workbook: Workbook, sheet: Any, layout: SheetLayout, choices: Sequence[Choices], end: int) -> None:
    if not choices:
        return
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    keys = [c.key for c in layout.columns]
    for list_index, choice in enumerate(choices, start=1):
        if choice.column_key not in keys:
            continue
        letter = get_column_letter(list_index)
        set_text(lists.cell(row=1, column=list_index), choice.column_key)
        for value_index, value in enumerate(choice.values, start=2):
            set_text(lists.cell(row=value_index, column=list_index), value)
        source = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(choice.values) + 1}"
        column = layout.columns[keys.index(choice.column_key)]
        validation = DataValidation(
            type="list",
            formula1=source,
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="Ongeldige keuze",
            error=f"Kies een waarde uit de lijst voor '{column.header}'.",
        )
        target = get_column_letter(keys.index(choice.column_key) + 1)
        validation.add(f"{target}2:{target}{end}")
        sheet.add_data_validation(validation)


def _add_instructions(workbook: Workbook, layout: SheetLayout, title: str, instructions: Sequence[str]) -> None:
    info = workbook.create_sheet("Instructies", index=1)
    info.column_dimensions["A"].width = 32
    info.column_dimensions["B"].width = 90
    set_text(info.cell(row=1, column=1), title)
    info.cell(row=1, column=1).font = Font(bold=True, size=14)
    row = 3
    for line in instructions:
        set_text(info.cell(row=row, column=1), line)
        row += 1
    row += 1
    set_text(info.cell(row=row, column=1), "Kolom")
    set_text(info.cell(row=row, column=2), "Wat vult u in")
    info.cell(row=row, column=1).font = Font(bold=True)
    info.cell(row=row, column=2).font = Font(bold=True)
    for column in layout.columns:
        row += 1
        set_text(info.cell(row=row, column=1), column.header)
        hint = column.hint or ""
        if not column.required:
            hint = (hint + " Niet verplicht.").strip()
        set_text(info.cell(row=row, column=2), hint)
        info.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")


def template_csv(layout: SheetLayout, prefilled: Iterable[Mapping[str, Any]]) -> bytes:
    """The CSV variant: semicolons and UTF-8 with BOM, which Dutch Excel opens correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_safe(c.header) for c in layout.columns])
    for values in prefilled:
        writer.writerow([csv_safe(values.get(c.key)) for c in layout.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


ERROR_HEADERS = ("Rij", "Kolom", "Waarde", "Wat is er mis en wat moet u doen")


def errors_xlsx(errors: Iterable[Mapping[str, Any]], bestandsnaam: str) -> bytes:
    """The validation errors of an upload as an xlsx list; every value is written as a string cell."""
    buffer = io.BytesIO()
    workbook = text_safe_workbook(buffer)
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE7F0"})
    sheet = workbook.add_worksheet("Fouten")
    sheet.write_string(0, 0, f"Fouten in {bestandsnaam}", workbook.add_format({"bold": True, "font_size": 13}))
    for col, header in enumerate(ERROR_HEADERS):
        sheet.write_string(2, col, header, bold)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 2, 24)
    sheet.set_column(3, 3, 90)
    for row, error in enumerate(errors, start=3):
        regel = error.get("regel")
        if isinstance(regel, int):
            sheet.write_number(row, 0, regel)
        else:
            sheet.write_string(row, 0, _as_text(regel))
        sheet.write_string(row, 1, _as_text(error.get("kolom")))
        sheet.write_string(row, 2, _as_text(error.get("waarde")))
        sheet.write_string(row, 3, _as_text(error.get("melding")))
    sheet.freeze_panes(3, 0)
    workbook.close()
    return buffer.getvalue()
