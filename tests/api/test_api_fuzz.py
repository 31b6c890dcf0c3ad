"""Fuzzing every operation of the document in process (schemathesis, bounded examples): no server errors, and
every answer conforms to the document (status, content type, headers, body schema), for data that fits the
document and for data that does not."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal import create_app
from portal.config import TestConfig as _TestConfig
from tests.api.conftest import ApiWorld

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 10  # per operation and mode: the whole file stays within seconds on two cores


def _operations() -> list[tuple[str, str, GenerationMode]]:
    """Every operation with data that fits the document, and (when it takes any input) data that does not."""
    spec = create_app(_TestConfig()).test_client().get("/api/v1/openapi.json").get_json()
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            found.append((method.upper(), path, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                found.append((method.upper(), path, GenerationMode.NEGATIVE))
    return sorted(found)


OPERATIONS = _operations()


@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS,
                         ids=[f"{m} {p} {'passend' if g is GenerationMode.POSITIVE else 'onpassend'}"
                              for m, p, g in OPERATIONS])
def test_every_operation_answers_as_documented(app: Flask, db, world: ApiWorld, method: str, path: str,
                                               mode: GenerationMode):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    secured = bool(operation.definition.raw.get("security"))
    token = world.tokens["a"] if "Gemeente" in (operation.definition.raw.get("tags") or []) else world.tokens["p"]
    limiter = app.extensions["api"].extensions["api_limiter"]
    seen = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        limiter.reset()
        if secured:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        response = case.call_and_validate(checks=CHECKS)
        seen.append(response.status_code)

    run()
    assert seen  # the operation was called
