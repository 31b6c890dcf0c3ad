"""Every page that shows one inburgeraar's case data leaves a read in the audit trail, naming that inburgeraar.

Routes are read from the app, as in the access matrix (tests/test_access_matrix.py, whose world of own and foreign
objects this test reuses): every GET route whose URL names an object of one case is opened by each role that may
use it, and must write an audit event by that user about that case's inburgeraar. Entry forms are the only exception
and are listed with their reason; a new route fails this test until it audits its reads or is listed here.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.models import AuditEvent
from tests.helpers import open_session
from tests.test_access_matrix import ARG, ROUTES, _build_world, _url

# URL arguments that name an object belonging to one inburgeraar's case.
CASE_ARGUMENTS = {"inburgeraar_id", "verwijzing_id", "verzoek_id", "bericht_id", "verhuizing_id", "resultaat_id",
                  "regel_id"}

# Forms to enter something new, reached from the (audited) case page; they show the name and what is being
# entered, the record itself is audited when it is saved.
ENTRY_FORMS = {
    "inburgeraars.pip_nieuw": "nieuwe PIP-versie vastleggen",
    "inburgeraars.verwijzing_nieuw": "verwijzing maken",
    "keten.verhuizing_nieuw": "verhuizing registreren",
    "presentie.sessie": "één sessie invoeren of corrigeren",
    "presentie.afwezigheid": "reden van afwezigheid invoeren in het weekrooster",
}

CASE_PAGES = [r for r in ROUTES if "GET" in r[2] and CASE_ARGUMENTS & set(ARG.findall(r[1]))
              and r[0] not in ENTRY_FORMS]


def test_the_exceptions_are_real_case_pages():
    names = {r[0] for r in ROUTES if CASE_ARGUMENTS & set(ARG.findall(r[1]))}
    assert set(ENTRY_FORMS) <= names


@pytest.mark.parametrize(("endpoint", "rule", "methods"), CASE_PAGES, ids=[r[0] for r in CASE_PAGES])
def test_showing_a_case_page_is_an_audited_read(app: Flask, db, endpoint: str, rule: str, methods: tuple[str, ...]):
    world = _build_world(db)
    inburgeraar_id = world.own["inburgeraar_id"]
    allowed = app.view_functions[endpoint].access_roles
    missing = []
    for rol, user in world.users.items():
        if rol not in allowed:
            continue
        url = _url(rule, world.own)
        client = open_session(db, app.test_client(), user)
        before = db.scalar(select(func.max(AuditEvent.id))) or 0
        response = client.get(url)
        if response.status_code != 200:  # a redirect to the case page shows nothing itself
            assert 300 <= response.status_code < 400, f"GET {url} als {rol.value}: {response.status_code}"
            continue
        about = db.execute(select(AuditEvent.actor_id, AuditEvent.inburgeraar_id).where(AuditEvent.id > before)).all()
        if (user.id, inburgeraar_id) not in [tuple(row) for row in about]:
            missing.append(f"GET {url} als {rol.value}")
    assert missing == [], "pagina's met casusgegevens zonder leesregel in de audittrail"

