"""The form of the KPI settings of one gemeente and year; portal/services/kpi/instellingen.py parses and checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField

from portal.blueprints.fields import VERPLICHT, strip


class InstellingForm(FlaskForm):
    """SPUK amount and target of the six-month start for one gemeente and year."""

    jaar = StringField("Jaar", filters=[strip], validators=VERPLICHT,
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})
    spuk_bedrag = StringField("SPUK-bedrag (euro)", filters=[strip],
                              render_kw={"inputmode": "decimal", "autocomplete": "off"})
    streef_start_6_maanden_pct = StringField("Streefwaarde start binnen 6 maanden (procent)", filters=[strip],
                                             render_kw={"inputmode": "numeric", "autocomplete": "off"})
