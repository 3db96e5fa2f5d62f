"""The role matrix of DESIGN section 9 over HTTP: every role against every resource kind.

Each table below is the expected matrix; one test runs per cell. Ids come from the list
endpoints as the coordinator. Case columns: "portaal" is the demo case Portaal (and the
municipality) is party to, "mitros" the one Mitros (and the municipality) is party to.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agreements.web.app import create_app

API = "/api/v1"
PROBLEM = "application/problem+json"
ROLES = ("coordinator", "portaal", "mitros", "gemeente", "jurist", "admin", "anonymous")
ADDRESS = {"street": "Oudegracht", "house_number": "12a", "postcode": "3511 AB", "city": "Utrecht"}
CASE_FILE = (
    "tenancy-contracts",
    "judgments",
    "payment-arrangements",
    "agreements",
    "reviews",
)


def _cells(table: list[tuple[Any, ...]], keys: int) -> list[Any]:
    """One pytest param per (row, role) cell of a table whose last columns follow ROLES."""
    cells = []
    for row in table:
        head, expected = row[:keys], row[keys:]
        assert len(expected) == len(ROLES), row
        for who, want in zip(ROLES, expected, strict=True):
            cells.append(pytest.param(*head, who, want, id="-".join(map(str, (*head, who)))))
    return cells


# --------------------------------------------------------------------------------------
# Reading one record. "cases/{}/care-notes" and "people" (the tenant) hang off the case.
# A record outside a partner's scope is 404 even where its role may not read it anyway:
# 403 only for what the actor may see (tests/e2e/test_not_found_everywhere.py).
# --------------------------------------------------------------------------------------
READ_ONE = [
    # resource               of case    coord portaal mitros gemeente legal admin anon
    ("organisations",        "portaal", 200,  200,    200,   200,     200,  200,  401),
    ("people",               "portaal", 200,  200,    404,   200,     200,  200,  401),
    ("people",               "mitros",  200,  404,    200,   200,     200,  200,  401),
    ("cases",                "portaal", 200,  200,    404,   200,     200,  200,  401),
    ("cases",                "mitros",  200,  404,    200,   200,     200,  200,  401),
    ("cases/{}/care-notes",  "portaal", 200,  403,    404,   403,     403,  403,  401),
    ("cases/{}/care-notes",  "mitros",  200,  404,    403,   403,     403,  403,  401),
    ("tenancy-contracts",    "portaal", 200,  200,    404,   200,     200,  200,  401),
    ("tenancy-contracts",    "mitros",  200,  404,    200,   200,     200,  200,  401),
    ("judgments",            "portaal", 200,  200,    404,   200,     200,  200,  401),
    ("judgments",            "mitros",  200,  404,    200,   200,     200,  200,  401),
    ("payment-arrangements", "portaal", 200,  200,    404,   200,     200,  200,  401),
    ("payment-arrangements", "mitros",  200,  404,    200,   200,     200,  200,  401),
    ("agreements",           "portaal", 200,  200,    404,   200,     200,  200,  401),
    ("agreements",           "mitros",  200,  404,    200,   200,     200,  200,  401),
    ("reviews",              "portaal", 200,  200,    404,   200,     200,  200,  401),
    ("reviews",              "mitros",  200,  404,    200,   200,     200,  200,  401),
]  # fmt: skip

# --------------------------------------------------------------------------------------
# Lists: which demo cases' records show up ("PM" both, "P", "M"), or the error status.
# --------------------------------------------------------------------------------------
READ_LIST = [
    # list                   coord portaal mitros gemeente legal admin anon
    ("organisations",        "PM", "PM",   "PM",  "PM",    "PM", "PM", 401),
    ("people",               "PM", "P",    "M",   "PM",    "PM", "PM", 401),
    ("cases",                "PM", "P",    "M",   "PM",    "PM", "PM", 401),
    ("tenancy-contracts",    "PM", "P",    "M",   "PM",    "PM", "PM", 401),
    ("judgments",            "PM", "P",    "M",   "PM",    "PM", "PM", 401),
    ("payment-arrangements", "PM", "P",    "M",   "PM",    "PM", "PM", 401),
    ("agreements",           "PM", "P",    "M",   "PM",    "PM", "PM", 401),
    ("reviews",              "PM", "P",    "M",   "PM",    "PM", "PM", 401),
    ("users",                403,  403,    403,   403,     403,  200,  401),
]  # fmt: skip

# --------------------------------------------------------------------------------------
# Writing: create (POST; PUT for care notes) and change (PATCH). Allowed writes go to a
# case of this module's own; refused ones aim at the demo case the role can see.
# --------------------------------------------------------------------------------------
CREATE = [
    # resource               coord portaal mitros gemeente legal admin anon
    ("organisations",        403,  403,    403,   403,     403,  201,  401),
    ("people",               201,  403,    403,   403,     403,  201,  401),
    ("cases",                201,  403,    403,   403,     403,  201,  401),
    ("care-notes",           200,  403,    403,   403,     403,  403,  401),
    ("tenancy-contracts",    201,  403,    403,   403,     403,  201,  401),
    ("judgments",            201,  403,    403,   403,     403,  201,  401),
    ("payment-arrangements", 201,  403,    403,   403,     403,  201,  401),
    ("agreements",           201,  403,    403,   403,     403,  201,  401),
    ("reviews",              201,  403,    403,   403,     403,  201,  401),
    ("users",                403,  403,    403,   403,     403,  201,  401),
]  # fmt: skip

UPDATE = [
    # resource               coord portaal mitros gemeente legal admin anon
    ("organisations",        403,  403,    403,   403,     403,  200,  401),
    ("people",               200,  403,    403,   403,     403,  200,  401),
    ("cases",                200,  403,    403,   403,     403,  200,  401),
    ("tenancy-contracts",    200,  403,    403,   403,     403,  200,  401),
    ("judgments",            200,  403,    403,   403,     403,  200,  401),
    ("payment-arrangements", 200,  403,    403,   403,     403,  200,  401),
    ("agreements",           200,  403,    403,   403,     403,  200,  401),
    ("reviews",              200,  403,    403,   403,     403,  200,  401),
]  # fmt: skip

# The demo case a refused writer aims at: the one its organisation can see.
TARGET = {"mitros": "mitros", "gemeente": "mitros", "anonymous": "mitros"}

PATCHES: dict[str, dict[str, Any]] = {
    "organisations": {"phone": "030 123 4567"},
    "people": {"phone": "06 1234 5678"},
    "cases": {"status": "active"},
    "tenancy-contracts": {"contract_number": "HO-GEWIJZIGD"},
    "judgments": {"court": "Rechtbank Midden-Nederland, kanton Utrecht"},
    "payment-arrangements": {"iban": "NL91 ABNA 0417 1643 00"},
    "agreements": {"obligations": [{"party": "tenant", "text": "Ik betaal op tijd."}]},
    "reviews": {"summary": "Voorbereid met alle partijen."},
}


@dataclass
class Ctx:
    """Ids of the demo records (derived as the coordinator) and of this module's own case."""

    world: Any
    api: TestClient
    org: dict[str, int] = field(default_factory=dict)
    ids: dict[str, dict[str, int]] = field(default_factory=dict)
    coordinator_id: int = 0

    def headers(self, who: str) -> dict[str, str]:
        return {} if who == "anonymous" else self.world.headers(who)

    def get(self, path: str, who: str = "coordinator", **params: Any) -> Any:
        r = self.api.get(f"{API}/{path}", headers=self.headers(who), params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def first(self, path: str, **params: Any) -> int:
        page = self.get(path, **params)
        assert page["items"], (path, params)
        return int(page["items"][0]["id"])

    def create(self, path: str, body: dict[str, Any], who: str = "coordinator") -> int:
        r = self.api.post(f"{API}/{path}", json=body, headers=self.headers(who))
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def case_ids(self, case_id: int) -> dict[str, int]:
        ids = {
            "cases": case_id,
            "people": self.get(f"cases/{case_id}")["tenant"]["id"],
            **{kind: self.first(kind, case_id=case_id) for kind in CASE_FILE if kind != "reviews"},
        }
        ids["reviews"] = self.first("reviews", agreement_id=ids["agreements"])
        return ids


@pytest.fixture(scope="module")
def api(world: Any) -> Iterator[TestClient]:
    with TestClient(create_app(deps=world.deps), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def ctx(world: Any, api: TestClient) -> Ctx:
    c = Ctx(world=world, api=api)
    page = c.get("organisations", limit=200)
    c.org = {o["name"]: o["id"] for o in page["items"]}
    c.coordinator_id = c.get("auth/me")["user_id"]
    c.ids["portaal"] = c.case_ids(world.case_portaal)
    c.ids["mitros"] = c.case_ids(world.case_mitros)
    # A case of our own, where allowed writes land (the demo data stays as it is).
    tag = uuid.uuid4().hex[:8]
    person = c.create("people", {"name": f"Huurder rollen {tag}", "address": ADDRESS})
    case = c.create("cases", case_body(c, person))
    contract = c.create("tenancy-contracts", create_body("tenancy-contracts", c, case))
    judgment = c.create("judgments", create_body("judgments", c, case))
    c.create("payment-arrangements", create_body("payment-arrangements", c, case))
    agreement = c.create(
        "agreements",
        {
            **create_body("agreements", c, case),
            "tenancy_contract_id": contract,
            "eviction_judgment_id": judgment,
        },
    )
    c.ids["own"] = c.case_ids(case)
    assert c.ids["own"]["agreements"] == agreement
    org = c.create("organisations", create_body("organisations", c, case), who="admin")
    c.ids["own"]["organisations"] = org
    c.ids["portaal"]["organisations"] = c.org["Portaal"]
    c.ids["mitros"]["organisations"] = c.org["Mitros"]
    return c


def case_body(c: Ctx, tenant_id: int) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "coordinator_id": c.coordinator_id,
        "address": ADDRESS,
        "start_date": "2026-02-01",
        "planned_end_date": "2028-02-01",
        "parties": [
            {"organisation_id": c.org[n]}
            for n in ("Het Vierde Huis", "Portaal", "Gemeente Utrecht")
        ],
    }


def create_body(kind: str, c: Ctx, case_id: int, agreement_id: int = 0) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:10]
    portaal = c.org["Portaal"]
    bodies: dict[str, dict[str, Any]] = {
        "organisations": {"name": f"Zorgaanbieder {tag}", "kind": "care_provider"},
        "people": {"name": f"Contactpersoon {tag}"},
        "care-notes": {"text": f"Notitie {tag}"},
        "tenancy-contracts": {
            "case_id": case_id,
            "contract_number": f"HO-{tag}",
            "address": ADDRESS,
            "start_date": "2020-01-01",
            "landlord_id": portaal,
            "monthly_rent": "712.30",
        },
        "judgments": {
            "case_id": case_id,
            "court": "Rechtbank Midden-Nederland, kanton Utrecht",
            "case_number": f"{tag} \\ UC EXPL 25-101",
            "judgment_date": "2025-11-03",
            "operative_decision": "Ontbinding en ontruiming.",
            "suspension_conditions": "Niet uitvoeren zolang de overeenkomst wordt nagekomen.",
        },
        "payment-arrangements": {
            "case_id": case_id,
            "arrears": "1200.00",
            "instalment": "100.00",
            "start_date": "2026-02-01",
            "number_of_terms": 12,
            "iban": "NL91ABNA0417164300",
            "creditor_id": portaal,
        },
        "agreements": {
            "case_id": case_id,
            "start_date": "2026-03-01",
            "end_date": "2028-03-01",
            "obligations": [{"party": "tenant", "text": f"Ik betaal mijn huur ({tag})."}],
        },
        "reviews": {"agreement_id": agreement_id, "due_date": "2026-12-15"},
        "users": {
            "email": f"collega-{tag}@test.example",
            "name": "Nieuwe collega",
            "role": "coordinator",
            "password": "een-lang-wachtwoord",
        },
    }
    return bodies[kind]


def write_request(kind: str, c: Ctx, case: str) -> tuple[str, str, dict[str, Any]]:
    """(method, path, body) creating one record of `kind` in the given case."""
    ids = c.ids[case]
    if kind == "care-notes":
        return "PUT", f"cases/{ids['cases']}/care-notes", create_body(kind, c, ids["cases"])
    if kind == "cases":
        return "POST", "cases", case_body(c, c.ids["own"]["people"])
    body = create_body(kind, c, ids["cases"], ids["agreements"])
    if kind == "agreements":
        body["tenancy_contract_id"] = ids["tenancy-contracts"]
        body["eviction_judgment_id"] = ids["judgments"]
    return "POST", kind, body


def snapshot(kind: str, c: Ctx, case: str, body: dict[str, Any]) -> Any:
    """What a refused create must leave as it was (seen by a role that sees everything)."""
    ids = c.ids[case]
    if kind in ("organisations", "people"):
        return c.get(kind, q=body["name"])["total"]
    if kind == "cases":
        return c.get("cases", limit=1)["total"]
    if kind == "care-notes":
        return c.get(f"cases/{ids['cases']}/care-notes")
    if kind == "users":
        return len(c.get("users", who="admin"))
    if kind == "reviews":
        return c.get("reviews", agreement_id=ids["agreements"])["total"]
    return c.get(kind, case_id=ids["cases"])["total"]


def assert_problem(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status and body["title"]
    assert "Traceback" not in r.text


# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "case", "who", "expected"), _cells(READ_ONE, 2))
def test_read_one(ctx: Ctx, path: str, case: str, who: str, expected: int) -> None:
    ident = ctx.ids[case][path.split("/")[0]]
    url = f"{API}/{path.format(ident)}" if "{}" in path else f"{API}/{path}/{ident}"
    r = ctx.api.get(url, headers=ctx.headers(who))
    if expected != 200:
        assert_problem(r, expected)
        if expected == 401:
            assert r.headers.get("www-authenticate") == "Bearer"
        return
    assert r.status_code == 200, r.text
    body = r.json()
    if path.endswith("care-notes"):
        assert body["case_id"] == ident
    else:
        assert body["id"] == ident
    if "case_id" in body and path not in ("cases",):
        assert body["case_id"] == ctx.ids[case]["cases"]


def _all_items(ctx: Ctx, path: str, who: str, **params: Any) -> tuple[list[Any], int]:
    """Every item of a list, page by page; the total must be the same on every page."""
    items: list[Any] = []
    totals = set()
    while True:
        page = ctx.get(path, who=who, limit=200, offset=len(items), **params)
        totals.add(page["total"])
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            break
    assert len(totals) == 1, totals
    return items, totals.pop()


def _case_of(ctx: Ctx, path: str, item: dict[str, Any], agreements: dict[int, int]) -> int:
    if path == "cases":
        return int(item["id"])
    if path == "reviews":
        return agreements[item["agreement_id"]]
    return int(item["case_id"])


@pytest.mark.parametrize(("path", "who", "expected"), _cells(READ_LIST, 1))
def test_list(ctx: Ctx, path: str, who: str, expected: Any) -> None:
    if isinstance(expected, int) and expected != 200:
        r = ctx.api.get(f"{API}/{path}", headers=ctx.headers(who))
        assert_problem(r, expected)
        return
    if path == "users":
        users = ctx.get(path, who=who)
        assert {"coordinator@demo.example", "portaal@demo.example"} <= {u["email"] for u in users}
        return
    items, total = _all_items(ctx, path, who)
    assert total == len(items)
    seen = {int(item["id"]) for item in items}
    key = "organisations" if path == "organisations" else path
    for letter, case in (("P", "portaal"), ("M", "mitros")):
        assert (ctx.ids[case][key] in seen) == (letter in expected), (case, path)
    if path in ("organisations", "people") or who not in ("portaal", "mitros", "gemeente"):
        return
    # A partner's list is exactly the records of the cases its organisation is party to.
    org = ctx.org[{"portaal": "Portaal", "mitros": "Mitros", "gemeente": "Gemeente Utrecht"}[who]]
    cases, _ = _all_items(ctx, "cases", "coordinator", organisation_id=org)
    scope = {c["id"] for c in cases}
    everything, _ = _all_items(ctx, path, "coordinator")
    agreements = {a["id"]: a["case_id"] for a in _all_items(ctx, "agreements", "coordinator")[0]}
    expected_ids = {i["id"] for i in everything if _case_of(ctx, path, i, agreements) in scope}
    assert seen == expected_ids


@pytest.mark.parametrize(("path", "who", "expected"), _cells(READ_LIST[3:8], 1))
@pytest.mark.parametrize("case", ["portaal", "mitros"])
def test_list_filtered_by_case(ctx: Ctx, case: str, path: str, who: str, expected: Any) -> None:
    """Filtering on another organisation's case gives an empty page, total 0, not an error."""
    if isinstance(expected, int):
        r = ctx.api.get(
            f"{API}/{path}", headers=ctx.headers(who), params={"case_id": ctx.ids[case]["cases"]}
        )
        assert_problem(r, expected)
        return
    params = {"case_id": ctx.ids[case]["cases"]}
    full = ctx.get(path, **params)
    page = ctx.get(path, who=who, **params)
    if case[0].upper() in expected:
        assert page["total"] == full["total"] >= 1
        assert [i["id"] for i in page["items"]] == [i["id"] for i in full["items"]]
    else:
        assert page == {**full, "items": [], "total": 0}


@pytest.mark.parametrize(("kind", "who", "expected"), _cells(CREATE, 1))
def test_create(ctx: Ctx, kind: str, who: str, expected: int) -> None:
    case = "own" if expected in (200, 201) else TARGET.get(who, "portaal")
    method, path, body = write_request(kind, ctx, case)
    before = snapshot(kind, ctx, case, body)
    r = ctx.api.request(method, f"{API}/{path}", json=body, headers=ctx.headers(who))
    if expected in (200, 201):
        assert r.status_code == expected, r.text
        return
    assert_problem(r, expected)
    assert snapshot(kind, ctx, case, body) == before, "a refused write left something behind"


@pytest.mark.parametrize(("kind", "who", "expected"), _cells(UPDATE, 1))
def test_update(ctx: Ctx, kind: str, who: str, expected: int) -> None:
    case = "own" if expected == 200 else TARGET.get(who, "portaal")
    url = f"{API}/{kind}/{ctx.ids[case][kind]}"
    reader = "admin" if kind == "organisations" else "coordinator"
    before = ctx.api.get(url, headers=ctx.headers(reader)).json()
    r = ctx.api.patch(url, json=PATCHES[kind], headers=ctx.headers(who))
    if expected == 200:
        assert r.status_code == 200, r.text
        return
    assert_problem(r, expected)
    assert ctx.api.get(url, headers=ctx.headers(reader)).json() == before


def test_partner_cannot_reach_other_case_through_links(ctx: Ctx) -> None:
    """Filters naming the other corporation's case or agreement reveal nothing either."""
    mitros = ctx.ids["mitros"]
    for path, params in [
        ("reviews", {"agreement_id": mitros["agreements"]}),
        ("reviews", {"case_id": mitros["cases"]}),
        ("agreements", {"case_id": mitros["cases"], "status": "draft"}),
        ("cases", {"organisation_id": ctx.org["Mitros"]}),
        ("cases", {"q": "Kanaalstraat"}),
        ("people", {"q": "Yılmaz"}),
    ]:
        page = ctx.get(path, who="portaal", **params)
        assert page["items"] == [] and page["total"] == 0, (path, params)


def _routes(ctx: Ctx) -> list[tuple[str, str]]:
    """Every operation under /api/v1, as the OpenAPI document lists them."""
    paths = ctx.api.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(API)
        for method in operations
    ]


# Open without a login: logging in itself, and logging out (which only forgets a cookie
# and revokes the credential it is given, so it reads and reveals nothing).
OPEN = {("POST", f"{API}/auth/login"), ("POST", f"{API}/auth/logout")}


def test_anonymous_gets_401_on_every_api_route(ctx: Ctx, world: Any) -> None:
    routes = _routes(ctx)
    assert len(routes) >= 30
    assert set(routes) >= OPEN
    anon = TestClient(create_app(deps=world.deps), raise_server_exceptions=False)
    for method, path in sorted(set(routes) - OPEN):
        # Any path parameter (routes added later included) gets a real id.
        url = re.sub(r"\{[^}]+\}", str(ctx.ids["portaal"]["cases"]), path)
        body = {} if method in ("POST", "PUT", "PATCH") else None
        r = anon.request(method, url, json=body)
        assert r.status_code == 401, (method, url, r.text)
        assert r.headers["content-type"].startswith(PROBLEM), (method, url)
        assert r.json()["status"] == 401 and r.json()["title"]
        assert r.headers["www-authenticate"] == "Bearer"


def test_anonymous_logout_reveals_and_changes_nothing(ctx: Ctx, world: Any) -> None:
    anon = TestClient(create_app(deps=world.deps), raise_server_exceptions=False)
    r = anon.post(f"{API}/auth/logout")
    assert r.status_code == 204 and r.content == b""
    assert ctx.get("auth/me")["user_id"] == ctx.coordinator_id  # nobody was logged out


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer ", "Basic Y29vcmRpbmF0b3I6ZGVtbw==", "bearer"],
)
def test_bad_credentials_get_401(ctx: Ctx, authorization: str) -> None:
    for path in (f"cases/{ctx.ids['portaal']['cases']}", "cases", "auth/me"):
        r = ctx.api.get(f"{API}/{path}", headers={"Authorization": authorization})
        assert_problem(r, 401)


def test_bad_session_cookie_gets_401(ctx: Ctx, world: Any) -> None:
    anon = TestClient(create_app(deps=world.deps), raise_server_exceptions=False)
    anon.cookies.set("agreements_session", "forged")
    assert_problem(anon.get(f"{API}/cases"), 401)
