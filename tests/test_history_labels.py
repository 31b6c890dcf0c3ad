"""The correction history shows old and new values as the pages write them, typed by the corrected column."""

from __future__ import annotations

import pytest

from portal.services.history import veld_label, waarde_label


@pytest.mark.parametrize(("object_type", "veld", "stored", "shown"), [
    ("presentie", "uren_aanwezig", "3.00", "3"),
    ("presentie", "uren_afwezig_ongeoorloofd", "2.50", "2,5"),
    ("presentie", "reden_afwezig", "Ziek", "Ziek"),
    ("presentie", "reden_afwezig", None, "–"),
    ("traject_start", "gerealiseerde_startdatum", "2026-10-05", "05-10-2026"),
    ("traject_start", "niet_gestart", "True", "Ja"),
    ("verwijzing", "status", "gestart", "Gestart"),
    ("presentie", "uren_aanwezig", "drie", "drie"),  # a shape an older version stored reads as stored
])
def test_stored_values_read_as_dutch_text(object_type, veld, stored, shown):
    assert waarde_label(object_type, veld, stored) == shown


def test_fields_are_named_as_the_forms_name_them():
    assert veld_label("uren_afwezig_geoorloofd") == "Uren afwezig geoorloofd"
    assert veld_label("reden_afwezig") == "Reden afwezigheid"
    assert veld_label("status") == "Status"
