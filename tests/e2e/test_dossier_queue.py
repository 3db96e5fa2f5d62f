"""One case's dossier is made by the worker, not the web process (issue 10 item 8).

`GET /api/v1/cases/{id}/dossier.pdf` and `/juridisch/zaken/{id}/dossier.pdf` queue the
`legal.dossier` task and wait at most `dossier_wait_seconds`: the PDF when it is ready in
time, else 202 with the job (the page: its progress page). The web app's own document engine
never starts LibreOffice. Both databases; the worker is this test, on huey's real queue.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agreements import tasks
from agreements.db.models import AuditEntry
from agreements.services.audit import log as audit
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures import verification
from agreements.web.app import create_app
from signing.certs import ensure_dev_certificate
from templates.errors import ConverterUnavailable
from tests.conftest import make_test_settings
from tests.flows import logged_in
from tests.support import run_queued

pytestmark = pytest.mark.libreoffice
API = "/api/v1"


def _dossier_tasks() -> list[str]:
    """The ids of the dossier tasks waiting in the queue (left where they are)."""
    waiting = []
    while (task := tasks.huey.dequeue()) is not None:
        waiting.append(task)
    for task in waiting:
        tasks.huey.enqueue(task)
    return [t.id for t in waiting if isinstance(t, tasks.build_dossier.task_class)]


@pytest.fixture
def queue(world: Any, pool: Any) -> Iterator[Any]:
    """A real queue that nobody works off unless the test does; the worker's engine converts."""
    settings = world.deps.settings
    ensure_dev_certificate(settings.effective_seal_pkcs12, settings.effective_seal_password)
    tasks.use_runtime(tasks.Runtime(world.deps, DocumentEngine(settings, converter=pool)))
    before, tasks.huey.immediate = tasks.huey.immediate, False
    try:
        _drop_dossier_tasks()
        yield
    finally:
        _drop_dossier_tasks()
        tasks.huey.immediate = before
        tasks.use_runtime(None)


def _drop_dossier_tasks() -> None:
    wanted = set(_dossier_tasks())
    others = []
    while (task := tasks.huey.dequeue()) is not None:
        if task.id not in wanted:
            others.append(task)
    for task in others:
        tasks.huey.enqueue(task)


def web_app(world: Any, wait: float) -> Any:
    """The app as `serve` builds it (its own, non-converting engine), with the given wait."""
    settings = world.deps.settings.model_copy(update={"dossier_wait_seconds": wait})
    return create_app(deps=Deps(db=world.deps.db, settings=settings))


class Worker(threading.Thread):
    """Runs the dossier tasks that appear in the queue while a request waits for them."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.ran: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            ids = _dossier_tasks()
            if ids:
                run_queued(ids)
                self.ran += ids
            time.sleep(0.05)


def test_web_app_engine_never_converts(world: Any) -> None:
    engine = create_app(deps=world.deps).state.engine
    with pytest.raises(ConverterUnavailable, match="does not convert"):
        _ = engine.converter
    assert engine._converter is None  # no pool, so no LibreOffice was started


def test_api_dossier_is_made_by_the_worker_within_the_wait(queue: Any, world: Any) -> None:
    client = TestClient(web_app(world, wait=60), raise_server_exceptions=False)
    worker = Worker()
    worker.start()
    try:
        r = client.get(
            f"{API}/cases/{world.case_portaal}/dossier.pdf", headers=world.headers("portaal")
        )
    finally:
        worker.stop.set()
        worker.join(10)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "application/pdf" and len(worker.ran) == 1
    assert verification.verify(r.content, deps=world.deps).report.ok


def test_api_dossier_not_ready_in_time_is_a_job(queue: Any, world: Any) -> None:
    client = TestClient(web_app(world, wait=0), raise_server_exceptions=False)
    h = world.headers("jurist")
    r = client.get(f"{API}/cases/{world.case_mitros}/dossier.pdf", headers=h)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["case_id"] == world.case_mitros and job["status"] == "queued"
    location = r.headers["location"]
    assert location == f"{API}/legal/dossiers/{world.case_mitros}/{job['task_id']}"
    assert _dossier_tasks() == [job["task_id"]]
    assert client.get(location + ".pdf", headers=h).status_code == 409
    run_queued([job["task_id"]])
    assert client.get(location, headers=h).json()["status"] == "done"
    pdf = client.get(location + ".pdf", headers=h)
    assert pdf.status_code == 200 and verification.verify(pdf.content, deps=world.deps).report.ok


def test_page_dossier_not_ready_in_time_goes_to_its_progress(queue: Any, world: Any) -> None:
    client, _ = logged_in(web_app(world, wait=0), "jurist")
    r = client.get(f"/juridisch/zaken/{world.case_portaal}/dossier.pdf")
    assert r.status_code == 303
    (task_id,) = _dossier_tasks()
    progress = f"/juridisch/dossiers?taak={world.case_portaal}.{task_id}"
    assert r.headers["location"] == progress
    assert "in de wachtrij" in client.get(progress).text
    run_queued([task_id])
    assert "klaar" in client.get(progress).text
    pdf = client.get(f"/juridisch/dossiers/{world.case_portaal}/{task_id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_page_dossier_ready_in_time_is_the_pdf(queue: Any, world: Any) -> None:
    client, _ = logged_in(web_app(world, wait=60), "jurist")
    worker = Worker()
    worker.start()
    try:
        r = client.get(f"/juridisch/zaken/{world.case_mitros}/dossier.pdf")
    finally:
        worker.stop.set()
        worker.join(10)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-disposition"] == (
        f'attachment; filename="dossier-{world.case_mitros}.pdf"'
    )
    assert verification.verify(r.content, deps=world.deps).report.ok


def _dossier_reads(world: Any, sha256: str) -> list[AuditEntry]:
    """The audit entries of reads of this dossier (staged reads chained first)."""
    audit.chain_staged(world.deps)
    with world.deps.db() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.read_dossier")
        ).all()
        return [e for e in entries if (e.detail or {}).get("sha256") == sha256]


def test_a_job_download_leaves_an_audit_entry(queue: Any, world: Any) -> None:
    """The finished dossier is a sealed PDF of a case: each download is logged, API and page."""
    app = web_app(world, wait=0)
    client = TestClient(app, raise_server_exceptions=False)
    h = world.headers("jurist")
    job = client.get(f"{API}/cases/{world.case_portaal}/dossier.pdf", headers=h).json()
    location = f"{API}/legal/dossiers/{world.case_portaal}/{job['task_id']}"
    assert client.get(location + ".pdf", headers=h).status_code == 409
    run_queued([job["task_id"]])
    sha256 = client.get(location, headers=h).json()["sha256"]
    assert _dossier_reads(world, sha256) == []  # not ready yet: nothing was read
    assert client.get(location + ".pdf", headers=h).status_code == 200
    (api_read,) = _dossier_reads(world, sha256)
    assert api_read.subject_type == "case" and api_read.subject_id == str(world.case_portaal)
    assert api_read.detail == {"case": world.case_portaal, "sha256": sha256}
    pages, _ = logged_in(app, "jurist")
    pdf = pages.get(f"/juridisch/dossiers/{world.case_portaal}/{job['task_id']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    reads = _dossier_reads(world, sha256)
    assert len(reads) == 2 and reads[1].actor == api_read.actor


def test_outside_the_scope_is_not_found_and_nothing_is_queued(queue: Any, world: Any) -> None:
    app = web_app(world, wait=0)
    api = TestClient(app, raise_server_exceptions=False)
    for case_id in (world.case_mitros, 2**31 - 1):  # another organisation's, and a missing one
        r = api.get(f"{API}/cases/{case_id}/dossier.pdf", headers=world.headers("portaal"))
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    client, _ = logged_in(app, "portaal")
    page = client.get(f"/juridisch/zaken/{world.case_mitros}/dossier.pdf")
    assert page.status_code == 404 and "Niet gevonden" in page.text
    assert _dossier_tasks() == []


def _refused(settings: Any, world: Any, worker_engine: DocumentEngine) -> tuple[Any, Any]:
    """The API's and the page's answer when the worker refuses this case's dossier."""
    deps = Deps(db=world.deps.db, settings=settings)
    tasks.use_runtime(tasks.Runtime(deps, worker_engine))
    app = create_app(deps=deps)
    worker = Worker()
    worker.start()
    try:
        r = TestClient(app, raise_server_exceptions=False).get(
            f"{API}/cases/{world.case_portaal}/dossier.pdf", headers=world.headers("jurist")
        )
        client, _ = logged_in(app, "jurist")
        page = client.get(f"/juridisch/zaken/{world.case_portaal}/dossier.pdf")
    finally:
        worker.stop.set()
        worker.join(10)
    assert len(worker.ran) == 2
    return r, page


def test_a_refusal_in_the_worker_is_the_same_answer_as_before(
    queue: Any,
    world: Any,
    pool: Any,
    tmp_path: Any,
) -> None:
    """No sealing key: the API says 409 with the reason, the page says it in Dutch."""
    settings = make_test_settings(seal_pkcs12=tmp_path / "absent.p12", dossier_wait_seconds=60)
    r, page = _refused(settings, world, DocumentEngine(settings, converter=pool))
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "no sealing key" in r.json()["detail"]
    assert page.status_code == 409 and "Dat kan nu niet" in page.text


def test_a_worker_without_converters_is_a_503_not_a_500(queue: Any, world: Any) -> None:
    settings = make_test_settings(dossier_wait_seconds=60)
    r, _ = _refused(settings, world, DocumentEngine(settings, converts=False))
    assert r.status_code == 503, r.text
    assert r.json()["type"] == "/problems/converter-unavailable"
