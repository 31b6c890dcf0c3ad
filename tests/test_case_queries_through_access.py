"""Views read case data through portal/access.py: a web view or API endpoint that selects a case model itself would
bypass the tenant scope. The few direct reads that only follow up on rows already loaded through a scope are
listed with their reason; a new direct query in portal/blueprints or portal/api fails this test.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE_MODELS = (
    "Inburgeraar", "IntakeGegevens", "Pip", "PipIntrekking", "Verwijzing", "TrajectStart", "Presentie",
    "PresentieWeek", "PresentieTotaal", "Voortgangsrapportage", "OmstandighedenMelding", "Afschalingsverzoek",
    "Examenresultaat", "RouteResultaat", "Handhaving", "DuoBericht", "Verhuizing", "Melding", "Upload", "AuditEvent",
)
DIRECT = re.compile(r"(?:\bselect|session\.get)\(\s*(" + "|".join(CASE_MODELS) + r")\b")

# (file, model): why the read is already in scope.
FOLLOW_UPS = {
    ("portal/blueprints/declaraties/routes.py", "Inburgeraar"):
        "the person of a regel of a declaratie loaded through access.declaraties and access.get_regel_or_404",
    ("portal/api/aanbieder.py", "TrajectStart"): "the starts of a page of verwijzingen loaded through access",
    ("portal/api/gemeente.py", "Verwijzing"): "BSN and KvK of a page of registraties loaded through access",
    ("portal/api/gemeente.py", "Inburgeraar"): "BSN of a page of registraties loaded through access",
}


def _direct_reads() -> set[tuple[str, str]]:
    found = set()
    for folder in ("portal/blueprints", "portal/api"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for match in DIRECT.finditer(path.read_text(encoding="utf-8")):
                found.add((path.relative_to(ROOT).as_posix(), match.group(1)))
    return found


def test_views_query_case_data_only_through_access():
    unexplained = sorted(_direct_reads() - set(FOLLOW_UPS))
    assert unexplained == [], "query case data through portal/access.py (or explain the follow-up read here)"


def test_every_listed_follow_up_still_exists():
    assert set(FOLLOW_UPS) <= _direct_reads()
