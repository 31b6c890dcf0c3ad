"""Upload views: templates, upload form, status polling, preview, confirmation and the error list.

Views only load, check access, call portal.services.uploads, commit once and render. Large files are
checked and saved by huey workers (portal.tasks); small ones, and all of them in tests, right away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal import tasks
from portal.access import roles_required
from portal.blueprints.formflow import errors_status
from portal.blueprints.uploads import bp
from portal.blueprints.uploads.forms import BevestigForm, UploadForm, with_limits
from portal.errors import MESSAGES, render_error
from portal.extensions import db, htmx
from portal.models import Upload, UploadSoort, UploadStatus
from portal.models.enums import AANBIEDER_ROLLEN
from portal.navigation import add_nav_item
from portal.services import uploads
from portal.services.uploads import Settings, UploadStateError
from portal.spreadsheets.guard import UnsafeFileError
from portal.spreadsheets.write import XLSX_MIMETYPE, errors_xlsx

add_nav_item("uploads.index", "Uploaden", AANBIEDER_ROLLEN,
             description="presentie en resultaten als spreadsheet aanleveren", order=25)

PREVIEW_ERRORS = 200
# Results go through their services row by row (a few ms each): beyond this many rows a worker does it.
RESULT_INLINE_ROWS = 500


def _settings() -> Settings:
    return Settings.from_config(current_app.config)


def _run_inline(upload: Upload, settings: Settings) -> bool:
    """Small files (and every file in tests) are processed in the request; large ones by a worker."""
    if current_app.config.get("HUEY_IMMEDIATE"):
        return True
    if uploads.importer_for(upload.soort).checks_by_storing and upload.aantal_rijen > RESULT_INLINE_ROWS:
        return False
    return upload.grootte <= settings.inline_max_bytes


def _own_or_404(upload_id: str) -> Upload:
    upload = uploads.get_own(db.session, current_user, upload_id)
    if upload is None:
        abort(404)
    return upload


def _to(upload: Upload) -> Response:
    target = url_for("uploads.show", upload_id=upload.id)
    if htmx:
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)  # type: ignore[return-value]


@bp.route("/", methods=["GET", "POST"])
@roles_required(*AANBIEDER_ROLLEN)
def index() -> Any:
    """Templates to download, the upload form (with its limits) and the organisation's recent uploads."""
    form = UploadForm()
    settings = _settings()
    if form.validate_on_submit():
        file = form.bestand.data
        try:
            upload = uploads.store(
                db.session, current_user, UploadSoort(form.soort.data), file.stream, file.filename,
                settings.upload_dir, settings.limits, settings.lease,
            )
        except UnsafeFileError as exc:
            db.session.commit()  # keeps the audit event of the refusal
            form.bestand.errors = [str(exc)]
        else:
            db.session.commit()
            _check_now_or_queue(upload, upload.poging)
            return _to(upload)
    return _form_page(form, settings, errors_status(form))


def _form_page(form: UploadForm, settings: Settings, status: int) -> tuple[str, int]:
    """The upload page, or for htmx only its form (with the errors, answered as 200: htmx 2 swaps no 4xx)."""
    with_limits(form, settings.limits)
    max_grootte = uploads.size_text(settings.limits.max_bytes)
    if htmx and form.errors:
        return render_template("uploads/_form.html", form=form, max_grootte=max_grootte), 200
    recente = uploads.recent(db.session, current_user)
    gestopt = {u.id for u in recente if u.bezig and uploads.is_stopped(u, tasks.upload_heartbeat(u))}
    return render_template(
        "uploads/index.html", form=form, soorten=list(UploadSoort), recente=recente, gestopt=gestopt,
        max_grootte=max_grootte,
    ), status


def _too_large(soort: str | None) -> tuple[str, int]:
    """The upload form with the Dutch size message in place of the file's errors."""
    settings = _settings()
    form = UploadForm(formdata=None)
    if soort in UploadSoort._value2member_map_:
        form.soort.data = soort
    form.bestand.errors = [uploads.too_large_message(settings.limits)]
    return _form_page(form, settings, 413)


@bp.errorhandler(RequestEntityTooLarge)
def request_too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    """A body over MAX_CONTENT_LENGTH (refused before it is read): the form says so, instead of a bare 413."""
    _drain_refused_body()
    if not (current_user.is_authenticated and current_user.rol in AANBIEDER_ROLLEN):
        return render_error(413, *MESSAGES[413])
    db.session.rollback()
    return _too_large(None)


DRAIN_FACTOR = 4  # a refused body up to this many times the request limit is read to its end; a larger one is not


def _drain_refused_body() -> None:
    """Read and drop a refused body of moderate size before answering. The browser is still sending it; a server
    that closes the connection with unread data resets it, and the browser then loses the answer and can only
    say that sending failed, instead of showing the size message (seen under load)."""
    length = request.content_length or 0
    if not 0 < length <= DRAIN_FACTOR * (current_app.config.get("MAX_CONTENT_LENGTH") or 0):
        return
    stream = request.environ.get("wsgi.input")
    while stream is not None and length > 0:
        chunk = stream.read(min(length, 256 * 1024))
        if not chunk:
            break
        length -= len(chunk)


@bp.route("/te-groot")
@roles_required(*AANBIEDER_ROLLEN)
def te_groot() -> Any:
    """What the page's script asks for when the chosen file is over the limit: the form with the message, so the
    file is not sent for nothing (without script, the server's own check answers the same)."""
    if not htmx:
        return redirect(url_for("uploads.index"))
    return _too_large(request.args.get("soort"))


@bp.route("/sjabloon/<soort>.<fmt>")
@roles_required(*AANBIEDER_ROLLEN)
def sjabloon(soort: str, fmt: str) -> Response:
    """The template of one kind, prefilled with the organisation's active deelnemers."""
    if soort not in UploadSoort._value2member_map_ or fmt not in ("xlsx", "csv"):
        abort(404)
    result = uploads.template(db.session, current_user, UploadSoort(soort), fmt)
    db.session.commit()  # the audit event of this read
    response = Response(result.content, content_type=result.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


@bp.route("/<upload_id>")
@roles_required(*AANBIEDER_ROLLEN)
def show(upload_id: str) -> str:
    """Status, preview (counts and errors) or result of one upload."""
    upload = _own_or_404(upload_id)
    return render_template("uploads/show.html", **_context(upload))


@bp.route("/<upload_id>/status")
@roles_required(*AANBIEDER_ROLLEN)
def status(upload_id: str) -> tuple[str, int]:
    """The polled status fragment; 286 tells htmx to stop polling once the job is done."""
    upload = _own_or_404(upload_id)
    context = _context(upload)
    return render_template("uploads/_status.html", **context), 200 if upload.bezig and not context["gestopt"] else 286


def _context(upload: Upload) -> dict[str, Any]:
    renewed = tasks.upload_heartbeat(upload) if upload.bezig else None
    gestopt = uploads.is_stopped(upload, renewed)
    progress = tasks.upload_progress(upload.id) if upload.bezig and not gestopt else None
    errors = (upload.fouten or [])[:PREVIEW_ERRORS]
    return {
        "upload": upload, "progress": progress, "errors": errors, "Status": UploadStatus, "gestopt": gestopt,
        "form": BevestigForm(), "meer_fouten": max(len(upload.fouten or []) - PREVIEW_ERRORS, 0),
        "htmx": bool(htmx), "niets_te_bewaren": uploads.nothing_to_save(upload),
    }


@bp.route("/<upload_id>/bevestigen", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def bevestigen(upload_id: str) -> Response:
    """Store every valid row of a previewed upload, once; also "Opnieuw bevestigen" after a stopped run."""
    return _claim_and_run(upload_id, uploads.request_confirmation, _confirm_now_or_queue)


@bp.route("/<upload_id>/controleren", methods=["POST"])
@roles_required(*AANBIEDER_ROLLEN)
def controleren(upload_id: str) -> Response:
    """"Opnieuw controleren": check an upload again whose check stopped (its worker no longer renewed its lease)."""
    return _claim_and_run(upload_id, uploads.request_validation, _check_now_or_queue)


def _confirm_now_or_queue(upload: Upload, poging: int) -> None:
    if _run_inline(upload, _settings()):
        tasks.run_upload_confirmation(db.session, current_app.config, upload.id, current_user.id, report=False,
                                      poging=poging)
    else:
        tasks.upload_bevestigen(upload.id, current_user.id, poging)


def _check_now_or_queue(upload: Upload, poging: int) -> None:
    if _run_inline(upload, _settings()):
        tasks.run_upload_validation(db.session, current_app.config, upload.id, report=False, poging=poging)
    else:
        tasks.upload_controleren(upload.id, poging)


def _claim_and_run(upload_id: str, claim: Callable[..., int], run: Callable[[Upload, int], Any]) -> Response:
    """The one POST flow of a step: claim the upload (its lease, given its last heartbeat), commit, then run the
    step in this request (small files) or queue it for the worker; a refused claim is said on the page."""
    upload = _own_or_404(upload_id)
    if not BevestigForm().validate_on_submit():
        abort(400)
    try:
        poging = claim(db.session, current_user, upload, tasks.upload_heartbeat(upload),
                       _settings().lease)
    except UploadStateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _to(upload)
    db.session.commit()
    tasks.forget_progress(upload.id)
    run(upload, poging)
    return _to(upload)


@bp.route("/<upload_id>/fouten.xlsx")
@roles_required(*AANBIEDER_ROLLEN)
def fouten(upload_id: str) -> Response:
    """Every error of the upload as an xlsx list (values written as text, never as formulas)."""
    upload = _own_or_404(upload_id)
    content = errors_xlsx(uploads.iter_errors(upload), upload.bestandsnaam)
    response = Response(content, mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="fouten.xlsx"'
    return response
