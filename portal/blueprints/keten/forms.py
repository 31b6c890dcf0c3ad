"""Forms of the chain screens; the services in portal.services.chain check the values."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField

from portal.blueprints.beheer.forms import CheckboxListField
from portal.blueprints.fields import DATUM_HINT, DATUM_KW, VERPLICHT, VOORWAARDELIJK, options, select
from portal.models import HandhavingGrond, HandhavingSoort, VerwijzingBesluit


class VerhuizingForm(FlaskForm):
    """A move to another gemeente."""

    naar_gemeente_id = select("Nieuwe gemeente", validators=VERPLICHT)
    datum = StringField("Datum van de verhuizing", validators=VERPLICHT, render_kw=DATUM_KW,
                        description=f"De eerste dag in de nieuwe gemeente, zoals in de BRP. {DATUM_HINT}")


class BesluitForm(FlaskForm):
    """The new gemeente's decision on a verwijzing that was open at the move."""

    besluit = RadioField("Besluit", choices=options(VerwijzingBesluit.choices()), validate_choice=False,
                         validators=VERPLICHT)
    contract_id = select("Contract voor de nieuwe gemeente", validators=VOORWAARDELIJK,
                         description="Verplicht bij voortzetten: een contract van dezelfde aanbieder dat de nieuwe "
                                     "gemeente dekt.")


class ActieForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ExportForm(FlaskForm):
    """Which gemeente's pending berichten to export."""

    gemeente_id = select("Gemeente", validators=VERPLICHT)


class AntwoordForm(FlaskForm):
    """DUO's answer to one bericht, as the transport reports it."""

    status = StringField("HTTP-status van DUO", validators=VERPLICHT, render_kw={"inputmode": "numeric", "size": "4"},
                         description="201 of 204 is geaccepteerd; 400, 403, 404, 500 of 503 is afgewezen.")
    foutmeldingen = TextAreaField("Foutmeldingen van DUO", description="Eén fouttekst per regel, zoals DUO ze gaf.")
    contactpersoon_id = StringField("Id van de contactpersoon bij DUO", render_kw={"inputmode": "numeric"},
                                    validators=VOORWAARDELIJK,
                                    description="Verplicht als DUO het aanmelden van een contactpersoon accepteerde: "
                                                "het id uit DUO's antwoord (1 tot en met 99999).")


class HandhavingForm(FlaskForm):
    """A waarschuwing or boete the gemeente decided."""

    soort = RadioField("Maatregel", choices=options(HandhavingSoort.choices()), validate_choice=False,
                       validators=VERPLICHT)
    grond = RadioField("Grond", choices=options(HandhavingGrond.choices()), validate_choice=False,
                       validators=VERPLICHT)
    datum = StringField("Datum van de beschikking", validators=VERPLICHT, description=DATUM_HINT, render_kw=DATUM_KW)
    verwijtbaarheid_pct = StringField("Verwijtbaarheid (procent)", render_kw={"inputmode": "numeric", "size": "4"},
                                      validators=VOORWAARDELIJK,
                                      description="Verplicht bij een boete: 0 tot en met 100, bijvoorbeeld 25, 50, 75 "
                                                  "of 100.")
    bedrag = StringField("Bedrag (euro)", render_kw={"inputmode": "decimal", "size": "10"}, validators=VOORWAARDELIJK,
                         description="Verplicht bij een boete, zoals in de beschikking: bijvoorbeeld 250 of 1.234,50. "
                                     "Leeg bij een waarschuwing.")
    kenmerk = StringField("Kenmerk beschikking", render_kw={"autocomplete": "off"})
    toelichting = TextAreaField("Toelichting", description="Geen gezondheidsgegevens: die horen in de intake.")
    presentie_ids = CheckboxListField("Bewijs: presentie met afwezigheid", choices=[], validate_choice=False)


class PipIntrekkenForm(FlaskForm):
    """The withdrawal of the PIP in force."""

    datum = StringField("Datum van intrekking", validators=VERPLICHT, render_kw=DATUM_KW,
                        description=f"De dag waarop de intrekking ingaat; niet in de toekomst. {DATUM_HINT}")
    reden = TextAreaField("Reden van intrekking", validators=VERPLICHT,
                          description="Bijvoorbeeld: ten onrechte vastgesteld, geen inburgeringsplicht meer. "
                                      "Geen gezondheidsgegevens.")


class CbsForm(FlaskForm):
    """Which gemeente and period the CBS file covers."""

    gemeente_id = select("Gemeente", validators=VERPLICHT)
    van = StringField("Eerste dag van de periode", render_kw=DATUM_KW)
    tot = StringField("Laatste dag van de periode", render_kw=DATUM_KW, description=DATUM_HINT)
