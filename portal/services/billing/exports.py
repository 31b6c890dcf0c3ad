"""Exports for the gemeente's financial administration: a declaratie as xlsx (formula-safe), as JSON and CSV in the
shape of the iJw/iWmo 323 declaratie and 325 retour messages, and the SPUK costs per gemeente, voorziening and year.

The client reference is the verwijzing's kenmerk, not a BSN or name: the financial system books per referral and
needs nothing more (the gemeente finds the person through the kenmerk in the portal).

Amounts, one convention per export so no reader counts a credit twice:
* JSON (323/325 pattern): every amount without a sign, plus its `debet_credit` indicator (D or C), as the iWmo
  messages carry it; the message header says so (`bericht.bedragen`). A regel's indicator is its kind
  (`DeclaratieRegel.is_credit`, as the xlsx's "Debet/credit"), so a credit of 0 cents is C; a total's is its sign.
* CSV: one signed amount, `bedrag_cent_met_teken` (credit regels negative), and no indicator: the column sums to
  the declaratie's total. Its first column, `versie`, carries EXPORT_VERSIE on every row.
* xlsx (for people): "Bedrag (€, credit negatief)" signed, the "Debet/credit" column only names the kind of regel.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session

from portal.models import (
    Declaratie,
    DeclaratieRegel,
    Gemeente,
    KostenTotaal,
    Prestatie,
    PrestatieIndicator,
    Verwijzing,
)
from portal.models.billing import DeclaratieStatus, RegelStatus, Voorziening, voorziening_van
from portal.services.billing.declaraties import totalen
from portal.services.billing.spuk import InburgeraarKosten
from portal.spreadsheets.write import csv_safe, text_safe_workbook

# What each decision is called in the retour message.
_STATUS_325 = {RegelStatus.INGEDIEND: "in_behandeling", RegelStatus.GOEDGEKEURD: "toegekend",
               RegelStatus.AFGEWEZEN: "afgewezen"}
_CONCEPT = "concept"


@dataclass(frozen=True)
class ExportRegel:
    """One regel as the exports carry it; `bedrag_cent` in euro cents with its sign (credit regels negative)."""

    regelnummer: int
    referentie: str
    vorige_referentie: str | None
    verwijzing: str
    indicator: str
    omschrijving: str
    voorziening: str
    periode: str
    prestatiedatum: date
    eenheid: str
    aantal: str
    tarief_cent: int
    bedrag_cent: int
    debet_credit: str
    status: str
    reden: str | None
    toelichting: str | None
    status_label: str
    reden_label: str | None


def regels(session: Session, declaratie: Declaratie) -> list[ExportRegel]:
    """The declaratie's regels in a stable order, numbered from 1."""
    rows = session.execute(
        select(DeclaratieRegel, Prestatie, PrestatieIndicator.code, PrestatieIndicator.naam,
               PrestatieIndicator.onderdeel, PrestatieIndicator.voorziening, Verwijzing.kenmerk)
        .join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id)
        .join(PrestatieIndicator, PrestatieIndicator.id == Prestatie.indicator_id)
        .join(Verwijzing, Verwijzing.id == Prestatie.verwijzing_id)
        .where(DeclaratieRegel.declaratie_id == declaratie.id)
        .order_by(Verwijzing.kenmerk, PrestatieIndicator.code, Prestatie.periode, DeclaratieRegel.id)
    )
    concept = declaratie.status is DeclaratieStatus.CONCEPT
    found = []
    for n, (regel, prestatie, code, naam, onderdeel, eigen, kenmerk) in enumerate(rows, start=1):
        found.append(ExportRegel(
            regelnummer=n, referentie=f"R{regel.id}",
            vorige_referentie=f"R{regel.credit_van_regel_id}" if regel.credit_van_regel_id else None,
            verwijzing=kenmerk, indicator=code, omschrijving=naam, voorziening=voorziening_van(onderdeel, eigen).value,
            periode=prestatie.periode, prestatiedatum=regel.prestatiedatum, eenheid=regel.eenheid.value,
            aantal=f"{regel.aantal:.2f}", tarief_cent=regel.tarief_cent, bedrag_cent=regel.bedrag_cent,
            debet_credit="C" if regel.is_credit else "D", toelichting=regel.toelichting,
            # A concept has not been sent: its regels are in nobody's hands yet, so not "in behandeling".
            status=_CONCEPT if concept else _STATUS_325[regel.status],
            reden=regel.afwijsreden.value if regel.afwijsreden else None,
            status_label=DeclaratieStatus.CONCEPT.label if concept else regel.status.label,
            reden_label=regel.afwijsreden.label if regel.afwijsreden else None,
        ))
    return found


BEDRAGEN_323 = "eurocenten zonder teken; debet_credit (D of C) geeft de richting"
# The shape of the JSON and CSV exports; a reader checks it before summing (portaal-2: the amount conventions below).
EXPORT_VERSIE = "portaal-2"


def debet_credit(cent: int) -> tuple[int, str]:
    """A signed amount as the 323/325 messages carry it: unsigned, with D (debet) or C (credit)."""
    return abs(cent), "C" if cent < 0 else "D"


def as_message(session: Session, declaratie: Declaratie) -> dict[str, Any]:
    """The declaratie as a 323 message with its 325 retour: header, prestaties, totals; amounts in cents without a
    sign, each with its debet/credit indicator (iWmo 323/325), so applying the indicator gives the total."""
    lines = regels(session, declaratie)
    ingediend, ingediend_dc = debet_credit(sum(r.bedrag_cent for r in lines))
    toegekend, toegekend_dc = debet_credit(sum(r.bedrag_cent for r in lines if r.status == "toegekend"))
    return {
        "bericht": {"code": 323, "naam": "Declaratie", "versie": EXPORT_VERSIE, "bedragen": BEDRAGEN_323},
        "declaratienummer": declaratie.nummer,
        "dagtekening": declaratie.ingediend_op.date().isoformat() if declaratie.ingediend_op else None,
        "gemeente": {"cbs_code": declaratie.gemeente.cbs_code, "naam": declaratie.gemeente.naam},
        "aanbieder": {"kvk_nummer": declaratie.aanbieder.kvk_nummer, "naam": declaratie.aanbieder.naam},
        "contract": declaratie.contract.kenmerk,
        "declaratieperiode": {"code": declaratie.periode, "begindatum": declaratie.periode_van.isoformat(),
                              "einddatum": declaratie.periode_tot.isoformat()},
        "status": declaratie.status.value,
        "totaalbedrag_cent": ingediend,
        "debet_credit": ingediend_dc,
        "prestaties": [_prestatie(r) for r in lines],
        # The 325 answer exists once the declaratie was sent; a concept has none yet.
        "retour": None if declaratie.status is DeclaratieStatus.CONCEPT else {
            "bericht": {"code": 325, "naam": "Declaratie-antwoord"},
            "ingediend_bedrag_cent": ingediend, "ingediend_debet_credit": ingediend_dc,
            "toegekend_bedrag_cent": toegekend, "toegekend_debet_credit": toegekend_dc,
            "regels": [{"referentie": r.referentie, "status": r.status, "reden": r.reden,
                        "toelichting": r.toelichting} for r in lines]},
    }


def _prestatie(r: ExportRegel) -> dict[str, Any]:
    # The indicator is the regel's kind (is_credit), as in the xlsx, not the amount's sign: a credit of 0 cents is C.
    bedrag, richting = abs(r.bedrag_cent), r.debet_credit
    return {"regelnummer": r.regelnummer, "referentie": r.referentie, "vorige_referentie": r.vorige_referentie,
            "verwijzing": r.verwijzing, "product": {"code": r.indicator, "omschrijving": r.omschrijving,
                                                    "voorziening": r.voorziening},
            "periode": r.periode, "prestatiedatum": r.prestatiedatum.isoformat(), "eenheid": r.eenheid,
            "aantal": r.aantal, "tarief_cent": r.tarief_cent, "bedrag_cent": bedrag,
            "debet_credit": richting, "status": r.status, "reden": r.reden}


def as_json(session: Session, declaratie: Declaratie) -> bytes:
    """The 323/325 message as UTF-8 JSON."""
    return json.dumps(as_message(session, declaratie), ensure_ascii=False, indent=2).encode("utf-8")


# One signed amount and no debet/credit column: the CSV is read by summing, so the sign is the only indicator.
# The leading `versie` (EXPORT_VERSIE, as the JSON's bericht.versie) lets an importer refuse a shape it does not know.
CSV_KOLOMMEN = ("versie", "declaratienummer", "regelnummer", "referentie", "vorige_referentie", "verwijzing",
                "product_code", "voorziening", "periode", "prestatiedatum", "eenheid", "aantal", "tarief_cent",
                "bedrag_cent_met_teken", "status", "reden", "toelichting")


def as_csv(session: Session, declaratie: Declaratie) -> bytes:
    """One CSV row per regel with the message's fields (semicolons, UTF-8 with BOM, formula-safe); the amount signed,
    credit regels negative, without a debet/credit column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_KOLOMMEN)
    for r in regels(session, declaratie):
        writer.writerow([csv_safe(v) for v in (
            EXPORT_VERSIE, declaratie.nummer, r.regelnummer, r.referentie, r.vorige_referentie, r.verwijzing,
            r.indicator, r.voorziening, r.periode, r.prestatiedatum.isoformat(), r.eenheid, r.aantal, r.tarief_cent,
            r.bedrag_cent, r.status, r.reden, r.toelichting)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


XLSX_KOLOMMEN = ("Regel", "Verwijzing", "Indicator", "Omschrijving", "Periode", "Prestatiedatum", "Eenheid",
                 "Aantal", "Tarief (€)", "Bedrag (€, credit negatief)", "Debet/credit", "Status", "Reden",
                 "Toelichting")


def as_xlsx(session: Session, declaratie: Declaratie) -> bytes:
    """The declaratie as a workbook: numbers as numbers, every text as a string cell (never a formula)."""
    buffer = io.BytesIO()
    workbook = text_safe_workbook(buffer)
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE7F0"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    datum = workbook.add_format({"num_format": "dd-mm-yyyy"})
    sheet = workbook.add_worksheet("Declaratie")
    sheet.write_string(0, 0, f"Declaratie {declaratie.nummer}", workbook.add_format({"bold": True, "font_size": 13}))
    sheet.write_string(1, 0, f"{declaratie.aanbieder.naam} aan {declaratie.gemeente.naam}, periode "
                             f"{declaratie.periode_van:%d-%m-%Y} t/m {declaratie.periode_tot:%d-%m-%Y}, "
                             f"status {declaratie.status.label.lower()}")
    for col, header in enumerate(XLSX_KOLOMMEN):
        sheet.write_string(3, col, header, bold)
    row = 4
    for r in regels(session, declaratie):
        sheet.write_number(row, 0, r.regelnummer)
        for col, value in ((1, r.verwijzing), (2, r.indicator), (3, r.omschrijving), (4, r.periode),
                           (6, r.eenheid)):
            sheet.write_string(row, col, value)
        sheet.write_datetime(row, 5, datetime.combine(r.prestatiedatum, time()), datum)  # sorts and filters as a date
        sheet.write_number(row, 7, float(r.aantal))  # display only; the cents below are exact integers
        sheet.write_number(row, 8, r.tarief_cent / 100, money)
        sheet.write_number(row, 9, r.bedrag_cent / 100, money)
        sheet.write_string(row, 10, "Credit" if r.debet_credit == "C" else "Debet")
        sheet.write_string(row, 11, r.status_label)  # people read the workbook: Dutch labels, not message codes
        sheet.write_string(row, 12, r.reden_label or "")
        sheet.write_string(row, 13, r.toelichting or "")
        row += 1
    # The page's totals (declaraties.totalen), so no one pays the submitted total when regels were rejected.
    t = totalen(session, declaratie)
    for offset, (label, cent) in enumerate((("Totaal ingediend", t.ingediend), ("Goedgekeurd", t.goedgekeurd),
                                            ("Afgewezen", t.afgewezen),
                                            ("Te beoordelen", t.ingediend - t.goedgekeurd - t.afgewezen)), start=1):
        sheet.write_string(row + offset, 8, label, bold)
        sheet.write_number(row + offset, 9, cent / 100, money)
    sheet.set_column(1, 3, 18)
    sheet.set_column(13, 13, 40)
    sheet.freeze_panes(4, 0)
    workbook.close()
    return buffer.getvalue()


# --- SPUK costs -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kosten:
    """Declared and approved cost of one gemeente, voorziening and year (the year of the regels' prestatiedatum)."""

    gemeente: str
    cbs_code: str
    jaar: int
    voorziening: Voorziening
    gedeclareerd_cent: int
    goedgekeurd_cent: int


def spuk_kosten(session: Session, declaratie_ids: Any) -> list[Kosten]:
    """Costs of the submitted declaraties among `declaratie_ids` (a scoped id query), per gemeente, voorziening
    (leerroute, maatschappelijke begeleiding, PVT, MAP, tolken) and year of the prestatiedatum each regel was
    declared with: one aggregate, for the SPUK verantwoording."""
    jaar = extract("year", DeclaratieRegel.prestatiedatum)
    rows = session.execute(
        select(Gemeente.naam, Gemeente.cbs_code, jaar, PrestatieIndicator.onderdeel, PrestatieIndicator.voorziening,
               func.sum(DeclaratieRegel.bedrag_cent),
               func.sum(case((DeclaratieRegel.status == RegelStatus.GOEDGEKEURD, DeclaratieRegel.bedrag_cent),
                             else_=0)))
        .join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
        .join(Gemeente, Gemeente.id == Declaratie.gemeente_id)
        .join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id)
        .join(PrestatieIndicator, PrestatieIndicator.id == Prestatie.indicator_id)
        .where(Declaratie.id.in_(declaratie_ids))
        .group_by(Gemeente.naam, Gemeente.cbs_code, jaar, PrestatieIndicator.onderdeel, PrestatieIndicator.voorziening)
    )
    return _per_voorziening(rows)


def spuk_kosten_bewaard(session: Session, gemeente_ids: Any) -> list[Kosten]:
    """The same costs as `spuk_kosten` over every submitted declaratie of the gemeenten in `gemeente_ids` (a scoped
    id query), read from the kept totals (KostenTotaal): a few rows per gemeente and year, however many regels."""
    rows = session.execute(
        select(Gemeente.naam, Gemeente.cbs_code, KostenTotaal.jaar, PrestatieIndicator.onderdeel,
               PrestatieIndicator.voorziening, func.sum(KostenTotaal.gedeclareerd_cent),
               func.sum(KostenTotaal.goedgekeurd_cent))
        .join(Gemeente, Gemeente.id == KostenTotaal.gemeente_id)
        .join(PrestatieIndicator, PrestatieIndicator.id == KostenTotaal.indicator_id)
        .where(KostenTotaal.gemeente_id.in_(gemeente_ids),
               (KostenTotaal.gedeclareerd_cent != 0) | (KostenTotaal.goedgekeurd_cent != 0))
        .group_by(Gemeente.naam, Gemeente.cbs_code, KostenTotaal.jaar, PrestatieIndicator.onderdeel,
                  PrestatieIndicator.voorziening)
    )
    return _per_voorziening(rows)


def _per_voorziening(rows: Any) -> list[Kosten]:
    """(gemeente, cbs code, year, onderdeel, own voorziening, declared, approved) rows folded per voorziening, in
    the order of the page: gemeente, year, voorziening. A voorziening whose regels net to nothing in a year (declared
    and credited there, the correction dated in another year) is left out, as the kept totals leave it out."""
    totals: dict[tuple[str, str, int, Voorziening], list[int]] = defaultdict(lambda: [0, 0])
    for naam, code, year, onderdeel, eigen, gedeclareerd, goedgekeurd in rows:
        key = (naam, code, int(year), voorziening_van(onderdeel, eigen))
        totals[key][0] += int(gedeclareerd or 0)
        totals[key][1] += int(goedgekeurd or 0)
    volgorde = list(Voorziening)
    return [Kosten(naam, code, year, voorziening, *bedragen)
            for (naam, code, year, voorziening), bedragen in
            sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][2], volgorde.index(kv[0][3]))) if any(bedragen)]


def spuk_csv(kosten: list[Kosten]) -> bytes:
    """The SPUK costs as CSV (semicolons, UTF-8 with BOM, amounts in cents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(("gemeente", "cbs_code", "jaar", "voorziening", "gedeclareerd_cent", "goedgekeurd_cent"))
    for k in kosten:
        writer.writerow([csv_safe(v) for v in (k.gemeente, k.cbs_code, k.jaar, k.voorziening.value,
                                               k.gedeclareerd_cent, k.goedgekeurd_cent)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- SPUK per inburgeraar -------------------------------------------------------------------------------------
# The person is named by the portal's number only: the verantwoording needs cost per person, not who it is.

def _per_inburgeraar_kolommen() -> tuple[str, ...]:
    per_voorziening = tuple(f"{v.value}_{soort}_cent" for v in Voorziening for soort in ("gedeclareerd", "goedgekeurd"))
    return ("portaalnummer", "doelgroep", "huisvestingsjaar", "gemeente", "cbs_code", *per_voorziening,
            "gedeclareerd_cent", "goedgekeurd_cent", "spuk_cent", "verschil_cent")


def _per_inburgeraar_waarden(r: InburgeraarKosten) -> list[Any]:
    per_voorziening: list[Any] = []
    for v in Voorziening:
        b = r.per_voorziening.get(v)
        per_voorziening += [b.gedeclareerd_cent if b else 0, b.goedgekeurd_cent if b else 0]
    return [r.inburgeraar_id, r.doelgroep.value, r.huisvestingsjaar or "", r.gemeente, r.cbs_code, *per_voorziening,
            r.gedeclareerd_cent, r.goedgekeurd_cent, r.spuk_cent, r.verschil_cent]


def spuk_inburgeraars_csv(rijen: list[InburgeraarKosten]) -> bytes:
    """Costs per inburgeraar and voorziening against the SPUK per person (semicolons, UTF-8 with BOM, cents,
    formula-safe)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_per_inburgeraar_kolommen())
    for r in rijen:
        writer.writerow([csv_safe(v) for v in _per_inburgeraar_waarden(r)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def spuk_inburgeraars_xlsx(rijen: list[InburgeraarKosten]) -> bytes:
    """The same as a workbook in euros, with a second sheet per year: the SPUK tranche against approved cost.
    Every text is a string cell, never a formula."""
    buffer = io.BytesIO()
    workbook = text_safe_workbook(buffer)
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE7F0"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    sheet = workbook.add_worksheet("Per inburgeraar")
    koppen = ["Portaalnummer", "Doelgroep", "Huisvestingsjaar", "Gemeente (betaalt)",
              *[f"{v.label}: goedgekeurd (€)" for v in Voorziening], "Gedeclareerd (€)", "Goedgekeurd (€)",
              "SPUK per persoon (€)", "SPUK min goedgekeurd (€)"]
    for col, kop in enumerate(koppen):
        sheet.write_string(0, col, kop, bold)
    for row, r in enumerate(rijen, start=1):
        sheet.write_number(row, 0, r.inburgeraar_id)
        sheet.write_string(row, 1, r.doelgroep.label)
        if r.huisvestingsjaar:
            sheet.write_number(row, 2, r.huisvestingsjaar)
        sheet.write_string(row, 3, r.gemeente)
        bedragen = [r.per_voorziening[v].goedgekeurd_cent if v in r.per_voorziening else 0 for v in Voorziening]
        for col, cent in enumerate([*bedragen, r.gedeclareerd_cent, r.goedgekeurd_cent, r.spuk_cent,
                                    r.verschil_cent], start=4):
            sheet.write_number(row, col, cent / 100, money)
    sheet.set_column(0, len(koppen) - 1, 16)
    sheet.freeze_panes(1, 0)
    jaren = workbook.add_worksheet("Per jaar")
    for col, kop in enumerate(("Portaalnummer", "Gemeente (betaalt)", "Jaar", "SPUK dat jaar (€)",
                               "Goedgekeurd dat jaar (€)")):
        jaren.write_string(0, col, kop, bold)
    row = 1
    for r in rijen:
        for jaar, budget, goedgekeurd in r.jaren():
            jaren.write_number(row, 0, r.inburgeraar_id)
            jaren.write_string(row, 1, r.gemeente)
            jaren.write_number(row, 2, jaar)
            if budget is not None:
                jaren.write_number(row, 3, budget / 100, money)
            jaren.write_number(row, 4, goedgekeurd / 100, money)
            row += 1
    jaren.set_column(0, 4, 18)
    workbook.close()
    return buffer.getvalue()
