"""Hostile and awkward spreadsheet files, generated on the fly (never stored in the repository)."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Presentie" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def xlsx(path: Path, sheet_parts: Iterable[bytes], extra: dict[str, bytes] | None = None) -> Path:
    """A minimal xlsx whose sheet1.xml is written from the given byte chunks (streamed, so it can be huge)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for part in sheet_parts:
                sheet.write(part)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def rows_xml(count: int, first: int = 1) -> Iterable[bytes]:
    """Numbered rows with one numeric cell each, in chunks."""
    chunk: list[bytes] = []
    for r in range(first, first + count):
        chunk.append(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r))
        if len(chunk) == 10_000:
            yield b"".join(chunk)
            chunk = []
    if chunk:
        yield b"".join(chunk)


def sheet(rows: Iterable[bytes], dimension: str | None = None) -> Iterable[bytes]:
    """A worksheet XML document around the given row chunks."""
    yield SHEET_HEAD
    if dimension:
        yield b'<dimension ref="%s"/>' % dimension.encode()
    yield b"<sheetData>"
    yield from rows
    yield b"</sheetData></worksheet>"


def zip_bomb(path: Path, megabytes: int = 200) -> Path:
    """An xlsx whose sheet is megabytes of one repeated character inside a single cell: tiny on disk."""
    block = b"A" * (1024 * 1024)

    def parts() -> Iterable[bytes]:
        yield SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        for _ in range(megabytes):
            yield block
        yield b"</t></is></c></row></sheetData></worksheet>"

    return xlsx(path, parts())


def billion_laughs() -> bytes:
    """The classic entity expansion: a few hundred bytes that expand to gigabytes in a naive parser."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?><!DOCTYPE lolz [' + "".join(entities) + "]>"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    ).encode()


def xxe() -> bytes:
    """An external entity that would read a local file into a shared string."""
    return (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>&xxe;</t></si></sst>"
    )


def lie_about_size(path: Path, member: str, declared: int) -> Path:
    """Rewrite the zip so `member` claims a smaller uncompressed size than it really has."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(member)
    # Local header: uncompressed size at offset 22; central directory entry: at offset 24.
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    name = member.encode()
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_len = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46: position + 46 + name_len]) == name:
            struct.pack_into("<I", data, position + 24, declared)
            break
        position = data.find(b"PK\x01\x02", position + 4)
    path.write_bytes(bytes(data))
    return path


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def plain_zip(path: Path) -> Path:
    """A valid zip that is not a workbook."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hallo")
    return path
