"""Check an uploaded file before any parser touches it: size, real type, zip bombs, XML tricks, formulas.

Parsers trust what a file says about itself (declared sizes, the sheet's <dimension>, DOCTYPEs). Every
check here reads the file as a bounded stream, so a hostile file costs little memory and time and is
refused with a plain-Dutch message instead of being parsed.
"""

from __future__ import annotations

import codecs
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
MACROS = (
    "Dit is een Excel-werkmap met macro's (.xlsm). Zulke bestanden verwerkt het portaal niet, omdat macro's "
    "schadelijke code kunnen bevatten. Sla het bestand in Excel op via Bestand > Opslaan als > "
    "'Excel-werkmap (*.xlsx)' en upload dat bestand."
)
OLD_EXCEL = (
    "Dit is een Excel 97-2003-bestand (.xls) of een met een wachtwoord beveiligd bestand. Sla het in Excel op via "
    "Bestand > Opslaan als > 'Excel-werkmap (*.xlsx)', zonder wachtwoord, en upload dat bestand."
)
ENCODING = (
    "Het CSV-bestand gebruikt een tekencodering die het portaal niet kan lezen (bijvoorbeeld een MS-DOS- of "
    "Macintosh-indeling), waardoor letters als é en ü verkeerd zouden worden ingelezen. Sla het bestand in Excel op "
    "via Bestand > Opslaan als > 'CSV UTF-8 (door komma's gescheiden) (*.csv)', of gebruik het .xlsx-sjabloon."
)
NOT_TEXT = "Dit is geen tekstbestand (CSV). Gebruik het sjabloon (.xlsx of .csv)."
_MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam", ".xlsb")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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


def inspect(path: Path, limits: Limits = Limits(), filename: str | None = None) -> Inspection:
    """Refuse the file unless it is a well-formed, bounded xlsx without macros or a text CSV; check by content.

    The original file name only adds a refusal: a macro-enabled workbook (.xlsm …) is refused even when it holds
    no macros today, as people expect.
    """
    if filename and filename.strip().lower().endswith(_MACRO_EXTENSIONS):
        raise UnsafeFileError(MACROS)
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
    if head.startswith(_OLE2_MAGIC):
        raise UnsafeFileError(OLD_EXCEL)
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
        content_types = _check_small_xml(archive, "[Content_Types].xml")
        _check_small_xml(archive, "xl/workbook.xml")
        # Macros live in a vbaProject part and make the workbook's content type "macroEnabled".
        if any("vbaproject" in name.lower() for name in names) or re.search(
            rb"macroenabled|vbaproject", content_types, re.IGNORECASE
        ):
            raise UnsafeFileError(MACROS)
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


def _check_small_xml(archive: zipfile.ZipFile, name: str) -> bytes:
    """Parse small package parts with defusedxml: refuses DTDs, entity expansion and external entities."""
    data = _read_bounded(archive, name, 5 * 1024 * 1024)
    try:
        SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise UnsafeFileError(DTD_REFUSED) from exc
    except SafeET.ParseError as exc:
        raise UnsafeFileError("Het bestand is beschadigd. Sla het opnieuw op als .xlsx.") from exc
    return data


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
    """A CSV must be text in an encoding we read correctly, not markup or another binary format, within the cap."""
    with path.open("rb") as handle:
        head = handle.read(16).lower()
    if head.startswith(_SNIFF_MARKUP) or head.lstrip().startswith(_SNIFF_MARKUP):
        raise UnsafeFileError("Dit is geen spreadsheet of CSV-bestand. Gebruik het sjabloon (.xlsx of .csv).")
    csv_encoding(path, max_lines=limits.max_rows + 100)


# Undefined in Windows-1252: a file with these bytes was written in another code page.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# Control characters never typed into a spreadsheet cell (tab, line feed, carriage return are).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What MS-DOS (cp850/437) and Macintosh letters such as é ü ä ë ç ö become when read as Windows-1252: punctuation
# glued to a letter ("Ren‚", "M„rz"), a quote, ellipsis or dash inside a word ("K”ln", "Pe–a"), or a capital
# right after a small letter ("JosŽ", "MŸller"). Real Windows-1252 text has none of these.
_MOJIBAKE = re.compile(
    "[^\\W\\d_][\u201a\u0192\u201e\u2020\u2021\u02c6\u2030\u2039\u203a\u2022\u02dc\u2122\u20ac"
    "\u00a1\u00a2\u00a4\u00a6\u00a8\u00ac\u00af\u00b4\u00b8]"
    "|[^\\W\\d_][\u2018\u201c\u201d\u2026\u2013\u2014][^\\W\\d_]"
    "|[a-z\u00df-\u00ff][\u0160\u0152\u017d\u0178\u00c0-\u00d6\u00d8-\u00de]"
)


def csv_encoding(path: Path, max_lines: int | None = None) -> str:
    """The encoding to read a CSV file with: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252.

    Excel writes "CSV UTF-8" with a BOM, "Unicode-tekst" as UTF-16 with a BOM, and plain "CSV (gescheiden door
    lijstscheidingsteken)" in Windows-1252 on Dutch Windows. A file that is valid UTF-8 is UTF-8; anything else
    must pass as Windows-1252 text. Other encodings are refused with ENCODING rather than read with wrong letters.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise UnsafeFileError(ENCODING)  # UTF-32
    marked = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else (
        "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else None)
    if marked is not None:  # the byte order mark says which encoding; then it must decode as that
        try:
            _check_text(path, marked, max_lines)
        except UnicodeDecodeError as exc:
            raise UnsafeFileError(ENCODING) from exc
        return marked
    try:
        _check_text(path, "utf-8", max_lines)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        _check_text(path, "cp1252", max_lines)
    except UnicodeDecodeError as exc:
        raise UnsafeFileError(ENCODING) from exc
    return "cp1252"


def _check_text(path: Path, encoding: str, max_lines: int | None) -> None:
    """Decode the whole file as a stream; refuse NUL and control characters, mojibake and too many lines.

    Raises UnicodeDecodeError when the bytes are not valid in `encoding` (the caller may try another).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = 0
    tail = ""
    with path.open("rb") as handle:
        while True:
            block = handle.read(_CHUNK)
            final = not block
            if encoding in ("utf-8", "utf-8-sig", "cp1252") and b"\x00" in block:
                raise UnsafeFileError(ENCODING if _looks_like_utf16(block) else NOT_TEXT)
            if encoding == "cp1252" and _CP1252_UNDEFINED.search(block):
                raise UnicodeDecodeError(encoding, block, 0, 1, "undefined in Windows-1252")
            text = decoder.decode(block, final=final)
            if "\x00" in text:
                raise UnsafeFileError(NOT_TEXT)
            if _CONTROL.search(text):
                raise UnsafeFileError(ENCODING if encoding == "cp1252" else NOT_TEXT)
            if encoding == "cp1252" and _MOJIBAKE.search(tail + text):
                raise UnsafeFileError(ENCODING)
            tail = text[-2:]
            lines += text.count("\n")
            if max_lines is not None and lines > max_lines:
                raise UnsafeFileError(
                    f"Het bestand heeft meer dan {max_lines - 100:,} rijen. Splits het in kleinere bestanden.".replace(
                        ",", "."
                    )
                )
            if final:
                return


def _looks_like_utf16(block: bytes) -> bool:
    """UTF-16 without a BOM: text with a NUL byte next to nearly every ASCII character."""
    sample = block[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return len(sample) >= 4 and min(even, odd) == 0 and max(even, odd) > len(sample) // 4


_UNSAFE_NAME = re.compile(r"[^\w .()+-]", re.UNICODE)


def display_name(filename: str | None) -> str:
    """The original file name, reduced to its last path part and safe characters; for display only."""
    name = (filename or "").replace("\\", "/").split("/")[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    return (name or "bestand")[:200]
