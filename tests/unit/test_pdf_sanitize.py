"""Uploaded PDFs are rebuilt without scripts, actions and files, or refused with a reason."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    PdfObject,
    TextStringObject,
)

from templates.assemble import sanitize_pdf
from templates.errors import PdfRejected
from tests.builders import make_pdf

SCRIPT = "app.alert('pwned')"


def _javascript() -> DictionaryObject:
    return DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(SCRIPT)}
    )


def _annotation(subtype: str, **extra: PdfObject) -> DictionaryObject:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (72, 600, 200, 620)]),
            NameObject("/Contents"): TextStringObject(f"a {subtype} note"),
        }
    )
    annotation.update({NameObject(f"/{key}"): value for key, value in extra.items()})
    return annotation


def hostile_pdf() -> bytes:
    """Scripts on open, on a page and in a link, a form with an action, and an embedded file."""
    writer = PdfWriter()
    make_pdf("Huurovereenkomst Zandstraat 12", "Pagina twee", writer=writer)
    writer._root_object[NameObject("/OpenAction")] = _javascript()
    writer.add_attachment("payload.exe", b"MZ not really a program")
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _javascript()})
    widget = writer._add_object(_annotation("/Widget", A=_javascript(), FT=NameObject("/Btn")))
    page[NameObject("/Annots")] = ArrayObject(
        [
            writer._add_object(_annotation("/Link", A=_javascript())),
            widget,
            writer._add_object(_annotation("/Text")),
        ]
    )
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([widget])}
    )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_hostile_pdf_loses_scripts_actions_forms_and_files_but_keeps_its_text() -> None:
    original = hostile_pdf()
    assert b"/JavaScript" in original and b"/EmbeddedFile" in original

    clean = sanitize_pdf(original)

    for marker in (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/EmbeddedFile", b"/AcroForm"):
        assert marker not in clean, marker
    assert b"pwned" not in clean
    reader = PdfReader(io.BytesIO(clean))
    assert not reader.attachments
    assert "/OpenAction" not in reader.trailer["/Root"]
    assert len(reader.pages) == 2
    assert "Huurovereenkomst Zandstraat 12" in reader.pages[0].extract_text()
    assert "Pagina twee" in reader.pages[1].extract_text()
    kept = [a.get_object()["/Subtype"] for a in reader.pages[0].get("/Annots", [])]
    assert kept == ["/Text"]


def test_an_ordinary_pdf_comes_out_with_its_pages_and_text() -> None:
    clean = sanitize_pdf(make_pdf("Vonnis", "Rechtbank Midden-Nederland"))
    reader = PdfReader(io.BytesIO(clean))
    assert [page.extract_text() for page in reader.pages] == [
        "Vonnis",
        "Rechtbank Midden-Nederland",
    ]


def _encrypted() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf("Geheim")))
    writer.encrypt(user_password="geheim", owner_password="eigenaar")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"\x8f\x02" * 3000, "not a PDF", id="random-bytes"),
        pytest.param(
            b"%PDF-1.7\n" + b"\x00\xff garbage " * 500, "damaged", id="garbage-after-header"
        ),
        pytest.param(make_pdf("Afgebroken")[:300], "damaged", id="truncated"),
        pytest.param(_encrypted(), "encrypted / password protected", id="encrypted"),
    ],
)
def test_bad_pdfs_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(PdfRejected, match=reason):
        sanitize_pdf(data)


def test_an_oversized_pdf_is_refused_before_it_is_read() -> None:
    with pytest.raises(PdfRejected, match="larger than"):
        sanitize_pdf(make_pdf("Groot"), max_bytes=100)


def test_too_many_pages_are_refused() -> None:
    with pytest.raises(PdfRejected, match="3 pages; at most 2"):
        sanitize_pdf(make_pdf("een", "twee", "drie"), max_pages=2)


def test_a_reader_that_runs_past_the_time_limit_is_stopped() -> None:
    with pytest.raises(PdfRejected, match="took longer than"):
        sanitize_pdf(make_pdf("Traag"), time_limit=0.001)


def filled_form_pdf() -> bytes:
    """A page with the labels "Naam:" and "Akkoord:", a filled-in text field and a ticked box."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Naam:          Akkoord:"))))
    helvetica = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/Helv"): helvetica})}
    )

    def appearance(content: bytes) -> PdfObject:
        stream = DecodedStreamObject()
        stream.set_data(content)
        stream[NameObject("/Type")] = NameObject("/XObject")
        stream[NameObject("/Subtype")] = NameObject("/Form")
        stream[NameObject("/BBox")] = ArrayObject([FloatObject(v) for v in (0, 0, 16, 16)])
        stream[NameObject("/Resources")] = fonts
        return writer._add_object(stream)

    text = _annotation(
        "/Widget",
        FT=NameObject("/Tx"),
        T=TextStringObject("naam"),
        V=TextStringObject("Jansen & Zn"),
        DA=TextStringObject("/Helv 12 Tf 0 g"),
    )
    box = _annotation(
        "/Widget",
        FT=NameObject("/Btn"),
        T=TextStringObject("akkoord"),
        V=NameObject("/Yes"),
        AS=NameObject("/Yes"),
        AP=DictionaryObject(
            {
                NameObject("/N"): DictionaryObject(
                    {
                        NameObject("/Yes"): appearance(b"BT /Helv 12 Tf 2 4 Td (JA) Tj ET"),
                        NameObject("/Off"): appearance(b""),
                    }
                )
            }
        ),
    )
    box[NameObject("/Rect")] = ArrayObject([FloatObject(v) for v in (300, 755, 316, 771)])
    for widget in (text, box):
        widget.pop(NameObject("/Contents"))
    refs = [writer._add_object(text), writer._add_object(box)]
    writer.pages[0][NameObject("/Annots")] = ArrayObject(refs)
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(refs), NameObject("/DR"): fonts}
    )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def poppler_text(pdf: bytes) -> str:
    import subprocess

    done = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30
    )
    return done.stdout.decode("utf-8")


def test_a_filled_in_form_keeps_its_values_as_page_content() -> None:
    original = filled_form_pdf()
    assert "Jansen & Zn" not in PdfReader(io.BytesIO(original)).pages[0].extract_text()
    clean = sanitize_pdf(original)
    reader = PdfReader(io.BytesIO(clean))
    assert "/Annots" not in reader.pages[0]
    assert "/AcroForm" not in reader.trailer["/Root"]
    for text in (reader.pages[0].extract_text(), poppler_text(clean)):
        assert "Naam:" in text and "Akkoord:" in text
        assert "Jansen & Zn" in text and "JA" in text
