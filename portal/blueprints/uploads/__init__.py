"""Spreadsheet templates and uploads for aanbieders: download, upload, check, preview, confirm."""

from flask import Blueprint

bp = Blueprint("uploads", __name__, url_prefix="/uploads")

from portal.blueprints.uploads import routes  # noqa: E402, F401
