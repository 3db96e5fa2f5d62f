"""The demo's agreement package (`agreements demo`): rendered, signed by every party
through their own link, and sealed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from agreements.db.models import Agreement, Document, DocumentVersion, PaymentArrangement
from agreements.domain.enums import DocumentStatus, FinishStatus, Role
from agreements.domain.errors import DomainError
from agreements.domain.policy import Actor
from agreements.services.context import Deps
from agreements.services.demo import LOGINS, OTHER_SIGNER, SIGNATORIES, seed_demo
from agreements.services.documents.engine import DocumentEngine
from agreements.services.documents.read import get_version
from agreements.services.documents.render import render_version
from agreements.services.documents.request import request_document
from agreements.services.signatures import finish, sign, signers


class DemoFailed(DomainError):
    """The demo package could not be made (or was made before); the message says why."""


@dataclass(frozen=True)
class DemoPackage:
    sealed_sha256: str
    stored: Path  # the sealed PDF in the blob store
    copy: Path  # and its copy in the data folder, to open or hand to `agreements verify`


def make_demo_package(
    *,
    deps: Deps,
    engine: DocumentEngine,
    clock: Callable[[], datetime],
    on_step: Callable[[str], object] = lambda step: None,
) -> DemoPackage:
    """Seed the demo (once), then render its payment arrangement and agreement, have every
    party sign the agreement through their own link and seal it; `on_step` hears each step."""
    now = clock()
    case_id = seed_demo(deps=deps, now=now)
    with deps.db() as session:
        agreement = session.scalar(select(Agreement).where(Agreement.case_id == case_id))
        arrangement = session.scalar(
            select(PaymentArrangement).where(PaymentArrangement.case_id == case_id)
        )
    assert agreement is not None and arrangement is not None
    if _already_sealed(deps, agreement.id):
        raise DemoFailed(
            "the demo agreement was already signed and sealed: start from an empty "
            "data folder to make it again"
        )
    coordinator = Actor(user_id=None, role=Role.COORDINATOR, name="demo")
    for subject, subject_id, label in [
        ("payment_arrangement", arrangement.id, "Betalingsregeling"),
        ("agreement", agreement.id, "Woonbegeleidingsovereenkomst"),
    ]:
        on_step(f"{label}: renderen en omzetten naar PDF")
        version = request_document(
            subject, subject_id, deps=deps, engine=engine, actor=coordinator, now=now
        )
        status = render_version(version.id, deps=deps, engine=engine, clock=clock)
        if status is not DocumentStatus.READY:
            got, _ = get_version(version.id, deps=deps, actor=coordinator)
            raise DemoFailed(f"{label} could not be made: {got.error}")
    on_step("Alle partijen ondertekenen")
    sign_everything(deps, engine, version.id, coordinator, clock)
    on_step("Ondertekeningsbewijs toevoegen en verzegelen")
    finished = finish.finish_version(version.id, deps=deps, engine=engine, clock=clock)
    got, _ = get_version(version.id, deps=deps, actor=coordinator)
    if finished is not FinishStatus.DONE or got.sealed_sha256 is None:
        raise DemoFailed(f"the agreement could not be sealed: {got.finish_error}")
    stored = engine.store.path(got.sealed_sha256)
    copy = deps.settings.data_dir.resolve() / "demo-agreement.pdf"
    shutil.copyfile(stored, copy)
    return DemoPackage(sealed_sha256=got.sealed_sha256, stored=stored, copy=copy)


def _already_sealed(deps: Deps, agreement_id: int) -> bool:
    with deps.db() as session:
        return (
            session.scalar(
                select(DocumentVersion.id)
                .join(Document)
                .where(
                    Document.subject_type == "agreement",
                    Document.subject_id == agreement_id,
                    DocumentVersion.sealed_sha256.is_not(None),
                )
                .limit(1)
            )
            is not None
        )


def sign_everything(
    deps: Deps,
    engine: DocumentEngine,
    version_id: int,
    actor: Actor,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """The demo's parties each sign through their own link, as they would from a phone:
    every party the document names, the buurtteam and each co-tenant too."""
    version, _ = get_version(version_id, deps=deps, actor=actor)
    roles = sign.signing_roles(version, engine)
    sign.send_for_signature(version_id, roles, deps=deps, actor=actor, now=clock())
    for request in sign.requests_for(version_id, deps=deps, actor=actor):
        _, token = sign.issue_link(request.id, deps=deps, now=clock())
        name, function, basis, detail = _signer(deps, request)
        data = sign.SignInput(
            typed_name=name,
            consent_version=deps.settings.consent_version,
            ip="127.0.0.1",
            user_agent="agreements demo",
            function=function,
            mandate_basis=basis,
            mandate_detail=detail,
        )
        sign.sign_with_link(token, data, deps=deps, now=clock())


def _signer(deps: Deps, request: Any) -> tuple[str, str, str, str]:
    """Who signs a demo request: the tenant or representative by name; for an organisation
    a person (its demo account's name and function) with a mandate."""
    organisation = signers.form_for(request.id, deps=deps).organisation
    if organisation is None:
        return request.party_name, "", "", ""
    login = next((lg for lg in LOGINS if lg.organisation == organisation and lg.function), None)
    name, function = (login.name, login.function) if login else OTHER_SIGNER
    basis, detail = SIGNATORIES.get(organisation, ("director", "bestuurder volgens de statuten"))
    return name, function, basis, detail
