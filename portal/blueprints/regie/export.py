"""The caseload with its signals as an xlsx download; text is always written as string cells."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from portal.services.signalen import CaseCijfers
from portal.spreadsheets.write import is_formula_like, text_safe_workbook

KOLOMMEN = (
    ("Achternaam", 24), ("Voornamen", 24), ("Gemeente", 18), ("Klantregisseur", 22), ("Doelgroep", 26),
    ("Leerroute", 16), ("Niveau", 8), ("Einde termijn", 13), ("Aanbieders", 30), ("Aantal signalen", 10),
    ("Signalen", 60), ("Toelichting", 120),
)


def _tekst(value: object) -> str:
    """Text for a cell; formula-like text gets a leading apostrophe as well, for CSV-like re-use."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


def caseload_xlsx(cases: Sequence[CaseCijfers], *, peildatum: date) -> bytes:
    """One row per inburgeraar with its signals; nothing in the file can become a live formula."""
    buffer = io.BytesIO()
    workbook = text_safe_workbook(buffer)
    kop = workbook.add_format({"bold": True, "bg_color": "#DDE7F0", "text_wrap": True})
    datum_fmt = workbook.add_format({"num_format": "dd-mm-yyyy"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet = workbook.add_worksheet("Caseload")
    sheet.write_string(0, 0, f"Caseload met signalen, peildatum {peildatum:%d-%m-%Y}")
    for col, (naam, breedte) in enumerate(KOLOMMEN):
        sheet.write_string(2, col, naam, kop)
        sheet.set_column(col, col, breedte)
    for row, c in enumerate(cases, start=3):
        values = (
            c.achternaam, c.voornamen, c.gemeente_naam, c.klantregisseur_naam or "",
            c.doelgroep.label, c.leerroute.label if c.leerroute else "Nog geen PIP",
            c.niveau.value if c.niveau else "",
        )
        for col, value in enumerate(values):
            sheet.write_string(row, col, _tekst(value))
        if c.termijn_einde:
            sheet.write_datetime(row, 7, c.termijn_einde, datum_fmt)
        else:
            sheet.write_string(row, 7, "")
        sheet.write_string(row, 8, _tekst(", ".join(c.aanbieders)))
        sheet.write_number(row, 9, len(c.signalen))
        sheet.write_string(row, 10, _tekst("; ".join(s.titel for s in c.signalen)), wrap)
        sheet.write_string(row, 11, _tekst("\n".join(s.uitleg for s in c.signalen)), wrap)
    sheet.freeze_panes(3, 2)
    sheet.autofilter(2, 0, max(2, 2 + len(cases)), len(KOLOMMEN) - 1)
    workbook.close()
    return buffer.getvalue()
