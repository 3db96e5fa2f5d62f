"""A rendered DOCX made ready for the PDF (issue 12): Dutch, real bullets, and no page
numbers of its own when the package counts its pages."""

from __future__ import annotations

import io
import zipfile

from templates.defaults import DEFAULTS_DIR
from templates.for_pdf import export_json, export_options, prepare_docx


def _part(docx: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return archive.read(name).decode()


def _footer(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        names = [n for n in archive.namelist() if n.startswith("word/footer")]
        return "".join(archive.read(n).decode() for n in names)


AGREEMENT = (DEFAULTS_DIR / "agreement.docx").read_bytes()


def test_the_language_is_dutch_and_bullets_are_characters() -> None:
    assert "\uf0b7" in _part(AGREEMENT, "word/numbering.xml")  # Word's Symbol bullet
    ready = prepare_docx(AGREEMENT)
    assert 'w:lang w:val="nl-NL"' in _part(ready, "word/styles.xml")
    numbering = _part(ready, "word/numbering.xml")
    assert "\uf0b7" not in numbering and 'w:lvlText w:val="•"' in numbering
    assert 'w:ascii="Symbol"' not in numbering  # the paragraph's font draws it
    assert "NUMPAGES" in _footer(ready)  # kept unless the package numbers the pages


def test_a_package_part_loses_its_own_page_numbers_and_keeps_the_rest() -> None:
    ready = prepare_docx(AGREEMENT, page_numbers=False)
    footer = _footer(ready)
    assert "PAGE" not in footer and "NUMPAGES" not in footer and "Pagina" not in footer
    assert "organisation.email" in footer  # the address line stays
    assert "organisation.name" in _part(ready, "word/header1.xml")


def test_the_export_asks_for_tagged_pdfa3() -> None:
    assert export_options() == ["UseTaggedPDF=true", "SelectPdfVersion=3", "ExportBookmarks=true"]
    assert '"UseTaggedPDF":{"type":"boolean","value":"true"}' in export_json()
