"""The package as an archive and a screen reader need it (issue 12): tagged, Dutch, real
bullets, fonts embedded, PDF/A-3b identification with XMP that says what the document
information says, attachments declared as PDF/A-3 asks; the structure kept over annexes.

veraPDF (Java, not packaged by Debian or PyPI) cannot be installed here; these are the
PDF/A-3b rules we can check ourselves, on the real LibreOffice output."""

from __future__ import annotations

import io
import json
import re
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from templates.assemble import Annex, assemble
from templates.catalogue import Catalogue
from templates.defaults import DEFAULTS_DIR
from templates.for_pdf import prepare_docx
from templates.render import render_docx
from tests.builders import make_pdf

pytestmark = pytest.mark.libreoffice
WHEN = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)


def _render(pool: Any, name: str, tmp_path: Any) -> bytes:
    data = json.loads((DEFAULTS_DIR / f"{name}.sample.json").read_text("utf-8"))
    docx = render_docx(Catalogue(tmp_path).get(name).read_bytes(), data)
    return pool.convert(prepare_docx(docx, page_numbers=False))


@pytest.fixture
def package(pool: Any, tmp_path: Any) -> bytes:
    agreement = _render(pool, "agreement", tmp_path)
    arrangement = _render(pool, "payment_arrangement", tmp_path)
    return assemble(
        agreement,
        [
            Annex("Bijlage 1: Betalingsregeling", arrangement),
            Annex("Bijlage 2: Huurovereenkomst", make_pdf("Huurovereenkomst", "blad 2")),
        ],
        title="Woonbegeleidingsovereenkomst",
        case_reference="LKB-2024-0042",
        template_version="agreement v1",
        manifest={"case": "LKB-2024-0042"},
        source_docx=b"PK\x03\x04",
        created=WHEN,
    )


def _catalog(pdf: bytes) -> Any:
    return PdfReader(io.BytesIO(pdf)).trailer["/Root"]


def test_tagged_in_dutch_with_real_bullets(package: bytes, tmp_path: Any) -> None:
    path = tmp_path / "package.pdf"
    path.write_bytes(package)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert _catalog(package)["/Lang"] == "nl-NL"
    assert _catalog(package)["/MarkInfo"]["/Marked"]
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "\uf0b7" not in text and "•" in text  # a bullet, not Symbol's private character


def test_every_font_is_embedded(package: bytes, tmp_path: Any) -> None:
    path = tmp_path / "package.pdf"
    path.write_bytes(package)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    # Only the stand-in upload's Helvetica is not embedded: an uploaded PDF brings its own
    # fonts, and what it leaves out no rebuild can add (PDF/A then holds for our parts).
    ours = [row for row in rows if not row.startswith("Helvetica ")]
    assert ours and all(row.split()[-5] == "yes" for row in ours), fonts
    assert any("AGPGNO+" in row for row in rows)  # the page numbers' own subset


def test_the_structure_covers_the_annex_that_had_one(package: bytes) -> None:
    catalog = _catalog(package)
    tree = catalog["/StructTreeRoot"]
    top = tree["/K"]
    top = top[0].get_object() if isinstance(top, list) else top.get_object()
    kinds = [kid.get_object().get("/S") for kid in top["/K"] if hasattr(kid, "get_object")]
    assert "/Part" in kinds  # the payment arrangement's tree, grafted under the agreement's
    reader = PdfReader(io.BytesIO(package))
    keys = [page.get("/StructParents") for page in reader.pages]
    own = [k for k in keys if k is not None]
    assert len(own) == len(set(own))  # no two pages claim the same structure
    assert keys[-2:] == [None, None]  # the untagged upload points at nothing
    assert int(tree["/ParentTreeNextKey"]) > max(own)


def test_pdfa_identification_and_metadata_agree(package: bytes) -> None:
    reader = PdfReader(io.BytesIO(package))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object()
    assert "/Filter" not in xmp  # PDF/A: the metadata stream is not compressed
    xml = xmp.get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>" in xml
    meta = reader.metadata
    assert meta is not None
    for key, value in [("/Title", "dc:title"), ("/Subject", "dc:description")]:
        assert f'<rdf:li xml:lang="x-default">{meta[key]}</rdf:li></rdf:Alt></{value}>' in (
            xml.replace("\n", "")
        )
    assert f"<pdf:Producer>{meta['/Producer']}</pdf:Producer>" in xml
    assert f"<pdf:Keywords>{meta['/Keywords']}</pdf:Keywords>" in xml
    assert "<agr:CaseReference>LKB-2024-0042</agr:CaseReference>" in xml
    assert "<agr:TemplateVersion>agreement v1</agr:TemplateVersion>" in xml
    assert "<pdfaSchema:prefix>agr</pdfaSchema:prefix>" in xml  # described, as PDF/A asks
    assert "<xmp:CreateDate>2026-03-02T10:15:00+00:00</xmp:CreateDate>" in xml
    assert meta["/CreationDate"] == "D:20260302101500+00'00'"
    assert reader.trailer["/Root"]["/OutputIntents"]  # LibreOffice's sRGB, kept


def test_attachments_are_declared_as_pdfa3_asks(package: bytes) -> None:
    catalog = _catalog(package)
    declared = [spec.get_object() for spec in catalog["/AF"]]
    assert {str(spec["/F"]) for spec in declared} == {"manifest.json", "source.docx"}
    for spec in declared:
        assert spec["/UF"] == spec["/F"] and spec["/AFRelationship"] in ("/Data", "/Source")
        stream = spec["/EF"]["/F"].get_object()
        assert stream["/Subtype"] and stream["/Params"]["/ModDate"]


def test_the_pages_count_over_the_package_and_bookmark_each_part(package: bytes) -> None:
    reader = PdfReader(io.BytesIO(package))
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        found = re.findall(r"Pagina (\d+) van (\d+)", page.extract_text())
        assert found == [(str(number), str(total))]  # the parts' own numbers are gone
    top = [(o.title, reader.get_destination_page_number(o)) for o in reader.outline
           if not isinstance(o, list)]  # fmt: skip
    assert [t for t, _ in top] == [
        "Woonbegeleidingsovereenkomst",
        "Bijlage 1: Betalingsregeling",
        "Bijlage 2: Huurovereenkomst",
    ]
    assert top[-1][1] == total - 2
    assert isinstance(reader.outline[1], list)  # the agreement's headings beneath it
