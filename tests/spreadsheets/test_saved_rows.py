"""The preview keeps the rows it read so the confirmation need not parse the file again; the confirmation still
checks every rule against the database as it is then, and falls back to the file when the saved rows are unusable."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import tasks
from portal.models import Presentie, Upload, UploadSoort, UploadStatus
from portal.models.enums import VerwijzingStatus
from portal.services import uploads
from portal.services.uploads import Settings
from portal.services.uploads.importers.presentie import _table_path
from portal.spreadsheets.read import Table, load_table, save_table
from tests.spreadsheets.conftest import HEADER, Provider, presence_rows, xlsx_bytes


def stored(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Presentie)) or 0


def previewed(db: Session, provider: Provider, settings: Settings, content: bytes) -> Upload:
    upload = uploads.store(db, provider.user, UploadSoort.PRESENTIE, io.BytesIO(content), "p.xlsx",
                           settings.upload_dir, settings.limits)
    db.commit()
    tasks.run_upload_validation(db, {"UPLOAD_DIR": str(settings.upload_dir)}, upload.id, report=False)
    db.refresh(upload)
    return upload


def confirmed(db: Session, provider: Provider, settings: Settings, upload: Upload) -> Upload:
    uploads.request_confirmation(db, provider.user, upload)
    db.commit()
    tasks.run_upload_confirmation(db, {"UPLOAD_DIR": str(settings.upload_dir)}, upload.id, provider.user.id,
                                  report=False)
    db.refresh(upload)
    return upload


def saved_rows(settings: Settings, upload: Upload) -> Path:
    return _table_path(uploads.path_of(upload, settings.upload_dir))


@pytest.fixture
def day(provider: Provider) -> date:
    return provider.start + timedelta(days=7)


def test_the_confirmation_uses_the_rows_the_preview_read_and_then_removes_them(db, provider, settings, day):
    upload = previewed(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    assert saved_rows(settings, upload).exists()
    assert list(settings.upload_dir.iterdir()) == [uploads.path_of(upload, settings.upload_dir)]
    # Proof the file is not parsed again: unreadable now, yet the confirmation saves what the preview showed.
    uploads.path_of(upload, settings.upload_dir).write_bytes(b"kapot")
    upload = confirmed(db, provider, settings, upload)
    assert upload.status is UploadStatus.CONFIRMED
    assert stored(db) == 3
    assert not saved_rows(settings, upload).exists()


@pytest.mark.parametrize("damage", ["missing", "corrupt", "other file"])
def test_unusable_saved_rows_mean_the_file_is_read_again(db, provider, settings, day, damage):
    upload = previewed(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    path = saved_rows(settings, upload)
    if damage == "missing":
        path.unlink()
    elif damage == "corrupt":
        path.write_text('{"formaat": 1, "rijen": [1, 2', encoding="utf-8")
    else:  # rows saved for another file must never be used for this one
        upload.sha256 = "0" * 64
        db.commit()
    upload = confirmed(db, provider, settings, upload)
    assert upload.status is UploadStatus.CONFIRMED
    assert (upload.aantal_nieuw, upload.aantal_fout) == (3, 0)
    assert stored(db) == 3


def test_the_confirmation_checks_the_rules_against_the_database_as_it_is_then(db, provider, settings, day):
    upload = previewed(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    assert upload.aantal_fout == 0
    # After the preview the gemeente withdraws one verwijzing: that row is refused, the others are saved.
    provider.verwijzingen[0].status = VerwijzingStatus.INGETROKKEN
    db.commit()
    upload = confirmed(db, provider, settings, upload)
    assert upload.status is UploadStatus.CONFIRMED
    assert (upload.aantal_nieuw, upload.aantal_fout) == (2, 1)
    assert "ingetrokken" in upload.fouten[0]["melding"]
    assert stored(db) == 2


def test_saved_rows_keep_every_cell_type_exactly(tmp_path: Path):
    cells = [None, "tekst", True, 1, 1.0, 2.25, date(2026, 3, 5), datetime(2026, 3, 5, 9, 30), time(9, 30),
             timedelta(hours=2, minutes=30)]
    table = Table((("a",), ("b", "c")), [[(c,) for c in cells], [(c, c) for c in cells]], [(4, 0, 9), (5, 9, 2)])
    path = tmp_path / "rijen.json"
    assert save_table(table, path, "vingerafdruk")
    again = load_table(path, "vingerafdruk", (("a",), ("b", "c")))
    assert again is not None and again.rows == table.rows
    for before, after in zip(table.values[1], again.values[1], strict=True):
        assert [type(v) for v in before] == [type(v) for v in after] and before == after
    assert load_table(path, "een ander bestand", (("a",), ("b", "c"))) is None
