"""An upload's life: store the file safely → check it (preview) → claim it for confirmation → save → done,
or failed with a message saying what to do; each step is one function, whatever the kind of upload.

The rows go through the importer of their kind (portal.services.uploads.importers), which calls the same
service functions as the forms, so an upload can never store something a form would refuse. Nothing is stored
before the user confirms; the confirmation re-checks every row against the database as it is then and saves
every valid row in the caller's one transaction, so a crash leaves nothing half-done and the same upload can
be confirmed again.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import or_, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal import access, audit, clock, events
from portal.audit import AuditActie
from portal.formatting import bestandsgrootte, getal, waarde
from portal.models import Upload, UploadSoort, UploadStatus, User
from portal.models.base import utcnow
from portal.services import GelijktijdigGewijzigd, NotAllowed, ValidationError
from portal.services.batch import gc_paused
from portal.services.uploads.importers import importer_for
from portal.services.uploads.importers.base import (
    MAX_CORRECTIONS,
    ImportContext,
    Prepared,
    Progress,
    Saved,
    headers,
    no_progress,
)
from portal.services.uploads.lease import LEASE, LeaseLost, claim_values, is_stopped, still_owned
from portal.spreadsheets import guard
from portal.spreadsheets.guard import Limits, UnsafeFileError

IMPORTEERBAAR = tuple(UploadSoort)
_COPY_CHUNK = 1 << 16


class UploadStateError(Exception):
    """The upload is not in a state that allows this step (confirmed already, no preview yet)."""


def nothing_to_save(upload: Upload) -> str | None:
    """Why a checked upload has nothing to confirm (Dutch, for the page and a refused confirmation), or None."""
    if upload.te_bewaren:
        return None
    fout, ongewijzigd = upload.aantal_fout or 0, upload.aantal_ongewijzigd or 0
    if not fout and not ongewijzigd:
        return ("Het bestand bevat geen ingevulde regels onder de kopregel: er is niets op te slaan. "
                "Vul de gegevens in onder de kopregel en upload het bestand opnieuw.")
    if fout and not ongewijzigd:
        return ("Geen enkele regel in dit bestand kan worden opgeslagen: elke regel heeft een fout. "
                "Verbeter de fouten hieronder in uw bestand en upload het opnieuw.")
    if fout:
        opgeslagen = f"{getal(ongewijzigd)} {'regel is' if ongewijzigd == 1 else 'regels zijn'} al opgeslagen"
        return (f"{opgeslagen}, {getal(fout)} {'heeft' if fout == 1 else 'hebben'} een fout: "
                "verbeter die in uw bestand en upload het opnieuw.")
    return "Alles in dit bestand is al opgeslagen; er is niets te bevestigen."


@dataclass(frozen=True)
class Settings:
    """Where uploads live and what they may cost, from the app config (PORTAL_UPLOAD_* overrides)."""

    upload_dir: Path
    limits: Limits
    inline_max_bytes: int
    lease: timedelta = LEASE

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Read UPLOAD_DIR, UPLOAD_MAX_BYTES, UPLOAD_MAX_ROWS, UPLOAD_INLINE_MAX_BYTES and UPLOAD_LEASE_SECONDS
        with safe defaults."""
        limits = Limits(
            max_bytes=int(config.get("UPLOAD_MAX_BYTES") or config.get("MAX_CONTENT_LENGTH") or Limits.max_bytes),
            max_rows=int(config.get("UPLOAD_MAX_ROWS") or Limits.max_rows),
        )
        lease = timedelta(seconds=float(config.get("UPLOAD_LEASE_SECONDS") or LEASE.total_seconds()))
        return cls(Path(config["UPLOAD_DIR"]), limits, int(config.get("UPLOAD_INLINE_MAX_BYTES") or 256 * 1024),
                   lease)

    @staticmethod
    def today() -> date:
        """Today in the Netherlands: 'not in the future' means Dutch calendar days."""
        return clock.today()


# --- storing -------------------------------------------------------------------------------------------------

def store(
    session: Session, actor: User, soort: UploadSoort, stream: IO[bytes], filename: str | None, upload_dir: Path,
    limits: Limits, lease: timedelta = LEASE,
) -> Upload:
    """Write the file under a random name (never the user's), check it by content, and record the upload.

    Raises UnsafeFileError (with a Dutch message) when the file is refused; nothing is kept then.
    """
    if not access.may_upload(actor):
        raise NotAllowed("Alleen medewerkers van een aanbieder kunnen bestanden uploaden.")
    upload_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(20)
    partial = upload_dir / f"{token}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("xb") as out:
            while block := stream.read(_COPY_CHUNK):
                size += len(block)
                if size > limits.max_bytes:
                    raise UnsafeFileError(too_large_message(limits))
                digest.update(block)
                out.write(block)
        inspection = guard.inspect(partial, limits, filename)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UnsafeFileError(
            "Het bestand kon niet worden opgeslagen (mogelijk is de schijf vol). Probeer het later opnieuw."
        ) from exc
    except UnsafeFileError as exc:
        partial.unlink(missing_ok=True)
        audit.record(session, actor, AuditActie.UPLOAD_GEWEIGERD, object_type="upload", result="geweigerd",
                     details={"soort": soort.value, "reden": str(exc)[:200]})
        raise
    stored_name = f"{token}.{inspection.kind}"
    partial.rename(upload_dir / stored_name)
    upload = Upload(
        aanbieder_id=actor.aanbieder_id, user_id=actor.id, soort=soort, bestandsnaam=guard.display_name(filename),
        opgeslagen_naam=stored_name, bestandstype=inspection.kind, grootte=size, sha256=digest.hexdigest(),
        status=UploadStatus.UPLOADED,
        # The guard counted the sheet's rows; a first estimate for the progress bar, replaced by the check.
        aantal_rijen=max(inspection.rows_per_sheet.values(), default=0),
        poging=1, lease_expires_at=utcnow() + lease,  # the check's claim: it must start (and renew) within the lease
    )
    session.add(upload)
    session.flush()
    audit.record(session, actor, AuditActie.UPLOAD_ONTVANGEN, object_type="upload", object_id=upload.id,
                 details={"soort": soort.value, "grootte": size, "type": inspection.kind})
    return upload


def size_text(max_bytes: int) -> str:
    """'25 MB' or '500 kB': formatting.bestandsgrootte, the one way a file size is written."""
    return bestandsgrootte(max_bytes)


def too_large_message(limits: Limits) -> str:
    """The one message for a file over the size limit, wherever it is noticed (browser, request, store)."""
    return (f"Het bestand is groter dan {size_text(limits.max_bytes)}. Splits het in kleinere bestanden "
            f"(hoogstens {getal(limits.max_rows)} regels per bestand) en upload ze een voor een.")


def get_own(session: Session, actor: User, upload_id: str) -> Upload | None:
    """One upload of the actor's own organisation, or None (callers answer 404)."""
    return session.scalars(access.uploads(actor).where(Upload.id == upload_id)).first()


def recent(session: Session, actor: User, limit: int = 20) -> list[Upload]:
    """The organisation's latest uploads."""
    return list(session.scalars(access.uploads(actor).order_by(Upload.created_at.desc()).limit(limit)))


def path_of(upload: Upload, upload_dir: Path) -> Path:
    """Where the stored file lives; the name is ours, so it cannot point outside the upload directory."""
    return upload_dir / Path(upload.opgeslagen_naam).name


# --- check → preview ------------------------------------------------------------------------------------------

def prepare(
    session: Session, actor: User, upload: Upload, upload_dir: Path, today: date, limits: Limits,
    progress: Progress = no_progress, *, confirming: bool = False,
) -> Prepared:
    """Read and check the whole file through the importer of its kind; stores nothing unless `confirming`
    (then what the preview read may be reused, and importers that check by storing keep what they stored)."""
    ctx = ImportContext(session, actor, upload, path_of(upload, upload_dir), today, limits, progress,
                        reuse=confirming, save=confirming)
    with gc_paused(upload.aantal_rijen or limits.max_rows):
        return importer_for(upload.soort).prepare(ctx)


def validate(
    session: Session, actor: User, upload: Upload, upload_dir: Path, today: date, limits: Limits,
    progress: Progress = no_progress,
) -> Upload:
    """Check the stored file and record the preview counts and errors (status previewed, or failed)."""
    if upload.status not in (UploadStatus.UPLOADED, UploadStatus.VALIDATING, UploadStatus.FAILED):
        raise UploadStateError("Deze upload is al gecontroleerd.")
    upload.status = UploadStatus.VALIDATING
    poging = upload.poging  # the claim this run works for, as it was when the run began
    try:
        with gc_paused(upload.aantal_rijen or limits.max_rows):
            # As in `confirm`: no collection over the checked rows while the preview is recorded.
            prepared = prepare(session, actor, upload, upload_dir, today, limits, progress)
            return _record_preview(session, actor, upload, poging, prepared)
    except UnsafeFileError as exc:
        still_owned(session, upload.id, poging)
        upload.status = UploadStatus.FAILED
        upload.melding = str(exc)[:500]
        upload.voortgang = 100
        audit.record(session, actor, AuditActie.UPLOAD_GECONTROLEERD, object_type="upload", object_id=upload.id,
                     result="geweigerd")
        session.flush()
        return upload


def _record_preview(session: Session, actor: User, upload: Upload, poging: int, prepared: Prepared) -> Upload:
    """A checked upload's counts and errors, as the preview shows them (status previewed)."""
    still_owned(session, upload.id, poging)
    _apply_counts(upload, prepared)
    upload.status = UploadStatus.PREVIEWED
    upload.melding = None
    upload.voortgang = 100
    upload.voortgang_tekst = None
    upload.gecontroleerd_op = utcnow()
    audit.record(session, actor, AuditActie.UPLOAD_GECONTROLEERD, object_type="upload", object_id=upload.id,
                 details={"rijen": prepared.rows, "fout": prepared.foutieve_rijen})
    session.flush()
    return upload


def error_rows(upload: Upload, errors: list[ValidationError]) -> list[dict[str, Any]]:
    """The errors as the preview and the errors download show them: one line per row and column, with the
    column's header, what was in the cell (in Dutch notation: 16-11-2026, 2,5) and what to fix (never a BSN in
    the message itself)."""
    kolommen = headers(importer_for(upload.soort).layout)
    return [
        {"regel": error.row, "kolom": kolommen.get(name, name), "waarde": waarde(error.values.get(name))[:100],
         "melding": message}
        for error in errors for name, message in error.errors.items()
    ]


def _apply_counts(upload: Upload, prepared: Prepared) -> None:
    upload.aantal_rijen = prepared.rows
    upload.aantal_nieuw = prepared.nieuw
    upload.aantal_gewijzigd = prepared.gewijzigd
    upload.aantal_ongewijzigd = prepared.ongewijzigd
    upload.aantal_fout = prepared.foutieve_rijen
    upload.fouten = error_rows(upload, prepared.errors)
    upload.niet_ingelezen = prepared.unread_columns
    upload.correcties = prepared.corrections[:MAX_CORRECTIONS]
    upload.opmerkingen = prepared.notes


# --- confirm --------------------------------------------------------------------------------------------------

def request_confirmation(
    session: Session, actor: User, upload: Upload, renewed: datetime | None = None, lease: timedelta = LEASE,
) -> int:
    """Claim the upload for saving and return the claim's poging: a previewed upload, or one whose saving
    stopped (its lease ran out, `renewed` being the last heartbeat), can be confirmed, by one run at a time.

    A conditional UPDATE is the guard: of two simultaneous confirmations only one changes the row.
    """
    if not access.may_confirm_upload(actor, upload):
        raise NotAllowed("Deze upload is niet van uw organisatie.")
    if upload.status is UploadStatus.PREVIEWED and (reason := nothing_to_save(upload)):
        raise UploadStateError(reason)  # the counts are final once checked: confirming would save nothing
    claimable = Upload.status == UploadStatus.PREVIEWED
    if upload.status is UploadStatus.CONFIRMING and is_stopped(upload, renewed):
        claimable = or_(claimable, (Upload.status == UploadStatus.CONFIRMING) & (Upload.poging == upload.poging))
    claimed = session.execute(
        update(Upload)
        .where(Upload.id == upload.id, claimable)
        .values(claim_values(lease, status=UploadStatus.CONFIRMING, voortgang=0, voortgang_tekst="Wordt opgeslagen"))
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(upload)
    if claimed != 1:
        if upload.status is UploadStatus.CONFIRMED:
            raise UploadStateError("Deze upload is al bevestigd en opgeslagen. Er is niets opnieuw opgeslagen.")
        if upload.status is UploadStatus.CONFIRMING:
            raise UploadStateError("Deze upload wordt al opgeslagen. Wacht tot dat klaar is.")
        raise UploadStateError("Bekijk eerst de controle van de upload; pas daarna kunt u bevestigen.")
    return upload.poging


def request_validation(
    session: Session, actor: User, upload: Upload, renewed: datetime | None = None, lease: timedelta = LEASE,
) -> int:
    """Claim an upload whose check stopped (its lease ran out) for a new check; returns the claim's poging."""
    if not access.may_confirm_upload(actor, upload):
        raise NotAllowed("Deze upload is niet van uw organisatie.")
    stopped = upload.status in (UploadStatus.UPLOADED, UploadStatus.VALIDATING) and is_stopped(upload, renewed)
    claimed = stopped and session.execute(
        update(Upload)
        .where(Upload.id == upload.id, Upload.poging == upload.poging,
               Upload.status.in_((UploadStatus.UPLOADED, UploadStatus.VALIDATING)))
        .values(claim_values(lease, status=UploadStatus.UPLOADED, voortgang=0, voortgang_tekst=None))
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    session.refresh(upload)
    if not claimed:
        if upload.bezig:
            raise UploadStateError("Deze upload wordt al gecontroleerd. Wacht tot dat klaar is.")
        raise UploadStateError("Deze upload is al gecontroleerd.")
    return upload.poging


def confirm(
    session: Session, actor: User, upload: Upload, upload_dir: Path, today: date, limits: Limits,
    progress: Progress = no_progress,
) -> Upload:
    """Re-check the rows and save every valid row, all in the caller's one transaction.

    Call after request_confirmation was committed; the caller commits. On any failure the caller rolls back
    and calls `confirmation_failed`, so no partial data stays and the upload can be confirmed again.
    """
    if upload.status is not UploadStatus.CONFIRMING:
        raise UploadStateError("Bevestig de upload vanaf de controlepagina.")
    if not access.may_confirm_upload(actor, upload):
        raise NotAllowed("Deze upload is niet van uw organisatie.")
    importer = importer_for(upload.soort)
    poging = upload.poging  # the claim this run works for, as it was when the run began
    # Paused until the end: the checked rows live until this returns, and a collection started by the meldingen'
    # objects would scan them all (0.25-0.45 s in half the 100,000-row rounds of bench import_presentie).
    with gc_paused(upload.aantal_rijen or limits.max_rows):
        with ExitStack() as pending:  # what the check starts sending, the save finishes (or an error aborts)
            ctx = ImportContext(session, actor, upload, path_of(upload, upload_dir), today, limits, progress,
                                reuse=True, save=True, pending=pending)
            prepared = importer.prepare(ctx)
            progress(92, "Regels worden opgeslagen")
            saved = importer.save(ctx, prepared)
        still_owned(session, upload.id, poging)  # a run that lost its lease stores nothing (the caller rolls back)
        _apply_counts(upload, prepared)
        upload.aantal_nieuw, upload.aantal_gewijzigd, upload.aantal_ongewijzigd = (
            saved.nieuw, saved.gewijzigd, saved.ongewijzigd
        )
        upload.status = UploadStatus.CONFIRMED
        upload.bevestigd_op = utcnow()
        upload.bevestigd_door_id = actor.id
        upload.voortgang = 100
        upload.voortgang_tekst = None
        upload.melding = None
        audit.record(session, actor, AuditActie.UPLOAD_BEVESTIGD, object_type="upload", object_id=upload.id,
                     details={"nieuw": saved.nieuw, "gewijzigd": saved.gewijzigd, "ongewijzigd": saved.ongewijzigd})
        _announce(session, actor, upload, saved)
        session.flush()
    return upload


def _announce(session: Session, actor: User, upload: Upload, saved: Saved) -> None:
    """One UPLOAD_BEVESTIGD event when the upload changed the caseload: the klantregisseurs of the inburgeraars
    concerned get a melding. Ids and counts only: no BSN or name."""
    if not (saved.nieuw or saved.gewijzigd) or not saved.inburgeraar_ids:
        return
    ids = sorted(saved.inburgeraar_ids)
    events.emit(session, events.DomainEvent(
        kind=events.UPLOAD_BEVESTIGD, inburgeraar_id=ids[0], actor=actor,
        details={"upload_id": upload.id, "soort": upload.soort.value, "nieuw": saved.nieuw,
                 "gewijzigd": saved.gewijzigd, "inburgeraar_ids": ids},
    ))


# --- failures -------------------------------------------------------------------------------------------------

def confirmation_failed(session: Session, upload_id: str, poging: int, exc: BaseException) -> None:
    """After a rolled-back confirmation: back to previewed with a clear message, so it can be confirmed again.
    Only if the failed run still owned the upload: a newer run's claim stays as it is."""
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.poging == poging, Upload.status == UploadStatus.CONFIRMING)
        .values(status=UploadStatus.PREVIEWED, voortgang=0, voortgang_tekst=None, melding=failure_message(exc),
                lease_expires_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def validation_failed(session: Session, upload_id: str, poging: int, exc: BaseException) -> None:
    """After a crashed check: failed with a clear message; nothing was stored (unless a newer run owns it)."""
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.poging == poging,
               Upload.status.in_((UploadStatus.UPLOADED, UploadStatus.VALIDATING)))
        .values(status=UploadStatus.FAILED, voortgang=100, melding=failure_message(exc), lease_expires_at=None,
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def failure_message(exc: BaseException) -> str:
    """A plain-Dutch explanation of an unexpected failure; no internals, no personal data."""
    if isinstance(exc, UnsafeFileError | UploadStateError | NotAllowed | LeaseLost):
        return str(exc)[:500]
    if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
        return "Opslaan is mislukt: de schijf is vol. Er is niets opgeslagen. Probeer het later opnieuw."
    if isinstance(exc, OperationalError):
        return ("Opslaan is mislukt: de verbinding met de database viel weg. Er is niets opgeslagen. "
                "Probeer het opnieuw.")
    if isinstance(exc, ValidationError):
        return "; ".join(exc.errors.values())[:500]
    if isinstance(exc, GelijktijdigGewijzigd):
        return ("Iemand anders wijzigde op hetzelfde moment dezelfde gegevens. Er is niets opgeslagen. "
                "Bevestig de upload opnieuw.")
    return "Verwerken is mislukt door een onverwachte fout. Er is niets opgeslagen. Probeer het opnieuw."


def iter_errors(upload: Upload) -> Iterator[dict[str, Any]]:
    """The stored errors of an upload, in row order."""
    yield from upload.fouten or []
