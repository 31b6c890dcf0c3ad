"""Rows sent as array literals (portal/pg_arrays.py) come back from PostgreSQL exactly as sent, and the bulk
audit events written that way carry every detail unchanged, on either database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Date, Integer, Numeric, String, Text, select

from portal import audit, pg_arrays
from portal.audit import AuditActie
from portal.models import AuditEvent
from portal.principal import ClientActor
from tests.factories import ApiClientFactory, InburgeraarFactory

AWKWARD = ['a "quoted" word', "back\\slash", "comma, {brace}", "NULL", "", " spaced ", "café ✓"]


def test_array_literal_quotes_every_string_and_writes_null_for_none():
    assert pg_arrays.array_literal([1, 22, 333]) == "{1,22,333}"
    assert pg_arrays.array_literal([Decimal("2.50"), Decimal("0")]) == "{2.50,0}"
    assert pg_arrays.array_literal([date(2026, 1, 5), date(2026, 12, 31)]) == "{2026-01-05,2026-12-31}"
    assert pg_arrays.array_literal(['a"b', "c\\d", None]) == '{"a\\"b","c\\\\d",NULL}'
    assert pg_arrays.array_literal(['a"b', "c\\d", "e,f"]) == '{"a\\"b","c\\\\d","e,f"}'
    with pytest.raises(ValueError, match="NUL"):
        pg_arrays.array_literal(["a\0b"])
    with pytest.raises(TypeError):
        pg_arrays.array_literal([object()])


@pytest.mark.postgres
def test_unnested_columns_come_back_exactly_as_sent(db):
    strings = [*AWKWARD, None]
    n = len(strings)
    numbers = [Decimal("2.50"), Decimal("0.25"), Decimal("-1"), Decimal("1234567.89"), None, *[Decimal(0)] * (n - 5)]
    dates = [date(2026, 1, 1 + i) for i in range(n - 1)] + [None]
    ids = list(range(1, n + 1))
    texts = [*AWKWARD, "laatste"]  # no None: every element quoted in one pass
    rows = pg_arrays.unnested([("id", ids, Integer()), ("tekst", strings, Text()), ("naam", texts, String()),
                               ("uren", numbers, Numeric(12, 2)), ("dag", dates, Date())])
    got = db.execute(select(*rows.c)).all()
    assert [tuple(r) for r in got] == list(zip(ids, strings, texts, numbers, dates, strict=True))


def test_bulk_audit_events_keep_every_detail_per_inburgeraar(db):
    client = ApiClientFactory()
    people = [InburgeraarFactory() for _ in range(3)]
    people += [InburgeraarFactory() for _ in range(3)]
    # Repeated, equal-looking and nested details: each kept as given (True is not 1, 1.0 is not 1).
    details = {p.id: {"nieuw": n, "gewijzigd": 1, "opmerking": AWKWARD[n]} for n, p in enumerate(people[:3])}
    details |= {people[3].id: {"nieuw": 1}, people[4].id: {"nieuw": True}, people[5].id: {"nieuw": [1.0]}}
    token = audit.current_origin.set("api ic_test 10.0.0.1")
    try:
        audit.record_many(db, ClientActor.of(client, frozenset()), AuditActie.PRESENTIE_GEREGISTREERD,
                          object_type="presentie", per_inburgeraar=details)
    finally:
        audit.current_origin.reset(token)
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == AuditActie.PRESENTIE_GEREGISTREERD)).all()
    stored = {e.inburgeraar_id: e.details for e in events}
    assert stored == details
    assert [type(stored[p.id]["nieuw"]) for p in people[3:]] == [int, bool, list]
    assert {(e.actor_id, e.api_client_id, e.object_type, e.result, e.origin) for e in events} == {
        (None, client.id, "presentie", "ok", "api ic_test 10.0.0.1")}
    assert all(e.occurred_at is not None for e in events)
