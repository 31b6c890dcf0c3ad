"""Withdrawing the PIP in force: the klantregisseur of the inburgeraar's gemeente; DUO gets a DELETE bericht."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import access, audit
from portal.access import roles_required
from portal.blueprints.formflow import errors_status, input_from, save_form
from portal.blueprints.keten import bp
from portal.blueprints.keten.forms import PipIntrekkenForm
from portal.extensions import db
from portal.models import User
from portal.models.enums import Rol
from portal.services.chain import pip_intrekking


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.route("/inburgeraars/<int:inburgeraar_id>/pip/intrekken", methods=["GET", "POST"])
@roles_required(Rol.KLANTREGISSEUR)
def pip_intrekken(inburgeraar_id: int) -> str | Response | tuple[str, int]:
    """The PIP in force, and the form to withdraw it (or the withdrawal already recorded)."""
    actor = _actor()
    inburgeraar = access.get_inburgeraar_or_404(actor, inburgeraar_id)
    form = PipIntrekkenForm()
    done = save_form(
        form, lambda: pip_intrekking.intrekken(db.session, actor, inburgeraar,
                                               input_from(pip_intrekking.IntrekkingInput, form)),
        lambda row: f"Versie {row.pip.versie} van het PIP is ingetrokken. Het bericht aan DUO staat klaar bij "
                    "DUO-berichten.",
        url_for("inburgeraars.detail", inburgeraar_id=inburgeraar.id),
    )
    if done:
        return done
    pip = inburgeraar.huidige_pip
    # The page shows the PIP in force, or a withdrawal with its reason: a read of the case.
    audit.record_read(db.session, actor, inburgeraar, object_type="pip", object_id=pip.id if pip else None)
    db.session.commit()
    html = render_template("keten/pip_intrekken.html", inburgeraar=inburgeraar, pip=pip, form=form)
    return html, errors_status(form)
