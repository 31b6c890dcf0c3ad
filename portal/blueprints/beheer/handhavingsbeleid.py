"""The handhaving beleid and the Z-route norm for gezinsmigranten per gemeente: the functioneel beheerder's."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField, TextAreaField

from portal import access
from portal.access import roles_required
from portal.blueprints.beheer import bp
from portal.blueprints.fields import VERPLICHT, strip
from portal.blueprints.formflow import errors_status, input_from, save_form
from portal.domain import normen
from portal.extensions import db
from portal.formatting import euro
from portal.models import Gemeente, User
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.services.chain import beleid

add_nav_item(
    "beheer.handhavingsbeleid", "Handhavingsbeleid en normen", (Rol.FUNCTIONEEL_BEHEERDER,),
    description="boetebedragen, escalatie en de Z-route-norm voor gezinsmigranten, per gemeente", order=87,
)

_BEDRAG_KW = {"inputmode": "decimal", "autocomplete": "off", "size": "12"}


class BeleidForm(FlaskForm):
    """A gemeente's beleid: text fields, services.chain.beleid parses and checks them."""

    max_brede_intake = StringField("Maximum per overtreding bij de brede intake (euro)", filters=[strip],
                                   validators=VERPLICHT, render_kw=_BEDRAG_KW)
    max_pip = StringField("Maximum per overtreding van het PIP (euro)", filters=[strip], validators=VERPLICHT,
                          render_kw=_BEDRAG_KW)
    max_per_termijn = StringField("Maximum aan boetes per inburgeringstermijn (euro)", filters=[strip],
                                  validators=VERPLICHT, render_kw=_BEDRAG_KW)
    waarschuwing_eerst = BooleanField("Eerst een waarschuwing bij een eerste overtreding")
    escalatie = TextAreaField("Escalatie van boetes bij het PIP", filters=[strip],
                              render_kw={"rows": "6", "autocomplete": "off"})
    zroute_norm_gezinsmigrant = StringField("Urennorm Z-route taal voor gezinsmigranten (uren)",
                                            filters=[strip], render_kw={"inputmode": "numeric", "size": "6",
                                                                        "autocomplete": "off"})


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.route("/handhavingsbeleid")
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def handhavingsbeleid() -> str:
    """Per gemeente of the beheerder: the amounts, the escalation and the Z-route norm it uses now."""
    gemeenten = db.session.scalars(access.gemeenten(_actor()).order_by(Gemeente.naam)).all()
    return render_template("beheer/handhavingsbeleid.html",
                           overzicht=[beleid.gemeente_beleid(db.session, g) for g in gemeenten])


@bp.route("/handhavingsbeleid/<int:gemeente_id>", methods=["GET", "POST"])
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def handhavingsbeleid_gemeente(gemeente_id: int) -> str | Response | tuple[str, int]:
    """Change the beleid and the Z-route norm of one of the beheerder's gemeenten."""
    actor = _actor()
    gemeente = access.first_or_404(access.gemeenten(actor).where(Gemeente.id == gemeente_id))
    stand = beleid.gemeente_beleid(db.session, gemeente)
    form = BeleidForm(data={
        "max_brede_intake": euro(stand.beleid.max_brede_intake_cent).removeprefix("€ "),
        "max_pip": euro(stand.beleid.max_pip_cent).removeprefix("€ "),
        "max_per_termijn": euro(stand.beleid.max_per_termijn_cent).removeprefix("€ "),
        "waarschuwing_eerst": stand.beleid.waarschuwing_eerst,
        "escalatie": beleid.stappen_tekst(stand.beleid.escalatie_cent or []),
        "zroute_norm_gezinsmigrant": "" if gemeente.zroute_taal_norm_gezinsmigrant is None
        else str(gemeente.zroute_taal_norm_gezinsmigrant),
    })
    done = save_form(
        form, lambda: beleid.save(db.session, actor, gemeente, input_from(beleid.BeleidInput, form)),
        f"Het handhavingsbeleid en de urennorm van {gemeente.naam} zijn opgeslagen.",
        url_for("beheer.handhavingsbeleid"),
    )
    if done:
        return done
    html = render_template("beheer/handhavingsbeleid_gemeente.html", form=form, stand=stand,
                           standaard_norm=normen.ZROUTE_TAAL_GEZINSMIGRANT_STANDAARD)
    return html, errors_status(form)
