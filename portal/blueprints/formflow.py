"""The POST flow the form views share: call the service, commit once and redirect, or show its errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.services import ValidationError

T = TypeVar("T")


def apply_errors(form: FlaskForm, errors: Mapping[str, str]) -> None:
    """Show a service's ValidationError on the form: at the field it names, else above the form."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is not None and name != "csrf_token":
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def save_form(
    form: FlaskForm, save: Callable[[], T], message: str | Callable[[T], str], target: str | Callable[[T], str]
) -> Response | None:
    """On a valid POST call `save`; on its ValidationError roll back and put the errors on the form, else
    commit, flash `message` and redirect to `target` (either may be made from what `save` returned).

    None means the view renders the form (again).
    """
    if not form.validate_on_submit():
        return None
    try:
        saved = save()
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc.errors)
        return None
    db.session.commit()
    flash(message(saved) if callable(message) else message, "success")
    return redirect(target(saved) if callable(target) else target)
