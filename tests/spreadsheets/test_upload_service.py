"""Upload → check → preview → confirm through the presentie service: nothing stored before confirmation,
idempotent re-uploads, corrections with history, and no partial data after a crash."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal import tasks
from portal.models import AuditEvent, Presentie, RegistratieWijziging, Upload, UploadSoort, UploadStatus
from portal.models.base import utcnow
from portal.services import NotAllowed, uploads
from portal.services import presentie as presentie_service
from portal.services.uploads import Settings, UploadStateError
from portal.spreadsheets.guard import UnsafeFileError
from tests.spreadsheets.conftest import HEADER, Provider, presence_rows, xlsx_bytes


def stored(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Presentie)) or 0


def upload_file(db: Session, provider: Provider, settings: Settings, content: bytes, name: str = "p.xlsx") -> Upload:
    upload = uploads.store(
        db, provider.user, UploadSoort.PRESENTIE, io.BytesIO(content), name, settings.upload_dir, settings.limits
    )
    db.commit()
    tasks.run_upload_validation(db, {"UPLOAD_DIR": str(settings.upload_dir)}, upload.id, report=False)
    db.refresh(upload)
    return upload


def confirm(db: Session, provider: Provider, settings: Settings, upload: Upload) -> Upload:
    uploads.request_confirmation(db, provider.user, upload)
    db.commit()
    tasks.run_upload_confirmation(db, {"UPLOAD_DIR": str(settings.upload_dir)}, upload.id, provider.user.id,
                                  report=False)
    db.refresh(upload)
    return upload


@pytest.fixture
def day(provider: Provider) -> date:
    return provider.start + timedelta(days=7)


def test_preview_stores_nothing_and_confirm_stores_every_valid_row(db, provider, settings, day):
    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)], title_rows=2))
    assert upload.status is UploadStatus.PREVIEWED
    assert (upload.aantal_rijen, upload.aantal_nieuw, upload.aantal_fout) == (3, 3, 0)
    assert stored(db) == 0

    upload = confirm(db, provider, settings, upload)
    assert upload.status is UploadStatus.CONFIRMED
    assert (upload.aantal_nieuw, upload.aantal_gewijzigd, upload.aantal_ongewijzigd) == (3, 0, 0)
    rows = db.scalars(select(Presentie)).all()
    assert {(r.verwijzing_id, r.datum, r.uren_aanwezig) for r in rows} == {
        (v.id, day, Decimal("2.50")) for v in provider.verwijzingen
    }


def test_the_file_is_stored_under_a_random_name_inside_the_upload_directory(db, provider, settings, day):
    content = xlsx_bytes([HEADER, *presence_rows(provider, day)])
    upload = upload_file(db, provider, settings, content, name="../../etc/passwd.xlsx")
    assert upload.bestandsnaam == "passwd.xlsx"
    files = list(settings.upload_dir.iterdir())
    assert [f.name for f in files] == [upload.opgeslagen_naam]
    assert "passwd" not in upload.opgeslagen_naam
    assert files[0].read_bytes() == content
    assert len(upload.id) == 32


def test_reuploading_the_same_data_in_a_resaved_file_changes_nothing(db, provider, settings, day):
    first = upload_file(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    confirm(db, provider, settings, first)
    # Same data, different file: title rows, another column order and CSV instead of xlsx.
    csv = "Presentie maart\n\nActiviteit;Uren aanwezig;BSN;Datum\n" + "".join(
        f"Taalles en KNM;2,50;{int(v.inburgeraar.bsn)};{day:%d-%m-%Y}\n" for v in provider.verwijzingen
    )
    second = upload_file(db, provider, settings, csv.encode("utf-8-sig"), name="p.csv")
    assert second.sha256 != first.sha256
    assert (second.aantal_nieuw, second.aantal_gewijzigd, second.aantal_ongewijzigd) == (0, 0, 3)
    # Nothing to save: confirming is refused (the page offers no button), and nothing changes.
    with pytest.raises(UploadStateError, match="niets te bevestigen"):
        uploads.request_confirmation(db, provider.user, second)
    assert second.status is UploadStatus.PREVIEWED
    assert stored(db) == 3
    assert db.scalar(select(func.count()).select_from(RegistratieWijziging)) == 0


def test_a_changed_value_is_a_correction_with_history(db, provider, settings, day):
    first = upload_file(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    confirm(db, provider, settings, first)
    rows = presence_rows(provider, day)
    rows[0][3] = "3"
    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *rows]))
    assert (upload.aantal_nieuw, upload.aantal_gewijzigd, upload.aantal_ongewijzigd) == (0, 1, 2)
    confirm(db, provider, settings, upload)
    history = db.scalars(select(RegistratieWijziging)).all()
    assert [(h.veld, h.oude_waarde, h.nieuwe_waarde) for h in history] == [("uren_aanwezig", "2.50", "3.00")]
    assert (history[0].bron, history[0].betreft_datum) == ("upload", day)  # the timeline's source and week


def test_unknown_bsn_is_onbekende_deelnemer_whether_or_not_it_exists_elsewhere(db, provider, settings, day):
    rows = presence_rows(provider, day)[:1]
    rows.append([provider.stranger.inburgeraar.bsn, f"{day:%d-%m-%Y}", "Taalles en KNM", "1", None, None])
    rows.append(["111222333", f"{day:%d-%m-%Y}", "Taalles en KNM", "1", None, None])  # valid 11-proef, nobody
    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *rows]))
    assert (upload.aantal_nieuw, upload.aantal_fout) == (1, 2)
    messages = [(e["regel"], e["kolom"], e["melding"]) for e in upload.fouten]
    assert [m[:2] for m in messages] == [(3, "BSN"), (4, "BSN")]
    assert messages[0][2] == messages[1][2]
    assert messages[0][2].startswith("Onbekende deelnemer")


def test_every_error_has_row_column_value_and_what_to_fix(db, provider, settings, day):
    future = date.today() + timedelta(days=3)
    rows = [
        [provider.verwijzingen[0].inburgeraar.bsn, "31-02-2026", "Taalles en KNM", "2", None, None],
        [provider.verwijzingen[1].inburgeraar.bsn, f"{future:%d-%m-%Y}", "Taalles en KNM", "2", None, None],
        [provider.verwijzingen[2].inburgeraar.bsn, f"{day:%d-%m-%Y}", "Zwemles", "2,3", "1", None],
        ["12345678X", f"{day:%d-%m-%Y}", "Taalles en KNM", "1", None, None],
    ]
    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *rows]))
    errors = {(e["regel"], e["kolom"]): e for e in upload.fouten}
    assert errors[(2, "Datum")]["waarde"] == "31-02-2026"
    assert "dd-mm-jjjj" in errors[(2, "Datum")]["melding"]
    assert "toekomst" in errors[(3, "Datum")]["melding"]
    assert "Onbekende activiteit" in errors[(4, "Activiteit")]["melding"]
    assert "kwartieren" in errors[(4, "Uren aanwezig")]["melding"]
    assert "reden" in errors[(4, "Reden afwezigheid")]["melding"].lower()
    assert "cijfers" in errors[(5, "BSN")]["melding"]
    assert upload.aantal_fout == 4 and upload.aantal_nieuw == 0


def test_confirming_twice_or_without_preview_is_refused(db, provider, settings, day):
    upload = uploads.store(
        db, provider.user, UploadSoort.PRESENTIE, io.BytesIO(xlsx_bytes([HEADER, *presence_rows(provider, day)])),
        "p.xlsx", settings.upload_dir, settings.limits,
    )
    with pytest.raises(UploadStateError, match="eerst de controle"):
        uploads.request_confirmation(db, provider.user, upload)
    tasks.run_upload_validation(db, {"UPLOAD_DIR": str(settings.upload_dir)}, upload.id, report=False)
    confirm(db, provider, settings, upload)
    with pytest.raises(UploadStateError, match="al bevestigd"):
        uploads.request_confirmation(db, provider.user, upload)
    assert stored(db) == 3


def test_a_crash_mid_import_leaves_no_partial_data_and_can_be_confirmed_again(db, provider, settings, day, monkeypatch):
    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    real_save = presentie_service.save_presentie

    def crash_after_inserting(session, actor, rows, *more):
        real_save(session, actor, rows, *more)
        assert stored(session) == 3  # the rows were written inside the transaction...
        raise MemoryError("killed")

    monkeypatch.setattr(presentie_service, "save_presentie", crash_after_inserting)
    upload = confirm(db, provider, settings, upload)
    assert stored(db) == 0  # ...and rolled back with it
    assert upload.status is UploadStatus.PREVIEWED
    assert "niets opgeslagen" in upload.melding

    monkeypatch.setattr(presentie_service, "save_presentie", real_save)
    upload = confirm(db, provider, settings, upload)
    assert upload.status is UploadStatus.CONFIRMED
    assert stored(db) == 3


def test_a_confirmation_can_be_claimed_again_once_its_lease_runs_out_and_the_old_run_stores_nothing(
    db, provider, settings, day
):
    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    first = uploads.request_confirmation(db, provider.user, upload)
    db.commit()
    # The worker died without a trace. While the claim's lease runs, nobody may claim it again...
    with pytest.raises(UploadStateError, match="wordt al opgeslagen"):
        uploads.request_confirmation(db, provider.user, upload)
    upload.lease_expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    # ...nor while a heartbeat renewed it...
    with pytest.raises(UploadStateError, match="wordt al opgeslagen"):
        uploads.request_confirmation(db, provider.user, upload, renewed=utcnow() + timedelta(seconds=30))
    assert uploads.is_stopped(upload, None) and not uploads.is_stopped(upload, utcnow() + timedelta(seconds=30))
    # ...but once no lease runs, it is claimed again, under the next poging.
    second = uploads.request_confirmation(db, provider.user, upload, renewed=utcnow() - timedelta(seconds=5))
    assert second == first + 1
    db.commit()
    config = {"UPLOAD_DIR": str(settings.upload_dir)}
    tasks.run_upload_confirmation(db, config, upload.id, provider.user.id, report=False, poging=first)
    db.refresh(upload)
    assert (upload.status, stored(db)) == (UploadStatus.CONFIRMING, 0)  # the old job, late from the queue
    tasks.run_upload_confirmation(db, config, upload.id, provider.user.id, report=False, poging=second)
    db.refresh(upload)
    assert (upload.status, stored(db)) == (UploadStatus.CONFIRMED, 3)


def test_a_run_that_lost_its_lease_while_working_stores_nothing(db, provider, settings, day, monkeypatch):
    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    poging = uploads.request_confirmation(db, provider.user, upload)
    db.commit()
    real_save = presentie_service.save_presentie

    def taken_over_while_saving(session, actor, rows, *more):
        result = real_save(session, actor, rows, *more)
        # Meanwhile the lease ran out and someone confirmed again (a newer poging owns the upload).
        session.execute(update(Upload).where(Upload.id == upload.id).values(poging=Upload.poging + 1))
        return result

    monkeypatch.setattr(presentie_service, "save_presentie", taken_over_while_saving)
    with pytest.raises(uploads.LeaseLost):
        uploads.confirm(db, provider.user, upload, settings.upload_dir, day, settings.limits)
    db.rollback()
    assert stored(db) == 0
    db.refresh(upload)
    assert (upload.status, upload.poging) == (UploadStatus.CONFIRMING, poging)


def test_a_check_that_stopped_can_be_started_again(db, provider, settings, day):
    upload = uploads.store(
        db, provider.user, UploadSoort.PRESENTIE, io.BytesIO(xlsx_bytes([HEADER, *presence_rows(provider, day)])),
        "p.xlsx", settings.upload_dir, settings.limits,
    )
    db.commit()
    assert upload.poging == 1 and not uploads.is_stopped(upload, None)
    with pytest.raises(UploadStateError, match="wordt al gecontroleerd"):
        uploads.request_validation(db, provider.user, upload)
    upload.lease_expires_at = utcnow() - timedelta(seconds=1)  # no worker ever picked the job up
    db.commit()
    assert uploads.is_stopped(upload, None)
    poging = uploads.request_validation(db, provider.user, upload)
    db.commit()
    tasks.run_upload_validation(db, {"UPLOAD_DIR": str(settings.upload_dir)}, upload.id, report=False,
                                poging=poging)
    db.refresh(upload)
    assert (upload.status, upload.aantal_nieuw, upload.poging) == (UploadStatus.PREVIEWED, 3, 2)
    with pytest.raises(UploadStateError, match="al gecontroleerd"):
        uploads.request_validation(db, provider.user, upload)


@pytest.mark.parametrize(
    ("exception", "expected"),
    [(OSError(28, "No space left on device"), "schijf is vol"), (None, "verbinding met de database")],
)
def test_full_disk_or_lost_database_gives_a_clear_error_and_no_partial_data(
    db, provider, settings, day, monkeypatch, exception, expected
):
    from sqlalchemy.exc import OperationalError

    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    real_save = presentie_service.save_presentie
    error = exception or OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    def failing(session, actor, rows, *more):
        real_save(session, actor, rows, *more)
        raise error

    monkeypatch.setattr(presentie_service, "save_presentie", failing)
    upload = confirm(db, provider, settings, upload)
    assert stored(db) == 0
    assert expected in upload.melding


def test_hostile_file_is_refused_at_upload_and_nothing_is_kept(db, provider, settings):
    with pytest.raises(UnsafeFileError):
        uploads.store(db, provider.user, UploadSoort.PRESENTIE, io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
                      "foto.xlsx", settings.upload_dir, settings.limits)
    assert list(settings.upload_dir.iterdir()) == []
    assert db.scalar(select(func.count()).select_from(Upload)) == 0
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "upload_geweigerd")).one()
    assert event.result == "geweigerd"


def test_formula_cells_fail_the_upload_with_a_clear_message(db, provider, settings, day):
    rows = presence_rows(provider, day)
    rows[0][3] = "=1+1"
    with pytest.raises(UnsafeFileError, match="formules"):
        uploads.store(db, provider.user, UploadSoort.PRESENTIE, io.BytesIO(xlsx_bytes([HEADER, *rows])),
                      "f.xlsx", settings.upload_dir, settings.limits)


def test_a_file_without_the_needed_columns_fails_with_what_to_fix(db, provider, settings):
    upload = upload_file(db, provider, settings, b"Naam;Telefoon\nJan;0612345678\n", name="x.csv")
    assert upload.status is UploadStatus.FAILED
    assert "Geen kopregel gevonden" in upload.melding


def test_only_aanbieder_staff_can_upload(db, settings, provider):
    from portal.models.enums import Rol
    from tests import factories

    klantregisseur = factories.UserFactory(rol=Rol.KLANTREGISSEUR)
    with pytest.raises(NotAllowed):
        uploads.store(db, klantregisseur, UploadSoort.PRESENTIE, io.BytesIO(b"a;b\n"), "x.csv",
                      settings.upload_dir, settings.limits)


def test_uploads_of_another_provider_are_invisible(db, provider, settings, day):
    from portal.models.enums import Rol
    from tests import factories

    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    other = factories.UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=factories.AanbiederFactory())
    assert uploads.get_own(db, other, upload.id) is None
    assert uploads.get_own(db, provider.user, upload.id) is upload


def test_stored_file_path_cannot_escape_the_upload_directory(tmp_path: Path):
    upload = Upload(opgeslagen_naam="../../etc/passwd")
    assert uploads.path_of(upload, tmp_path) == tmp_path / "passwd"


def test_start_dates_upload_uses_the_start_form_rules(db, provider, settings):
    from portal.models import TrajectStart
    from portal.models.enums import VerwijzingStatus
    from tests import factories

    fresh = factories.VerwijzingFactory(contract=provider.verwijzingen[0].contract)
    planned = fresh.beoogde_startdatum
    header = ["BSN", "Traject", "Gerealiseerde startdatum", "Reden latere start", "Niet gestart"]
    rows = [
        [fresh.inburgeraar.bsn, fresh.kenmerk, f"{planned:%d-%m-%Y}", None, "Nee"],
        [provider.verwijzingen[0].inburgeraar.bsn, None, f"{provider.start:%d-%m-%Y}", "Wachtlijst", "Nee"],
        [provider.verwijzingen[1].inburgeraar.bsn, None, f"{provider.start + timedelta(days=1):%d-%m-%Y}", None, "nee"],
        [provider.verwijzingen[2].inburgeraar.bsn, None, None, None, "Misschien"],
    ]
    upload = upload_file(db, provider, settings, xlsx_bytes([header, *rows]))
    upload.soort = UploadSoort.STARTDATUMS  # stored as presentie by the helper; re-check as start dates
    upload.status = UploadStatus.UPLOADED
    db.commit()
    tasks.run_upload_validation(db, {"UPLOAD_DIR": str(settings.upload_dir)}, upload.id, report=False)
    db.refresh(upload)
    assert upload.status is UploadStatus.PREVIEWED, upload.melding
    errors = {(e["regel"], e["kolom"]): e["melding"] for e in upload.fouten}
    assert "reden van de latere start" in errors[(4, "Reden latere start")]
    assert errors[(5, "Niet gestart")] == "Vul Ja of Nee in."
    assert (upload.aantal_nieuw, upload.aantal_gewijzigd, upload.aantal_fout) == (1, 1, 2)
    assert db.scalars(select(TrajectStart).where(TrajectStart.verwijzing_id == fresh.id)).first() is None

    confirm(db, provider, settings, upload)
    start = db.scalars(select(TrajectStart).where(TrajectStart.verwijzing_id == fresh.id)).one()
    assert start.gerealiseerde_startdatum == planned
    db.refresh(fresh)
    assert fresh.status is VerwijzingStatus.GESTART
    changed = db.scalars(select(TrajectStart).where(TrajectStart.verwijzing_id == provider.verwijzingen[0].id)).one()
    assert changed.reden_latere_start == "Wachtlijst"


def test_rows_a_confirmation_sent_early_that_the_24_hour_rule_drops_are_not_stored(db, provider, settings, day,
                                                                                    monkeypatch):
    # On PostgreSQL the confirmation sends new rows while it still checks the batch; two rows that pass on their own
    # but together exceed 24 hours are found only after both were sent: they are taken back, the third row stays.
    from portal.models.traject import Activiteit
    from portal.services import kept_totals

    een, twee = provider.verwijzingen[:2]
    datum = day.strftime("%d-%m-%Y")
    # Every absence column: a file that keeps stored absence is checked before anything is sent.
    rows = [[*HEADER[:5], "Uren afwezig ongeoorloofd", HEADER[5]],
            [een.inburgeraar.bsn, datum, "Taalles en KNM", "13", None, None, None],
            [een.inburgeraar.bsn, datum, "Taalles en KNM tijdens brede intake", "13", None, None, None],
            [twee.inburgeraar.bsn, datum, "Taalles en KNM", "2,5", None, None, None]]
    upload = upload_file(db, provider, settings, xlsx_bytes(rows))
    assert (upload.aantal_nieuw, upload.aantal_fout) == (1, 2)
    undone: list[int] = []
    real_undo = presentie_service.NewRows.undo

    def undo(stream, clean):
        undone.append(len(clean))
        real_undo(stream, clean)

    monkeypatch.setattr(presentie_service.NewRows, "undo", undo)
    upload = confirm(db, provider, settings, upload)
    assert upload.status is UploadStatus.CONFIRMED
    assert (upload.aantal_nieuw, upload.aantal_fout) == (1, 2)
    assert [(p.verwijzing_id, p.activiteit, p.uren_aanwezig) for p in db.scalars(select(Presentie))] == [
        (twee.id, Activiteit.TAALLES_KNM, Decimal("2.50"))]
    assert kept_totals.differences(db) == []
    assert all("meer dan 24 uur" in f["melding"] for f in upload.fouten)
    assert undone == ([3] if db.get_bind().dialect.name == "postgresql" else [])


def test_a_confirmed_upload_stores_every_value_as_it_was_checked(db, provider, settings, day):
    # On PostgreSQL new rows go by COPY in its text format: a backslash in a reason ('\N' is COPY's NULL) must
    # arrive as typed, as must the hours, the day, the activity and who registered it when.
    from portal.models.traject import Activiteit

    datum = day.strftime("%d-%m-%Y")
    reden = r"Ziek \N thuis\t (c:\temp\niets)"
    rows = [[*HEADER[:5], "Uren afwezig ongeoorloofd", HEADER[5]],
            *([v.inburgeraar.bsn, datum, "Taalles en KNM", "0,75", "1,25", "0,5", reden]
              for v in provider.verwijzingen)]
    before = utcnow()
    upload = confirm(db, provider, settings, upload_file(db, provider, settings, xlsx_bytes(rows)))
    assert (upload.status, upload.aantal_nieuw) == (UploadStatus.CONFIRMED, 3)
    stored_rows = db.scalars(select(Presentie).order_by(Presentie.verwijzing_id)).all()
    assert [(p.verwijzing_id, p.datum, p.activiteit, p.uren_aanwezig, p.uren_afwezig_geoorloofd,
             p.uren_afwezig_ongeoorloofd, p.reden_afwezig, p.geregistreerd_door_id) for p in stored_rows] == [
        (v.id, day, Activiteit.TAALLES_KNM, Decimal("0.75"), Decimal("1.25"), Decimal("0.50"), reden, provider.user.id)
        for v in sorted(provider.verwijzingen, key=lambda v: v.id)]
    assert all(before <= as_utc(p.created_at) == as_utc(p.updated_at) <= utcnow() for p in stored_rows)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives stored times back without their zone (UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_a_correction_file_is_saved_in_groups_of_whole_deelnemers_and_new_rows_by_one_call(
    db, provider, settings, day, monkeypatch
):
    # Corrections build their history and kept totals per save: a 300,000-row correction file is saved in groups to
    # bound memory (by COPY too, where new rows need no group); still one transaction, same counts and history.
    from portal.services import kept_totals
    from portal.services.uploads.importers import presentie as importer

    monkeypatch.setattr(importer, "SAVE_CHUNK", 2)
    calls: list[tuple[int, int, int, bool]] = []
    real_save = presentie_service.save_presentie

    def counting(session, actor, rows, stream=None):
        soorten = [r.soort for r in rows]
        calls.append((soorten.count(presentie_service.NIEUW), soorten.count(presentie_service.GEWIJZIGD),
                      len({r.inburgeraar_id for r in rows}), stream is not None))
        return real_save(session, actor, rows, stream)

    monkeypatch.setattr(presentie_service, "save_presentie", counting)
    dagen = [day + timedelta(days=n) for n in range(4)]
    confirm(db, provider, settings, upload_file(db, provider, settings, xlsx_bytes(
        [HEADER, *(row for d in dagen for row in presence_rows(provider, d))])))
    by_copy = db.get_bind().dialect.name == "postgresql"
    # New rows only: by COPY one call; otherwise groups of SAVE_CHUNK rows, widened to whole deelnemers.
    assert calls == ([(12, 0, 3, True)] if by_copy else [(4, 0, 1, False)] * 3)
    calls.clear()

    rows = [row for d in dagen for row in presence_rows(provider, d, "3")]
    rows += presence_rows(provider, day + timedelta(days=4))  # and a new day for each
    upload = confirm(db, provider, settings, upload_file(db, provider, settings, xlsx_bytes([HEADER, *rows])))
    assert (upload.status, upload.aantal_nieuw, upload.aantal_gewijzigd) == (UploadStatus.CONFIRMED, 3, 12)
    # Each deelnemer has 4 corrections (over SAVE_CHUNK): one group each; the COPY ends with the first group.
    assert calls == [(1, 4, 1, by_copy), (1, 4, 1, False), (1, 4, 1, False)]
    assert db.scalar(select(func.count()).select_from(RegistratieWijziging)) == 12
    assert stored(db) == 15
    assert sorted(p.uren_aanwezig for p in db.scalars(select(Presentie))) == [Decimal("2.50")] * 3 + [
        Decimal("3.00")] * 12
    assert kept_totals.differences(db) == []


@pytest.mark.postgres
@pytest.mark.parametrize("wrapped", [False, True])
def test_a_deadlock_between_two_confirmations_is_a_concurrent_change(db, provider, settings, day, monkeypatch,
                                                                     wrapped):
    # Two overlapping uploads confirmed at once send the same new keys in their files' orders, and PostgreSQL ends
    # one of them; that user is told to confirm again, as for any concurrent change, not of an unexpected error.
    from psycopg.errors import DeadlockDetected
    from sqlalchemy.exc import OperationalError

    upload = upload_file(db, provider, settings, xlsx_bytes([HEADER, *presence_rows(provider, day)]))
    error = DeadlockDetected("deadlock detected")
    real_close = presentie_service.NewRows.close

    def deadlocked(stream):
        real_close(stream)
        raise OperationalError("COPY", {}, error) if wrapped else error

    monkeypatch.setattr(presentie_service.NewRows, "close", deadlocked)
    upload = confirm(db, provider, settings, upload)
    assert upload.status is not UploadStatus.CONFIRMED
    assert stored(db) == 0
    assert upload.melding == ("Iemand anders wijzigde op hetzelfde moment dezelfde gegevens. Er is niets opgeslagen. "
                              "Bevestig de upload opnieuw.")


def test_rows_beyond_the_formatted_row_cache_arrive_as_checked(db, provider, settings, day, monkeypatch):
    # COPY text is kept per distinct combination of values up to a cap (a reason per row would keep them all);
    # rows past the cap are formatted each time, with the same result.
    monkeypatch.setattr(presentie_service, "_FORMATTED_MAX", 2)
    kept: list[int] = []
    real_close = presentie_service.NewRows.close

    def close(stream):
        kept.append(len(stream.formatted))
        real_close(stream)

    monkeypatch.setattr(presentie_service.NewRows, "close", close)
    dagen = [day + timedelta(days=n) for n in range(4)]
    redenen = {(v.id, d): f"Ziek \\N {n}\t{v.id}" for n, d in enumerate(dagen) for v in provider.verwijzingen}
    rows = [[*HEADER[:5], "Uren afwezig ongeoorloofd", HEADER[5]],
            *([v.inburgeraar.bsn, d.strftime("%d-%m-%Y"), "Taalles en KNM", "1", "0,5", "0,25", redenen[v.id, d]]
              for d in dagen for v in provider.verwijzingen)]
    upload = confirm(db, provider, settings, upload_file(db, provider, settings, xlsx_bytes(rows)))
    assert (upload.status, upload.aantal_nieuw) == (UploadStatus.CONFIRMED, 12)
    assert {(p.verwijzing_id, p.datum): (p.uren_aanwezig, p.uren_afwezig_geoorloofd, p.uren_afwezig_ongeoorloofd,
                                         p.reden_afwezig) for p in db.scalars(select(Presentie))} == {
        key: (Decimal("1.00"), Decimal("0.50"), Decimal("0.25"), " ".join(reden.split()))
        for key, reden in redenen.items()}
    assert kept == ([2] if db.get_bind().dialect.name == "postgresql" else [])
