"""The CBS file per gemeente and period (default: the last quarter) with its delivery log; functioneel beheerder."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import access, clock
from portal.access import roles_required
from portal.blueprints.formflow import errors_status, input_from, submit
from portal.blueprints.keten import bp
from portal.blueprints.keten.forms import CbsForm
from portal.extensions import db
from portal.models import User
from portal.models.cbs import CbsLevering
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.services import ValidationError
from portal.services.chain import cbs, cbs_layout

add_nav_item("keten.cbs_index", "CBS-levering", (Rol.FUNCTIONEEL_BEHEERDER,),
             description="bestand Statistiek Wet inburgering per kwartaal", order=64)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.route("/cbs", methods=["GET", "POST"])
@roles_required(Rol.FUNCTIONEEL_BEHEERDER)
def cbs_index() -> str | Response | tuple[str, int]:
    """The delivery log of the beheerder's gemeenten and the form that makes a file (a CSV download)."""
    actor = _actor()
    gemeenten = list(db.session.scalars(access.gemeenten(actor)))
    form = CbsForm()
    form.gemeente_id.choices = [(str(g.id), g.naam) for g in gemeenten]
    van, tot = cbs.kwartaal(clock.today())

    def save() -> tuple[CbsLevering, bytes]:
        gemeente = next((g for g in gemeenten if str(g.id) == (form.gemeente_id.data or "")), None)
        if gemeente is None:
            raise ValidationError({"gemeente_id": "Kies een van uw gemeenten."})
        return cbs.lever(db.session, actor, gemeente, input_from(cbs.PeriodeInput, form))

    def done(saved: tuple[CbsLevering, bytes]) -> Response:
        levering, inhoud = saved
        naam = (f"cbs-inburgering-{levering.gemeente.cbs_code}-{levering.periode_van:%Y%m%d}-"
                f"{levering.periode_tot:%Y%m%d}.csv")
        return FlaskResponse(inhoud, mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{naam}"', "Cache-Control": "no-store"})

    def again() -> tuple[str, int]:
        leveringen = list(db.session.scalars(
            access.cbs_leveringen(actor).order_by(CbsLevering.created_at.desc()).limit(100)))
        return render_template("keten/cbs.html", form=form, leveringen=leveringen, van=van, tot=tot,
                               kolommen=cbs_layout.KOLOMMEN), errors_status(form)

    return submit(form, save, done=done, again=again)
