"""Forms of the upload pages: which kind and which file; the guard checks the file's content."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from portal.formatting import getal
from portal.services.uploads import IMPORTEERBAAR, size_text
from portal.spreadsheets.guard import Limits


class UploadForm(FlaskForm):
    """Choose what the file contains and the file itself (.xlsx or .csv)."""

    soort = SelectField("Wat staat er in het bestand?", choices=[SelectChoice(s.value, s.label) for s in IMPORTEERBAAR])
    bestand = FileField(
        "Bestand",
        validators=[FileRequired("Kies een bestand (.xlsx of .csv).")],
        description="Het ingevulde sjabloon als .xlsx of .csv. Er wordt pas iets opgeslagen als u bevestigt.",
        render_kw={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"},
    )


def with_limits(form: UploadForm, limits: Limits) -> UploadForm:
    """Say the maximum size and number of rows before the user chooses a file."""
    form.bestand.description = (
        f"Het ingevulde sjabloon als .xlsx of .csv, hoogstens {size_text(limits.max_bytes)} en "
        f"{getal(limits.max_rows)} regels. Er wordt pas iets opgeslagen als u bevestigt."
    )
    form.bestand.render_kw = {**(form.bestand.render_kw or {}), "data-max-bytes": str(limits.max_bytes)}
    return form


class BevestigForm(FlaskForm):
    """Only the CSRF token: confirming is a deliberate POST."""
