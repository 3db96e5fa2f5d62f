"""The legal view's pages over HTTP on both databases: report, CSV, dossiers, batch, verify."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from agreements import tasks
from agreements.db.models import Agreement, User
from agreements.services.documents.engine import DocumentEngine
from agreements.web.app import create_app
from signing.certs import ensure_dev_certificate
from tests.flows import add_agreements, https_client, logged_in, new_case
from tests.support import run_queued


@pytest.fixture
def app(world: Any) -> Any:
    return create_app(deps=world.deps)


@pytest.fixture
def sealing_app(world: Any, pool: Any) -> Iterator[Any]:
    """An app as `serve` makes it (its engine never converts) and a worker, in huey's
    immediate mode, whose engine converts with LibreOffice and can seal (a dev key)."""
    settings = world.deps.settings
    ensure_dev_certificate(settings.effective_seal_pkcs12, settings.effective_seal_password)
    engine = DocumentEngine(settings, converter=pool)
    tasks.use_runtime(tasks.Runtime(world.deps, engine))
    before, tasks.huey.immediate = tasks.huey.immediate, True
    try:
        yield create_app(deps=world.deps)
    finally:
        tasks.huey.immediate = before
        tasks.use_runtime(None)


def old_mismatched_case(app: Any, world: Any) -> tuple[str, int]:
    """A live agreement with a 13-month-old judgment and a lease naming another street."""
    api = TestClient(app, raise_server_exceptions=False)
    tenant = f"Jurist Test {uuid.uuid4().hex[:8]}"
    made = new_case(api, world, tenant, contract_street="Vredenburg")
    h = world.headers("coordinator")
    r = api.patch(
        f"/api/v1/agreements/{made['agreement']}", headers=h, json={"status": "out_for_signature"}
    )
    assert r.status_code == 200, r.text
    return tenant, made["case"]


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def test_report_filters_sorts_and_keeps_them_in_links(app: Any, world: Any) -> None:
    tenant, case_id = old_mismatched_case(app, world)
    client, _ = logged_in(app, "jurist")
    everything = client.get("/juridisch")
    assert everything.status_code == 200 and "<h1>Juridisch overzicht</h1>" in everything.text
    assert 'aria-sort="descending"' in everything.text  # by overall status, problems first
    assert 'href="/juridisch">Juridisch overzicht' in everything.text  # in the navigation
    query = {"q": tenant, "judgment_level": "alarm", "sort": "tenant_name", "order": "asc"}
    page = client.get("/juridisch", params=query)
    assert page.status_code == 200
    text = unescape(page.text)
    assert f'href="/zaken/{case_id}"' in text and tenant in text
    assert "13 maanden oud: alarm" in text and "verschilt" in text
    assert "misbruik van recht" in text and "Vredenburg 12A" in text
    assert re.search(r'<th scope="col" aria-sort="ascending">\s*<a[^>]*>Huurder', page.text)
    links = hrefs(page.text)
    # Every sort link keeps the search and the filter; the CSV link asks for the same rows.
    sort_links = [h for h in links if "sort=" in h and h.startswith("/juridisch?")]
    assert len(sort_links) == 9
    assert all("judgment_level=alarm" in h and "q=Jurist+Test" in h for h in sort_links)
    assert "/juridisch?q=Jurist+Test+" in next(h for h in sort_links if "sort=tenant_name" in h)
    assert "order=desc" in next(h for h in sort_links if "sort=tenant_name" in h)
    csv_link = next(h for h in links if h.startswith("/juridisch.csv"))
    assert "judgment_level=alarm" in csv_link and "sort=tenant_name" in csv_link
    assert "1 overeenkomst:" in page.text

    none = client.get("/juridisch", params={**query, "judgment_level": "ok"})
    assert "Er zijn geen overeenkomsten met deze filters." in none.text
    problems = client.get("/juridisch", params={"q": tenant, "only_problems": "true"})
    assert f'href="/zaken/{case_id}"' in problems.text
    assert 'name="only_problems" value="true" checked' in problems.text  # the form keeps it
    fine = client.get("/juridisch", params={"q": tenant, "status": "ok"})
    assert f'href="/zaken/{case_id}"' not in fine.text
    odd = client.get("/juridisch", params={"sort": "nope", "status": "x", "pagina": 999})
    assert odd.status_code == 200  # a hand-edited URL still shows a page

    exported = client.get(csv_link)
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:3] == ["Kenmerk", "Huurder", "Overeenkomst"] and len(lines) == 2
    assert lines[1][1] == tenant and lines[1][12] == "alarm" and lines[1][13] == "nee"
    api = TestClient(app).get("/api/v1/legal/integrity.csv", headers=world.headers("jurist"),
                              params={**query, "seal_check": "stored"})  # fmt: skip
    assert api.content == exported.content  # the very same CSV as the API


def test_many_rows_are_paginated(app: Any, world: Any) -> None:
    with world.deps.db() as session:
        existing = session.scalar(select(func.count()).select_from(Agreement)) or 0
        user = session.scalar(select(User.id).where(User.email == "coordinator@demo.example"))
    add_agreements(world.deps, world.org["Portaal"], user, datetime.now(UTC), existing + 60)
    client, _ = logged_in(app, "jurist")
    query = {"q": "Huurder", "judgment_level": "alarm", "sort": "case_reference", "order": "asc"}
    first = client.get("/juridisch", params=query)
    assert first.text.count('name="case_id"') == 50 and "Pagina 1 van" in first.text
    second = next(h for h in hrefs(first.text) if "pagina=2" in h)
    assert "judgment_level=alarm" in second and "sort=case_reference" in second
    rest = client.get(second)
    assert 0 < rest.text.count('name="case_id"') <= 50
    assert 'aria-current="page">Pagina 2' in rest.text


def test_partner_sees_only_its_own_rows_csv_and_dossiers(app: Any, world: Any) -> None:
    client, token = logged_in(app, "portaal")
    page = client.get("/juridisch", params={"include_drafts": "true"})
    assert page.status_code == 200
    assert f'href="/zaken/{world.case_portaal}"' in page.text
    assert f'href="/zaken/{world.case_mitros}"' not in page.text
    exported = client.get("/juridisch.csv", params={"include_drafts": "true"})
    assert "Yılmaz" not in exported.content.decode("utf-8-sig")
    other = client.get(f"/juridisch/zaken/{world.case_mitros}/dossier.pdf")
    assert other.status_code == 404 and "Niet gevonden" in other.text
    refused = client.post("/juridisch/dossiers",
                          data={"csrf": token, "case_id": [str(world.case_portaal),
                                                           str(world.case_mitros)]})  # fmt: skip
    assert refused.status_code == 404  # the whole batch, before anything is queued
    job = f"{world.case_mitros}.{uuid.uuid4()}"
    assert client.get("/juridisch/dossiers", params={"taak": job}).status_code == 404
    assert client.get(f"/juridisch/dossiers/{job.replace('.', '/')}.pdf").status_code == 404


def test_posts_need_the_csrf_token(app: Any, world: Any) -> None:
    client, token = logged_in(app, "jurist")
    for bad in ({}, {"csrf": "0" * 64}, {"csrf": token[:-1] + "x"}):
        batch = {**bad, "case_id": str(world.case_portaal)}
        assert client.post("/juridisch/dossiers", data=batch).status_code == 403
        files = {"bestand": ("a.pdf", b"%PDF-1.7\n", "application/pdf")}
        refused = client.post("/controleren", data=bad, files=files)
        assert refused.status_code == 403 and "Formulier verlopen" in refused.text
    empty = client.post("/juridisch/dossiers", data={"csrf": token})
    assert empty.status_code == 422 and "Kies eerst een of meer zaken" in empty.text
    assert https_client(app).get("/juridisch").headers["location"] == "/login?volgende=/juridisch"


@pytest.mark.libreoffice
def test_dossier_has_no_care_notes_and_verifies(sealing_app: Any, world: Any) -> None:
    marker = f"zorgmarker-{uuid.uuid4().hex}"
    coordinator, token = logged_in(sealing_app, "coordinator")
    saved = coordinator.post(f"/zaken/{world.case_portaal}/zorgnotities",
                             data={"text": marker, "csrf": token})  # fmt: skip
    assert saved.status_code == 303
    client, token = logged_in(sealing_app, "jurist")
    assert marker not in client.get("/juridisch", params={"include_drafts": "true"}).text
    response = client.get(f"/juridisch/zaken/{world.case_portaal}/dossier.pdf")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    dossier = response.content
    reader = PdfReader(io.BytesIO(dossier))
    assert marker not in "\n".join(p.extract_text() for p in reader.pages)

    form = client.get("/controleren")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text

    def check(data: bytes, name: str = "dossier.pdf") -> Any:
        files = {"bestand": (name, data, "application/pdf")}
        return client.post("/controleren", data={"csrf": token}, files=files)

    authentic = check(dossier)
    assert authentic.status_code == 200
    text = unescape(authentic.text)
    assert "Echt: dit document komt van" in text and "Procesdossier" in text
    assert "Verzegeld" in text and "dossier.pdf" in text

    writer = PdfWriter(io.BytesIO(dossier), incremental=True)
    writer.add_blank_page(595, 842)
    tampered = io.BytesIO()
    writer.write(tampered)
    refused = check(tampered.getvalue())
    assert refused.status_code == 200 and "Niet echt of veranderd" in refused.text
    reason = re.search(r"<strong>Reden:</strong> (.+?)</p>", refused.text)
    assert reason and reason.group(1).strip() and "Echt:" not in refused.text

    for data, expected in ((b"PK\x03\x04 not a pdf", "Dit is geen PDF-bestand"),
                           (b"", "Kies een PDF-bestand")):  # fmt: skip
        wrong = check(data, "brief.docx")
        assert wrong.status_code == 422 and expected in wrong.text
        assert 'aria-invalid="true"' in wrong.text and 'id="fouten"' in wrong.text


@pytest.mark.libreoffice
def test_batch_is_queued_and_its_progress_shown(sealing_app: Any, world: Any) -> None:
    client, token = logged_in(sealing_app, "jurist")
    before, tasks.huey.immediate = tasks.huey.immediate, False  # a real queue: jobs wait
    try:
        twice = {"csrf": token, "case_id": [str(world.case_mitros)] * 2}  # kept once
        queued = client.post("/juridisch/dossiers", data=twice)
        assert queued.status_code == 303
        progress = queued.headers["location"]
        assert progress.startswith("/juridisch/dossiers?taak=") and progress.count("taak=") == 1
        waiting = client.get(progress)
        assert waiting.status_code == 200 and "in de wachtrij" in waiting.text
        assert 'data-poll="3"' in waiting.text and 'value="0"' in waiting.text
        assert "connect-src 'self'" in waiting.headers["content-security-policy"]
        assert f'href="{progress}">Vernieuwen' in unescape(waiting.text)
        task_id = progress.rsplit(".", 1)[1]
        not_yet = client.get(f"/juridisch/dossiers/{world.case_mitros}/{task_id}.pdf")
        assert not_yet.status_code == 409 and "Dat kan nu niet" in not_yet.text
        run_queued([task_id])
        done = client.get(progress)
        assert "klaar" in done.text and "data-poll" not in done.text
        assert "1 van 1 dossier afgehandeld" in done.text
        pdf = client.get(f"/juridisch/dossiers/{world.case_mitros}/{task_id}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    finally:
        tasks.huey.immediate = before
