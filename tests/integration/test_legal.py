"""The legal view: the link-integrity report (JSON, CSV, scoping, scale) and the sealed dossier."""

from __future__ import annotations

import csv
import io
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pypdf import PdfReader, PdfWriter
from sqlalchemy import event, insert, select

from agreements.db.models import (
    AuditEntry,
    Organisation,
    User,
)
from agreements.domain.enums import OrganisationKind, Role
from agreements.domain.policy import Actor
from agreements.services.legal import integrity as legal
from agreements.services.signatures import verification
from tests.flows import (
    add_agreements,
    decide,
    link_in,
    new_case,
    send_requests,
    sign_by_link,
)

TODAY = datetime.now(UTC).date()


def _report(client: Any, world: Any, who: str, **params: Any) -> dict[str, Any]:
    r = client.get("/api/v1/legal/integrity", headers=world.headers(who), params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_report_flags_old_judgment_and_address_mismatch(client, world):
    tenant = f'=HYPERLINK("http://x.example/{uuid.uuid4().hex[:8]}")'
    made = new_case(client, world, tenant, contract_street="Vredenburg")
    h = world.headers("coordinator")
    # A draft is left out unless asked for; out for signature it is live.
    assert _report(client, world, "jurist", q=tenant[:20])["total"] == 0
    assert _report(client, world, "jurist", q=tenant[:20], include_drafts=True)["total"] == 1
    r = client.patch(
        f"/api/v1/agreements/{made['agreement']}", headers=h, json={"status": "out_for_signature"}
    )
    assert r.status_code == 200, r.text

    report = _report(client, world, "jurist", q=tenant[:20])
    assert report["total"] == 1
    row = report["items"][0]
    assert (row["status"], row["judgment_level"], row["address_match"]) == (
        "problem",
        "alarm",
        False,
    )
    assert row["judgment_age_days"] == 400 and row["judgment_age_months"] == 13
    assert row["contract_linked"] and row["judgment_linked"]
    findings = " ".join(row["findings"])
    assert "13 maanden oud" in findings and "misbruik van recht" in findings
    assert "verschilt van het adres in de huurovereenkomst" in findings
    assert "Vredenburg 12A" in findings
    assert "nog geen document" in findings
    assert row["reviews_overdue"] >= 2 and "te laat" in findings
    outcomes = {c["subject"]: c["outcome"] for c in row["comparisons"]}
    assert outcomes["adres traject en huurovereenkomst"] == "verschilt"
    assert outcomes["naam huurder in vonnis"] == "niet mogelijk"

    # Filters and sorting.
    assert _report(client, world, "jurist", q=tenant[:20], judgment_level="alarm")["total"] == 1
    assert _report(client, world, "jurist", q=tenant[:20], judgment_level="ok")["total"] == 0
    assert _report(client, world, "jurist", q=tenant[:20], status="ok")["total"] == 0
    assert _report(client, world, "jurist", q=tenant[:20], only_problems=True)["total"] == 1
    everything = _report(
        client, world, "jurist", include_drafts=True, sort="tenant_name", order="asc"
    )
    names = [i["tenant_name"].casefold() for i in everything["items"]]
    assert names == sorted(names) and len(names) >= 2
    ages = [
        i["judgment_age_days"]
        for i in _report(client, world, "admin", sort="judgment_age_days")["items"]
    ]
    assert ages == sorted(ages, reverse=True)
    assert client.get("/api/v1/legal/integrity?sort=nope", headers=h).status_code == 422

    # Scoping: Portaal's case is Portaal's; Mitros never sees it, in JSON or CSV.
    assert _report(client, world, "portaal", q=tenant[:20])["total"] == 1
    assert _report(client, world, "mitros", q=tenant[:20])["total"] == 0
    mitros = _report(client, world, "mitros", include_drafts=True)["items"]
    assert {i["case_id"] for i in mitros} and world.case_portaal not in {
        i["case_id"] for i in mitros
    }

    # CSV: BOM, `;`, Dutch headers, and the tenant's "formula" is text.
    r = client.get("/api/v1/legal/integrity.csv", headers=world.headers("jurist"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:3] == ["Kenmerk", "Huurder", "Overeenkomst"]
    mine = [line for line in lines if line[1] == "'" + tenant]
    assert len(mine) == 1 and mine[0][12] == "alarm" and mine[0][13] == "nee"
    assert all(len(line) == len(lines[0]) for line in lines)
    assert not any(cell.startswith(("=", "+", "@")) for line in lines for cell in line)
    theirs = client.get("/api/v1/legal/integrity.csv", headers=world.headers("mitros"))
    assert tenant not in theirs.content.decode("utf-8-sig")

    with world.deps.db() as session:
        actions = set(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("legal.integrity%"))
            )
        )
    assert actions == {"legal.integrity_report", "legal.integrity_csv"}
    # A dossier of another organisation's case does not exist for a partner.
    r = client.get(f"/api/v1/cases/{made['case']}/dossier.pdf", headers=world.headers("mitros"))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_dossier_is_sealed_navigable_and_has_no_care_notes(flow, world):
    client, deps, inbox = flow
    h = world.headers("coordinator")
    marker = f"ZORGNOTITIE-{uuid.uuid4().hex}"
    made = new_case(client, world, "Dossier Huurder", contract_street="Oudegracht")
    r = client.put(f"/api/v1/cases/{made['case']}/care-notes", headers=h, json={"text": marker})
    assert r.status_code == 200, r.text
    decide(client, world, made["agreement"])  # the judgment is 13 months old
    version = client.post(f"/api/v1/agreements/{made['agreement']}/documents", headers=h).json()
    assert version["status"] == "ready", version
    for request in send_requests(client, world, version["id"]):
        sign_by_link(deps, link_in(inbox.to(request["email"])[-1]), request["party_name"])
    arrangement = client.post(
        "/api/v1/payment-arrangements",
        headers=h,
        json={
            "case_id": made["case"],
            "arrears": "1200.00",
            "instalment": "100.00",
            "start_date": TODAY.isoformat(),
            "number_of_terms": 12,
            "iban": "NL91ABNA0417164300",
            "creditor_id": world.org["Portaal"],
        },
    ).json()
    r = client.post(f"/api/v1/payment-arrangements/{arrangement['id']}/documents", headers=h)
    assert r.status_code == 202 and r.json()["status"] == "ready", r.text
    review = client.get(f"/api/v1/reviews?agreement_id={made['agreement']}", headers=h).json()[
        "items"
    ][0]
    held = (TODAY - timedelta(days=150)).isoformat()
    r = client.patch(
        f"/api/v1/reviews/{review['id']}",
        headers=h,
        json={
            "held_date": held,
            "outcome": "breach",
            "summary": "Huur niet betaald.",
            "location": "Utrecht",
            "chair": "Coördinator",
        },
    )
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/reviews/{review['id']}/documents", headers=h)
    assert r.status_code == 202 and r.json()["status"] == "ready", r.text

    started = time.perf_counter()
    r = client.get(f"/api/v1/cases/{made['case']}/dossier.pdf", headers=world.headers("jurist"))
    assert r.status_code == 200, r.text
    print(f"dossier: {time.perf_counter() - started:.2f} s, {len(r.content):,} bytes")
    reader = PdfReader(io.BytesIO(r.content))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles == [
        "Voorblad",
        "Inhoud",
        "Woonbegeleidingsovereenkomst (versie 1): ondertekend en verzegeld",
        "Betalingsregeling (versie 1)",
        "Evaluatieverslag 1 (versie 1)",
        "Tekortkomingen en waarschuwingen",
        "Vonnis",
        "Auditfragment",
    ]
    # The agreement keeps its own bookmarks (its evidence page) beneath its chapter.
    children = reader.outline[reader.outline.index(reader.outline[2]) + 1]
    assert isinstance(children, list) and children[-1].title == "Ondertekeningsbewijs"
    text = "\n".join(page.extract_text() for page in reader.pages)
    for needed in [
        "Procesdossier",
        "Inhoud",
        "Tekortkomingen en waarschuwingen",
        "13 maanden oud",
        made["judgment"]["case_number"],
        "Auditfragment",
        "signing.signed",
        "document.sealed",
        "Ondertekeningsbewijs",
    ]:
        assert needed in text, needed
    # The contents give each chapter's page: the judgment chapter starts where it says.
    chapter = next(i for i in reader.outline if not isinstance(i, list) and i.title == "Vonnis")
    contents = " ".join(reader.pages[1].extract_text().split())
    assert f"Vonnis {reader.get_destination_page_number(chapter) + 1}" in contents
    assert marker not in text
    assert all(
        marker.encode() not in data for files in reader.attachments.values() for data in files
    )
    assert "dossier.json" in reader.attachments

    verdict = verification.verify(r.content, deps=deps)
    assert verdict.report.ok, verdict.report.reason
    assert verdict.summary["document"] == "Procesdossier"
    writer = PdfWriter(io.BytesIO(r.content), incremental=True)
    writer.add_blank_page(595, 842)
    tampered = io.BytesIO()
    writer.write(tampered)
    assert not verification.verify(tampered.getvalue(), deps=deps).report.ok

    # The sealed agreement inside was checked with pyHanko by the report.
    row = _report(client, world, "jurist", q="Dossier Huurder", include_drafts=True)["items"][0]
    assert row["seal"] == "valid" and row["signatures_complete"]
    assert row["breaches"][0]["held_date"] == held
    with deps.db() as session:
        made_by = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "case.dossier")
        ).all()
    assert made_by and made_by[-1].startswith("user:")
    r = client.get(f"/api/v1/cases/{made['case']}/dossier.pdf", headers=world.headers("mitros"))
    assert r.status_code == 404


def test_report_over_two_thousand_agreements_takes_a_fixed_number_of_queries(fresh_deps):
    deps = fresh_deps
    now = datetime.now(UTC)
    with deps.db.begin() as session:
        org = session.scalar(
            insert(Organisation).returning(Organisation.id),
            {"name": "Portaal", "kind": OrganisationKind.HOUSING_CORPORATION, "created_at": now},
        )
        user = session.scalar(
            insert(User).returning(User.id),
            {
                "email": "c@x.example",
                "name": "C",
                "role": Role.COORDINATOR,
                "password_hash": "-",
                "active": True,
                "created_at": now,
            },
        )
    actor = Actor(user_id=user, role=Role.LEGAL)
    counted = _count_queries(deps)

    def grow(to: int) -> list[legal.Row]:
        add_agreements(deps, org, user, now, to)
        counted.clear()
        started = time.perf_counter()
        rows = legal.integrity_report(deps=deps, actor=actor, now=now, audit_as=None)
        print(
            f"{len(rows)} agreements: {time.perf_counter() - started:.2f} s, {len(counted)} queries"
        )
        return rows

    small = grow(5)
    few = len(counted)
    large = grow(2000)
    assert (len(small), len(large)) == (5, 2000)
    assert len(counted) <= few + 4  # only the IN-list chunks of versions may add a query
    assert sum(r.judgment_level == "alarm" for r in large) == 2000


def _count_queries(deps: Any) -> list[str]:
    statements: list[str] = []
    engine = deps.db.kw["bind"]
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    return statements
