"""Duplicate judgment or contract numbers across cases (issue 14): saved with a warning in
the API's answer, never refused, and flagged in the link-integrity report."""

from __future__ import annotations

import uuid

from tests.flows import agreement_body, case_with_file, post_created


def test_a_number_another_case_holds_is_saved_with_a_warning(client, world):
    first = case_with_file(client, world, "Eerste Nummer")
    second = case_with_file(client, world, "Tweede Nummer")
    same = first["judgment"].lower().replace(" \\ ", "  \\  ")  # other case and spacing
    judgment = post_created(client, world, "/api/v1/judgments", {
        "case_id": second["id"], "court": "Rechtbank Midden-Nederland", "case_number": same,
        "judgment_date": "2026-01-05", "operative_decision": "Ontbinding en ontruiming.",
        "suspension_conditions": "Niet uitvoeren zolang de afspraken worden nagekomen.",
    })  # fmt: skip
    assert judgment["warnings"] == [{
        "field": "case_number", "cases": [first["reference"]],
        "reason": f"also on case {first['reference']}: check that it is the same one",
    }]  # fmt: skip
    h = world.headers("coordinator")
    url = f"/api/v1/tenancy-contracts/{second['contract_id']}"
    changed = client.patch(url, headers=h, json={"contract_number": first["contract"]})
    assert changed.status_code == 200, changed.text
    assert [w["cases"] for w in changed.json()["warnings"]] == [[first["reference"]]]
    own = client.patch(url, headers=h, json={"contract_number": f"HO-{uuid.uuid4().hex[:8]}"})
    assert own.status_code == 200 and own.json()["warnings"] == []
    read = client.get(f"/api/v1/judgments/{judgment['id']}", headers=h).json()
    assert read["warnings"] == []  # said when saved; the report keeps it in view


def test_the_report_flags_cases_that_share_a_judgment_number(client, world):
    first = case_with_file(client, world, "Rapport Eerste")
    second = case_with_file(client, world, "Rapport Tweede")
    h = world.headers("coordinator")
    shared = client.patch(f"/api/v1/judgments/{second['judgment_id']}", headers=h,
                          json={"case_number": first["judgment"]})  # fmt: skip
    assert shared.status_code == 200, shared.text
    for case in (first, second):
        post_created(client, world, "/api/v1/agreements", agreement_body(case))
    for case in (first, second):
        r = client.get("/api/v1/legal/integrity", headers=world.headers("jurist"),
                       params={"q": case["reference"], "include_drafts": True})  # fmt: skip
        assert r.status_code == 200, r.text
        (row,) = r.json()["items"]
        said = f"Het zaaknummer van het vonnis {row['judgment_case_number']} staat ook bij 1 ander"
        assert any(f.startswith(said) for f in row["findings"]), row["findings"]
        assert row["status"] == "problem"
