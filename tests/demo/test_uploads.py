"""The demo shows what an upload's preview tells (issues 8.3 and 11.5): De Brug's export without an Activiteit
column waits for confirmation, with the activity filled in, the columns not read, a correction with its old and
new value, and a row that must name its traject."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from portal.demo_uploads import BESTANDSNAAM, seed_uploads
from portal.models import Presentie, Upload, UploadStatus
from portal.services.uploads import Settings
from portal.spreadsheets.guard import Limits
from tests.demo import TODAY


def test_the_demo_has_an_export_waiting_whose_preview_shows_what_was_filled_in_and_overwritten(db, tmp_path: Path):
    settings = Settings(tmp_path, Limits(), 256 * 1024)
    stored_before = db.scalar(select(func.count()).select_from(Presentie))

    assert seed_uploads(db, settings, TODAY) == 1
    assert seed_uploads(db, settings, TODAY) == 0  # seeding again adds nothing

    upload = db.scalars(select(Upload).where(Upload.bestandsnaam == BESTANDSNAAM)).one()
    assert upload.status is UploadStatus.PREVIEWED
    assert upload.user.email == "begeleider@debrug.example.nl"
    assert upload.niet_ingelezen == ["Deelnemer", "Begeleider", "Notities"]
    assert "is de enige activiteit van het traject ingevuld: MAP praktijkdeel" in upload.opmerkingen[0]
    assert upload.aantal_nieuw >= 5 and upload.aantal_gewijzigd >= 1 and upload.aantal_fout == 1
    assert upload.correcties and all(c["kolom"] == "Uren aanwezig" and c["oud"] != c["nieuw"]
                                     for c in upload.correcties)
    assert "meer trajecten" in upload.fouten[0]["melding"]
    assert db.scalar(select(func.count()).select_from(Presentie)) == stored_before  # nothing stored yet
