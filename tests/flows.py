"""What tests drive through the service as a user would: the signing flow over the API (an
inbox on loopback SMTP, render, send, follow the link, sign), cases with their records,
the signing pages' site, logins on the staff pages, and the API's problem answers."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from agreements import tasks
from agreements.db.models import (
    Agreement,
    Case,
    EvictionJudgment,
    Person,
    Signature,
    SignatureRequest,
    TenancyContract,
)
from agreements.domain.enums import AgreementStatus, CaseStatus
from agreements.services.context import Deps
from agreements.services.demo import DEMO_PASSWORD
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures import sign
from agreements.web.app import create_app

PROBLEM = "application/problem+json"


PASSWORD = DEMO_PASSWORD


CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def invitation(self, address: str) -> Message:
        """The first invitation to sign sent to `address` (not a notice that one lapsed)."""
        found = [m for m in self.to(address) if m["Subject"].startswith("Ondertekenen")]
        assert found, f"no invitation to {address}"
        return found[0]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


# The tests share one world: an earlier test may have left a signature on the agreement
# they render again, and a new version then needs the coordinator's confirmation.
CONFIRM = {"confirm_void": True}


def render_agreement(client, world, case_id: int, *, confirm: bool = True) -> dict:
    h = world.headers("coordinator")
    agreement = client.get(f"/api/v1/agreements?case_id={case_id}", headers=h).json()["items"][0]
    version = client.post(
        f"/api/v1/agreements/{agreement['id']}/documents",
        headers=h,
        json=CONFIRM if confirm else None,
    ).json()
    assert version["status"] == "ready", version
    return version


def render_and_read(client: TestClient, world: Any, case_id: int) -> dict[str, Any]:
    """Render an agreement where the POST answers 202 (a worker renders), then read it."""
    h = world.headers("coordinator")
    agreement = client.get(f"/api/v1/agreements?case_id={case_id}", headers=h).json()["items"][0]
    made = client.post(f"/api/v1/agreements/{agreement['id']}/documents", headers=h, json=CONFIRM)
    assert made.status_code == 202, made.text
    version = client.get(f"/api/v1/document-versions/{made.json()['id']}", headers=h).json()
    assert version["status"] == "ready", version
    return version


def send_requests(client, world, version_id: int, **body) -> list[dict]:
    r = client.post(
        f"/api/v1/document-versions/{version_id}/signature-requests",
        headers=world.headers("coordinator"),
        json=body or None,
    )
    assert r.status_code == 201, r.text
    return r.json()


# Who signs for an organisation gives a function and a mandate (issue 13); harmless for the
# tenant and the representative, whose signatures ignore them.
MANDATE = {
    "function": "Teamleider Wonen",
    "mandate_basis": "power_of_attorney",
    "mandate_detail": "volmacht van de directie van 1 september 2026",
}


def link_in(message: Message) -> str:
    body = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else None
    text = (body or message).get_payload(decode=True).decode()
    match = re.search(r"/s/([A-Za-z0-9_-]{40,})", text)
    assert match, text
    return match.group(1)


def sign_by_link(deps, token: str, name: str) -> sign.Outcome:
    outcome = sign.sign_with_link(
        token,
        sign.SignInput(
            **MANDATE,
            typed_name=name,
            consent_version=deps.settings.consent_version,
            ip="127.0.0.1",
            user_agent="test",
        ),
        deps=deps,
        now=datetime.now(UTC),
    )
    tasks.after_signing(outcome)
    return outcome


def fully_signed(client, world, deps) -> tuple[int, list[dict]]:
    """A version every party signed, its seal not made yet (the worker was not told)."""
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    for r in requests:
        _, token = sign.issue_link(r["id"], deps=deps, now=datetime.now(UTC))
        sign.sign_with_link(
            token,
            sign.SignInput(
                **MANDATE, typed_name=r["party_name"], consent_version=deps.settings.consent_version
            ),
            deps=deps,
            now=datetime.now(UTC),
        )
    return version["id"], requests


def new_case(
    client: Any,
    world: Any,
    tenant: str,
    *,
    contract_street: str,
    route: str | None = None,
    live: bool = False,
) -> dict[str, Any]:
    """A Portaal case whose judgment is 400 days old and whose lease names another street;
    its agreement with `route` as its legal route, and out for signature when `live`."""
    h = world.headers("coordinator")
    today = datetime.now(UTC).date()
    address = {
        "street": "Oudegracht",
        "house_number": "12 a",
        "postcode": "3511 AB",
        "city": "Utrecht",
    }
    person = client.post(
        "/api/v1/people",
        headers=h,
        json={"name": tenant, "date_of_birth": "1980-02-03", "email": "t@example.org"},
    )
    assert person.status_code == 201, person.text
    parties = [world.org[n] for n in ("Portaal", "Het Vierde Huis", "Gemeente Utrecht")]
    start = today - timedelta(days=300)
    case = client.post(
        "/api/v1/cases",
        headers=h,
        json={
            "tenant_id": person.json()["id"],
            "address": address,
            "start_date": start.isoformat(),
            "planned_end_date": (start + timedelta(days=3 * 365)).isoformat(),
            "status": "active",
            "parties": [{"organisation_id": o} for o in parties],
        },
    )
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    lease = {**address, "street": contract_street, "house_number": "12A", "postcode": "3511AB"}
    contract = client.post(
        "/api/v1/tenancy-contracts",
        headers=h,
        json={
            "case_id": case_id,
            "contract_number": f"HO-{uuid.uuid4().hex[:6]}",
            "address": lease,
            "start_date": "2015-01-01",
            "landlord_id": world.org["Portaal"],
            "monthly_rent": "650.00",
        },
    )
    assert contract.status_code == 201, contract.text
    judgment = client.post(
        "/api/v1/judgments",
        headers=h,
        json={
            "case_id": case_id,
            "court": "Rechtbank Midden-Nederland",
            "case_number": f"UC EXPL {uuid.uuid4().hex[:6]}",
            "judgment_date": (today - timedelta(days=400)).isoformat(),
            "operative_decision": "Ontbinding en ontruiming.",
            "suspension_conditions": "Niet uitvoeren zolang de afspraken worden nagekomen.",
        },
    )
    assert judgment.status_code == 201, judgment.text
    agreement = client.post(
        "/api/v1/agreements",
        headers=h,
        json={
            "case_id": case_id,
            "tenancy_contract_id": contract.json()["id"],
            "eviction_judgment_id": judgment.json()["id"],
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=3 * 365)).isoformat(),
            "obligations": [{"party": "tenant", "text": "Ik betaal de huur op tijd."}],
            **({"legal_route": route} if route else {}),
        },
    )
    assert agreement.status_code == 201, agreement.text
    if live:
        url = f"/api/v1/agreements/{agreement.json()['id']}"
        sent = client.patch(url, headers=h, json={"status": "out_for_signature"})
        assert sent.status_code == 200, sent.text
    return {"case": case_id, "agreement": agreement.json()["id"], "judgment": judgment.json()}


def decide(client: Any, world: Any, agreement_id: int, choice: str = "continue") -> dict:
    """Legal staff record the decision an old judgment needs before documents are made."""
    r = client.post(
        f"/api/v1/agreements/{agreement_id}/judgment-decisions",
        headers=world.headers("jurist"),
        json={"choice": choice, "reason": "De huurder komt de afspraken na; risico aanvaard."},
    )
    assert r.status_code == 201, r.text
    return r.json()


def add_agreements(deps: Any, org: int, user: int, now: datetime, to: int) -> None:
    def many(model: Any, rows: list[dict[str, Any]]) -> list[int]:
        query = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(session.scalars(query, rows))

    with deps.db.begin() as session:
        new = range(len(session.scalars(select(Agreement.id)).all()), to)
        place = [{"street": "Straat", "house_number": str(n), "postcode": "1234 AB", "city": "U"}
                 for n in new]  # fmt: skip
        people = many(Person, [{"name": f"Huurder {n}", "created_at": now} for n in new])
        cases = many(Case, [
            {**a, "reference": f"LK-T-{n:05d}", "status": CaseStatus.ACTIVE,
             "coordinator_id": user, "tenant_id": p, "start_date": date(2024, 1, 1),
             "planned_end_date": date(2027, 1, 1), "created_at": now, "updated_at": now}
            for n, a, p in zip(new, place, people, strict=True)
        ])  # fmt: skip
        contracts = many(TenancyContract, [
            {**a, "case_id": c, "contract_number": f"C{c}", "start_date": date(2020, 1, 1),
             "landlord_id": org, "monthly_rent_cents": 1}
            for a, c in zip(place, cases, strict=True)
        ])  # fmt: skip
        judgments = many(EvictionJudgment, [
            {"case_id": c, "court": "R", "case_number": f"Z{c}", "judgment_date": date(2020, 1, 1),
             "operative_decision": "-", "suspension_conditions": "-"}
            for c in cases
        ])  # fmt: skip
        many(Agreement, [
            {"case_id": c, "tenancy_contract_id": t, "eviction_judgment_id": j,
             "start_date": date(2024, 1, 1), "end_date": date(2027, 1, 1),
             "status": AgreementStatus.ACTIVE, "reason": "", "created_at": now, "updated_at": now}
            for c, t, j in zip(cases, contracts, judgments, strict=True)
        ])  # fmt: skip


@dataclass
class Site:
    """One rendered agreement sent for signature, and the app that serves its links."""

    world: Any
    deps: Deps
    engine: DocumentEngine
    version: dict[str, Any]
    requests: dict[str, int]  # party role -> request id

    def app(self, **settings: Any) -> Any:
        deps = self.deps
        if settings:
            deps = Deps(db=deps.db, settings=deps.settings.model_copy(update=settings))
        return create_app(deps=deps, engine=self.engine)

    def client(self, headers: dict[str, str] | None = None, **settings: Any) -> TestClient:
        return TestClient(self.app(**settings), raise_server_exceptions=False, headers=headers)

    def link(self, role: str) -> str:
        _, token = sign.issue_link(self.requests[role], deps=self.deps, now=datetime.now(UTC))
        return token

    def request_row(self, role: str) -> SignatureRequest:
        with self.deps.db() as session:
            row = session.get(SignatureRequest, self.requests[role])
            assert row is not None
            return row

    def signatures(self, role: str) -> int:
        with self.deps.db() as session:
            return session.scalar(
                select(func.count())
                .select_from(Signature)
                .where(Signature.request_id == self.requests[role])
            )


@dataclass
class Live:
    base: str
    site: Site


def https_client(app: Any) -> TestClient:
    # The base URL is https so that a Secure cookie would be sent back as a browser would.
    return TestClient(app, raise_server_exceptions=False, base_url="https://testserver",
                      follow_redirects=False)  # fmt: skip


def logged_in(app: Any, who: str) -> tuple[TestClient, str]:
    """A client with a session cookie, and the CSRF token from its first page."""
    client = https_client(app)
    done = client.post("/login", data={"email": f"{who}@demo.example", "password": DEMO_PASSWORD})
    assert done.status_code == 303, done.text
    page = client.get("/werk")
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found
    return client, found.group(1)


def assert_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status and body["title"]
    assert "Traceback" not in r.text
    return body


def post_created(client: Any, world: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, headers=world.headers("coordinator"), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def case_with_file(
    client: Any,
    world: Any,
    name: str,
    address: tuple[str, str, str] = ("Oudegracht", "12", "3511 AB"),
    parties: tuple[str, ...] = ("Portaal", "Het Vierde Huis", "Gemeente Utrecht"),
) -> dict[str, Any]:
    """A case for a new tenant (no date of birth) at (street, number, postcode), with a
    contract and a judgment whose numbers are its own, and no agreement yet; the answer
    carries `contract`, `judgment`, `contract_id`, `judgment_id` and `tenant_id` beside the case."""
    person = post_created(client, world, "/api/v1/people", {"name": name})
    start = datetime.now(UTC).date() - timedelta(days=30)
    street, number, postcode = address
    place = {"street": street, "house_number": number, "postcode": postcode, "city": "Utrecht"}
    case = post_created(client, world, "/api/v1/cases", {
        "tenant_id": person["id"], "address": place, "start_date": start.isoformat(),
        "planned_end_date": (start + timedelta(days=3 * 365)).isoformat(),
        "parties": [{"organisation_id": world.org[n]} for n in parties],
    })  # fmt: skip
    tag = uuid.uuid4().hex[:8].upper()
    contract, judgment = f"HO-{tag}", f"11{tag[:6]} \\ UC EXPL 24-{tag[6:]}"
    contract_row = post_created(client, world, "/api/v1/tenancy-contracts", {
        "case_id": case["id"], "contract_number": contract, "address": place,
        "start_date": "2015-01-01", "landlord_id": world.org["Portaal"], "monthly_rent": "650.00",
    })  # fmt: skip
    judgment_row = post_created(client, world, "/api/v1/judgments", {
        "case_id": case["id"], "court": "Rechtbank Midden-Nederland", "case_number": judgment,
        "judgment_date": (start - timedelta(days=60)).isoformat(),
        "operative_decision": "Ontbinding en ontruiming.",
        "suspension_conditions": "Niet uitvoeren zolang de afspraken worden nagekomen.",
    })  # fmt: skip
    ids = {"contract_id": contract_row["id"], "judgment_id": judgment_row["id"]}
    ids["tenant_id"] = person["id"]
    return {**case, **ids, "contract": contract, "judgment": judgment}


def agreement_body(case: dict[str, Any]) -> dict[str, Any]:
    """A two-year draft for a case of `case_with_file`, linking its contract and judgment."""
    start = case["start_date"]
    return {
        "case_id": case["id"], "tenancy_contract_id": case["contract_id"],
        "eviction_judgment_id": case["judgment_id"], "start_date": start,
        "end_date": f"{int(start[:4]) + 2}{start[4:]}", "legal_route": "lease_continues",
        "obligations": [{"party": "tenant", "text": "Ik betaal de huur op tijd."}],
    }  # fmt: skip
