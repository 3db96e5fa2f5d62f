"""Hostile values reach the PDF exactly: render the default agreement, convert with LibreOffice."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from templates.catalogue import Catalogue
from templates.defaults import DEFAULTS_DIR
from templates.render import render_docx
from tests.builders import HOSTILE, LONG_OBLIGATION
from tests.support import require_libreoffice

pytestmark = pytest.mark.libreoffice
# Characters the body font lacks; LibreOffice takes them from a fallback font.
FALLBACK = frozenset("😀✓")
PAGE_FURNITURE = re.compile(
    r"Kenmerk: LKB-2024-0042|traject@hetvierdehuis\.nl|Pagina \d+ van \d+"
    r"|^\s*Het Vierde Huis\s*(Woonbegeleidingsovereenkomst)?\s*$"
    r"|^\s*Woonbegeleidingsovereenkomst\s*$"
)


def convert_cold(docx_bytes: bytes, folder: Path) -> bytes:
    """One cold `soffice --convert-to pdf`, with its own profile (a shared one fails silently)."""
    source = folder / "document.docx"
    source.write_bytes(docx_bytes)
    profile = (folder / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (folder / "document.pdf").read_bytes()


def words(text: str) -> str:
    """The words of a text without page headers and footers, which interrupt a long value."""
    lines = [line for line in text.splitlines() if not PAGE_FURNITURE.search(line)]
    # Line wrapping in the PDF turns spaces and line breaks into either; compare the words.
    return " ".join(" ".join(lines).replace("\xa0", " ").split())


def test_hostile_values_reach_the_pdf_exactly(tmp_path: Path) -> None:
    require_libreoffice()
    data: dict[str, Any] = json.loads((DEFAULTS_DIR / "agreement.sample.json").read_text("utf-8"))
    data["tenant"]["name"] = "Ünal & Zoë <van 't Hek>"
    data["corporation"]["name"] = 'Wonen <Utrecht> & "Partners"'
    data["reason"] = "Eerste regel met 'quotes' & <haken>.\nTweede regel 😀.\nDerde regel."
    data["tenant"]["obligations"].append(LONG_OBLIGATION)
    data["other_parties"][0]["obligations"] = HOSTILE

    template = Catalogue(tmp_path / "catalogue").get("agreement").read_bytes()
    pdf = convert_cold(render_docx(template, data), tmp_path)
    reader = PdfReader(io.BytesIO(pdf))
    text = words("\n".join(page.extract_text() for page in reader.pages))
    poppler = words(
        subprocess.run(
            ["pdftotext", str(tmp_path / "document.pdf"), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )

    expected = [
        "Ünal & Zoë <van 't Hek>",
        'Wonen <Utrecht> & "Partners"',
        "Eerste regel met 'quotes' & <haken>. Tweede regel 😀. Derde regel.",
        LONG_OBLIGATION,
        *HOSTILE,
    ]
    for value in expected:
        assert words(value) in poppler, value
        if FALLBACK.isdisjoint(value):
            assert words(value) in text, value
        else:
            # LibreOffice draws these glyphs from a fallback font in a separate text run, and
            # pypdf lists such runs after the line's other text; poppler orders by position.
            assert FALLBACK.intersection(value) <= set(text), value
    # The breach clause still follows the hostile values: nothing was silently cut off.
    assert "het vonnis laten uitvoeren" in text
    assert re.search(r"Pagina 1 van \d", "\n".join(page.extract_text() for page in reader.pages))
