"""A batch of dossiers queued at once: progress per job, then the sealed files."""

from __future__ import annotations

import io

from pypdf import PdfReader

from agreements.services.signatures import verification


def test_batch_of_dossiers_reports_progress_and_scope(flow, world):
    client, deps, _ = flow
    h = world.headers("jurist")
    cases = [world.case_portaal, world.case_mitros]
    # A partner cannot queue a case outside its organisation; nothing is queued then.
    refused = client.post(
        "/api/v1/legal/dossiers", headers=world.headers("portaal"), json={"case_ids": cases}
    )
    assert refused.status_code == 404
    bad = client.post("/api/v1/legal/dossiers", headers=h, json={"case_ids": []})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "case_ids"
    jobs = client.post("/api/v1/legal/dossiers", headers=h, json={"case_ids": cases})
    assert jobs.status_code == 202, jobs.text
    listed = jobs.json()
    assert [j["case_id"] for j in listed] == cases
    for job in listed:  # huey runs immediately in tests: every job is done at once
        status = client.get(
            f"/api/v1/legal/dossiers/{job['case_id']}/{job['task_id']}", headers=h
        ).json()
        assert status["status"] == "done", status
        pdf = client.get(f"/api/v1/legal/dossiers/{job['case_id']}/{job['task_id']}.pdf", headers=h)
        assert pdf.status_code == 200
        assert verification.verify(pdf.content, deps=deps).report.ok
        assert len(PdfReader(io.BytesIO(pdf.content)).outline) >= 3
    other = listed[1]
    assert (
        client.get(
            f"/api/v1/legal/dossiers/{other['case_id']}/{other['task_id']}.pdf",
            headers=world.headers("portaal"),
        ).status_code
        == 404
    )
    unknown = client.get(
        f"/api/v1/legal/dossiers/{world.case_portaal}/00000000-0000-0000-0000-000000000000",
        headers=h,
    ).json()
    assert unknown["status"] == "queued"
