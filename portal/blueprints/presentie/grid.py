"""The weekly presentie grid's form side: a submitted row as presentie inputs, and their errors back in place.

Which rows and days the grid shows is portal.services.weekrooster; saving is portal.services.presentie.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField

from portal.formatting import datum, getal
from portal.models.traject import Activiteit
from portal.services import ValidationError
from portal.services.presentie import PresentieInput, clean_reden
from portal.services.validation import is_empty, parse_hours
from portal.services.weekrooster import DAGEN, DAGEN_KORT, VELDEN, Cell, Row

_SERVICE_VELD = {
    "uren_aanwezig": "aanwezig", "datum": "aanwezig", "uren_afwezig_geoorloofd": "geoorloofd",
    "uren_afwezig_ongeoorloofd": "ongeoorloofd", "reden_afwezig": "reden",
}


class _Dagen(Field):
    """The day inputs of a row, aanwezig_0 … reden_6 as the row template names them, in one field: `data` maps
    each name that was sent to its text. One field instead of 28 (binding a WTForms field per input cost more
    than checking the row); a name that was not sent is not in `data` (its input was not on the page)."""

    NAMES = tuple(f"{veld}_{dag}" for veld in VELDEN for dag in range(7))

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.process_errors = []
        self.raw_data = []
        self.data = {} if formdata is None else {n: formdata.get(n) for n in self.NAMES if n in formdata}


class RijForm(FlaskForm):
    """One row of the weekly grid: where the grid was (week, activity, search, page) and, per day, hours present
    and absent and the reason."""

    class Meta:
        # CSRFProtect checks every POST's token before the view (portal.extensions.csrf); the row's form sends the
        # page's token itself (csrf_token()). A token field of its own would sign a second token per save.
        csrf = False

    week = HiddenField()
    activiteit = HiddenField()
    q = HiddenField()
    pagina = HiddenField()
    dagen = _Dagen()


def inputs_from_form(row: Row, form: Any, activiteit: Activiteit) -> list[PresentieInput]:
    """Presentie inputs for the days of a submitted row that carry a value or already had a stored record.

    The submitted raw text goes to the service unchanged; the cells keep it so errors show what was typed.
    Absence fields that were not submitted at all (the row's absence panel was never opened, so they were not
    on the page) keep what is stored: only a field sent empty clears a value.
    """
    inputs = []
    sent = form.dagen.data
    for cell in row.cells:
        if not cell.editable:
            continue  # no inputs are shown for these days; the service would refuse them anyway
        had_record = cell.stored
        submitted = {}
        for v in VELDEN:
            name = f"{v}_{cell.index}"
            if v != "aanwezig" and name not in sent:
                submitted[v] = cell.values[v]  # not on the page: unchanged
            else:
                submitted[v] = (sent.get(name) or "").strip()[:500]
        if not any(submitted.values()) and not had_record:
            cell.values = dict.fromkeys(VELDEN, "")
            continue
        cell.values = submitted
        inputs.append(PresentieInput(
            regel=cell.index + 1, verwijzing_id=row.verwijzing.id, datum=cell.day, activiteit=activiteit,
            uren_aanwezig=submitted["aanwezig"], uren_afwezig_geoorloofd=submitted["geoorloofd"],
            uren_afwezig_ongeoorloofd=submitted["ongeoorloofd"], reden_afwezig=submitted["reden"],
        ))
    return inputs


def show_saved(row: Row, inputs: list[PresentieInput]) -> None:
    """After a successful save: the submitted days as stored (Dutch decimals, the reason as kept), without
    loading the row again. Only valid input gets here, so every value parses."""
    for item in inputs:
        cell = row.cells[item.regel - 1]
        uren = {veld: parse_hours(raw, label=veld) if not is_empty(raw) else Decimal(0)
                for veld, raw in (("aanwezig", item.uren_aanwezig), ("geoorloofd", item.uren_afwezig_geoorloofd),
                                  ("ongeoorloofd", item.uren_afwezig_ongeoorloofd))}
        cell.values = {
            "aanwezig": getal(uren["aanwezig"]),
            "geoorloofd": getal(uren["geoorloofd"]) if uren["geoorloofd"] else "",
            "ongeoorloofd": getal(uren["ongeoorloofd"]) if uren["ongeoorloofd"] else "",
            "reden": clean_reden(item.reden_afwezig) or "",
        }
        cell.opgeslagen = dict(cell.values)  # the next change of this row is asked about against these
        cell.stored = True
        cell.errors = {}
    row.errors = []


def attach_errors(row: Row, error: ValidationError) -> None:
    """Put each row error (a day of the week) next to the input it is about; errors about the deelnemer go on
    the row."""
    for day in error.rows:
        for name, melding in day.errors.items():
            veld = _SERVICE_VELD.get(name)
            if veld is None or day.row is None or not 1 <= day.row <= 7:
                if melding not in row.errors:
                    row.errors.append(melding)
                continue
            cell = row.cells[day.row - 1]
            cell.errors[veld] = f"{cell.errors[veld]} {melding}" if veld in cell.errors else melding


def label(cell: Cell, veld: str, row: Row) -> str:
    """Visually hidden label, e.g. 'Uren aanwezig maandag 17-11 voor Amina Yusuf'."""
    what = {
        "aanwezig": "Uren aanwezig", "geoorloofd": "Uren geoorloofd afwezig",
        "ongeoorloofd": "Uren ongeoorloofd afwezig", "reden": "Reden afwezigheid",
    }[veld]
    return f"{what} {cell.dag} {datum(cell.day)[:5]} voor {row.naam}"


def template_helpers() -> dict[str, Any]:
    """Names the grid templates use."""
    return {"DAGEN": DAGEN, "DAGEN_KORT": DAGEN_KORT, "cell_label": label}

