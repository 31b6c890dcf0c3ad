"""Errors as problem details (RFC 9457, application/problem+json) in plain Dutch, with per-field and per-item
`invalidParams` ({name, code, reason}) as the NL API Design Rules and Haal Centraal write them."""

from __future__ import annotations

from typing import Any

from flask import Response, json

from portal.services import ValidationError

PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Ongeldige invoer",
    401: "Niet geauthenticeerd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Niet aanvaardbaar",
    409: "Conflict",
    413: "Verzoek te groot",
    415: "Mediatype niet ondersteund",
    429: "Te veel verzoeken",
    500: "Interne fout",
    503: "Tijdelijk niet beschikbaar",
}
DETAILS = {
    400: "Het verzoek is ongeldig. Zie invalidParams voor wat er per veld moet worden verbeterd.",
    401: "Vraag een toegangstoken aan bij /oauth/token en stuur het mee als 'Authorization: Bearer <token>'.",
    403: "Deze koppeling heeft niet de bevoegdheid (scope) voor deze bewerking.",
    404: "Dit bestaat niet, of uw organisatie heeft er geen toegang toe.",
    405: "Deze methode is op dit adres niet mogelijk.",
    409: "Iemand anders sloeg tegelijk dezelfde gegevens op. Er is niets opgeslagen; probeer het opnieuw.",
    413: "Het verzoek is te groot. Stuur hoogstens 10.000 regels per verzoek.",
    415: "Stuur de gegevens als application/json.",
    429: "Te veel verzoeken van deze koppeling. Wacht het aantal seconden uit Retry-After en probeer het opnieuw.",
    500: "Er ging iets mis. Er is niets opgeslagen; probeer het opnieuw.",
}

# Dutch messages for the shape errors pydantic reports (types, missing and unknown fields); the domain rules
# themselves are checked by the services, in the same words as forms and uploads.
PYDANTIC_MESSAGES = {
    "missing": "Dit veld is verplicht.",
    "extra_forbidden": "Onbekend veld: laat het weg of controleer de schrijfwijze.",
    "int_type": "Geef een geheel getal.",
    "int_parsing": "Geef een geheel getal.",
    "int_from_float": "Geef een geheel getal.",
    "float_type": "Geef een getal.",
    "float_parsing": "Geef een getal.",
    "finite_number": "Geef een eindig getal.",
    "string_type": "Geef tekst.",
    "bool_type": "Geef true of false.",
    "list_type": "Geef een lijst.",
    "dict_type": "Geef een object.",
    "model_type": "Geef een object.",
    "model_attributes_type": "Geef een object.",
    "string_pattern_mismatch": "Deze waarde heeft niet de juiste vorm.",
    "string_too_long": "Deze tekst is te lang.",
    "string_too_short": "Vul dit veld in.",
    "too_long": "Te veel regels: stuur hoogstens 10.000 regels per verzoek.",
    "too_short": "Stuur minstens één regel.",
    "greater_than_equal": "Deze waarde is te klein.",
    "greater_than": "Deze waarde is te klein.",
    "less_than_equal": "Deze waarde is te groot.",
    "less_than": "Deze waarde is te groot.",
    "literal_error": "Deze waarde is niet toegestaan.",
    "enum": "Deze waarde is niet toegestaan.",
    "date_from_datetime_parsing": "Geef een datum als jjjj-mm-dd.",
    "datetime_from_date_parsing": "Geef een tijdstip als jjjj-mm-ddTuu:mm:ssZ.",
    "datetime_parsing": "Geef een tijdstip als jjjj-mm-ddTuu:mm:ssZ.",
    "datetime_type": "Geef een tijdstip als jjjj-mm-ddTuu:mm:ssZ.",
    "timezone_aware": "Geef een tijdstip met tijdzone, bijvoorbeeld 2026-12-01T08:00:00Z.",
    "json_invalid": "Dit is geen geldige JSON.",
}
DEFAULT_SHAPE_MESSAGE = "Deze waarde is ongeldig."


def problem(status: int, detail: str | None = None, *, invalid: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Fout"),
        "status": status,
        "detail": detail or DETAILS.get(status, TITLES.get(status, "Fout")),
    }
    if invalid:
        body["invalidParams"] = invalid
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def invalid_params_of_pydantic(errors: list[dict[str, Any]], prefix: str = "") -> list[dict[str, Any]]:
    """pydantic's errors as invalidParams with a Dutch reason; `name` is the path, e.g. items[3].datum."""
    out = []
    for error in errors:
        name = prefix
        for part in error.get("loc", ()):
            name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
        out.append({"name": name or "body", "code": error.get("type", "ongeldig"),
                    "reason": PYDANTIC_MESSAGES.get(error.get("type", ""), DEFAULT_SHAPE_MESSAGE)})
    return out


def invalid_params_of(error: ValidationError, names: dict[str, str], *, items: str | None = None
                      ) -> list[dict[str, Any]]:
    """A service's ValidationError as invalidParams: field names in the API's spelling; for a bulk call
    `items[n].veld` with n the item's position (the service's row number)."""
    out = []
    for row in error.rows:
        for field, message in row.errors.items():
            name = names.get(field, field)
            if items is not None and row.row is not None:
                name = f"{items}[{row.row}].{name}"
            out.append({"name": name, "code": "ongeldig", "reason": message})
    return out


def problem_json_schema() -> dict[str, Any]:
    """The problem details schema documented for every error response."""
    return {
        "type": "object",
        "required": ["title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "invalidParams": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "code": {"type": "string"},
                                   "reason": {"type": "string"}},
                },
            },
        },
    }
