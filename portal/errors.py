"""Error pages in Dutch; 404 is the same for missing and out-of-scope objects.

Every handler first rolls the request's database session back: after a failed statement the session refuses all
further work (PendingRollbackError), and the error page itself reads the database (current user, meldingen
badge). Should rendering the page still fail, a static Dutch page is sent instead of werkzeug's English one.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db

MESSAGES = {
    400: ("Ongeldig verzoek", "Het verzoek kon niet worden verwerkt. Probeer het opnieuw."),
    403: ("Geen toegang", "U heeft geen toegang tot deze pagina met uw rol."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet of u heeft er geen toegang toe."),
    405: ("Niet toegestaan", "Deze actie is op deze pagina niet mogelijk."),
    409: ("Tegelijk gewijzigd", "Iemand anders sloeg op hetzelfde moment dezelfde gegevens op. Uw wijziging is niet "
                                "opgeslagen. Laad de pagina opnieuw, controleer de gegevens en probeer het nog eens."),
    413: ("Bestand te groot", "Het bestand is groter dan toegestaan. Splits het bestand en probeer opnieuw."),
    429: ("Te veel pogingen", "Wacht even en probeer het daarna opnieuw."),
    500: ("Er ging iets mis", "Er is een fout opgetreden. Uw gegevens zijn niet opgeslagen; probeer het opnieuw."),
}
CSRF_MESSAGE = ("Formulier verlopen", "Het formulier was verlopen. Laad de pagina opnieuw en probeer het nog eens.")
_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE; SQLite says "UNIQUE constraint failed"

logger = logging.getLogger(__name__)

_STATIC_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – Inburgering aanbiedersportaal</title></head>
<body><main><h1>{title}</h1><p>{message}</p><p><a href="/">Naar de startpagina</a></p></main></body></html>
"""


def render_error(code: int, title: str, message: str) -> tuple[str, int]:
    """Roll back, then the Dutch error page; a static Dutch page when even that cannot be rendered."""
    db.rollback()
    try:
        return render_template("error.html", code=code, title=title, message=message), code
    except Exception:
        logger.exception("Foutpagina %s kon niet worden opgemaakt; eenvoudige pagina verstuurd", code)
        db.rollback()
        return _STATIC_PAGE.format(title=title, message=message), code


def is_unique_violation(error: IntegrityError) -> bool:
    """Whether a unique constraint refused the row: two people inserted the same thing at the same moment."""
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return sqlstate == _UNIQUE_VIOLATION or "UNIQUE constraint failed" in str(original)


def register(app: Flask) -> None:
    """Render every HTTP error, a concurrent duplicate and any unexpected exception with the Dutch error page."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return render_error(400, *CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        title, message = MESSAGES.get(code, (error.name, error.description or ""))
        return render_error(code, title, message)

    @app.errorhandler(InternalServerError)
    def server_error(_error: InternalServerError) -> tuple[str, int]:
        # Flask wraps every unhandled exception in an InternalServerError and has logged it already.
        return render_error(500, *MESSAGES[500])

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError) -> tuple[str, int]:
        if not is_unique_violation(error):
            raise error  # a real fault: Flask logs it and answers with the 500 page above
        # Services look before they insert; a duplicate here means another request inserted in between.
        logger.warning("Gelijktijdige invoer geweigerd door een unieke sleutel: %s", type(error.orig).__name__)
        return render_error(409, *MESSAGES[409])
