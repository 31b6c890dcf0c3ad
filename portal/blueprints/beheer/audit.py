"""The audit trail for the functioneel beheerder: filter, page through, export, and the inzage overview of one
inburgeraar for an AVG request. Reading the trail is itself an audit event; other roles get a 404."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from portal import access, audit, clock
from portal.access import roles_required
from portal.audit import AuditActie
from portal.blueprints.beheer import bp
from portal.blueprints.fields import DATUM_HINT, DATUM_KW, options, select, strip
from portal.blueprints.formflow import apply_errors
from portal.extensions import db
from portal.models import User
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number, paginate
from portal.services import ValidationError, auditlog
from portal.spreadsheets.write import XLSX_MIMETYPE

add_nav_item("beheer.audit_log", "Auditlog", (Rol.FUNCTIONEEL_BEHEERDER,),
             description="wie welke gegevens heeft bekeken of gewijzigd", order=90)

FILTER_ARGS = ("gebruiker", "bsn", "actie", "van", "tot")
MIMETYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MIMETYPE}


class AuditFilterForm(FlaskForm):
    """The viewer's filters (a GET form: nothing changes, so no CSRF token in the address)."""

    class Meta:
        csrf = False

    gebruiker = select("Gebruiker")
    bsn = StringField("BSN van de inburgeraar", filters=[strip],
                      render_kw={"autocomplete": "off", "inputmode": "numeric", "size": "12"})
    actie = select("Actie")
    van = StringField("Van", filters=[strip], description=DATUM_HINT, render_kw=DATUM_KW)
    tot = StringField("Tot en met", filters=[strip], description=DATUM_HINT, render_kw=DATUM_KW)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _form(actor: User) -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.gebruiker.choices = options(((u.id, f"{u.naam} ({u.rol.label})") for u in auditlog.actors(db.session, actor)),
                                     leeg="Alle gebruikers")
    labels = sorted(auditlog.ACTIE_LABELS.items(), key=lambda item: item[1])
    form.actie.choices = options(((a.value, label) for a, label in labels), leeg="Alle acties")
    return form


def _filter(actor: User, form: AuditFilterForm) -> auditlog.AuditFilter | None:
    """The filter of the query string, or None with the errors on the form."""
    try:
        return auditlog.parse_filter(db.session, actor, {name: request.args.get(name, "") for name in FILTER_ARGS})
    except ValidationError as exc:
        apply_errors(form, exc.errors)
        return None


@bp.route("/audit")
@roles_required(Rol.FUNCTIONEEL_BEHEERDER, hidden=True)
def audit_log() -> tuple[str, int]:
    """The audit trail in scope, newest first, filtered and one page at a time; the view is audited."""
    actor = _actor()
    form = _form(actor)
    f = _filter(actor, form)
    args = {name: request.args.get(name, "").strip()[:40] for name in FILTER_ARGS if request.args.get(name)}
    page = regels = persoon = None
    if f is not None:
        page = paginate(db.session, auditlog.events(actor, f), page_number(request.args.get(PAGE_PARAM)), args=args)
        regels = auditlog.regels(db.session, page.items, f.inburgeraar_id)
        if f.inburgeraar_id is not None:
            persoon = access.get_inburgeraar_or_404(actor, f.inburgeraar_id)
        details = {**f.details(), "pagina": page.number}
        genoemd = {r.inburgeraar.id for r in regels if r.inburgeraar is not None}
        if f.inburgeraar_id is None and genoemd:  # the page names these inburgeraars: findable per inburgeraar
            audit.record_shown(db.session, actor, genoemd, action=AuditActie.AUDITLOG_BEKEKEN, object_type="auditlog",
                               details=details)
        else:
            audit.record(db.session, actor, AuditActie.AUDITLOG_BEKEKEN, object_type="auditlog",
                         inburgeraar=f.inburgeraar_id, details=details)
        db.session.commit()
    status = 200 if f is not None else 422
    return render_template("beheer/audit.html", form=form, page=page, regels=regels, persoon=persoon,
                           args=args, export_max=auditlog.EXPORT_MAX), status


def _download(data: bytes, fmt: str, filename: str) -> Response:
    response = Response(data, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _fmt(fmt: str) -> str:
    if fmt not in MIMETYPES:
        abort(404)
    return fmt


@bp.route("/audit/export.<fmt>")
@roles_required(Rol.FUNCTIONEEL_BEHEERDER, hidden=True)
def audit_export(fmt: str) -> Response | tuple[str, int]:
    """The filtered trail as csv or xlsx (without names or BSNs of inburgeraars); the export is audited."""
    actor = _actor()
    fmt = _fmt(fmt)
    form = _form(actor)
    f = _filter(actor, form)
    if f is None:
        return audit_log()
    regels = auditlog.export_regels(db.session, actor, f)
    audit.record(db.session, actor, AuditActie.AUDITLOG_GEEXPORTEERD, object_type="auditlog",
                 inburgeraar=f.inburgeraar_id, details={**f.details(), "aantal": len(regels), "formaat": fmt})
    db.session.commit()
    return _download(auditlog.trail_export(regels, fmt), fmt, f"auditlog-{clock.today():%Y%m%d}")


@bp.route("/audit/inzage/<int:inburgeraar_id>.<fmt>")
@roles_required(Rol.FUNCTIONEEL_BEHEERDER, hidden=True)
def inzage_export(inburgeraar_id: int, fmt: str) -> Response:
    """Who saw and changed this inburgeraar's data, when: the answer to an AVG inzageverzoek; audited."""
    actor = _actor()
    fmt = _fmt(fmt)
    persoon = access.get_inburgeraar_or_404(actor, inburgeraar_id)
    today = clock.today()
    data = auditlog.inzage_export(db.session, actor, persoon, fmt, today)
    audit.record_read(db.session, actor, persoon, action=AuditActie.INZAGE_GEEXPORTEERD, object_type="auditlog",
                      details={"formaat": fmt})
    db.session.commit()
    return _download(data, fmt, f"inzageoverzicht-{persoon.id}-{today:%Y%m%d}")
