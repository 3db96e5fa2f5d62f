"""The court-ready dossier of one case: one sealed PDF with a cover, contents and bookmarks."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.constants import AnnotationFlag
from pypdf.errors import PyPdfError
from pypdf.generic import NameObject, NumberObject
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from agreements.db.models import (
    Agreement,
    AuditEntry,
    Document,
    DocumentVersion,
    EvictionJudgment,
    Review,
    SignatureRequest,
)
from agreements.domain.enums import DocumentStatus, FinishStatus
from agreements.domain.errors import Conflict
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.audit import log as audit
from agreements.services.context import Deps
from agreements.services.documents import data as document_data
from agreements.services.documents.engine import DocumentEngine
from agreements.services.legal import integrity as legal
from agreements.services.scope import case_for
from signing.seal import seal_pdf
from templates.assemble import rebuild_pdf
from templates.defaults.build import bullets, new_document, row, table
from templates.filters import datum
from templates.render import render_docx

GENERATOR = "dossier"
GENERATOR_VERSION = 1
MAX_AUDIT_ENTRIES = 2000  # a trajectory of years stays well under this; the cut is said
_PARTS = {"agreement": 0, "payment_arrangement": 1, "review_minutes": 2}


@dataclass
class Part:
    """One chapter of the dossier: a PDF, its bookmark title and its own bookmarks."""

    title: str
    pdf: bytes
    stamp: bool = False  # an agreement nobody (fully) signed: every page says so
    attach_as: str | None = None  # a sealed original, kept whole to be verified on its own
    children: list[tuple[str, int]] = field(default_factory=list)
    page: int = 0  # first page in the dossier, counted from 1


def build_dossier(
    case_id: int, *, deps: Deps, engine: DocumentEngine, actor: Actor, now: datetime
) -> bytes:
    """Assemble, seal, keep and return the dossier; `finishing.verify` recognises it."""
    authorize(actor, Action.READ, Resource.AGREEMENT)
    with deps.db() as session:
        # Scope first: a case outside it must not differ from a missing one, for any reason.
        case = case_for(session, actor, case_id, Action.READ, Resource.AGREEMENT)
        seal_key = deps.settings.effective_seal_pkcs12
        if not seal_key.exists():
            raise Conflict("there is no sealing key: run `agreements init` first")
        reference, tenant = case.reference or str(case.id), case.tenant.name
        address = f"{case.street} {case.house_number}, {case.postcode} {case.city}"
        documents = _documents(session, engine, case_id)
        judgments = _judgments(session, case_id)
        entries, cut = _audit_excerpt(session, case_id)
    rows = legal.integrity_report(
        deps=deps,
        actor=actor,
        now=now,
        filters=legal.Filters(include_drafts=True, case_id=case_id),
        store=engine.store,
        audit_as=None,  # the dossier's own audit entry below says what was read
    )
    base = {
        "organisation": document_data.letterhead(deps.settings),
        "case": {"reference": reference},
        "made_at": now.isoformat(),
    }

    def convert(name: str, data: dict[str, Any]) -> bytes:
        docx = render_docx(
            _template(name), {**base, **data}, time_limit=engine.settings.render_time_limit
        )
        return engine.converter.convert(docx)

    parts = [
        *documents,
        Part("Tekortkomingen en waarschuwingen", convert("findings", _findings(rows))),
        Part("Vonnis", convert("judgment", {"judgments": judgments})),
        Part("Auditfragment", convert("audit", {"entries": entries, "cut": cut})),
    ]
    front = {"tenant": tenant, "address": address, "made_by": actor.label}
    cover = _front_matter(convert, front, parts)
    manifest = _manifest(reference, now, parts, rows)
    merged = _merge(cover, parts, reference, manifest, now)
    sealed = seal_pdf(
        merged,
        pkcs12_path=seal_key,
        password=deps.settings.effective_seal_password,
        reason=f"Procesdossier {reference}",
        location=deps.settings.letterhead_city,
        contact=deps.settings.letterhead_email,
        timestamp_url=deps.settings.timestamp_url or None,
    )
    _register(deps, engine, case_id, merged, sealed, manifest, actor, now)
    return sealed


def _documents(session: Session, engine: DocumentEngine, case_id: int) -> list[Part]:
    """Each agreement (sealed, else its latest version marked unsigned), arrangements, minutes."""
    query = (
        select(Document, DocumentVersion, Review.number)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .outerjoin(Review, (Document.subject_type == "review") & (Review.id == Document.subject_id))
        .where(
            Document.case_id == case_id,
            Document.kind.in_(_PARTS),
            DocumentVersion.status == DocumentStatus.READY,
        )
        .order_by(DocumentVersion.number)
    )
    latest: dict[int, tuple[Document, DocumentVersion, int | None]] = {}
    sealed: dict[int, DocumentVersion] = {}
    for found in session.execute(query):
        document, version = found[0], found[1]
        latest[document.id] = (document, version, found[2])
        if version.finish_status is FinishStatus.DONE and version.sealed_sha256:
            sealed[document.id] = version
    chosen = sorted(latest.values(), key=lambda d: (_PARTS[d[0].kind], d[2] or 0, d[0].id))
    parts = []
    for document, newest, review_number in chosen:
        # The agreement that was signed counts, even if a newer draft was rendered since.
        version = sealed.get(document.id, newest) if document.kind == "agreement" else newest
        is_sealed = version.finish_status is FinishStatus.DONE and version.sealed_sha256
        digest = version.sealed_sha256 if is_sealed else version.pdf_sha256
        assert digest is not None
        title = f"{document.title} (versie {version.number})"
        if review_number is not None:
            title = f"{document.title} {review_number} (versie {version.number})"
        if is_sealed:
            title += ": ondertekend en verzegeld"
        elif document.kind == "agreement":
            title += ": NIET ONDERTEKEND"
        pdf = _stored_pdf(engine, digest, title)
        parts.append(
            Part(
                title,
                pdf,
                stamp=not is_sealed and document.kind == "agreement",
                attach_as=f"{document.kind}-{document.id}-v{version.number}-verzegeld.pdf"
                if is_sealed
                else None,
                children=_outline(pdf),
            )
        )
    return parts


def _stored_pdf(engine: DocumentEngine, digest: str, title: str) -> bytes:
    """A part of the dossier as stored; a damaged or missing file stops the dossier plainly."""
    try:
        pdf = engine.store.get(digest)
        PdfReader(io.BytesIO(pdf))
    except (OSError, PyPdfError, ValueError) as exc:
        raise Conflict(
            f"the stored file of {title} ({digest[:12]}…) is damaged or missing: {exc}"
        ) from None
    return pdf


def _outline(pdf: bytes) -> list[tuple[str, int]]:
    """The top-level bookmarks of a part (its annexes, its evidence page), kept as children."""
    reader = PdfReader(io.BytesIO(pdf))
    items = [i for i in reader.outline if not isinstance(i, list)]
    pages = [(str(i.title), reader.get_destination_page_number(i)) for i in items]
    return [(title, page) for title, page in pages if page is not None]


def _judgments(session: Session, case_id: int) -> list[dict[str, Any]]:
    linked = {
        j
        for (j,) in session.execute(
            select(Agreement.eviction_judgment_id).where(Agreement.case_id == case_id)
        )
    }
    judgments = session.scalars(
        select(EvictionJudgment)
        .where(EvictionJudgment.case_id == case_id)
        .order_by(EvictionJudgment.judgment_date)
    )
    return [
        {
            "court": j.court,
            "case_number": j.case_number,
            "date": j.judgment_date.isoformat(),
            "served": datum(j.served_date) if j.served_date else "niet bekend",
            "ecli": j.ecli or "niet gepubliceerd",
            "decision": j.operative_decision,
            "conditions": j.suspension_conditions,
            "linked": "ja" if j.id in linked else "nee",
        }
        for j in judgments
    ]


def _audit_excerpt(session: Session, case_id: int) -> tuple[list[dict[str, str]], bool]:
    """What was done in this case (writes, renders, signing, sealing); reads are left out."""
    agreements = select(Agreement.id).where(Agreement.case_id == case_id)
    versions = select(DocumentVersion.id).join(Document).where(Document.case_id == case_id)
    requests = select(SignatureRequest.id).where(SignatureRequest.version_id.in_(versions))
    reviews = select(Review.id).where(Review.agreement_id.in_(agreements))

    def subject(kind: str, ids: Any) -> Any:
        return (AuditEntry.subject_type == kind) & AuditEntry.subject_id.in_(
            select(cast(ids.subquery().c.id, String))
        )

    # JSON read as text on both databases: SQLite's JSON_EXTRACT gives a number, PostgreSQL's
    # ->> gives text; the cast makes "12" of both.
    in_case = cast(AuditEntry.detail["case"].as_string(), String) == str(case_id)
    query = (
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject_type)
        .add_columns(AuditEntry.subject_id)
        .where(
            or_(
                in_case,
                (AuditEntry.subject_type == "case") & (AuditEntry.subject_id == str(case_id)),
                subject("agreement", agreements),
                subject("document_version", versions),
                subject("signature_request", requests),
                subject("review", reviews),
            ),
            ~AuditEntry.action.contains(".read", autoescape=True),
            # Not even that care notes were written: they are no part of any dossier.
            ~AuditEntry.action.contains("care_notes", autoescape=True),
            ~AuditEntry.action.in_(["case.list", "case.dossier"]),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(MAX_AUDIT_ENTRIES + 1)
    )
    found = list(session.execute(query))
    entries = [
        {"at": at.isoformat(), "actor": who, "action": action, "subject": f"{kind} {ident}"}
        for at, who, action, kind, ident in reversed(found[:MAX_AUDIT_ENTRIES])
    ]
    return entries, len(found) > MAX_AUDIT_ENTRIES


def _findings(rows: list[legal.Row]) -> dict[str, Any]:
    many = len(rows) > 1
    findings = [
        f"Overeenkomst {r.agreement_id}: {text}" if many else text
        for r in rows
        for text in r.findings
    ]
    if not rows:
        findings = ["Er is geen overeenkomst in dit traject."]
    return {
        "findings": findings,
        "comparisons": [
            {"subject": c.subject, "outcome": c.outcome, "detail": c.detail}
            for r in rows
            for c in r.comparisons
        ],
        "breaches": [
            {
                "review": b.review_number,
                "due": b.due_date.isoformat(),
                "held": datum(b.held_date) if b.held_date else "niet bekend",
            }
            for r in rows
            for b in r.breaches
        ],
        "status": "; ".join(f"overeenkomst {r.agreement_id}: {_LEVEL_NL[r.status]}" for r in rows)
        or "geen overeenkomst",
    }


_LEVEL_NL = {"ok": "in orde", "warning": "waarschuwing", "problem": "probleem"}


def _front_matter(
    convert: Callable[[str, dict[str, Any]], bytes], front: dict[str, Any], parts: list[Part]
) -> bytes:
    """Cover and contents; rendered again if the contents moved the page numbers."""
    guess = 2
    for _ in range(3):
        page = guess + 1
        for part in parts:
            part.page = page
            page += len(PdfReader(io.BytesIO(part.pdf)).pages)
        contents = [{"title": "Inhoud", "page": 2}] + [
            {"title": p.title, "page": p.page} for p in parts
        ]
        pdf = convert("cover", {**front, "contents": contents})
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        if pages == guess:
            return pdf
        guess = pages
    raise Conflict("the table of contents does not settle on a page count")


def _manifest(
    reference: str, now: datetime, parts: list[Part], rows: list[legal.Row]
) -> dict[str, Any]:
    return {
        "dossier": {"case": reference, "made_at": now.isoformat(), "generator": GENERATOR},
        "parts": [
            {"title": p.title, "page": p.page, "sha256": hashlib.sha256(p.pdf).hexdigest()}
            for p in parts
        ],
        "status": {str(r.agreement_id): r.status for r in rows},
    }


def _merge(
    cover: bytes, parts: list[Part], reference: str, manifest: dict[str, Any], now: datetime
) -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)), import_outline=False)
    writer.add_outline_item(title="Voorblad", page_number=0)
    writer.add_outline_item(title="Inhoud", page_number=1)
    for part in parts:
        first = len(writer.pages)
        # Rebuilt page by page: the parts' own seals, forms and links must not come along.
        writer.append(PdfReader(io.BytesIO(rebuild_pdf(part.pdf, max_pages=10_000))))
        parent = writer.add_outline_item(title=part.title, page_number=first)
        for title, page in part.children:
            writer.add_outline_item(title=title, page_number=first + page, parent=parent)
        if part.stamp:
            for number in range(first, len(writer.pages)):
                _stamp(writer, number)
        if part.attach_as:
            writer.add_attachment(part.attach_as, part.pdf)
    writer.page_mode = "/UseOutlines"
    writer.add_metadata(
        {
            "/Title": f"Procesdossier {reference}",
            "/Subject": f"Procesdossier van traject {reference}",
            "/Producer": "agreements dossier",
            "/CaseReference": reference,
            "/CreationDate": now.strftime("D:%Y%m%d%H%M%SZ"),
        }
    )
    data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
    writer.add_attachment("dossier.json", data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stamp(writer: PdfWriter, number: int) -> None:
    box = writer.pages[number].mediabox
    note = FreeText(
        text="NIET ONDERTEKEND",
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


def _register(
    deps: Deps,
    engine: DocumentEngine,
    case_id: int,
    merged: bytes,
    sealed: bytes,
    manifest: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> None:
    """Keep the dossier as a sealed document version, so `verify` knows its hash."""
    unsealed_digest, digest = engine.store.put(merged), engine.store.put(sealed)
    with deps.db.begin() as session:
        document = session.scalar(
            select(Document).where(
                Document.subject_type == "case",
                Document.subject_id == case_id,
                Document.kind == "dossier",
            )
        )
        if document is None:
            document = Document(
                case_id=case_id,
                kind="dossier",
                subject_type="case",
                subject_id=case_id,
                title="Procesdossier",
                created_at=now,
            )
            session.add(document)
            session.flush()
        number = session.scalar(
            select(func.coalesce(func.max(DocumentVersion.number), 0)).where(
                DocumentVersion.document_id == document.id
            )
        )
        version = DocumentVersion(
            document_id=document.id,
            number=int(number or 0) + 1,
            status=DocumentStatus.READY,
            template_name=GENERATOR,
            template_version=GENERATOR_VERSION,
            template_sha256=_templates_digest(),
            data=manifest,
            pdf_sha256=unsealed_digest,
            pages=len(PdfReader(io.BytesIO(sealed)).pages),
            created_by=actor.label,
            created_at=now,
            finished_at=now,
            finish_status=FinishStatus.DONE,
            sealed_sha256=digest,
            sealed_at=now,
        )
        session.add(version)
        session.flush()
        audit.record(
            session,
            deps,
            actor=actor,
            action="case.dossier",
            subject_type="document_version",
            subject_id=version.id,
            now=now,
            detail={"case": case_id, "sealed_sha256": digest, "parts": len(manifest["parts"])},
        )


# The dossier's pages are generated, not chosen by coordinators: their layout lives here,
# in the house style of the default templates, and is rendered like any template.


def _cover() -> Any:
    doc = new_document("Procesdossier")
    doc.add_paragraph("Procesdossier", style="Title")
    doc.add_paragraph("Traject {{ case.reference }}")
    facts = table(doc, ["Onderwerp", "Gegevens"], [5, 11])
    row(facts, "Huurder", "{{ tenant }}")
    row(facts, "Adres", "{{ address }}")
    row(facts, "Samengesteld op", "{{ made_at|datumtijd }}")
    row(facts, "Samengesteld door", "{{ made_by }}")
    doc.add_paragraph(
        "Dit dossier is samengesteld en als geheel elektronisch verzegeld door "
        "{{ organisation.name }}. Elk onderdeel heeft een bladwijzer. Ondertekende documenten "
        "zitten er ook als bijlage in, zodat u hun eigen zegel apart kunt controleren. "
        "Zorgnotities maken nooit deel uit van dit dossier."
    )
    doc.add_page_break()  # type: ignore[no-untyped-call]
    doc.add_heading("Inhoud", level=1)
    contents = table(doc, ["Onderdeel", "Pagina"], [13, 3])
    row(contents, "{%tr for part in contents %}")
    row(contents, "{{ part.title }}", "{{ part.page }}")
    row(contents, "{%tr endfor %}")
    return doc


def _findings_page() -> Any:
    doc = new_document("Tekortkomingen en waarschuwingen")
    doc.add_paragraph("Tekortkomingen en waarschuwingen", style="Title")
    doc.add_paragraph("Stand op {{ made_at|datum }}: {{ status }}.")
    bullets(doc, "findings", "{{ item }}")
    doc.add_heading("Vergelijkingen tussen overeenkomst, traject, huurovereenkomst en vonnis", 1)
    grid = table(doc, ["Wat", "Uitkomst", "Toelichting"], [6, 3, 7])
    row(grid, "{%tr for c in comparisons %}")
    row(grid, "{{ c.subject }}", "{{ c.outcome }}", "{{ c.detail }}")
    row(grid, "{%tr endfor %}")
    doc.add_heading("Afspraken niet nagekomen (volgens de evaluaties)", level=1)
    grid = table(doc, ["Evaluatie", "Gepland op", "Gehouden op"], [4, 6, 6])
    row(grid, "{%tr for b in breaches %}")
    row(grid, "{{ b.review }}", "{{ b.due|datum }}", "{{ b.held }}")
    row(grid, "{%tr endfor %}")
    return doc


def _judgment_page() -> Any:
    doc = new_document("Vonnis")
    doc.add_paragraph("Het ontruimingsvonnis", style="Title")
    doc.add_paragraph("{%p for j in judgments %}")
    facts = table(doc, ["Onderwerp", "Gegevens"], [5, 11])
    for label, value in [
        ("Rechtbank", "{{ j.court }}"),
        ("Zaaknummer", "{{ j.case_number }}"),
        ("Datum vonnis", "{{ j.date|datum }}"),
        ("Betekend op", "{{ j.served }}"),
        ("ECLI", "{{ j.ecli }}"),
        ("Gekoppeld aan de overeenkomst", "{{ j.linked }}"),
        ("Beslissing", "{{ j.decision }}"),
        ("Voorwaarden voor opschorting", "{{ j.conditions }}"),
    ]:
        row(facts, label, value)
    doc.add_paragraph("")
    doc.add_paragraph("{%p endfor %}")
    return doc


def _audit_page() -> Any:
    doc = new_document("Auditfragment")
    doc.add_paragraph("Auditfragment", style="Title")
    doc.add_paragraph(
        "Wat er in dit traject is gedaan, uit het auditlog van {{ organisation.name }} (een "
        "keten van hashes die wijzigen en weglaten zichtbaar maakt). Leesacties zijn "
        "weggelaten.{% if cut %} Alleen de laatste handelingen staan hier.{% endif %}"
    )
    grid = table(doc, ["Tijdstip", "Wie", "Handeling", "Onderwerp"], [3.5, 3.5, 5, 4])
    row(grid, "{%tr for e in entries %}")
    row(grid, "{{ e.at|datumtijd }}", "{{ e.actor }}", "{{ e.action }}", "{{ e.subject }}")
    row(grid, "{%tr endfor %}")
    return doc


_LAYOUTS = {
    "cover": _cover,
    "findings": _findings_page,
    "judgment": _judgment_page,
    "audit": _audit_page,
}


@cache
def _template(name: str) -> bytes:
    out = io.BytesIO()
    _LAYOUTS[name]().save(out)
    return out.getvalue()


@cache
def _templates_digest() -> str:
    """Identifies the layouts by their text (a saved DOCX holds the time it was saved)."""
    digest = hashlib.sha256()
    for name in sorted(_LAYOUTS):
        with zipfile.ZipFile(io.BytesIO(_template(name))) as docx:
            digest.update(docx.read("word/document.xml"))
    return digest.hexdigest()
