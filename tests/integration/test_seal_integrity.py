"""Nothing falsely sealed (issue 10, item 1), on SQLite and PostgreSQL: a version is sealed
only with every party's signature, and a new version never voids a fully signed one, whether
it comes before the seal starts, while the seal is made, or after."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from agreements import tasks
from agreements.db.models import AuditEntry, Document, DocumentVersion, SignatureRequest
from agreements.domain.enums import FinishStatus, RequestStatus
from agreements.domain.errors import Conflict
from agreements.services.access import accounts as auth
from agreements.services.documents.engine import DocumentEngine
from agreements.services.documents.request import request_document
from agreements.services.signatures import finish, sign
from signing.tokens import LinkState
from tests.flows import MANDATE, render_agreement, send_requests


def _now() -> datetime:
    return datetime.now(UTC)


def _agreement_id(client, world) -> int:
    h = world.headers("coordinator")
    return client.get(f"/api/v1/agreements?case_id={world.case_mitros}", headers=h).json()["items"][
        0
    ]["id"]


def _sign(deps, request: dict) -> sign.Outcome:
    """A party signs through a fresh link; the worker is not told (as if it were stopped)."""
    _, token = sign.issue_link(request["id"], deps=deps, now=_now())
    return sign.sign_with_link(
        token,
        sign.SignInput(
            **MANDATE,
            typed_name=request["party_name"],
            consent_version=deps.settings.consent_version,
        ),
        deps=deps,
        now=_now(),
    )


def _statuses(deps, version_id: int) -> list[RequestStatus]:
    with deps.db() as session:
        return list(
            session.scalars(
                select(SignatureRequest.status)
                .where(SignatureRequest.version_id == version_id)
                .order_by(SignatureRequest.id)
            )
        )


def _versions(deps, version_id: int) -> int:
    with deps.db() as session:
        document_id = session.get(DocumentVersion, version_id).document_id
        return session.scalar(
            select(func.count()).where(DocumentVersion.document_id == document_id)
        )


def _sealed_evidence(client, world, version_id: int) -> tuple[bytes, list[dict]]:
    sealed = client.get(
        f"/api/v1/document-versions/{version_id}/sealed.pdf", headers=world.headers("coordinator")
    )
    assert sealed.status_code == 200, sealed.text
    bundle = PdfReader(io.BytesIO(sealed.content)).attachments["ondertekening.json"][0]
    return sealed.content, json.loads(bundle)["signatures"]


def _verified_roles(client, world, pdf: bytes) -> set[str]:
    result = client.post(
        "/api/v1/verify",
        headers=world.headers("jurist"),
        files={"file": ("a.pdf", pdf, "application/pdf")},
    ).json()
    assert result["outcome"] == "authentic", result
    return {p["role"] for p in result["summary"]["parties"]}


ROLES = {
    "tenant",
    "representative",
    "corporation",
    "coordinator",
    "municipality",
    "neighbourhood_team",
}


def test_a_new_render_while_fully_signed_is_refused_until_sealed(flow, world):
    """The reported order: all five sign while the worker is stopped, a new render is
    asked, then the worker starts. Before the fix the render voided the five signatures
    and the seal was made with none ("evidence": 0, verify: "parties": [])."""
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    outcomes = [_sign(deps, r) for r in requests]
    assert outcomes[-1].complete
    before = _versions(deps, version["id"])

    again = client.post(
        f"/api/v1/agreements/{_agreement_id(client, world)}/documents",
        headers=world.headers("coordinator"),
    )
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "signed by every party and waits for its seal" in again.json()["detail"]
    assert _statuses(deps, version["id"]) == [RequestStatus.SIGNED] * 7
    assert _versions(deps, version["id"]) == before  # no version was made

    inbox.clear()
    assert tasks.finish_document.call_local(version["id"]) == "done"  # the worker starts
    pdf, evidence = _sealed_evidence(client, world, version["id"])
    assert {e["party_role"] for e in evidence} == ROLES and len(evidence) == 7
    assert _verified_roles(client, world, pdf) == ROLES
    copies = [m for m in inbox.messages if m["Subject"].startswith("Ondertekend:")]
    assert sorted(m["To"] for m in copies) == sorted(r["email"] for r in requests)

    # Once sealed, a new version may be made; the sealed version's signatures stay.
    later = client.post(
        f"/api/v1/agreements/{_agreement_id(client, world)}/documents",
        headers=world.headers("coordinator"),
    )
    assert later.status_code == 202 and later.json()["status"] == "ready", later.text
    send_requests(client, world, later.json()["id"])
    assert _statuses(deps, version["id"]) == [RequestStatus.SIGNED] * 7


class HeldConverter:
    """The shared pool, held at the evidence page until the test lets it go on."""

    def __init__(self, converter) -> None:
        self.converter = converter
        self.entered, self.release = threading.Event(), threading.Event()

    def convert(self, docx: bytes, timeout: float | None = None) -> bytes:
        self.entered.set()
        assert self.release.wait(120)
        return self.converter.convert(docx, timeout)


def test_a_new_version_while_the_seal_is_made_voids_nothing(flow, world, pool):
    """The other order seen: the seal was under way when the new version came; it was made
    with the five signatures, and then all five were voided, so the parties' links said
    there was a new version of a sealed document."""
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    tokens = []
    for r in requests:
        _, token = sign.issue_link(r["id"], deps=deps, now=_now())
        tokens.append(token)
        sign.sign_with_link(
            token,
            sign.SignInput(
                **MANDATE, typed_name=r["party_name"], consent_version=deps.settings.consent_version
            ),
            deps=deps,
            now=_now(),
        )
    held = HeldConverter(pool)
    engine = DocumentEngine(deps.settings, converter=held)
    result: list[FinishStatus] = []
    worker = threading.Thread(
        target=lambda: result.append(
            finish.finish_version(version["id"], deps=deps, engine=engine, clock=_now)
        )
    )
    worker.start()
    try:
        assert held.entered.wait(60)
        during = client.post(
            f"/api/v1/agreements/{_agreement_id(client, world)}/documents",
            headers=world.headers("coordinator"),
        )
        assert during.status_code == 409, during.text
        assert "is being sealed" in during.json()["detail"]
    finally:
        held.release.set()
        worker.join(120)
    assert result == [FinishStatus.DONE]
    assert _statuses(deps, version["id"]) == [RequestStatus.SIGNED] * 7
    pdf, evidence = _sealed_evidence(client, world, version["id"])
    assert len(evidence) == 7 and _verified_roles(client, world, pdf) == ROLES

    # A new version now, sent for signature: the sealed version is left as it was signed.
    later = client.post(
        f"/api/v1/agreements/{_agreement_id(client, world)}/documents",
        headers=world.headers("coordinator"),
    )
    assert later.status_code == 202, later.text
    send_requests(client, world, later.json()["id"])
    assert _statuses(deps, version["id"]) == [RequestStatus.SIGNED] * 7
    states = {sign.open_link(t, deps=deps, now=_now()).state for t in tokens}
    assert states == {LinkState.USED}  # not "there is a new version"
    digest = hashlib.sha256(pdf).hexdigest()
    tasks.deliver_now()
    copies = [
        m
        for m in inbox.messages
        if any(
            hashlib.sha256(p.get_payload(decode=True)).hexdigest() == digest
            for p in m.walk()
            if p.get_content_type() == "application/pdf"
        )
    ]
    assert sorted(m["To"] for m in copies) == sorted(r["email"] for r in requests)


def test_finishing_checks_the_signatures_itself(flow, world):
    """A version marked as waiting for its seal with a party still to sign (the caller's
    word, or data the old voiding left) is not sealed; once the last party signs, it is."""
    client, deps, _inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    for r in requests[:-1]:
        _sign(deps, r)
    with deps.db.begin() as session:
        session.execute(
            update(DocumentVersion)
            .where(DocumentVersion.id == version["id"])
            .values(finish_status=FinishStatus.PENDING)
        )
    assert tasks.finish_document.call_local(version["id"]) == "not_ready"
    with deps.db() as session:
        row = session.get(DocumentVersion, version["id"])
        assert row.sealed_sha256 is None and row.finish_status is FinishStatus.NOT_READY
        refused = session.scalar(
            select(func.count()).where(
                AuditEntry.action == "document.finish_refused",
                AuditEntry.subject_id == str(version["id"]),
            )
        )
    assert refused == 1
    assert _sign(deps, requests[-1]).complete
    assert tasks.finish_document.call_local(version["id"]) == "done"
    _pdf, evidence = _sealed_evidence(client, world, version["id"])
    assert len(evidence) == 7


def test_voided_signatures_are_never_sealed(flow, world):
    """The state the reported defect left: fully signed, then every request voided, the
    version still waiting for its seal. Before the fix it was sealed with no evidence."""
    client, deps, _inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    for r in send_requests(client, world, version["id"]):
        _sign(deps, r)
    with deps.db.begin() as session:
        session.execute(
            update(SignatureRequest)
            .where(SignatureRequest.version_id == version["id"])
            .values(status=RequestStatus.VOIDED)
        )
    assert tasks.finish_document.call_local(version["id"]) == "not_ready"
    with deps.db() as session:
        assert session.get(DocumentVersion, version["id"]).sealed_sha256 is None


def test_the_last_signature_and_a_new_version_take_turns(flow, world):
    """Both wait for the document's lock; whichever comes first, the other sees it: either
    every party signed and no new version is made, or the new version voided a version
    not fully signed and the last signature is refused. Never a voided, sealable version."""
    client, deps, _inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    for r in requests[:-1]:
        _sign(deps, r)
    _, token = sign.issue_link(requests[-1]["id"], deps=deps, now=_now())
    agreement_id = _agreement_id(client, world)
    actor = auth.authenticate(world.tokens["coordinator"], deps=deps, now=_now())
    engine = DocumentEngine(deps.settings, converter=None)
    results: dict[str, object] = {}

    def last_signature() -> None:
        try:
            results["sign"] = _sign_with(deps, token, requests[-1]["party_name"])
        except sign.LinkUnusable as exc:
            results["sign"] = exc.state

    def new_version() -> None:
        try:
            results["new"] = request_document(
                "agreement",
                agreement_id,
                deps=deps,
                engine=engine,
                actor=actor,
                now=_now(),
                confirm_void=True,  # the others signed: the coordinator confirmed
            ).id
        except Conflict as exc:
            results["new"] = exc

    with deps.db() as session:
        document_id = session.get(DocumentVersion, version["id"]).document_id
    threads = [threading.Thread(target=last_signature), threading.Thread(target=new_version)]
    with deps.db.begin() as session:  # another writer holds the document (SQLite: the database)
        session.execute(select(Document.id).where(Document.id == document_id).with_for_update())
        for thread in threads:
            thread.start()
            time.sleep(0.3)
        assert all(t.is_alive() for t in threads)  # both wait for the lock
    for thread in threads:
        thread.join(60)
    statuses = _statuses(deps, version["id"])
    with deps.db() as session:
        finish = session.get(DocumentVersion, version["id"]).finish_status
    if isinstance(results["sign"], sign.Outcome):
        assert results["sign"].complete and isinstance(results["new"], Conflict)
        assert statuses == [RequestStatus.SIGNED] * 7 and finish is FinishStatus.PENDING
        assert tasks.finish_document.call_local(version["id"]) == "done"
    else:
        assert results["sign"] is LinkState.VOIDED and isinstance(results["new"], int)
        assert set(statuses) == {RequestStatus.VOIDED} and finish is FinishStatus.NOT_READY


def _sign_with(deps, token: str, name: str) -> sign.Outcome:
    return sign.sign_with_link(
        token,
        sign.SignInput(typed_name=name, consent_version=deps.settings.consent_version, **MANDATE),
        deps=deps,
        now=_now(),
    )


@pytest.fixture(autouse=True)
def _no_leftover_seal(flow, world):
    """Each test starts from a document with nothing waiting for a seal."""
    _client, deps, _inbox = flow
    yield
    with deps.db() as session:
        waiting = list(
            session.scalars(
                select(DocumentVersion.id).where(
                    DocumentVersion.finish_status.in_([FinishStatus.PENDING, FinishStatus.FAILED])
                )
            )
        )
    for version_id in waiting:
        tasks.finish_document.call_local(version_id)
