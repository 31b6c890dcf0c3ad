"""Forms for the registrations; they carry the raw input, the services check it (one validation path)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from portal.blueprints.fields import VERPLICHT, VOORWAARDELIJK, options, select, strip
from portal.models.resultaat import (
    TAAL_EXAMENONDERDELEN,
    AfschalingStatus,
    BereiktNiveau,
    Examenniveau,
    Examenonderdeel,
    Examenuitslag,
    JaNee,
    OmstandighedenSoort,
    RedenGeenResultaat,
    TaalschakelResultaat,
)

DATUM_HINT = "Bijvoorbeeld 05-03-2026."
V = VERPLICHT
_strip = strip


def _keuzes(pairs: list[tuple[str, str]], leeg: str | None = "Kies …") -> list[SelectChoice]:
    return options(pairs, leeg)


_select = select


class VoortgangForm(FlaskForm):
    """A periodic progress note."""

    peildatum = StringField("Peildatum", V, description=DATUM_HINT, filters=[_strip])
    motivatie = TextAreaField("Motivatie", V, description="Inzet en houding van de deelnemer.")
    voortgang = TextAreaField("Voortgang", V, description="Wat de deelnemer heeft geleerd, tussentijdse resultaten.")
    belemmeringen = TextAreaField("Belemmeringen", description="Wat de voortgang in de weg staat.")


class OmstandighedenForm(FlaskForm):
    """A change in personal circumstances, for the klantregisseur."""

    soort = _select("Wat is er veranderd?", _keuzes(OmstandighedenSoort.choices()), validators=V)
    datum = StringField("Datum van de wijziging", V, description=DATUM_HINT, filters=[_strip])
    toelichting = TextAreaField("Toelichting", V, description="Alleen zichtbaar voor de gemeente en uw organisatie.")


class AfschalingForm(FlaskForm):
    """An afschalingsverzoek: which parts to A2, with the provider's observations and the inburgeraar's view."""

    onderdelen = SelectMultipleField(
        "Onderdelen naar A2",
        choices=_keuzes([(o.value, o.label) for o in TAAL_EXAMENONDERDELEN], leeg=None),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,
    )
    observaties_aanbieder = TextAreaField("Observaties van de aanbieder", V,
                                          description="Inzet, aanwezigheid en ontwikkeling van de deelnemer.")
    ervaring_inburgeraar = TextAreaField("Ervaring van de inburgeraar", V,
                                         description="Hoe de deelnemer zelf het leren van de taal ervaart.")


class ExamenForm(FlaskForm):
    """One exam part result as DUO defines it."""

    onderdeel = _select("Examenonderdeel", _keuzes(Examenonderdeel.choices()), validators=V)
    niveau = _select("Niveau", _keuzes(Examenniveau.choices()), validators=V)
    examendatum = StringField("Examendatum", V, description=DATUM_HINT, filters=[_strip])
    resultaat = _select("Resultaat", _keuzes(Examenuitslag.choices()), validators=V)
    reden_geen_resultaat = _select("Reden geen resultaat", _keuzes(RedenGeenResultaat.choices()),
                                   validators=VOORWAARDELIJK,
                                   description="Verplicht bij 'geen resultaat'; laat het anders leeg.")


class RouteResultaatForm(FlaskForm):
    """End result of an onderwijsroute, MAP, PVT or Z-route; the page shows the fields of the onderdeel."""

    taalschakel_resultaat = _select("Resultaat taalschakeltraject", _keuzes(TaalschakelResultaat.choices()),
                                    validators=V)
    datum_taalschakel_resultaat = StringField("Datum van het resultaat", V, description=DATUM_HINT, filters=[_strip])
    datum_eindgesprek_map = StringField("Datum eindgesprek MAP", V, description=DATUM_HINT, filters=[_strip])
    datum_ondertekening_pvt = StringField("Datum ondertekening participatieverklaring", V, description=DATUM_HINT,
                                          filters=[_strip])
    verwijtbaar = _select(
        "Overschrijding van de termijn verwijtbaar?", _keuzes(JaNee.choices(), leeg="Niet van toepassing"),
        description="Alleen invullen als de inburgeringstermijn is overschreden.",
    )
    datum_afronding_z_route = StringField("Datum afronding Z-route", V, description=DATUM_HINT, filters=[_strip])
    bereikt_niveau = _select("Bereikt taalniveau", _keuzes(BereiktNiveau.choices()), validators=V)


class BesluitForm(FlaskForm):
    """The klantregisseur's decision on an afschalingsverzoek."""

    besluit = RadioField("Besluit", V, choices=_keuzes([
        (AfschalingStatus.GOEDGEKEURD.value, "Goedkeuren: het PIP gaat naar niveau A2"),
        (AfschalingStatus.AFGEWEZEN.value, "Afwijzen"),
    ], leeg=None), validate_choice=False)
    besluit_reden = TextAreaField("Reden", validators=VOORWAARDELIJK,
                                  description="Verplicht bij afwijzen; de aanbieder ziet deze reden.")
    next = HiddenField()  # the local page to return to (the case page embeds this form)
    dagtekening = StringField("Dagtekening nieuw PIP", description="Leeg laten voor vandaag. " + DATUM_HINT,
                              filters=[_strip])
