"""Reading a DOCX package safely: every entry inflated under hard limits, then repacked honestly."""

from __future__ import annotations

import codecs
import io
import struct
import zipfile
import zlib

from lxml import etree

from templates.errors import TemplateInvalid

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 1000
# Inflating in slices bounds memory whatever an entry claims: zipfile's read() inflates a
# whole entry in one call and only then cuts it to the declared size (1 GB for a 9 kB claim).
_SLICE = 256 * 1024
# APPNOTE 4.3.7: the local file header, 30 bytes, then the name and the extra field.
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_SIGNATURE = 0x04034B50
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)

Entries = dict[str, bytes]


def read_package(data: bytes) -> Entries:
    """Every file of a zip archive by name, each checked against what the directory declares.

    Raises TemplateInvalid with one plain reason for anything that is not an honest zip:
    too large, too many entries, an entry that inflates past its declared size or the total
    budget, a bad checksum, encryption, an unknown compression method, a duplicate name.
    """
    if len(data) > MAX_FILE_BYTES:
        raise _invalid(f"the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise _invalid("this is not a Word document (.docx): it is not a zip archive") from None
    if len(infos) > MAX_ENTRIES:
        raise _invalid(f"the archive holds {len(infos):,} files; the limit is {MAX_ENTRIES:,}")
    declared = sum(info.file_size for info in infos)
    if declared > MAX_UNPACKED_BYTES:
        raise _invalid(
            f"the archive would unpack to {declared:,} bytes; the limit is "
            f"{MAX_UNPACKED_BYTES:,} (a zip bomb or a document with huge images)"
        )
    entries: Entries = {}
    budget = MAX_UNPACKED_BYTES
    for info in infos:
        if info.filename in entries:
            raise _invalid(f"the archive holds two files named {info.filename}")
        content = _inflate(data, info, budget)
        budget -= len(content)
        entries[info.filename] = content
    return entries


def repack(entries: Entries) -> bytes:
    """A new zip of the entries, whose directory tells the truth about every size."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def safe_docx(data: bytes) -> bytes:
    """The DOCX rebuilt from limited reads: what python-docx and docxtpl may then open."""
    return repack(read_package(data))


def _inflate(data: bytes, info: zipfile.ZipInfo, budget: int) -> bytes:
    name = info.filename
    if info.flag_bits & 0x1:
        raise _invalid(f"{name} is encrypted, which a Word template never is")
    start = _data_start(data, info)
    raw = data[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise _damaged(name, "it is cut short")
    if info.compress_type == zipfile.ZIP_STORED:
        content = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        content = _limited_inflate(name, raw, min(info.file_size, budget), info.file_size)
    else:
        raise _invalid(
            f"{name} uses compression method {info.compress_type}, which Word never uses"
        )
    if len(content) != info.file_size:
        raise _damaged(name, f"it declares {info.file_size:,} bytes but holds {len(content):,}")
    if zlib.crc32(content) != info.CRC:
        raise _damaged(name, "its checksum (CRC) does not match")
    return content


def _limited_inflate(name: str, raw: bytes, limit: int, declared: int) -> bytes:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    parts: list[bytes] = []
    produced = 0
    pending = raw
    try:
        while True:
            chunk = inflater.decompress(pending, _SLICE)
            produced += len(chunk)
            if produced > limit:
                if produced > declared:
                    raise _invalid(
                        f"{name} inflates to more than the {declared:,} bytes it declares "
                        "(a zip bomb); the archive is refused"
                    )
                raise _invalid(
                    f"the archive unpacks to more than {MAX_UNPACKED_BYTES:,} bytes "
                    "(a zip bomb or a document with huge images)"
                )
            parts.append(chunk)
            pending = inflater.unconsumed_tail
            if inflater.eof or not (pending or chunk):
                break
    except zlib.error:
        raise _damaged(name, "its compressed data is broken") from None
    if not inflater.eof:
        raise _damaged(name, "its compressed data ends too early")
    return b"".join(parts)


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int:
    offset = info.header_offset
    header = data[offset : offset + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise _damaged(info.filename, "its header is missing")
    fields = _LOCAL_HEADER.unpack(header)
    name_length, extra_length = int(fields[-2]), int(fields[-1])
    start = offset + _LOCAL_HEADER.size
    local_name = data[start : start + name_length]
    # A second name in the local header is how one archive shows two readers two files.
    if fields[0] != _LOCAL_SIGNATURE or local_name != info.orig_filename.encode(
        "utf-8" if info.flag_bits & 0x800 else "cp437"
    ):
        raise _damaged(info.filename, "its header does not match the archive directory")
    return start + name_length + extra_length


def xml_problems(entries: Entries) -> list[str]:
    """Every XML entry that is not well-formed or declares a DTD (Word never writes one)."""
    problems = []
    for name, content in entries.items():
        if not (name.lower().endswith(_XML_SUFFIXES) or _looks_like_xml(content)):
            continue
        problem = _xml_problem(name, content)
        if problem:
            problems.append(problem)
    return problems


def parse_xml(content: bytes) -> etree._Element:
    """An XML entry parsed without a DTD, entities or network; raises XMLSyntaxError."""
    return etree.fromstring(content, _XML_PARSER)


def _xml_problem(name: str, content: bytes) -> str | None:
    try:
        root = parse_xml(content)
    except etree.XMLSyntaxError as exc:
        return f"{name} is not well-formed XML: {exc}"
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        return f"{name} declares a DOCTYPE (a DTD), which Word never writes"
    return None


def _looks_like_xml(content: bytes) -> bool:
    head = content[:64]
    for bom in _BOMS:
        if head.startswith(bom):
            return True
    return head.lstrip().startswith(b"<")


def _invalid(reason: str) -> TemplateInvalid:
    return TemplateInvalid([reason])


def _damaged(name: str, why: str) -> TemplateInvalid:
    return TemplateInvalid([f"the archive is damaged: {name}: {why}"])
