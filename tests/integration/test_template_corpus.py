"""A corpus of small templates, one per tag kind and construct, rendered through LibreOffice.

Each is checked (no problems), rendered with data holding `&` and `<`, converted to PDF by a
real LibreOffice, and its text compared with what a reader must see; the tags docxtpl would
render as nothing are refused by the check instead.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field

import docx
import pytest
from pypdf import PdfReader

from templates.check import check_template
from templates.pool import ConverterPool
from templates.render import render_docx
from tests.support import require_libreoffice

pytestmark = pytest.mark.libreoffice
SCHEMA = {
    "tenant": {"name": "str", "obligations": ["text"]},
    "representative?": {"name": "str"},
    "parties": [{"name": "str", "role": "str"}],
    "term": {"start": "date"},
}
DATA = {
    "tenant": {"name": "Jansen & Zn <BV>", "obligations": ["Huur op tijd", "Afval scheiden"]},
    "representative": None,
    "parties": [
        {"name": "Portaal & Co", "role": "verhuurder"},
        {"name": "Buurtteam", "role": "zorg"},
    ],
    "term": {"start": "2017-06-12"},
}


@dataclass(frozen=True)
class Case:
    """A template's paragraphs (and optional table, header and title) and the text it gives."""

    paragraphs: tuple[str, ...]
    shows: tuple[str, ...]
    hides: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    header: str | None = None
    title: str | None = None
    data: dict[str, object] = field(default_factory=lambda: DATA)


CORPUS = {
    "value": Case(("Naam: {{ tenant.name }} einde",), ("Naam: Jansen & Zn <BV> einde",)),
    "literal": Case(('{{ "Wonen & Zo <Utrecht>" }}',), ("Wonen & Zo <Utrecht>",), ("&amp;",)),
    "filter": Case(("Ingang: {{ term.start|datum }}",), ("Ingang: 12 juni 2017",)),
    "method call": Case(("{{ tenant.name.upper() }}",), ("JANSEN & ZN <BV>",)),
    "if inline": Case(
        ("A{% if representative %}vertegenwoordigd{% else %}zelf{% endif %}B",), ("AzelfB",)
    ),
    "if paragraph": Case(
        ("voor", "{%p if representative %}", "verborgen", "{%p endif %}", "na"),
        ("voor", "na"),
        ("verborgen",),
    ),
    "for paragraphs": Case(
        ("{%p for o in tenant.obligations %}", "- {{ o }}", "{%p endfor %}"),
        ("- Huur op tijd", "- Afval scheiden"),
    ),
    "for sorted": Case(
        ("{% for o in tenant.obligations|sort %}[{{ o }}]{% endfor %}",),
        ("[Afval scheiden][Huur op tijd]",),
    ),
    "for list literal": Case(("{% for x in [1, 2] %}<{{ x }}>{% endfor %}",), ("<1><2>",)),
    "for with filter test": Case(
        ("{% for p in parties if p.role == 'zorg' %}{{ p.name }}{% endfor %}",), ("Buurtteam",)
    ),
    "loop variable": Case(
        ("{% for p in parties %}{{ loop.index }}. {{ p.name }}; {% endfor %}",),
        ("1. Portaal & Co; 2. Buurtteam;",),
    ),
    "set": Case(("{% set total = 5 %}Totaal {{ total }}",), ("Totaal 5",)),
    "set block": Case(
        ("{% set who %}{{ tenant.name }}{% endset %}Wie: {{ who }}",), ("Wie: Jansen & Zn <BV>",)
    ),
    "with": Case(("{% with a = tenant.name %}Met {{ a }}{% endwith %}",), ("Met Jansen & Zn",)),
    "macro": Case(
        ("{% macro m(a, b='!') %}{{ a }}{{ b }}{% endmacro %}{{ m(tenant.name) }}",),
        ("Jansen & Zn <BV>!",),
    ),
    "call block": Case(
        ("{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}binnen{% endcall %}",),
        ("[binnen]",),
    ),
    "run if": Case(
        ("Naam: {%r if tenant %}{{ tenant.name }}{%r endif %} einde",),
        ("Naam: Jansen & Zn <BV> einde",),
    ),
    "comment paragraph": Case(("voor", "{#p weg #}", "na"), ("voor", "na"), ("weg",)),
    "table row loop": Case(
        ("Partijen",),
        ("Portaal & Co", "Buurtteam"),
        rows=("{%tr for p in parties %}", "{{ p.name }}", "{%tr endfor %}"),
    ),
    "table cell loop": Case(
        ("Kolommen",),
        ("Portaal & Co", "Buurtteam"),
        cells=("{%tc for p in parties %}", "{{ p.name }}", "{%tc endfor %}"),
    ),
    "header": Case(("x",), ("Kenmerk Jansen & Zn <BV>",), header="Kenmerk {{ tenant.name }}"),
    "title property": Case(("x",), ("x",), title="Overeenkomst {{ tenant.name }} & {{ 'Zn' }}"),
}
REFUSED = {
    "run value": ("Naam: {{r tenant.name }} einde", "replaces its whole run"),
    "paragraph value": ("{{p tenant.name }}", "replaces its whole paragraph"),
    "unknown filter": ("{{ tenant.name|bestaatniet }}", "unknown filter 'bestaatniet'"),
    "dict method": ("{{ tenant.items }}", "tenant.items"),
}


def build(case: Case) -> bytes:
    document = docx.Document()
    for text in case.paragraphs:
        document.add_paragraph(text)
    if case.rows:
        grid = document.add_table(rows=len(case.rows), cols=1)
        for row, text in zip(grid.rows, case.rows, strict=True):
            row.cells[0].text = text
    if case.cells:
        grid = document.add_table(rows=1, cols=len(case.cells))
        for cell, text in zip(grid.rows[0].cells, case.cells, strict=True):
            cell.text = text
    if case.header is not None:
        document.sections[0].header.paragraphs[0].text = case.header
    if case.title is not None:
        document.core_properties.title = case.title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pool() -> Iterator[ConverterPool]:
    require_libreoffice()
    with ConverterPool(size=1) as converter_pool:
        yield converter_pool


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    )
    return " ".join(done.stdout.decode("utf-8").replace("\xa0", " ").split())


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_construct_reaches_the_pdf_exactly(pool: ConverterPool, name: str) -> None:
    case = CORPUS[name]
    template = build(case)
    assert check_template(template, SCHEMA) == []
    pdf = pool.convert(render_docx(template, case.data))
    text = pdf_text(pdf)
    for shown in case.shows:
        assert shown in text, (name, text)
    for hidden in case.hides:
        assert hidden not in text, (name, text)
    if case.title is not None:
        assert PdfReader(io.BytesIO(pdf)).metadata.title == "Overeenkomst Jansen & Zn <BV> & Zn"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_tags_that_would_render_wrongly_are_refused(name: str) -> None:
    tag, reason = REFUSED[name]
    problems = check_template(build(Case((tag,), ())), SCHEMA)
    assert problems and reason in problems[0], problems
