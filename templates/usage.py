"""What a template reads from its data and what it may not do, read from Jinja's syntax tree."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import unescape

from jinja2 import TemplateSyntaxError, meta, nodes

from templates.errors import TemplateInvalid
from templates.filters import FILTERS
from templates.package import safe_docx
from templates.sandbox import TemplateEnvironment, WordTemplate, make_environment

# A path into the template data: keys, list indexes, and EACH for "every element of a list".
Segment = str | int
DataPath = tuple[Segment, ...]
EACH = "[]"

_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# docxtpl's own rule: `{{r x }}` replaces its run, `{{p x }}` its paragraph, `{{tr x }}` and
# `{{tc x }}` their row and cell, with Word XML the value must bring (a RichText or Subdoc).
# The data here is plain text, so the value would vanish: these forms are refused.
_STRUCTURE_VALUE = re.compile(r"\{\{(tr|tc|p|r) ([^}%]*)\}\}")
_STRUCTURE_NAME = {"r": "run", "p": "paragraph", "tr": "table row", "tc": "table cell"}
# Filters that switch escaping off: a value with & or < would then break the Word XML.
_UNESCAPING_FILTERS = frozenset({"safe"})


@dataclass(frozen=True)
class TemplatePart:
    """One piece of a DOCX that docxtpl renders, as the Jinja source it renders it from."""

    name: str
    source: str
    structure_tags: tuple[tuple[str, str], ...] = ()

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
    tpl = WordTemplate(io.BytesIO(safe_docx(template_bytes)))
    tpl.init_docx()
    body = tpl.get_xml()
    parts = [TemplatePart("body", _lines(tpl.patch_xml(body)), _structure_tags(body))]
    for uri, label in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
        for _key, part in tpl.get_headers_footers(uri):
            xml = tpl.get_part_xml(part)
            name = f"{label} {part.partname.lstrip('/')}"
            parts.append(TemplatePart(name, _lines(tpl.patch_xml(xml)), _structure_tags(xml)))
    for part in tpl.docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            xml = part.blob.decode("utf-8")
            name = f"footnotes {part.partname.lstrip('/')}"
            parts.append(TemplatePart(name, _lines(tpl.patch_xml(xml)), _structure_tags(xml)))
    for prop in _PROPERTIES:
        text = getattr(tpl.docx.core_properties, prop)
        if text:
            parts.append(TemplatePart(f"document property {prop}", text))
    return parts


def _lines(xml: str) -> str:
    # The same split docxtpl makes before rendering, so line numbers mean paragraphs there too.
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _structure_tags(xml: str) -> tuple[tuple[str, str], ...]:
    # docxtpl joins a tag's text across Word's runs before it reads the prefix: so do we.
    text = unescape(re.sub(r"<[^>]+>", "", xml))
    return tuple((m.group(1), m.group(2).strip()) for m in _STRUCTURE_VALUE.finditer(text))


def syntax_problem(part: TemplatePart, exc: TemplateSyntaxError) -> str:
    """A Jinja syntax error in words, with the part and paragraph where it is."""
    lineno = exc.lineno or 0
    where = f"{part.name}, paragraph {max(lineno - 1, 1)}"
    text = part.line_text(lineno)
    near = f' (near "{text[:80]}")' if text else ""
    return f"{where}: {exc.message}{near}"


def read_usage(parts: list[TemplatePart]) -> tuple[Usage, list[str]]:
    """What the parts read from their data, and every problem found with its place."""
    env = make_environment()
    collector = _Collector(env)
    problems = []
    for part in parts:
        for kind, expression in part.structure_tags:
            problems.append(
                f"{part.name}: {{{{{kind} {expression} }}}} replaces its whole "
                f"{_STRUCTURE_NAME[kind]} with Word rich text, which this data never holds, "
                f"so the value would vanish; write {{{{ {expression} }}}}"
            )
        try:
            tree = env.parse(part.source)
        except TemplateSyntaxError as exc:
            problems.append(syntax_problem(part, exc))
            continue
        problems.extend(f"{part.name}: {p}" for p in collector.collect(tree))
    usage = Usage(
        frozenset(collector.required), frozenset(collector.optional), frozenset(collector.private)
    )
    return usage, list(dict.fromkeys(problems))


@lru_cache(maxsize=32)
def analyse(template_bytes: bytes) -> Usage:
    """The data paths a template uses; raises TemplateInvalid on any problem of its tags."""
    usage, problems = read_usage(template_parts(template_bytes))
    if problems:
        raise TemplateInvalid(problems)
    return usage


Scope = dict[str, DataPath | None]


@dataclass
class _Collector:
    """Walks Jinja syntax trees and notes every path into the data that is read.

    Scoping follows Jinja's: loop, `set`, `with`, macro and call-block names are local to
    their block; `set` at the top of a part lasts to its end. Jinja's own analysis
    (`jinja2.meta`) then confirms which names come from the data.
    """

    env: TemplateEnvironment
    required: set[DataPath] = field(default_factory=set)
    optional: set[DataPath] = field(default_factory=set)
    private: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def collect(self, tree: nodes.Template) -> list[str]:
        """Add the tree's data paths; return what the tree does that a template may not."""
        self.problems = []
        for attr in tree.find_all(nodes.Getattr):
            if attr.attr.startswith("_"):
                self.private.add(attr.attr)
        for item in tree.find_all(nodes.Getitem):
            if isinstance(item.arg, nodes.Const) and str(item.arg.value).startswith("_"):
                self.private.add(str(item.arg.value))
        before = set(self.required)
        for child in tree.body:
            self.visit(child, {})
        try:
            # Jinja's compiler checks names of filters and tests as well; ours said it first.
            data_names = meta.find_undeclared_variables(tree)
        except TemplateSyntaxError as exc:
            return self.problems or [exc.message or str(exc)]
        self.required -= {p for p in self.required - before if p[0] not in data_names}
        return self.problems

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
        self.visit_children(node, scope)

    def visit_children(self, node: nodes.Node, scope: Scope) -> None:
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
        if node.name in self.env.globals:
            return ()
        return (node.name, *segments)

    def visit_For(self, node: nodes.For, scope: Scope) -> None:
        self.visit(node.iter, scope)
        inner: Scope = {**scope, "loop": None, **dict.fromkeys(_names(node.target))}
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
        scope.update(dict.fromkeys(_names(node.target)))

    def visit_AssignBlock(self, node: nodes.AssignBlock, scope: Scope) -> None:
        for child in node.body:
            self.visit(child, scope)
        if node.filter is not None:
            self.visit(node.filter, scope)
        scope.update(dict.fromkeys(_names(node.target)))

    def visit_With(self, node: nodes.With, scope: Scope) -> None:
        for value in node.values:
            self.visit(value, scope)
        inner = dict(scope)
        for target in node.targets:
            inner.update(dict.fromkeys(_names(target)))
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

    def visit_Call(self, node: nodes.Call, scope: Scope) -> None:
        # `tenant.name.upper()` reads tenant.name; the method is the sandbox's business.
        target = node.node
        path = self.resolve(target.node, scope) if isinstance(target, nodes.Getattr) else None
        if path:
            self.required.add(path)
        elif path is None:
            self.visit(target, scope)
        for child in [
            *node.args,
            *(kw.value for kw in node.kwargs),
            node.dyn_args,
            node.dyn_kwargs,
        ]:
            if child is not None:
                self.visit(child, scope)

    def visit_Test(self, node: nodes.Test, scope: Scope) -> None:
        if node.name not in self.env.tests:
            self.problems.append(f"unknown test {node.name!r} (in `is {node.name}`)")
        # `x is defined` is how an author says x may be absent.
        self._maybe_optional(node, node.name in {"defined", "undefined"}, scope)

    def visit_Filter(self, node: nodes.Filter, scope: Scope) -> None:
        self._check_filter(node.name)
        self._maybe_optional(node, node.name in {"default", "d"}, scope)

    def visit_FilterBlock(self, node: nodes.FilterBlock, scope: Scope) -> None:
        # The block's output is Word XML, escaped: `upper` turned &amp; into &AMP; and broke it.
        self.problems.append(
            "{% filter %} blocks are not allowed: they change the Word markup itself; "
            "apply the filter to a value instead, as in {{ tenant.name|upper }}"
        )
        self.visit_children(node, scope)

    def _check_filter(self, name: str) -> None:
        if name not in self.env.filters:
            known = ", ".join(sorted(FILTERS))
            self.problems.append(f"unknown filter {name!r} (the Dutch filters are {known})")
        elif name in _UNESCAPING_FILTERS:
            self.problems.append(
                f"the filter {name!r} turns escaping off: a value with & or < would break the "
                "document"
            )

    def visit_ScopedEvalContextModifier(self, node: nodes.Node, scope: Scope) -> None:
        self.problems.append(
            "{% autoescape %} is not allowed: values are always escaped, exactly once"
        )
        self.visit_children(node, scope)

    visit_EvalContextModifier = visit_ScopedEvalContextModifier

    def visit_Include(self, node: nodes.Node, scope: Scope) -> None:
        self.problems.append(
            f"{{% {type(node).__name__.lower()} %}} is not allowed: a Word template cannot "
            "use other templates"
        )

    visit_Import = visit_FromImport = visit_Extends = visit_Include

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


def _names(target: nodes.Node) -> list[str]:
    # find_all looks below a node, never at it: `{% set x = 1 %}` has the Name x as its target.
    found = [target] if isinstance(target, nodes.Name) else list(target.find_all(nodes.Name))
    return [name.name for name in found if isinstance(name, nodes.Name)]


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
        # A key the data lacks is missing even when a dict has a method of that name
        # (`tenant.items` printed "<built-in method items …>").
        if segment in value:
            yield from _walk(value[segment], tail, (*seen, segment))
        else:
            yield format_path((*seen, segment))
    elif isinstance(value, list | tuple) and isinstance(segment, int):
        if -len(value) <= segment < len(value):
            yield from _walk(value[segment], tail, (*seen, segment))
        else:
            yield format_path((*seen, segment))
    # Anything else is an attribute of a text or number: the render refuses what is not data.
