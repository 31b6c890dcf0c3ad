"""Forms of the presentie pages: plain text fields; the services check dates and hours."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from portal.blueprints.fields import VERPLICHT, VOORWAARDELIJK

DATE_HINT = "dd-mm-jjjj, bijvoorbeeld 05-03-2026"
HOURS_KW = {"inputmode": "decimal", "autocomplete": "off"}


class StartForm(FlaskForm):
    """Start of the traject, or 'niet gestart' with a reason."""

    gerealiseerde_startdatum = StringField("Gerealiseerde startdatum", validators=VOORWAARDELIJK,
                                           description="Verplicht, behalve als de deelnemer niet is gestart. "
                                           + DATE_HINT, render_kw={"autocomplete": "off"})
    bijgestelde_einddatum = StringField("Bijgestelde einddatum", description=DATE_HINT + ". Laat leeg als de "
                                        "einddatum niet verandert.", render_kw={"autocomplete": "off"})
    reden_latere_start = TextAreaField("Reden latere start", validators=VOORWAARDELIJK,
                                       description="Verplicht als de deelnemer later start dan de beoogde startdatum.")
    niet_gestart = BooleanField("De deelnemer is niet gestart")
    reden_niet_gestart = TextAreaField("Reden niet gestart", validators=VOORWAARDELIJK,
                                       description="Verplicht als de deelnemer niet is gestart.")


class SessieForm(FlaskForm):
    """One session: registering it again for the same day and activity corrects it."""

    datum = StringField("Datum", validators=VERPLICHT, description=DATE_HINT, render_kw={"autocomplete": "off"})
    activiteit = SelectField("Activiteit", choices=[], validators=VERPLICHT)
    uren_aanwezig = StringField("Uren aanwezig", validators=VERPLICHT,
                                description="In kwartieren, bijvoorbeeld 2,5 of 2,75.", render_kw=HOURS_KW)
    uren_afwezig_geoorloofd = StringField("Uren afwezig, geoorloofd", description="Laat leeg of 0 als er geen "
                                          "geoorloofde afwezigheid was.", render_kw=HOURS_KW)
    uren_afwezig_ongeoorloofd = StringField("Uren afwezig, ongeoorloofd", description="Laat leeg of 0 als er geen "
                                            "ongeoorloofde afwezigheid was.", render_kw=HOURS_KW)
    reden_afwezig = TextAreaField("Reden afwezigheid", validators=VOORWAARDELIJK,
                                  description="Verplicht bij afwezigheid.")
