"""Error pages in Dutch; 404 is the same for missing and out-of-scope objects."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("Ongeldig verzoek", "Het verzoek kon niet worden verwerkt. Probeer het opnieuw."),
    403: ("Geen toegang", "U heeft geen toegang tot deze pagina met uw rol."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet of u heeft er geen toegang toe."),
    405: ("Niet toegestaan", "Deze actie is op deze pagina niet mogelijk."),
    413: ("Bestand te groot", "Het bestand is groter dan toegestaan. Splits het bestand en probeer opnieuw."),
    429: ("Te veel pogingen", "Wacht even en probeer het daarna opnieuw."),
    500: ("Er ging iets mis", "Er is een fout opgetreden. Uw gegevens zijn niet opgeslagen; probeer het opnieuw."),
}


def register(app: Flask) -> None:
    """Render every HTTP error with the Dutch error template."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return render_template(
            "error.html",
            code=400,
            title="Formulier verlopen",
            message="Het formulier was verlopen. Laad de pagina opnieuw en probeer het nog eens.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        title, message = MESSAGES.get(code, (error.name, error.description or ""))
        return render_template("error.html", code=code, title=title, message=message), code
