"""Checking an uploaded Word template before it is stored: size, references, syntax, variables."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from templates.errors import TemplateInvalid
from templates.render import (
    EACH,
    DataPath,
    format_path,
    read_usage,
    template_parts,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
# Read from the zip directory before anything is decompressed: a 1 MB DOCX that expands to
# 1 GiB ran docxtpl out of memory, and Python never inflates past the declared sizes.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 1000

_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Hyperlinks are clicked by a reader, never fetched by the converter; everything else is.
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# Word fields that make the converter read another file or program.
_FETCHING_FIELDS = re.compile(r"\b(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|LINK|DDE|DDEAUTO|IMPORT)\b")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

Known = set[str] | frozenset[str] | Mapping[str, Any]


def check_template(docx_bytes: bytes, known_variables: Known) -> list[str]:
    """Every reason the template is unusable, cheapest checks first; [] when it is fine."""
    if len(docx_bytes) > MAX_FILE_BYTES:
        return [f"the file is {len(docx_bytes):,} bytes; the limit is {MAX_FILE_BYTES:,}"]
    try:
        archive = zipfile.ZipFile(io.BytesIO(docx_bytes))
    except (zipfile.BadZipFile, ValueError, EOFError):
        return ["this is not a Word document (.docx): it is not a zip archive"]
    with archive:
        problems = _directory_problems(archive.infolist())
        if problems:
            return problems
        problems = _reference_problems(archive)
    if problems:
        return problems
    return _jinja_problems(docx_bytes, known_variables)


def ensure_valid_template(docx_bytes: bytes, known_variables: Known) -> None:
    """check_template that raises TemplateInvalid with the problems instead of returning them."""
    problems = check_template(docx_bytes, known_variables)
    if problems:
        raise TemplateInvalid(problems)


def _directory_problems(entries: list[zipfile.ZipInfo]) -> list[str]:
    if len(entries) > MAX_ENTRIES:
        return [f"the archive holds {len(entries):,} files; the limit is {MAX_ENTRIES:,}"]
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        return [
            f"the archive would unpack to {unpacked:,} bytes; the limit is "
            f"{MAX_UNPACKED_BYTES:,} (a zip bomb or a document with huge images)"
        ]
    names = {entry.filename for entry in entries}
    missing = [name for name in ("[Content_Types].xml", "word/document.xml") if name not in names]
    if missing:
        return [f"this is not a Word document: {', '.join(missing)} is missing"]
    return []


def _reference_problems(archive: zipfile.ZipFile) -> list[str]:
    problems: list[str] = []
    for name in archive.namelist():
        if not name.endswith((".xml", ".rels")):
            continue
        with archive.open(name) as entry:
            head = entry.read(2048)
        if b"<!DOCTYPE" in head:
            problems.append(f"{name} declares a DOCTYPE, which Word never writes")
            continue
        if name.endswith(".rels"):
            problems.extend(_relationship_problems(name, archive.read(name)))
        elif name.startswith("word/") and re.match(
            r"word/(document|header\d*|footer\d*)\.xml$", name
        ):
            problems.extend(_field_problems(name, archive.read(name)))
    return problems


def _parse(name: str, xml: bytes) -> etree._Element | str:
    try:
        return etree.fromstring(xml, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        return f"{name} is not well-formed XML: {exc}"


def _relationship_problems(name: str, xml: bytes) -> list[str]:
    root = _parse(name, xml)
    if isinstance(root, str):
        return [root]
    problems = []
    for rel in root.iter(f"{_REL_NS}Relationship"):
        target = (rel.get("Target") or "").strip()
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        lowered = target.lower()
        if lowered.startswith("file:") or target.startswith("\\\\"):
            problems.append(f"{name}: a {kind} refers to the local file {target!r}")
        elif rel.get("TargetMode") == "External" and not (
            kind == "hyperlink" and lowered.startswith(_LINK_SCHEMES)
        ):
            problems.append(f"{name}: a {kind} refers to the outside address {target!r}")
    return problems


def _field_problems(name: str, xml: bytes) -> list[str]:
    root = _parse(name, xml)
    if isinstance(root, str):
        return [root]
    # A field instruction may be split over several runs; joined, it reads as Word reads it.
    instructions = "".join(node.text or "" for node in root.iter(f"{_W_NS}instrText"))
    instructions += " ".join(
        node.get(f"{_W_NS}instr", "") for node in root.iter(f"{_W_NS}fldSimple")
    )
    found = sorted(set(_FETCHING_FIELDS.findall(instructions.upper())))
    return [f"{name}: the field {field} would fetch outside content" for field in found]


def _jinja_problems(docx_bytes: bytes, known_variables: Known) -> list[str]:
    try:
        parts = template_parts(docx_bytes)
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        return [f"Word cannot open this document: {type(exc).__name__}: {exc}"]
    usage, problems = read_usage(parts)
    if problems:
        return problems
    known = (
        schema_paths(known_variables) if isinstance(known_variables, Mapping) else known_variables
    )
    # A private attribute is reported once below, as what it is, not as an unknown variable.
    public = (p for p in usage.required if not any(str(s).startswith("_") for s in p))
    unknown = sorted({format_path(path, indexes=False) for path in public})
    unknown = [name for name in unknown if not _is_known(name, known)]
    if unknown:
        problems.append("unknown variables (not in this kind's data): " + ", ".join(unknown))
    if usage.private:
        names = ", ".join(sorted(usage.private))
        problems.append(
            f"the template reads private attributes ({names}); the sandbox refuses them"
        )
    return problems


def schema_paths(schema: Mapping[str, Any], prefix: DataPath = ()) -> set[str]:
    """The leaf paths of a data schema: `tenant.name`, `obligations[].text`, `tags[]`."""
    paths: set[str] = set()
    for key, shape in schema.items():
        paths.update(_shape_paths(shape, (*prefix, key.rstrip("?"))))
    return paths


def _shape_paths(shape: Any, path: DataPath) -> Iterable[str]:
    if isinstance(shape, Mapping):
        return schema_paths(shape, path)
    if isinstance(shape, list) and shape:
        return _shape_paths(shape[0], (*path, EACH))
    return {format_path(path, indexes=False)}


def _is_known(name: str, known: set[str] | frozenset[str]) -> bool:
    if name in known:
        return True
    for leaf in known:
        # A container of known leaves (`tenant` in `{% if tenant %}`) ...
        if leaf.startswith((name + ".", name + "[")):
            return True
        # ... or an attribute of a known value (`tenant.name.upper()`).
        if name.startswith((leaf + ".", leaf + "[")):
            return True
    return False
