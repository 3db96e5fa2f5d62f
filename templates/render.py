"""Rendering Word templates with docxtpl, safely: sandboxed, escaped, strict about missing data."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from templates.errors import (
    DocumentError,
    MissingVariables,
    RenderError,
    TemplateInvalid,
    UnsafeInput,
)
from templates.filters import FILTERS

# A path into the template data: keys, list indexes, and EACH for "every element of a list".
Segment = str | int
DataPath = tuple[Segment, ...]
EACH = "[]"

# Cc characters other than tab and newline, lone surrogates and the two XML non-characters:
# Word drops or truncates on them, silently (DESIGN section 6).
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# docxtpl turns these into Jinja delimiters after rendering, so a value holding one would change.
_DOCXTPL_ESCAPES = ("{_{", "}_}", "{_%", "%_}")
_SCALARS = (str, int, float, Decimal, date, type(None))
_MAX_DEPTH = 32
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def make_environment() -> ImmutableSandboxedEnvironment:
    """The one Jinja environment templates run in: sandboxed, escaping, strict, Dutch filters."""
    # Immutable: a template must not even change the caller's lists and dicts.
    env = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    env.filters.update(FILTERS)
    return env


@dataclass(frozen=True)
class TemplatePart:
    """One piece of a DOCX that docxtpl renders, as the Jinja source it renders it from."""

    name: str
    source: str

    def line_text(self, lineno: int) -> str:
        """The visible text on a source line (one paragraph per line, as docxtpl splits it)."""
        lines = self.source.splitlines()
        if not 1 <= lineno <= len(lines):
            return ""
        return re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip()


@dataclass(frozen=True)
class Usage:
    """What a template reads from its data, found by reading its Jinja syntax tree."""

    required: frozenset[DataPath]
    optional: frozenset[DataPath]
    private: frozenset[str]


def template_parts(template_bytes: bytes) -> list[TemplatePart]:
    """Body, headers, footers, footnotes and properties of a DOCX, as docxtpl prepares them."""
    tpl = DocxTemplate(io.BytesIO(template_bytes))
    tpl.init_docx()
    parts = [TemplatePart("body", _lines(tpl.patch_xml(tpl.get_xml())))]
    for uri, label in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
        for _key, part in tpl.get_headers_footers(uri):
            xml = tpl.patch_xml(tpl.get_part_xml(part))
            parts.append(TemplatePart(f"{label} {part.partname.lstrip('/')}", _lines(xml)))
    for part in tpl.docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            xml = tpl.patch_xml(part.blob.decode("utf-8"))
            parts.append(TemplatePart(f"footnotes {part.partname.lstrip('/')}", _lines(xml)))
    for prop in _PROPERTIES:
        text = getattr(tpl.docx.core_properties, prop)
        if text:
            parts.append(TemplatePart(f"document property {prop}", text))
    return parts


def _lines(xml: str) -> str:
    # The same split docxtpl makes before rendering, so line numbers mean paragraphs there too.
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def syntax_problem(part: TemplatePart, exc: TemplateSyntaxError) -> str:
    """A Jinja syntax error in words, with the part and paragraph where it is."""
    lineno = exc.lineno or 0
    where = f"{part.name}, paragraph {max(lineno - 1, 1)}"
    text = part.line_text(lineno)
    near = f' (near "{text[:80]}")' if text else ""
    return f"{where}: {exc.message}{near}"


def read_usage(parts: list[TemplatePart]) -> tuple[Usage, list[str]]:
    """What the parts read from their data, and every Jinja syntax error with its place."""
    env = make_environment()
    collector = _Collector(frozenset(env.globals))
    problems = []
    for part in parts:
        try:
            collector.collect(env.parse(part.source))
        except TemplateSyntaxError as exc:
            problems.append(syntax_problem(part, exc))
    usage = Usage(
        frozenset(collector.required), frozenset(collector.optional), frozenset(collector.private)
    )
    return usage, problems


@lru_cache(maxsize=32)
def analyse(template_bytes: bytes) -> Usage:
    """The data paths a template uses; raises TemplateInvalid on Jinja syntax errors."""
    usage, problems = read_usage(template_parts(template_bytes))
    if problems:
        raise TemplateInvalid(problems)
    return usage


Scope = dict[str, DataPath | None]


class _Collector:
    """Walks Jinja syntax trees and notes every path into the data that is read."""

    def __init__(self, builtins: frozenset[str]) -> None:
        self.builtins = builtins
        self.required: set[DataPath] = set()
        self.optional: set[DataPath] = set()
        self.private: set[str] = set()

    def collect(self, tree: nodes.Template) -> None:
        for attr in tree.find_all(nodes.Getattr):
            if attr.attr.startswith("_"):
                self.private.add(attr.attr)
        scope: Scope = {}
        for child in tree.body:
            self.visit(child, scope)

    def visit(self, node: nodes.Node, scope: Scope) -> None:
        handler = getattr(self, "visit_" + type(node).__name__, None)
        if handler is not None:
            handler(node, scope)
            return
        if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
            path = self.resolve(node, scope)
            if path is not None:
                if path:
                    self.required.add(path)
                return
        for child in node.iter_child_nodes():
            self.visit(child, scope)

    def resolve(self, node: nodes.Node, scope: Scope) -> DataPath | None:
        """The data path of a plain chain like `a.b[0]`; () for locals; None when not a chain."""
        segments: list[Segment] = []
        while isinstance(node, nodes.Getattr | nodes.Getitem):
            if isinstance(node, nodes.Getattr):
                segments.append(node.attr)
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int):
                segments.append(node.arg.value)
            else:
                return None
            node = node.node
        if not isinstance(node, nodes.Name):
            return None
        segments.reverse()
        if node.name in scope:
            base = scope[node.name]
            return () if base is None else base + tuple(segments)
        if node.name in self.builtins:
            return ()
        return (node.name, *segments)

    def visit_For(self, node: nodes.For, scope: Scope) -> None:
        self.visit(node.iter, scope)
        inner: Scope = {**scope, "loop": None}
        for name in node.target.find_all(nodes.Name):
            inner[name.name] = None
        iterated = self.resolve(node.iter, scope)
        if isinstance(node.target, nodes.Name) and iterated:
            inner[node.target.name] = (*iterated, EACH)
        for child in [node.test, *node.body]:
            if child is not None:
                self.visit(child, inner)
        for child in node.else_:
            self.visit(child, scope)

    def visit_Assign(self, node: nodes.Assign, scope: Scope) -> None:
        self.visit(node.node, scope)
        for name in node.target.find_all(nodes.Name):
            scope[name.name] = None

    def visit_AssignBlock(self, node: nodes.AssignBlock, scope: Scope) -> None:
        for child in node.body:
            self.visit(child, scope)
        for name in node.target.find_all(nodes.Name):
            scope[name.name] = None

    def visit_With(self, node: nodes.With, scope: Scope) -> None:
        for value in node.values:
            self.visit(value, scope)
        inner = dict(scope)
        for target in node.targets:
            for name in target.find_all(nodes.Name):
                inner[name.name] = None
        for child in node.body:
            self.visit(child, inner)

    def visit_Macro(self, node: nodes.Macro, scope: Scope) -> None:
        scope[node.name] = None
        self._callable_body(node.args, node.defaults, node.body, scope)

    def visit_CallBlock(self, node: nodes.CallBlock, scope: Scope) -> None:
        self.visit(node.call, scope)
        self._callable_body(node.args, node.defaults, node.body, scope)

    def _callable_body(
        self,
        args: list[nodes.Name],
        defaults: list[nodes.Expr],
        body: list[nodes.Node],
        scope: Scope,
    ) -> None:
        for default in defaults:
            self.visit(default, scope)
        names = [arg.name for arg in args] + ["caller", "varargs", "kwargs"]
        inner: Scope = {**scope, **dict.fromkeys(names)}
        for child in body:
            self.visit(child, inner)

    def visit_Test(self, node: nodes.Test, scope: Scope) -> None:
        # `x is defined` is how an author says x may be absent.
        self._maybe_optional(node, node.name in {"defined", "undefined"}, scope)

    def visit_Filter(self, node: nodes.Filter, scope: Scope) -> None:
        self._maybe_optional(node, node.name in {"default", "d"}, scope)

    def _maybe_optional(
        self, node: nodes.Test | nodes.Filter, optional: bool, scope: Scope
    ) -> None:
        path = self.resolve(node.node, scope) if optional and node.node is not None else None
        if path:
            self.optional.add(path)
        elif node.node is not None:
            self.visit(node.node, scope)
        for child in [
            *node.args,
            *(kw.value for kw in node.kwargs),
            node.dyn_args,
            node.dyn_kwargs,
        ]:
            if child is not None:
                self.visit(child, scope)


def format_path(path: DataPath, *, indexes: bool = True) -> str:
    """`tenant.name`, `obligations[2].text`, or with indexes=False `obligations[].text`."""
    text = ""
    for segment in path:
        if segment == EACH or (isinstance(segment, int) and not indexes):
            text += "[]"
        elif isinstance(segment, int):
            text += f"[{segment}]"
        else:
            text += f".{segment}" if text else segment
    return text


def missing_variables(usage: Usage, data: Mapping[str, Any]) -> list[str]:
    """Every path the template reads that the data lacks, shallowest first, sorted."""
    missing: set[str] = set()
    for path in usage.required:
        if any(path[: len(opt)] == opt for opt in usage.optional):
            continue
        missing.update(_walk(data, path, ()))
    return sorted(missing)


def _walk(value: Any, rest: DataPath, seen: DataPath) -> Iterator[str]:
    if not rest or value is None:
        # None means "absent on purpose"; the template guards it with an if, or StrictUndefined
        # stops the render when it does not.
        return
    segment, tail = rest[0], rest[1:]
    if segment == EACH:
        if isinstance(value, list | tuple):
            for index, item in enumerate(value):
                yield from _walk(item, tail, (*seen, index))
        return
    if isinstance(value, Mapping):
        if segment in value:
            yield from _walk(value[segment], tail, (*seen, segment))
        elif not (isinstance(segment, str) and hasattr(value, segment)):
            yield format_path((*seen, segment))
    elif isinstance(value, list | tuple) and isinstance(segment, int):
        if -len(value) <= segment < len(value):
            yield from _walk(value[segment], tail, (*seen, segment))
        else:
            yield format_path((*seen, segment))
    # Anything else is an attribute or method of a value (e.g. `name.upper()`): the render decides.


def check_data(data: Any, field: str = "", depth: int = 0) -> None:
    """Refuse data that would corrupt a document silently: control characters, lone surrogates."""
    where = field or "data"
    if depth > _MAX_DEPTH:
        raise UnsafeInput(where, f"nested deeper than {_MAX_DEPTH} levels")
    if isinstance(data, str):
        bad = _FORBIDDEN.search(data)
        if bad:
            char = bad.group()
            kind = "lone surrogate" if "\ud800" <= char <= "\udfff" else "control character"
            raise UnsafeInput(where, f"{kind} U+{ord(char):04X} at position {bad.start()}")
        for marker in _DOCXTPL_ESCAPES:
            if marker in data:
                raise UnsafeInput(where, f"the sequence {marker!r} would be changed by docxtpl")
    elif isinstance(data, Mapping):
        for key, value in data.items():
            if not isinstance(key, str):
                raise UnsafeInput(where, f"key {key!r} is not a string")
            check_data(key, where, depth + 1)
            check_data(value, f"{field}.{key}" if field else key, depth + 1)
    elif isinstance(data, list | tuple):
        for index, item in enumerate(data):
            check_data(item, f"{where}[{index}]", depth + 1)
    elif not isinstance(data, _SCALARS):
        # Only plain data: objects would widen what a template can reach.
        raise UnsafeInput(where, f"values of type {type(data).__name__} are not allowed")


class _StrictDocxTemplate(DocxTemplate):  # type: ignore[misc]
    """A DocxTemplate that refuses a broken body instead of letting lxml "recover" it."""

    def fix_tables(self, xml: str) -> Any:
        # docxtpl parses with recover=True, which silently drops what a misplaced tag broke.
        try:
            etree.fromstring(xml.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            raise RenderError(
                "the rendered document is not well-formed Word XML "
                f"({exc}); a tag such as {{% if %}} probably cuts through a paragraph or table"
            ) from exc
        return super().fix_tables(xml)


def render_docx(template_bytes: bytes, data: Mapping[str, Any]) -> bytes:
    """Render a DOCX template with data; raises UnsafeInput, MissingVariables or RenderError."""
    check_data(data)
    try:
        usage = analyse(template_bytes)
    except DocumentError:
        raise
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        raise TemplateInvalid([f"Word cannot open this template: {exc}"]) from exc
    missing = missing_variables(usage, data)
    if missing:
        raise MissingVariables(missing)
    # A fresh DocxTemplate every time: reusing one corrupts later renders (DESIGN section 6).
    tpl = _StrictDocxTemplate(io.BytesIO(template_bytes))
    try:
        tpl.render(dict(data), make_environment(), autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
    except DocumentError:
        raise
    except SecurityError as exc:
        raise RenderError(f"the template tried something the sandbox forbids: {exc}") from exc
    except UndefinedError as exc:
        raise MissingVariables([_undefined_name(exc)]) from exc
    except TemplateError as exc:
        raise RenderError(f"the template failed: {exc}") from exc
    except Exception as exc:  # a library boundary: any failure is a RenderError with its reason
        raise RenderError(f"rendering failed: {type(exc).__name__}: {exc}") from exc
    return out.getvalue()


def _undefined_name(exc: UndefinedError) -> str:
    found = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", str(exc))
    if found:
        return found.group(1) or found.group(2)
    return str(exc)
