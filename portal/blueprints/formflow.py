"""The one request flow of every form post: the view loads its objects through portal.access (out of scope is
404) and checks what the user may do; `submit` validates the form, calls one service with a typed input, commits
once or rolls back, and hands back a response; `render` answers htmx with the fragment and others with the page.

Services raise ValidationError (shown on the form: at the field it names, else above the form) or NotAllowed
(403). Nothing is left half-done: the rollback happens before any error page or form is rendered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.extensions import db, htmx
from portal.services import NotAllowed, ValidationError, from_mapping

logger = logging.getLogger(__name__)
T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - a typed input dataclass


def input_from(cls: type[I], form: FlaskForm, **extra: Any) -> I:
    """The service's typed input from the form's fields of the same names (plus `extra` values)."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    data = {name: form[name].data for name in names if name in form}
    return from_mapping(cls, {**data, **extra})


def apply_errors(form: FlaskForm, errors: Mapping[str, str]) -> None:
    """Show a service's ValidationError on the form: at the field it names, else above the form."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is not None and name != "csrf_token":
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def submit(
    form: FlaskForm, save: Callable[[], T], *, done: Callable[[T], ResponseReturnValue],
    again: Callable[[], ResponseReturnValue],
) -> ResponseReturnValue:
    """On a valid POST: call `save` (one service call), commit and answer `done(result)`; on a ValidationError
    roll back and show the form `again()` with the errors on it; on NotAllowed roll back and answer 403.

    Anything else (a GET, an invalid or expired form) shows the form `again()`.
    """
    if form.validate_on_submit():
        try:
            saved = save()
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            return done(saved)
    elif form.is_submitted() and form.errors and "csrf_token" not in form.errors:
        _service_errors_too(form, save)
    return again()


def _service_errors_too(form: FlaskForm, save: Callable[[], Any]) -> None:
    """The form's own checks failed: still ask the service what else is wrong, in a savepoint that is always rolled
    back, so the user sees every error at once instead of one round per layer. Fields that already have an
    error keep only the form's message. Advisory only: an unexpected failure is logged and the form's errors stand.
    """
    savepoint = db.session.begin_nested()
    try:
        save()
    except ValidationError as exc:
        apply_errors(form, {name: message for name, message in exc.errors.items()
                            if not (name in form._fields and form._fields[name].errors)})
    except NotAllowed:
        pass
    except Exception:  # a dry run must never turn a form with errors into an error page
        logger.warning("Controle door de service bij een onvolledig formulier mislukt", exc_info=True)
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def errors_flashed(form: FlaskForm, target: str) -> Response:
    """For a refused POST whose page no longer shows the form (its object changed meanwhile, in another tab or by
    a colleague): the form's messages as error flashes on `target`, instead of a page without them."""
    for messages in form.errors.values():
        for message in messages:
            flash(message, "error")
    for message in form.form_errors:
        if message not in form.errors.get(None, ()):
            flash(message, "error")
    return redirect(target)


def save_form(
    form: FlaskForm, save: Callable[[], T], message: str | Callable[[T], str], target: str | Callable[[T], str]
) -> Response | None:
    """`submit` for the plain case: flash `message` and redirect to `target` (either may be made from what
    `save` returned); None means the view renders the form (again)."""
    def done(saved: T) -> Response:
        flash(message(saved) if callable(message) else message, "success")
        return redirect(target(saved) if callable(target) else target)

    return submit(form, save, done=done, again=lambda: None)  # type: ignore[return-value]


def render(page: str, fragment: str | None = None, /, *, status: int = 200, **context: Any) -> tuple[str, int]:
    """The htmx fragment for an htmx request (not a history restore), else the whole page that includes it."""
    if fragment is not None and htmx and not htmx.history_restore_request:
        return render_template(fragment, **context), status
    return render_template(page, **context), status


def errors_status(form: FlaskForm) -> int:
    """422 for a full page showing errors; htmx 2 does not swap 4xx responses, so its fragments get 200."""
    return 422 if (form.errors or form.form_errors) and not htmx else 200


def form_page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """The page of a form, answered with `errors_status`: 422 while it shows errors."""
    return render_template(template, form=form, **context), errors_status(form)
