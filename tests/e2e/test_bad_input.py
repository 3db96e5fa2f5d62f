"""Bad input over HTTP: every refusal is a problem+json, names the field, and writes nothing."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agreements.web.app import create_app

API = "/api/v1"
PROBLEM = "application/problem+json"
MIB = 1024 * 1024
ADDRESS = {"street": "Twijnstraat", "house_number": "7", "postcode": "3511 ZK", "city": "Utrecht"}
DROP = object()  # an override that removes the key
VALID_BSN = "111222333"  # passes the eleven test


class Ctx:
    """Two cases of this module's own, A (complete) and B (contract and judgment only)."""

    def __init__(self, world: Any, api: TestClient) -> None:
        self.world, self.api = world, api
        self.tag = uuid.uuid4().hex[:10]
        self.h = world.headers("coordinator")
        orgs = self.get("organisations", limit=200)["items"]
        self.org = {o["name"]: o["id"] for o in orgs}
        self.a = self.make_case("A")
        self.b = self.make_case("B")
        self.a["agreement"] = self.create("agreements", self.body("agreements"))
        self.a["arrangement"] = self.create(
            "payment-arrangements", self.body("payment-arrangements")
        )

    def get(self, path: str, **params: Any) -> Any:
        r = self.api.get(f"{API}/{path}", headers=self.h, params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def create(self, path: str, body: dict[str, Any]) -> int:
        r = self.api.post(f"{API}/{path}", json=body, headers=self.h)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def make_case(self, letter: str) -> dict[str, int]:
        person = self.create("people", {"name": f"Huurder {letter} {self.tag}"})
        case = self.create(
            "cases",
            {
                "tenant_id": person,
                "address": ADDRESS,
                "start_date": "2026-01-01",
                "planned_end_date": "2029-01-01",
                "parties": [
                    {"organisation_id": self.org[n]}
                    for n in ("Mitros", "Het Vierde Huis", "Gemeente Utrecht")
                ],
            },
        )
        ids = {"case": case, "person": person}
        ids["contract"] = self.create("tenancy-contracts", self.body("tenancy-contracts", case))
        ids["judgment"] = self.create("judgments", self.body("judgments", case))
        return ids

    def body(self, kind: str, case_id: int | None = None) -> dict[str, Any]:
        """A valid body for creating one record of `kind` in case A (or the given case)."""
        case_id = case_id or self.a["case"]
        a = getattr(self, "a", {})
        bodies: dict[str, dict[str, Any]] = {
            "people": {"name": f"Persoon {self.tag}", "address": dict(ADDRESS)},
            "cases": {
                "tenant_id": a.get("person"),
                "address": dict(ADDRESS),
                "start_date": "2026-01-01",
                "planned_end_date": "2028-01-01",
            },
            "tenancy-contracts": {
                "case_id": case_id,
                "contract_number": "HO-2020-000123",
                "address": dict(ADDRESS),
                "start_date": "2020-06-01",
                "landlord_id": self.org["Mitros"],
                "monthly_rent": "687.45",
            },
            "judgments": {
                "case_id": case_id,
                "court": "Rechtbank Midden-Nederland, kanton Utrecht",
                "case_number": "11109681 \\ UC EXPL 24-3346",
                "judgment_date": "2025-12-04",
                "served_date": "2025-12-18",
                "ecli": "ECLI:NL:RBMNE:2025:6123",
                "operative_decision": "Ontbinding en ontruiming.",
                "suspension_conditions": "Niet uitvoeren zolang de overeenkomst loopt.",
            },
            "payment-arrangements": {
                "case_id": case_id,
                "arrears": "1200.00",
                "instalment": "100.00",
                "start_date": "2026-02-01",
                "number_of_terms": 12,
                "iban": "NL91ABNA0417164300",
                "creditor_id": self.org["Mitros"],
            },
            "agreements": {
                "case_id": case_id,
                "tenancy_contract_id": a.get("contract"),
                "eviction_judgment_id": a.get("judgment"),
                "start_date": "2026-01-31",
                "end_date": "2028-01-31",
                "obligations": [{"party": "tenant", "text": "Ik betaal mijn huur op tijd."}],
            },
            "reviews": {"agreement_id": a.get("agreement"), "due_date": "2026-06-15"},
        }
        return copy.deepcopy(bodies[kind])

    def totals(self, kind: str = "all") -> dict[str, int]:
        """What a refused write of `kind` must leave unchanged, counted around case A."""
        case = self.a["case"]
        kinds = RELATED.get(kind, [kind])
        counts = {}
        for what in kinds:
            params: dict[str, Any] = {"case_id": case}
            if what in ("cases", "people"):
                params = {"q": self.tag}
            elif what == "organisations":
                params = {}
            counts[what] = self.get(what, limit=1, **params)["total"]
        return counts


# The counts a refused write of each kind could disturb (an agreement brings its reviews).
RELATED = {
    "all": ["people", "cases", "tenancy-contracts", "judgments", "payment-arrangements",
            "agreements", "reviews"],
    "agreements": ["agreements", "reviews"],
}  # fmt: skip


@pytest.fixture(scope="module")
def api(world: Any) -> Iterator[TestClient]:
    with TestClient(create_app(deps=world.deps), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def ctx(world: Any, api: TestClient) -> Ctx:
    return Ctx(world, api)


def assert_problem(r: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    assert "Traceback" not in r.text
    body = r.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    if status == 422:
        errors = body["errors"]
        assert isinstance(errors, list) and errors
        for error in errors:
            assert set(error) == {"field", "reason"}, error
            assert isinstance(error["field"], str) and isinstance(error["reason"], str)
            assert error["reason"]
        if field is not None:
            assert field in [e["field"] for e in errors], (field, errors)
    return body


def _apply(body: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for dotted, value in overrides.items():
        *parents, last = dotted.split(".")
        target = body
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is DROP:
            del target[last]
        else:
            target[last] = value
    return body


# (what, kind, overrides, field): each is POSTed and must come back 422 naming `field`.
# A callable override value is given the Ctx (for ids known only at run time).
REFUSED: list[tuple[str, str, dict[str, Any], str]] = [
    # wrong types
    ("name-number", "people", {"name": 123}, "name"),
    ("name-list", "people", {"name": ["Jan"]}, "name"),
    ("rent-word", "tenancy-contracts", {"monthly_rent": "zeshonderd"}, "monthly_rent"),
    ("rent-bool", "tenancy-contracts", {"monthly_rent": True}, "monthly_rent"),
    ("case-id-text", "judgments", {"case_id": "het dossier"}, "case_id"),
    ("case-id-zero", "judgments", {"case_id": 0}, "case_id"),
    ("terms-text", "payment-arrangements", {"number_of_terms": "twaalf"}, "number_of_terms"),
    ("terms-fraction", "payment-arrangements", {"number_of_terms": 12.5}, "number_of_terms"),
    ("date-dutch", "tenancy-contracts", {"start_date": "01-06-2020"}, "start_date"),
    ("date-impossible", "judgments", {"judgment_date": "2025-02-30"}, "judgment_date"),
    ("address-string", "people", {"address": "Twijnstraat 7"}, "address"),
    ("obligations-string", "agreements", {"obligations": "alles"}, "obligations"),
    ("status-unknown", "cases", {"status": "paused"}, "status"),
    ("party-unknown", "agreements", {"obligations.0.party": "landlord"}, "obligations.0.party"),
    ("frequency-unknown", "payment-arrangements", {"frequency": "daily"}, "frequency"),
    # unknown fields
    ("unknown-top", "people", {"nickname": "Jan"}, "nickname"),
    ("unknown-nested", "tenancy-contracts", {"address.country": "NL"}, "address.country"),
    ("unknown-status", "tenancy-contracts", {"status": "active"}, "status"),
    # missing required fields
    ("missing-name", "people", {"name": DROP}, "name"),
    ("missing-rent", "tenancy-contracts", {"monthly_rent": DROP}, "monthly_rent"),
    ("missing-postcode", "tenancy-contracts", {"address.postcode": DROP}, "address.postcode"),
    ("missing-court", "judgments", {"court": DROP}, "court"),
    ("missing-iban", "payment-arrangements", {"iban": DROP}, "iban"),
    ("missing-obligations", "agreements", {"obligations": DROP}, "obligations"),
    ("no-obligations", "agreements", {"obligations": []}, "obligations"),
    ("blank-name", "people", {"name": "   "}, "name"),
    # IBAN, postcode, ECLI, BSN
    ("iban-checksum", "payment-arrangements", {"iban": "NL91ABNA0417164301"}, "iban"),
    ("iban-garbage", "payment-arrangements", {"iban": "geen rekening"}, "iban"),
    ("postcode-sa", "people", {"address.postcode": "1234 SA"}, "address.postcode"),
    ("postcode-5-digits", "people", {"address.postcode": "12345"}, "address.postcode"),
    ("postcode-leading-0", "tenancy-contracts", {"address.postcode": "0123 AB"},
     "address.postcode"),
    ("ecli-short-year", "judgments", {"ecli": "ECLI:NL:RBMNE:24:6123"}, "ecli"),
    ("ecli-no-prefix", "judgments", {"ecli": "NL:RBMNE:2025:6123"}, "ecli"),
    ("ecli-empty-number", "judgments", {"ecli": "ECLI:NL:RBMNE:2025:"}, "ecli"),
    ("bsn-while-disabled", "people", {"bsn": VALID_BSN}, "bsn"),
    ("bsn-invalid", "people", {"bsn": "123456789"}, "bsn"),
    # control characters
    ("bell-in-name", "people", {"name": "Jan\u0007 de Vries"}, "name"),
    ("nul-in-name", "people", {"name": "Jan\u0000"}, "name"),
    ("escape-in-street", "people", {"address.street": "Twijn\u001bstraat"}, "address.street"),
    ("bell-in-obligation", "agreements", {"obligations.0.text": "Ik\u0007 betaal"},
     "obligations.0.text"),
    # money
    ("rent-3-decimals", "tenancy-contracts", {"monthly_rent": "687.451"}, "monthly_rent"),
    ("rent-3-decimals-num", "tenancy-contracts", {"monthly_rent": 687.451}, "monthly_rent"),
    ("rent-negative", "tenancy-contracts", {"monthly_rent": "-687.45"}, "monthly_rent"),
    ("rent-nan", "tenancy-contracts", {"monthly_rent": "NaN"}, "monthly_rent"),
    ("arrears-3-decimals", "payment-arrangements", {"arrears": "1200.001"}, "arrears"),
    ("arrears-negative", "payment-arrangements", {"arrears": -1200}, "arrears"),
    ("instalment-zero", "payment-arrangements", {"instalment": "0.00"}, "instalment"),
    # payment arrangement that does not add up
    ("terms-too-few", "payment-arrangements", {"number_of_terms": 11}, "number_of_terms"),
    ("instalment-too-small", "payment-arrangements", {"instalment": "99.99"},
     "number_of_terms"),
    ("instalment-over-arrears", "payment-arrangements", {"instalment": "1200.01"},
     "instalment"),
    # links to records of another case, or to no record
    ("contract-of-case-b", "agreements", {"tenancy_contract_id": "b:contract"},
     "tenancy_contract_id"),
    ("judgment-of-case-b", "agreements", {"eviction_judgment_id": "b:judgment"},
     "eviction_judgment_id"),
    ("contract-missing", "agreements", {"tenancy_contract_id": 999_999_999},
     "tenancy_contract_id"),
    ("landlord-not-corporation", "tenancy-contracts", {"landlord_id": "org:Gemeente Utrecht"},
     "landlord_id"),
    ("landlord-missing", "tenancy-contracts", {"landlord_id": 999_999_999}, "landlord_id"),
    ("tenant-missing", "cases", {"tenant_id": 999_999_999}, "tenant_id"),
    ("party-missing", "cases", {"parties": [{"organisation_id": 999_999_999}]},
     "parties.0.organisation_id"),
    # agreement terms and dates
    ("term-under-2-years", "agreements", {"end_date": "2028-01-30"}, "end_date"),
    ("term-over-4-years", "agreements", {"end_date": "2030-02-01"}, "end_date"),
    ("end-before-start", "agreements", {"end_date": "2025-01-31"}, "end_date"),
    ("end-equals-start", "agreements", {"end_date": "2026-01-31"}, "end_date"),
    ("case-end-before-start", "cases", {"planned_end_date": "2025-12-31"}, "planned_end_date"),
    ("served-before-judgment", "judgments", {"served_date": "2025-12-03"}, "served_date"),
    ("contract-end-before-start", "tenancy-contracts", {"end_date": "2020-05-31"}, "end_date"),
    ("review-outside-term", "reviews", {"due_date": "2028-02-01"}, "due_date"),
]  # fmt: skip


def _resolve(ctx: Ctx, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("b:"):
        return ctx.b[value[2:]]
    if isinstance(value, str) and value.startswith("org:"):
        return ctx.org[value[4:]]
    return value


@pytest.mark.parametrize(
    ("kind", "overrides", "field"), [pytest.param(*r[1:], id=r[0]) for r in REFUSED]
)
def test_refused_with_field_and_nothing_written(
    ctx: Ctx, kind: str, overrides: dict[str, Any], field: str
) -> None:
    body = _apply(ctx.body(kind), {k: _resolve(ctx, v) for k, v in overrides.items()})
    before = ctx.totals(kind)
    r = ctx.api.post(f"{API}/{kind}", json=body, headers=ctx.h)
    problem = assert_problem(r, 422, field)
    assert problem["type"].endswith("validation")
    assert ctx.totals(kind) == before


def test_valid_bodies_are_accepted(ctx: Ctx) -> None:
    """The bodies the refusals start from are valid: only the override makes them fail."""
    for kind in (
        "people",
        "tenancy-contracts",
        "judgments",
        "payment-arrangements",
        "agreements",
        "reviews",
        "cases",
    ):
        r = ctx.api.post(f"{API}/{kind}", json=ctx.body(kind), headers=ctx.h)
        assert r.status_code == 201, (kind, r.text)


RAW_BODIES = [
    # (what, path, raw JSON text, field): escapes sent exactly as written
    ("surrogate-name", "people", '{"name": "Jan \\ud800 de Vries"}', "name"),
    ("surrogate-alone", "people", '{"name": "\\ud800"}', "name"),
    ("low-surrogate", "people", '{"name": "Jan \\udfff"}', "name"),
    ("bell-escape", "people", '{"name": "Jan \\u0007"}', "name"),
    ("surrogate-street", "people",
     '{"name": "Jan", "address": {"street": "\\ud800", "house_number": "1", '
     '"postcode": "3511 AB", "city": "Utrecht"}}', "address.street"),
    ("surrogate-org", "organisations", '{"name": "\\ud800", "kind": "care_provider"}', "name"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "raw", "field"), [pytest.param(*r[1:], id=r[0]) for r in RAW_BODIES]
)
def test_lone_surrogates_and_control_characters(ctx: Ctx, path: str, raw: str, field: str) -> None:
    who = "admin" if path == "organisations" else "coordinator"
    before = ctx.totals(path)
    r = ctx.api.post(
        f"{API}/{path}",
        content=raw.encode(),
        headers={**ctx.world.headers(who), "content-type": "application/json"},
    )
    assert_problem(r, 422, field)
    assert ctx.totals(path) == before


def test_surrogate_in_patch_leaves_record_alone(ctx: Ctx) -> None:
    url = f"{API}/people/{ctx.a['person']}"
    before = ctx.api.get(url, headers=ctx.h).json()
    r = ctx.api.patch(
        url, content=b'{"name": "X\\ud800"}', headers={**ctx.h, "content-type": "application/json"}
    )
    assert_problem(r, 422, "name")
    assert ctx.api.get(url, headers=ctx.h).json() == before


@pytest.mark.parametrize(
    "raw",
    [b'{"name": ', b"{'name': 'Jan'}", b'{"name": "Jan",}', b"", b"null", b"[1, 2]", b'"Jan"'],
    ids=["truncated", "single-quotes", "trailing-comma", "empty", "null", "array", "string"],
)
def test_malformed_json_is_422(ctx: Ctx, raw: bytes) -> None:
    before = ctx.totals("people")
    r = ctx.api.post(
        f"{API}/people", content=raw, headers={**ctx.h, "content-type": "application/json"}
    )
    assert_problem(r, 422)
    assert ctx.totals("people") == before


def test_invalid_utf8_is_a_clean_4xx(ctx: Ctx) -> None:
    r = ctx.api.post(
        f"{API}/people",
        content=b'{"name": "Jan \xff"}',
        headers={**ctx.h, "content-type": "application/json"},
    )
    assert 400 <= r.status_code < 500
    assert_problem(r, r.status_code)


# --- status transitions -----------------------------------------------------------------

TRANSITIONS = [
    # path taken first (allowed), then the refused step
    ([], "active"),
    ([], "completed"),
    (["out_for_signature"], "completed"),
    (["terminated"], "draft"),
    (["terminated"], "out_for_signature"),
    (["out_for_signature", "active"], "draft"),
    (["out_for_signature", "active"], "out_for_signature"),
    (["out_for_signature", "active", "completed"], "active"),
]


@pytest.mark.parametrize(
    ("path", "refused"), TRANSITIONS, ids=["-".join(["draft", *p, "X", r]) for p, r in TRANSITIONS]
)
def test_disallowed_status_transition_is_409(ctx: Ctx, path: list[str], refused: str) -> None:
    agreement = ctx.create("agreements", ctx.body("agreements"))
    url = f"{API}/agreements/{agreement}"
    for status in path:
        if status == "active":  # only signing makes an agreement active: as the worker does
            from agreements.domain.policy import SYSTEM
            from agreements.services.cases import agreements as use_cases
            from agreements.services.inputs import AgreementPatch

            use_cases.update_agreement(
                agreement,
                AgreementPatch(status="active"),
                deps=ctx.world.deps,
                actor=SYSTEM,
                now=datetime.now(UTC),
            )
            continue
        r = ctx.api.patch(url, json={"status": status}, headers=ctx.h)
        assert r.status_code == 200, r.text
    before = ctx.api.get(url, headers=ctx.h).json()
    r = ctx.api.patch(url, json={"status": refused}, headers=ctx.h)
    assert_problem(r, 409)
    after = ctx.api.get(url, headers=ctx.h).json()
    assert after == before and after["status"] == (path[-1] if path else "draft")


def test_content_of_a_non_draft_agreement_cannot_change(ctx: Ctx) -> None:
    agreement = ctx.create("agreements", ctx.body("agreements"))
    url = f"{API}/agreements/{agreement}"
    assert (
        ctx.api.patch(url, json={"status": "out_for_signature"}, headers=ctx.h).status_code == 200
    )
    before = ctx.api.get(url, headers=ctx.h).json()
    r = ctx.api.patch(url, json={"end_date": "2029-01-31"}, headers=ctx.h)
    assert_problem(r, 409)
    assert ctx.api.get(url, headers=ctx.h).json() == before


# --- refused changes leave the record as it was --------------------------------------------

PATCHES = [
    ("arrangement-short", "payment-arrangements", "arrangement", {"instalment": "10.00"},
     "number_of_terms"),
    ("arrangement-iban", "payment-arrangements", "arrangement", {"iban": "NL91ABNA0417164301"},
     "iban"),
    ("arrangement-money", "payment-arrangements", "arrangement", {"arrears": "1.005"},
     "arrears"),
    ("agreement-5-years", "agreements", "agreement", {"end_date": "2031-01-31"}, "end_date"),
    ("agreement-other-contract", "agreements", "agreement",
     {"tenancy_contract_id": "b:contract"}, "tenancy_contract_id"),
    ("agreement-other-judgment", "agreements", "agreement",
     {"eviction_judgment_id": "b:judgment"}, "eviction_judgment_id"),
    ("agreement-unknown-field", "agreements", "agreement", {"signed": True}, "signed"),
    ("contract-postcode", "tenancy-contracts", "contract", {"address": {**ADDRESS,
     "postcode": "1234 SA"}}, "address.postcode"),
    ("contract-rent", "tenancy-contracts", "contract", {"monthly_rent": "-1"}, "monthly_rent"),
    ("judgment-ecli", "judgments", "judgment", {"ecli": "ECLI:NL"}, "ecli"),
    ("judgment-served", "judgments", "judgment", {"served_date": "2020-01-01"}, "served_date"),
    ("case-end", "cases", "case", {"planned_end_date": "2025-01-01"}, "planned_end_date"),
    ("case-party", "cases", "case", {"parties": [{"organisation_id": 999_999_999}]},
     "parties.0.organisation_id"),
    ("person-bsn", "people", "person", {"bsn": VALID_BSN}, "bsn"),
    ("person-bell", "people", "person", {"name": "A\u0007B"}, "name"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "which", "body", "field"), [pytest.param(*p[1:], id=p[0]) for p in PATCHES]
)
def test_refused_patch_changes_nothing(
    ctx: Ctx, path: str, which: str, body: dict[str, Any], field: str
) -> None:
    url = f"{API}/{path}/{ctx.a[which]}"
    reviews = ctx.get("reviews", case_id=ctx.a["case"], limit=200)
    before = ctx.api.get(url, headers=ctx.h).json()
    r = ctx.api.patch(url, json={k: _resolve(ctx, v) for k, v in body.items()}, headers=ctx.h)
    assert_problem(r, 422, field)
    assert ctx.api.get(url, headers=ctx.h).json() == before
    assert ctx.get("reviews", case_id=ctx.a["case"], limit=200) == reviews


def test_person_with_bsn_while_disabled_is_not_stored(ctx: Ctx) -> None:
    name = f"Met BSN {ctx.tag}"
    r = ctx.api.post(f"{API}/people", json={"name": name, "bsn": VALID_BSN}, headers=ctx.h)
    body = assert_problem(r, 422, "bsn")
    assert VALID_BSN not in r.text and "Traceback" not in json.dumps(body)
    assert ctx.get("people", q=name)["total"] == 0


# --- sizes ----------------------------------------------------------------------------------


def _big_person(size: int) -> bytes:
    padding = size - len(b'{"name": ""}')
    return b'{"name": "' + b"x" * padding + b'"}'


def test_body_over_1_mib_with_content_length_is_413(ctx: Ctx) -> None:
    raw = _big_person(MIB + 1)
    before = ctx.totals("people")
    r = ctx.api.post(
        f"{API}/people", content=raw, headers={**ctx.h, "content-type": "application/json"}
    )
    assert r.request.headers["content-length"] == str(len(raw))
    assert_problem(r, 413)
    assert ctx.totals("people") == before


def test_streamed_body_over_1_mib_without_content_length_is_413(ctx: Ctx) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}'

    before = ctx.totals("people")
    r = ctx.api.post(
        f"{API}/people", content=chunks(), headers={**ctx.h, "content-type": "application/json"}
    )
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    assert_problem(r, 413)
    assert ctx.totals("people") == before


def test_streamed_body_under_the_limit_is_read(ctx: Ctx) -> None:
    name = f"Gestreamd {ctx.tag}"

    def chunks() -> Iterator[bytes]:
        yield b'{"name": '
        yield json.dumps(name).encode()
        yield b"}"

    r = ctx.api.post(
        f"{API}/people", content=chunks(), headers={**ctx.h, "content-type": "application/json"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == name


def test_body_just_under_1_mib_is_not_413(ctx: Ctx) -> None:
    """At the limit the body is read and judged on content (a 1 MiB name is too long)."""
    r = ctx.api.post(
        f"{API}/people",
        content=_big_person(MIB),
        headers={**ctx.h, "content-type": "application/json"},
    )
    assert_problem(r, 422, "name")


# --- ids and pagination -----------------------------------------------------------------------

MISSING = 999_999_999
RESOURCES = [
    "organisations",
    "people",
    "cases",
    "tenancy-contracts",
    "judgments",
    "payment-arrangements",
    "agreements",
    "reviews",
]


@pytest.mark.parametrize("path", RESOURCES)
def test_nonexistent_id_is_404(ctx: Ctx, path: str) -> None:
    who = ctx.world.headers("admin" if path == "organisations" else "coordinator")
    assert_problem(ctx.api.get(f"{API}/{path}/{MISSING}", headers=who), 404)
    assert_problem(ctx.api.patch(f"{API}/{path}/{MISSING}", json={}, headers=who), 404)
    if path == "cases":
        assert_problem(ctx.api.get(f"{API}/cases/{MISSING}/care-notes", headers=who), 404)
        r = ctx.api.put(f"{API}/cases/{MISSING}/care-notes", json={"text": "x"}, headers=who)
        assert_problem(r, 404)


@pytest.mark.parametrize("path", RESOURCES)
def test_non_numeric_id_is_422(ctx: Ctx, path: str) -> None:
    assert_problem(ctx.api.get(f"{API}/{path}/abc", headers=ctx.h), 422)


@pytest.mark.parametrize("ident", [2**31 - 1, 2**31, 2**63, 10**30])
@pytest.mark.parametrize("path", ["cases", "people", "tenancy-contracts", "agreements"])
def test_id_beyond_integer_range_is_a_clean_4xx(ctx: Ctx, path: str, ident: int) -> None:
    """Ids past what the database holds are 404 or 422, never a database error (500)."""
    r = ctx.api.get(f"{API}/{path}/{ident}", headers=ctx.h)
    assert_problem(r, r.status_code)
    assert r.status_code in (404, 422), r.text
    before = ctx.totals("people")
    r = ctx.api.post(f"{API}/people", json={"name": f"Jan {ctx.tag}", "organisation_id": ident},
                     headers=ctx.h)  # fmt: skip
    assert_problem(r, 422, "organisation_id")
    assert ctx.totals("people") == before


LISTS = [
    "organisations",
    "people",
    "cases",
    "tenancy-contracts",
    "judgments",
    "payment-arrangements",
    "agreements",
    "reviews",
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
    ],
    ids=["limit-0", "limit-1000", "limit-negative", "limit-text", "offset-negative"],
)
def test_bad_pagination_is_422(ctx: Ctx, path: str, params: dict[str, Any], field: str) -> None:
    assert_problem(ctx.api.get(f"{API}/{path}", params=params, headers=ctx.h), 422, field)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("cases", {"status": "paused"}, "status"),
        ("agreements", {"status": "signed"}, "status"),
        ("reviews", {"due_from": "gisteren"}, "due_from"),
        ("reviews", {"held": "misschien"}, "held"),
        ("tenancy-contracts", {"case_id": "A"}, "case_id"),
        ("organisations", {"kind": "bank"}, "kind"),
    ],
)
def test_bad_filters_are_422(ctx: Ctx, path: str, params: dict[str, Any], field: str) -> None:
    assert_problem(ctx.api.get(f"{API}/{path}", params=params, headers=ctx.h), 422, field)


@pytest.mark.parametrize("path", ["cases", "people", "organisations"])
@pytest.mark.parametrize("q", ["\x00", "Jan\x07", "\x1b[2J"], ids=["nul", "bell", "escape"])
def test_search_with_control_characters(ctx: Ctx, path: str, q: str) -> None:
    """Refused (naming q) or simply not found; never a database error or every row."""
    r = ctx.api.get(f"{API}/{path}", params={"q": q}, headers=ctx.world.headers("admin"))
    if r.status_code == 422:
        assert_problem(r, 422, "q")
    else:
        assert r.status_code == 200, r.text
        assert r.json()["total"] == 0


# --- values the database cannot hold -------------------------------------------------------------


def test_long_contract_number(request: pytest.FixtureRequest, ctx: Ctx, world: Any) -> None:
    """The input allows 100 characters; whatever the limit, the answer is 201 or 422."""
    number = "HO-" + "9" * 77
    before = ctx.totals("tenancy-contracts")
    r = ctx.api.post(
        f"{API}/tenancy-contracts",
        json={**ctx.body("tenancy-contracts"), "contract_number": number},
        headers=ctx.h,
    )
    if r.status_code == 422:
        assert_problem(r, 422, "contract_number")
        assert ctx.totals("tenancy-contracts") == before
    else:
        assert r.status_code == 201, r.text
        assert r.json()["contract_number"] == number


@pytest.mark.parametrize("amount", ["21474836.48", "99999999.99"])
def test_large_amount(request: pytest.FixtureRequest, ctx: Ctx, world: Any, amount: str) -> None:
    """Amounts under the validator's limit of 100 million are stored exactly, or refused."""
    r = ctx.api.post(
        f"{API}/tenancy-contracts",
        json={**ctx.body("tenancy-contracts"), "monthly_rent": amount},
        headers=ctx.h,
    )
    if r.status_code == 422:
        assert_problem(r, 422, "monthly_rent")
    else:
        assert r.status_code == 201, r.text
        assert r.json()["monthly_rent"] == amount


def test_amount_of_100_million_is_refused(ctx: Ctx) -> None:
    r = ctx.api.post(
        f"{API}/tenancy-contracts",
        json={**ctx.body("tenancy-contracts"), "monthly_rent": "100000000.00"},
        headers=ctx.h,
    )
    assert_problem(r, 422, "monthly_rent")


def test_long_token_name(request: pytest.FixtureRequest, ctx: Ctx, world: Any) -> None:
    r = ctx.api.post(f"{API}/auth/tokens", json={"name": "koppeling " + "x" * 140}, headers=ctx.h)
    if r.status_code == 422:
        assert_problem(r, 422, "name")
    else:
        assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("start", "end"),
    [("9998-06-01", "9999-12-31"), ("9997-12-31", "9999-12-31"), ("0001-01-01", "0003-01-01")],
)
def test_agreement_dates_at_the_end_of_the_calendar(ctx: Ctx, start: str, end: str) -> None:
    before = ctx.totals("agreements")
    body = {**ctx.body("agreements"), "start_date": start, "end_date": end}
    r = ctx.api.post(f"{API}/agreements", json=body, headers=ctx.h)
    errors = assert_problem(r, 422)["errors"]
    assert {e["field"] for e in errors} <= {"start_date", "end_date"}
    assert ctx.totals("agreements") == before


def test_review_cannot_be_held_in_the_future(ctx: Ctx) -> None:
    review = ctx.get("reviews", agreement_id=ctx.a["agreement"], limit=1)["items"][0]
    url = f"{API}/reviews/{review['id']}"
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    r = ctx.api.patch(url, json={"held_date": tomorrow, "outcome": "on_track"}, headers=ctx.h)
    assert_problem(r, 422, "held_date")
    assert ctx.api.get(url, headers=ctx.h).json() == review
    r = ctx.api.patch(url, json={"held_date": "2026-05-01"}, headers=ctx.h)
    assert_problem(r, 422, "outcome")
    assert ctx.api.get(url, headers=ctx.h).json() == review


def test_duplicate_organisation_is_409(ctx: Ctx) -> None:
    r = ctx.api.post(
        f"{API}/organisations",
        json={"name": "Portaal", "kind": "housing_corporation"},
        headers=ctx.world.headers("admin"),
    )
    assert_problem(r, 409)


def test_wrong_method_and_unknown_route_are_problems(ctx: Ctx) -> None:
    assert_problem(ctx.api.delete(f"{API}/cases/{ctx.a['case']}", headers=ctx.h), 405)
    assert_problem(ctx.api.get(f"{API}/no-such-thing", headers=ctx.h), 404)


def test_openapi_is_served_and_lists_the_paths(ctx: Ctx) -> None:
    r = ctx.api.get("/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/me",
        "/api/v1/auth/tokens",
        "/api/v1/auth/logout",
        "/api/v1/users",
        "/api/v1/organisations",
        "/api/v1/organisations/{org_id}",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/care-notes",
        "/api/v1/tenancy-contracts",
        "/api/v1/tenancy-contracts/{row_id}",
        "/api/v1/judgments",
        "/api/v1/judgments/{row_id}",
        "/api/v1/payment-arrangements",
        "/api/v1/payment-arrangements/{row_id}",
        "/api/v1/agreements",
        "/api/v1/agreements/{agreement_id}",
        "/api/v1/reviews",
        "/api/v1/reviews/{review_id}",
    ]:
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/api/v1/cases"])
    assert {"get", "patch"} <= set(paths["/api/v1/agreements/{agreement_id}"])
    assert {"get", "put"} <= set(paths["/api/v1/cases/{case_id}/care-notes"])
    assert "Traceback" not in r.text
