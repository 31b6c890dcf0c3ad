"""Forms for accounts and organisations; the services check the rules and their errors land on these fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, EqualTo

from portal.blueprints.fields import VERPLICHT, options, strip
from portal.models.enums import AanbiederSoort

_strip = strip


def _optional_int(value: object) -> int | None:
    """Select values arrive as text; an empty or tampered choice becomes None and the service says what to fix."""
    if isinstance(value, int):
        return value
    text = str(value or "")
    return int(text) if text.isdigit() else None


def _int_or_zero(value: object) -> int:
    # 0 is never a valid id, so a tampered value is reported by the service as an unknown gemeente.
    return _optional_int(value) or 0


def _password_with_repeat(label: str, missing: str) -> tuple[PasswordField, PasswordField]:
    """A password a beheerder sets for someone, and its repetition (the service checks the password rules)."""
    password = PasswordField(
        label,
        description="Minstens 12 tekens. Geef het wachtwoord op een veilige manier door.",
        validators=[DataRequired(missing)],
        render_kw={"autocomplete": "new-password"},
    )
    repeat = PasswordField(
        "Herhaal het wachtwoord",
        validators=[DataRequired("Herhaal het wachtwoord."),
                    EqualTo("password", "De twee wachtwoorden zijn niet gelijk.")],
        render_kw={"autocomplete": "new-password"},
    )
    return password, repeat


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (easier to use than a multi-select)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserEditForm(FlaskForm):
    """Name, role and gemeenten of an existing account."""

    naam = StringField("Naam", filters=[_strip], validators=[DataRequired("Vul de naam in.")])
    rol = SelectField("Rol", validate_choice=False, validators=[DataRequired("Kies een rol.")])
    telefoonnummer = StringField(
        "Telefoonnummer", filters=[_strip], render_kw={"autocomplete": "off", "inputmode": "tel"},
        description="Voor klantregisseurs: DUO toont dit nummer als contactpersoon van hun inburgeraars.")
    gemeente_ids = CheckboxListField(
        "Gemeenten", coerce=_int_or_zero, validate_choice=False,
        description="Alleen voor medewerkers van een gemeente: de gemeenten waarvoor deze persoon werkt.",
    )


class UserCreateForm(UserEditForm):
    """A new account with its initial password; the second factor is set up at first login."""

    email = StringField(
        "E-mailadres", filters=[_strip], validators=[DataRequired("Vul het e-mailadres in.")],
        render_kw={"autocomplete": "off"},
    )
    aanbieder_id = SelectField(
        "Aanbieder", coerce=_optional_int, validate_choice=False,
        description="Alleen voor medewerkers van een aanbieder.",
    )
    password, password_repeat = _password_with_repeat("Eerste wachtwoord", "Kies een eerste wachtwoord.")


class PasswordForm(FlaskForm):
    """A new password that a beheerder sets for an existing account; the service checks the length."""

    password, password_repeat = _password_with_repeat("Nieuw wachtwoord", "Kies een nieuw wachtwoord.")


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class GemeenteForm(FlaskForm):
    """A gemeente."""

    cbs_code = StringField(
        "CBS-gemeentecode", description="Vier cijfers, bijvoorbeeld 0344.", filters=[_strip],
        validators=[DataRequired("Vul de CBS-gemeentecode in.")],
    )
    naam = StringField("Naam", filters=[_strip], validators=[DataRequired("Vul de naam in.")])
    oin = StringField("OIN", filters=[_strip], render_kw={"inputmode": "numeric", "autocomplete": "off"},
                      description="Organisatie-identificatienummer voor berichten aan DUO: 20 cijfers.")


class AanbiederForm(FlaskForm):
    """An aanbieder organisation."""

    kvk_nummer = StringField(
        "KvK-nummer", description="Acht cijfers.", filters=[_strip],
        validators=[DataRequired("Vul het KvK-nummer in.")],
    )
    naam = StringField("Naam", filters=[_strip], validators=[DataRequired("Vul de naam in.")])
    soort = SelectField(
        "Soort aanbieder", choices=options([("", "Kies…"), *AanbiederSoort.choices()]), validate_choice=False,
        validators=[DataRequired("Kies de soort aanbieder.")],
    )
    actief = BooleanField("Actief", default=True)
    instellingsnummer = StringField(
        "DUO-instellingsnummer", filters=[_strip], render_kw={"autocomplete": "off"},
        description="10 tekens, uit DUO's lijst van instellingen. Nodig voor het inburgeringsaanbod aan DUO.")
    bow_nummer = StringField("Blik op Werk-nummer", filters=[_strip], render_kw={"inputmode": "numeric"},
                             description="Registratienummer bij Blik op Werk: 1 tot 10 cijfers.")
    bow_keurmerk = BooleanField("Keurmerk Blik op Werk (inburgering)")
    tst_keurmerk = BooleanField("Keurmerk taalschakeltrajecten (TST)")


class ApiClientForm(FlaskForm):
    """A system of the organisation that may use the API: its name, what it may do and until when."""

    naam = StringField(
        "Naam van de koppeling", filters=[_strip], description="Bijvoorbeeld de naam van uw studentadministratie.",
        validators=VERPLICHT,
    )
    scopes = CheckboxListField("Bevoegdheden", validate_choice=False,
                               description="Geef alleen wat het systeem echt nodig heeft.")
    gemeente_id = SelectField("Gemeente", coerce=_optional_int, validate_choice=False,
                              description="De gemeente waarvan dit systeem gegevens leest.")
    verloopt_op = StringField(
        "Werkt tot en met", filters=[_strip], render_kw={"autocomplete": "off", "inputmode": "numeric"},
        description="Dag-maand-jaar, hoogstens twee jaar vooruit. Leeg: één jaar.",
    )
