"""Spreadsheet uploads: one lifecycle (`lifecycle`) for every kind, one importer per kind (`importers`), and the
templates to download (`sjablonen`). The names below are the public API the views and the worker use."""

from __future__ import annotations

from portal.services.uploads.importers import REGISTRY, importer_for
from portal.services.uploads.importers.base import Prepared, Saved
from portal.services.uploads.lease import LEASE, LeaseLost, begin_run, is_stopped
from portal.services.uploads.lifecycle import (
    IMPORTEERBAAR,
    Settings,
    UploadStateError,
    confirm,
    confirmation_failed,
    error_rows,
    failure_message,
    get_own,
    iter_errors,
    nothing_to_save,
    path_of,
    prepare,
    recent,
    request_confirmation,
    request_validation,
    size_text,
    store,
    too_large_message,
    validate,
    validation_failed,
)
from portal.services.uploads.sjablonen import Template, template

__all__ = [
    "IMPORTEERBAAR",
    "LEASE",
    "REGISTRY",
    "LeaseLost",
    "Prepared",
    "Saved",
    "Settings",
    "Template",
    "UploadStateError",
    "begin_run",
    "confirm",
    "confirmation_failed",
    "error_rows",
    "failure_message",
    "get_own",
    "importer_for",
    "is_stopped",
    "iter_errors",
    "nothing_to_save",
    "path_of",
    "prepare",
    "recent",
    "request_confirmation",
    "request_validation",
    "size_text",
    "store",
    "template",
    "too_large_message",
    "validate",
    "validation_failed",
]
