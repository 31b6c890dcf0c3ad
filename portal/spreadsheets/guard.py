"""Check an uploaded file before any parser touches it: size, real type, zip bombs, XML tricks, formulas.

Parsers trust what a file says about itself (declared sizes, the sheet's <dimension>, DOCTYPEs). Every
check here reads the file as a bounded stream, so a hostile file costs little memory and time and is
refused with a plain-Dutch message instead of being parsed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

FileKind = Literal["xlsx", "csv"]

_CHUNK = 1 << 20
_OVERLAP = 256  # longest tag fragment we look for, carried across chunk boundaries
_ZIP_MAGIC = b"PK\x03\x04"
_REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# A formula is a cell's <f> child; <xm:f> also appears in data validations, which are not cells.
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_ROW_NUMBER = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\sr=\"(\d+)\"")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\sref=\"([^\"]+)\"")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_REF = re.compile(r"^\$?[A-Z]{1,3}\$?(\d+)$")
_SNIFF_MARKUP = (b"<!doctype", b"<html", b"<?xml", b"<svg", b"%pdf", b"\x89png", b"gif8", b"\xff\xd8\xff")


NOT_XLSX = "Het bestand is geen geldig Excel-bestand (.xlsx). Sla het opnieuw op als .xlsx."
ZIP_BOMB = "Het bestand is verdacht sterk ingepakt (mogelijk een zip-bom) en wordt niet verwerkt."
DTD_REFUSED = "Het bestand bevat verboden XML-constructies (DOCTYPE/ENTITY) en wordt niet verwerkt."


class UnsafeFileError(ValueError):
    """The file is refused; the message tells the user why and what to do instead."""


@dataclass(frozen=True)
class Limits:
    """What an upload may cost; the defaults fit a 300,000-row presence file with room to spare."""

    max_bytes: int = 25 * 1024 * 1024
    max_rows: int = 300_000
    max_zip_entries: int = 200
    max_part_bytes: int = 300 * 1024 * 1024  # one uncompressed XML part
    max_total_bytes: int = 600 * 1024 * 1024  # all parts together, uncompressed
    max_ratio: int = 100  # uncompressed/compressed per part; zip bombs sit in the thousands


@dataclass(frozen=True)
class Inspection:
    """What the guard learned: the real kind of file and, for xlsx, the rows per worksheet part."""

    kind: FileKind
    rows_per_sheet: dict[str, int]


def inspect(path: Path, limits: Limits = Limits()) -> Inspection:
    """Refuse the file unless it is a well-formed, bounded xlsx or a UTF-8 text CSV; check by content."""
    size = path.stat().st_size
    if size == 0:
        raise UnsafeFileError("Het bestand is leeg. Kies het ingevulde sjabloon.")
    if size > limits.max_bytes:
        raise UnsafeFileError(
            f"Het bestand is groter dan {limits.max_bytes // (1024 * 1024)} MB. Splits het in kleinere bestanden."
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_ZIP_MAGIC):
        return Inspection("xlsx", inspect_xlsx(path, limits))
    check_csv(path, limits)
    return Inspection("csv", {})


def inspect_xlsx(path: Path, limits: Limits) -> dict[str, int]:
    """Check the zip container and every XML part before a parser sees them; returns rows per worksheet."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeFileError(NOT_XLSX) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_zip_entries:
            raise UnsafeFileError("Het bestand bevat ongewoon veel onderdelen en wordt niet verwerkt.")
        names = {info.filename for info in infos}
        if not all(part in names for part in _REQUIRED_PARTS):
            raise UnsafeFileError(
                "Dit is geen Excel-werkmap (.xlsx). Gebruik het sjabloon of sla het bestand op als .xlsx of .csv."
            )
        _check_declared_sizes(infos, limits)
        _check_small_xml(archive, "[Content_Types].xml")
        _check_small_xml(archive, "xl/workbook.xml")
        rows: dict[str, int] = {}
        for info in infos:
            name = info.filename
            if not name.endswith((".xml", ".rels", ".vml")):
                continue
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                rows[name] = _scan_sheet(archive, info, limits)
            else:
                _scan_part(archive, info)
        return rows


def _check_declared_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Zip bombs announce themselves in the central directory: sizes and ratios, checked before inflating."""
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnsafeFileError("Het bestand is met een wachtwoord beveiligd. Sla het op zonder wachtwoord.")
        if info.file_size > limits.max_part_bytes:
            raise UnsafeFileError("Het bestand pakt uit tot een te groot geheel en wordt niet verwerkt.")
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
            raise UnsafeFileError(ZIP_BOMB)
        if info.compress_size == 0 and info.file_size > 0:
            raise UnsafeFileError("Het bestand is beschadigd. Sla het opnieuw op als .xlsx.")
    if total > limits.max_total_bytes:
        raise UnsafeFileError("Het bestand pakt uit tot een te groot geheel en wordt niet verwerkt.")


def _check_small_xml(archive: zipfile.ZipFile, name: str) -> None:
    """Parse small package parts with defusedxml: refuses DTDs, entity expansion and external entities."""
    try:
        SafeET.fromstring(_read_bounded(archive, name, 5 * 1024 * 1024))
    except DefusedXmlException as exc:
        raise UnsafeFileError(DTD_REFUSED) from exc
    except SafeET.ParseError as exc:
        raise UnsafeFileError("Het bestand is beschadigd. Sla het opnieuw op als .xlsx.") from exc


def _read_bounded(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > cap:
        raise UnsafeFileError("Het bestand bevat een ongewoon groot onderdeel en wordt niet verwerkt.")
    with archive.open(info) as stream:
        data = stream.read(cap + 1)
    if len(data) > cap:
        raise UnsafeFileError("Het bestand bevat een ongewoon groot onderdeel en wordt niet verwerkt.")
    return data


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo):  # type: ignore[no-untyped-def]
    """Stream a part with a small overlap; zipfile stops at the declared size and checks the CRC,
    so a part that inflates beyond what it declares fails here instead of in the parser."""
    try:
        with archive.open(info) as stream:
            tail = b""
            first = True
            while True:
                block = stream.read(_CHUNK)
                if not block:
                    break
                if first:
                    _check_encoding(block)
                    first = False
                yield tail, block
                tail = block[-_OVERLAP:]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnsafeFileError("Het bestand is beschadigd of klopt niet met zijn inhoudsopgave.") from exc


def _check_encoding(first_block: bytes) -> None:
    # Byte scans below assume an ASCII-compatible encoding; UTF-16 parts could hide a DOCTYPE.
    if first_block.startswith((b"\xff\xfe", b"\xfe\xff")) or first_block[:2].count(b"\x00"):
        raise UnsafeFileError("Het bestand gebruikt een niet-ondersteunde tekencodering. Sla het opnieuw op als .xlsx.")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    for tail, block in _chunks(archive, info):
        window = tail + block
        if b"<!" in window and _DTD.search(window):
            raise UnsafeFileError(DTD_REFUSED)


def _scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> int:
    """One pass over a worksheet: no DTD, no formulas, a row count within the cap that matches <dimension>."""
    rows = 0
    max_row = 0
    declared_last: int | None = None
    for tail, block in _chunks(archive, info):
        window = tail + block
        # Cheap byte searches first; the regular expressions only run where they can match.
        if b"<!" in window and _DTD.search(window):
            raise UnsafeFileError(DTD_REFUSED)
        if (b"<f" in window or b":f" in window) and _FORMULA.search(window):
            raise UnsafeFileError(
                "Het bestand bevat formules. Vervang formules door hun waarden (kopiëren, plakken als waarden) "
                "en upload het bestand opnieuw."
            )
        if declared_last is None and (dim := _DIMENSION.search(window)):
            declared_last = _last_row(dim.group(1).decode("ascii", "replace"))
        rows += _count_rows(block, tail)
        max_row = max(max_row, _highest_row_number(window))
        if rows > limits.max_rows + 100:  # header and title rows on top of the data rows
            raise UnsafeFileError(
                f"Het bestand heeft meer dan {limits.max_rows:,} rijen. Splits het in kleinere bestanden.".replace(
                    ",", "."
                )
            )
    real_last = max(max_row, rows)
    if declared_last is not None and real_last > declared_last:
        raise UnsafeFileError(
            "Het werkblad geeft een kleiner bereik op dan het werkelijk bevat; het zou onvolledig worden gelezen. "
            "Open het bestand in Excel, sla het opnieuw op en upload het opnieuw."
        )
    return rows


_PLAIN_ROW_TAGS = (b"<row ", b"<row>", b"<row/", b"<row\n", b"<row\r", b"<row\t")


def _plain_row_count(data: bytes) -> int:
    starts = data.count(b"<row")
    spaced = data.count(b"<row ")
    if starts == spaced:  # the usual case: every row tag carries attributes; two scans instead of six
        return spaced
    return sum(data.count(tag) for tag in _PLAIN_ROW_TAGS)


def _count_rows(block: bytes, tail: bytes) -> int:
    """Row tags that start in this block; a tag split over the boundary is counted once."""
    window = tail + block
    if b":row" in window:  # namespace-prefixed tags: the exact expression
        return sum(1 for m in _ROW.finditer(window) if m.start() >= len(tail))
    return _plain_row_count(window) - _plain_row_count(tail)


def _highest_row_number(window: bytes) -> int:
    """The r attribute of the last row tag in the window (rows are stored in ascending order)."""
    if b":row" not in window:
        position = window.rfind(b"<row")
        match = _ROW_NUMBER.match(window, position) if position != -1 else None
        if match:
            return int(match.group(1))
    return max((int(m.group(1)) for m in _ROW_NUMBER.finditer(window[-65536:])), default=0)


def _last_row(ref: str) -> int | None:
    """The last row of a dimension like A1:E100 (or A1 for a single cell)."""
    last = ref.split(":")[-1].strip()
    match = _CELL_REF.match(last)
    return int(match.group(1)) if match else None


def check_csv(path: Path, limits: Limits) -> None:
    """A CSV must be text: UTF-8 (with or without BOM), no NUL bytes, not markup or another binary format."""
    lines = 0
    with path.open("rb") as handle:
        head = handle.read(16).lower()
        if head.startswith(_SNIFF_MARKUP) or head.lstrip().startswith(_SNIFF_MARKUP):
            raise UnsafeFileError("Dit is geen spreadsheet of CSV-bestand. Gebruik het sjabloon (.xlsx of .csv).")
        handle.seek(0)
        carry = b""
        while block := handle.read(_CHUNK):
            if b"\x00" in block:
                raise UnsafeFileError("Dit is geen tekstbestand (CSV). Gebruik het sjabloon (.xlsx of .csv).")
            data = carry + block
            # Keep an incomplete multi-byte character for the next block.
            cut = len(data)
            while cut > 0 and cut > len(data) - 4 and (data[cut - 1] & 0xC0) == 0x80:
                cut -= 1
            if cut > 0 and data[cut - 1] >= 0xC0:
                cut -= 1
            try:
                data[:cut].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UnsafeFileError(
                    "Het CSV-bestand is niet in UTF-8 opgeslagen. Kies in Excel 'CSV UTF-8 (door komma's gescheiden)' "
                    "of gebruik het .xlsx-sjabloon."
                ) from exc
            carry = data[cut:]
            lines += block.count(b"\n")
            if lines > limits.max_rows + 100:
                raise UnsafeFileError(
                    f"Het bestand heeft meer dan {limits.max_rows:,} rijen. Splits het in kleinere bestanden.".replace(
                        ",", "."
                    )
                )
        if carry:
            try:
                carry.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UnsafeFileError("Het CSV-bestand is niet in UTF-8 opgeslagen.") from exc


_UNSAFE_NAME = re.compile(r"[^\w .()+-]", re.UNICODE)


def display_name(filename: str | None) -> str:
    """The original file name, reduced to its last path part and safe characters; for display only."""
    name = (filename or "").replace("\\", "/").split("/")[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    return (name or "bestand")[:200]
