"""Forms of the chain screens; the services in portal.services.chain check the values."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField

from portal.blueprints.fields import DATUM_HINT, DATUM_KW, VERPLICHT, options, select
from portal.models import VerwijzingBesluit


class VerhuizingForm(FlaskForm):
    """A move to another gemeente."""

    naar_gemeente_id = select("Nieuwe gemeente", validators=VERPLICHT)
    datum = StringField("Datum van de verhuizing", validators=VERPLICHT, render_kw=DATUM_KW,
                        description=f"De eerste dag in de nieuwe gemeente, zoals in de BRP. {DATUM_HINT}")


class BesluitForm(FlaskForm):
    """The new gemeente's decision on a verwijzing that was open at the move."""

    besluit = RadioField("Besluit", choices=options(VerwijzingBesluit.choices()), validate_choice=False,
                         validators=VERPLICHT)
    contract_id = select("Contract voor de nieuwe gemeente",
                         description="Alleen bij voortzetten: een contract van dezelfde aanbieder dat de nieuwe "
                                     "gemeente dekt.")
