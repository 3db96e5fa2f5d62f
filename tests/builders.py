"""Files tests are made of, built in code: Word documents with Jinja tags, hostile values,
zip bombs and edited entries, and PDFs of plain text."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import docx
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

HOSTILE = [
    "&",
    "<",
    ">",
    "'\"",
    "Ünal & Zoë <van 't Hek>",
    'Wonen <Utrecht> & "Partners" \'s-Hertogenbosch',
    "emoji 😀 en ✓",
    "regel 1\nregel 2\nregel 3",
    "kolom\tkolom",
    "]]> <w:p> &amp; {{ not_a_tag }} {% if %}",
]


LONG_OBLIGATION = " ".join(f"Afspraak{i} Ünal & Zoë <{i}>" for i in range(250))[:5000]


RELS = "word/_rels/document.xml.rels"


def make_docx(*paragraphs: str, header: str | None = None, table: list[str] | None = None) -> bytes:
    """A small DOCX whose paragraphs (and optional header and one-row table) hold Jinja tags."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=1)
        for row, text in zip(grid.rows, table, strict=True):
            row.cells[0].text = text
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def text_of(docx_bytes: bytes) -> str:
    """Every paragraph of body, tables and headers, as Word would show the text."""
    document = docx.Document(io.BytesIO(docx_bytes))
    lines = [p.text for p in document.paragraphs]
    lines += [p.text for t in document.tables for c in t._cells for p in c.paragraphs]
    lines += [p.text for s in document.sections for p in s.header.paragraphs]
    return "\n".join(lines)


def zeros_stream(mebibytes: int, prefix: bytes = b"") -> bytes:
    """A raw deflate stream of `prefix` then `mebibytes` MiB of zeros, built in a split second.

    A full flush ends a deflate segment byte-aligned with an empty dictionary, so one
    compressed MiB repeated verbatim is a valid stream of many MiB.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return head + block * mebibytes + compressor.flush()


def forged_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of (name, raw deflate stream, CRC-32, declared size), whatever they are."""
    local, central = b"", b""
    for name, data, checksum, size in entries:
        encoded = name.encode()
        offset = len(local)
        fields = (20, 0, 8, 0, 0, checksum, len(data), size, len(encoded))
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + encoded + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset)
        central += encoded
    count = len(entries)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(local), 0)
    return local + central + end


def honest(name: str, content: bytes) -> tuple[str, bytes, int, int]:
    return name, zlib.compress(content)[2:-4], zlib.crc32(content), len(content)


def deflate_bomb_zip(gib: int = 1) -> bytes:
    """A zip whose word/document.xml inflates to `gib` GiB of zeros, and says so."""
    mebibytes = 1024 * gib
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(bytes(1 << 20), crc)
    types = b'<?xml version="1.0"?><Types/>'
    stream = zeros_stream(mebibytes)
    return forged_zip(
        [honest("[Content_Types].xml", types), ("word/document.xml", stream, crc, mebibytes << 20)]
    )


def lying_bomb_docx(*, bad_crc: bool = False, gib: int = 1) -> bytes:
    """A real template whose word/document.xml declares its true size but inflates to 1 GiB.

    The stream starts with the real document.xml, whose size and checksum the directory
    gives: zipfile then reads it as that document, after inflating the whole GiB.
    """
    entries = []
    with zipfile.ZipFile(io.BytesIO(make_docx("Beste {{ tenant.name }},"))) as archive:
        for info in archive.infolist():
            content = archive.read(info)
            if info.filename != "word/document.xml":
                entries.append(honest(info.filename, content))
                continue
            crc = zlib.crc32(content) ^ (1 if bad_crc else 0)
            stream = zeros_stream(1024 * gib, prefix=content)
            entries.append((info.filename, stream, crc, len(content)))
    return forged_zip(entries)


def with_entry(docx_bytes: bytes, name: str, change: str, replace: str) -> bytes:
    """A copy of a DOCX with one text replaced inside one of its entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as src, zipfile.ZipFile(out, "w") as dst:
        for entry in src.infolist():
            data = src.read(entry)
            if entry.filename == name:
                text = data.decode("utf-8")
                assert change in text
                data = text.replace(change, replace, 1).encode("utf-8")
            dst.writestr(entry, data)
    return out.getvalue()


def with_relationship(docx_bytes: bytes, rel_type: str, target: str) -> bytes:
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    rel = (
        f'<Relationship Id="rId99" Type="{base}{rel_type}" Target="{target}" '
        'TargetMode="External"/>'
    )
    return with_entry(docx_bytes, RELS, "</Relationships>", rel + "</Relationships>")


def make_pdf(*texts: str, writer: PdfWriter | None = None) -> bytes:
    """A PDF with one page of plain Helvetica text per argument, built with pypdf alone."""
    writer = writer or PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for text in texts:
        page = writer.add_blank_page(595, 842)
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
