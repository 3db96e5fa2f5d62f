"""The default templates' layout holds with any data: each template is rendered over a grid of
1 to 60 instalments, 1 to 8 parties and obligations of up to 5,000 characters, converted by
LibreOffice and read back from the PDF. No page ends with a heading or holds only headings;
no table row is blank or split over two pages; the signature table is whole, on one page with
its heading; no word is broken ("Woningcorpora/tie")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from templates.defaults import DEFAULTS_DIR
from templates.pool import ConverterPool
from templates.render import render_docx
from tests.layout_data import LONG_WORDS, Point, docx_words, layout_problems, read_pdf, scaled

pytestmark = pytest.mark.libreoffice

# Small and large, and where the signature table falls at a page's foot (26 instalments
# with 8 parties) before it was kept together.
GRID = [
    Point(1, 1, 40),
    Point(2, 2, 300),
    Point(12, 3, 1000),
    Point(24, 5, 2500),
    Point(26, 8, 300),
    Point(37, 8, 5000),
    Point(60, 8, 5000),
    Point(60, 1, 40),
]
# Templates nobody signs (evidence page, dossier pages) are generated: their extremes suffice.
EXTREMES = [GRID[0], GRID[5]]


def templates() -> list[str]:
    manifest = json.loads((DEFAULTS_DIR / "manifest.json").read_text("utf-8"))
    return [
        entry["name"]
        for entry in manifest["templates"]
        if (DEFAULTS_DIR / f"{entry['name']}.sample.json").exists()
    ]


def grid() -> Iterator[Any]:
    """Each template at each point that changes its data (a template without instalments
    looks the same at 37 and 60), named for the point."""
    for name in templates():
        signed = "signers" in scaled(name, GRID[0])
        seen: set[str] = set()
        for point in GRID if signed else EXTREMES:
            key = json.dumps(scaled(name, point), sort_keys=True)
            if key not in seen:
                seen.add(key)
                yield pytest.param(name, point, id=f"{name}-{point.name}")


@pytest.mark.parametrize(("name", "point"), list(grid()))
def test_the_layout_holds(pool: ConverterPool, name: str, point: Point) -> None:
    data = scaled(name, point)
    docx = render_docx((DEFAULTS_DIR / f"{name}.docx").read_bytes(), data)
    pages = read_pdf(pool.convert(docx, timeout=180))
    assert layout_problems(pages, docx_words(docx), len(data.get("signers", []))) == []
    # The long words the data holds are in the PDF, whole.
    printed = {word for page in pages for word in page.words}
    assert docx_words(docx) & set(LONG_WORDS) <= printed


def test_the_grid_reaches_every_template_and_its_extremes() -> None:
    names = templates()
    assert {"agreement", "payment_arrangement", "review_minutes"} <= set(names)
    arrangement = scaled("payment_arrangement", GRID[6])
    assert len(arrangement["instalments"]) == 60 and len(arrangement["signers"]) == 8
    agreement = scaled("agreement", GRID[5])
    assert max(len(text) for text in agreement["tenant"]["obligations"]) >= 4900
    assert "Woningcorporatie" in {signer["label"] for signer in agreement["signers"]}
