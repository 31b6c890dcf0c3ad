"""Login and own-account forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Regexp


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    """E-mail and password, the first factor."""

    email = EmailField(
        "E-mailadres",
        filters=[_strip],  # pasted addresses often carry a space
        validators=[DataRequired("Vul uw e-mailadres in."), Email("Vul een geldig e-mailadres in.")],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Wachtwoord",
        validators=[DataRequired("Vul uw wachtwoord in.")],
        render_kw={"autocomplete": "current-password"},
    )


class TotpForm(FlaskForm):
    """The six-digit code from the authenticator app, the second factor."""

    code = StringField(
        "Code uit uw authenticator-app",
        description="Zes cijfers, bijvoorbeeld 123456.",
        filters=[_strip],
        validators=[
            DataRequired("Vul de code van zes cijfers in."),
            # [0-9], not \d: \d also matches non-ASCII digits.
            Regexp(r"^[0-9]{3} ?[0-9]{3}$", message="De code bestaat uit zes cijfers."),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordChangeForm(FlaskForm):
    """Change your own password: the current one first, the new one twice."""

    current_password = PasswordField(
        "Huidig wachtwoord",
        validators=[DataRequired("Vul uw huidige wachtwoord in.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "Nieuw wachtwoord",
        description=(
            "Minstens 12 tekens, niet uw e-mailadres en geen bekend of veelgebruikt wachtwoord. "
            "Een zin van vier of meer woorden is sterk en makkelijk te onthouden."
        ),
        validators=[DataRequired("Kies een nieuw wachtwoord.")],
        render_kw={"autocomplete": "new-password"},
    )
    new_password_repeat = PasswordField(
        "Herhaal het nieuwe wachtwoord",
        validators=[
            DataRequired("Herhaal het nieuwe wachtwoord."),
            EqualTo("new_password", "De twee nieuwe wachtwoorden zijn niet gelijk."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
