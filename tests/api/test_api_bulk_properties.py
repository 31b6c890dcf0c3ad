"""Property-based tests of the bulk presentie endpoint: duplicates, mixed valid and invalid items, NaN, infinite
and huge numbers, wrong types. Whatever is sent: either every item is stored exactly as sent, or nothing is stored
and every faulty item (and only those) is named in invalidParams as items[n]."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.models import Presentie
from tests.api.conftest import START, ApiWorld

VALID = "geldig"
# Faults and what each does to an item; the service or the strict model must refuse every one of them.
FAULTS = {
    "nan": lambda item: {**item, "urenAanwezig": math.nan},
    "oneindig": lambda item: {**item, "urenAanwezig": math.inf},
    "enorm": lambda item: {**item, "urenAanwezig": 1e300},
    "enorm geheel": lambda item: {**item, "urenAanwezig": 10**30},
    "negatief": lambda item: {**item, "urenAanwezig": -0.25},
    "geen kwartier": lambda item: {**item, "urenAanwezig": 1.1},
    "tekst als uren": lambda item: {**item, "urenAanwezig": "2"},
    "boolean als uren": lambda item: {**item, "urenAanwezig": True},
    "datum als getal": lambda item: {**item, "datum": 20260101},
    "onbestaande datum": lambda item: {**item, "datum": "2026-02-30"},
    "activiteit van een ander onderdeel": lambda item: {**item, "activiteit": "pvt"},
    "onbekende activiteit": lambda item: {**item, "activiteit": "zwemles"},
    "id als tekst": lambda item: {**item, "verwijzingId": str(item["verwijzingId"])},
    "afwezig zonder reden": lambda item: {**item, "urenAfwezigGeoorloofd": 1},
    "onbekend veld": lambda item: {**item, "opmerking": "x"},
    "vreemde verwijzing": None,  # filled in with side B's verwijzing
}

SHAPE_FAULTS = {"tekst als uren", "boolean als uren", "datum als getal", "id als tekst", "onbekend veld"}
# Lines whose verwijzing, date and activity the rules recognise, whatever else is wrong with them.
KEYED = {VALID, "nan", "oneindig", "enorm", "enorm geheel", "negatief", "geen kwartier", "afwezig zonder reden"}

item_specs = st.lists(
    st.tuples(st.integers(min_value=1, max_value=8),  # day after the start
              st.sampled_from([q / 4 for q in range(0, 25)]),  # hours present, in quarters up to 6
              st.sampled_from([VALID] * 4 + list(FAULTS))),
    min_size=1, max_size=12,
)


def _stored(db, world: ApiWorld) -> dict:
    rows = db.execute(select(Presentie.datum, Presentie.uren_aanwezig).where(
        Presentie.verwijzing_id == world.own.id)).all()
    return {d.isoformat(): float(u) for d, u in rows}


def test_bulk_is_all_or_nothing_and_names_exactly_the_faulty_items(app: Flask, db, world: ApiWorld, api):
    limiter = app.extensions["api"].extensions["api_limiter"]

    @given(specs=item_specs)
    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(specs) -> None:
        limiter.reset()
        items, faulty, seen = [], set(), set()
        for n, (day, hours, fault) in enumerate(specs):
            item = {"verwijzingId": world.own.id, "datum": (START + timedelta(days=day)).isoformat(),
                    "activiteit": "taalles_knm", "urenAanwezig": hours}
            if fault == "vreemde verwijzing":
                item["verwijzingId"] = world.foreign.id
            elif fault != VALID:
                item = FAULTS[fault](item)
            if fault != VALID:
                faulty.add(n)
            if fault in KEYED:  # its (verwijzing, datum, activiteit) is known, so a later line repeats it
                if item["datum"] in seen:
                    faulty.add(n)
                seen.add(item["datum"])
            items.append(item)
        before = _stored(db, world)
        response = api.post("/presentie", json={"items": items})
        assert response.status_code in (200, 400), response.get_data(as_text=True)
        if response.status_code == 200:
            assert not faulty
            after = _stored(db, world)
            assert {i["datum"]: float(i["urenAanwezig"]) for i in items}.items() <= after.items()
            return
        assert response.mimetype == "application/problem+json"
        assert _stored(db, world) == before  # nothing of the request was stored
        problems = response.get_json()["invalidParams"]
        named = {int(m.group(1)) for p in problems if (m := re.match(r"items\[(\d+)\]", p["name"]))}
        shape = {n for n, spec in enumerate(specs) if spec[2] in SHAPE_FAULTS}
        # The strict model refuses wrong types and unknown fields before any rule runs; then only those are named.
        assert named == (shape or faulty), [p["name"] for p in problems]
        assert all(p["reason"] and not p["reason"].startswith("Input") for p in problems)  # Dutch, not pydantic's

    check()
