"""Forms of the declaraties: a decision on one regel; portal/services/billing/declaraties.py checks it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField

from portal.blueprints.fields import VERPLICHT, VOORWAARDELIJK, options, select, strip
from portal.models.billing import Afwijsreden


class BesluitForm(FlaskForm):
    """Approve or reject one regel; a rejection needs a reason, 'anders' also a toelichting."""

    besluit = RadioField("Besluit", choices=options([("goedgekeurd", "Goedkeuren"), ("afgewezen", "Afwijzen")]),
                         validate_choice=False, validators=VERPLICHT)
    afwijsreden = select("Reden van afwijzen", options(Afwijsreden.choices(), leeg="Kies bij afwijzen een reden"),
                         validators=VOORWAARDELIJK, description="Verplicht als u de regel afwijst.")
    toelichting = TextAreaField("Toelichting", filters=[strip], validators=VOORWAARDELIJK,
                                description="Verplicht bij de reden 'Anders'. Noem geen namen of BSN's.")
