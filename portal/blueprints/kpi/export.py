"""The KPI tables as xlsx: figures as numbers, every text as a string cell (nothing can become a formula)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from portal.blueprints.kpi.weergave import zonder_cijfer
from portal.domain.kpi import KpiResultaat
from portal.domain.perioden import Periode
from portal.services.kpi.beleid import Beleidsrapportage
from portal.spreadsheets.write import is_formula_like, text_safe_workbook

MATEN = {"cent": "euro", "uur": "uren"}  # the unit of a row's Aantal and Van, as the Opmerking names it
KOLOMMEN = (("Indicator", 34), ("Onderdeel", 60), ("Aantal", 10), ("Van", 10), ("Percentage", 12),
            ("Waarde", 12), ("Eenheid", 12), ("Streefwaarde %", 14), ("Opmerking", 28))


def tekst(value: object) -> str:
    """Text for a cell; formula-like text gets a leading apostrophe as well, for CSV-like re-use."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


def kpi_xlsx(
    tabellen: Sequence[tuple[str, Sequence[KpiResultaat]]], *, periode: Periode, peildatum: date, selectie: str,
) -> bytes:
    """One sheet per table set (the dashboard, or each aanbieder of the comparison) and a sheet with the rules."""
    buffer = io.BytesIO()
    workbook = text_safe_workbook(buffer)
    kop = workbook.add_format({"bold": True, "bg_color": "#DDE7F0", "text_wrap": True})
    pct = workbook.add_format({"num_format": "0.0"})
    euro = workbook.add_format({"num_format": "#,##0.00"})
    getal = workbook.add_format({"num_format": "#,##0.##"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    gebruikt: set[str] = set()
    for naam, resultaten in tabellen:
        sheet = workbook.add_worksheet(_sheetnaam(naam, gebruikt))
        sheet.write_string(0, 0, tekst(f"Prestatie-indicatoren: {naam}; {selectie}; peildatum {peildatum:%d-%m-%Y}"))
        for col, (kolom, breedte) in enumerate(KOLOMMEN):
            sheet.write_string(2, col, kolom, kop)
            sheet.set_column(col, col, breedte)
        row = 3
        for resultaat in resultaten:
            for rij in resultaat.rijen:
                sheet.write_string(row, 0, tekst(resultaat.titel))
                sheet.write_string(row, 1, tekst(rij.label))
                opmerkingen = []
                if not rij.van_toepassing:
                    opmerkingen.append(zonder_cijfer(rij))
                elif rij.aandeel is not None:
                    if rij.toont_aantallen:
                        sheet.write_number(row, 2, rij.aandeel.aantal)
                        sheet.write_number(row, 3, rij.aandeel.totaal)
                    if rij.aandeel.percentage is not None:
                        sheet.write_number(row, 4, float(rij.aandeel.percentage), pct)
                    else:
                        opmerkingen.append(zonder_cijfer(rij))
                else:
                    if rij.teller is not None:  # the amounts behind a percentage of hours, sessions or cents
                        deler, opmaak = (100, euro) if rij.maat == "cent" else (1, getal)  # cents to euros for display
                        sheet.write_number(row, 2, float(rij.teller) / deler, opmaak)
                        if rij.noemer is not None:
                            sheet.write_number(row, 3, float(rij.noemer) / deler, opmaak)
                        opmerkingen.append(f"aantal en van in {MATEN.get(rij.maat, rij.maat)}")
                    if rij.waarde is not None and rij.eenheid == "cent":
                        sheet.write_number(row, 5, int(rij.waarde) / 100, euro)  # cents to euros only for display
                        sheet.write_string(row, 6, "euro")
                    elif rij.waarde is not None:
                        sheet.write_number(row, 5, float(rij.waarde))
                        sheet.write_string(row, 6, tekst(rij.eenheid))
                    elif rij.eenheid:
                        sheet.write_string(row, 6, tekst(rij.eenheid))
                        opmerkingen.append(zonder_cijfer(rij))
                opmerking = "; ".join(opmerkingen)
                if rij.streef is not None:
                    sheet.write_number(row, 7, rij.streef)
                sheet.write_string(row, 8, opmerking)
                row += 1
        sheet.freeze_panes(3, 0)
        sheet.autofilter(2, 0, max(row - 1, 2), len(KOLOMMEN) - 1)
    regels = workbook.add_worksheet("Rekenregels")
    regels.set_column(0, 0, 30)
    regels.set_column(1, 2, 90)
    for col, kolom in enumerate(("Indicator", "Rekenregel", "Bron")):
        regels.write_string(0, col, kolom, kop)
    for row, resultaat in enumerate(tabellen[0][1] if tabellen else [], start=1):
        regels.write_string(row, 0, tekst(resultaat.titel), wrap)
        regels.write_string(row, 1, tekst(resultaat.regel), wrap)
        regels.write_string(row, 2, tekst(resultaat.bron), wrap)
    workbook.close()
    return buffer.getvalue()


def _sheetnaam(naam: str, gebruikt: set[str]) -> str:
    """Excel sheet names: at most 31 characters, no []:*?/\\, unique."""
    schoon = "".join("_" if c in "[]:*?/\\" else c for c in naam)[:28] or "Blad"
    kandidaat, n = schoon, 2
    while kandidaat.lower() in gebruikt:
        kandidaat, n = f"{schoon[:26]} {n}", n + 1
    gebruikt.add(kandidaat.lower())
    return kandidaat


def beleid_xlsx(rapport: Beleidsrapportage) -> bytes:
    """The beleidsrapportage as one sheet of count tables plus the key indicators; aggregates only."""
    buffer = io.BytesIO()
    workbook = text_safe_workbook(buffer)
    kop = workbook.add_format({"bold": True, "bg_color": "#DDE7F0", "text_wrap": True})
    vet = workbook.add_format({"bold": True})
    pct = workbook.add_format({"num_format": "0.0"})
    sheet = workbook.add_worksheet("Beleidsrapportage")
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 8, 16)
    sheet.write_string(0, 0, tekst(f"Beleidsrapportage inburgering {rapport.gemeente}, {rapport.periode.label}"), vet)
    sheet.write_string(1, 0, f"Peildatum {rapport.peildatum:%d-%m-%Y}. Alleen aantallen, geen persoonsgegevens.")
    row = 3
    for tabel in rapport.tabellen:
        sheet.write_string(row, 0, tekst(tabel.titel), vet)
        sheet.write_string(row + 1, 0, tekst(tabel.uitleg))
        row += 2
        for col, kolom in enumerate(["", *tabel.kolommen, "Totaal"]):
            sheet.write_string(row, col, tekst(kolom), kop)
        for label, values in tabel.met_totalen:
            row += 1
            sheet.write_string(row, 0, tekst(label))
            for col, value in enumerate(values, start=1):
                sheet.write_number(row, col, value)
        row += 2
    sheet.write_string(row, 0, "Kernindicatoren", vet)
    row += 1
    for col, kolom in enumerate(("Indicator", "Aantal", "Van", "Percentage", "Opmerking")):
        sheet.write_string(row, col, kolom, kop)
    for label, rij in rapport.kern_rijen:  # the rows the page shows
        row += 1
        sheet.write_string(row, 0, tekst(label))
        if rij.aandeel is not None and rij.toont_aantallen:
            sheet.write_number(row, 1, rij.aandeel.aantal)
            sheet.write_number(row, 2, rij.aandeel.totaal)
        percentage = rij.aandeel.percentage if rij.aandeel is not None else rij.waarde
        if percentage is not None:
            sheet.write_number(row, 3, float(percentage), pct)
        else:
            sheet.write_string(row, 4, zonder_cijfer(rij))
    workbook.close()
    return buffer.getvalue()
