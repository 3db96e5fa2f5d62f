"""The court-ready dossier of one case: one sealed PDF with a cover, contents and bookmarks.

Its own pages are catalogue templates (`dossier_cover`, `dossier_findings`, `dossier_judgment`,
`dossier_audit` in templates/defaults); the binding is `templates.assemble.bind`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from agreements.db.models import Document, DocumentVersion
from agreements.domain.enums import DocumentStatus, FinishStatus
from agreements.domain.errors import Conflict
from agreements.domain.legal import Level
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.context import Deps
from agreements.services.documents import data as document_data
from agreements.services.documents.engine import DocumentEngine
from agreements.services.legal import dossier_sources as sources
from agreements.services.legal import integrity
from agreements.services.uow import reading, unit_of_work
from signing.seal import seal_pdf
from templates.assemble import Chapter, bind, page_count
from templates.filters import datum
from templates.render import render_docx

GENERATOR = "dossier"
GENERATOR_VERSION = 1
MAX_AUDIT_ENTRIES = sources.MAX_AUDIT_ENTRIES
PAGES = ("dossier_cover", "dossier_findings", "dossier_judgment", "dossier_audit")
FRONT_OUTLINE = (("Voorblad", 0), ("Inhoud", 1))


def build_dossier(
    case_id: int, *, deps: Deps, engine: DocumentEngine, actor: Actor, now: datetime
) -> bytes:
    """Assemble, seal, keep and return the dossier; `verification.verify` recognises it."""
    authorize(actor, Action.READ, Resource.AGREEMENT)
    with reading(deps, actor, now) as uow:
        session = uow.session
        # Scope first: a case outside it must not differ from a missing one, for any reason.
        case = uow.case(case_id, Action.READ, Resource.AGREEMENT)
        seal_key = deps.settings.effective_seal_pkcs12
        if not seal_key.exists():
            raise Conflict("there is no sealing key: run `agreements init` first")
        reference, tenant = case.reference or str(case.id), case.tenant.name
        address = f"{case.street} {case.house_number}, {case.postcode} {case.city}"
        chapters = sources.documents(session, engine.store, case_id)
        judgments = sources.judgments(session, case_id)
        entries, cut = sources.audit_excerpt(session, case_id)
    rows = integrity.integrity_report(
        deps=deps,
        actor=actor,
        now=now,
        filters=integrity.Filters(include_drafts=True, case_id=case_id),
        store=engine.store,
        audit_as=None,  # the dossier's own audit entry below says what was read
    )
    base = {
        "organisation": document_data.letterhead(deps.settings),
        "case": {"reference": reference},
        "made_at": now.isoformat(),
    }
    templates = {name: engine.catalogue.get(name) for name in PAGES}

    def convert(name: str, data: dict[str, Any]) -> bytes:
        docx = render_docx(
            templates[name].read_bytes(),
            {**base, **data},
            time_limit=engine.settings.render_time_limit,
        )
        return engine.converter.convert(docx)

    chapters += [
        Chapter("Tekortkomingen en waarschuwingen", convert("dossier_findings", _findings(rows))),
        Chapter("Vonnis", convert("dossier_judgment", {"judgments": judgments})),
        Chapter("Auditfragment", convert("dossier_audit", {"entries": entries, "cut": cut})),
    ]
    front = {"tenant": tenant, "address": address, "made_by": actor.label}
    cover, pages = _front_matter(convert, front, chapters)
    manifest = _manifest(reference, now, chapters, pages, rows)
    merged = bind(
        cover,
        FRONT_OUTLINE,
        chapters,
        metadata={
            "/Title": f"Procesdossier {reference}",
            "/Subject": f"Procesdossier van traject {reference}",
            "/Producer": "agreements dossier",
            "/CaseReference": reference,
            "/CreationDate": now.strftime("D:%Y%m%d%H%M%SZ"),
        },
        attachments={
            "dossier.json": json.dumps(
                manifest, ensure_ascii=False, indent=2, sort_keys=True
            ).encode()
        },
    )
    sealed = seal_pdf(
        merged,
        pkcs12_path=seal_key,
        password=deps.settings.effective_seal_password,
        reason=f"Procesdossier {reference}",
        location=deps.settings.letterhead_city,
        contact=deps.settings.letterhead_email,
        timestamp_url=deps.settings.timestamp_url or None,
        trust_roots=deps.settings.seal_trust_roots,
    )
    digest = hashlib.sha256("".join(t.sha256 for t in templates.values()).encode()).hexdigest()
    _register(deps, engine, case_id, merged, sealed, manifest, digest, actor, now)
    return sealed


def _findings(rows: list[integrity.Row]) -> dict[str, Any]:
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
        "status": "; ".join(f"overeenkomst {r.agreement_id}: {Level(r.status).label}" for r in rows)
        or "geen overeenkomst",
    }


def _front_matter(
    convert: Callable[[str, dict[str, Any]], bytes],
    front: dict[str, Any],
    chapters: list[Chapter],
) -> tuple[bytes, list[int]]:
    """Cover and contents, and each chapter's first page (counted from 1); rendered again
    if the contents moved the page numbers."""
    lengths = [page_count(c.pdf) for c in chapters]
    guess = 2
    for _ in range(3):
        starts = [guess + 1 + sum(lengths[:i]) for i in range(len(chapters))]
        contents = [{"title": "Inhoud", "page": 2}] + [
            {"title": c.title, "page": start} for c, start in zip(chapters, starts, strict=True)
        ]
        pdf = convert("dossier_cover", {**front, "contents": contents})
        pages = page_count(pdf)
        if pages == guess:
            return pdf, starts
        guess = pages
    raise Conflict("the table of contents does not settle on a page count")


def _manifest(
    reference: str,
    now: datetime,
    chapters: list[Chapter],
    pages: list[int],
    rows: list[integrity.Row],
) -> dict[str, Any]:
    return {
        "dossier": {"case": reference, "made_at": now.isoformat(), "generator": GENERATOR},
        "parts": [
            {"title": c.title, "page": page, "sha256": hashlib.sha256(c.pdf).hexdigest()}
            for c, page in zip(chapters, pages, strict=True)
        ],
        "status": {str(r.agreement_id): str(r.status) for r in rows},
    }


def _register(
    deps: Deps,
    engine: DocumentEngine,
    case_id: int,
    merged: bytes,
    sealed: bytes,
    manifest: dict[str, Any],
    templates_sha256: str,
    actor: Actor,
    now: datetime,
) -> None:
    """Keep the dossier as a sealed document version, so `verify` knows its hash."""
    unsealed_digest, digest = engine.store.put(merged), engine.store.put(sealed)
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
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
            template_sha256=templates_sha256,
            data=manifest,
            pdf_sha256=unsealed_digest,
            pages=page_count(sealed),
            created_by=actor.label,
            created_at=now,
            finished_at=now,
            finish_status=FinishStatus.DONE,
            sealed_sha256=digest,
            sealed_at=now,
        )
        session.add(version)
        session.flush()
        uow.audit(
            "case.dossier",
            "document_version",
            version.id,
            {"case": case_id, "sealed_sha256": digest, "parts": len(manifest["parts"])},
        )
