"""The evidence page of a sealed version: the signed bytes' fingerprint and how to check
it, each signature with its times, IP, device and drawn signature, the consent texts, and
the frame where the seal's visible stamp is drawn."""

from __future__ import annotations

import io
import logging
import secrets
from datetime import datetime
from typing import Any

from cryptography.x509.oid import NameOID
from pypdf import PdfReader, PdfWriter

from agreements.db.models import Document, DocumentVersion
from agreements.domain.consent import consents_shown
from agreements.domain.enums import SigningRole
from agreements.services.context import Deps
from agreements.services.documents import data as document_data
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures.signers import identified_nl
from signing.certs import load_pkcs12_certificate
from signing.evidence import EVIDENCE_FILENAME, SIGNED_DOCUMENT_FILENAME, SignatureEvidence
from signing.seal import SealStamp
from templates.filters import datumtijd_zone
from templates.render import render_docx
from templates.structure import graft
from templates.text import SEQUENCES, refused_char

log = logging.getLogger("agreements.finishing")
_METHOD_NL = {
    "link": "via persoonlijke link",
    "staff_session": "ingelogd als medewerker",
    "in_person": "persoonlijk, met getuige",
    "link+email_code": "via persoonlijke link en code per e-mail",
    "link+sms_code": "via persoonlijke link en code per sms",
    "link+code_read_out": "via persoonlijke link en code, voorgelezen door coördinator",
}


def evidence_page(
    engine: DocumentEngine,
    deps: Deps,
    reference: str,
    document: Document,
    version: DocumentVersion,
    rows: list[Any],
    orgs: dict[int, str],
    now: datetime,
    *,
    signed: tuple[int, int],
    holder: str,
) -> bytes:
    """The evidence page as PDF: the signed bytes' fingerprint and how to check it, each
    signature (times in Dutch time with their offset, IP, device, drawn signature), the
    consent text, and a framed box where the seal's stamp is drawn."""
    size, pages = signed
    template = engine.catalogue.get("evidence_page")
    drawings: dict[str, bytes] = {}
    signatures = []
    for request, sig in rows:
        record = sig.evidence
        marker = ""
        if sig.drawn_png_sha256:
            png = engine.store.get(sig.drawn_png_sha256)
            marker = _drawing_marker(png, drawings)
        signatures.append(
            {
                "role": (
                    request.capacity or SigningRole.heading_of(request.party_role)
                ).capitalize(),
                "name": record["typed_name"],
                "organisation": record.get("organisation")
                or orgs.get(request.organisation_id or 0, ""),
                "function": record.get("signatory_function") or "",
                "mandate": record.get("signatory_mandate") or "",
                "signed_at": record["signed_at"],
                "utc": record["signed_at"],
                "method": _METHOD_NL.get(record["identified_by"], record["identified_by"]),
                "identified_by": _shown(identified_nl(record, request.email), limit=300),
                "ip": _shown(record.get("ip")) or "niet vastgelegd",
                "user_agent": _shown(record.get("user_agent"), limit=300) or "niet vastgelegd",
                "signature": f"Naam getypt: {record['typed_name']}",
                "drawn": marker,
                "evidence_sha256": SignatureEvidence.from_dict(record).sha256(),
            }
        )
    data = {
        "organisation": document_data.letterhead(deps.settings),
        "case": {"reference": reference},
        "document": {
            "title": document.title,
            "version": version.number,
            "sha256": version.pdf_sha256,
            "pages": pages,
            "file": SIGNED_DOCUMENT_FILENAME,
            "size": f"{size:,} bytes".replace(",", "."),
        },
        "signatures": signatures,
        "consents": consents_shown([sig.evidence for _, sig in rows]),
        "seal": {"holder": holder},
        "finalised_at": now.isoformat(),
    }
    docx = render_docx(template.read_bytes(), data, time_limit=engine.settings.render_time_limit)
    if drawings:
        docx = _with_drawings(docx, drawings)
    return engine.converter.convert(docx)


# A drawing is shown at this height; wider or taller PNGs are not shown (the evidence names
# their hash), so a hostile drawing cannot make the converter decode a huge image.
_DRAWING_HEIGHT_CM = 2.0
_MAX_DRAWING_PIXELS = (4000, 2000)
_PNG = b"\x89PNG\r\n\x1a\n"


def _drawing_marker(png: bytes, drawings: dict[str, bytes]) -> str:
    """The text of the "Getekend" row: a one-off marker that `_with_drawings` replaces by
    the image, or why the drawing is not shown."""
    if len(png) < 24 or not png.startswith(_PNG) or png[12:16] != b"IHDR":
        return "getekend, maar de afbeelding is geen leesbare PNG (zie ondertekening.json)"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    if not (0 < width <= _MAX_DRAWING_PIXELS[0] and 0 < height <= _MAX_DRAWING_PIXELS[1]):
        return f"getekend, maar de afbeelding is te groot om te tonen ({width} x {height})"
    marker = f"drawing-{secrets.token_hex(8)}"
    drawings[marker] = png
    return marker


def _with_drawings(docx: bytes, drawings: dict[str, bytes]) -> bytes:
    """The rendered evidence page with each marker paragraph replaced by its drawing."""
    from docx import Document as WordDocument
    from docx.shared import Cm

    word = WordDocument(io.BytesIO(docx))
    for table in word.tables:
        for table_row in table.rows:
            for cell in table_row.cells:
                for paragraph in cell.paragraphs:
                    png = drawings.get(paragraph.text.strip())
                    if png is None:
                        continue
                    for run in paragraph.runs:
                        run.text = ""
                    try:
                        paragraph.add_run().add_picture(
                            io.BytesIO(png), height=Cm(_DRAWING_HEIGHT_CM)
                        )
                    except Exception:  # python-docx could not read the PNG's header
                        paragraph.add_run("getekend, maar de afbeelding is niet te tonen")
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _shown(value: str | None, *, limit: int = 100) -> str:
    """Recorded text as one line the document engine accepts (a header may hold anything)."""
    if not value:
        return ""
    text = "".join("?" if refused_char(c, multiline=False) else c for c in value)
    for sequence in SEQUENCES:
        text = text.replace(sequence, sequence.replace("_", " "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def seal_holder(deps: Deps) -> str:
    """Who holds the seal certificate: its subject's common name and organisation."""
    certificate = load_pkcs12_certificate(
        deps.settings.effective_seal_pkcs12, deps.settings.effective_seal_password
    )
    names = [
        str(attribute.value)
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)
        for attribute in certificate.subject.get_attributes_for_oid(oid)
    ]
    unique = list(dict.fromkeys(n for n in names if n.strip()))
    return _shown(", ".join(unique), limit=200) or certificate.subject.rfc4514_string()[:200]


# The seal's box sits in the frame under the label "Zegel" on the evidence page.
_SEAL_LABEL = "Zegel"
_STAMP_HEIGHT = 80  # points: the frame is 3.4 cm (96 pt) high, the label takes the rest


def stamp(
    page: bytes, signed_pages: int, pages: int, holder: str, now: datetime
) -> SealStamp | None:
    """The visible seal in the evidence page's frame, or None (an invisible seal, as
    before) when the page has no frame, such as an evidence template of one's own."""
    found = _find_label(page, _SEAL_LABEL)
    if found is None:
        log.warning("evidence page without a seal frame: the seal is invisible")
        return None
    index, x, y = found
    box = (int(x), int(y - 6 - _STAMP_HEIGHT), int(x + 440), int(y - 6))
    text = "\n".join(
        [
            f"Elektronisch zegel van: {holder}",
            f"Afgesloten en verzegeld op {datumtijd_zone(now)}",
            f"Dit zegel geldt voor alle {pages} pagina's van dit bestand:",
            f"het ondertekende document (pagina 1 tot en met {signed_pages}), dit bewijs "
            f"(pagina {signed_pages + 1} tot en met {pages})",
            f"en de bijlagen {SIGNED_DOCUMENT_FILENAME} en {EVIDENCE_FILENAME}.",
        ]
    )
    return SealStamp(page=signed_pages + index, box=box, text=text)


def _find_label(pdf: bytes, label: str) -> tuple[int, float, float] | None:
    """The last place (page, x, y of the baseline) where a text run is exactly `label`.
    Pages are read from the last one back, and reading stops at the first page that has it:
    extracting a page's text is most of the cost of finishing outside LibreOffice."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    found: list[tuple[int, float, float]] = []  # only the page being read: the later had none
    for index in reversed(range(len(pages))):

        def visit(text: str, cm: list[float], tm: list[float], *_: Any, i: int = index) -> None:
            if text.strip() == label:
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                found.append((i, x, y))

        pages[index].extract_text(visitor_text=visit)
        if found:
            return found[-1]
    return None


def append_page(original: bytes, page: bytes) -> bytes:
    # Cloning keeps the original's outline, metadata and attachments (manifest, source).
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(original)))
    first = len(writer.pages)
    evidence = PdfReader(io.BytesIO(page))
    writer.append(evidence, import_outline=False)
    graft(writer, evidence, first)  # the evidence pages join the package's structure tree
    writer.add_outline_item(title="Ondertekeningsbewijs", page_number=first)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
