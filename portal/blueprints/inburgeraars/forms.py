"""Forms for registering an inburgeraar, recording a PIP and making a verwijzing.

Fields are plain text and selects: the service (portal.services.cases) checks BSNs, dates, hours and the
DUO rules, and its ValidationError messages are put onto these fields with `formflow.apply_errors`.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.blueprints.fields import DATUM_HINT, DATUM_KW, VERPLICHT, VOORWAARDELIJK, options, select
from portal.models.enums import Doelgroep, IndicatorAlfabetisering, Leerroute, NiveauPip

DATE_HINT = DATUM_HINT
DATE_KW = DATUM_KW


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms options."""
    return options(pairs)


def _select(label: str, pairs: list[tuple[str, str]] | None = None, **kwargs: Any) -> SelectField:
    return select(label, choices(pairs or []), **kwargs)


class InburgeraarForm(FlaskForm):
    """Registration of a new inburgeraar."""

    bsn = StringField("BSN", validators=VERPLICHT, description="Negen cijfers, bijvoorbeeld 123456782.",
                      render_kw={"autocomplete": "off", "inputmode": "numeric", "size": "12"})
    voornamen = StringField("Voornamen", validators=VERPLICHT, render_kw={"autocomplete": "off"})
    achternaam = StringField("Achternaam", validators=VERPLICHT, render_kw={"autocomplete": "off"})
    geboortedatum = StringField("Geboortedatum", validators=VERPLICHT, description=DATE_HINT, render_kw=DATE_KW)
    doelgroep = _select("Doelgroep", [("", "Kies de doelgroep"), *Doelgroep.choices()], validators=VERPLICHT)
    gemeente_id = _select("Gemeente", validators=VERPLICHT)
    klantregisseur_id = _select("Klantregisseur")
    datum_kennisgeving = StringField("Datum kennisgeving DUO", description=DATE_HINT, render_kw=DATE_KW)
    datum_brp_inschrijving = StringField("Datum inschrijving BRP", description=DATE_HINT, render_kw=DATE_KW)


class PipForm(FlaskForm):
    """A new version of the PIP."""

    dagtekening = StringField("Dagtekening", validators=VERPLICHT, description=DATE_HINT, render_kw=DATE_KW)
    leerroute = RadioField("Leerroute", choices=choices(Leerroute.choices()), validate_choice=False,
                           validators=VERPLICHT)
    niveau = RadioField(
        "Niveau", choices=choices([*NiveauPip.choices(), ("", "Geen niveau")]), validate_choice=False,
        validators=VOORWAARDELIJK,
        description="Verplicht bij de B1-route. Nooit A2 bij de onderwijsroute, nooit B1 bij de Z-route.",
    )
    geschatte_intensiteit = StringField(
        "Geschatte intensiteit B1-route (uren)",
        description="Alleen bij de B1-route voor asielstatushouders: een heel getal van 1 tot en met 9999.",
        render_kw={"inputmode": "numeric", "size": "6"},
    )
    reden_wijziging = TextAreaField("Reden van de wijziging", validators=VOORWAARDELIJK,
                                    description="Verplicht vanaf de tweede versie.")
    indicator_alfabetisering = RadioField(
        "Alfabetiseringsonderwijs (voor DUO)", validate_choice=False,
        choices=choices([*IndicatorAlfabetisering.choices(), ("", "Nog niet bekend")]),
        description="A: analfabeet; AA: anders gealfabetiseerd (ander schrift). Nodig voor het inburgeringsaanbod.")
    indicator_mag_opleiding_afmaken = RadioField(
        "Mag de lopende opleiding afmaken (voor DUO)", validate_choice=False,
        choices=choices([("ja", "Ja"), ("nee", "Nee"), ("", "Niet van toepassing")]))


class VerwijzingForm(FlaskForm):
    """A verwijzing to an aanbieder under a contract."""

    contract_id = _select("Aanbieder en contract", validators=VERPLICHT,
                          description="Alleen contracten die de gemeente van deze inburgeraar omvatten.")
    onderdeel = _select("Onderdeel", validators=VERPLICHT,
                        description="Alleen onderdelen die passen bij de doelgroep en het PIP.")
    beoogde_startdatum = StringField("Beoogde startdatum", validators=VERPLICHT, description=DATE_HINT,
                                     render_kw=DATE_KW)
    uiterste_einddatum = StringField("Uiterste einddatum", validators=VERPLICHT, description=DATE_HINT,
                                     render_kw=DATE_KW)
    gecontracteerde_uren = StringField("Gecontracteerde uren", description="Bijvoorbeeld 600 of 12,5.",
                                       render_kw={"inputmode": "decimal", "size": "8"})
    uren_per_week = StringField("Uren per week", description="Bijvoorbeeld 12 of 7,5.",
                                render_kw={"inputmode": "decimal", "size": "6"})
    doelen = TextAreaField("Doelen", description="Bijvoorbeeld de doelen van de Z-route of de begeleiding.")
