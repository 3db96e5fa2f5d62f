"""An agreement's annexes, in the package's order: its payment arrangement (the latest
rendered version of the case's latest arrangement), then the uploaded tenancy contract and
judgment; and the list the agreement's text prints (`annexes` in its data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.blobs import BlobStore
from agreements.db.models import (
    Agreement,
    Document,
    DocumentVersion,
    EvictionJudgment,
    PaymentArrangement,
    TenancyContract,
)
from agreements.domain.enums import DocumentStatus
from templates.assemble import Annex, page_count
from templates.filters import datum


@dataclass(frozen=True)
class Part:
    kind: str  # payment_arrangement, tenancy_contract, judgment
    title: str  # the bookmark's: "Betalingsregeling"
    sha256: str
    pages: int
    described: str = ""  # the list's: "Huurovereenkomst HO-2019-004512"

    def annex(self, store: BlobStore, number: int) -> Annex:
        return Annex(f"Bijlage {number}: {self.title}", store.get(self.sha256))

    def listed(self, number: int) -> dict[str, Any]:
        """What the agreement's list of annexes prints: number, what it is, its pages."""
        count = "1 pagina" if self.pages == 1 else f"{self.pages} pagina's"
        title = f"Bijlage {number}: {self.described or self.title} ({count})"
        return {"title": title, "kind": self.kind, "pages": self.pages}


def listed(parts: list[Part]) -> list[dict[str, Any]]:
    return [part.listed(number) for number, part in enumerate(parts, start=1)]


def latest_arrangement(session: Session, case_id: int) -> PaymentArrangement | None:
    return session.scalar(
        select(PaymentArrangement)
        .where(PaymentArrangement.case_id == case_id)
        .order_by(PaymentArrangement.id.desc())
        .limit(1)
    )


def arrangement_version(session: Session, case_id: int) -> DocumentVersion | None:
    """The newest version of the case's latest payment arrangement, in any state."""
    arrangement = latest_arrangement(session, case_id)
    if arrangement is None:
        return None
    return session.scalar(
        select(DocumentVersion)
        .join(Document)
        .where(
            Document.subject_type == "payment_arrangement",
            Document.subject_id == arrangement.id,
        )
        .order_by(DocumentVersion.id.desc())
        .limit(1)
    )


def parts_of(session: Session, store: BlobStore, agreement: Agreement) -> list[Part]:
    """What the agreement's package carries behind the agreement itself."""
    parts = []
    arrangement = arrangement_version(session, agreement.case_id)
    if (
        arrangement is not None
        and arrangement.status is DocumentStatus.READY
        and arrangement.pdf_sha256
    ):
        parts.append(
            Part(
                "payment_arrangement",
                "Betalingsregeling",
                arrangement.pdf_sha256,
                arrangement.pages or page_count(store.get(arrangement.pdf_sha256)),
            )
        )
    contract = session.get(TenancyContract, agreement.tenancy_contract_id)
    judgment = session.get(EvictionJudgment, agreement.eviction_judgment_id)
    if contract is not None and contract.pdf_sha256:
        pages = page_count(store.get(contract.pdf_sha256))
        described = f"Huurovereenkomst {contract.contract_number}"
        parts.append(Part("tenancy_contract", "Huurovereenkomst", contract.pdf_sha256, pages,
                          described))  # fmt: skip
    if judgment is not None and judgment.pdf_sha256:
        pages = page_count(store.get(judgment.pdf_sha256))
        described = (
            f"Vonnis van de {judgment.court} van {datum(judgment.judgment_date)}, "
            f"zaaknummer {judgment.case_number}"
        )
        parts.append(Part("judgment", "Vonnis", judgment.pdf_sha256, pages, described))
    return parts
