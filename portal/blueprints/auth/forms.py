"""Login forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, Regexp


class LoginForm(FlaskForm):
    """E-mail and password, the first factor."""

    email = EmailField(
        "E-mailadres",
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
        validators=[
            DataRequired("Vul de code van zes cijfers in."),
            Length(min=6, max=7, message="De code bestaat uit zes cijfers."),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="De code bestaat uit zes cijfers."),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
