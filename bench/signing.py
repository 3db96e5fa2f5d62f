"""Benchmark: signing over HTTP, finishing and sealing, and verifying, against bare libraries.

Run from the repository root: `.venv/bin/python bench/signing.py` (about 40 s on 2 cores),
or with `--quick` for a smoke run. Prints plain figures and always exits 0 unless something
crashed. Everything runs on loopback in a temporary folder; every LibreOffice and the server
it starts live under that folder and are checked gone at the end.

What is measured
1. The party's signing POST (`POST /s/{token}/sign`, the signing page's form) against a real
   uvicorn server started here (a subprocess on a free 127.0.0.1 port), 20 concurrent httpx
   clients each signing their own request (inserted with tokens made here, four per copy of
   the rendered version, a fifth left pending so no POST completes a version); median, p95.
   Compared with `GET /healthz` of the same app under the same concurrency (the HTTP round trip
   alone), with one client at a time, and with `sign.sign_with_link` called in-process
   (alone, and from 20 threads).
2. `finishing.finish_version` of a 10-page agreement (the demo agreement with a 5-page lease
   attached through `case_file.attach_pdf`, and the payment arrangement as annex): evidence page
   through LibreOffice, appended, evidence JSON embedded, sealed with pyHanko. Its stages are
   timed where the service calls them. Compared with bare pyHanko (a signer loaded once)
   sealing the same 10-page PDF, run alternately.
3. `verification.verify` of the sealed result against `signing.verify.verify_pdf` and bare
   pyHanko `validate_pdf_signature` with a validation context made once, run alternately.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

# Run as a script, this file's folder comes first on sys.path, and this file is called
# `signing` like the package it measures: put the repository root in front of it.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Importing `agreements.tasks` makes huey's queue from the environment's settings; keep it off
# the checkout's data folder (the benchmark switches huey to immediate mode anyway).
os.environ.setdefault("AGREEMENTS_QUEUE_URL", "sqlite:///:memory:")

import httpx
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject
from sqlalchemy import Engine, event, select, update

from agreements import tasks
from agreements.db import migrate
from agreements.db.models import (
    Agreement,
    DocumentVersion,
    PaymentArrangement,
    SignatureRequest,
)
from agreements.db.sessions import make_database, make_engine
from agreements.domain.enums import DocumentStatus, FinishStatus, RequestStatus, Role
from agreements.domain.policy import Actor
from agreements.services import demo
from agreements.services.cases import case_file
from agreements.services.context import Deps
from agreements.services.documents import read as reading
from agreements.services.documents import render as rendering
from agreements.services.documents import request as requesting
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures import evidence_page as evidence_pages
from agreements.services.signatures import finish as finishing
from agreements.services.signatures import sign, verification
from agreements.settings import Settings
from signing import seal as seal_module
from signing.certs import ensure_dev_certificate, load_pkcs12_certificate
from signing.tokens import new_token, token_digest
from signing.verify import verify_pdf

CLIENTS = 20
COORDINATOR = Actor(user_id=None, role=Role.COORDINATOR, name="bench")
USER_AGENT = "bench-signing/1.0"


@dataclass(frozen=True)
class Plan:
    per_client: int  # signing POSTs per concurrent client
    health_per_client: int
    single: int  # signing POSTs from one client, one at a time
    service: int  # sign_with_link calls in-process, one at a time
    finish_runs: int
    verify_runs: int


FULL = Plan(per_client=20, health_per_client=50, single=50, service=100, finish_runs=12,
            verify_runs=30)  # fmt: skip
QUICK = Plan(per_client=5, health_per_client=10, single=10, service=20, finish_runs=3,
             verify_runs=8)  # fmt: skip


def now() -> datetime:
    return datetime.now(UTC)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def ms(seconds: float) -> float:
    return seconds * 1000


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def make_settings(root: Path) -> Settings:
    return Settings(
        mode="test",
        data_dir=root / "data",
        secret_key="x" * 40,
        seal_password="bench-seal-password",  # noqa: S106 - only development has a built-in one
        sign_attempts_per_minute=100_000,
        mail_outbox=root / "outbox",
        converters=1,
        log_level="WARNING",
    )


def make_deps(settings: Settings) -> Deps:
    return Deps(db=make_database(make_engine(settings.effective_database_url)), settings=settings)


def own_processes(marker: str) -> list[tuple[int, str]]:
    """Processes whose command line mentions `marker` (our temporary root): ours, still alive."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (
                (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            )
        except OSError:
            continue
        if marker in cmdline:
            found.append((int(entry.name), cmdline.strip()[:120]))
    return found


# --- the server: this file run with --serve, in its own process --------------------------------


def serve(root: Path) -> None:
    """The app on a free loopback port (printed first), until SIGTERM."""
    import uvicorn

    from agreements.web.app import create_app

    settings = make_settings(root)
    deps = make_deps(settings)
    engine = DocumentEngine(settings)  # its converter would start on first use: never here
    tasks.huey.immediate = True
    tasks.use_runtime(tasks.Runtime(deps, engine))
    # IPPROTO_TCP, as asyncio's own sockets have: only then does asyncio set TCP_NODELAY on
    # the accepted connections. With proto 0, every answer on a kept-alive connection after
    # the first waits ~40 ms (Nagle against the client's delayed ACK): an artefact of the
    # harness, not of `agreements serve` (uvicorn.run with host and port).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(
        create_app(deps=deps, engine=engine), log_level="warning", access_log=False
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        engine.close()


class Server:
    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(root)],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"the server did not start (said {line!r})")
        self.base = f"http://127.0.0.1:{line}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not answer /healthz within 30 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


# --- setup: the demo case, a 10-page agreement, requests with tokens we know -------------------


def lease_pdf(pages: int) -> bytes:
    """A plain text PDF standing in for a scanned-in lease: `pages` pages of 40 lines."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    line = (
        "Artikel {n}. De huurder gebruikt het gehuurde als woonruimte en betaalt de huur op tijd."
    )
    for number in range(1, pages + 1):
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        text = [f"BT /F1 14 Tf 72 780 Td (Huurovereenkomst, pagina {number}) Tj ET"]
        for row in range(40):
            y = 750 - row * 17
            text.append(f"BT /F1 10 Tf 72 {y} Td ({line.format(n=number * 100 + row)}) Tj ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(text).encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class World:
    root: Path
    settings: Settings
    deps: Deps
    engine: DocumentEngine
    agreement_id: int


def setup(root: Path) -> World:
    settings = make_settings(root)
    deps = make_deps(settings)
    migrate.upgrade(deps.db.kw["bind"])
    case_id = demo.seed_demo(deps=deps, now=now())
    ensure_dev_certificate(settings.effective_seal_pkcs12, settings.effective_seal_password)
    engine = DocumentEngine(settings)
    tasks.huey.immediate = True
    tasks.use_runtime(tasks.Runtime(deps, engine))
    with deps.db() as session:
        agreement = session.scalar(select(Agreement).where(Agreement.case_id == case_id))
        arrangement = session.scalar(
            select(PaymentArrangement).where(PaymentArrangement.case_id == case_id)
        )
        assert agreement is not None and arrangement is not None
    case_file.attach_pdf(
        case_file.tenancy_contracts,
        agreement.tenancy_contract_id,
        lease_pdf(5),
        deps=deps,
        store=engine.store,
        actor=COORDINATOR,
        now=now(),
    )
    world = World(root, settings, deps, engine, agreement.id)
    render(world, "payment_arrangement", arrangement.id)
    return world


def render(world: World, subject: str, subject_id: int) -> int:
    version = requesting.request_document(
        subject, subject_id, deps=world.deps, engine=world.engine, actor=COORDINATOR, now=now()
    )
    status = rendering.render_version(version.id, deps=world.deps, engine=world.engine, clock=now)
    if status is not DocumentStatus.READY:
        got, _ = reading.get_version(version.id, deps=world.deps, actor=COORDINATOR)
        raise RuntimeError(f"{subject} could not be rendered: {got.error}")
    return version.id


def roles_of(world: World, version_id: int) -> tuple[str, ...]:
    version, _ = reading.get_version(version_id, deps=world.deps, actor=COORDINATOR)
    return sign.signing_roles(version, world.engine)


PARTIES = 4  # requests a client signs per version; each version keeps one more pending


def extra_requests(world: World, version_id: int, count: int) -> list[str]:
    """`count` pending tenant requests with tokens only we know, `PARTIES` per version.

    The versions are copies of the rendered one (same PDF and data). Each keeps one more
    request pending that nobody signs, so no signature completes a version (no finishing
    inside the measured POSTs), and each version holds as few requests as a real one: the
    page's `next_in_turn` loads every pending request of the version.
    """
    tokens = [new_token() for _ in range(count)]
    with world.deps.db.begin() as session:
        model = session.scalar(
            select(SignatureRequest).where(
                SignatureRequest.version_id == version_id, SignatureRequest.party_role == "tenant"
            )
        )
        original = session.get(DocumentVersion, version_id)
        assert model is not None and original is not None
        columns = [
            c.key for c in DocumentVersion.__table__.columns if c.key not in {"id", "number"}
        ]
        for first in range(0, count, PARTIES):
            copy = DocumentVersion(
                number=original.number + 1000 + first // PARTIES,
                **{c: getattr(original, c) for c in columns},
            )
            session.add(copy)
            session.flush()
            group = [*tokens[first : first + PARTIES], None]  # None: the one left pending
            session.add_all(
                SignatureRequest(
                    version_id=copy.id,
                    document_sha256=model.document_sha256,
                    party_role="tenant",
                    party_name=model.party_name,
                    email=None,
                    position=0,
                    status=RequestStatus.PENDING,
                    token_digest=token_digest(token, world.deps.token_key) if token else None,
                    expires_at=model.expires_at,
                    created_at=model.created_at,
                    sent_at=model.created_at,
                    sends=1,
                    decline_reason="",
                    contact_history=[],
                )
                for token in group
            )
    return tokens


# Who signs for an organisation names a function and a mandate; a tenant's signature ignores them.
MANDATE = {
    "function": "Teamleider Wonen",
    "mandate_basis": "power_of_attorney",
    "mandate_detail": "volmacht van de directie van 1 september 2026",
}


def sign_all(world: World, version_id: int) -> None:
    """Every real party signs through its own link (the last one completes the version)."""
    for request in sign.requests_for(version_id, deps=world.deps, actor=COORDINATOR):
        _, token = sign.issue_link(request.id, deps=world.deps, now=now())
        data = sign.SignInput(
            typed_name=request.party_name,
            consent_version=world.settings.consent_version,
            ip="127.0.0.1",
            user_agent=USER_AGENT,
            **MANDATE,  # an organisation's signer names function and mandate (issue 13)
        )
        sign.sign_with_link(token, data, deps=world.deps, now=now())


# --- 1. the signing POST over HTTP ---------------------------------------------------------------


def form(world: World) -> dict[str, str]:
    return {
        "typed_name": "Sanne de Vries",
        "consent": "ja",
        "consent_version": world.settings.consent_version,
        **MANDATE,
    }


async def _clients(
    base: str, jobs: list[list[str]], method: str, data: dict[str, str] | None, expect: int
) -> tuple[list[float], float]:
    """One httpx client (own keep-alive connection) per job list, all at once."""
    latencies: list[float] = []
    failures: list[str] = []

    async def client(paths: list[str]) -> None:
        async with httpx.AsyncClient(
            base_url=base, headers={"User-Agent": USER_AGENT}, timeout=60
        ) as http:
            await http.get("/healthz")  # open the connection before the clock starts
            await start.wait()
            for path in paths:
                began = time.perf_counter()
                response = await http.request(method, path, data=data)
                latencies.append(time.perf_counter() - began)
                if response.status_code != expect:
                    failures.append(f"{method} {path[:12]}…: {response.status_code}")

    start = asyncio.Event()
    workers = [asyncio.create_task(client(paths)) for paths in jobs]
    await asyncio.sleep(0.3)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*workers)
    wall = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} unexpected answers, e.g. {failures[:3]}")
    return latencies, wall


def http_run(
    base: str, jobs: list[list[str]], method: str, data: dict[str, str] | None, expect: int
) -> tuple[list[float], float]:
    return asyncio.run(_clients(base, jobs, method, data, expect))


@dataclass
class Latency:
    name: str
    values: list[float]
    wall: float
    lock_waits: list[float] | None = None  # time each BEGIN IMMEDIATE waited (in-process only)

    @property
    def median(self) -> float:
        return ms(statistics.median(self.values))

    @property
    def p95(self) -> float:
        return ms(p95(self.values))

    @property
    def rate(self) -> float:
        return len(self.values) / self.wall


def service_calls(world: World, tokens: list[str], threads: int, page: bool = False) -> Latency:
    data = sign.SignInput(
        typed_name="Sanne de Vries",
        consent_version=world.settings.consent_version,
        ip="127.0.0.1",
        user_agent=USER_AGENT,
        **MANDATE,
    )
    latencies: list[float] = []

    def one(token: str) -> None:
        began = time.perf_counter()
        if page:  # what the POST handler calls, minus HTTP, form parsing and the rate limit
            assert sign.open_link(token, deps=world.deps, now=now()) is not None
        outcome = sign.sign_with_link(token, data, deps=world.deps, now=now())
        if page:
            tasks.after_signing(outcome)
        latencies.append(time.perf_counter() - began)
        assert not outcome.complete

    with lock_waits(world.deps.db.kw["bind"]) as waits:
        began = time.perf_counter()
        if threads == 1:
            for token in tokens:
                one(token)
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(one, tokens))
        wall = time.perf_counter() - began
    label = "sign_with_link, in-process" + (f", {threads} threads" if threads > 1 else "")
    if page:
        label = "open_link + sign_with_link + after_signing"
    return Latency(label, latencies, wall, waits)


@contextlib.contextmanager
def lock_waits(engine: Engine) -> Iterator[list[float]]:
    """How long each `BEGIN IMMEDIATE` (SQLite's write lock, taken by every session) waited."""
    waits: list[float] = []

    def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN"):
            conn.info["bench_begin"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN") and "bench_begin" in conn.info:
            waits.append(time.perf_counter() - conn.info.pop("bench_begin"))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield waits
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def measure_http(world: World, plan: Plan) -> list[Latency]:
    version_id = render(world, "agreement", world.agreement_id)
    sign.send_for_signature(
        version_id, roles_of(world, version_id), deps=world.deps, actor=COORDINATOR, now=now()
    )
    # The real parties' requests stay pending, so these signatures never complete the version
    # (no finishing inside the measured POSTs).
    concurrent_n = CLIENTS * plan.per_client
    warm_n = CLIENTS
    tokens = extra_requests(
        world,
        version_id,
        warm_n + concurrent_n + plan.single + 2 * plan.service + concurrent_n,
    )
    take = iter(tokens)

    def batch(n: int) -> list[str]:
        return [next(take) for _ in range(n)]

    results = []
    server = Server(world.root)
    try:
        sign_form = form(world)
        warm = batch(warm_n)
        http_run(server.base, [[f"/s/{t}/sign"] for t in warm], "POST", sign_form, 303)
        http_run(server.base, [["/healthz"] * 5 for _ in range(CLIENTS)], "GET", None, 200)

        chosen = batch(concurrent_n)
        jobs = [[f"/s/{t}/sign" for t in chosen[i::CLIENTS]] for i in range(CLIENTS)]
        lat, wall = http_run(server.base, jobs, "POST", sign_form, 303)
        results.append(Latency(f"POST /s/{{token}}/sign, {CLIENTS} clients", lat, wall))

        jobs = [["/healthz"] * plan.health_per_client for _ in range(CLIENTS)]
        lat, wall = http_run(server.base, jobs, "GET", None, 200)
        results.append(Latency(f"GET /healthz, {CLIENTS} clients", lat, wall))

        lat, wall = http_run(
            server.base, [[f"/s/{t}/sign" for t in batch(plan.single)]], "POST", sign_form, 303
        )
        results.append(Latency("POST /s/{token}/sign, 1 client", lat, wall))
        lat, wall = http_run(server.base, [["/healthz"] * plan.single], "GET", None, 200)
        results.append(Latency("GET /healthz, 1 client", lat, wall))
    finally:
        server.stop()
    results.append(service_calls(world, batch(plan.service), 1))
    results.append(service_calls(world, batch(plan.service), 1, page=True))
    results.append(service_calls(world, batch(concurrent_n), CLIENTS))
    return results


# --- 2. finishing and sealing ----------------------------------------------------------------


class StageClock:
    """Wraps the finishing module's own calls, so each stage is timed where the service calls it."""

    NAMES = ("evidence_page", "render_docx", "append_page", "attach_evidence", "seal_pdf")
    # Where the service looks each one up: the evidence page renders its own DOCX.
    HOMES: ClassVar[dict[str, Any]] = {"render_docx": evidence_pages}

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {name: [] for name in self.NAMES}
        self.last_seal_input = b""
        self._saved: dict[str, Any] = {}

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        for name in self.NAMES:
            home = self.HOMES.get(name, finishing)
            original = getattr(home, name)
            self._saved[name] = original
            setattr(home, name, self._timed(name, original))
        try:
            yield
        finally:
            for name, original in self._saved.items():
                setattr(self.HOMES.get(name, finishing), name, original)

    def _timed(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if name == "seal_pdf":
                self.last_seal_input = args[0]
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.times[name].append(time.perf_counter() - began)

        return timed

    def median(self, name: str) -> float:
        return ms(statistics.median(self.times[name][1:]))  # the first run is the warm-up


def seal_meta() -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name="Zegel",
        reason="bench",
        location="Utrecht",
        contact_info="bench",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )


def bare_seal(pdf: bytes, signer: signers.SimpleSigner) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, seal_meta(), signer=signer).getvalue()  # type: ignore[no-any-return]


@dataclass
class Finish:
    pages: int
    sealed_pages: int
    sealed: bytes
    service: list[float]
    bare: list[float]
    bare_input: list[float]
    stages: StageClock


def reset_finish(world: World, version_id: int) -> None:
    """Make the version unfinished again, so the same finishing work can be timed once more."""
    with world.deps.db.begin() as session:
        session.execute(
            update(DocumentVersion)
            .where(DocumentVersion.id == version_id)
            .values(
                finish_status=FinishStatus.PENDING,
                finish_attempts=0,
                finish_error="",
                sealed_sha256=None,
                sealed_at=None,
            )
        )


def measure_finish(world: World, plan: Plan) -> Finish:
    version_id = render(world, "agreement", world.agreement_id)
    sign.send_for_signature(
        version_id, roles_of(world, version_id), deps=world.deps, actor=COORDINATOR, now=now()
    )
    sign_all(world, version_id)
    version, _ = reading.get_version(version_id, deps=world.deps, actor=COORDINATOR)
    assert version.finish_status is FinishStatus.PENDING and version.pdf_sha256
    original = world.engine.store.get(version.pdf_sha256)
    signer = signers.SimpleSigner.load_pkcs12_data(
        world.settings.effective_seal_pkcs12.read_bytes(),
        other_certs=(),
        passphrase=world.settings.effective_seal_password.encode(),
    )
    clock = StageClock()
    service: list[float] = []
    bare: list[float] = []
    bare_input: list[float] = []
    with clock.installed():
        for run in range(plan.finish_runs + 1):  # run 0 warms up both sides
            if run:
                reset_finish(world, version_id)
            began = time.perf_counter()
            status = finishing.finish_version(
                version_id, deps=world.deps, engine=world.engine, clock=now
            )
            took = time.perf_counter() - began
            assert status is FinishStatus.DONE, status
            began = time.perf_counter()
            bare_seal(original, signer)
            took_bare = time.perf_counter() - began
            began = time.perf_counter()
            bare_seal(clock.last_seal_input, signer)
            took_input = time.perf_counter() - began
            if run:
                service.append(took)
                bare.append(took_bare)
                bare_input.append(took_input)
    version, _ = reading.get_version(version_id, deps=world.deps, actor=COORDINATOR)
    assert version.sealed_sha256 is not None
    sealed = world.engine.store.get(version.sealed_sha256)
    return Finish(
        pages=len(PdfReader(io.BytesIO(original)).pages),
        sealed_pages=len(PdfReader(io.BytesIO(sealed)).pages),
        sealed=sealed,
        service=service,
        bare=bare,
        bare_input=bare_input,
        stages=clock,
    )


# --- 3. verifying ------------------------------------------------------------------------------


def measure_verify(world: World, sealed: bytes, runs: int) -> dict[str, list[float]]:
    password = world.settings.effective_seal_password
    certificate = load_pkcs12_certificate(world.settings.effective_seal_pkcs12, password)
    root = asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)

    def service() -> None:
        result = verification.verify(sealed, deps=world.deps)
        assert result.report.ok and len(result.summary["parties"]) >= 4, result.report

    def library() -> None:
        assert verify_pdf(sealed, trusted_certs=[certificate], known_hash=lambda _: True).ok

    def bare() -> None:
        sig = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
        assert validate_pdf_signature(sig, context).bottom_line

    def pkcs12() -> None:
        load_pkcs12_certificate(world.settings.effective_seal_pkcs12, password)

    work = {"service": service, "verify_pdf": library, "bare": bare, "pkcs12": pkcs12}
    times: dict[str, list[float]] = {name: [] for name in work}
    for run in range(runs + 1):
        for name, call in work.items():
            began = time.perf_counter()
            call()
            if run:  # run 0 warms up
                times[name].append(time.perf_counter() - began)
    return times


# --- report --------------------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return ms(statistics.median(values))


def report_http(results: list[Latency]) -> None:
    by = {r.name: r for r in results}
    sign = by[f"POST /s/{{token}}/sign, {CLIENTS} clients"]
    health = by[f"GET /healthz, {CLIENTS} clients"]
    alone = by["sign_with_link, in-process"]
    print("1. Signing POST over HTTP (uvicorn, 1 process, loopback; ms)")
    print(f"  {'':46} {'n':>5} {'median':>8} {'p95':>8} {'per s':>8}")
    for r in results:
        print(f"  {r.name:46} {len(r.values):5d} {r.median:8.1f} {r.p95:8.1f} {r.rate:8.1f}")
    print(f"  ratio sign POST / healthz, {CLIENTS} clients:  median "
          f"{sign.median / health.median:.1f}x, p95 {sign.p95 / health.p95:.1f}x")  # fmt: skip
    print(f"  ratio sign POST ({CLIENTS} clients) / sign_with_link alone: median "
          f"{sign.median / alone.median:.1f}x, p95 {sign.p95 / alone.p95:.1f}x")  # fmt: skip
    for r in results:
        if r.lock_waits:
            w = r.lock_waits
            print(f"  {r.name}: {len(w) / len(r.values):.1f} BEGIN IMMEDIATE a call, waiting "
                  f"median {ms(statistics.median(w)):.1f} ms, p95 {ms(p95(w)):.1f} ms, "
                  f"max {ms(max(w)):.0f} ms")  # fmt: skip
    single = by["POST /s/{token}/sign, 1 client"]
    page = by["open_link + sign_with_link + after_signing"]
    print(f"  POST (1 client) minus the handler's service calls in-process: "
          f"{single.median - page.median:.1f} ms (HTTP, form, rate limit)")  # fmt: skip
    print(f"  ratio sign POST (1 client) / sign_with_link alone: median "
          f"{single.median / alone.median:.2f}x")  # fmt: skip


def report_finish(f: Finish) -> None:
    s = f.stages
    total, bare, bare_input = med(f.service), med(f.bare), med(f.bare_input)
    page = s.median("evidence_page")
    docx = s.median("render_docx")
    print(f"2. Finish and seal (agreement of {f.pages} pages -> {f.sealed_pages} sealed; "
          f"median of {len(f.service)}; ms)")  # fmt: skip
    print(f"  finish_version                                 {total:8.1f}")
    print(f"    evidence page (render + LibreOffice)         {page:8.1f}  "
          f"({100 * page / total:.0f}% of finish)")  # fmt: skip
    print(f"      of which render_docx                       {docx:8.1f}")
    print(f"      of which LibreOffice conversion (rest)     {page - docx:8.1f}")
    print(f"    append the page (pypdf)                      {s.median('append_page'):8.1f}")
    print(f"    embed the evidence JSON (pypdf)              {s.median('attach_evidence'):8.1f}")
    print(f"    seal_pdf (pyHanko)                           {s.median('seal_pdf'):8.1f}")
    rest = (
        total - page - s.median("append_page") - s.median("attach_evidence") - s.median("seal_pdf")
    )
    print(f"    the rest (database, store, audit)            {rest:8.1f}")
    print(f"  bare pyHanko sealing the {f.pages}-page PDF             {bare:8.1f}")
    print(f"  bare pyHanko sealing seal_pdf's own input       {bare_input:8.1f}")
    print(f"  ratio finish_version / bare pyHanko              {total / bare:8.1f}x")
    seal = s.median("seal_pdf")
    print(f"  ratio seal_pdf / bare pyHanko (same input)      {seal / bare_input:8.2f}x")
    print(f"  finish without the evidence page / bare          {(total - page) / bare:8.1f}x")


def report_verify(times: dict[str, list[float]], size: int) -> None:
    svc, lib, bare = med(times["service"]), med(times["verify_pdf"]), med(times["bare"])
    print(f"3. Verify the sealed PDF ({size:,} bytes; median of {len(times['bare'])}; ms)")
    print(f"  verification.verify                            {svc:8.1f}")
    print(f"  signing.verify.verify_pdf (certificate loaded) {lib:8.1f}")
    print(f"  bare pyHanko validate_pdf_signature            {bare:8.1f}")
    print(f"  load_pkcs12_certificate alone                  {med(times['pkcs12']):8.1f}")
    print(f"  ratio verification.verify / bare               {svc / bare:8.2f}x")
    print(f"  ratio verify_pdf / bare                        {lib / bare:8.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller smoke run")
    parser.add_argument("--serve", metavar="ROOT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve))  # uvicorn stops gracefully on SIGTERM
        return 0
    plan = QUICK if args.quick else FULL
    root = Path(tempfile.mkdtemp(prefix="bench-signing-"))
    # Converters make their folders and profiles under ours: all our processes carry this path.
    tempfile.tempdir = str(root)
    os.environ["TMPDIR"] = str(root)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    cores = len(os.sched_getaffinity(0))
    print("Signing benchmark" + (" (--quick)" if args.quick else ""))
    print(f"  date       {now():%Y-%m-%d %H:%M} UTC")
    print(f"  machine    {cores} cores usable, Python {sys.version.split()[0]}")
    print(f"  load       {load()} (1/5/15 min) at start")
    print()
    started = time.perf_counter()
    world: World | None = None
    try:
        world = setup(root)
        # Finishing and verifying first: sending a newer version for signature voids the
        # requests (and so the summary `verify` gives) of the older one.
        finish = measure_finish(world, plan)
        print(f"  [finishing done at {time.perf_counter() - started:.0f} s]")
        verify = measure_verify(world, finish.sealed, plan.verify_runs)
        http = measure_http(world, plan)
        print(f"  [signing over HTTP done at {time.perf_counter() - started:.0f} s]")
    finally:
        if world is not None:
            world.engine.close()
        tasks.use_runtime(None)
        seal_module.forget_signers()
        deadline = time.monotonic() + 5  # a killed soffice.bin may take a moment to vanish
        while (leftovers := own_processes(str(root))) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid, _ in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)
        tempfile.tempdir = None
    print()
    report_http(http)
    print()
    report_finish(finish)
    print()
    report_verify(verify, len(finish.sealed))
    print()
    print(f"  total {time.perf_counter() - started:.0f} s; load at the end {load()}")
    if leftovers:
        print(f"  LEFTOVER processes were killed: {leftovers}")
    else:
        print("  cleanup    no process of this run is left (checked /proc)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
