"""Forms for the signal thresholds: plain text fields; portal/services/drempels.py parses and checks them."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, StringField

from portal.services.drempels import CONTRACT_VELDEN, VELDEN, DrempelVeld


class Verplicht:
    """Marks a field as required on screen; the service reports a missing value with the other errors."""

    field_flags = {"required": True}

    def __call__(self, form: FlaskForm, field: Field) -> None:
        return None


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _field(veld: DrempelVeld, required: bool) -> StringField:
    eenheid = "procent" if veld.percentage else veld.eenheid
    return StringField(
        f"{veld.label} ({eenheid})", filters=[_strip], validators=[Verplicht()] if required else [],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


def _form_class(name: str, doc: str, velden: tuple[DrempelVeld, ...], required: bool) -> type[FlaskForm]:
    attrs: dict[str, Any] = {"__doc__": doc, **{veld.name: _field(veld, required) for veld in velden}}
    return type(name, (FlaskForm,), attrs)


GemeenteDrempelsForm = _form_class(
    "GemeenteDrempelsForm", "Every threshold of one gemeente.", VELDEN, required=True
)
ContractDrempelsForm = _form_class(
    "ContractDrempelsForm", "The attendance thresholds agreed in one contract (empty: the gemeente's).",
    CONTRACT_VELDEN, required=False,
)


def form_data(form: FlaskForm, velden: tuple[DrempelVeld, ...]) -> dict[str, object]:
    """The raw values of the threshold fields, for the service."""
    return {veld.name: form[veld.name].data for veld in velden}
