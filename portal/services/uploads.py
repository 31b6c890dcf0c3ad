"""Spreadsheet uploads: store the file safely, check it, show a preview, and store the rows only on confirmation.

The rows go through the same service functions as the forms (presentie: validate_presentie/save_presentie;
startdatums: traject.validate_start/register_start; results: resultaten.registreer_*, see upload_resultaten),
so an upload can never store something a form would refuse. Nothing is stored before the user confirms; the
confirmation re-validates every row against the database as it is then (the rows the preview read, kept in
our own compact JSON beside the upload directory, so the file is not parsed twice) and saves every valid row in
one transaction, so a crash leaves nothing half-done and the same upload can be confirmed again.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal import access, audit, events
from portal.formatting import AMSTERDAM
from portal.models import Inburgeraar, Upload, UploadSoort, UploadStatus, User, Verwijzing
from portal.models.base import utcnow
from portal.models.enums import AANBIEDER_ROLLEN, OPEN_STATUSSEN
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL
from portal.services import ValidationError, upload_resultaten
from portal.services import presentie as presentie_service
from portal.services import traject as traject_service
from portal.services.validation import FieldError, parse_bsn
from portal.spreadsheets import guard
from portal.spreadsheets.guard import Limits, UnsafeFileError
from portal.spreadsheets.layouts import CHOICES, LAYOUTS
from portal.spreadsheets.read import RawRow, SheetLayout, Table, load_table, read, save_table, tabulate
from portal.spreadsheets.write import template_csv, template_xlsx

Progress = Callable[[int, str], None]
STALE_CONFIRMATION = timedelta(minutes=15)
IMPORTEERBAAR = tuple(UploadSoort)
RESULTAAT_SOORTEN = tuple(upload_resultaten.SOORTEN)  # stored row by row through the result services
_COPY_CHUNK = 1 << 16


class UploadStateError(Exception):
    """The upload is not in a state that allows this step (confirmed already, no preview yet)."""


@dataclass(frozen=True)
class Settings:
    """Where uploads live and what they may cost, from the app config (PORTAL_UPLOAD_* overrides)."""

    upload_dir: Path
    limits: Limits
    inline_max_bytes: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Read UPLOAD_DIR, UPLOAD_MAX_BYTES, UPLOAD_MAX_ROWS and UPLOAD_INLINE_MAX_BYTES with safe defaults."""
        limits = Limits(
            max_bytes=int(config.get("UPLOAD_MAX_BYTES") or config.get("MAX_CONTENT_LENGTH") or Limits.max_bytes),
            max_rows=int(config.get("UPLOAD_MAX_ROWS") or Limits.max_rows),
        )
        return cls(Path(config["UPLOAD_DIR"]), limits, int(config.get("UPLOAD_INLINE_MAX_BYTES") or 256 * 1024))

    @staticmethod
    def today() -> date:
        """Today in the Netherlands: 'not in the future' means Dutch calendar days."""
        return datetime.now(AMSTERDAM).date()


def _no_progress(_pct: int, _text: str) -> None:
    return None


# --- templates -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    """A downloadable file: its name, media type and bytes."""

    filename: str
    mimetype: str
    content: bytes


TEMPLATE_INSTRUCTIONS: dict[UploadSoort, tuple[str, ...]] = {
    UploadSoort.PRESENTIE: (
        "Vul per deelnemer één regel in per lesdag en activiteit. Kopieer een regel voor meer dagen.",
        "BSN, naam, onderdeel en traject staan al ingevuld voor uw actieve deelnemers.",
        "Uren in kwartieren met een komma: 2,5 is tweeënhalf uur. Vul 0 in als de deelnemer er niet was.",
        "Bij uren afwezig is een reden verplicht.",
        "Datums als dd-mm-jjjj, bijvoorbeeld 05-03-2026. Geen datums in de toekomst.",
        "Gebruik geen formules: vervang ze door hun waarden. Een regel 'Totaal' onderaan mag blijven staan.",
        "U ziet na het uploaden eerst een controle; er wordt pas iets opgeslagen als u bevestigt.",
        "Dezelfde gegevens opnieuw uploaden verandert niets; gewijzigde waarden worden als correctie opgeslagen.",
    ),
    UploadSoort.EXAMENRESULTATEN: (
        "Eén regel per examenonderdeel per examendatum. Kopieer een regel voor meer examens van een deelnemer.",
        "BSN, naam en traject staan al ingevuld voor uw deelnemers in de B1-route.",
        "Reden geen resultaat alleen invullen bij resultaat 'Geen'.",
        "Datums als dd-mm-jjjj, niet in de toekomst en binnen het traject. Gebruik geen formules.",
        "Een regel zonder examengegevens (nog geen resultaat) wordt overgeslagen.",
        "U ziet na het uploaden eerst een controle; er wordt pas iets opgeslagen als u bevestigt.",
        "Dezelfde gegevens opnieuw uploaden verandert niets; een ander resultaat wordt als correctie opgeslagen.",
    ),
    UploadSoort.STARTDATUMS: (
        "Vul per traject de gerealiseerde startdatum in, of zet 'Niet gestart' op Ja met een reden.",
        "Start het traject later dan beoogd? Vul dan de reden latere start in.",
        "Datums als dd-mm-jjjj. Gebruik geen formules.",
    ),
    UploadSoort.ROUTE_RESULTATEN: (
        "Eén regel per traject. Vul alleen de kolommen in die bij het onderdeel van het traject horen:",
        "MAP: datum eindgesprek MAP (en verwijtbaar). PVT: datum ondertekening PVT (en verwijtbaar).",
        "Z-route: datum afronding Z-route en bereikt niveau. Onderwijsroute: resultaat en datum taalschakeltraject.",
        "Verwijtbaar alleen invullen als de inburgeringstermijn is verstreken.",
        "Datums als dd-mm-jjjj, niet in de toekomst. Gebruik geen formules.",
        "Een regel zonder resultaat wordt overgeslagen.",
        "U ziet na het uploaden eerst een controle; er wordt pas iets opgeslagen als u bevestigt.",
        "Dezelfde gegevens opnieuw uploaden verandert niets; gewijzigde waarden worden als correctie opgeslagen.",
    ),
}

# The trajecten a template lists: results only exist for some onderdelen (the services say which).
_SJABLOON_ONDERDELEN = {soort: spec.onderdelen for soort, spec in upload_resultaten.SOORTEN.items()}


def template(session: Session, actor: User, soort: UploadSoort, fmt: str) -> Template:
    """The template of one kind as xlsx or csv, prefilled with the actor's active deelnemers (audited)."""
    layout = LAYOUTS[soort]
    query = (
        access.verwijzingen_for_registration(actor)
        .join(Verwijzing.inburgeraar)
        .where(Verwijzing.status.in_(OPEN_STATUSSEN))
        .with_only_columns(
            Inburgeraar.bsn, Inburgeraar.voornamen, Inburgeraar.achternaam, Verwijzing.onderdeel, Verwijzing.kenmerk
        )
        .order_by(Inburgeraar.achternaam, Inburgeraar.voornamen, Verwijzing.kenmerk)
    )
    if soort in _SJABLOON_ONDERDELEN:
        query = query.where(Verwijzing.onderdeel.in_(_SJABLOON_ONDERDELEN[soort]))
    rows = [
        {"bsn": bsn, "naam": f"{voornamen} {achternaam}", "onderdeel": onderdeel.label, "traject": kenmerk}
        for bsn, voornamen, achternaam, onderdeel, kenmerk in session.execute(query)
    ]
    audit.record(
        session, actor, "sjabloon_gedownload", object_type="upload_sjabloon", object_id=soort.value,
        details={"formaat": fmt, "deelnemers": len(rows)},
    )
    stem = f"sjabloon-{soort.value.replace('_', '-')}"
    if fmt == "csv":
        return Template(f"{stem}.csv", "text/csv; charset=utf-8", template_csv(layout, rows))
    content = template_xlsx(layout, rows, CHOICES[soort], TEMPLATE_INSTRUCTIONS[soort], f"Sjabloon {soort.label}")
    return Template(f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", content)


# --- storing -------------------------------------------------------------------------------------------------

def _require_aanbieder(actor: User) -> int:
    if actor.rol not in AANBIEDER_ROLLEN or actor.aanbieder_id is None:
        raise UploadStateError("Alleen medewerkers van een aanbieder kunnen bestanden uploaden.")
    return actor.aanbieder_id


def store(
    session: Session,
    actor: User,
    soort: UploadSoort,
    stream: IO[bytes],
    filename: str | None,
    upload_dir: Path,
    limits: Limits,
) -> Upload:
    """Write the file under a random name (never the user's), check it by content, and record the upload.

    Raises UnsafeFileError (with a Dutch message) when the file is refused; nothing is kept then.
    """
    aanbieder_id = _require_aanbieder(actor)
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
                    raise UnsafeFileError(
                        f"Het bestand is groter dan {limits.max_bytes // (1024 * 1024)} MB. "
                        "Splits het in kleinere bestanden."
                    )
                digest.update(block)
                out.write(block)
        inspection = guard.inspect(partial, limits)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UnsafeFileError(
            "Het bestand kon niet worden opgeslagen (mogelijk is de schijf vol). Probeer het later opnieuw."
        ) from exc
    except UnsafeFileError as exc:
        partial.unlink(missing_ok=True)
        audit.record(session, actor, "upload_geweigerd", object_type="upload", result="geweigerd",
                     details={"soort": soort.value, "reden": str(exc)[:200]})
        raise
    stored_name = f"{token}.{inspection.kind}"
    partial.rename(upload_dir / stored_name)
    upload = Upload(
        aanbieder_id=aanbieder_id, user_id=actor.id, soort=soort, bestandsnaam=guard.display_name(filename),
        opgeslagen_naam=stored_name, bestandstype=inspection.kind, grootte=size, sha256=digest.hexdigest(),
        status=UploadStatus.UPLOADED,
        # The guard counted the sheet's rows; a first estimate for the progress bar, replaced by the check.
        aantal_rijen=max(inspection.rows_per_sheet.values(), default=0),
    )
    session.add(upload)
    session.flush()
    audit.record(session, actor, "upload_ontvangen", object_type="upload", object_id=upload.id,
                 details={"soort": soort.value, "grootte": size, "type": inspection.kind})
    return upload


def get_own(session: Session, actor: User, upload_id: str) -> Upload | None:
    """One upload of the actor's own organisation, or None (callers answer 404)."""
    return session.scalars(access.uploads(actor).where(Upload.id == upload_id)).first()


def recent(session: Session, actor: User, limit: int = 20) -> list[Upload]:
    """The organisation's latest uploads."""
    if actor.aanbieder_id is None:
        return []
    query = select(Upload).where(Upload.aanbieder_id == actor.aanbieder_id)
    return list(session.scalars(query.order_by(Upload.aangemaakt_op.desc()).limit(limit)))


def path_of(upload: Upload, upload_dir: Path) -> Path:
    """Where the stored file lives; the name is ours, so it cannot point outside the upload directory."""
    return upload_dir / Path(upload.opgeslagen_naam).name


# --- reading rows into service inputs ------------------------------------------------------------------------

@dataclass
class Prepared:
    """What the check found: clean rows ready to save, errors per row and field, and the counts."""

    clean: list[Any]  # CleanPresentie rows, or (verwijzing, StartInput) pairs for startdatums; none for results
    errors: list[dict[str, Any]]
    rows: int
    nieuw: int
    gewijzigd: int
    ongewijzigd: int
    # Results are stored while they are checked (see upload_resultaten): the inburgeraars that changed.
    inburgeraar_ids: set[int] = field(default_factory=set)

    @property
    def foutieve_rijen(self) -> int:
        """Rows with at least one error."""
        return len({e["regel"] for e in self.errors})


_error = upload_resultaten.fout


class _Deelnemers:
    """The actor's own deelnemers by BSN with their verwijzingen; one query for the whole file."""

    def __init__(self, session: Session, actor: User) -> None:
        query = (
            access.verwijzingen_for_registration(actor)
            .join(Verwijzing.inburgeraar)
            .with_only_columns(Inburgeraar.bsn, Verwijzing.id, Verwijzing.kenmerk, Verwijzing.onderdeel)
        )
        self.by_bsn: dict[str, list[tuple[int, str, Any]]] = {}
        for bsn, vid, kenmerk, onderdeel in session.execute(query):
            self.by_bsn.setdefault(bsn, []).append((vid, kenmerk.upper(), onderdeel))
        self._bsn_cache: dict[Any, tuple[bool, str]] = {}

    def bsn(self, raw: Any) -> str:
        """parse_bsn, remembered per raw value (files repeat the same BSNs many times)."""
        hit = self._bsn_cache.get(raw)
        if hit is None:
            try:
                hit = (True, parse_bsn(raw))
            except FieldError as exc:
                hit = (False, str(exc))
            self._bsn_cache[raw] = hit
        if hit[0]:
            return hit[1]
        raise FieldError(hit[1])

    def resolve(self, raw: RawRow, headers: dict[str, str]) -> tuple[int | None, dict[str, Any] | None]:
        """The verwijzing a row is about, or an error: unknown deelnemer, traject not theirs, or ambiguous."""
        values = raw.values
        found = self.lookup(values.get("bsn"), values.get("traject"))
        if isinstance(found, list):
            found = self.pick(found, values.get("activiteit"))
        vid, error = found
        return vid, None if error is None else _error(raw.regel, headers[error[0]], error[1], error[2])

    def lookup(self, bsn_raw: Any, traject: Any) -> tuple[int | None, tuple[str, Any, str] | None] | list[Any]:
        """(verwijzing id, None) or (None, (column key, value, message)); the candidates when only the activity
        can tell which of a deelnemer's trajecten is meant. Depends on the values only, so callers may remember it."""
        try:
            bsn = self.bsn(bsn_raw)
        except FieldError as exc:
            return None, ("bsn", bsn_raw, str(exc))
        candidates = self.by_bsn.get(bsn)
        if not candidates:
            return None, (
                "bsn", bsn_raw,
                "Onbekende deelnemer: dit BSN hoort niet bij een deelnemer die aan uw organisatie is verwezen. "
                "Controleer het BSN of gebruik het sjabloon met uw deelnemers.",
            )
        if traject is not None:
            wanted = str(traject).strip().upper()
            for vid, kenmerk, _onderdeel in candidates:
                if kenmerk == wanted:
                    return vid, None
            return None, (
                "traject", traject,
                "Dit traject hoort niet bij deze deelnemer. Controleer het traject of laat de kolom leeg.",
            )
        if len(candidates) == 1:
            return candidates[0][0], None
        return candidates

    @staticmethod
    def pick(candidates: list[Any], activiteit_raw: Any) -> tuple[int | None, tuple[str, Any, str] | None]:
        """The one trajecten of a deelnemer the row's activity fits, or an error asking for the traject."""
        try:
            activiteit = presentie_service.parse_activiteit(activiteit_raw)
        except FieldError:
            activiteit = None
        fitting = [c for c in candidates if activiteit in ACTIVITEITEN_PER_ONDERDEEL[c[2]]]
        if len(fitting) == 1:
            return fitting[0][0], None
        return None, (
            "traject", None,
            "Deze deelnemer volgt meer trajecten bij uw organisatie. Vul het traject in (kolom Traject).",
        )


def _headers(layout: SheetLayout) -> dict[str, str]:
    return {c.key: c.header for c in layout.columns}


_PRESENTIE_VELDEN = ("datum", "activiteit", "uren_aanwezig", "uren_afwezig_geoorloofd", "uren_afwezig_ongeoorloofd",
                     "reden_afwezig")
# Who a row is about, and what it says: each read and checked once per distinct value (see read.Table).
_PRESENTIE_GROEPEN = (("bsn", "traject"), _PRESENTIE_VELDEN)


def _presentie_inputs(
    table: Table, deelnemers: _Deelnemers, headers: dict[str, str], progress: Progress
) -> tuple[list[presentie_service.PresentieInput], list[dict[str, Any]], set[int]]:
    people, values = table.values
    new_input = presentie_service.PresentieInput
    inputs: list[presentie_service.PresentieInput] = []
    errors: list[dict[str, Any]] = []
    unresolved: set[int] = set()
    who: dict[int, Any] = {}
    by_activity: dict[tuple[int, int], Any] = {}
    total = len(table.rows)
    step = max(total // 10, 10_000)
    for count, (regel, person, what) in enumerate(table.rows, start=1):
        found = who.get(person)
        if found is None:
            found = who[person] = deelnemers.lookup(*people[person])
        if type(found) is list:
            pair = by_activity.get((person, what))
            if pair is None:
                pair = by_activity[(person, what)] = deelnemers.pick(found, values[what][1])
            found = pair
        verwijzing_id, error = found
        if error is not None:
            errors.append(_error(regel, headers[error[0]], error[1], error[2]))
            unresolved.add(regel)
        inputs.append(new_input(regel, *values[what], verwijzing_id=verwijzing_id))
        if count % step == 0:
            progress(min(10 + 50 * count // max(total, 1), 60), f"{count:,} rijen gelezen".replace(",", "."))
    return inputs, errors, unresolved


def _table_path(path: Path) -> Path:
    """Where the preview keeps the read rows of a stored file: our own JSON in a directory beside the upload
    directory (uploads-rijen/), so the upload directory itself holds nothing but the users' files."""
    return path.parent.with_name(f"{path.parent.name}-rijen") / f"{path.stem}.json"


def _fingerprint(upload: Upload, limits: Limits) -> str:
    # The saved rows only stand for this exact file, read as this kind with this row cap.
    return f"{upload.sha256}:{upload.soort.value}:{upload.bestandstype}:{limits.max_rows}"


def _read_presentie(upload: Upload, path: Path, limits: Limits, reuse: bool) -> Table:
    """The rows of a presence file: at the confirmation those saved by the preview (the file is unchanged, its
    hash says so), else read from the file and, at the preview, saved for the confirmation."""
    table_path = _table_path(path)
    fingerprint = _fingerprint(upload, limits)
    if reuse and (table := load_table(table_path, fingerprint, _PRESENTIE_GROEPEN)) is not None:
        return table
    result = read(path, upload.bestandstype, LAYOUTS[upload.soort], limits.max_rows)  # type: ignore[arg-type]
    table = tabulate(result, _PRESENTIE_GROEPEN)
    if not reuse:
        try:
            table_path.parent.mkdir(parents=True, exist_ok=True)
            save_table(table, table_path, fingerprint)
        except OSError:  # only a shortcut for the confirmation, which reads the file again without it
            table_path.with_name(table_path.name + ".part").unlink(missing_ok=True)
    return table


def discard_saved_rows(upload: Upload, upload_dir: Path) -> None:
    """Remove the rows the preview saved (after the confirmation they are of no use)."""
    _table_path(path_of(upload, upload_dir)).unlink(missing_ok=True)


def prepare(
    session: Session, actor: User, upload: Upload, path: Path, today: date, limits: Limits,
    progress: Progress = _no_progress, reuse: bool = False, opslaan: bool = False,
) -> Prepared:
    """Read and validate the whole file through the services of its kind; stores nothing unless `opslaan`.

    With `reuse` (the confirmation) the rows saved by the preview are used instead of parsing the file again;
    every rule is still checked against the database as it is now. Results are checked by storing them, so
    for those `opslaan` (the confirmation) keeps what the preview rolls back.
    """
    with presentie_service.gc_paused(upload.aantal_rijen or limits.max_rows):
        return _prepare(session, actor, upload, path, today, limits, progress, reuse, opslaan)


def _prepare(
    session: Session, actor: User, upload: Upload, path: Path, today: date, limits: Limits, progress: Progress,
    reuse: bool, opslaan: bool,
) -> Prepared:
    layout = LAYOUTS[upload.soort]
    headers = _headers(layout)
    if upload.soort in upload_resultaten.SOORTEN:
        result = read(path, upload.bestandstype, layout, limits.max_rows)  # type: ignore[arg-type]
        progress(10, "Bestand geopend")
        done = upload_resultaten.verwerk(session, actor, upload.soort, result.rows, _Deelnemers(session, actor),
                                         headers, today, opslaan=opslaan, progress=progress,
                                         expected_rows=upload.aantal_rijen)
        progress(90, "Controle klaar")
        return Prepared([], done.errors, done.rows, done.nieuw, done.gewijzigd, done.ongewijzigd,
                        done.inburgeraar_ids)
    if upload.soort is UploadSoort.STARTDATUMS:
        result = read(path, upload.bestandstype, layout, limits.max_rows)  # type: ignore[arg-type]
        progress(10, "Bestand geopend")
        return _prepare_starts(session, result.rows, _Deelnemers(session, actor), headers, today)
    table = _read_presentie(upload, path, limits, reuse)
    progress(10, "Bestand geopend")
    deelnemers = _Deelnemers(session, actor)
    inputs, errors, unresolved = _presentie_inputs(table, deelnemers, headers, progress)
    del table  # the compact rows are no longer needed; large files keep memory bounded this way
    progress(60, "Regels worden gecontroleerd")
    clean, row_errors = presentie_service.validate_presentie(session, actor, inputs, today)
    row_count = len(inputs)
    del inputs
    labels = {**headers, "verwijzing": headers["traject"]}
    for e in row_errors:
        if e.veld == "verwijzing" and e.regel in unresolved:
            continue  # already explained by the BSN/traject error of this row
        errors.append(_error(e.regel, labels.get(e.veld, e.veld), e.waarde, e.melding))
    errors.sort(key=lambda e: e["regel"])
    counts = presentie_service.preview_presentie(clean)
    progress(90, "Controle klaar")
    return Prepared(clean, errors, row_count, counts.nieuw, counts.gewijzigd, counts.ongewijzigd)


_JA = {"ja", "j", "yes", "y", "true", "waar", "1", "x"}
_NEE = {"nee", "n", "no", "false", "onwaar", "0", ""}
_START_VELDEN = ("gerealiseerde_startdatum", "bijgestelde_einddatum", "reden_latere_start", "reden_niet_gestart")


def _ja_nee(raw: Any) -> bool:
    text = "" if raw is None else str(raw).strip().casefold()
    if text in _JA:
        return True
    if text in _NEE:
        return False
    raise FieldError("Vul Ja of Nee in.")


def _prepare_starts(
    session: Session, rows: Iterable[RawRow], deelnemers: _Deelnemers, headers: dict[str, str], today: date
) -> Prepared:
    """Start dates, one row per traject, through traject.validate_start (the start form's rules)."""
    errors: list[dict[str, Any]] = []
    pending: list[tuple[RawRow, int]] = []
    count = 0
    for raw in rows:
        count += 1
        verwijzing_id, error = deelnemers.resolve(raw, headers)
        if error is not None:
            errors.append(error)
        elif verwijzing_id is not None:
            pending.append((raw, verwijzing_id))
    verwijzingen = {v.id: v for v in session.scalars(select(Verwijzing).where(
        Verwijzing.id.in_({vid for _r, vid in pending})))} if pending else {}
    clean: list[Any] = []
    seen: dict[int, int] = {}
    nieuw = gewijzigd = ongewijzigd = 0
    for raw, vid in pending:
        values = raw.values
        if vid in seen:
            errors.append(_error(raw.regel, headers["traject"], values.get("traject"),
                                 f"Dit traject staat al op regel {seen[vid]}. Houd één regel per traject."))
            continue
        seen[vid] = raw.regel
        try:
            niet_gestart = _ja_nee(values.get("niet_gestart"))
        except FieldError as exc:
            errors.append(_error(raw.regel, headers["niet_gestart"], values.get("niet_gestart"), str(exc)))
            continue
        data = traject_service.StartInput(**{v: values.get(v) for v in _START_VELDEN}, niet_gestart=niet_gestart)
        verwijzing = verwijzingen[vid]
        try:
            clean_values = traject_service.validate_start(session, verwijzing, data, today)
        except ValidationError as exc:
            for veld, melding in exc.errors.items():
                kolom = headers.get(veld, headers["traject"])
                errors.append(_error(raw.regel, kolom, values.get(veld), melding))
            continue
        existing = traject_service.start_of(session, verwijzing)
        if existing is None:
            nieuw += 1
        elif all(getattr(existing, k) == v for k, v in clean_values.items()):
            ongewijzigd += 1
        else:
            gewijzigd += 1
        clean.append((verwijzing, data))
    errors.sort(key=lambda e: e["regel"])
    return Prepared(clean, errors, count, nieuw, gewijzigd, ongewijzigd)


def _save_starts(
    session: Session, actor: User, rows: list[Any], today: date
) -> tuple[presentie_service.SaveResult, set[int]]:
    result = presentie_service.SaveResult()
    changed: set[int] = set()
    for verwijzing, data in rows:
        existing = traject_service.start_of(session, verwijzing)
        before = None if existing is None else {k: getattr(existing, k) for k in (*_START_VELDEN, "niet_gestart")}
        saved = traject_service.register_start(session, actor, verwijzing, data, today)
        after = {k: getattr(saved, k) for k in (*_START_VELDEN, "niet_gestart")}
        if before is None:
            result.nieuw += 1
        elif before == after:
            result.ongewijzigd += 1
            continue
        else:
            result.gewijzigd += 1
        changed.add(verwijzing.inburgeraar_id)
    return result, changed


def _apply_counts(upload: Upload, prepared: Prepared) -> None:
    upload.aantal_rijen = prepared.rows
    upload.aantal_nieuw = prepared.nieuw
    upload.aantal_gewijzigd = prepared.gewijzigd
    upload.aantal_ongewijzigd = prepared.ongewijzigd
    upload.aantal_fout = prepared.foutieve_rijen
    upload.fouten = prepared.errors


# --- validate → preview ---------------------------------------------------------------------------------------

def validate(
    session: Session, actor: User, upload: Upload, upload_dir: Path, today: date, limits: Limits,
    progress: Progress = _no_progress,
) -> Upload:
    """Check the stored file and record the preview counts and errors (status previewed, or failed)."""
    if upload.status not in (UploadStatus.UPLOADED, UploadStatus.VALIDATING, UploadStatus.FAILED):
        raise UploadStateError("Deze upload is al gecontroleerd.")
    upload.status = UploadStatus.VALIDATING
    try:
        prepared = prepare(session, actor, upload, path_of(upload, upload_dir), today, limits, progress)
    except UnsafeFileError as exc:
        upload.status = UploadStatus.FAILED
        upload.melding = str(exc)[:500]
        upload.voortgang = 100
        audit.record(session, actor, "upload_gecontroleerd", object_type="upload", object_id=upload.id,
                     result="geweigerd")
        session.flush()
        return upload
    _apply_counts(upload, prepared)
    upload.status = UploadStatus.PREVIEWED
    upload.melding = None
    upload.voortgang = 100
    upload.voortgang_tekst = None
    upload.gecontroleerd_op = utcnow()
    audit.record(session, actor, "upload_gecontroleerd", object_type="upload", object_id=upload.id,
                 details={"rijen": prepared.rows, "fout": prepared.foutieve_rijen})
    session.flush()
    return upload


# --- confirm --------------------------------------------------------------------------------------------------

def request_confirmation(session: Session, actor: User, upload: Upload) -> None:
    """Claim the upload for saving: only a previewed upload (or one whose saving died) can be confirmed, once.

    A conditional UPDATE is the guard: of two simultaneous confirmations only one changes the row.
    """
    stale_before = utcnow() - STALE_CONFIRMATION
    claimed = session.execute(
        update(Upload)
        .where(
            Upload.id == upload.id,
            or_(
                Upload.status == UploadStatus.PREVIEWED,
                (Upload.status == UploadStatus.CONFIRMING) & (Upload.bijgewerkt_op < stale_before),
            ),
        )
        .values(status=UploadStatus.CONFIRMING, voortgang=0, voortgang_tekst="Wordt opgeslagen", bijgewerkt_op=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.refresh(upload)
        if upload.status is UploadStatus.CONFIRMED:
            raise UploadStateError("Deze upload is al bevestigd en opgeslagen. Er is niets opnieuw opgeslagen.")
        if upload.status is UploadStatus.CONFIRMING:
            raise UploadStateError("Deze upload wordt al opgeslagen. Wacht tot dat klaar is.")
        raise UploadStateError("Bekijk eerst de controle van de upload; pas daarna kunt u bevestigen.")
    session.refresh(upload)


def confirm(
    session: Session, actor: User, upload: Upload, upload_dir: Path, today: date, limits: Limits,
    progress: Progress = _no_progress,
) -> Upload:
    """Re-validate the rows (as read by the preview) and save every valid row, all in the caller's one transaction.

    Call after request_confirmation was committed; the caller commits. On any failure the caller rolls back
    and calls `confirmation_failed`, so no partial data stays and the upload can be confirmed again.
    """
    if upload.status is not UploadStatus.CONFIRMING:
        raise UploadStateError("Bevestig de upload vanaf de controlepagina.")
    if upload.user_id != actor.id and upload.aanbieder_id != actor.aanbieder_id:
        raise UploadStateError("Deze upload is niet van uw organisatie.")
    prepared = prepare(session, actor, upload, path_of(upload, upload_dir), today, limits, progress, reuse=True,
                       opslaan=True)
    progress(92, "Regels worden opgeslagen")
    if upload.soort in upload_resultaten.SOORTEN:
        saved = presentie_service.SaveResult(prepared.nieuw, prepared.gewijzigd, prepared.ongewijzigd)
        changed = prepared.inburgeraar_ids
    elif upload.soort is UploadSoort.STARTDATUMS:
        saved, changed = _save_starts(session, actor, prepared.clean, today)
    else:
        changed = {r.inburgeraar_id for r in prepared.clean if r.soort != presentie_service.ONGEWIJZIGD}
        with presentie_service.gc_paused(len(prepared.clean)):
            saved = _save_in_chunks(session, actor, prepared.clean)
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
    audit.record(session, actor, "upload_bevestigd", object_type="upload", object_id=upload.id,
                 details={"nieuw": saved.nieuw, "gewijzigd": saved.gewijzigd, "ongewijzigd": saved.ongewijzigd})
    _meld_wijzigingen(session, actor, upload, saved, changed)
    session.flush()
    # Should the commit still fail, a new confirmation reads the file itself again.
    discard_saved_rows(upload, upload_dir)
    return upload


def _meld_wijzigingen(
    session: Session, actor: User, upload: Upload, saved: presentie_service.SaveResult, changed: set[int]
) -> None:
    """One UPLOAD_BEVESTIGD event when the upload changed the caseload: the klantregisseurs of the inburgeraars
    concerned get a melding. Ids and counts only: no BSN or name."""
    if not (saved.nieuw or saved.gewijzigd) or not changed:
        return
    ids = sorted(changed)
    events.emit(session, events.DomainEvent(
        kind=events.UPLOAD_BEVESTIGD, inburgeraar_id=ids[0], actor=actor,
        details={"upload_id": upload.id, "soort": upload.soort.value, "nieuw": saved.nieuw,
                 "gewijzigd": saved.gewijzigd, "inburgeraar_ids": ids},
    ))


SAVE_CHUNK = 20_000


def _save_in_chunks(
    session: Session, actor: User, rows: list[presentie_service.CleanPresentie]
) -> presentie_service.SaveResult:
    """save_presentie per group of whole deelnemers (still one transaction): bounds the memory of the insert
    parameters for 300,000-row files and keeps one audit event per deelnemer."""
    rows.sort(key=lambda r: r.inburgeraar_id)
    total = presentie_service.SaveResult()
    start = 0
    while start < len(rows):
        end = min(start + SAVE_CHUNK, len(rows))
        while end < len(rows) and rows[end].inburgeraar_id == rows[end - 1].inburgeraar_id:
            end += 1
        result = presentie_service.save_presentie(session, actor, rows[start:end])
        total.nieuw += result.nieuw
        total.gewijzigd += result.gewijzigd
        total.ongewijzigd += result.ongewijzigd
        start = end
    return total


def confirmation_failed(session: Session, upload_id: str, exc: BaseException) -> None:
    """After a rolled-back confirmation: back to previewed with a clear message, so it can be confirmed again."""
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.status == UploadStatus.CONFIRMING)
        .values(status=UploadStatus.PREVIEWED, voortgang=0, voortgang_tekst=None, melding=failure_message(exc),
                bijgewerkt_op=utcnow())
        .execution_options(synchronize_session=False)
    )


def validation_failed(session: Session, upload_id: str, exc: BaseException) -> None:
    """After a crashed check: failed with a clear message; nothing was stored."""
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.status.in_((UploadStatus.UPLOADED, UploadStatus.VALIDATING)))
        .values(status=UploadStatus.FAILED, voortgang=100, melding=failure_message(exc), bijgewerkt_op=utcnow())
        .execution_options(synchronize_session=False)
    )


def failure_message(exc: BaseException) -> str:
    """A plain-Dutch explanation of an unexpected failure; no internals, no personal data."""
    if isinstance(exc, UnsafeFileError | UploadStateError):
        return str(exc)[:500]
    if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
        return "Opslaan is mislukt: de schijf is vol. Er is niets opgeslagen. Probeer het later opnieuw."
    if isinstance(exc, OperationalError):
        return ("Opslaan is mislukt: de verbinding met de database viel weg. Er is niets opgeslagen. "
                "Probeer het opnieuw.")
    if isinstance(exc, ValidationError):
        return "; ".join(exc.errors.values())[:500]
    return "Verwerken is mislukt door een onverwachte fout. Er is niets opgeslagen. Probeer het opnieuw."


def iter_errors(upload: Upload) -> Iterator[dict[str, Any]]:
    """The stored errors of an upload, in row order."""
    yield from upload.fouten or []
