"""Voiding asks first and tells people; a decline pauses the version and is a signal
(issue 13): the rules at the use cases, the API's problem details and the party's page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from agreements.db.models import AuditEntry, DocumentVersion, SignatureRequest
from agreements.domain.enums import RequestStatus
from agreements.domain.errors import Conflict, SignaturesWouldLapse
from agreements.services.access import accounts as auth
from agreements.services.documents.engine import DocumentEngine
from agreements.services.documents.request import request_document
from agreements.services.signatures import sign as signing
from agreements.services.work import work_for
from tests.flows import (
    MANDATE,
    assert_problem,
    link_in,
    render_agreement,
    send_requests,
    sign_by_link,
)

LAPSED = "Document veranderd: Woonbegeleidingsovereenkomst"


def _now() -> datetime:
    return datetime.now(UTC)


def _coordinator(world, deps):
    return auth.authenticate(world.tokens["coordinator"], deps=deps, now=_now())


def _agreement_id(client, world) -> int:
    h = world.headers("coordinator")
    found = client.get(f"/api/v1/agreements?case_id={world.case_portaal}", headers=h).json()
    return int(found["items"][0]["id"])


def _versions(deps, version_id: int) -> int:
    with deps.db() as session:
        document_id = session.get(DocumentVersion, version_id).document_id
        return session.scalar(
            select(func.count()).where(DocumentVersion.document_id == document_id)
        )


def _statuses(deps, version_id: int) -> dict[int, RequestStatus]:
    with deps.db() as session:
        rows = session.execute(
            select(SignatureRequest.id, SignatureRequest.status).where(
                SignatureRequest.version_id == version_id
            )
        )
        return {request_id: status for request_id, status in rows}


def _lapse_notices(inbox) -> dict[str, str]:
    return {
        m["To"]: " ".join(m.get_payload(decode=True).decode().split())
        for m in inbox.messages
        if m["Subject"].startswith(LAPSED)
    }


def _signals(world, deps) -> list:
    actor = _coordinator(world, deps)
    return work_for(deps, actor, _now().date()).flagged


def test_a_new_version_after_a_signature_asks_first_and_names_the_signer(flow, world):
    client, deps, inbox = flow
    first = render_agreement(client, world, world.case_portaal)
    inbox.clear()  # the world is shared: this render may void signatures of earlier modules
    requests = send_requests(client, world, first["id"])
    tenant = requests[0]
    sign_by_link(deps, link_in(inbox.invitation(tenant["email"])), "Zoë van 't Hek")
    before = _versions(deps, first["id"])
    h = world.headers("coordinator")

    # The API: 409 problem details naming who signed and the field that confirms.
    url = f"/api/v1/agreements/{_agreement_id(client, world)}/documents"
    body = assert_problem(client.post(url, headers=h), 409)
    assert body["type"] == "/problems/signatures-would-lapse"
    assert body["errors"] == [
        {"field": "confirm_void", "reason": "must be true: someone has signed"}
    ]
    [signer] = body["signers"]
    assert signer["party_name"] == tenant["party_name"] and signer["party_role"] == "tenant"
    assert datetime.fromisoformat(signer["signed_at"]) <= _now()
    body = assert_problem(client.post(url, headers=h, json={"confirm_void": False}), 409)
    assert body["type"] == "/problems/signatures-would-lapse"
    assert_problem(client.post(url, headers=h, json={"confirm_void": "ja"}), 422)

    # The use case itself refuses, whoever calls it; nothing was made or voided.
    engine = DocumentEngine(deps.settings, converter=None)
    with pytest.raises(SignaturesWouldLapse) as refused:
        request_document(
            "agreement",
            _agreement_id(client, world),
            deps=deps,
            engine=engine,
            actor=_coordinator(world, deps),
            now=_now(),
        )
    assert [s.party_name for s in refused.value.signers] == [tenant["party_name"]]
    assert _versions(deps, first["id"]) == before
    assert RequestStatus.VOIDED not in _statuses(deps, first["id"]).values()
    assert not _lapse_notices(inbox)

    made = client.post(url, headers=h, json={"confirm_void": True})
    assert made.status_code == 202, made.text
    assert set(_statuses(deps, first["id"]).values()) == {RequestStatus.VOIDED}


def test_voiding_tells_the_signers_and_those_who_had_a_link(flow, world):
    client, deps, inbox = flow
    first = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, first["id"], ordered=True)
    tenant, representative, *others = requests
    sign_by_link(deps, link_in(inbox.invitation(tenant["email"])), "Zoë van 't Hek")
    inbox.clear()  # the representative's turn: their link is out, the others have none yet
    render_agreement(client, world, world.case_portaal, confirm=True)

    notices = _lapse_notices(inbox)
    assert set(notices) == {tenant["email"], representative["email"]}
    assert "telt uw handtekening niet meer" in notices[tenant["email"]]
    assert "de link die u kreeg om te tekenen niet meer" in notices[representative["email"]]
    for text in notices.values():
        assert "nieuwe link" in text and "Beste " in text
    assert not any(inbox.to(o["email"]) for o in others)
    with deps.db() as session:
        entries = {
            int(e.subject_id): e.detail
            for e in session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "signing.voided",
                    AuditEntry.subject_id.in_([str(r["id"]) for r in requests]),
                )
            )
        }
        void = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "signing.void")
            .order_by(AuditEntry.seq.desc())
        ).first()
    assert entries[tenant["id"]] == {"was": "signed", "told": True}
    assert entries[representative["id"]] == {"was": "pending", "told": True}
    assert all(entries[o["id"]] == {"was": "pending", "told": False} for o in others)
    assert void is not None and void.detail["signed"] == [tenant["id"]]
    assert void.detail["confirmed"] is True


def test_lapsed_signatures_are_a_signal_until_the_new_version_is_sent(flow, world):
    client, deps, inbox = flow
    first = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, first["id"])
    sign_by_link(deps, link_in(inbox.invitation(requests[0]["email"])), "Zoë van 't Hek")
    second = render_agreement(client, world, world.case_portaal, confirm=True)

    [signal] = [s for s in _signals(world, deps) if s.url == f"/versies/{second['id']}"]
    assert signal.title == "Handtekeningen vervallen"
    assert signal.detail.startswith("Woonbegeleidingsovereenkomst: er is een nieuwe versie")
    assert requests[0]["party_name"] in signal.detail and signal.case_id == world.case_portaal
    send_requests(client, world, second["id"])
    assert not [s for s in _signals(world, deps) if s.url == f"/versies/{second['id']}"]


def test_a_decline_pauses_the_others_and_is_a_signal_until_a_new_version(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"])
    tenant, *others = requests
    tokens = {r["id"]: link_in(inbox.invitation(r["email"])) for r in requests}
    signing.sign_with_link(
        tokens[tenant["id"]],
        signing.SignInput("", deps.settings.consent_version, **MANDATE),
        deps=deps,
        now=_now(),
        decline_reason="Ik wil eerst met mijn bewindvoerder praten.",
    )
    statuses = _statuses(deps, version["id"])
    assert statuses[tenant["id"]] is RequestStatus.DECLINED
    assert {statuses[o["id"]] for o in others} == {RequestStatus.PAUSED}

    # A paused link shows, but signing it is refused by the use case, link or staff.
    paused = tokens[others[0]["id"]]
    view = signing.open_link(paused, deps=deps, now=_now())
    assert view is not None and view.paused
    with pytest.raises(Conflict, match="paused") as refused:
        sign_by_link(deps, paused, "mr. J. de Bewindvoerder")
    assert not isinstance(refused.value, signing.LinkUnusable)
    coordinator = next(r for r in others if r["party_role"] == "coordinator")
    staff = {"typed_name": "Coo", "consent_version": deps.settings.consent_version, **MANDATE}
    h = world.headers("coordinator")
    r = client.post(f"/api/v1/signature-requests/{coordinator['id']}/sign", headers=h, json=staff)
    assert assert_problem(r, 409)["type"] == "/problems/conflict"
    with pytest.raises(Conflict, match="paused"):
        signing.manage_request(
            others[0]["id"], "resend", deps=deps, actor=_coordinator(world, deps), now=_now()
        )
    assert {_statuses(deps, version["id"])[o["id"]] for o in others} == {RequestStatus.PAUSED}

    # The party's page says so in Dutch, instead of the sign form.
    page = client.get(f"/s/{paused}")
    assert page.status_code == 200 and "Tekenen staat even stil" in page.text
    assert 'action="/s/' not in page.text
    form = {"typed_name": "mr. J. de Bewindvoerder", "consent": "ja"}
    posted = client.post(f"/s/{paused}/sign", data=form | {"consent_version": "1"})
    assert posted.status_code == 409 and "Tekenen staat even stil" in posted.text

    # The coordinator's dashboard: a signal, until a new version is made.
    url = f"/versies/{version['id']}"
    [signal] = [s for s in _signals(world, deps) if s.url == url]
    assert signal.title == "Geweigerd"
    assert signal.detail.startswith(f"Woonbegeleidingsovereenkomst, versie {version['number']}")
    assert "bewindvoerder praten" in signal.detail and tenant["party_name"] in signal.detail
    inbox.clear()
    render_agreement(client, world, world.case_portaal)  # nobody signed: no question asked
    assert set(_statuses(deps, version["id"]).values()) == {RequestStatus.VOIDED}
    assert not [s for s in _signals(world, deps) if s.url == url]
    assert set(_lapse_notices(inbox)) == {o["email"] for o in others if o["email"]}


def test_a_decline_from_a_staff_session_pauses_the_others_too(flow, world):
    client, deps, _inbox = flow
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"])
    coordinator = next(r for r in requests if r["party_role"] == "coordinator")
    r = client.post(
        f"/api/v1/signature-requests/{coordinator['id']}/sign",
        headers=world.headers("coordinator"),
        json={
            "typed_name": "Coo",
            "consent_version": deps.settings.consent_version,
            "decline_reason": "De einddatum klopt niet.",
        },
    )
    assert r.status_code == 200 and r.json()["declined"], r.text
    statuses = _statuses(deps, version["id"])
    assert statuses.pop(coordinator["id"]) is RequestStatus.DECLINED
    assert set(statuses.values()) == {RequestStatus.PAUSED}
