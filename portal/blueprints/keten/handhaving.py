"""The handhaving register of one inburgeraar: gemeente only (klantregisseur, beheerder), never for aanbieders."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import access, audit
from portal.access import CASE_MANAGERS, roles_required
from portal.blueprints.formflow import errors_status, input_from, save_form
from portal.blueprints.keten import bp
from portal.blueprints.keten.forms import HandhavingForm
from portal.extensions import db
from portal.formatting import uren
from portal.models import Presentie, User, Verwijzing
from portal.models.handhaving import Handhaving, HandhavingGrond
from portal.services.chain import handhaving

MAX_BEWIJS_KEUZES = 60


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.route("/inburgeraars/<int:inburgeraar_id>/handhaving", methods=["GET", "POST"])
@roles_required(*CASE_MANAGERS)
def handhaving_index(inburgeraar_id: int) -> str | Response | tuple[str, int]:
    """Warnings and fines of the inburgeraar's gemeente, and the form to record a decided one."""
    actor = _actor()
    inburgeraar = access.get_inburgeraar_or_404(actor, inburgeraar_id)
    form = HandhavingForm()
    # Evidence: the most recent sessions with absence, newest first (absence is what handhaving is about).
    kandidaten = list(db.session.scalars(
        access.presentie(actor).join(Verwijzing, Verwijzing.id == Presentie.verwijzing_id)
        .where(Verwijzing.inburgeraar_id == inburgeraar.id,
               (Presentie.uren_afwezig_ongeoorloofd > 0) | (Presentie.uren_afwezig_geoorloofd > 0))
        .order_by(Presentie.datum.desc()).limit(MAX_BEWIJS_KEUZES)))
    form.presentie_ids.choices = [
        (str(p.id), f"{p.datum:%d-%m-%Y} {p.activiteit.label}: ongeoorloofd {uren(p.uren_afwezig_ongeoorloofd)} "
                    f"uur, geoorloofd {uren(p.uren_afwezig_geoorloofd)} uur") for p in kandidaten]
    done = save_form(
        form, lambda: handhaving.register(db.session, actor, inburgeraar, input_from(handhaving.HandhavingInput, form)),
        lambda row: f"De {row.soort.label.lower()} is vastgelegd in het handhavingsregister.",
        url_for("keten.handhaving_index", inburgeraar_id=inburgeraar.id),
    )
    if done:
        return done
    rows = list(db.session.scalars(
        access.handhaving(actor).where(Handhaving.inburgeraar_id == inburgeraar.id).order_by(Handhaving.datum)))
    beleid = handhaving.beleid_voor(db.session, inburgeraar.gemeente_id)
    al = handhaving.boetes_in_termijn(db.session, inburgeraar)
    voorstellen = {g.value: handhaving.voorstel(db.session, inburgeraar, g, 100) for g in HandhavingGrond}
    # The register and its evidence of absence are case data: every showing is a read in the audit trail.
    audit.record_read(db.session, actor, inburgeraar, object_type="handhaving")
    db.session.commit()
    html = render_template("keten/handhaving.html", inburgeraar=inburgeraar, form=form, rows=rows, beleid=beleid,
                           al=al, voorstellen=voorstellen)
    return html, errors_status(form)
