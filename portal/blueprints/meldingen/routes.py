"""Inbox of meldingen, unread badge, mark read, open (with a fresh access check) and mail preference."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from portal import audit, security
from portal.access import login_only
from portal.audit import AuditActie
from portal.blueprints.formflow import form_page, save_form
from portal.blueprints.meldingen import bp
from portal.blueprints.meldingen.forms import MailVoorkeurForm
from portal.extensions import db, htmx
from portal.models import Melding
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number, paginate
from portal.services import mail, meldingen

add_nav_item("meldingen.inbox", "Meldingen", tuple(Rol), description="wat er in uw dossiers is gebeurd", order=80)

CHANGED_EVENT = "meldingen-gewijzigd"  # htmx event that makes the header badge refresh at once
UNREAD = "meldingen_ongelezen"


def _names(melding_list: list[Melding]) -> dict[int, str]:
    """Names of the inburgeraars behind these meldingen, only those still in the user's scope."""
    return meldingen.names_in_scope(db.session, current_user, (m.inburgeraar_id for m in melding_list))


def _rows(melding_list: list[Melding]) -> dict[str, object]:
    """What the inbox rows show in the case column: a name, or for a summary melding the number of cases."""
    return {"names": _names(melding_list), "aantallen": meldingen.case_counts(db.session, melding_list)}


def _own_or_404(melding_id: int) -> Melding:
    melding = meldingen.get_own(db.session, current_user, melding_id)
    if melding is None:
        abort(404)  # someone else's melding is reported as missing
    return melding


@bp.route("/")
@login_only
def inbox() -> str:
    """The user's meldingen, unread first."""
    page = paginate(db.session, meldingen.own_meldingen(current_user), page_number(request.args.get(PAGE_PARAM)))
    rows = _rows(page.items)
    names = rows["names"]
    if names:
        audit.record_shown(db.session, current_user, names, action=AuditActie.MELDINGEN_BEKEKEN,
                           object_type="melding", details={"inburgeraar_ids": sorted(names)})
    db.session.commit()
    context = {"page": page, **rows, "unread": meldingen.unread_count(db.session, current_user)}
    if htmx and not htmx.history_restore_request:
        return render_template("meldingen/_lijst.html", **context)
    return render_template("meldingen/inbox.html", **context)


@bp.route("/aantal")
@login_only
def badge() -> str | Response:
    """The unread-count badge (polled by the header); 204 when the count did not change."""
    unread = security.unread_meldingen()  # read with the login (portal/security.py)
    if unread is None:
        unread = meldingen.unread_count(db.session, current_user)
    if request.args.get("was") == str(unread):
        return Response(status=204)
    return render_template("meldingen/_badge.html", unread=unread)


@bp.route("/<int:melding_id>")
@login_only
def openen(melding_id: int) -> str | Response:
    """Open a melding: mark it read, check the user may still see the case, then go to the case.

    A summary melding (a confirmed upload) shows the list of its cases instead.
    """
    melding = _own_or_404(melding_id)
    meldingen.mark_read(db.session, melding)
    security.forget_unread_meldingen()  # the page's header counts again, without this one
    if melding.is_overzicht:
        return _overzicht(melding)
    if not meldingen.case_in_scope(db.session, current_user, melding):
        # The recipient lost access since (other gemeente, verwijzing withdrawn): nothing to show.
        audit.record_read(db.session, current_user, melding.inburgeraar_id, action=AuditActie.MELDING_GEOPEND,
                          object_type="melding", object_id=melding.id, result="geweigerd")
        db.session.commit()
        abort(404)
    audit.record_read(db.session, current_user, melding.inburgeraar_id, action=AuditActie.MELDING_GEOPEND,
                      object_type="melding", object_id=melding.id)
    db.session.commit()
    target = _case_url(melding)
    if target is not None:
        return redirect(target)
    names = _names([melding])
    return render_template("meldingen/melding.html", melding=melding, naam=names.get(melding.inburgeraar_id))


OVERZICHT_PER_PAGE = 50


def _overzicht(melding: Melding) -> str:
    """A summary melding lists its cases the reader may still see; the others are counted, not named."""
    total = meldingen.case_count(db.session, melding)
    page = paginate(db.session, meldingen.visible_cases(current_user, melding),
                    page_number(request.args.get(PAGE_PARAM)), per_page=OVERZICHT_PER_PAGE,
                    args={"melding_id": melding.id})
    hidden = total - page.total
    details = {"inburgeraar_ids": [i.id for i in page.items], "niet_zichtbaar": hidden}
    if page.items:  # the cases named on this page, findable per inburgeraar (audit_gezien)
        audit.record_shown(db.session, current_user, details["inburgeraar_ids"], action=AuditActie.MELDING_GEOPEND,
                           object_type="melding", object_id=melding.id, details=details)
    else:
        audit.record_read(db.session, current_user, None, action=AuditActie.MELDING_GEOPEND, object_type="melding",
                          object_id=melding.id, details=details)
    db.session.commit()
    links = {i.id: _inburgeraar_url(i.id) for i in page.items}
    return render_template("meldingen/overzicht.html", melding=melding, page=page, total=total, hidden=hidden,
                           links=links)


def _inburgeraar_url(inburgeraar_id: int) -> str | None:
    """The case page for gemeente roles (it checks access again); aanbieders reach cases per verwijzing."""
    if current_user.rol.is_aanbieder:
        return None
    try:
        return url_for("inburgeraars.detail", inburgeraar_id=inburgeraar_id)
    except BuildError:  # the case pages are not installed
        return None


def _case_url(melding: Melding) -> str | None:
    """The case page for this user's role; that page checks access again on its own."""
    try:
        if current_user.rol.is_aanbieder:
            if melding.verwijzing_id is None:
                return None
            return url_for("deelnemers.detail", verwijzing_id=melding.verwijzing_id)
        return url_for("inburgeraars.detail", inburgeraar_id=melding.inburgeraar_id)
    except BuildError:  # the case pages are not installed: show the melding itself
        return None


@bp.route("/<int:melding_id>/gelezen", methods=["POST"])
@login_only
def gelezen(melding_id: int) -> str | Response:
    """Mark one melding read."""
    melding = _own_or_404(melding_id)
    meldingen.mark_read(db.session, melding)
    audit.record(db.session, current_user, AuditActie.MELDING_GELEZEN, object_type="melding", object_id=melding.id)
    db.session.commit()
    if htmx:
        html = render_template("meldingen/_rij.html", melding=melding, **_rows([melding]), focus=True)
        html += render_template("meldingen/_alles.html", unread=meldingen.unread_count(db.session, current_user),
                                oob=True)
        return Response(html, headers={"HX-Trigger": CHANGED_EVENT})
    return redirect(url_for("meldingen.inbox"))


@bp.route("/alles-gelezen", methods=["POST"])
@login_only
def alles_gelezen() -> str | Response:
    """Mark every melding of the user read."""
    count = meldingen.mark_all_read(db.session, current_user)
    audit.record(db.session, current_user, AuditActie.MELDINGEN_ALLE_GELEZEN, object_type="melding",
                 details={"aantal": count})
    db.session.commit()
    message = "Er waren geen ongelezen meldingen." if count == 0 else (
        "1 melding gemarkeerd als gelezen." if count == 1 else f"{count} meldingen gemarkeerd als gelezen.")
    if htmx:
        page = paginate(db.session, meldingen.own_meldingen(current_user), 1)
        html = render_template("meldingen/_lijst.html", page=page, **_rows(page.items), unread=0,
                               message=message)
        return Response(html, headers={"HX-Trigger": CHANGED_EVENT})
    flash(message, "success")
    return redirect(url_for("meldingen.inbox"))


@bp.route("/instellingen", methods=["GET", "POST"])
@login_only
def instellingen() -> tuple[str, int] | Response:
    """Choose: a mail per melding, a daily overview, or no mail."""
    form = MailVoorkeurForm(modus=mail.mail_modus(db.session, current_user).value)
    done = save_form(
        form, lambda: mail.set_mail_modus(db.session, current_user, form.modus.data),
        lambda voorkeur: f"Uw e-mailvoorkeur is opgeslagen: {voorkeur.modus.label.lower()}.",
        url_for("meldingen.instellingen"),
    )
    return done or form_page("meldingen/instellingen.html", form)


def unread_for_header() -> int:
    """Unread count for the header badge on full page loads."""
    if not current_user.is_authenticated:
        return 0
    prefetched = security.unread_meldingen()
    if prefetched is not None:
        return prefetched
    try:
        return meldingen.unread_count(db.session, current_user)
    except SQLAlchemyError:  # an error page after a failed transaction still renders its header
        return 0


@bp.app_context_processor
def _header_context() -> dict[str, object]:
    return {UNREAD: unread_for_header}

