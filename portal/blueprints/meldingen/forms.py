"""The mail preference form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from portal.models import MailModus


class MailVoorkeurForm(FlaskForm):
    """How the user wants to hear about new meldingen by e-mail."""

    modus = RadioField(
        "E-mail over meldingen",
        choices=[SelectChoice(value, label) for value, label in MailModus.choices()],
        validate_choice=False,  # checked below with a Dutch message
        validators=[InputRequired(message="Kies hoe u e-mail over meldingen wilt ontvangen.")],
        description=(
            "E-mails bevatten nooit namen, BSN's of andere persoonsgegevens, alleen wat er gebeurde en een link."
        ),
    )

    def validate_modus(self, field: RadioField) -> None:
        """Only the offered choices."""
        if field.data not in MailModus._value2member_map_:
            raise ValidationError("Kies een van de drie mogelijkheden.")
