"""Checking an uploaded Word template before it is stored: size, references, syntax, variables."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from templates.errors import DocumentError, TemplateInvalid
from templates.package import Entries, parse_xml, read_package, repack, xml_problems
from templates.render import render_docx
from templates.usage import EACH, DataPath, format_path, read_usage, template_parts

# A template is tried with sample data at upload; far longer than a real render takes.
CHECK_TIME_LIMIT = 10.0
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Hyperlinks are clicked by a reader, never fetched by the converter; everything else is.
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# Word fields that make the converter read another file or program.
_FETCHING_FIELDS = re.compile(r"\b(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|LINK|DDE|DDEAUTO|IMPORT)\b")
_WORD_PART = re.compile(r"word/(document|header\d*|footer\d*)\.xml$")
_SAMPLES = {
    "str": "Voorbeeld & Zn <BV>",
    "text": "Eerste regel & <tweede>\nTweede regel",
    "date": "2024-06-12",
    "datetime": "2024-06-12T14:03:09+00:00",
    "money": "1234.56",
    "int": 3,
    "iban": "NL91ABNA0417164300",
    "bool": True,
}

Known = set[str] | frozenset[str] | Mapping[str, Any]


def check_template(docx_bytes: bytes, known_variables: Known) -> list[str]:
    """Every reason the template is unusable, cheapest checks first; [] when it is fine.

    Every entry is inflated under hard limits (templates.package) before anything reads it;
    with a data schema the template is finally rendered once with sample data, under the
    same time and size limits as a real render.
    """
    try:
        entries = read_package(docx_bytes)
    except TemplateInvalid as exc:
        return exc.problems
    missing = [name for name in ("[Content_Types].xml", "word/document.xml") if name not in entries]
    if missing:
        return [f"this is not a Word document: {', '.join(missing)} is missing"]
    problems = xml_problems(entries) or _reference_problems(entries)
    if problems:
        return problems
    docx = repack(entries)
    problems = _jinja_problems(docx, known_variables)
    if problems or not isinstance(known_variables, Mapping):
        return problems
    return _trial_problems(docx, known_variables)


def ensure_valid_template(docx_bytes: bytes, known_variables: Known) -> None:
    """check_template that raises TemplateInvalid with the problems instead of returning them."""
    problems = check_template(docx_bytes, known_variables)
    if problems:
        raise TemplateInvalid(problems)


def _reference_problems(entries: Entries) -> list[str]:
    problems: list[str] = []
    for name, content in entries.items():
        if name.endswith(".rels"):
            problems.extend(_relationship_problems(name, content))
        elif _WORD_PART.match(name):
            problems.extend(_field_problems(name, content))
    return problems


def _parse(name: str, xml: bytes) -> etree._Element | str:
    try:
        return parse_xml(xml)
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
    # A public path; a private attribute is reported once below, as what it is.
    public = (p for p in usage.required if not any(str(s).startswith("_") for s in p))
    names = sorted({format_path(path, indexes=False) for path in public})
    if isinstance(known_variables, Mapping):
        leaves = schema_paths(known_variables)
        not_data = [name for name in names if _beyond_leaf(name, leaves)]
        unknown = [n for n in names if n not in not_data and not _is_known(n, leaves)]
    else:  # a set of top-level names: only the first segment can be checked
        not_data = []
        unknown = [n for n in names if re.split(r"[.\[]", n, maxsplit=1)[0] not in known_variables]
    if unknown:
        problems.append("unknown variables (not in this kind's data): " + ", ".join(unknown))
    for name in not_data:
        attribute = name.rsplit(".", 1)[-1]
        problems.append(
            f"{name} is not data: {attribute!r} is not a field of this kind's data (a method of "
            f"the value prints as a function; call it as {attribute}() or name a field)"
        )
    if usage.private:
        names = sorted(usage.private)
        problems.append(
            f"the template reads private attributes ({', '.join(names)}); the sandbox refuses them"
        )
    return problems


def _trial_problems(docx_bytes: bytes, schema: Mapping[str, Any]) -> list[str]:
    try:
        render_docx(docx_bytes, sample_data(schema), time_limit=CHECK_TIME_LIMIT)
    except TemplateInvalid as exc:
        return exc.problems
    except DocumentError as exc:
        return [f"rendering with sample data failed: {exc}"]
    return []


def sample_data(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Data in the schema's shape: every optional key given, every list with three items."""
    return {key.rstrip("?"): _sample(shape) for key, shape in schema.items()}


def _sample(shape: Any) -> Any:
    if isinstance(shape, Mapping):
        return sample_data(shape)
    if isinstance(shape, list):
        return [_sample(shape[0]) for _ in range(3)] if shape else []
    return _SAMPLES.get(shape, "Voorbeeld")


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
    # A leaf, or a container of known leaves (`tenant` in `{% if tenant %}`).
    return name in known or any(leaf.startswith((name + ".", name + "[")) for leaf in known)


def _beyond_leaf(name: str, known: set[str] | frozenset[str]) -> bool:
    # `tenant.name.upper` without (): an attribute of a value, which prints as a function.
    return not _is_known(name, known) and any(name.startswith(leaf + ".") for leaf in known)
