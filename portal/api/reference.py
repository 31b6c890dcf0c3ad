"""The API's OpenAPI document as a readable reference page (/api-documentatie), rendered on the server."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import current_app

METHODS = ("get", "post", "put", "patch", "delete")


@cache
def _spec() -> dict[str, Any]:
    api = current_app.extensions["api"]
    with api.app_context():
        return api.spec  # type: ignore[no-any-return]


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref (and a single allOf around one) resolved."""
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif len(schema.get("allOf", ())) == 1:
            schema = {**schema["allOf"][0], **{k: v for k, v in schema.items() if k != "allOf"}}
        else:
            return schema


def _type(spec: dict[str, Any], schema: dict[str, Any]) -> str:
    schema = _schema(spec, schema)
    if schema.get("type") == "array":
        return f"lijst van {_type(spec, schema.get('items', {}))}"
    kind = schema.get("format") or schema.get("type") or "object"
    if schema.get("enum"):
        kind += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    return kind


def _fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _schema(spec, schema)
    required = set(schema.get("required", ()))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        rows.append({"naam": name, "type": _type(spec, prop), "verplicht": name in required,
                     "uitleg": _schema(spec, prop).get("description", "")})
        inner = _schema(spec, prop)
        if inner.get("type") == "array" and "properties" in _schema(spec, inner.get("items", {})):
            for sub in _fields(spec, inner["items"]):
                rows.append({**sub, "naam": f"{name}[].{sub['naam']}"})
    return rows


def operations() -> dict[str, Any]:
    """Per tag, its operations with method, path, scopes, parameters, body fields and answers."""
    spec = _spec()
    tags: dict[str, list[dict[str, Any]]] = {t["name"]: [] for t in spec.get("tags", [])}
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            media, content = next(iter(body.items()), (None, {}))
            tags.setdefault((op.get("tags") or ["Algemeen"])[0], []).append({
                "id": op.get("operationId", f"{method}-{path}"),
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "scopes": [s for sec in op.get("security", []) for s in sec.get("oauth2", [])],
                "parameters": [{"naam": p["name"], "in": p["in"], "type": _type(spec, p.get("schema", {})),
                                "verplicht": p.get("required", False), "uitleg": p.get("description", "")}
                               for p in op.get("parameters", [])],
                "media": media,
                "body": _fields(spec, content.get("schema", {})) if content else [],
                "responses": [(code, r.get("description", "")) for code, r in op.get("responses", {}).items()],
            })
    return {"info": spec["info"], "servers": spec.get("servers", []), "tags": tags,
            "scopes": spec["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"]}
