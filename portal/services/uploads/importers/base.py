"""What every importer shares: the protocol, the context of one check or confirmation, what a check found,
and the resolver that finds the actor's own deelnemer (verwijzing) a row is about."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from portal import access
from portal.formatting import waarde
from portal.models import Inburgeraar, Upload, User, Verwijzing
from portal.models.enums import Onderdeel
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL
from portal.models.upload import UploadSoort
from portal.services import ValidationError
from portal.services.validation import FieldError, parse_activiteit, parse_bsn
from portal.spreadsheets.guard import Limits
from portal.spreadsheets.read import ReadResult, SheetLayout, read
from portal.spreadsheets.write import Choices

Progress = Callable[[int, str], None]
MAX_CORRECTIONS = 1000  # the preview shows what each correction overwrites; beyond this many, the count says it


def no_progress(_pct: int, _text: str) -> None:
    """A progress reporter that reports nothing (tests, inline checks)."""
    return None


@dataclass
class ImportContext:
    """One check (preview) or confirmation of one upload: who, which file, which day, and what to do."""

    session: Session
    actor: User
    upload: Upload
    path: Path
    today: date
    limits: Limits
    progress: Progress = no_progress
    reuse: bool = False  # the confirmation: reuse what the preview read, if the importer kept it
    save: bool = False  # the confirmation: keep what is checked (importers that check by storing)
    # The confirmation: work its check starts and its save finishes (presentie's COPY of new rows), ended with the
    # confirmation, or aborted when an error unwinds it.
    pending: ExitStack | None = None

    def read(self, layout: SheetLayout, optional: frozenset[str] = frozenset()) -> ReadResult:
        """Open the stored file with the importer's layout (guarded and capped); `optional` as in read.read."""
        return read(self.path, self.upload.bestandstype, layout, self.limits.max_rows,  # type: ignore[arg-type]
                    optional)


@dataclass
class Saved:
    """What a confirmation stored: counts and the inburgeraars that changed (for the klantregisseurs' melding)."""

    nieuw: int = 0
    gewijzigd: int = 0
    ongewijzigd: int = 0
    inburgeraar_ids: set[int] = field(default_factory=set)


@dataclass
class Prepared:
    """What a check found: the clean rows ready to save (in the importer's own shape), one ValidationError per
    row with errors (fields named by the sheet's column keys), the counts, and the inburgeraars that would change.
    """

    clean: list[Any]
    errors: list[ValidationError]
    rows: int
    nieuw: int
    gewijzigd: int
    ongewijzigd: int
    inburgeraar_ids: set[int] = field(default_factory=set)
    # Headers of the file that no column of the layout reads (shown in the preview so nothing goes unnoticed).
    unread_columns: list[str] = field(default_factory=list)
    # What the preview must tell besides counts and errors, in plain Dutch (e.g. an activity filled in).
    notes: list[str] = field(default_factory=list)
    # What each correction overwrites, for the preview (see `correction`).
    corrections: list[dict[str, str | int]] = field(default_factory=list)
    # What the confirmation's check began sending to the database for `save` to finish (on `ImportContext.pending`).
    pending: Any = None

    @property
    def foutieve_rijen(self) -> int:
        """Rows with at least one error."""
        return len({e.row for e in self.errors})


class Importer(Protocol):
    """One kind of upload: its sheet, its template, and how its rows reach the services the forms use."""

    soort: UploadSoort
    layout: SheetLayout
    keuzes: Choices  # the dropdown values of the template
    instructies: tuple[str, ...]  # the template's instructions sheet
    sjabloon_onderdelen: tuple[Onderdeel, ...] | None  # the trajecten the template lists (None: all active)
    checks_by_storing: bool  # the check runs the rows through their services inside a rolled-back savepoint

    def prepare(self, ctx: ImportContext) -> Prepared:
        """Read and check every row; store nothing unless `ctx.save` and the importer checks by storing."""
        ...

    def save(self, ctx: ImportContext, prepared: Prepared) -> Saved:
        """Store the clean rows of a confirmed upload in the caller's transaction (flush only)."""
        ...


def correction(regel: int, wat: str, kolom: str, oud: Any, nieuw: Any) -> dict[str, str | int]:
    """One overwritten value of a correction, as the preview shows it (Dutch notation)."""
    return {"regel": regel, "wat": wat, "kolom": kolom,
            "oud": waarde(oud) or "(leeg)", "nieuw": waarde(nieuw) or "(leeg)"}


def headers(layout: SheetLayout) -> dict[str, str]:
    """Column key → the header the user sees (for error lists)."""
    return {c.key: c.header for c in layout.all_columns}


def untouched(values: Mapping[str, Any], kolommen: Iterable[str]) -> bool:
    """A prefilled template row left as it was: nothing filled in besides who it is about."""
    return all(values.get(kolom) is None for kolom in kolommen)


def untouched_note(aantal: int) -> list[str]:
    """The preview's word on prefilled rows left empty: skipped, but never silently."""
    if not aantal:
        return []
    regels = "1 regel" if aantal == 1 else f"{aantal} regels"
    return [f"{regels} uit het sjabloon {'is' if aantal == 1 else 'zijn'} niet ingevuld (alleen de deelnemer staat "
            f"erin) en {'wordt' if aantal == 1 else 'worden'} daarom niet ingelezen."]


def row_error(regel: int, kolom: str, waarde: Any, melding: str) -> ValidationError:
    """One error in one column of one row."""
    return ValidationError({kolom: melding}, row=regel, values={kolom: waarde})


# The result of looking a row's deelnemer up: (verwijzing id, None), or (None, (column key, value, message)).
Gevonden = tuple[int | None, tuple[str, Any, str] | None]


class Deelnemers:
    """The actor's own deelnemers by BSN with their verwijzingen; one query for the whole file."""

    def __init__(self, session: Session, actor: User) -> None:
        query = (
            access.verwijzingen_for_registration(actor)
            .join(Verwijzing.inburgeraar)
            .with_only_columns(Inburgeraar.bsn, Verwijzing.id, Verwijzing.kenmerk, Verwijzing.onderdeel)
        )
        self.by_bsn: dict[str, list[tuple[int, str, Any]]] = {}
        self.onderdeel: dict[int, Onderdeel] = {}
        for bsn, vid, kenmerk, onderdeel in session.execute(query):
            self.by_bsn.setdefault(bsn, []).append((vid, kenmerk.upper(), onderdeel))
            self.onderdeel[vid] = onderdeel
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

    def resolve(self, regel: int, values: Mapping[str, Any]) -> tuple[int | None, ValidationError | None]:
        """The verwijzing a row is about, or its error: unknown deelnemer, traject not theirs, or ambiguous."""
        found = self.lookup(values.get("bsn"), values.get("traject"))
        if isinstance(found, list):
            found = self.pick(found, values.get("activiteit"))
        vid, error = found
        return vid, None if error is None else row_error(regel, *error)

    def lookup(self, bsn_raw: Any, traject: Any) -> Gevonden | list[Any]:
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
    def pick(candidates: list[Any], activiteit_raw: Any) -> Gevonden:
        """The one traject of a deelnemer the row's activity fits, or an error asking for the traject."""
        try:
            activiteit = parse_activiteit(activiteit_raw)
        except FieldError:
            activiteit = None
        fitting = [c for c in candidates if activiteit in ACTIVITEITEN_PER_ONDERDEEL[c[2]]]
        if len(fitting) == 1:
            return fitting[0][0], None
        return None, MEER_TRAJECTEN

    @staticmethod
    def pick_onderdeel(candidates: list[Any], onderdelen: tuple[Onderdeel, ...]) -> Gevonden:
        """The one traject of a deelnemer a kind of result is about (by onderdeel), or an error."""
        fitting = [c for c in candidates if c[2] in onderdelen]
        if len(fitting) == 1:
            return fitting[0][0], None
        if not fitting:
            return candidates[0][0], None  # the service says this traject is not for this kind of result
        return None, MEER_TRAJECTEN


MEER_TRAJECTEN = ("traject", None,
                  "Deze deelnemer volgt meer trajecten bij uw organisatie. Vul het traject in (kolom Traject).")
