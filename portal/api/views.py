"""What every API view shares: the service errors as problem+json, one commit, JSON values of records."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import current_app, g, request
from pydantic.alias_generators import to_camel

from portal import audit
from portal.api.problems import invalid_params_of, problem
from portal.audit import AuditActie
from portal.extensions import db
from portal.services import NotAllowed, ValidationError

# Service field names whose API name is not just the camelCase spelling.
API_NAMES = {"verwijzing": "verwijzingId"}


def api_name(field: str) -> str:
    """A service's field name as the API spells it."""
    return API_NAMES.get(field) or to_camel(field)


def validation_problem(error: ValidationError, *, items: str | None = None) -> Any:
    """A service's ValidationError as 400 problem+json with invalidParams (per item for bulk calls)."""
    names = {f: api_name(f) for row in error.rows for f in row.errors}
    return problem(400, invalid=invalid_params_of(error, names, items=items))


def not_allowed_problem(error: NotAllowed) -> Any:
    return problem(403, str(error) or None)


def record_call(status: int) -> None:
    """The audit event of the call itself: which client, which operation, with what answer (in the session)."""
    rule = request.url_rule.rule if request.url_rule is not None else "-"
    audit.record(db.session, g.actor, AuditActie.API_AANROEP, object_type="api", object_id=rule[:40],
                 result=str(status), details={"methode": request.method, "pad": rule})
    g.call_audited = status


def commit() -> None:
    """The view's one commit, with the call's own audit event in the same transaction: a view that commits
    answers with the status its output declares (an answer that turns out otherwise is audited after it)."""
    if g.get("actor") is not None:
        view = current_app.view_functions.get(request.endpoint or "")
        record_call(getattr(view, "_spec", {}).get("response", {}).get("status_code", 200))
    db.session.commit()


def json_value(value: Any) -> Any:
    """A column value as JSON: dates ISO 8601, hours as numbers, enums by their code."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def register_error_handlers(bp: Any) -> None:
    """Service errors raised in this blueprint's views become problem+json."""
    bp.errorhandler(ValidationError)(lambda error: (db.rollback(), validation_problem(error))[1])
    bp.errorhandler(NotAllowed)(lambda error: (db.rollback(), not_allowed_problem(error))[1])
