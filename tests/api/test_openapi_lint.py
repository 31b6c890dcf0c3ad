"""The OpenAPI document passes the NL API Design Rules 2.1.0 linter (spectral) with 0 errors.

`make test` installs spectral (pinned) into .cache/spectral first; run directly, this test installs it with
`make spectral` when it is missing. It fails, never skips, when the linter or the ruleset cannot be found.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
SPECTRAL = ROOT / ".cache" / "spectral" / "node_modules" / ".bin" / "spectral"
RULESET = ROOT.parent / "shared" / "reference" / "nl-api-design-rules" / "adr-2.1.0.spectral.yml"


def _spectral() -> Path:
    if not SPECTRAL.exists():
        subprocess.run(["make", "-s", "spectral"], cwd=ROOT, check=False, timeout=600)  # noqa: S607
    assert SPECTRAL.exists(), "spectral ontbreekt: `make spectral` (of `make test`) installeert het"
    return SPECTRAL


def test_openapi_document_passes_the_adr_2_1_0_ruleset(app: Flask, tmp_path: Path):
    assert RULESET.exists(), f"de ADR-ruleset ontbreekt: {RULESET}"
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = tmp_path / "openapi.json"
    document.write_text(response.get_data(as_text=True))
    result = subprocess.run(  # noqa: S603 - our own pinned linter on our own document
        [str(_spectral()), "lint", "-r", str(RULESET), "-f", "json", "--quiet", str(document)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    findings = json.loads(result.stdout or "[]")
    errors = [f"{'.'.join(map(str, f['path']))}: {f['code']}: {f['message']}" for f in findings if f["severity"] == 0]
    assert errors == []
    assert result.returncode == 0, result.stderr
