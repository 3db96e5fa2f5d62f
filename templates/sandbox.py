"""The Jinja environment and docxtpl template of every render: sandboxed, escaped once, bounded."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import unescape

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from templates.errors import RenderError
from templates.filters import FILTERS
from templates.package import parse_xml

# Far more than any document needs, few enough that one loop cannot stall a render alone.
MAX_RANGE = 10_000
# The rendered Word XML of all parts together; real documents stay under a megabyte.
MAX_OUTPUT_CHARS = 20 * 1024 * 1024
# The text of a tag after docxtpl's own clean-up, as docxtpl itself finds it.
_TAG_TEXT = re.compile(r"(?<=\{[\{%])(.*?)(?=[\}%]})")
_DEADLINE_EVERY = 256


class TemplateEnvironment(ImmutableSandboxedEnvironment):
    """Sandboxed (and immutable: a template cannot change the data), escaping, strict.

    Also data first (`tenant.items` is the data's key, never the dict method), refusing to
    print a function instead of a value, and counting what it writes against a budget and
    an optional deadline, so a runaway loop ends with a reason rather than a full disk.
    """

    def __init__(self, *, output_limit: int = MAX_OUTPUT_CHARS, deadline: float | None = None):
        super().__init__(autoescape=True, undefined=StrictUndefined, finalize=_only_data)
        self.filters.update(FILTERS)
        self.globals["range"] = _bounded_range
        self.output_limit = output_limit
        self.output_left = output_limit
        self.deadline = deadline

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def concat(self, chunks: Iterable[str]) -> str:
        """Template.render joins a template's output through this: count it as it comes."""
        parts = []
        for count, chunk in enumerate(chunks):
            self.output_left -= len(chunk)
            if self.output_left < 0:
                raise RenderError(
                    f"the rendered document would be larger than {self.output_limit:,} "
                    "characters; does a loop repeat more than intended?"
                )
            look = self.deadline is not None and count % _DEADLINE_EVERY == 0
            if look and time.monotonic() > (self.deadline or 0):
                raise RenderError("rendering took longer than its time limit")
            parts.append(chunk)
        return "".join(parts)


def make_environment(*, deadline: float | None = None) -> TemplateEnvironment:
    """A fresh environment for one render (its output budget is per render)."""
    return TemplateEnvironment(deadline=deadline)


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise RenderError(f"range() of {len(numbers):,} numbers; at most {MAX_RANGE:,} are allowed")
    return numbers


def _only_data(value: Any) -> Any:
    if callable(value) and not isinstance(value, Undefined | str):
        name = getattr(value, "__name__", type(value).__name__)
        raise RenderError(
            f"a tag prints the function {name!r} instead of a value: it is not data "
            f"(write {name}() to call it, or name a field of the data)"
        )
    return value


class WordTemplate(DocxTemplate):  # type: ignore[misc]
    """docxtpl's DocxTemplate with three repairs: literals and properties escaped exactly once,
    and a broken body refused instead of "recovered"."""

    def patch_xml(self, src_xml: str) -> str:
        patched: str = super().patch_xml(src_xml)
        # A tag is XML text: docxtpl turns &lt; and &gt; back into < and > but leaves &amp;,
        # so the literal "A & B" reached Jinja as "A &amp; B" and was escaped a second time.
        return _TAG_TEXT.sub(lambda m: unescape(m.group(0)), patched)

    def render_properties(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        # Properties are plain text that python-docx escapes when it writes them; escaping in
        # Jinja as well made the PDF title read "Jansen &amp; Zn".
        plain = jinja_env.overlay(autoescape=False) if jinja_env is not None else None
        super().render_properties(context, plain)

    def fix_tables(self, xml: str) -> Any:
        # docxtpl parses with recover=True, which silently drops what a misplaced tag broke.
        try:
            parse_xml(xml.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            raise RenderError(
                "the rendered document is not well-formed Word XML "
                f"({exc}); a tag such as {{% if %}} probably cuts through a paragraph or table"
            ) from exc
        return super().fix_tables(xml)
