"""A rendered DOCX made ready for an archivable PDF: the document's language, real bullet
characters, and (for a numbered package) no page numbers of its own."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

from lxml import etree

from templates.errors import ConversionError
from templates.package import parse_xml

LANGUAGE = "nl-NL"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": _W}
# Word's bullets are private-use characters of the Symbol and Wingdings fonts: they reach the
# PDF's text layer as U+F0B7 and the like, which no reader or screen reader understands.
_BULLETS = {"\uf0b7": "•", "\uf0a7": "▪", "\uf0d8": "➢", "\uf076": "❖", "\uf0fc": "✓"}
_SYMBOL_FONTS = {"Symbol", "Wingdings", "Courier New"}
# The words around a page number: dropped with its fields, so no "Pagina  van " is left.
_PAGE_WORDS = {"pagina", "van", "page", "of", "blz.", "blad", "/", "-", "–"}
_PAGE_FIELDS = {"PAGE", "NUMPAGES", "SECTIONPAGES"}


# LibreOffice's PDF export (writer_pdf_Export): a tagged PDF (structure for screen readers,
# /Lang from the document's language), PDF/A-3b (fonts embedded, an output intent and XMP;
# A-3 rather than A-2 because the package carries its data and Word file as attachments,
# which PDF/A-2 forbids), and bookmarks from the headings.
PDF_EXPORT_FILTER = "writer_pdf_Export"
PDF_EXPORT_OPTIONS: dict[str, bool | int] = {
    "UseTaggedPDF": True,
    "SelectPdfVersion": 3,
    "ExportBookmarks": True,
}


def export_options() -> list[str]:
    """The export options as unoserver takes them: `Name=value`."""
    return [
        f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in PDF_EXPORT_OPTIONS.items()
    ]


def export_json() -> str:
    """The export options as soffice's --convert-to takes them (LibreOffice 7.4 and later)."""
    typed = {
        k: {"type": "boolean" if isinstance(v, bool) else "long", "value": str(v).lower()}
        for k, v in PDF_EXPORT_OPTIONS.items()
    }
    return json.dumps(typed, separators=(",", ":"))


def _w(name: str) -> str:
    return f"{{{_W}}}{name}"


def prepare_docx(docx: bytes, *, page_numbers: bool = True) -> bytes:
    """The DOCX with Dutch as its language and Unicode bullets; without `page_numbers` the
    PAGE and NUMPAGES fields of its headers and footers (and the words beside them) are
    removed, because the package stamps one count over all its parts. Parts that are not
    there or not XML are left as they are."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as source:
            entries = {info.filename: source.read(info) for info in source.infolist()}
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:  # starts like one, is none
        raise ConversionError(f"could not convert: the DOCX cannot be read ({exc})") from exc
    changed = {}
    for name, content in entries.items():
        if name == "word/styles.xml":
            changed[name] = _edit(content, _set_language)
        elif name == "word/numbering.xml":
            changed[name] = _edit(content, _unicode_bullets)
        elif not page_numbers and name.startswith(("word/footer", "word/header")):
            changed[name] = _edit(content, _drop_page_numbers)
    if not changed:
        return docx
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in entries.items():
            target.writestr(name, changed.get(name, content))
    return out.getvalue()


def _edit(content: bytes, change: Callable[[etree._Element], None]) -> bytes:
    try:
        root = parse_xml(content)
    except etree.XMLSyntaxError:
        return content
    change(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _child(parent: etree._Element, name: str, first: bool = False) -> etree._Element:
    found = parent.find(f"w:{name}", _NS)
    if found is None:
        found = etree.Element(_w(name))
        if first:
            parent.insert(0, found)
        else:
            parent.append(found)
    return found


def _set_language(styles: etree._Element) -> None:
    """The document's default language (LibreOffice writes it as the PDF's /Lang)."""
    defaults = _child(styles, "docDefaults", first=True)
    run = _child(_child(defaults, "rPrDefault", first=True), "rPr")
    _child(run, "lang").set(_w("val"), LANGUAGE)
    for lang in styles.iterfind(".//w:style//w:lang", _NS):
        if lang.get(_w("val"), "").lower().startswith("en"):
            lang.set(_w("val"), LANGUAGE)


def _unicode_bullets(numbering: etree._Element) -> None:
    for level in numbering.iterfind(".//w:lvl", _NS):
        kind = level.find("w:numFmt", _NS)
        text = level.find("w:lvlText", _NS)
        if kind is None or kind.get(_w("val")) != "bullet" or text is None:
            continue
        value = text.get(_w("val"), "")
        fonts = level.find("w:rPr/w:rFonts", _NS)
        font = fonts.get(_w("ascii"), "") if fonts is not None else ""
        if value in _BULLETS:
            text.set(_w("val"), _BULLETS[value])
        elif value == "o" and font == "Courier New":
            text.set(_w("val"), "◦")
        else:
            continue
        if fonts is not None and font in _SYMBOL_FONTS:
            # The paragraph's own font then draws the bullet, as a real character.
            fonts.getparent().remove(fonts)


def _drop_page_numbers(part: etree._Element) -> None:
    for paragraph in part.iterfind(".//w:p", _NS):
        instructions = " ".join(t.text or "" for t in paragraph.iterfind(".//w:instrText", _NS))
        simple = [f for f in paragraph.iterfind(".//w:fldSimple", _NS) if _is_page(f)]
        if not simple and not _PAGE_FIELDS & set(instructions.split()):
            continue
        for field in simple:
            field.getparent().remove(field)
        _drop_complex_page_fields(paragraph)
        for run in paragraph.findall("w:r", _NS):
            texts = run.findall("w:t", _NS)
            if texts and "".join(t.text or "" for t in texts).strip().lower() in _PAGE_WORDS:
                paragraph.remove(run)


def _is_page(field: etree._Element) -> bool:
    return bool(_PAGE_FIELDS & set(field.get(_w("instr"), "").split()))


def _drop_complex_page_fields(paragraph: etree._Element) -> None:
    """Remove each begin ... separate ... end run sequence whose instruction is a page field."""
    runs = paragraph.findall("w:r", _NS)
    index = 0
    while index < len(runs):
        char = runs[index].find("w:fldChar", _NS)
        if char is None or char.get(_w("fldCharType")) != "begin":
            index += 1
            continue
        end = index
        while end < len(runs):
            closing = runs[end].find("w:fldChar", _NS)
            if closing is not None and closing.get(_w("fldCharType")) == "end":
                break
            end += 1
        field = runs[index : end + 1]
        words = " ".join(t.text or "" for r in field for t in r.iterfind("w:instrText", _NS))
        if _PAGE_FIELDS & set(words.split()):
            for run in field:
                paragraph.remove(run)
        index = end + 1
