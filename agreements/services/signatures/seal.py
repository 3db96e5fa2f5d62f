"""Finishing a fully signed version exactly once: the evidence page, the evidence JSON and
the seal; the version marked sealed and each signer's copy queued in one transaction."""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.x509.oid import NameOID
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import (
    Agreement,
    Case,
    Document,
    DocumentVersion,
    Organisation,
    Signature,
    SignatureRequest,
)
from agreements.domain import rules
from agreements.domain.consent import consents_shown
from agreements.domain.enums import AgreementStatus, FinishStatus
from agreements.services.context import Deps
from agreements.services.documents import data as document_data
from agreements.services.documents.engine import DocumentEngine
from agreements.services.mail import queue as mail_queue
from agreements.services.signatures.mails import signed_copies
from agreements.services.signatures.state import (
    FINISH_STALE,
    MAX_FINISH_ATTEMPTS,
    lock_document,
    signed_requests,
)
from agreements.services.uow import UnitOfWork, unit_of_work
from signing.certs import load_pkcs12_certificate
from signing.evidence import (
    EVIDENCE_FILENAME,
    SIGNED_DOCUMENT_FILENAME,
    DocumentIdentity,
    SignatureEvidence,
    attach_evidence,
    evidence_bundle,
)
from signing.seal import SealStamp, seal_pdf
from templates.filters import datumtijd_zone
from templates.render import render_docx
from templates.text import SEQUENCES, refused_char

log = logging.getLogger("agreements.finishing")
ROLE_NL = {
    "tenant": "Huurder",
    "representative": "Vertegenwoordiger",
    "corporation": "Woningcorporatie",
    "coordinator": "Coördinator",
    "municipality": "Gemeente",
}
_METHOD_NL = {
    "link": "via persoonlijke link",
    "staff_session": "ingelogd als medewerker",
    "in_person": "persoonlijk, met getuige",
}


def _claim(deps: Deps, version_id: int, now: datetime) -> int | None:
    """Take the version for sealing if every party signed it: the attempt number (this
    seal's claim), or None. One worker seals it, never two; and the check is made here,
    under the document's lock, whatever the caller believed."""
    with unit_of_work(deps, "system:worker", now) as uow:
        session = uow.session
        version = session.get(DocumentVersion, version_id)
        if version is None:
            return None
        lock_document(session, version.document_id)
        session.refresh(version)
        if version.finish_status is FinishStatus.DONE:
            return None
        if signed_requests(session, version_id) is None:
            _not_fully_signed(uow, version)
            return None
        stale = version.finish_status is FinishStatus.RUNNING and (
            version.finish_started_at is None or version.finish_started_at < now - FINISH_STALE
        )
        if version.finish_attempts >= MAX_FINISH_ATTEMPTS or not (
            version.finish_status in (FinishStatus.PENDING, FinishStatus.FAILED) or stale
        ):
            return None
        version.finish_status, version.finish_started_at = FinishStatus.RUNNING, now
        version.finish_attempts += 1
        return version.finish_attempts


def _not_fully_signed(uow: UnitOfWork, version: DocumentVersion) -> None:
    """A version waiting for its seal that some party has not signed: it is not sealed."""
    if version.finish_status is FinishStatus.NOT_READY:
        return
    version.finish_status = FinishStatus.NOT_READY
    version.finish_error = "not every party has signed this version: it is not sealed"
    uow.audit(
        "document.finish_refused", "document_version", version.id, {"reason": version.finish_error}
    )


def _still_ours(
    session: Session, document_id: int, version_id: int, attempt: int
) -> DocumentVersion | None:
    """The version, with its document locked, if this seal's claim still holds (a claim
    that looked stale may have been taken over: then the other seal counts)."""
    lock_document(session, document_id)
    return session.scalar(
        select(DocumentVersion)
        .where(
            DocumentVersion.id == version_id,
            DocumentVersion.finish_attempts == attempt,
            DocumentVersion.finish_status == FinishStatus.RUNNING,
        )
        .execution_options(populate_existing=True)
    )


def finish_version(
    version_id: int, *, deps: Deps, engine: DocumentEngine, clock: Callable[[], datetime]
) -> FinishStatus:
    """Add the evidence page, embed the evidence and seal; idempotent and retried on failure.
    The signed copies are queued in the transaction that marks the version sealed."""
    now = clock()
    attempt = _claim(deps, version_id, now)
    if attempt is None:
        with deps.db() as session:
            version = session.get(DocumentVersion, version_id)
            return version.finish_status if version else FinishStatus.FAILED
    with deps.db() as session:
        version = session.get(DocumentVersion, version_id)
        assert version is not None and version.pdf_sha256 is not None
        document = session.get(Document, version.document_id)
        case = session.get(Case, document.case_id) if document else None
        assert document is not None and case is not None
        # A fully signed version's requests no longer change (nothing voids them).
        rows = signed_requests(session, version_id) or []
        orgs = {o.id: o.name for o in session.scalars(select(Organisation))}
    try:
        digest = _seal(engine, deps, case, document, version, rows, orgs, now)
    except Exception as exc:  # every failure is visible on the version and retried
        log.exception("document.finish_failed", extra={"version": version_id})
        _failed(deps, document.id, version_id, attempt, str(exc), now)
        raise
    with unit_of_work(deps, "system:worker", now) as uow:
        session = uow.session
        mine = _still_ours(session, document.id, version_id, attempt)
        if mine is None:
            return FinishStatus.RUNNING
        now_signed = signed_requests(session, version_id) or []
        if [r.id for r, _ in now_signed] != [r.id for r, _ in rows]:
            reason = "the signatures changed while the seal was made"
            mine.finish_status, mine.finish_error = FinishStatus.FAILED, reason
            return FinishStatus.FAILED
        mine.finish_status, mine.finish_error = FinishStatus.DONE, ""
        mine.sealed_sha256, mine.sealed_at = digest, now
        if document.subject_type == "agreement":
            agreement = session.get(Agreement, document.subject_id)
            if agreement is not None:
                agreement.status = rules.follow(agreement.status, AgreementStatus.ACTIVE)
        copies = mail_queue.enqueue(session, signed_copies(document, case, rows, digest), now)
        uow.audit(
            "document.sealed",
            "document_version",
            version_id,
            {"sealed_sha256": digest, "evidence": len(rows), "copies": copies},
        )
    return FinishStatus.DONE


def _seal(
    engine: DocumentEngine,
    deps: Deps,
    case: Case,
    document: Document,
    version: DocumentVersion,
    rows: list[tuple[SignatureRequest, Signature]],
    orgs: dict[int, str],
    now: datetime,
) -> str:
    """The sealed PDF, stored; its hash. The file is the signed version, its evidence page
    with a visible seal stamp, and two attachments: the evidence JSON and the exact bytes
    the parties signed, so that anyone holding only this file can recompute the
    fingerprint every signature names."""
    if not rows:  # the claim checked it; a seal without signatures must never exist
        raise RuntimeError("no signatures to seal")
    assert version.pdf_sha256 is not None
    evidence = [SignatureEvidence.from_dict(sig.evidence) for _, sig in rows]
    identity = DocumentIdentity(
        document_id=str(document.id),
        version=str(version.number),
        sha256=version.pdf_sha256,
        title=document.title,
    )
    signed = engine.store.get(version.pdf_sha256)
    signed_pages = len(PdfReader(io.BytesIO(signed)).pages)
    holder = seal_holder(deps)
    page = _evidence_page(
        engine,
        deps,
        case.reference or str(case.id),
        document,
        version,
        rows,
        orgs,
        now,
        signed=(len(signed), signed_pages),
        holder=holder,
    )
    combined = _append(signed, page)
    pages = len(PdfReader(io.BytesIO(combined)).pages)
    bundle = evidence_bundle(identity, evidence, generated_at=now, signed_document_size=len(signed))
    sealed = seal_pdf(
        attach_evidence(combined, bundle, signed_document=signed),
        pkcs12_path=deps.settings.effective_seal_pkcs12,
        password=deps.settings.effective_seal_password,
        reason=f"{document.title} {case.reference}: door alle partijen ondertekend",
        location=deps.settings.letterhead_city,
        contact=deps.settings.letterhead_email,
        timestamp_url=deps.settings.timestamp_url or None,
        trust_roots=deps.settings.seal_trust_roots,
        stamp=_stamp(page, signed_pages, pages, holder, now),
    )
    return engine.store.put(sealed)


def _failed(
    deps: Deps, document_id: int, version_id: int, attempt: int, reason: str, now: datetime
) -> None:
    with unit_of_work(deps, "system:worker", now) as uow:
        version = _still_ours(uow.session, document_id, version_id, attempt)
        if version is None:
            return
        version.finish_status, version.finish_error = FinishStatus.FAILED, reason[:1000]
        uow.audit(
            "document.finish_failed", "document_version", version_id, {"reason": reason[:300]}
        )


def _evidence_page(
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
                    request.capacity or ROLE_NL.get(request.party_role, request.party_role)
                ).capitalize(),
                "name": record["typed_name"],
                "organisation": orgs.get(request.organisation_id or 0, ""),
                "signed_at": record["signed_at"],
                "utc": record["signed_at"],
                "method": _METHOD_NL.get(record["identified_by"], record["identified_by"]),
                "identified_by": (
                    f"getuige: {record['witness_name']}"
                    if record.get("witness_name")
                    else request.party_name
                ),
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


def _stamp(
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
    """The last place (page, x, y of the baseline) where a text run is exactly `label`."""
    found: list[tuple[int, float, float]] = []
    for index, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):

        def visit(text: str, cm: list[float], tm: list[float], *_: Any, i: int = index) -> None:
            if text.strip() == label:
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                found.append((i, x, y))

        page.extract_text(visitor_text=visit)
    return found[-1] if found else None


def _append(original: bytes, page: bytes) -> bytes:
    # Cloning keeps the original's outline, metadata and attachments (manifest, source).
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(original)))
    first = len(writer.pages)
    writer.append(PdfReader(io.BytesIO(page)), import_outline=False)
    writer.add_outline_item(title="Ondertekeningsbewijs", page_number=first)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
