"""Presentie and hours from a spreadsheet, through presentie.validate_presentie / save_presentie.

The preview keeps the rows it read (our own compact JSON beside the upload directory), so the confirmation
does not parse the file twice; the confirmation still checks every row against the database as it is then.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from portal.formatting import datum, getal
from portal.models import Upload
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL, Activiteit
from portal.models.upload import UploadSoort
from portal.services import ValidationError
from portal.services import presentie as presentie_service
from portal.services.batch import gc_paused
from portal.services.uploads.importers.base import (
    MAX_CORRECTIONS,
    Deelnemers,
    ImportContext,
    Prepared,
    Saved,
    correction,
    headers,
    row_error,
    untouched,
    untouched_note,
)
from portal.spreadsheets.guard import Limits
from portal.spreadsheets.layouts import CHOICES, LAYOUTS, AbsenceError, split_absence
from portal.spreadsheets.read import ReadError, Table, load_table, save_table, tabulate

_VELDEN = ("datum", "activiteit", "uren_aanwezig", "uren_afwezig_geoorloofd", "uren_afwezig_ongeoorloofd",
           "reden_afwezig", "uren_afwezig", "soort_afwezigheid")  # the last two: undivided absence (split_absence)
# Who a row is about, and what it says: each read and checked once per distinct value (see read.Table).
_GROEPEN = (("bsn", "traject"), _VELDEN)
SAVE_CHUNK = 20_000
# A file may lack the Activiteit column when every traject in it allows only one activity (see _WithoutActivity).
_OPTIONAL = frozenset({"activiteit"})


class PresentieImporter:
    """Presentie per deelnemer, day and activity."""

    soort = UploadSoort.PRESENTIE
    layout = LAYOUTS[UploadSoort.PRESENTIE]
    keuzes = CHOICES[UploadSoort.PRESENTIE]
    sjabloon_onderdelen = None
    checks_by_storing = False
    instructies = (
        "Vul per deelnemer één regel in per lesdag en activiteit. Kopieer een regel voor meer dagen.",
        "BSN, naam, onderdeel en traject staan al ingevuld voor uw actieve deelnemers.",
        "Uren in kwartieren met een komma: 2,5 is tweeënhalf uur. Vul 0 in als de deelnemer er niet was.",
        "Bij uren afwezig is een reden verplicht.",
        "Een lege cel (of 0) bij uren afwezig betekent: geen afwezigheid; een lege reden wist de reden. Laat u een "
        "kolom voor afwezigheid helemaal weg, dan blijven de opgeslagen waarden van die kolom staan.",
        "Datums als dd-mm-jjjj, bijvoorbeeld 05-03-2026. Geen datums in de toekomst.",
        "Gebruik geen formules: vervang ze door hun waarden. Een regel 'Totaal' onderaan mag blijven staan.",
        "U ziet na het uploaden eerst een controle; er wordt pas iets opgeslagen als u bevestigt.",
        "Dezelfde gegevens opnieuw uploaden verandert niets; gewijzigde waarden worden als correctie opgeslagen.",
    )

    def prepare(self, ctx: ImportContext) -> Prepared:
        """Read the rows (or reuse the preview's), resolve each deelnemer and validate them all as one batch."""
        table = _read(ctx)
        ctx.progress(10, "Bestand geopend")
        inputs, errors, unresolved, notes, leeg = _inputs(table, Deelnemers(ctx.session, ctx.actor), ctx)
        row_count = len(table.rows) - leeg  # rows whose absence could not be placed are counted, not passed on
        unread = table.ignored_headers
        kept = _kept(table.absent)
        del table  # the compact rows are no longer needed; large files keep memory bounded this way
        ctx.progress(60, "Regels worden gecontroleerd")
        # The confirmation (PostgreSQL): new rows go to the database while the rest is checked; `save` ends that.
        stream = (ctx.pending.enter_context(presentie_service.new_rows_stream(ctx.session, ctx.actor))
                  if ctx.save and ctx.pending is not None else None)
        clean, row_errors = presentie_service.validate_presentie(ctx.session, ctx.actor, inputs, ctx.today, stream)
        del inputs
        for error in row_errors:
            as_columns = _as_columns(error, error.row in unresolved)
            if as_columns is not None:
                errors.append(as_columns)
        errors.sort(key=lambda e: e.row or 0)
        counts = presentie_service.preview_presentie(clean)
        ctx.progress(90, "Controle klaar")
        changed = {r.inburgeraar_id for r in clean if r.soort != presentie_service.ONGEWIJZIGD}
        notes = [*notes, *_absence_notes(kept, clean, self.layout)]
        return Prepared(clean, errors, row_count, counts.nieuw, counts.gewijzigd, counts.ongewijzigd, changed,
                        unread, notes, _corrections(clean, self.layout), pending=stream)

    def save(self, ctx: ImportContext, prepared: Prepared) -> Saved:
        """save_presentie per group of whole deelnemers (still one transaction): bounds the memory of the insert
        parameters and of the corrections (their history and kept totals) for 300,000-row files, and keeps one
        audit event per deelnemer. Where new rows go by COPY (PostgreSQL), which holds no parameters, only the
        corrections count towards a group: a file of new rows is saved by one call, and the first call ends the
        COPY the check began (later groups' new rows went with it)."""
        rows = prepared.clean
        rows.sort(key=lambda r: r.inburgeraar_id)
        total = Saved(inburgeraar_ids=prepared.inburgeraar_ids)
        by_copy = prepared.pending is not None or presentie_service.saves_new_rows_by_copy(ctx.session)
        stream = prepared.pending
        with gc_paused(len(rows)):
            start = 0
            while start < len(rows) or stream is not None:
                end = _group_end(rows, start, by_copy)
                result = presentie_service.save_presentie(ctx.session, ctx.actor, rows[start:end], stream)
                stream = None  # ended by the first group's save
                total.nieuw += result.nieuw
                total.gewijzigd += result.gewijzigd
                total.ongewijzigd += result.ongewijzigd
                start = end
        discard_saved_rows(ctx.upload, ctx.path)  # should the commit still fail, a retry reads the file again
        return total


def _group_end(rows: list[presentie_service.CleanPresentie], start: int, by_copy: bool) -> int:
    """Where the group of whole deelnemers from `start` ends: SAVE_CHUNK rows, or by COPY SAVE_CHUNK corrections."""
    end, count = (start, 0) if by_copy else (min(start + SAVE_CHUNK, len(rows)), SAVE_CHUNK)
    while end < len(rows) and (count < SAVE_CHUNK or rows[end].inburgeraar_id == rows[end - 1].inburgeraar_id):
        count += rows[end].soort == presentie_service.GEWIJZIGD
        end += 1
    return end


_WAARDEN = ("uren_aanwezig", "uren_afwezig_geoorloofd", "uren_afwezig_ongeoorloofd", "reden_afwezig")  # as .waarden


def _corrections(rows: list[presentie_service.CleanPresentie], layout: Any) -> list[dict[str, str | int]]:
    """Every value a correction would overwrite, row by row (the first MAX_CORRECTIONS are kept)."""
    kolommen = headers(layout)
    found: list[dict[str, str | int]] = []
    for row in rows:
        if row.vorige is None or row.soort != presentie_service.GEWIJZIGD:
            continue
        wat = f"{datum(row.datum)} · {row.activiteit.label}"
        for key, oud, nieuw in zip(_WAARDEN, row.vorige, row.waarden, strict=True):
            if oud != nieuw:
                found.append(correction(row.regel, wat, kolommen[key], oud, nieuw))
        if len(found) >= MAX_CORRECTIONS:
            break
    found.sort(key=lambda c: c["regel"])
    return found


def _as_columns(error: ValidationError, unresolved: bool) -> ValidationError | None:
    """The service's row error with its fields named by the sheet's columns; the deelnemer is the Traject column.
    A row whose BSN/traject was not found already has that error: the service's own 'unknown' is left out."""
    errors = {("traject" if k == "verwijzing" else k): v for k, v in error.errors.items()
              if not (unresolved and k == "verwijzing")}
    if not errors:
        return None
    values = {("traject" if k == "verwijzing" else k): v for k, v in error.values.items()}
    return ValidationError(errors, row=error.row, values=values)


def _inputs(
    table: Table, deelnemers: Deelnemers, ctx: ImportContext
) -> tuple[list[presentie_service.PresentieInput], list[ValidationError], set[int], list[str], int]:
    """The rows as PresentieInputs, their errors, the rows whose deelnemer is unknown, notes for the preview and
    how many prefilled template rows were left empty (skipped: a docent fills in the days that were taught)."""
    people, read_values = table.values
    wat = table.groups[1]  # the keys of the 'what' group: everything but who the row is about
    untouched_groups = {i for i, raw in enumerate(read_values) if untouched(dict(zip(wat, raw, strict=True)), wat)}
    leeg = 0
    # Per distinct value group: the presentie fields, with an undivided absence placed (or why it cannot be).
    kept = _kept(table.absent)
    values: list[tuple[Any, ...] | AbsenceError] = [_fields(v, kept) for v in read_values]
    new_input = presentie_service.PresentieInput
    inputs: list[presentie_service.PresentieInput] = []
    errors: list[ValidationError] = []
    unresolved: set[int] = set()
    who: dict[int, Any] = {}
    by_activity: dict[tuple[int, int], Any] = {}
    without_activity = _WithoutActivity(deelnemers) if "activiteit" in table.missing else None
    total = len(table.rows)
    step = max(total // 10, 10_000)
    for count, (regel, person, what) in enumerate(table.rows, start=1):
        if what in untouched_groups:
            leeg += 1
            continue
        found = who.get(person)
        if found is None:
            found = who[person] = deelnemers.lookup(*people[person])
        if type(found) is list:
            if without_activity is not None:
                found = without_activity.several(found, people[person][1])
            else:
                pair = by_activity.get((person, what))
                if pair is None:
                    pair = by_activity[(person, what)] = deelnemers.pick(found, read_values[what][1])
                found = pair
        verwijzing_id, error = found
        if error is not None:
            errors.append(row_error(regel, *error))
            unresolved.add(regel)
        fields = values[what]
        if isinstance(fields, AbsenceError):  # not saved: the preview lists the row with what to fix
            errors.append(row_error(regel, fields.kolom, fields.waarde, fields.melding))
            continue
        if without_activity is not None:
            if verwijzing_id is None:
                continue  # its error says which traject to name; the missing activity would only repeat it
            activiteit = without_activity.only_activity(regel, verwijzing_id, errors)
            if activiteit is None:
                continue
            fields = (fields[0], activiteit, *fields[2:])
        inputs.append(new_input(regel, *fields, verwijzing_id=verwijzing_id))
        if count % step == 0:
            ctx.progress(min(10 + 50 * count // max(total, 1), 60), f"{count:,} rijen gelezen".replace(",", "."))
    notes = without_activity.notes() if without_activity is not None else []
    return inputs, errors, unresolved, [*untouched_note(leeg), *notes], leeg


class _WithoutActivity:
    """A file without an Activiteit column (a student administration's export): each row gets the one activity
    its traject allows (MAP, PVT, Z-route participatie, maatschappelijke begeleiding), and the preview says so.
    Where a traject allows several activities, or a deelnemer has several trajecten and the row does not name
    one, the row gets an error naming the missing column; when no row at all can take a default, the file is
    refused as before, naming the column."""

    def __init__(self, deelnemers: Deelnemers) -> None:
        self.deelnemers = deelnemers
        self.filled: Counter[Activiteit] = Counter()
        self.refused = 0

    def several(self, candidates: list[Any], traject: Any) -> tuple[None, tuple[str, Any, str]]:
        """The error of a deelnemer with several trajecten here, when neither traject nor activity says which."""
        onderdelen = _and(sorted({str(c[2].label) for c in candidates}))
        return None, ("traject", traject, (
            f"Deze deelnemer volgt bij uw organisatie meer trajecten ({onderdelen}) en het bestand heeft geen "
            "kolom 'Activiteit', dus is niet te zien over welk traject deze regel gaat. Vul bij deze regel het "
            "traject in (kolom Traject: het kenmerk, bijvoorbeeld V-000123) of voeg de kolom Activiteit toe."))

    def only_activity(self, regel: int, verwijzing_id: int, errors: list[ValidationError]) -> Activiteit | None:
        """The one activity of the row's traject, or None after adding the error that names the column."""
        onderdeel = self.deelnemers.onderdeel[verwijzing_id]
        allowed = ACTIVITEITEN_PER_ONDERDEEL[onderdeel]
        if len(allowed) == 1:
            self.filled[allowed[0]] += 1
            return allowed[0]
        self.refused += 1
        errors.append(row_error(regel, "activiteit", None, (
            f"De kolom 'Activiteit' ontbreekt, en bij dit traject ({onderdeel.label}) horen meer activiteiten: "
            f"{_and([a.label for a in allowed], 'of')}. Voeg de kolom Activiteit toe en vul per regel de activiteit "
            "in.")))
        return None

    def notes(self) -> list[str]:
        """What the preview tells about the filled-in activities; refuses the file when none could be filled."""
        if self.refused and not self.filled:
            raise ReadError(
                "De kolom 'Activiteit' ontbreekt in de kopregel. Bij de trajecten in dit bestand horen meer "
                "activiteiten, dus het portaal kan de activiteit niet zelf invullen. Voeg de kolom Activiteit toe "
                "(kies per regel uit: " + ", ".join(a.label for a in Activiteit) + ") of gebruik het sjabloon.")
        if not self.filled:
            return []
        total = sum(self.filled.values())
        per_activity = ", ".join(f"{a.label} ({getal(n)})" for a, n in self.filled.most_common())
        regels = "regel" if total == 1 else "regels"
        return [f"Het bestand heeft geen kolom 'Activiteit'. Bij {getal(total)} {regels} is de enige activiteit van "
                f"het traject ingevuld: {per_activity}."]


def _and(items: list[str], word: str = "en") -> str:
    """'a', 'a en b', 'a, b en c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def _fields(raw: tuple[Any, ...], kept: frozenset[str]) -> tuple[Any, ...] | AbsenceError:
    """The six PresentieInput fields of a read value group; an undivided "Uren afwezig" goes to its kind, and a
    field whose column the file lacks keeps what is stored (presentie.BEWAREN)."""
    datum, activiteit, aanwezig, geoorloofd, ongeoorloofd, reden, afwezig, soort = raw
    try:
        geoorloofd, ongeoorloofd = split_absence(geoorloofd, ongeoorloofd, afwezig, soort)
    except AbsenceError as exc:
        return exc
    bewaren = presentie_service.BEWAREN
    return (datum, activiteit, aanwezig,
            bewaren if "uren_afwezig_geoorloofd" in kept else geoorloofd,
            bewaren if "uren_afwezig_ongeoorloofd" in kept else ongeoorloofd,
            bewaren if "reden_afwezig" in kept else reden)


_AFWEZIG = ("uren_afwezig_geoorloofd", "uren_afwezig_ongeoorloofd", "reden_afwezig")  # as waarden[1:]


def _kept(absent: tuple[str, ...]) -> frozenset[str]:
    """The absence fields the file says nothing about: their column is not in it (for hours: nor the undivided
    'Uren afwezig', which speaks about both kinds)."""
    return frozenset(k for k in _AFWEZIG if k in absent and (k == "reden_afwezig" or "uren_afwezig" in absent))


def _absence_notes(kept: frozenset[str], rows: list[presentie_service.CleanPresentie], layout: Any) -> list[str]:
    """What the preview says about absence the file leaves alone, and about stored absence it clears."""
    kolommen = headers(layout)
    notes = []
    if kept:
        names = [f"'{kolommen[k]}'" for k in _AFWEZIG if k in kept]
        which = f"geen kolom {names[0]}" if len(names) == 1 else f"geen kolommen {_and(names)}"
        notes.append(f"Het bestand heeft {which}. Daarvan blijven de opgeslagen waarden staan; bij nieuwe dagen "
                     "blijven ze leeg.")
    present = [n for n, k in enumerate(_AFWEZIG, start=1) if k not in kept]
    cleared = sum(1 for r in rows if r.soort == presentie_service.GEWIJZIGD and r.vorige is not None
                  and any(r.vorige[n] and not r.waarden[n] for n in present))
    if cleared:
        regels = "regel" if cleared == 1 else "regels"
        notes.append(f"In {getal(cleared)} {regels} wist het bestand eerder opgeslagen afwezigheid: een lege cel of "
                     "0 in een kolom voor afwezigheid die wel in het bestand staat, betekent geen afwezigheid (of "
                     "geen reden). Controleer deze correcties hieronder.")
    return notes


def _table_path(path: Path) -> Path:
    """Where the preview keeps the read rows of a stored file: our own JSON in a directory beside the upload
    directory (uploads-rijen/), so the upload directory itself holds nothing but the users' files."""
    return path.parent.with_name(f"{path.parent.name}-rijen") / f"{path.stem}.json"


def _fingerprint(upload: Upload, limits: Limits) -> str:
    # The saved rows only stand for this exact file, read as this kind with this row cap.
    return f"{upload.sha256}:{upload.soort.value}:{upload.bestandstype}:{limits.max_rows}"


def _read(ctx: ImportContext) -> Table:
    """The rows of a presence file: at the confirmation those saved by the preview (the file is unchanged, its
    hash says so), else read from the file and, at the preview, saved for the confirmation."""
    table_path = _table_path(ctx.path)
    fingerprint = _fingerprint(ctx.upload, ctx.limits)
    if ctx.reuse and (table := load_table(table_path, fingerprint, _GROEPEN)) is not None:
        return table
    table = tabulate(ctx.read(LAYOUTS[UploadSoort.PRESENTIE], optional=_OPTIONAL), _GROEPEN)
    if not ctx.reuse:
        try:
            table_path.parent.mkdir(parents=True, exist_ok=True)
            save_table(table, table_path, fingerprint)
        except OSError:  # only a shortcut for the confirmation, which reads the file again without it
            table_path.with_name(table_path.name + ".part").unlink(missing_ok=True)
    return table


def discard_saved_rows(upload: Upload, path: Path) -> None:
    """Remove the rows the preview saved (after the confirmation they are of no use)."""
    _table_path(path).unlink(missing_ok=True)
