"""Forms for the signal thresholds: plain text fields; portal/services/drempels.py parses and checks them."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import StringField

from portal.blueprints.fields import VERPLICHT, strip
from portal.services.drempels import CONTRACT_VELDEN, VELDEN, DrempelVeld


def _field(veld: DrempelVeld, required: bool) -> StringField:
    eenheid = "procent" if veld.percentage else veld.eenheid
    return StringField(
        f"{veld.label} ({eenheid})", filters=[strip], validators=VERPLICHT if required else [],
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
