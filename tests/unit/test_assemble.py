"""The document package: annexes merged in order, outline, metadata and attachments."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from templates.assemble import PRODUCER, Annex, assemble
from templates.errors import DocumentError
from tests.builders import make_pdf

MANIFEST = {"template": "woonbegeleidingsovereenkomst", "version": "3", "tenant": "Ünal & Zoë"}
DOCX = b"PK\x03\x04 pretend this is the Word file"


def _package(**overrides: object) -> PdfReader:
    arguments: dict[str, object] = {
        "title": "Woonbegeleidingsovereenkomst",
        "case_reference": "LK-2024-017",
        "template_version": "3",
        "manifest": MANIFEST,
        "source_docx": DOCX,
        "created": datetime(2024, 6, 12, 9, 30, tzinfo=UTC),
    }
    arguments.update(overrides)
    pdf = assemble(
        make_pdf("Overeenkomst blad 1", "Overeenkomst blad 2"),
        [
            Annex("Huurovereenkomst", make_pdf("Huurovereenkomst")),
            Annex("Ontruimingsvonnis", make_pdf("Vonnis blad 1", "Vonnis blad 2")),
            Annex("Betalingsregeling", make_pdf("Betalingsregeling")),
        ],
        **arguments,  # type: ignore[arg-type]
    )
    return PdfReader(io.BytesIO(pdf))


def test_the_parts_follow_each_other_under_one_bookmark_each() -> None:
    reader = _package()
    texts = [page.extract_text() for page in reader.pages]
    parts = [
        "Overeenkomst blad 1",
        "Overeenkomst blad 2",
        "Huurovereenkomst",
        "Vonnis blad 1",
        "Vonnis blad 2",
        "Betalingsregeling",
    ]
    # One page count over the whole package, not one per part.
    assert texts == [f"{part}\nPagina {n} van 6" for n, part in enumerate(parts, start=1)]
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert outline == [
        ("Woonbegeleidingsovereenkomst", 0),
        ("Huurovereenkomst", 2),
        ("Ontruimingsvonnis", 3),
        ("Betalingsregeling", 5),
    ]


def test_metadata_names_the_case_and_the_template_version() -> None:
    meta = _package().metadata
    assert meta is not None
    assert meta.title == "Woonbegeleidingsovereenkomst"
    assert meta.subject == "Woonbegeleidingsovereenkomst, zaak LK-2024-017"
    assert meta["/Keywords"] == "zaak LK-2024-017; sjabloonversie 3"
    assert meta.producer == PRODUCER
    assert meta["/CaseReference"] == "LK-2024-017"
    assert meta["/TemplateVersion"] == "3"
    assert meta.creation_date == datetime(2024, 6, 12, 9, 30, tzinfo=UTC)


def test_manifest_and_source_are_attached_and_read_back() -> None:
    reader = _package()
    files = {item.name: item for item in reader.attachment_list}
    assert set(files) == {"manifest.json", "source.docx"}
    assert json.loads(files["manifest.json"].content) == MANIFEST
    assert files["manifest.json"].subtype == "/application/json"
    assert files["source.docx"].content == DOCX


def test_without_a_source_only_the_manifest_is_attached() -> None:
    reader = _package(source_docx=None, subject="Eigen onderwerp")
    assert [item.name for item in reader.attachment_list] == ["manifest.json"]
    assert reader.metadata is not None and reader.metadata.subject == "Eigen onderwerp"


def test_an_unreadable_annex_is_named_in_the_error() -> None:
    with pytest.raises(DocumentError, match="Huurovereenkomst: the PDF cannot be read"):
        assemble(
            make_pdf("Overeenkomst"),
            [Annex("Huurovereenkomst", b"%PDF-1.7 not really")],
            title="Woonbegeleidingsovereenkomst",
            case_reference="LK-1",
            template_version="1",
            manifest={},
        )
