"""Forms of contract management: raw text and choices; portal/services/billing/contracten.py checks them."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from portal.blueprints.fields import DATUM_HINT, DATUM_KW, VERPLICHT, VOORWAARDELIJK, options, select, strip
from portal.models.billing import Eenheid, IndicatorSoort, Trigger, Voorziening
from portal.models.enums import Declaratieperiode, Inkoopvorm
from portal.models.resultaat import Examenonderdeel
from portal.models.traject import Activiteit


class ContractForm(FlaskForm):
    """A contract's billing settings."""

    inkoopvorm = select("Inkoopvorm", options(Inkoopvorm.choices()), validators=VERPLICHT)
    declaratieperiode = select("Declaratieperiode", options(Declaratieperiode.choices()), validators=VERPLICHT,
                               description="Vast zodra er declaraties onder het contract zijn.")
    declaratietermijn_dagen = StringField("Declaratietermijn in dagen", filters=[strip],
                                          description="Binnen zoveel dagen na afloop van de periode declareren; "
                                                      "minstens 1.",
                                          render_kw={"inputmode": "numeric", "autocomplete": "off"})


class IndicatorForm(FlaskForm):
    """A new prestatie-indicator."""

    code = StringField("Code", filters=[strip], validators=VERPLICHT, description="Uniek binnen het contract, "
                       "bijvoorbeeld UUR-B1.", render_kw={"autocomplete": "off"})
    naam = StringField("Naam", filters=[strip], validators=VERPLICHT, render_kw={"autocomplete": "off"})
    onderdeel = select("Onderdeel", validators=VERPLICHT)
    trigger = select("Wat levert de prestatie op", options(Trigger.choices(), leeg="Kies…"), validators=VERPLICHT)
    soort = select("Soort", options(IndicatorSoort.choices(), leeg="Volgt uit wat de prestatie oplevert"))
    activiteit = select("Activiteit (bij uren aanwezig)", options(Activiteit.choices(), leeg="Alle activiteiten "
                                                                                             "van het onderdeel"))
    drempel_uren = StringField("Urenmijlpaal (bij urenmijlpaal)", filters=[strip], validators=VOORWAARDELIJK,
                               description="Verplicht als de prestatie een urenmijlpaal is: het aantal uren.",
                               render_kw={"inputmode": "decimal", "autocomplete": "off"})
    examenonderdeel = select("Examenonderdeel (bij examen geslaagd)",
                             options(Examenonderdeel.choices(), leeg="Kies bij examen geslaagd…"),
                             validators=VOORWAARDELIJK,
                             description="Verplicht als de prestatie een geslaagd examenonderdeel is.")
    min_aanwezigheid_pct = StringField("Minimale aanwezigheid in de periode (procent)", filters=[strip],
                                       description="Leeg: geen voorwaarde. Lagere aanwezigheid wordt als bevinding "
                                                   "gemeld.", render_kw={"inputmode": "numeric",
                                                                         "autocomplete": "off"})
    telt_geoorloofd_afwezig = BooleanField("Geoorloofde afwezigheid wordt betaald")
    max_eenheden = StringField("Maximum eenheden per verwijzing", filters=[strip],
                               description="Leeg: bij uren de gecontracteerde uren van de verwijzing.",
                               render_kw={"inputmode": "decimal", "autocomplete": "off"})
    voorziening = select("Voorziening in de SPUK-verantwoording",
                         options(Voorziening.choices(), leeg="Volgt uit het onderdeel"),
                         description="Alleen invullen als de kosten niet bij het onderdeel horen, bijvoorbeeld "
                                     "de inzet van een tolk.")


class TariefForm(FlaskForm):
    """A dated tarief of one indicator."""

    geldig_vanaf = StringField("Geldig vanaf", filters=[strip], validators=VERPLICHT,
                               description="Een lopend tarief eindigt de dag ervoor; een nog niet gebruikt tarief "
                                           "van dezelfde dag wordt vervangen. " + DATUM_HINT,
                               render_kw=DATUM_KW)
    geldig_tot = StringField("Geldig tot en met", filters=[strip], description="Leeg: tot nader order. "
                             + DATUM_HINT, render_kw=DATUM_KW)
    bedrag = StringField("Bedrag in euro", filters=[strip], validators=VERPLICHT,
                         description="Per eenheid, bijvoorbeeld 12,50.",
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    eenheid = select("Eenheid", options(Eenheid.choices(), leeg="Kies…"), validators=VERPLICHT)
    gemeente_id = select("Alleen voor gemeente")
    fictief = BooleanField("Fictief tarief (voorbeeld, geen afspraak)")


class BudgetForm(FlaskForm):
    """A budget for one gemeente in one year."""

    gemeente_id = select("Gemeente", validators=VERPLICHT)
    jaar = StringField("Jaar", filters=[strip], validators=VERPLICHT,
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})
    bedrag = StringField("Budget in euro", filters=[strip], validators=VERPLICHT,
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
