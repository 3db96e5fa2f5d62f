"""The properties the default templates' layout rests on, in the Word files themselves: rows
that cannot split over two pages, headings kept with what follows, label columns wide enough
(the rendered check is tests/integration/test_layout_grid.py)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from docx import Document
from docx.oxml.ns import qn

from templates.defaults import DEFAULTS_DIR
from templates.defaults.build import DOCUMENTS, DOSSIER_PAGES, _reproducible
from templates.defaults.style import MIN_WIDTHS, fitted
from tests.layout_data import Line, Page, layout_problems

NAMES = [
    entry["name"]
    for entry in json.loads((DEFAULTS_DIR / "manifest.json").read_text("utf-8"))["templates"]
]


@pytest.mark.parametrize("name", NAMES)
def test_every_row_stays_whole_and_every_heading_with_what_follows(name: str) -> None:
    document = Document(str(DEFAULTS_DIR / f"{name}.docx"))
    for table in document.tables:
        for row in table.rows:
            properties = row._tr.trPr
            whole = properties is not None and properties.find(qn("w:cantSplit")) is not None
            tag = row.cells[0].text.startswith("{%tr")
            assert whole or tag, f"{name}: a row that may split: {row.cells[0].text!r}"
    for style in ("Title", "Heading 1", "Heading 2"):
        assert document.styles[style].paragraph_format.keep_with_next, f"{name}: {style}"


def test_a_party_column_is_widened_from_the_widest_and_the_table_keeps_its_width() -> None:
    widths = fitted(["Partij", "Afspraak", "Stand", "Toelichting"], [3, 5.5, 2.5, 5])
    assert widths == [MIN_WIDTHS["Partij"], 4.5, 2.5, 5]
    assert fitted(["Termijn", "Datum"], [3, 13]) == [3, 13]


def test_the_checker_sees_a_broken_word_a_lone_heading_and_a_split_row() -> None:
    known = {"Partij", "Woningcorporatie", "Ondertekening", "LKB-2024-0042", "Handtekening"}
    body = [Line("Woningcorpora", 11, 100), Line("4. Ondertekening", 14, 700)]
    split = [["Partij", "Handtekening"], ["", "rest of a row"]]
    pages = [
        Page(1, body, ["Woningcorpora", "tie", "LKB-2024-", "0042"], [split]),
        Page(2, [Line("Partij Handtekening", 11, 80)], ["Partij"], [[split[0], ["1", ""]]]),
    ]
    problems = layout_problems(pages, known, signers=1)
    assert any("'Woningcorpora', 'tie'" in problem for problem in problems)
    assert not any("LKB" in problem for problem in problems)  # broken at its own hyphen
    assert "page 1 ends with a heading: '4. Ondertekening'" in problems
    assert any("blank or split row" in problem for problem in problems)
    assert "the signature table is on pages [1, 2]" in problems


def test_the_committed_templates_are_the_ones_the_style_and_texts_make() -> None:
    """A change to style.py or texts.py without `python -m templates.defaults.build` would
    leave the shipped Word files without it: rebuild and compare."""
    manifest = json.loads((DEFAULTS_DIR / "manifest.json").read_text("utf-8"))
    shipped = {entry["name"]: entry["sha256"] for entry in manifest["templates"]}
    for name, make in {**DOCUMENTS, **DOSSIER_PAGES}.items():
        out = io.BytesIO()
        make().save(out)
        digest = hashlib.sha256(_reproducible(out.getvalue())).hexdigest()
        stale = f"{name}.docx is stale: run python -m templates.defaults.build"
        assert shipped[name] == digest, stale
        assert hashlib.sha256((DEFAULTS_DIR / f"{name}.docx").read_bytes()).hexdigest() == digest
