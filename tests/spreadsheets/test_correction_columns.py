"""A correction file says nothing about the columns it does not have: a presence export without absence columns
keeps the stored absence (and the preview says so), while an empty cell in a column that is in the file clears
the stored value, as the template's instructions say (and the preview lists each such correction)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Presentie, UploadStatus
from portal.models.traject import Activiteit
from portal.services import presentie as presentie_service
from portal.services.presentie import BEWAREN, PresentieInput
from portal.services.uploads import Settings
from portal.services.uploads.importers.presentie import PresentieImporter
from tests.spreadsheets.conftest import Provider, xlsx_bytes
from tests.spreadsheets.test_upload_service import confirm, upload_file


def _store_week(db: Session, provider: Provider, day: date) -> None:
    """What the grid stored earlier: the first deelnemer was 1 hour away (ziek), the second half an hour without
    a reason given to the school (ongeoorloofd), the third was there all morning."""
    first, second, third = provider.verwijzingen
    rows = [
        PresentieInput(1, day, "taalles_knm", "2", "1", None, "ziek", verwijzing_id=first.id),
        PresentieInput(2, day, "taalles_knm", "2,5", None, "0,5", "te laat, bus", verwijzing_id=second.id),
        PresentieInput(3, day, "taalles_knm", "3", None, None, None, verwijzing_id=third.id),
    ]
    presentie_service.register(db, provider.user, rows, date.today())
    db.commit()


def _stored(db: Session, provider: Provider, day: date) -> dict[int, tuple[Any, ...]]:
    db.expire_all()
    found = db.scalars(select(Presentie).where(Presentie.datum == day)).all()
    order = {v.id: n for n, v in enumerate(provider.verwijzingen)}
    return {order[p.verwijzing_id]: (p.uren_aanwezig, p.uren_afwezig_geoorloofd, p.uren_afwezig_ongeoorloofd,
                                      p.reden_afwezig) for p in found}


def _export_without_absence(provider: Provider, day: date) -> bytes:
    """A student administration's attendance export as it really looks: a merged-looking title row, the BSN as a
    number, the date as text, hours with a decimal comma, a notes column and a Totaal row; no absence columns."""
    first, second, third = (v.inburgeraar for v in provider.verwijzingen)
    text_day = day.strftime("%d-%m-%Y")
    return xlsx_bytes([
        ["BSN-nummer", "Naam cursist", "Lesdatum", "Soort les", "Aanwezig (uren)", "Opmerkingen"],
        [int(first.bsn), "José Müller", text_day, "Taalles en KNM", "2,5", "later gekomen"],  # correction 2 → 2,5
        [int(second.bsn), "Zoë Çelik", text_day, "Taalles en KNM", "2,5", None],  # unchanged
        [int(third.bsn), "Ana Peña", text_day, "Taalles en KNM", "3", None],  # unchanged
        [int(first.bsn), "José Müller", (day + timedelta(days=1)).strftime("%d-%m-%Y"), "Taalles en KNM", "2",
         None],  # a new day: no absence
        ["Totaal", None, None, None, "10", None],
    ], title_rows=1)


def test_a_file_without_absence_columns_keeps_the_stored_absence_and_says_so(
        db: Session, provider: Provider, settings: Settings):
    day = provider.start + timedelta(days=7)
    _store_week(db, provider, day)
    before = _stored(db, provider, day)

    upload = upload_file(db, provider, settings, _export_without_absence(provider, day))
    assert upload.status is UploadStatus.PREVIEWED, upload.melding
    assert (upload.aantal_nieuw, upload.aantal_gewijzigd, upload.aantal_ongewijzigd, upload.aantal_fout) == (
        1, 1, 2, 0)
    assert any(
        "geen kolommen 'Uren afwezig geoorloofd', 'Uren afwezig ongeoorloofd' en 'Reden afwezigheid'" in note
        and "blijven de opgeslagen waarden staan" in note for note in upload.opmerkingen)
    # The only overwritten value is the presence the file corrects; no absence goes to 0 or empty.
    assert [(c["kolom"], c["oud"], c["nieuw"]) for c in upload.correcties] == [("Uren aanwezig", "2", "2,5")]

    confirm(db, provider, settings, upload)
    after = _stored(db, provider, day)
    assert after[0] == (Decimal("2.50"), Decimal("1.00"), Decimal("0.00"), "ziek")
    assert (after[1], after[2]) == (before[1], before[2])
    db.expire_all()
    new_day = db.scalars(select(Presentie).where(Presentie.datum == day + timedelta(days=1))).one()
    assert (new_day.uren_afwezig_geoorloofd, new_day.uren_afwezig_ongeoorloofd, new_day.reden_afwezig) == (
        0, 0, None)


def test_an_empty_cell_in_an_absence_column_the_file_has_clears_the_stored_value(
        db: Session, provider: Provider, settings: Settings):
    day = provider.start + timedelta(days=7)
    _store_week(db, provider, day)
    first, second, third = (v.inburgeraar for v in provider.verwijzingen)
    text_day = day.strftime("%d-%m-%Y")
    # The file has the ongeoorloofd column (empty for the second deelnemer: the school excused the bus after all)
    # and the reason column, but no geoorloofd column.
    content = xlsx_bytes([
        ["BSN", "Datum", "Activiteit", "Uren aanwezig", "Uren afwezig ongeoorloofd", "Reden afwezigheid"],
        [first.bsn, text_day, "Taalles en KNM", "2", None, "ziek"],
        [second.bsn, text_day, "Taalles en KNM", "2,5", None, None],
        [third.bsn, text_day, "Taalles en KNM", "3", "", ""],
    ])
    upload = upload_file(db, provider, settings, content)
    assert upload.status is UploadStatus.PREVIEWED, upload.melding
    assert (upload.aantal_gewijzigd, upload.aantal_ongewijzigd, upload.aantal_fout) == (1, 2, 0)
    notes = " ".join(upload.opmerkingen)
    assert "geen kolom 'Uren afwezig geoorloofd'" in notes
    assert "In 1 regel wist het bestand eerder opgeslagen afwezigheid" in notes
    assert sorted((c["kolom"], c["oud"], c["nieuw"]) for c in upload.correcties) == [
        ("Reden afwezigheid", "te laat, bus", "(leeg)"), ("Uren afwezig ongeoorloofd", "0,5", "0")]

    confirm(db, provider, settings, upload)
    after = _stored(db, provider, day)
    assert after[0] == (Decimal("2.00"), Decimal("1.00"), Decimal("0.00"), "ziek")  # geoorloofd kept
    assert after[1] == (Decimal("2.50"), Decimal("0.00"), Decimal("0.00"), None)


def test_kept_absence_still_needs_its_reason_and_counts_for_the_day(db: Session, provider: Provider):
    day = provider.start + timedelta(days=7)
    _store_week(db, provider, day)
    first = provider.verwijzingen[0]
    kept = dict(uren_afwezig_geoorloofd=BEWAREN, uren_afwezig_ongeoorloofd=BEWAREN, verwijzing_id=first.id)
    clean, errors = presentie_service.validate_presentie(db, provider.user, [
        # The stored hour away stays, so a reason column emptied in the file cannot be saved.
        PresentieInput(1, day, Activiteit.TAALLES_KNM, "2", reden_afwezig="", **kept),
        # A new day keeps nothing: no absence, no reason.
        PresentieInput(2, day + timedelta(days=1), Activiteit.TAALLES_KNM, "1", reden_afwezig=BEWAREN, **kept),
    ], date.today())
    assert [e.row for e in errors] == [1]
    assert "1 uur afwezigheid (met de eerder opgeslagen uren) en de reden is leeg" in errors[0].errors[
        "reden_afwezig"]
    [new] = clean
    assert (new.uren_afwezig_geoorloofd, new.uren_afwezig_ongeoorloofd, new.reden_afwezig) == (0, 0, None)

    # 23,5 hours present plus the stored hour away is more than a day.
    clean, errors = presentie_service.validate_presentie(db, provider.user, [
        PresentieInput(1, day, Activiteit.TAALLES_KNM, "23,5", reden_afwezig=BEWAREN, **kept),
    ], date.today())
    assert clean == [] and "meer dan 24 uur" in errors[0].errors["uren_aanwezig"]


def test_the_template_instructions_say_what_an_empty_cell_and_a_missing_column_mean():
    text = " ".join(PresentieImporter.instructies)
    assert "lege cel (of 0) bij uren afwezig betekent: geen afwezigheid" in text
    assert "kolom voor afwezigheid helemaal weg, dan blijven de opgeslagen waarden" in text
