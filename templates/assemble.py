"""PDF packages with pypdf: a document with its annexes, a bound dossier of chapters, and the
safe rebuild of uploaded PDFs."""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.constants import AnnotationFlag
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from templates import metadata
from templates.errors import DocumentError, PdfRejected
from templates.page_numbers import stamp, unstamp
from templates.structure import graft

PRODUCER = metadata.PRODUCER
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_PAGES = 500
UPLOAD_TIME_LIMIT = 10.0
_CHILD_PROGRAM = "from templates.assemble import child_main; child_main()"
_SOURCE_ROOT = str(Path(__file__).resolve().parent.parent)
# Caps the reader's memory, so a decompression bomb fails in the child, not the server.
_CHILD_MEMORY = 1024 * 1024 * 1024
_JSON = "application/json"
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_MANIFEST_NOTE = "De gegevens waarmee dit document is gemaakt"
_SOURCE_NOTE = "Het Word-bestand waaruit deze PDF is gemaakt"
# Markup a reader draws but never acts on; links, widgets, media and files are dropped.
_SAFE_ANNOTATIONS = frozenset(
    {
        "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine",
        "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Caret", "/Ink", "/Stamp",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Annex:
    """A PDF to append after the document, under its Dutch title in the outline."""

    title: str
    pdf: bytes


def assemble(
    main_pdf: bytes,
    annexes: Sequence[Annex] = (),
    *,
    title: str,
    case_reference: str,
    template_version: str,
    manifest: Mapping[str, object],
    source_docx: bytes | None = None,
    subject: str | None = None,
    created: datetime | None = None,
) -> bytes:
    """Merge the document and its annexes into one package: one page count over all parts
    ("Pagina 4 van 9"), a bookmark per part with the part's own bookmarks beneath it,
    metadata in the document information and XMP, and the attachments.

    The main document is the base of the package, so its structure tree (tagged PDF), its
    language and its PDF/A output intent stay; each tagged annex's tree is grafted in
    (templates.structure). Annexes must already be sanitised (see `sanitize_pdf`); the data
    manifest is embedded as `manifest.json` and the source Word file as `source.docx`.
    """
    main = _part(title, main_pdf)
    writer = PdfWriter(clone_from=main)
    writer.root_object.pop(NameObject("/Outlines"), None)
    parts = [(title, 0, _bookmarks(main))]
    for annex in annexes:
        reader = _part(annex.title, annex.pdf)
        first = len(writer.pages)
        writer.append(reader, import_outline=False)
        graft(writer, reader, first)
        parts.append((annex.title, first, _bookmarks(reader, whole=annex.title)))
    unstamp(writer)  # an annex that was a package of its own is counted anew
    stamp(writer)
    for part_title, first, children in parts:
        _add_bookmarks(writer, [(part_title, 0, children)], first, None)
    writer.page_mode = "/UseOutlines"
    subject = subject or f"{title}, zaak {case_reference}"
    info = metadata.info(title, subject, case_reference, template_version, created)
    writer.add_metadata(info)
    metadata.set_xmp(writer, info, created)
    writer.root_object[NameObject("/Lang")] = TextStringObject(metadata.LANGUAGE)
    manifest_json = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    attached = [
        metadata.attach(
            writer, "manifest.json", manifest_json.encode(), _JSON, _MANIFEST_NOTE, "/Data", created
        )
    ]
    if source_docx is not None:
        attached.append(
            metadata.attach(
                writer, "source.docx", source_docx, _DOCX, _SOURCE_NOTE, "/Source", created
            )
        )
    writer.root_object[NameObject("/AF")] = ArrayObject(attached)
    writer.pdf_header = b"%PDF-1.7"  # PDF/A-3's base; pypdf would write 1.3
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


Outline = list[tuple[str, int, list[Any]]]  # title, page within its part, children


def _part(title: str, pdf: bytes) -> PdfReader:
    try:
        return PdfReader(io.BytesIO(pdf))
    except Exception as exc:  # pypdf raises many exception types on a broken file
        raise DocumentError(f"{title}: the PDF cannot be read ({exc})") from exc


def _bookmarks(reader: PdfReader, whole: str | None = None) -> Outline:
    """A part's own bookmarks (its headings); a package of ours that becomes an annex
    brings the bookmarks beneath its single top one."""
    try:
        items = _read_outline(reader, reader.outline)
    except Exception:  # a broken outline is no reason to refuse the part
        return []
    if whole is not None and len(items) == 1 and items[0][1] == 0:
        return list(items[0][2])
    return items


def _read_outline(reader: PdfReader, items: Any) -> Outline:
    result: Outline = []
    for item in items:
        if isinstance(item, list):
            if result:
                result[-1][2].extend(_read_outline(reader, item))
            continue
        page = reader.get_destination_page_number(item)
        if page is not None:
            result.append((str(item.title), page, []))
    return result


def _add_bookmarks(writer: PdfWriter, items: Outline, first: int, parent: Any) -> None:
    for title, page, children in items:
        added = writer.add_outline_item(title=title, page_number=first + page, parent=parent)
        _add_bookmarks(writer, children, first, added)


Bookmark = tuple[str, int]  # a title and its page, counted from 0 within its PDF


@dataclass(frozen=True)
class Chapter:
    """One chapter of a bound PDF: its bookmark title, its own bookmarks beneath it, a text
    stamped on every page, and a name under which the original is attached whole."""

    title: str
    pdf: bytes
    stamp: str | None = None
    attach_as: str | None = None
    children: Sequence[Bookmark] = ()


def page_count(pdf: bytes) -> int:
    """The number of pages; DocumentError for a file that cannot be read as a PDF."""
    return len(_reader(pdf).pages)


def outline(pdf: bytes) -> list[Bookmark]:
    """The top-level bookmarks of a PDF with the page each points to; DocumentError for a
    file that cannot be read as a PDF."""
    reader = _reader(pdf)
    items = [i for i in reader.outline if not isinstance(i, list)]
    pages = [(str(i.title), reader.get_destination_page_number(i)) for i in items]
    return [(title, page) for title, page in pages if page is not None]


def _reader(pdf: bytes) -> PdfReader:
    try:
        return PdfReader(io.BytesIO(pdf))
    except (PyPdfError, ValueError, OSError) as exc:
        raise DocumentError(f"the PDF cannot be read ({exc})") from exc


def bind(
    front: bytes,
    front_outline: Sequence[Bookmark],
    chapters: Sequence[Chapter],
    *,
    metadata: Mapping[str, str],
    attachments: Mapping[str, bytes] | None = None,
) -> bytes:
    """Front matter, then each chapter rebuilt page by page (its own seals, forms and links do
    not come along) under its bookmark, stamped and attached as asked; opens on the outline."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(front)), import_outline=False)
    for title, page in front_outline:
        writer.add_outline_item(title=title, page_number=page)
    for chapter in chapters:
        first = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(rebuild_pdf(chapter.pdf, max_pages=10_000))))
        parent = writer.add_outline_item(title=chapter.title, page_number=first)
        for title, page in chapter.children:
            writer.add_outline_item(title=title, page_number=first + page, parent=parent)
        if chapter.stamp:
            for number in range(first, len(writer.pages)):
                _stamp(writer, number, chapter.stamp)
        if chapter.attach_as:
            writer.add_attachment(chapter.attach_as, chapter.pdf)
    writer.page_mode = "/UseOutlines"
    writer.add_metadata(dict(metadata))
    for name, data in (attachments or {}).items():
        writer.add_attachment(name, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stamp(writer: PdfWriter, number: int, text: str) -> None:
    """A red printed note in the top left corner of a page."""
    box = writer.pages[number].mediabox
    note = FreeText(
        text=text,
        rect=(
            float(box.left) + 40,
            float(box.top) - 40,
            float(box.left) + 260,
            float(box.top) - 12,
        ),
        bold=True,
        font_size="16pt",
        font_color="c00000",
        border_color="c00000",
    )
    note[NameObject("/F")] = NumberObject(AnnotationFlag.PRINT)
    writer.add_annotation(number, note)


def sanitize_pdf(
    data: bytes,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pages: int = MAX_UPLOAD_PAGES,
    time_limit: float = UPLOAD_TIME_LIMIT,
) -> bytes:
    """Rebuild an uploaded PDF page by page without scripts, actions, files or form actions.

    Raises PdfRejected with a plain reason for an empty, oversized, encrypted, malformed,
    too long or too slow file. Parsing runs in a child process that is killed at the
    deadline: a thread cannot stop pypdf looping on a pathological file.
    """
    if not data:
        raise PdfRejected("the file is empty")
    if len(data) > max_bytes:
        raise PdfRejected(f"the PDF is larger than {max_bytes / 1024 / 1024:g} MB")
    if b"%PDF-" not in data[:1024]:
        raise PdfRejected("the file is not a PDF")
    # A plain child interpreter rather than multiprocessing: it also works inside daemonic
    # worker processes, which may not start multiprocessing children.
    paths = [_SOURCE_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
            [sys.executable, "-c", _CHILD_PROGRAM, str(max_pages)],
            input=data,
            capture_output=True,
            timeout=time_limit,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # subprocess.run has killed the child
        raise PdfRejected(f"reading the PDF took longer than {time_limit:g} s") from exc
    verdict, _, payload = done.stdout.partition(b"\n")
    if verdict == b"ok":
        return payload
    if verdict == b"rejected":
        raise PdfRejected(payload.decode("utf-8", "replace"))
    raise PdfRejected("the PDF could not be read (the reader stopped)")


def child_main() -> None:
    """The reader child: a PDF on stdin; `ok` and the rebuilt PDF, or `rejected` and why."""
    resource.setrlimit(resource.RLIMIT_AS, (_CHILD_MEMORY, _CHILD_MEMORY))
    data = sys.stdin.buffer.read()
    try:
        answer = b"ok\n" + rebuild_pdf(data, max_pages=int(sys.argv[1]))
    except PdfRejected as exc:
        answer = b"rejected\n" + str(exc).encode()
    except MemoryError:
        answer = b"rejected\nthe PDF needs too much memory to read"
    except Exception as exc:  # pypdf raises many exception types on a broken file
        answer = f"rejected\nthe PDF is damaged and cannot be read ({type(exc).__name__})".encode()
    sys.stdout.buffer.write(answer)


def rebuild_pdf(data: bytes, *, max_pages: int = MAX_UPLOAD_PAGES) -> bytes:
    """The rebuild itself, in this process and without a time limit: use `sanitize_pdf`."""
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise PdfRejected("the PDF is encrypted / password protected")
    reader = _flatten_form(reader)
    count = len(reader.pages)
    if count == 0:
        raise PdfRejected("the PDF has no pages")
    if count > max_pages:
        raise PdfRejected(f"the PDF has {count} pages; at most {max_pages} are accepted")
    writer = PdfWriter()
    for page in reader.pages:
        # Cleaned before copying, so what is dropped is never copied into the new file.
        _strip_actions(page)
        writer.add_page(page)
    output = io.BytesIO()
    writer.write(output)
    rebuilt = output.getvalue()
    if len(PdfReader(io.BytesIO(rebuilt)).pages) != count:
        raise PdfRejected("the PDF could not be rebuilt")
    return rebuilt


def _flatten_form(reader: PdfReader) -> PdfReader:
    """The filled-in form values drawn into the pages, so dropping the widgets keeps them.

    A filled-in annex (a signed form, a tenancy contract with its fields) is a legal text:
    losing its values while keeping the labels would change it silently.
    """
    fields = reader.get_fields() or {}
    # pypdf's hints omit None, which its code reads as "keep the value, only draw it".
    values: dict[str, Any] = {}
    for name, field in fields.items():
        value, kind = field.get("/V"), field.get("/FT")
        if value in (None, "") or kind not in {"/Tx", "/Ch", "/Btn"}:
            continue  # nothing filled in, or a signature, which the seal replaces
        # None keeps a text's value and draws it anew; a button is drawn in its own state.
        values[name] = str(value) if kind == "/Btn" else None
    if not values:
        return reader
    writer = PdfWriter(clone_from=reader)
    try:
        writer.update_page_form_field_values(None, values, auto_regenerate=False, flatten=True)
    except Exception as exc:  # pypdf raises many kinds on an unusual form
        raise PdfRejected(
            "the filled-in form in this PDF cannot be kept as page content "
            f"({type(exc).__name__}); print it to a new PDF first"
        ) from exc
    output = io.BytesIO()
    writer.write(output)
    return PdfReader(output)


def _strip_actions(page: DictionaryObject) -> None:
    page.pop(NameObject("/AA"), None)
    annotations = page.pop(NameObject("/Annots"), None)
    if annotations is None:
        return
    kept = ArrayObject()
    for reference in annotations.get_object():
        annotation = reference.get_object()
        if (
            isinstance(annotation, DictionaryObject)
            and annotation.get("/Subtype") in _SAFE_ANNOTATIONS
            and "/A" not in annotation
            and "/AA" not in annotation
        ):
            # Back and side references could drag other pages or popups into the copy.
            for key in ("/P", "/Popup", "/Parent"):
                annotation.pop(NameObject(key), None)
            kept.append(annotation)
    if kept:
        page[NameObject("/Annots")] = kept
