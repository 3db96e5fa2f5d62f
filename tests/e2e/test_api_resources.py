"""Happy paths of the JSON API over HTTP: each resource created, read, changed and listed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agreements.web.app import create_app
from tests.flows import PASSWORD, assert_problem

API = "/api/v1"
ADDRESS = {
    "street": "Lange Nieuwstraat",
    "house_number": "4",
    "postcode": "3512 PH",
    "city": "Utrecht",
}


class Api:
    """The coordinator's view of the API, with a few shortcuts."""

    def __init__(self, world: Any, client: TestClient) -> None:
        self.world, self.client = world, client
        self.h = world.headers("coordinator")
        orgs = self.get("organisations", limit=200)["items"]
        self.org = {o["name"]: o["id"] for o in orgs}

    def get(self, path: str, who: str = "coordinator", **params: Any) -> Any:
        r = self.client.get(f"{API}/{path}", headers=self.world.headers(who), params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, path: str, body: dict[str, Any], who: str = "coordinator") -> Any:
        r = self.client.post(f"{API}/{path}", json=body, headers=self.world.headers(who))
        assert r.status_code == 201, r.text
        return r.json()

    def patch(self, path: str, body: dict[str, Any], who: str = "coordinator") -> Any:
        r = self.client.patch(f"{API}/{path}", json=body, headers=self.world.headers(who))
        assert r.status_code == 200, r.text
        return r.json()

    def new_case(
        self,
        tag: str = "",
        street: str = "",
        status: str = "intake",
        parties: tuple[str, ...] = ("Het Vierde Huis", "Portaal", "Gemeente Utrecht"),
    ) -> dict[str, Any]:
        tenant = self.post("people", {"name": f"Huurder {tag or uuid.uuid4().hex[:8]}"})
        address = {**ADDRESS, "street": street or ADDRESS["street"]}
        return self.post(
            "cases",
            {
                "tenant_id": tenant["id"],
                "address": address,
                "status": status,
                "start_date": "2026-01-15",
                "planned_end_date": "2029-01-15",
                "parties": [{"organisation_id": self.org[n]} for n in parties],
            },
        )

    def case_file(self, case_id: int) -> dict[str, Any]:
        contract = self.post(
            "tenancy-contracts",
            {
                "case_id": case_id,
                "contract_number": "HO-2021-0042",
                "address": ADDRESS,
                "start_date": "2021-03-01",
                "landlord_id": self.org["Portaal"],
                "monthly_rent": "687.45",
            },
        )
        judgment = self.post(
            "judgments",
            {
                "case_id": case_id,
                "court": "Rechtbank Midden-Nederland, kanton Utrecht",
                "case_number": "11109681 \\ UC EXPL 24-3346",
                "judgment_date": "2025-12-04",
                "operative_decision": "Ontbinding en ontruiming.",
                "suspension_conditions": "Niet uitvoeren zolang de overeenkomst wordt nagekomen.",
            },
        )
        return {"contract": contract, "judgment": judgment}

    def agreement(self, case_id: int, start: str, end: str) -> dict[str, Any]:
        links = self.case_file(case_id)
        return self.post(
            "agreements",
            {
                "case_id": case_id,
                "tenancy_contract_id": links["contract"]["id"],
                "eviction_judgment_id": links["judgment"]["id"],
                "start_date": start,
                "end_date": end,
                "obligations": [
                    {"party": "tenant", "text": "Ik betaal mijn huur elke maand op tijd."},
                    {"party": "housing_corporation", "text": "Portaal voert het vonnis niet uit."},
                ],
            },
        )


@pytest.fixture(scope="module")
def api(world: Any) -> Iterator[Api]:
    with TestClient(create_app(deps=world.deps), raise_server_exceptions=False) as client:
        yield Api(world, client)


def fresh_client(world: Any) -> TestClient:
    """A client with an empty cookie jar, for the login tests."""
    return TestClient(create_app(deps=world.deps), raise_server_exceptions=False)


def _ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


# --- the demo data ----------------------------------------------------------------------------


def test_demo_money_comes_back_exact(api: Api, world: Any) -> None:
    contract = api.get("tenancy-contracts", case_id=world.case_portaal)["items"][0]
    assert contract["monthly_rent"] == "687.45"
    arrangement = api.get("payment-arrangements", case_id=world.case_portaal)["items"][0]
    assert (arrangement["arrears"], arrangement["instalment"]) == ("2843.10", "120.00")
    assert arrangement["iban"] == "NL91ABNA0417164300"
    judgment = api.get("judgments", case_id=world.case_portaal)["items"][0]
    assert judgment["case_number"] == "11109681 \\ UC EXPL 24-3346"
    assert judgment["ecli"] == f"ECLI:NL:RBMNE:{judgment['judgment_date'][:4]}:6123"


# --- organisations and people -----------------------------------------------------------------


def test_organisation_create_get_patch_list(api: Api) -> None:
    tag = uuid.uuid4().hex[:8]
    org = api.post(
        "organisations",
        {"name": f"Zorg & Co {tag}", "kind": "care_provider", "email": "info@zorg.example"},
        who="admin",
    )
    assert org["kind"] == "care_provider" and org["phone"] is None
    assert api.get(f"organisations/{org['id']}") == org
    changed = api.patch(f"organisations/{org['id']}", {"phone": "030 123 45 67"}, who="admin")
    assert changed == {**org, "phone": "030 123 45 67"}
    page = api.get("organisations", q=tag.upper())
    assert page["total"] == 1 and _ids(page) == [org["id"]]
    corporations = api.get("organisations", kind="housing_corporation", limit=200)
    names = {o["name"] for o in corporations["items"]}
    assert {"Portaal", "Mitros"} <= names and f"Zorg & Co {tag}" not in names
    assert all(o["kind"] == "housing_corporation" for o in corporations["items"])


def test_person_create_get_patch_list(api: Api) -> None:
    tag = uuid.uuid4().hex[:8]
    person = api.post(
        "people",
        {
            "name": f"Zoë Ünal-Yılmaz {tag}",
            "date_of_birth": "1990-02-28",
            "email": "zoe@example.org",
            "phone": "+31 6 1234 5678",
            "address": {**ADDRESS, "postcode": "3512ph"},
            "organisation_id": api.org["Buurtteam Utrecht Oost"],
        },
    )
    assert person["name"] == f"Zoë Ünal-Yılmaz {tag}"
    assert person["address"] == {**ADDRESS, "postcode": "3512 PH"}
    assert person["has_bsn"] is False
    assert api.get(f"people/{person['id']}") == person
    changed = api.patch(f"people/{person['id']}", {"phone": "030 765 43 21"})
    assert changed == {**person, "phone": "030 765 43 21"}
    page = api.get("people", q=tag, organisation_id=api.org["Buurtteam Utrecht Oost"])
    assert _ids(page) == [person["id"]] and page["total"] == 1
    assert api.get("people", q=tag, organisation_id=api.org["Portaal"])["total"] == 0


# --- search: % and _ are literal characters ----------------------------------------------------

# Names made per test (after a unique tag), and which of them each search must find. As
# LIKE wildcards, "%" and "_" would match every name here.
LITERAL_NAMES = ["50%_korting", "50xykorting", "50%xkorting", "50x_korting"]
LITERAL_SEARCHES = [
    # needle, names found, needle prefixed with "<tag> " (then the total is exact too)
    ("50%_", {0}, True),
    ("50%", {0, 2}, True),
    ("0__k", set(), False),
    ("x_", {3}, False),
    ("%x", {2}, False),
]


@pytest.mark.parametrize("path", ["people", "cases", "organisations"])
def test_search_treats_percent_and_underscore_literally(api: Api, path: str) -> None:
    tag = uuid.uuid4().hex[:8]
    made = []
    for part in LITERAL_NAMES:
        name = f"{tag} {part}"
        if path == "people":
            made.append(api.post("people", {"name": name})["id"])
        elif path == "cases":
            made.append(api.new_case(street=name)["id"])
        else:
            made.append(
                api.post("organisations", {"name": name, "kind": "care_provider"}, who="admin")[
                    "id"
                ]
            )
    for needle, expected, prefixed in LITERAL_SEARCHES:
        page = api.get(path, q=f"{tag} {needle}" if prefixed else needle, limit=200)
        found = {made.index(i) for i in _ids(page) if i in made}
        assert found == expected, (needle, found)
        if prefixed:
            assert page["total"] == len(expected) == len(page["items"])


@pytest.mark.parametrize(
    ("needle", "case"),
    [("Ünal", "mitros"), ("ünal", "mitros"), ("ÜNAL Y", "mitros"), ("ZOË VAN", "portaal")],
)
def test_search_is_case_insensitive_beyond_ascii(
    api: Api, world: Any, needle: str, case: str
) -> None:
    """On SQLite as on PostgreSQL: "Ünal" is found by "ünal", and the other way round."""
    page = api.get("cases", q=needle)
    assert getattr(world, f"case_{case}") in _ids(page), page


def test_search_is_case_insensitive_for_ascii(api: Api, world: Any) -> None:
    for needle in ("van 't hek", "VAN 'T HEK", "amsterdamsestraatweg", "3551 ca"):
        assert world.case_portaal in _ids(api.get("cases", q=needle)), needle


# --- cases ----------------------------------------------------------------------------------


def test_case_create_get_patch(api: Api, world: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    tenant = api.post("people", {"name": f"Huurder {tag}"})
    guardian = api.post("people", {"name": f"Bewindvoerder {tag}"})
    case = api.post(
        "cases",
        {
            "tenant_id": tenant["id"],
            "address": {**ADDRESS, "postcode": "3512ph"},
            "start_date": "2026-03-01",
            "planned_end_date": "2029-03-01",
            "parties": [
                {"organisation_id": api.org["Portaal"], "contact_person_id": guardian["id"]},
                {"organisation_id": api.org["Gemeente Utrecht"]},
            ],
            "representatives": [{"person_id": guardian["id"], "kind": "bewindvoerder"}],
        },
    )
    me = api.get("auth/me")
    assert case["coordinator_id"] == me["user_id"]
    assert case["status"] == "intake"
    assert case["reference"] == f"LK-2026-{case['id']:05d}"
    assert case["tenant"] == {"id": tenant["id"], "name": f"Huurder {tag}"}
    assert case["address"]["postcode"] == "3512 PH"
    assert [(p["organisation_id"], p["role"]) for p in case["parties"]] == [
        (api.org["Portaal"], "housing_corporation"),
        (api.org["Gemeente Utrecht"], "municipality"),
    ]
    assert case["representatives"] == [{"person_id": guardian["id"], "kind": "bewindvoerder"}]
    assert case["has_care_notes"] is False
    assert api.get(f"cases/{case['id']}") == case

    # Parties given in a change replace the old ones, and with them who may see the case.
    assert (
        api.client.get(f"{API}/cases/{case['id']}", headers=world.headers("mitros")).status_code
        == 404
    )
    changed = api.patch(
        f"cases/{case['id']}",
        {
            "status": "active",
            "parties": [{"organisation_id": api.org["Mitros"]}],
        },
    )
    assert changed["status"] == "active"
    assert [p["organisation_id"] for p in changed["parties"]] == [api.org["Mitros"]]
    assert changed["updated_at"] >= case["updated_at"]
    assert api.get(f"cases/{case['id']}", who="mitros")["id"] == case["id"]
    assert (
        api.client.get(f"{API}/cases/{case['id']}", headers=world.headers("portaal")).status_code
        == 404
    )


def test_care_notes_round_trip(api: Api) -> None:
    case = api.new_case()
    notes = api.get(f"cases/{case['id']}/care-notes")
    assert notes == {"case_id": case["id"], "text": ""}
    text = "Verslaving in behandeling; afspraak bij de huisarts.\nZoë belt zelf."
    r = api.client.put(f"{API}/cases/{case['id']}/care-notes", json={"text": text}, headers=api.h)
    assert r.status_code == 200, r.text
    assert api.get(f"cases/{case['id']}/care-notes") == {"case_id": case["id"], "text": text}
    assert api.get(f"cases/{case['id']}")["has_care_notes"] is True


def test_case_list_filters_and_pagination(api: Api) -> None:
    tag = uuid.uuid4().hex[:8]
    made = [
        api.new_case(street=f"Pagina {tag}", status=s)["id"]
        for s in ("intake", "active", "active", "intake", "active")
    ]
    newest_first = sorted(made, reverse=True)
    first = api.get("cases", q=tag, limit=2, offset=0)
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert _ids(first) == newest_first[:2]
    assert _ids(api.get("cases", q=tag, limit=2, offset=2)) == newest_first[2:4]
    last = api.get("cases", q=tag, limit=2, offset=4)
    assert _ids(last) == newest_first[4:] and last["total"] == 5
    beyond = api.get("cases", q=tag, limit=2, offset=10)
    assert beyond["items"] == [] and beyond["total"] == 5
    active = api.get("cases", q=tag, status="active")
    assert sorted(_ids(active)) == sorted(made[1:3] + made[4:]) and active["total"] == 3
    assert api.get("cases", q=tag, status="completed")["total"] == 0
    me = api.get("auth/me")["user_id"]
    assert api.get("cases", q=tag, coordinator_id=me)["total"] == 5
    assert api.get("cases", q=tag, organisation_id=api.org["Portaal"])["total"] == 5
    assert api.get("cases", q=tag, organisation_id=api.org["Mitros"])["total"] == 0
    assert api.get("cases", q=tag, limit=200)["total"] == 5


# --- the case file ---------------------------------------------------------------------------


def test_tenancy_contract_create_get_patch_list(api: Api) -> None:
    case = api.new_case()
    contract = api.post(
        "tenancy-contracts",
        {
            "case_id": case["id"],
            # A number no other case has: a shared one comes back with a warning.
            "contract_number": f"HO-2019-{case['id']:06d}",
            "address": {**ADDRESS, "postcode": "3512 ph"},
            "start_date": "2019-05-01",
            "landlord_id": api.org["Portaal"],
            "monthly_rent": 687.45,
        },
    )
    assert contract["monthly_rent"] == "687.45"
    assert contract["address"]["postcode"] == "3512 PH" and contract["end_date"] is None
    assert api.get(f"tenancy-contracts/{contract['id']}") == contract
    changed = api.patch(
        f"tenancy-contracts/{contract['id']}", {"monthly_rent": "700.1", "end_date": "2031-04-30"}
    )
    assert changed == {**contract, "monthly_rent": "700.10", "end_date": "2031-04-30"}
    second = api.post(
        "tenancy-contracts",
        {
            **{k: v for k, v in contract.items() if k not in ("id", "end_date", "warnings")},
            "contract_number": "HO-2026-1",
        },
    )
    page = api.get("tenancy-contracts", case_id=case["id"])
    assert _ids(page) == [contract["id"], second["id"]] and page["total"] == 2
    one = api.get("tenancy-contracts", case_id=case["id"], limit=1, offset=1)
    assert _ids(one) == [second["id"]] and one["total"] == 2


def test_judgment_create_get_patch_list(api: Api) -> None:
    case = api.new_case()
    judgment = api.post(
        "judgments",
        {
            "case_id": case["id"],
            "court": "Rechtbank Midden-Nederland, kanton Utrecht",
            "case_number": f"11109681 \\ UC EXPL 24-{case['id']:04d}",  # unshared: no warning
            "judgment_date": "2025-12-04",
            "served_date": "2025-12-18",
            "ecli": "ecli:nl:rbmne:2025:6123",
            "operative_decision": "De kantonrechter ontbindt de huurovereenkomst.",
            "suspension_conditions": "Niet uitvoeren zolang de huurder zich aan alles houdt.",
        },
    )
    assert judgment["ecli"] == "ECLI:NL:RBMNE:2025:6123"
    assert judgment["case_number"] == f"11109681 \\ UC EXPL 24-{case['id']:04d}"
    assert api.get(f"judgments/{judgment['id']}") == judgment
    changed = api.patch(f"judgments/{judgment['id']}", {"ecli": None, "served_date": "2025-12-19"})
    assert changed == {**judgment, "ecli": None, "served_date": "2025-12-19"}
    page = api.get("judgments", case_id=case["id"])
    assert _ids(page) == [judgment["id"]] and page["total"] == 1


def test_payment_arrangement_create_get_patch_list(api: Api) -> None:
    case = api.new_case()
    arrangement = api.post(
        "payment-arrangements",
        {
            "case_id": case["id"],
            "arrears": "300.30",
            "instalment": "100.10",
            "frequency": "four_weekly",
            "start_date": "2026-02-01",
            "number_of_terms": 3,
            "iban": "nl91 abna 0417 1643 00",
            "creditor_id": api.org["Portaal"],
        },
    )
    # 3 x 100.10 covers 300.30 exactly (in floating point it would fall a hair short).
    assert (arrangement["arrears"], arrangement["instalment"]) == ("300.30", "100.10")
    assert arrangement["iban"] == "NL91ABNA0417164300"
    assert arrangement["frequency"] == "four_weekly"
    assert api.get(f"payment-arrangements/{arrangement['id']}") == arrangement
    changed = api.patch(
        f"payment-arrangements/{arrangement['id']}", {"instalment": "25.03", "number_of_terms": 12}
    )
    assert changed == {**arrangement, "instalment": "25.03", "number_of_terms": 12}
    page = api.get("payment-arrangements", case_id=case["id"])
    assert page["items"] == [changed] and page["total"] == 1


def test_agreement_create_get_patch_list(api: Api) -> None:
    case = api.new_case()
    agreement = api.agreement(case["id"], "2026-03-02", "2029-03-02")
    assert agreement["status"] == "draft"
    assert [(o["position"], o["party"]) for o in agreement["obligations"]] == [
        (1, "tenant"),
        (2, "housing_corporation"),
    ]
    assert api.get(f"agreements/{agreement['id']}") == agreement
    changed = api.patch(
        f"agreements/{agreement['id']}",
        {
            "obligations": [{"party": "municipality", "text": "De gemeente biedt schuldhulp."}],
        },
    )
    assert [o["text"] for o in changed["obligations"]] == ["De gemeente biedt schuldhulp."]
    for status in ("out_for_signature", "draft", "out_for_signature"):
        assert api.patch(f"agreements/{agreement['id']}", {"status": status})["status"] == status
    # Only signing makes an agreement active, never a PATCH by a person.
    refused = api.client.patch(
        f"/api/v1/agreements/{agreement['id']}",
        json={"status": "active"},
        headers=api.world.headers("coordinator"),
    )
    assert refused.status_code == 409
    second = api.agreement(case["id"], "2026-04-01", "2028-04-01")
    both = api.get("agreements", case_id=case["id"])
    assert _ids(both) == [agreement["id"], second["id"]] and both["total"] == 2
    pending = api.get("agreements", case_id=case["id"], status="out_for_signature")
    assert _ids(pending) == [agreement["id"]] and pending["total"] == 1
    drafts = api.get("agreements", case_id=case["id"], status="draft")
    assert _ids(drafts) == [second["id"]]
    assert api.get("agreements", case_id=case["id"], status="terminated")["total"] == 0


# --- reviews --------------------------------------------------------------------------------

SCHEDULES = [
    # start, end, due dates: start + 3n months (from the anchor), then the next working day
    ("2026-01-31", "2028-01-31", [
        "2026-04-30", "2026-07-31",
        "2026-11-02",  # 31 Oct is a Saturday
        "2027-02-01",  # 31 Jan is a Sunday
        "2027-04-30",
        "2027-08-02",  # 31 Jul is a Saturday
        "2027-11-01",  # 31 Oct is a Sunday
        "2028-01-31",
    ]),
    ("2027-01-27", "2029-01-27", [
        "2027-04-28",  # 27 Apr is King's Day
        "2027-07-27", "2027-10-27", "2028-01-27",
        "2028-04-28",  # King's Day again
        "2028-07-27", "2028-10-27",
        "2029-01-29",  # 27 Jan is a Saturday
    ]),
    ("2026-09-25", "2028-09-25", [
        "2026-12-28",  # Christmas (Friday), Boxing Day (Saturday), Sunday
        "2027-03-25", "2027-06-25", "2027-09-27",
        "2027-12-27",  # Christmas on a Saturday, Boxing Day on a Sunday
        "2028-03-27", "2028-06-26", "2028-09-25",
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("start", "end", "due"), SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_review_schedule_of_a_new_agreement(api: Api, start: str, end: str, due: list[str]) -> None:
    case = api.new_case()
    agreement = api.agreement(case["id"], start, end)
    page = api.get("reviews", agreement_id=agreement["id"])
    assert page["total"] == len(due)
    assert [(r["number"], r["due_date"]) for r in page["items"]] == list(enumerate(due, 1))
    assert all(r["held_date"] is None and r["outcome"] is None for r in page["items"])


def test_changing_the_term_replans_the_reviews(api: Api) -> None:
    case = api.new_case()
    agreement = api.agreement(case["id"], "2026-01-31", "2028-01-31")
    api.patch(f"agreements/{agreement['id']}", {"end_date": "2029-01-31"})
    page = api.get("reviews", agreement_id=agreement["id"])
    assert page["total"] == 12
    assert [r["due_date"] for r in page["items"]][-4:] == [
        "2028-05-01",
        "2028-07-31",
        "2028-10-31",
        "2029-01-31",
    ]


def test_review_recorded_and_listed(api: Api) -> None:
    case = api.new_case()
    agreement = api.agreement(case["id"], "2026-01-31", "2028-01-31")
    reviews = api.get("reviews", agreement_id=agreement["id"])["items"]
    first = reviews[0]
    assert api.get(f"reviews/{first['id']}") == first
    recorded = api.patch(
        f"reviews/{first['id']}",
        {
            "held_date": "2026-05-04",
            "outcome": "concerns",
            "summary": "Huur april te laat betaald; budgetcoach ingeschakeld.",
        },
    )
    assert recorded == {
        **first,
        "held_date": "2026-05-04",
        "outcome": "concerns",
        "summary": "Huur april te laat betaald; budgetcoach ingeschakeld.",
    }
    today = date.today().isoformat()
    assert (
        api.patch(f"reviews/{reviews[1]['id']}", {"held_date": today, "outcome": "on_track"})[
            "held_date"
        ]
        == today
    )
    held = api.get("reviews", agreement_id=agreement["id"], held=True)
    assert _ids(held) == [first["id"], reviews[1]["id"]]
    assert api.get("reviews", agreement_id=agreement["id"], held=False)["total"] == 6
    in_2027 = api.get("reviews", case_id=case["id"], due_from="2027-01-01", due_until="2027-12-31")
    assert [r["due_date"] for r in in_2027["items"]] == [
        "2027-02-01",
        "2027-04-30",
        "2027-08-02",
        "2027-11-01",
    ]
    extra = api.post("reviews", {"agreement_id": agreement["id"], "due_date": "2026-06-15"})
    assert extra["number"] == 9 and extra["due_date"] == "2026-06-15"
    assert api.get("reviews", agreement_id=agreement["id"])["total"] == 9
    # Once a review was held, a new term no longer replans (nothing held is lost).
    api.patch(f"agreements/{agreement['id']}", {"end_date": "2029-01-31"})
    assert api.get("reviews", agreement_id=agreement["id"])["total"] == 9
    assert api.get(f"reviews/{first['id']}") == recorded


def test_review_held_in_the_future_is_refused(api: Api) -> None:
    case = api.new_case()
    agreement = api.agreement(case["id"], "2026-01-31", "2028-01-31")
    review = api.get("reviews", agreement_id=agreement["id"])["items"][0]
    later = (date.today() + timedelta(days=2)).isoformat()
    r = api.client.patch(
        f"{API}/reviews/{review['id']}",
        json={"held_date": later, "outcome": "on_track"},
        headers=api.h,
    )
    body = assert_problem(r, 422)
    assert body["errors"][0]["field"] == "held_date"
    assert api.get(f"reviews/{review['id']}") == review


# --- logging in -------------------------------------------------------------------------------


def test_login_sets_a_session_cookie_that_alone_authenticates(world: Any) -> None:
    client = fresh_client(world)
    r = client.post(
        f"{API}/auth/login", json={"email": " Coordinator@Demo.Example ", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["user"]["role"] == "coordinator"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("agreements_session=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert client.cookies.get("agreements_session") == body["token"]
    me = client.get(f"{API}/auth/me")  # the cookie only, no Authorization header
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "coordinator" and me.json()["user_id"] == body["user"]["id"]
    assert client.get(f"{API}/cases/{world.case_portaal}").status_code == 200


def test_logout_revokes_the_session(world: Any) -> None:
    client = fresh_client(world)
    token = client.post(
        f"{API}/auth/login", json={"email": "jurist@demo.example", "password": PASSWORD}
    ).json()["token"]
    assert client.get(f"{API}/auth/me").json()["role"] == "legal"
    r = client.post(f"{API}/auth/logout")
    assert r.status_code == 204
    assert "agreements_session" not in client.cookies
    assert_problem(client.get(f"{API}/auth/me"), 401)
    # Not just forgotten by the browser: the server no longer accepts it.
    other = fresh_client(world)
    other.cookies.set("agreements_session", token)
    assert_problem(other.get(f"{API}/auth/me"), 401)
    assert_problem(other.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_bearer_tokens_work_and_can_be_revoked(api: Api, world: Any) -> None:
    client = fresh_client(world)
    r = client.post(
        f"{API}/auth/tokens",
        json={"name": "koppeling boekhouding", "days": 30},
        headers=world.headers("coordinator"),
    )
    assert r.status_code == 201, r.text
    issued = r.json()
    assert issued["token_type"] == "bearer" and issued["user"]["role"] == "coordinator"
    assert issued["token"] not in world.tokens.values()
    bearer = {"Authorization": f"Bearer {issued['token']}"}
    me = client.get(f"{API}/auth/me", headers=bearer)
    assert me.status_code == 200 and me.json()["user_id"] == issued["user"]["id"]
    assert client.get(f"{API}/cases", headers=bearer).status_code == 200
    assert client.post(f"{API}/auth/logout", headers=bearer).status_code == 204
    assert_problem(client.get(f"{API}/auth/me", headers=bearer), 401)
    # The login the token was made with still works.
    assert api.get("auth/me")["role"] == "coordinator"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("coordinator@demo.example", "verkeerd-wachtwoord"),
        ("niemand@demo.example", PASSWORD),
        ("coordinator@demo.example", PASSWORD.upper()),
    ],
    ids=["wrong-password", "unknown-user", "password-case"],
)
def test_wrong_login_is_401_without_cookie(world: Any, email: str, password: str) -> None:
    client = fresh_client(world)
    r = client.post(f"{API}/auth/login", json={"email": email, "password": password})
    body = assert_problem(r, 401)
    assert "token" not in body
    assert "set-cookie" not in r.headers
    assert_problem(client.get(f"{API}/auth/me"), 401)


def test_admin_lists_and_adds_users(api: Api, world: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    user = api.post(
        "users",
        {
            "email": f"Partner-{tag}@Mitros.example",
            "name": "Partner Mitros",
            "role": "partner",
            "password": "een-lang-wachtwoord",
            "organisation_id": api.org["Mitros"],
        },
        who="admin",
    )
    assert user["email"] == f"partner-{tag}@mitros.example" and user["active"] is True
    assert user["id"] in [u["id"] for u in api.get("users", who="admin")]
    client = fresh_client(world)
    r = client.post(
        f"{API}/auth/login", json={"email": user["email"], "password": "een-lang-wachtwoord"}
    )
    assert r.status_code == 200, r.text
    me = client.get(f"{API}/auth/me").json()
    assert (me["role"], me["organisation_id"]) == ("partner", api.org["Mitros"])
    assert client.get(f"{API}/cases/{world.case_mitros}").status_code == 200
    assert client.get(f"{API}/cases/{world.case_portaal}").status_code == 404


def test_health_and_home(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    r = api.client.get("/")
    assert r.status_code == 200 and "Woonbegeleidingsovereenkomsten" in r.text
