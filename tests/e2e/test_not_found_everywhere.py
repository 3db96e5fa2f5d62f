"""No existence oracle: for a partner, another organisation's record is exactly a missing one.

Every API operation and every staff page with an id in its path is called twice as partner
Portaal: with the id of a record in a case Portaal is no party to, and with an id that does
not exist. Both must answer 404 with the same body, apart from the id itself, whatever the
verb. Routes are enumerated from the app, so a route added later is covered (or the test
says which id it cannot fill in).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agreements.db.models import Document, DocumentVersion, SignatureRequest
from agreements.domain.enums import DocumentStatus, RequestStatus
from agreements.services.inputs import MAX_ID
from agreements.web.app import create_app
from agreements.web.deps import SESSION_COOKIE
from agreements.web.shared import csrf
from tests.conftest import NOW

API = "/api/v1"
MISSING = MAX_ID  # a valid id that no row has
PARTNER = "portaal"
ADDRESS = {"street": "Amsterdamsestraatweg", "house_number": "1", "postcode": "3513 AA",
           "city": "Utrecht"}  # fmt: skip
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"  # noqa: E501

# Which record a path parameter names, by the path segment before it.
KINDS = {
    ("cases", "case_id"): "case",
    ("people", "person_id"): "person",
    ("tenancy-contracts", "row_id"): "tenancy_contract",
    ("judgments", "row_id"): "judgment",
    ("payment-arrangements", "row_id"): "payment_arrangement",
    ("agreements", "agreement_id"): "agreement",
    ("reviews", "review_id"): "review",
    ("document-versions", "version_id"): "version",
    ("signature-requests", "request_id"): "request",
    ("dossiers", "case_id"): "case",
    # staff pages
    ("zaken", "case_id"): "case",
    ("evaluaties", "review_id"): "review",
    ("versies", "version_id"): "version",
    ("verzoeken", "request_id"): "request",
    ("overeenkomsten", "agreement_id"): "agreement",
    # /zaken/{case_id}/dossier/{kind}/{row_id}/pdf: {kind} is FIXED as huurovereenkomst
    ("{kind}", "row_id"): "tenancy_contract",
}
# Parameters that are not ids of records: filled in the same way on both calls.
FIXED = {"task_id": str(uuid.UUID(int=7)), "number": "1", "kind": "huurovereenkomst"}
# Organisations are public to every staff role: only the missing id applies to them.
# Tokens belong to a login, not a case: another user's token is tested in test_tokens.py.
PUBLIC = {("organisations", "org_id"), ("tokens", "token_id")}

# Valid bodies, so that validation passes and the lookup decides.
JSON_BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/cases/{case_id}"): {"status": "active"},
    ("DELETE", "/auth/tokens/{token_id}"): None,
    ("PUT", "/cases/{case_id}/care-notes"): {"text": "Een notitie."},
    ("PATCH", "/people/{person_id}"): {"phone": "06 1234 5678"},
    ("PATCH", "/organisations/{org_id}"): {"phone": "030 123 4567"},
    ("PATCH", "/tenancy-contracts/{row_id}"): {"contract_number": "HO-ANDERS"},
    ("PATCH", "/judgments/{row_id}"): {"court": "Rechtbank Midden-Nederland"},
    ("PATCH", "/payment-arrangements/{row_id}"): {"iban": "NL91ABNA0417164300"},
    ("PATCH", "/agreements/{agreement_id}"): {"reason": "Een reden."},
    ("PATCH", "/reviews/{review_id}"): {"summary": "Voorbereid."},
    ("POST", "/agreements/{agreement_id}/documents"): {},
    ("POST", "/payment-arrangements/{row_id}/documents"): {},
    ("POST", "/reviews/{review_id}/documents"): {},
    ("POST", "/document-versions/{version_id}/signature-requests"): {},
    ("POST", "/signature-requests/{request_id}/manage"): {"action": "revoke"},
    ("POST", "/signature-requests/{request_id}/sign"): {"typed_name": "A. Jansen",
                                                       "consent_version": "1"},
    ("POST", "/payment-arrangements/{row_id}/missed-instalments"): {"due_date": "2026-01-05"},
    ("POST", "/agreements/{agreement_id}/judgment-decisions"): {"choice": "continue",
                                                               "reason": "Het gaat goed."},
}  # fmt: skip
UPLOADS = {("PUT", "/tenancy-contracts/{row_id}/pdf"), ("PUT", "/judgments/{row_id}/pdf")}
# Creating with a case (or agreement) of another organisation in the body.
BODY_REFERENCES: list[tuple[str, str, Any]] = [
    ("tenancy-contracts", "case", lambda c, i: {**c.create_bodies["tenancy-contracts"],
                                                "case_id": i}),
    ("judgments", "case", lambda c, i: {**c.create_bodies["judgments"], "case_id": i}),
    ("payment-arrangements", "case", lambda c, i: {**c.create_bodies["payment-arrangements"],
                                                   "case_id": i}),
    ("agreements", "case", lambda c, i: {**c.create_bodies["agreements"], "case_id": i}),
    ("reviews", "agreement", lambda c, i: {"agreement_id": i, "due_date": "2026-12-15"}),
    ("legal/dossiers", "case", lambda c, i: {"case_ids": [i]}),
]  # fmt: skip


@dataclass
class Foreign:
    """A case Portaal is not party to (Het Vierde Huis, Mitros and the municipality are),
    with one record of every kind."""

    world: Any
    api: TestClient
    ids: dict[str, int] = field(default_factory=dict)
    create_bodies: dict[str, Any] = field(default_factory=dict)

    def create(self, path: str, body: dict[str, Any]) -> int:
        r = self.api.post(f"{API}/{path}", json=body, headers=self.world.headers("coordinator"))
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


@pytest.fixture(scope="module")
def api(world: Any) -> Iterator[TestClient]:
    with TestClient(create_app(deps=world.deps), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def foreign(world: Any, api: TestClient) -> Foreign:
    f = Foreign(world, api)
    org, tag = world.org, uuid.uuid4().hex[:8]
    tenant = f.create("people", {"name": f"Huurder elders {tag}", "address": ADDRESS})
    case = f.create(
        "cases",
        {
            "tenant_id": tenant,
            "address": ADDRESS,
            "start_date": "2026-01-01",
            "planned_end_date": "2028-01-01",
            "parties": [
                {"organisation_id": org[n]}
                for n in ("Het Vierde Huis", "Mitros", "Gemeente Utrecht")
            ],
        },
    )
    f.create_bodies = {
        "tenancy-contracts": {"case_id": case, "contract_number": f"HO-{tag}", "address": ADDRESS,
                              "start_date": "2020-01-01", "landlord_id": org["Mitros"],
                              "monthly_rent": "700.00"},
        "judgments": {"case_id": case, "court": "Rechtbank Midden-Nederland",
                      "case_number": f"{tag} \\ UC EXPL 25-1", "judgment_date": "2025-11-03",
                      "operative_decision": "Ontruiming.", "suspension_conditions": "Nakomen."},
        "payment-arrangements": {"case_id": case, "arrears": "900.00", "instalment": "75.00",
                                 "start_date": "2026-02-01", "number_of_terms": 12,
                                 "iban": "NL91ABNA0417164300", "creditor_id": org["Mitros"]},
    }  # fmt: skip
    ids = {"case": case, "person": tenant}
    for path, kind in (
        ("tenancy-contracts", "tenancy_contract"),
        ("judgments", "judgment"),
        ("payment-arrangements", "payment_arrangement"),
    ):
        ids[kind] = f.create(path, f.create_bodies[path])
    f.create_bodies["agreements"] = {
        "case_id": case,
        "tenancy_contract_id": ids["tenancy_contract"],
        "eviction_judgment_id": ids["judgment"],
        "start_date": "2026-03-01",
        "end_date": "2028-03-01",
        "obligations": [{"party": "tenant", "text": "Ik betaal op tijd."}],
    }
    ids["agreement"] = f.create("agreements", f.create_bodies["agreements"])
    reviews = api.get(
        f"{API}/reviews",
        params={"agreement_id": ids["agreement"]},
        headers=world.headers("coordinator"),
    ).json()["items"]
    ids["review"] = reviews[0]["id"]
    ids["version"], ids["request"] = _version_and_request(world, case, ids, org["Mitros"])
    f.ids = ids
    return f


def _version_and_request(world: Any, case: int, ids: dict[str, int], mitros: int) -> Any:
    """A (failed) render of the arrangement with a request for Mitros: rows, no rendering."""
    with world.deps.db.begin() as session:
        document = Document(
            case_id=case,
            kind="payment_arrangement",
            subject_type="payment_arrangement",
            subject_id=ids["payment_arrangement"],
            title="Betalingsregeling",
            created_at=NOW,
        )
        session.add(document)
        session.flush()
        version = DocumentVersion(
            document_id=document.id,
            number=1,
            status=DocumentStatus.FAILED,
            template_name="betalingsregeling",
            template_version=1,
            template_sha256="0" * 64,
            data={},
            error="made by a test",
            created_by="test",
            created_at=NOW,
        )
        session.add(version)
        session.flush()
        request = SignatureRequest(
            version_id=version.id,
            document_sha256="0" * 64,
            party_role="housing_corporation",
            party_name="Mitros",
            organisation_id=mitros,
            status=RequestStatus.PENDING,
            expires_at=NOW + timedelta(days=3650),
            created_at=NOW,
        )
        session.add(request)
        session.flush()
        return version.id, request.id


def _fill(path: str, ids: dict[str, int], missing: bool) -> tuple[str, list[int]]:
    """The path with every id parameter filled in, and the ids used (to mask them)."""
    used: list[int] = []
    parts = path.strip("/").split("/")
    out = []
    for before, part in zip(["", *parts], parts, strict=False):
        match = re.fullmatch(r"\{(\w+)\}(\.\w+)?", part)
        if match is None:
            out.append(part)
            continue
        name, suffix = match.group(1), match.group(2) or ""
        if name in FIXED:
            out.append(FIXED[name] + suffix)
            continue
        if (before, name) in PUBLIC:
            value = MISSING
        else:
            kind = KINDS.get((before, name))
            assert kind is not None, f"{path}: which record is {{{name}}}? Add it to KINDS"
            value = MISSING if missing else ids[kind]
        used.append(value)
        out.append(f"{value}{suffix}")
    return "/" + "/".join(out), used


def _masked(text: str, ids: list[int]) -> str:
    # Both answers are masked with the ids of both calls: a small id may also stand for
    # a number in the page itself ("initial-scale=1"), and must then be masked on both.
    for value in sorted(set(ids), reverse=True):
        text = re.sub(rf"\b{value}\b", "{id}", text)
    return text


def _api_operations(api: TestClient) -> list[tuple[str, str]]:
    paths = api.get("/openapi.json").json()["paths"]
    return sorted(
        (method.upper(), path[len(API) :])
        for path, operations in paths.items()
        if path.startswith(API) and "{" in path
        for method in operations
    )


def test_every_api_route_with_an_id_is_enumerated(api: TestClient) -> None:
    operations = _api_operations(api)
    assert len(operations) >= 30
    for method, path in operations:
        if method != "GET":
            assert (method, path) in JSON_BODIES or (method, path) in UPLOADS, (
                f"{method} {path}: give it a valid body in JSON_BODIES or UPLOADS"
            )


def _call(api: TestClient, headers: dict[str, str], method: str, path: str) -> Any:
    if (method, path) in UPLOADS:
        files = {"file": ("stuk.pdf", PDF, "application/pdf")}
        return lambda url: api.request(method, url, files=files, headers=headers)
    body = JSON_BODIES.get((method, path))
    return lambda url: api.request(method, url, json=body, headers=headers)


def test_api_other_organisations_records_are_not_found_like_missing_ones(
    api: TestClient, foreign: Foreign, world: Any
) -> None:
    differences = []
    for method, path in _api_operations(api):
        call = _call(api, world.headers(PARTNER), method, path)
        calls = [_fill(path, foreign.ids, missing) for missing in (False, True)]
        used = [value for _, ids in calls for value in ids]
        answers = []
        for url, _ in calls:
            r = call(API + url)
            answers.append((r.status_code, r.headers.get("content-type"), _masked(r.text, used)))
        if answers[0] != answers[1] or answers[0][0] != 404:
            differences.append(f"{method} {path}: other organisation's {answers[0]}\n"
                               f"    missing {answers[1]}")  # fmt: skip
    assert not differences, "\n".join(differences)


def test_api_ids_of_other_organisations_in_a_body_are_not_found_like_missing_ones(
    api: TestClient, foreign: Foreign, world: Any
) -> None:
    for path, kind, body in BODY_REFERENCES:
        answers = []
        used = [foreign.ids[kind], MISSING]
        for value in used:
            r = api.post(f"{API}/{path}", json=body(foreign, value), headers=world.headers(PARTNER))
            answers.append((r.status_code, _masked(r.text, used)))
        assert answers[0] == answers[1], (path, answers)
        assert answers[0][0] == 404, (path, answers)


def test_the_records_are_real(api: TestClient, foreign: Foreign, world: Any) -> None:
    """The control: the coordinator reaches every one of them (or is told it is not ready)."""
    for method, path in _api_operations(api):
        if method != "GET" or path.startswith("/legal/dossiers") or "dossier" in path:
            continue
        url, _ = _fill(path, foreign.ids, missing=False)
        if "{" in url or str(MISSING) in url:
            continue
        r = api.get(API + url, headers=world.headers("coordinator"))
        assert r.status_code in (200, 409), (path, r.status_code, r.text)


def _page_routes(app: Any) -> list[tuple[str, str]]:
    """Staff pages with an id in the path, walked from the app's routers."""

    def walk(routes: Any, prefix: str = "") -> Iterator[tuple[str, str, bool]]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "methods"):
                for method in route.methods:
                    yield method, prefix + route.path, route.include_in_schema

    return sorted(
        (method, path)
        for method, path, in_schema in walk(app.routes)
        if not in_schema
        and "{" in path
        and method != "HEAD"
        # signing links and assets have no record id; /s/{token} has its own tests
        and not path.startswith(("/s/", "/assets/", "/docs"))
    )


def test_staff_pages_other_organisations_records_are_not_found_like_missing_ones(
    api: TestClient, foreign: Foreign, world: Any
) -> None:
    token = world.tokens[PARTNER]
    form = {"csrf": csrf.token_for(token, world.deps.settings)}
    pages = TestClient(api.app, raise_server_exceptions=False, follow_redirects=False)
    pages.cookies.set(SESSION_COOKIE, token)
    routes = _page_routes(api.app)
    assert len(routes) >= 15, routes
    differences = []
    for method, path in routes:
        calls = [_fill(path, foreign.ids, missing) for missing in (False, True)]
        used = [value for _, ids in calls for value in ids]
        answers = []
        for url, _ in calls:
            r = pages.request(method, url, data=form if method == "POST" else None)
            answers.append((r.status_code, _masked(r.text, used)))
        if answers[0] != answers[1] or answers[0][0] != 404:
            differences.append(f"{method} {path}: other organisation's {answers[0][0]}, "
                               f"missing {answers[1][0]}")  # fmt: skip
    assert not differences, "\n".join(differences)
