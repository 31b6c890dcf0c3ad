"""Tolerant reading of checked xlsx/csv files into rows of raw values with their spreadsheet row number.

People fill in spreadsheets in many ways: title rows above the header, headers in another case or
with a synonym, extra columns, empty rows and a 'Totaal' row at the bottom. The reader accepts all
of that and hands the raw cell values to the services, which do all value checking (BSN, dates, hours).
Nothing is dropped without a word: the headers it does not read are returned (`ignored_headers`), a missing
required column is named, and a CSV is read in the encoding it was written in (UTF-8, UTF-16, Windows-1252).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from portal.spreadsheets.guard import FileKind, UnsafeFileError, csv_encoding

HEADER_SEARCH_ROWS = 20
_PUNCT = re.compile(r"[^\w ]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_HINT = re.compile(r"\(.*?\)|\[.*?\]")
_TOTAL_WORDS = {"totaal", "total", "totalen", "subtotaal", "eindtotaal", "totaaltelling"}
_TOTAL_INITIALS = set("tTsSeE")


@dataclass(frozen=True)
class Column:
    """One column of a sheet kind: its key, the header people see, other names people use for it."""

    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = True
    hint: str = ""
    width: int = 16
    read: bool = True  # False for columns that are only there for the reader's eyes (name, onderdeel)


@dataclass(frozen=True)
class SheetLayout:
    """The columns of one kind of upload and the name of its data sheet in the template.

    `extra_columns` are understood when another system's export has them, but are not in the template (for
    example one undivided "Uren afwezig" column where the template splits geoorloofd and ongeoorloofd).
    """

    sheet_name: str
    columns: tuple[Column, ...]
    extra_columns: tuple[Column, ...] = ()

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Template columns and extra columns."""
        return self.columns + self.extra_columns

    def lookup(self) -> dict[str, str]:
        """Normalised header text → column key, headers and synonyms alike; one name never means two columns."""
        table: dict[str, str] = {}
        for column in self.all_columns:
            for name in (column.header, column.key, *column.synonyms):
                normalised = normalise_header(name)
                if table.setdefault(normalised, column.key) != column.key:
                    raise ValueError(f"'{name}' names both {table[normalised]} and {column.key} in {self.sheet_name}")
        return table


@dataclass
class RawRow:
    """The raw values of one data row, keyed by column key, with the row number the user sees."""

    regel: int
    values: dict[str, Any]


@dataclass
class ReadResult:
    """The header found and the data rows, read lazily (large files stream) through `rows` or `records`."""

    header_row: int
    columns: dict[str, int]
    source: Iterator[Sequence[Any]] = field(repr=False)
    readable: dict[str, int] = field(repr=False)  # the columns the services read, by key
    max_rows: int = field(repr=False)
    # Every header in the file whose column is not read, as written there and in file order: unknown columns
    # (notes, teacher), a second column with the same meaning, and columns only there for the eye (name).
    ignored_headers: list[str] = field(default_factory=list)
    # Required columns the caller allowed to be absent (read(..., optional=…)) and that are absent.
    missing: tuple[str, ...] = ()
    # Every column of the layout the file does not have (a file without a column says nothing about its field).
    absent: tuple[str, ...] = ()

    @property
    def rows(self) -> Iterator[RawRow]:
        """The data rows as RawRow objects with the values of the columns present."""
        keys = tuple(self.readable)
        for regel, values in self.records(keys):
            yield RawRow(regel, dict(zip(keys, values, strict=True)))

    def records(self, keys: Sequence[str], clean: bool = True) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """The data rows as (row number, values of `keys` in that order; None for a column not present).

        `clean=False` leaves text unstripped, for callers that clean each distinct value once (`clean_values`).
        """
        return _data_rows(self.source, self.header_row, self.columns, [self.readable.get(k) for k in keys],
                          self.max_rows, clean)


UNREADABLE = "Het bestand kan niet worden gelezen. Sla het opnieuw op als .xlsx en probeer het nog eens."


class ReadError(UnsafeFileError):
    """The file is safe but cannot be read as this kind of upload; the message says what to fix."""


def normalise_header(text: object) -> str:
    """'  Datum (dd-mm-jjjj)* ' → 'datum': case, accents, hints in brackets, punctuation and spaces dropped."""
    value = _HINT.sub(" ", str(text or ""))
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = _PUNCT.sub(" ", value.replace("_", " ")).lower()
    return _SPACES.sub(" ", value).strip()


def read(
    path: Path, kind: FileKind, layout: SheetLayout, max_rows: int, optional: frozenset[str] = frozenset()
) -> ReadResult:
    """Open a guarded file and find its header; the rows are read lazily.

    `optional` names required columns the caller can do without (it fills them in itself, e.g. the only activity a
    verwijzing allows); the result lists those that are absent in `missing`. Any other missing required column
    is a ReadError that names it.
    """
    rows = _xlsx_rows(path, layout) if kind == "xlsx" else _csv_rows(path)
    return _with_header(rows, layout, max_rows, optional)


def _xlsx_rows(path: Path, layout: SheetLayout) -> Iterator[Sequence[Any]]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        wanted = normalise_header(layout.sheet_name)
        name = next((n for n in names if normalise_header(n) == wanted), names[0] if names else None)
        if name is None:
            raise ReadError("De werkmap bevat geen werkbladen.")
        sheet = workbook.get_sheet_by_name(name)
        return _guarded_iter(sheet.iter_rows())
    except CalamineError as exc:
        raise ReadError(UNREADABLE) from exc


def _guarded_iter(rows: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    try:
        yield from rows
    except CalamineError as exc:
        raise ReadError(UNREADABLE) from exc


def _csv_rows(path: Path) -> Iterator[Sequence[Any]]:
    handle = path.open("r", encoding=csv_encoding(path), newline="")
    try:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        delimiter = _sniff_delimiter(sample)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            yield from reader
        except csv.Error as exc:
            raise ReadError(f"Het CSV-bestand is niet goed opgebouwd: {exc}.") from exc
    finally:
        handle.close()


def _sniff_delimiter(sample: str) -> str:
    """Semicolon is what Dutch Excel writes; fall back to comma or tab when the first lines say so."""
    first_lines = io.StringIO(sample).readlines()[:HEADER_SEARCH_ROWS]
    counts = {d: sum(line.count(d) for line in first_lines) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ";"))


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _with_header(
    rows: Iterator[Sequence[Any]], layout: SheetLayout, max_rows: int, optional: frozenset[str] = frozenset()
) -> ReadResult:
    """The first row with every required column (but those in `optional`) is the header.

    Without one, the row that names the most of the layout's columns is taken as the header people meant, and
    the error names what it lacks and which of its headers were not recognised.
    """
    lookup = layout.lookup()
    columns_by_key = {c.key: c for c in layout.all_columns}
    required = {c.key for c in layout.all_columns if c.required}
    readable = {c.key for c in layout.all_columns if c.read}
    best: tuple[int, int, dict[str, int], list[str]] | None = None  # (recognised, row, columns, unknown)
    for index, row in enumerate(rows, start=1):
        if index > HEADER_SEARCH_ROWS:
            break
        columns: dict[str, int] = {}
        unknown: list[tuple[int, str]] = []
        for position, cell in enumerate(row):
            if _is_empty(cell):
                continue
            key = lookup.get(normalise_header(cell))
            if key is not None and key not in columns:
                columns[key] = position
            else:
                unknown.append((position, str(cell).strip()))
        absent = required - columns.keys()
        if absent <= optional:
            wanted = {k: p for k, p in columns.items() if k in readable}
            unread = unknown + [(p, str(row[p]).strip()) for k, p in columns.items() if k not in readable]
            ignored = [header for _position, header in sorted(unread)]
            missing = tuple(c.key for c in layout.all_columns if c.key in absent)
            not_in_file = tuple(c.key for c in layout.all_columns if c.key not in columns)
            return ReadResult(index, columns, rows, wanted, max_rows, ignored, missing, not_in_file)
        if len(columns) >= 2 and (best is None or len(columns) > best[0]):
            best = (len(columns), index, columns, [header for _position, header in unknown])
    if best is not None:
        _count, index, columns, unknown = best
        lacking = [columns_by_key[k].header for k in columns_by_key if k in required - columns.keys() - optional]
        what = (f"De kolom '{lacking[0]}' ontbreekt" if len(lacking) == 1 else
                "De kolommen " + ", ".join(f"'{h}'" for h in lacking[:-1]) + f" en '{lacking[-1]}' ontbreken")
        message = f"{what} in de kopregel (rij {index}). Voeg de kolom toe of gebruik het sjabloon."
        if unknown:
            message += " Deze kolommen zijn niet herkend: " + ", ".join(unknown[:10]) + "."
        raise ReadError(message)
    names = ", ".join(c.header for c in layout.columns if c.required)
    raise ReadError(
        f"Geen kopregel gevonden. De eerste rijen moeten een kopregel hebben met de kolommen: {names}. "
        "Gebruik het sjabloon."
    )


def _data_rows(
    rows: Iterator[Sequence[Any]], header_row: int, columns: dict[str, int], positions: list[int | None],
    max_rows: int, clean: bool,
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    count = 0
    first_position = min(columns.values())
    present = [p for p in positions if p is not None]
    # Fast path for full-width rows: pick the cells in C; None stands in for columns the file lacks.
    picked = [present.index(p) if p is not None else None for p in positions]
    pick = itemgetter(*present) if len(present) > 1 else (lambda row: tuple(row[p] for p in present))
    reorder = None if picked == list(range(len(positions))) else picked
    needed = max(present, default=-1) + 1
    for regel, row in enumerate(rows, start=header_row + 1):
        first = row[0] if row else None
        # Usually the first cell is text that is neither blank nor 'Totaal': then the row is data, checked cheaply.
        if not (type(first) is str and (head := first.lstrip()) and head[0] not in _TOTAL_INITIALS):
            if _is_blank(row):
                continue
            if _is_total(row, first_position):
                return
        count += 1
        if count > max_rows:
            raise ReadError(
                f"Het bestand heeft meer dan {max_rows:,} rijen. Splits het in kleinere bestanden.".replace(",", ".")
            )
        if len(row) >= needed:
            cells = pick(row)
        else:
            width = len(row)
            cells = tuple(row[p] if p < width else None for p in present)
        if reorder is not None:
            cells = tuple(cells[n] if n is not None else None for n in reorder)
        yield regel, clean_values(cells) if clean else cells


def clean_values(cells: Sequence[Any]) -> tuple[Any, ...]:
    """Strip text; empty text is None. Numbers, dates and booleans pass as they are for the services."""
    return tuple((v.strip().replace("\u00a0", " ") or None) if type(v) is str else v for v in cells)


def _is_blank(row: Sequence[Any]) -> bool:
    """No value in any cell; written for speed, as it runs for every row of large files."""
    if any(row):
        # Some cell is truthy: usually the first one is real data, so this stops at once.
        return not any(not isinstance(c, str) or c.strip() for c in row if c)
    return all(c is None or c == "" for c in row)  # all falsy: a numeric 0 still counts as a value


def _is_total(row: Sequence[Any], first_position: int) -> bool:
    """A 'Totaal' row ends the data: the first filled cell says totaal (or 'Totaal:' / 'TOTAAL uren')."""
    for cell in row[: first_position + 3]:
        if _is_empty(cell):
            continue
        if not isinstance(cell, str) or cell.lstrip()[:1] not in _TOTAL_INITIALS:
            return False
        words = normalise_header(cell).split()
        return bool(words) and words[0] in _TOTAL_WORDS
    return False


# --- read rows in compact form ---------------------------------------------------------------------------------

TABLE_FORMAT = 3  # 2: with the headers not read and the optional columns that are absent; 3: every absent column


@dataclass
class Table:
    """Read rows in compact form: the keys split into groups (e.g. who, and what), each distinct group of values
    stored once, and every row as (row number, index per group). A 100,000-row presence file has a few thousand
    distinct groups, so this is small, shares equal values in memory, and can be saved at the preview and read
    back at the confirmation instead of parsing the file again."""

    groups: tuple[tuple[str, ...], ...]
    values: list[list[tuple[Any, ...]]]  # per group: its distinct value tuples
    rows: list[tuple[int, ...]]
    ignored_headers: list[str] = field(default_factory=list)  # as ReadResult: the file's headers not read
    missing: tuple[str, ...] = ()  # as ReadResult: optional required columns the file lacks
    absent: tuple[str, ...] = ()  # as ReadResult: every column of the layout the file lacks


def tabulate(result: ReadResult, groups: Sequence[Sequence[str]]) -> Table:
    """Read all data rows of `result` into a Table."""
    groups = tuple(tuple(g) for g in groups)
    keys = [k for g in groups for k in g]
    bounds = []
    start = 0
    for group in groups:
        bounds.append((start, start + len(group)))
        start += len(group)
    values: list[list[tuple[Any, ...]]] = [[] for _ in groups]
    # Typed keys: 1, 1.0 and True are equal in a dict but are not the same cell.
    indexes: list[dict[tuple[Any, ...], int]] = [{} for _ in groups]
    rows: list[tuple[int, ...]] = []
    plan = list(zip(bounds, values, indexes, strict=True))
    # Raw cells are keyed and each distinct group is cleaned once: the same result as cleaning every cell.
    for regel, cells in result.records(keys, clean=False):
        row = [regel]
        for (lo, hi), table, index in plan:
            part = cells[lo:hi]
            key = (part, tuple(map(type, part)))
            found = index.get(key)
            if found is None:
                found = index[key] = len(table)
                table.append(clean_values(part))
            row.append(found)
        rows.append(tuple(row))
    return Table(groups, values, rows, list(result.ignored_headers), tuple(result.missing), tuple(result.absent))


def _encode(value: Any) -> list[Any]:
    kind = type(value)
    if value is None:
        return ["n"]
    if kind is str:
        return ["s", value]
    if kind is bool:
        return ["b", value]
    if kind is int:
        return ["i", value]
    if kind is float:
        return ["f", repr(value)]
    if kind is datetime:
        return ["dt", value.isoformat()]
    if kind is date:
        return ["d", value.isoformat()]
    if kind is time:
        return ["t", value.isoformat()]
    if kind is timedelta:
        return ["td", value.days, value.seconds, value.microseconds]
    raise TypeError(f"cannot store a {kind.__name__} cell")


_DECODE = {
    "n": lambda: None,
    "s": str,
    "b": bool,
    "i": int,
    "f": float,
    "dt": datetime.fromisoformat,
    "d": date.fromisoformat,
    "t": time.fromisoformat,
    "td": lambda days, seconds, micro: timedelta(days=days, seconds=seconds, microseconds=micro),
}


def save_table(table: Table, path: Path, fingerprint: str) -> bool:
    """Write a Table as JSON (our own format, never pickle); False when a cell type cannot be stored."""
    try:
        document = {
            "formaat": TABLE_FORMAT,
            "vingerafdruk": fingerprint,
            "groepen": table.groups,
            "waarden": [[[_encode(v) for v in part] for part in group] for group in table.values],
            "rijen": [i for row in table.rows for i in row],  # flat: much faster to read back
            "niet_ingelezen": table.ignored_headers,
            "ontbrekend": list(table.missing),
            "niet_in_bestand": list(table.absent),
        }
    except TypeError:
        return False
    text = json.dumps(document, separators=(",", ":"))  # one string: json.dump would not use the C encoder
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return True


def load_table(path: Path, fingerprint: str, groups: Sequence[Sequence[str]]) -> Table | None:
    """A Table saved by `save_table` for the same file and columns, or None (then read the file again)."""
    try:
        with path.open("r", encoding="utf-8") as handle:
            document = json.load(handle)
        groups = tuple(tuple(g) for g in groups)
        if (document.get("formaat") != TABLE_FORMAT or document.get("vingerafdruk") != fingerprint
                or tuple(tuple(g) for g in document["groepen"]) != groups):
            return None
        values = [[tuple(_DECODE[v[0]](*v[1:]) for v in part) for part in group] for group in document["waarden"]]
        flat = document["rijen"]
        width = len(groups) + 1
        # Our own file, but check it fits before trusting it: every index must point at a stored value.
        if len(values) != len(groups) or len(flat) % width or not all(type(i) is int for i in flat):
            return None
        rows = list(zip(*[iter(flat)] * width, strict=True))
        columns = list(zip(*rows, strict=True))[1:] if rows else [() for _ in groups]
        for column, group in zip(columns, values, strict=True):
            if column and (min(column) < 0 or max(column) >= len(group)):
                return None
        ignored = [str(h) for h in document["niet_ingelezen"]]
        missing = tuple(str(k) for k in document["ontbrekend"])
        absent = tuple(str(k) for k in document["niet_in_bestand"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    return Table(groups, values, rows, ignored, missing, absent)
