"""Every route declares who may use it: a role check or an explicit public marker."""

from flask import Flask


def test_every_route_declares_its_access(app: Flask):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not (getattr(view, "access_roles", None) or getattr(view, "access_public", False)):
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
    assert undeclared == [], f"Routes without a declared role check: {undeclared}"


def test_public_routes_are_only_login_health_and_the_api_reference(app: Flask):
    public = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "access_public", False)
    )
    # The API reference documents the public OpenAPI document (/api/v1/openapi.json): no case data.
    assert public == ["auth.enrol", "auth.login", "auth.second_factor", "main.api_documentatie", "main.health"]
