"""The house style of the default templates: page, header, footer, tables, lists, signatures."""

from __future__ import annotations

from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

FIXED_TIME = datetime(2024, 1, 1, tzinfo=UTC)
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
ADDRESS = (
    "{{ organisation.name }} · {{ organisation.address }} · {{ organisation.postal_code }} "
    "{{ organisation.city }} · {{ organisation.phone }} · {{ organisation.email }}"
)


def new_document(title: str) -> DocumentObject:
    """An A4 document with the house style, a header with title and case, a paged footer."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.8), Cm(2.5)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Calibri", Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 20), ("Heading 1", 14), ("Heading 2", 12)):
        style = doc.styles[name]
        style.font.name, style.font.size, style.font.color.rgb = "Calibri", Pt(size), ACCENT
        # A heading never ends a page: it goes with the paragraph or table row after it.
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.keep_together = True
    doc.core_properties.title = title
    doc.core_properties.language = "nl-NL"
    doc.core_properties.author = doc.core_properties.last_modified_by = ""
    doc.core_properties.created = doc.core_properties.modified = FIXED_TIME
    doc.core_properties.revision = 1

    header = section.header.paragraphs[0]
    header.paragraph_format.tab_stops.add_tab_stop(Cm(16), WD_TAB_ALIGNMENT.RIGHT)
    header.add_run("{{ organisation.name }}").bold = True
    header.add_run(f"\t{title}")
    second = section.header.add_paragraph("\tKenmerk: {{ case.reference }}")
    second.paragraph_format.tab_stops.add_tab_stop(Cm(16), WD_TAB_ALIGNMENT.RIGHT)
    _bottom_border(second)

    footer = section.footer.paragraphs[0]
    footer.add_run(ADDRESS).font.size = Pt(8)
    pages = section.footer.add_paragraph()
    pages.paragraph_format.tab_stops.add_tab_stop(Cm(16), WD_TAB_ALIGNMENT.RIGHT)
    pages.add_run("\tPagina ")
    _field(pages, "PAGE")
    pages.add_run(" van ")
    _field(pages, "NUMPAGES")
    return doc


def _field(paragraph: Paragraph, instruction: str) -> None:
    # Word and LibreOffice fill PAGE and NUMPAGES when they lay the document out.
    for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    paragraph.add_run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


def _bottom_border(paragraph: Paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "4"), ("w:color", "1F4E79")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


# Columns that hold a party's label or role ("Woningcorporatie", "vertegenwoordiger") are
# never narrower than these, whatever a template asks: a label must not break mid-word.
# The width is taken from the table's widest column.
MIN_WIDTHS = {"Partij": 4.0, "Rol": 4.0}


def fitted(header: list[str], widths: list[float]) -> list[float]:
    """The widths with every labelled column at its minimum, the table as wide as before."""
    pairs = zip(header, widths, strict=True)
    wanted = [max(width, MIN_WIDTHS.get(text, 0.0)) for text, width in pairs]
    free = [index for index, text in enumerate(header) if text not in MIN_WIDTHS]
    if free and wanted != widths:
        widest = max(free, key=lambda index: widths[index])
        wanted[widest] -= sum(wanted) - sum(widths)
    return wanted


def table(doc: DocumentObject, header: list[str], widths: list[float]) -> Table:
    """A grid table with a bold header row, repeated on every page, kept with the first row."""
    grid: Table = doc.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, header, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
        cell.paragraphs[0].paragraph_format.keep_with_next = True
    repeat = OxmlElement("w:tblHeader")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)
    _unsplittable(grid.rows[0])
    widths = fitted(header, widths)
    # LibreOffice lays out by the grid columns, Word by the cell widths: set both.
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    return grid


def row(grid: Table, *cells: str) -> None:
    """A table row that never splits over two pages; a single `{%tr ... %}` cell is a
    docxtpl row tag."""
    new = grid.add_row()  # type: ignore[no-untyped-call]
    for cell, text in zip(new.cells, cells, strict=False):
        cell.text = text
    if not cells[0].startswith("{%tr"):
        _unsplittable(new)


def _unsplittable(new: _Row) -> None:
    new._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def bullets(doc: DocumentObject, loop: str, item: str) -> None:
    """A bulleted list made by a docxtpl paragraph loop."""
    doc.add_paragraph(f"{{%p for item in {loop} %}}")
    doc.add_paragraph(item, style="List Bullet")
    doc.add_paragraph("{%p endfor %}")


def signature_block(doc: DocumentObject, rows: list[tuple[str, str]]) -> None:
    """Signature rows: (role label, name and position); tags pass through as row tags.
    The table stays on one page, with its heading and the few paragraphs between them."""
    for paragraph in reversed(doc.paragraphs[-4:]):
        paragraph.paragraph_format.keep_with_next = True
        if paragraph.style is not None and paragraph.style.name.startswith("Heading"):
            break
    grid = table(doc, ["Partij", "Naam en functie", "Datum", "Handtekening"], [3.5, 6, 2.5, 4])
    for label, name in rows:
        if label.startswith("{%tr"):
            row(grid, label)
        else:
            row(grid, label, name, "", "")
            grid.rows[-1].height = Cm(1.6)
            _kept_with_next(grid.rows[-1])


def _kept_with_next(new: _Row) -> None:
    # LibreOffice and Word keep a table on one page when every row is kept with the next.
    for cell in new.cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True


def last_kept_together(doc: DocumentObject, count: int) -> None:
    """The document's last `count` paragraphs on one page (a letter's greeting and sender,
    never the sender alone on a page of its own)."""
    last = doc.paragraphs[-count:]
    for paragraph in last:
        paragraph.paragraph_format.keep_together = True
        paragraph.paragraph_format.keep_with_next = paragraph is not last[-1]


def evidence_footer(doc: DocumentObject) -> None:
    """The evidence page's footer numbers its own pages: it follows the signed document."""
    pages = doc.sections[0].footer.paragraphs[1]
    for run in pages.runs:
        if run.text == "\tPagina ":
            run.text = "\tOndertekeningsbewijs, pagina "


def commands(doc: DocumentObject, lines: list[str]) -> None:
    """Commands to type, one a line, in a fixed-width font and indented."""
    block = doc.add_paragraph()
    block.paragraph_format.left_indent = Cm(1.3)
    for index, line in enumerate(lines):
        run = block.add_run(line)
        run.font.name, run.font.size = "DejaVu Sans Mono", Pt(9)
        if index < len(lines) - 1:
            run.add_break()


def facts(doc: DocumentObject, rows: list[tuple[str, str]], widths: tuple[float, float]) -> Table:
    """A table of label and value rows without a header row, in a smaller font, kept on one
    page; a `{%tr ... %}` label is a docxtpl row tag; values starting with `mono:` are set
    in a fixed-width font (fingerprints: one character is one column)."""
    grid: Table = doc.add_table(rows=0, cols=2)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for label, value in rows:
        new = grid.add_row()  # type: ignore[no-untyped-call]
        if label.startswith("{%tr"):
            new.cells[0].text = label
            continue
        new._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        cells = new.cells
        cells[0].text = ""
        cells[0].paragraphs[0].add_run(label).font.size = Pt(9.5)
        mono = value.startswith("mono:")
        for index, line in enumerate(value.removeprefix("mono:").split("\n")):
            paragraph = cells[1].paragraphs[0] if index == 0 else cells[1].add_paragraph()
            run = paragraph.add_run(line)
            run.font.size = Pt(8.5 if mono else 9.5)
            if mono:
                run.font.name = "DejaVu Sans Mono"
        for cell in cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(1)
                paragraph.paragraph_format.keep_with_next = True
    # The last row may end a page: keep-with-next on it would chain every table to the next.
    for cell in grid.rows[-1].cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    return grid


def seal_box(doc: DocumentObject, label: str) -> None:
    """A framed, empty box for the visible seal: the seal's stamp is drawn in it when the
    document is sealed, below `label` (the finishing step finds the box by that text)."""
    box: Table = doc.add_table(rows=1, cols=1)  # no border: the stamp draws its own
    box.alignment = WD_TABLE_ALIGNMENT.LEFT
    box.autofit = False
    cell = box.rows[0].cells[0]
    box.columns[0].width = cell.width = Cm(16)
    box.rows[0].height, box.rows[0].height_rule = Cm(3.4), WD_ROW_HEIGHT_RULE.EXACTLY
    box.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    run = cell.paragraphs[0].add_run(label)
    run.font.size, run.font.color.rgb = Pt(8), ACCENT
