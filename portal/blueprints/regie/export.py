"""The caseload with its signals as an xlsx download; text is always written as string cells."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

from portal.services.signalen import CaseCijfers
from portal.spreadsheets.write import is_formula_like, text_safe_workbook

KOLOMMEN = (
    ("Achternaam", 24), ("Voornamen", 24), ("Gemeente", 18), ("Klantregisseur", 22), ("Doelgroep", 26),
    ("Leerroute", 16), ("Niveau", 8), ("PIP ingetrokken per", 13), ("Einde termijn", 13), ("Aanbieders", 30),
    ("Aantal signalen", 10), ("Signalen", 60), ("Toelichting", 120),
)
# Leerroute and niveau are those of the PIP in force (portal.domain.pip.van_kracht). Without one, "Leerroute" says
# why (no PIP yet, or withdrawn) and "PIP ingetrokken per" holds the date a withdrawal took effect.
KOLOM = {naam: col for col, (naam, _breedte) in enumerate(KOLOMMEN)}


def _tekst(value: object) -> str:
    """Text for a cell; formula-like text gets a leading apostrophe as well, for CSV-like re-use."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


def caseload_xlsx(
    cases: Sequence[CaseCijfers], *, peildatum: date, pip_ingetrokken: Mapping[int, date] | None = None
) -> bytes:
    """One row per inburgeraar with its signals; nothing in the file can become a live formula. `pip_ingetrokken`:
    per inburgeraar id, the date its PIP's withdrawal took effect (overzichten.pip_ingetrokken_per)."""
    pip_ingetrokken = pip_ingetrokken or {}
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

    def datum_cel(row: int, naam: str, value: date | None) -> None:
        if value:
            sheet.write_datetime(row, KOLOM[naam], value, datum_fmt)
        else:
            sheet.write_string(row, KOLOM[naam], "")

    for row, c in enumerate(cases, start=3):
        ingetrokken = pip_ingetrokken.get(c.id) if c.leerroute is None else None
        leerroute = c.leerroute.label if c.leerroute else ("PIP ingetrokken" if ingetrokken else "Nog geen PIP")
        values = (
            c.achternaam, c.voornamen, c.gemeente_naam, c.klantregisseur_naam or "",
            c.doelgroep.label, leerroute, c.niveau.value if c.niveau else "",
        )
        for col, value in enumerate(values):
            sheet.write_string(row, col, _tekst(value))
        datum_cel(row, "PIP ingetrokken per", ingetrokken)
        datum_cel(row, "Einde termijn", c.termijn_einde)
        sheet.write_string(row, KOLOM["Aanbieders"], _tekst(", ".join(c.aanbieders)))
        sheet.write_number(row, KOLOM["Aantal signalen"], len(c.signalen))
        sheet.write_string(row, KOLOM["Signalen"], _tekst("; ".join(s.titel for s in c.signalen)), wrap)
        sheet.write_string(row, KOLOM["Toelichting"], _tekst("\n".join(s.uitleg for s in c.signalen)), wrap)
    sheet.freeze_panes(3, 2)
    sheet.autofilter(2, 0, max(2, 2 + len(cases)), len(KOLOMMEN) - 1)
    workbook.close()
    return buffer.getvalue()
