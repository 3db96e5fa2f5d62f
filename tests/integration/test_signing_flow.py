"""Signing end to end over the API: invitations by real SMTP, exactly-once signing under
races, voiding on a new version, finishing with a seal, and verification."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from dataclasses import replace
from datetime import UTC, datetime
from email.header import decode_header, make_header

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from agreements import tasks
from agreements.db.models import Signature
from agreements.domain.enums import Role
from agreements.domain.errors import Conflict, DomainError
from agreements.domain.policy import Actor
from agreements.services.documents.engine import DocumentEngine
from agreements.services.jobs import Job
from agreements.services.signatures import sign
from signing.tokens import LinkState
from tests.flows import MANDATE, link_in, render_agreement, send_requests, sign_by_link


def test_everyone_signs_then_seal_copies_and_verify(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    roles = [r["party_role"] for r in requests]
    # Issue 13: each co-tenant on her own, and the buurtteam, which promises something too.
    assert roles == [
        "tenant",
        "tenant",
        "representative",
        "corporation",
        "coordinator",
        "municipality",
        "neighbourhood_team",
    ]
    assert [r["party_name"] for r in requests[:2]] == ["Ünal Yılmaz", "Zoë Yılmaz"]
    assert all(r["status"] == "pending" and r["sends"] == 1 for r in requests)
    # Every party got a Dutch invitation with its own link, and no token is stored plainly.
    tokens = {}
    for r in requests:
        # (An earlier test's signature on this agreement lapsed: that notice is not counted.)
        mails = [m for m in inbox.to(r["email"]) if not m["Subject"].startswith("Document ver")]
        assert len(mails) == 1, r["email"]
        # The subject names the case and its tenant; the greeting a person (issue 14).
        subject = str(make_header(decode_header(mails[0]["Subject"])))
        assert re.fullmatch(r"Ondertekenen: Woonbegeleidingsovereenkomst \(LK-\d{4}-\d{5}, "
                            r"Ünal Yılmaz\)", subject), subject  # fmt: skip
        greeting = mails[0].get_payload(decode=True).decode().splitlines()[0]
        assert greeting not in ("Beste Mitros,", "Beste Gemeente Utrecht,"), greeting
        tokens[r["party_name"] if r["party_role"] == "tenant" else r["party_role"]] = link_in(
            mails[0]
        )
    assert len(set(tokens.values())) == 7
    with deps.db() as session:
        from sqlalchemy import text

        stored = session.execute(text("SELECT token_digest FROM signature_requests")).scalars()
        assert not set(tokens.values()) & set(stored)

    sign_by_link(deps, tokens["Ünal Yılmaz"], "Ünal Yılmaz")
    sign_by_link(deps, tokens["Zoë Yılmaz"], "Zoë Yılmaz")
    sign_by_link(deps, tokens["neighbourhood_team"], "L. de Graaf")
    sign_by_link(deps, tokens["representative"], "mr. J. de Bewindvoerder")
    by_role = {r["party_role"]: r for r in requests}
    # The corporation signs as staff from its session; the coordinator too.
    staff = {"consent_version": deps.settings.consent_version, **MANDATE}
    r = client.post(
        f"/api/v1/signature-requests/{by_role['corporation']['id']}/sign",
        headers=world.headers("portaal"),
        json={**staff, "typed_name": "Portaal"},
    )
    assert r.status_code == 404  # Portaal does not even see the Mitros case
    r = client.post(
        f"/api/v1/signature-requests/{by_role['corporation']['id']}/sign",
        headers=world.headers("gemeente"),
        json={**staff, "typed_name": "Gem"},
    )
    assert r.status_code == 403  # the municipality sees the case but does not sign for Mitros
    r = client.post(
        f"/api/v1/signature-requests/{by_role['corporation']['id']}/sign",
        headers=world.headers("mitros"),
        json={**staff, "typed_name": "M. Jansen"},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/v1/signature-requests/{by_role['coordinator']['id']}/sign",
        headers=world.headers("coordinator"),
        json={**staff, "typed_name": "Coo"},
    )
    assert r.status_code == 200 and not r.json()["complete"]
    inbox.clear()
    last = sign_by_link(deps, tokens["municipality"], "R. Öztürk")
    assert last.complete

    sealed = client.get(
        f"/api/v1/document-versions/{version['id']}/sealed.pdf",
        headers=world.headers("coordinator"),
    )
    assert sealed.status_code == 200, sealed.text
    reader = PdfReader(io.BytesIO(sealed.content))
    assert "ondertekening.json" in reader.attachments
    assert reader.outline[-1].title == "Ondertekeningsbewijs"
    # The evidence pages (issue 13: one block per signature) follow the signed pages.
    evidence_text = "".join(p.extract_text() for p in reader.pages[-5:])
    assert "Ünal Yılmaz" in evidence_text and "Zoë Yılmaz" in evidence_text
    # Each party got its copy, once.
    copies = [m for m in inbox.messages if m["Subject"].startswith("Ondertekend:")]
    assert sorted(m["To"] for m in copies) == sorted(r["email"] for r in requests)
    agreement = client.get(
        f"/api/v1/agreements?case_id={world.case_mitros}", headers=world.headers("coordinator")
    ).json()["items"][0]
    assert agreement["status"] == "active"

    ok = client.post(
        "/api/v1/verify",
        headers=world.headers("jurist"),
        files={"file": ("a.pdf", sealed.content, "application/pdf")},
    ).json()
    assert ok["ok"] and ok["summary"]["version"] == version["number"]
    assert {p["role"] for p in ok["summary"]["parties"]} == set(roles)
    writer = PdfWriter(io.BytesIO(sealed.content), incremental=True)
    writer.add_blank_page(595, 842)
    tampered = io.BytesIO()
    writer.write(tampered)
    bad = client.post(
        "/api/v1/verify",
        headers=world.headers("jurist"),
        files={"file": ("b.pdf", tampered.getvalue(), "application/pdf")},
    ).json()
    assert not bad["ok"] and bad["outcome"] == "appended_content"
    flipped = bytearray(sealed.content)
    flipped[len(flipped) // 3] ^= 0x01
    bad = client.post(
        "/api/v1/verify",
        headers=world.headers("jurist"),
        files={"file": ("c.pdf", bytes(flipped), "application/pdf")},
    ).json()
    assert not bad["ok"]
    # The version's PDF is now the sealed file; the unsealed one is the staff's concept.
    served = client.get(
        f"/api/v1/document-versions/{version['id']}/pdf", headers=world.headers("coordinator")
    )
    assert served.content == sealed.content
    unsealed = client.app.state.engine.store.get(version["pdf_sha256"])
    bad = client.post(
        "/api/v1/verify",
        headers=world.headers("jurist"),
        files={"file": ("d.pdf", unsealed, "application/pdf")},
    ).json()
    assert not bad["ok"] and bad["outcome"] == "no_signature"


def test_sixteen_racing_signatures_count_once(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"])
    token = link_in(inbox.invitation(requests[0]["email"]))
    results: list[object] = []
    barrier = threading.Barrier(16)

    def attempt() -> None:
        barrier.wait()
        try:
            results.append(
                sign.sign_with_link(
                    token,
                    sign.SignInput(
                        typed_name="Zoë", consent_version=deps.settings.consent_version, **MANDATE
                    ),
                    deps=deps,
                    now=datetime.now(UTC),
                )
            )
        except sign.LinkUnusable as exc:
            results.append(exc.state)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, sign.Outcome) for r in results) == 1
    assert all(r is LinkState.USED for r in results if not isinstance(r, sign.Outcome))
    with deps.db() as session:
        from sqlalchemy import func, select

        from agreements.db.models import Signature

        assert (
            session.scalar(select(func.count()).where(Signature.request_id == requests[0]["id"]))
            == 1
        )


def test_new_version_voids_old_requests_and_links(flow, world):
    client, deps, inbox = flow
    first = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, first["id"])
    token = link_in(inbox.invitation(requests[0]["email"]))
    sign_by_link(deps, token, "Zoë van 't Hek")
    second = render_agreement(client, world, world.case_portaal)
    old = client.get(
        f"/api/v1/document-versions/{first['id']}/signature-requests",
        headers=world.headers("coordinator"),
    ).json()
    assert {r["status"] for r in old} == {"voided"}
    other = link_in(inbox.invitation(requests[1]["email"]))
    view = sign.open_link(other, deps=deps, now=datetime.now(UTC))
    assert view is not None and view.state is LinkState.VOIDED
    with pytest.raises(sign.LinkUnusable):
        sign_by_link(deps, other, "mr. J. de Bewindvoerder")
    # The old version and its evidence stay readable.
    assert (
        client.get(
            f"/api/v1/document-versions/{first['id']}/pdf", headers=world.headers("jurist")
        ).status_code
        == 200
    )
    assert second["number"] > first["number"]


def test_the_use_case_stores_the_drawn_signature(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"])
    token = link_in(inbox.invitation(requests[0]["email"]))
    engine = DocumentEngine(deps.settings, converter=None)
    png = b"\x89PNG\r\n\x1a\n" + b"a drawn signature"
    data = sign.SignInput("Zoë", deps.settings.consent_version, drawn_png=png, **MANDATE)
    outcome = sign.sign_with_link(token, data, deps=deps, now=datetime.now(UTC), engine=engine)
    with deps.db() as session:
        sig = session.scalar(select(Signature).where(Signature.request_id == outcome.request_id))
        assert sig is not None
    digest = hashlib.sha256(png).hexdigest()
    assert sig.drawn_png_sha256 == sig.evidence["drawn_signature_sha256"] == digest
    assert engine.store.get(digest) == png
    # Used now: the one LinkUnusable, a Conflict of the service's error family.
    with pytest.raises(sign.LinkUnusable) as used:
        sign.sign_with_link(token, data, deps=deps, now=datetime.now(UTC), engine=engine)
    assert isinstance(used.value, Conflict) and isinstance(used.value, DomainError)
    assert used.value.state is LinkState.USED and "al gebruikt" in used.value.message_nl


class Recorder:
    """A queue port that keeps what the use cases hand it."""

    def __init__(self) -> None:
        self.jobs: list[tuple[object, ...]] = []

    def enqueue(self, job: Job, *ids: int) -> None:
        self.jobs.append((job, *ids))


def test_the_use_cases_queue_what_follows_once_committed(flow, world):
    client, deps, inbox = flow
    recorder = Recorder()
    queued = replace(deps, queue=recorder)
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"])
    first = requests[0]
    coordinator = Actor(user_id=None, role=Role.COORDINATOR, name="test")
    now = datetime.now(UTC)
    sign.manage_request(first["id"], "resend", deps=queued, actor=coordinator, now=now)
    assert recorder.jobs == [(Job.INVITE, first["id"])]
    token = link_in(inbox.to(first["email"])[-1])
    declined = sign.SignInput("", deps.settings.consent_version, **MANDATE)
    outcome = sign.sign_with_link(
        token, declined, deps=queued, now=datetime.now(UTC), decline_reason="Nee, nog niet."
    )
    assert recorder.jobs[1:] == [(Job.DECLINED, outcome.request_id)]
    with pytest.raises(sign.LinkUnusable):  # rolled back: nothing more is queued
        sign.sign_with_link(
            token, declined, deps=queued, now=datetime.now(UTC), decline_reason="Nee."
        )
    assert len(recorder.jobs) == 2


def test_decline_notifies_the_coordinator(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"])
    token = link_in(inbox.invitation(requests[0]["email"]))
    with pytest.raises(Exception, match="reason"):
        sign.sign_with_link(
            token,
            sign.SignInput("", deps.settings.consent_version, **MANDATE),
            deps=deps,
            now=datetime.now(UTC),
            decline_reason="  ",
        )
    outcome = sign.sign_with_link(
        token,
        sign.SignInput("", deps.settings.consent_version, **MANDATE),
        deps=deps,
        now=datetime.now(UTC),
        decline_reason="Ik wil eerst met mijn bewindvoerder praten",
    )
    tasks.after_signing(outcome)
    notices = [m for m in inbox.messages if m["Subject"].startswith("Geweigerd:")]
    assert len(notices) == 1 and notices[0]["To"] == "coordinator@demo.example"
    assert "bewindvoerder praten" in notices[0].get_payload()
    listed = client.get(
        f"/api/v1/document-versions/{version['id']}/signature-requests",
        headers=world.headers("coordinator"),
    ).json()
    assert listed[0]["status"] == "declined"


def test_in_person_signing_with_witness_and_request_management(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"])
    tenant = requests[0]
    h = world.headers("coordinator")
    body = {
        "typed_name": "Zoë van 't Hek",
        "consent_version": deps.settings.consent_version,
        "witness": True,
        "witness_name": "Annemarie de Getuige",
    }
    assert (
        client.post(
            f"/api/v1/signature-requests/{tenant['id']}/sign",
            json=body,
            headers=world.headers("jurist"),
        ).status_code
        == 403
    )
    # The witness is a named person: the full name typed, never the account's name.
    unnamed = client.post(
        f"/api/v1/signature-requests/{tenant['id']}/sign",
        json={**body, "witness_name": None},
        headers=h,
    )
    assert unnamed.status_code == 422, unnamed.text
    assert "witness_name" in unnamed.text
    r = client.post(f"/api/v1/signature-requests/{tenant['id']}/sign", json=body, headers=h)
    assert r.status_code == 200, r.text
    with deps.db() as session:
        from sqlalchemy import select

        from agreements.db.models import Signature

        evidence = session.scalar(
            select(Signature.evidence).where(Signature.request_id == tenant["id"])
        )
    assert evidence["identified_by"] == "in_person"
    assert evidence["witness_name"] == "Annemarie de Getuige"
    rep = requests[1]
    r = client.post(
        f"/api/v1/signature-requests/{rep['id']}/manage",
        headers=h,
        json={"action": "contact", "email": "nieuw@demo.example"},
    )
    assert r.status_code == 200 and r.json()["contact_history"][0]["email"] == rep["email"]
    assert len(inbox.to("nieuw@demo.example")) == 1
    r = client.post(
        f"/api/v1/signature-requests/{rep['id']}/manage",
        headers=h,
        json={"action": "extend", "days": 7},
    )
    assert r.status_code == 200 and r.json()["expires_at"] > rep["expires_at"]
    r = client.post(
        f"/api/v1/signature-requests/{rep['id']}/manage", headers=h, json={"action": "revoke"}
    )
    assert r.json()["status"] == "revoked"
    assert (
        client.post(
            f"/api/v1/signature-requests/{rep['id']}/manage", headers=h, json={"action": "revoke"}
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"/api/v1/document-versions/{version['id']}/signature-requests", headers=h
        ).status_code
        == 409
    )  # sent once per version


def test_ordered_signing_invites_in_turn(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"], ordered=True)
    assert [r["position"] for r in requests] == [1, 2, 3, 4, 5, 6]  # the buurtteam too
    assert [r["sends"] for r in requests] == [1, 0, 0, 0, 0, 0]
    sign_by_link(deps, link_in(inbox.invitation(requests[0]["email"])), "Zoë van 't Hek")
    listed = client.get(
        f"/api/v1/document-versions/{version['id']}/signature-requests",
        headers=world.headers("coordinator"),
    ).json()
    assert [r["sends"] for r in listed] == [1, 1, 0, 0, 0, 0]


def test_review_minutes_are_made_and_signed_by_tenant_and_coordinator(flow, world):
    client, _deps, _inbox = flow
    h = world.headers("coordinator")
    agreement = client.get(f"/api/v1/agreements?case_id={world.case_portaal}", headers=h).json()[
        "items"
    ][0]
    review = client.get(
        f"/api/v1/reviews?agreement_id={agreement['id']}&held=false", headers=h
    ).json()["items"][0]
    early = client.post(f"/api/v1/reviews/{review['id']}/documents", headers=h)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "held_date"
    obligation = agreement["obligations"][0]
    minutes = {
        # Held inside the term and not in the future: the day the demo agreement starts.
        "held_date": agreement["start_date"],
        "outcome": "concerns",
        "warning_given": True,
        "location": "Buurtteam Oost",
        "chair": "A. Bakker",
        "summary": "De huur is op tijd betaald.\nWel zorgen over post.",
        "attendees": [
            {"name": "Zoë van 't Hek", "role": "huurder"},
            {"name": "A. Bakker", "role": "coördinator", "organisation": "Het Vierde Huis"},
        ],
        "progress": [
            {
                "obligation_id": obligation["id"],
                "status": "Gaat goed",
                "notes": "Drie maanden op tijd",
            }
        ],
        "actions": [{"action": "Post samen openen", "who": "Buurtteam", "due": "2026-05-15"}],
    }
    bad = client.patch(
        f"/api/v1/reviews/{review['id']}",
        headers=h,
        json={**minutes, "progress": [{"obligation_id": 999999, "status": "x"}]},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "progress.0.obligation_id"
    saved = client.patch(f"/api/v1/reviews/{review['id']}", headers=h, json=minutes)
    assert saved.status_code == 200, saved.text
    assert saved.json()["attendees"][1]["organisation"] == "Het Vierde Huis"
    assert saved.json()["warning_given"] is True
    version = client.post(f"/api/v1/reviews/{review['id']}/documents", headers=h).json()
    assert version["status"] == "ready" and version["kind"] == "review_minutes", version
    pdf = client.get(f"/api/v1/document-versions/{version['id']}/pdf", headers=h).content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Post samen openen" in text and "Drie maanden op tijd" in text
    # The outcome, the warning, who was not there, the agreement it belongs to.
    for needed in ("zorgen: er zijn zorgen", "ja, u heeft een schriftelijke", "Niet aanwezig"):
        assert needed in text, needed
    assert "Woonbegeleidingsovereenkomst" in text and "Portaal" in text
    requests = send_requests(client, world, version["id"])
    assert [r["party_role"] for r in requests] == ["tenant", "representative", "coordinator"]


def test_a_lost_seal_task_is_recovered_from_the_database(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    for r in requests:
        token = link_in(inbox.to(r["email"])[-1])
        # Signed, but the queue never hears of it (a crash right after the commit, say).
        sign.sign_with_link(
            token,
            sign.SignInput(
                typed_name=r["party_name"], consent_version=deps.settings.consent_version, **MANDATE
            ),
            deps=deps,
            now=datetime.now(UTC),
        )
    h = world.headers("coordinator")
    assert (
        client.get(f"/api/v1/document-versions/{version['id']}/sealed.pdf", headers=h).status_code
        == 409
    )
    tasks.recover_documents()
    sealed = client.get(f"/api/v1/document-versions/{version['id']}/sealed.pdf", headers=h)
    assert sealed.status_code == 200


def test_two_last_parties_signing_at_once_finish_exactly_once(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    tokens = [link_in(inbox.to(r["email"])[-1]) for r in requests]
    for r, token in zip(requests[:-2], tokens[:-2], strict=True):
        sign_by_link(deps, token, r["party_name"])
    outcomes: list[sign.Outcome] = []
    barrier = threading.Barrier(2)

    def last(token: str, name: str) -> None:
        barrier.wait()
        outcomes.append(
            sign.sign_with_link(
                token,
                sign.SignInput(
                    typed_name=name, consent_version=deps.settings.consent_version, **MANDATE
                ),
                deps=deps,
                now=datetime.now(UTC),
            )
        )

    threads = [
        threading.Thread(target=last, args=(t, r["party_name"]))
        for r, t in zip(requests[-2:], tokens[-2:], strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.complete for o in outcomes) == [False, True]
    for outcome in outcomes:  # both wake the worker; the seal is made once
        tasks.after_signing(outcome)
    tasks.finish_document(version["id"])
    with deps.db() as session:
        from sqlalchemy import func, select

        from agreements.db.models import AuditEntry

        sealed = session.scalar(
            select(func.count()).where(
                AuditEntry.action == "document.sealed", AuditEntry.subject_id == str(version["id"])
            )
        )
    assert sealed == 1


def test_staff_cannot_skip_the_order_nor_witness_for_organisations(flow, world):
    client, deps, _inbox = flow
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"], ordered=True)
    by_role = {r["party_role"]: r for r in requests}
    body = {"typed_name": "M. Jansen", "consent_version": deps.settings.consent_version, **MANDATE}
    early = client.post(
        f"/api/v1/signature-requests/{by_role['corporation']['id']}/sign",
        headers=world.headers("portaal"),
        json=body,
    )
    assert early.status_code == 409  # the tenant and others sign first
    witnessed = client.post(
        f"/api/v1/signature-requests/{by_role['municipality']['id']}/sign",
        headers=world.headers("coordinator"),
        json={**body, "witness": True, "witness_name": "Annemarie de Getuige"},
    )
    assert witnessed.status_code == 403  # organisations sign for themselves


def test_a_dossier_job_of_another_case_is_not_found(flow, world):
    client, _deps, _inbox = flow
    jobs = client.post(
        "/api/v1/legal/dossiers",
        headers=world.headers("mitros"),
        json={"case_ids": [world.case_mitros]},
    )
    assert jobs.status_code == 202, jobs.text
    task = jobs.json()[0]["task_id"]
    # The Portaal partner may read its own case, but not Mitros's job through it.
    other = client.get(
        f"/api/v1/legal/dossiers/{world.case_portaal}/{task}", headers=world.headers("portaal")
    )
    assert other.status_code == 404
    assert (
        client.get(
            f"/api/v1/legal/dossiers/{world.case_portaal}/{task}.pdf",
            headers=world.headers("portaal"),
        ).status_code
        == 404
    )
