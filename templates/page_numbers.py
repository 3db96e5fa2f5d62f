"""One page count over a whole package: "Pagina 4 van 9" stamped on every page as a
pagination artifact, in an embedded font (PDF/A allows no other), and removable again."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from fontTools import subset
from fontTools.ttLib import TTFont
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from templates.errors import DocumentError

# The house style's font (Calibri's metric twin), else fonts Debian always has.
FONTS = (
    Path("/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
SIZE = 10.0
RIGHT_MARGIN = 70.87  # 2.5 cm, the default templates' right margin
BASELINE = 45.0  # where their footer printed its own page number
_CHARS = "Pagina van 0123456789"
_FONT_NAME = NameObject("/AgPageNo")
_MARK = NameObject("/AgreementsPageNumber")  # on our two streams, so they can be removed
_FIRST, _LAST = 32, 122


def label(number: int, total: int) -> str:
    return f"Pagina {number} van {total}"


@lru_cache(maxsize=1)
def _font() -> tuple[bytes, dict[int, int], dict[str, Any], str]:
    """A subset of the first font found: its bytes, widths per code, metrics and name."""
    path = next((p for p in FONTS if p.exists()), None)
    if path is None:
        raise DocumentError("no font for the page numbers (install fonts-crosextra-carlito)")
    font = TTFont(path)
    options = subset.Options()
    options.name_IDs, options.notdef_outline, options.recalc_bounds = ["*"], True, True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=_CHARS)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    scale = 1000 / font["head"].unitsPerEm
    cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
    widths = {
        code: round(metrics[cmap[code]][0] * scale) if code in cmap else 0
        for code in range(_FIRST, _LAST + 1)
    }
    head, os2 = font["head"], font["OS/2"]
    info = {
        "ascent": os2.sTypoAscender * scale,
        "descent": os2.sTypoDescender * scale,
        "cap": getattr(os2, "sCapHeight", os2.sTypoAscender) * scale,
        "bbox": [head.xMin * scale, head.yMin * scale, head.xMax * scale, head.yMax * scale],
    }
    name = font["name"].getDebugName(6) or path.stem
    return out.getvalue(), widths, info, name


def _font_object(writer: PdfWriter) -> object:
    data, widths, info, name = _font()
    program = StreamObject()
    program.set_data(data)
    program[NameObject("/Length1")] = NumberObject(len(data))
    base = NameObject(f"/AGPGNO+{name}")
    descriptor = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): base,
            NameObject("/Flags"): NumberObject(32),  # non-symbolic: WinAnsi codes
            NameObject("/FontBBox"): ArrayObject(FloatObject(v) for v in info["bbox"]),
            NameObject("/ItalicAngle"): NumberObject(0),
            NameObject("/Ascent"): FloatObject(info["ascent"]),
            NameObject("/Descent"): FloatObject(info["descent"]),
            NameObject("/CapHeight"): FloatObject(info["cap"]),
            NameObject("/StemV"): NumberObject(80),
            NameObject("/FontFile2"): writer._add_object(program),
        }
    )
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/TrueType"),
            NameObject("/BaseFont"): base,
            NameObject("/FirstChar"): NumberObject(_FIRST),
            NameObject("/LastChar"): NumberObject(_LAST),
            NameObject("/Widths"): ArrayObject(NumberObject(widths[c]) for c in sorted(widths)),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            NameObject("/FontDescriptor"): writer._add_object(descriptor),
        }
    )
    return writer._add_object(font)


def _width(text: str) -> float:
    widths = _font()[1]
    return sum(widths.get(ord(c), 0) for c in text) * SIZE / 1000


def _stream(writer: PdfWriter, content: bytes) -> object:
    stream = DecodedStreamObject()
    stream.set_data(content)
    stream[_MARK] = BooleanObject(True)
    return writer._add_object(stream)


def stamp(writer: PdfWriter, first: int = 0) -> None:
    """Number the pages from `first` on, as one document: "Pagina n van N", bottom right."""
    font = _font_object(writer)
    total = len(writer.pages) - first
    for number, page in enumerate(writer.pages[first:], start=1):
        text = label(number, total)
        box = page.mediabox
        x = float(box.right) - RIGHT_MARGIN - _width(text)
        y = float(box.bottom) + BASELINE
        # A pagination artifact: not part of the text a screen reader reads as the document.
        drawn = (
            f"Q q /Artifact <</Type /Pagination /Subtype /Footer>> BDC BT {_FONT_NAME} "
            f"{SIZE:g} Tf 0 g {x:.2f} {y:.2f} Td ({text}) Tj ET EMC Q"
        ).encode("ascii")
        resources = page.get("/Resources")
        resources = DictionaryObject() if resources is None else resources.get_object()
        fonts = resources.get("/Font")
        fonts = DictionaryObject() if fonts is None else DictionaryObject(fonts.get_object())
        fonts[_FONT_NAME] = font
        resources = DictionaryObject(resources)
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
        contents = page.get("/Contents")
        existing = ArrayObject() if contents is None else contents.get_object()
        if not isinstance(existing, ArrayObject):
            existing = ArrayObject([contents])
        # The page's own content inside q ... Q: whatever state it leaves cannot move ours.
        page[NameObject("/Contents")] = ArrayObject(
            [_stream(writer, b"q"), *existing, _stream(writer, drawn)]
        )


def unstamp(writer: PdfWriter) -> None:
    """Remove our page numbers (a package that becomes an annex is counted anew)."""
    for page in writer.pages:
        contents = page.get("/Contents")
        contents = None if contents is None else contents.get_object()
        if not isinstance(contents, ArrayObject):
            continue
        page[NameObject("/Contents")] = ArrayObject(
            c for c in contents if _MARK not in c.get_object()
        )
        resources = page.get("/Resources")
        fonts = None if resources is None else resources.get_object().get("/Font")
        if fonts is not None:
            fonts.get_object().pop(_FONT_NAME, None)
