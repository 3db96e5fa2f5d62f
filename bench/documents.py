"""Benchmark: the service's document pipeline (render, convert, assemble) against bare libraries.

Run from the repository root: `.venv/bin/python bench/documents.py` (about 3 minutes on 2 cores),
or with `--quick` for a smoke run. Prints plain text, PASS/FAIL per goal, and always exits 0
unless something crashed. Every LibreOffice it starts lives under one temporary folder and is
gone when it ends (checked at the end).

What is measured
- The service: `requesting.request_document` + `rendering.render_version` on a SQLite file in a
  temporary folder (the demo case, its agreement with the payment arrangement as annex), with
  a `DocumentEngine` whose converter is a `ConverterPool`. Per-stage times are taken by timing
  the pipeline's own calls to `render_docx`, `converter.convert` and `assemble`.
- The bare libraries doing the same work on the same inputs: docxtpl `DocxTemplate(...).render`
  (a plain Jinja environment carrying the template's Babel filters, autoescape on) + save;
  `unoserver.client.UnoClient.convert` against a unoserver started here by hand; pypdf
  `PdfWriter().append(...)` of the same main PDF and annexes + write.
- A cold `soffice --convert-to pdf` per document (`templates.convert.convert_cold`).
- Throughput of a batch of queued documents rendered by `render_version` with a pool of 1
  converter and with one per core, one feeding thread per converter.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# bench/signing.py would shadow the `signing` package (a script's folder comes first on
# sys.path): the repository root goes before it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docxtpl import DocxTemplate
from jinja2 import Environment
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from unoserver.client import UnoClient

from agreements.bootstrap import build_deps
from agreements.db import migrate
from agreements.db.models import Agreement, PaymentArrangement
from agreements.domain.enums import DocumentStatus, Role
from agreements.domain.policy import Actor
from agreements.services import demo
from agreements.services.context import Deps
from agreements.services.documents import read as reading
from agreements.services.documents import render as rendering
from agreements.services.documents import request as requesting
from agreements.services.documents.engine import DocumentEngine
from agreements.settings import Settings
from templates.assemble import Annex
from templates.convert import convert_cold, default_python, find_soffice, remove_ipc_pipe
from templates.filters import FILTERS
from templates.pool import ConverterPool
from templates.processes import end_process_group

GOAL_OVERHEAD = 1.15  # end to end at most this times the sum of the bare stages
GOAL_COLD = 4.0  # end to end at least this many times faster than a cold soffice
GOAL_POOL = 1.8  # the pool (one per core) at least this times the single converter
STAGES = ("render", "convert", "assemble")


@dataclass(frozen=True)
class Plan:
    stage_runs: int
    cold_runs: int
    batch: int


FULL = Plan(stage_runs=25, cold_runs=5, batch=200)
QUICK = Plan(stage_runs=6, cold_runs=2, batch=40)


def now() -> datetime:
    return datetime.now(UTC)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def ratio_line(name: str, ours: float, bare: float) -> str:
    return f"  {name:<10} {ours:9.1f} ms {bare:9.1f} ms {ours / bare:8.2f}x"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def soffice_processes(marker: str) -> list[tuple[int, str]]:
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


class CpuMeter:
    """CPU used by the whole machine, by this process and its reaped children, and by others.

    Our converters are counted once they are reaped, so read it after a phase closed them.
    """

    def __init__(self) -> None:
        self.phases: list[tuple[str, float, float, float]] = []
        self._mark = self._read()

    @staticmethod
    def _read() -> tuple[float, float, float]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
        busy = (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        ours = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
        return time.perf_counter(), busy, ours

    def phase(self, name: str) -> None:
        """Close the phase that began at the last mark: wall seconds, our CPU, others' CPU."""
        now_mark = self._read()
        wall, busy, ours = (b - a for a, b in zip(self._mark, now_mark, strict=True))
        self.phases.append((name, wall, ours, max(busy - ours, 0.0)))
        self._mark = now_mark


def other_soffice() -> int:
    """LibreOffice processes that are not ours (other engineers' tests), for the load note."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip().startswith("soffice"):
                    count += 1
    return count


# --- the service's pipeline, with its stages timed where it calls them -------------------------


@dataclass
class StageClock:
    """Wraps the pipeline's own calls so each stage is timed, and keeps the last inputs."""

    times: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    template_bytes: bytes = b""
    data: dict[str, Any] = field(default_factory=dict)
    docx: bytes = b""
    main_pdf: bytes = b""
    annexes: list[Annex] = field(default_factory=list)
    recording: bool = False

    def timed(self, stage: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            result = call(*args, **kwargs)
            if self.recording:
                self.times[stage].append(time.perf_counter() - began)
            return result

        return wrapper

    @contextlib.contextmanager
    def installed(self, engine: DocumentEngine) -> Iterator[None]:
        original_render, original_assemble = rendering.render_docx, rendering.assemble
        pool = engine.converter

        def render(template_bytes: bytes, data: Any, **limits: Any) -> bytes:
            self.template_bytes, self.data = template_bytes, dict(data)
            self.docx = original_render(template_bytes, data, **limits)
            return self.docx

        def assemble(main_pdf: bytes, annexes: Any, **kwargs: Any) -> bytes:
            self.main_pdf, self.annexes = main_pdf, list(annexes)
            return original_assemble(main_pdf, annexes, **kwargs)

        class TimedConverter:
            def __init__(self, clock: StageClock) -> None:
                self.convert = clock.timed("convert", pool.convert)

        rendering.render_docx = self.timed("render", render)  # type: ignore[assignment]
        rendering.assemble = self.timed("assemble", assemble)  # type: ignore[assignment]
        engine._converter = TimedConverter(self)  # type: ignore[assignment]
        try:
            yield
        finally:
            rendering.render_docx, rendering.assemble = original_render, original_assemble
            engine._converter = pool


@dataclass
class Service:
    deps: Deps
    settings: Settings
    agreement_id: int
    arrangement_id: int
    actor: Actor = field(default_factory=lambda: Actor(user_id=None, role=Role.COORDINATOR,
                                                      name="bench"))  # fmt: skip

    def request(self, engine: DocumentEngine, subject: str = "agreement") -> int:
        subject_id = self.agreement_id if subject == "agreement" else self.arrangement_id
        version = requesting.request_document(
            subject, subject_id, deps=self.deps, engine=engine, actor=self.actor, now=now()
        )
        return int(version.id)

    def render(self, engine: DocumentEngine, version_id: int) -> None:
        status = rendering.render_version(version_id, deps=self.deps, engine=engine, clock=now)
        if status is not DocumentStatus.READY:
            got, _ = reading.get_version(version_id, deps=self.deps, actor=self.actor)
            raise RuntimeError(f"version {version_id} failed: {got.error}")


def make_service(folder: Path) -> Service:
    settings = Settings(
        mode="development",
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'agreements.db'}",
        storage_dir=folder / "store",
        templates_dir=folder / "templates",
        converters=1,
        converter_addresses=[],
    )
    deps = build_deps(settings)
    migrate.upgrade(deps.db.kw["bind"])
    case_id = demo.seed_demo(deps=deps, now=now())
    with deps.db() as session:
        agreement = session.scalar(select(Agreement).where(Agreement.case_id == case_id))
        arrangement = session.scalar(
            select(PaymentArrangement).where(PaymentArrangement.case_id == case_id)
        )
    assert agreement is not None and arrangement is not None
    return Service(deps, settings, agreement.id, arrangement.id)


# --- the bare libraries ------------------------------------------------------------------------


def bare_render(template_bytes: bytes, data: dict[str, Any]) -> bytes:
    env = Environment(autoescape=True)
    env.filters.update(FILTERS)  # the template uses |datum, |euro: docxtpl alone cannot run it
    tpl = DocxTemplate(io.BytesIO(template_bytes))
    tpl.render(data, env, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def bare_assemble(main_pdf: bytes, annexes: list[Annex]) -> bytes:
    writer = PdfWriter()
    for pdf in [main_pdf, *(annex.pdf for annex in annexes)]:
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class BareServer:
    """A unoserver started by hand, as anyone would: own profile, loopback, one process group."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port, uno_port = free_ports(2)
        (folder / "tmp").mkdir(parents=True)
        command = [
            default_python(), "-m", "unoserver.server",
            "--interface", "127.0.0.1", "--uno-interface", "127.0.0.1",
            "--port", str(self.port), "--uno-port", str(uno_port),
            "--executable", find_soffice(),
            "--user-installation", str(folder / "profile"),
            "--temp-dir", str(folder / "tmp"),
        ]  # fmt: skip
        self.log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "TMPDIR": str(folder / "tmp")},
        )
        self.client = UnoClient(server="127.0.0.1", port=str(self.port))

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bare unoserver exited: {self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("the bare unoserver did not start")

    def convert(self, docx: bytes) -> bytes:
        result = self.client.convert(indata=docx, convert_to="pdf")
        if not result:
            raise RuntimeError("the bare unoserver returned nothing")
        return bytes(result)

    def log_tail(self) -> str:
        return (self.folder / "server.log").read_bytes()[-400:].decode("utf-8", "replace")

    def stop(self) -> None:
        end_process_group(self.process, grace=5.0)
        self.log.close()
        remove_ipc_pipe(self.folder / "profile")


# --- the measurements --------------------------------------------------------------------------


@dataclass
class StageResult:
    ours: dict[str, float]
    bare: dict[str, float]
    end_to_end: float
    render_version: float
    request: float
    docx: bytes
    pages: int


def measure_stages(
    svc: Service, engine: DocumentEngine, bare: BareServer, runs: int
) -> StageResult:
    clock = StageClock()
    bare_times: dict[str, list[float]] = {s: [] for s in STAGES}
    totals: list[float] = []
    renders: list[float] = []
    requests: list[float] = []
    with clock.installed(engine):
        # Warm-up: the payment arrangement first (the agreement carries its PDF as an annex).
        svc.render(engine, svc.request(engine, "payment_arrangement"))
        for _ in range(2):
            svc.render(engine, svc.request(engine))
            bare.convert(clock.docx)
        clock.recording = True
        for _ in range(runs):
            began = time.perf_counter()
            version_id = svc.request(engine)
            requested = time.perf_counter()
            svc.render(engine, version_id)
            ended = time.perf_counter()
            totals.append(ended - began)
            requests.append(requested - began)
            renders.append(ended - requested)
            # The bare libraries on the very inputs the service just used, right after it.
            began = time.perf_counter()
            docx = bare_render(clock.template_bytes, clock.data)
            converting = time.perf_counter()
            pdf = bare.convert(docx)
            assembling = time.perf_counter()
            bare_assemble(pdf, clock.annexes)
            ended = time.perf_counter()
            bare_times["render"].append(converting - began)
            bare_times["convert"].append(assembling - converting)
            bare_times["assemble"].append(ended - assembling)
    pages = len(PdfReader(io.BytesIO(clock.main_pdf)).pages)
    pages += sum(len(PdfReader(io.BytesIO(a.pdf)).pages) for a in clock.annexes)
    return StageResult(
        ours={s: median_ms(clock.times[s]) for s in STAGES},
        bare={s: median_ms(bare_times[s]) for s in STAGES},
        end_to_end=median_ms(totals),
        render_version=median_ms(renders),
        request=median_ms(requests),
        docx=clock.docx,
        pages=pages,
    )


@dataclass
class BatchResult:
    converters: int
    threads: int
    documents: int
    seconds: float
    python_cpu: float  # seconds of this process per document
    office_cpu: float  # seconds of unoserver + LibreOffice per document

    @property
    def rate(self) -> float:
        return self.documents / self.seconds


def measure_batch(
    svc: Service, size: int, documents: int, docx: bytes, threads: int | None = None
) -> BatchResult:
    """Render `documents` queued versions with `size` converters, one thread per converter."""
    threads = threads or size
    engine = DocumentEngine(svc.settings)
    # Requested first, as the API queues them; the workers then only render.
    queue = [svc.request(engine) for _ in range(documents)]
    pool = ConverterPool(size=size, recycle_after=documents + 10 * size)  # no recycle mid-batch
    engine._converter = pool
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not queue or failures:
                    return
                version_id = queue.pop(0)
            try:
                svc.render(engine, version_id)
            except BaseException as exc:  # reported below; the batch stops
                with lock:
                    failures.append(exc)
                return

    try:
        pool.start()
        for _ in range(size * 2):  # every converter warm before the clock starts
            warm = [threading.Thread(target=pool.convert, args=(docx,)) for _ in range(size)]
            for thread in warm:
                thread.start()
            for thread in warm:
                thread.join()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        feeders = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in feeders:
            thread.start()
        for thread in feeders:
            thread.join()
        seconds = time.perf_counter() - began
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        pool.close()  # reaps the converters, so their CPU time shows up as the children's
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if failures:
        raise RuntimeError(f"batch with {size} converter(s) failed") from failures[0]
    python_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
        cpu_before.ru_utime + cpu_before.ru_stime
    )
    office_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    # The office CPU includes the warm-up conversions and shutdown; close enough per document.
    return BatchResult(
        size, threads, documents, seconds, python_cpu / documents, office_cpu / documents
    )


def measure_cold(docx: bytes, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        convert_cold(docx)
        times.append(time.perf_counter() - began)
    return median_ms(times)


# --- the report --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, batch of 40")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    cores = len(os.sched_getaffinity(0))

    root = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    # Pools and cold conversions make their folders (and LibreOffice profiles) under ours, so
    # every process we start can be found, and checked gone, by this one path.
    tempfile.tempdir = str(root)
    os.environ["TMPDIR"] = str(root)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    version = subprocess.run(
        [find_soffice(), "--version"], capture_output=True, text=True, check=False,
        env={**os.environ, "HOME": str(root)},
    ).stdout.strip()  # fmt: skip
    print("Document pipeline benchmark" + (" (--quick)" if args.quick else ""))
    print(f"  date       {now():%Y-%m-%d %H:%M} UTC")
    print(f"  machine    {cores} cores usable, Python {sys.version.split()[0]}")
    print(f"  office     {version or 'soffice --version said nothing'}")
    print(
        f"  load       {load()} (1/5/15 min) at start; other soffice processes: {other_soffice()}"
    )
    print(f"  runs       {plan.stage_runs} per stage, {plan.cold_runs} cold, batch {plan.batch}")
    print()

    started = time.perf_counter()
    bare: BareServer | None = None
    engine: DocumentEngine | None = None
    try:
        svc = make_service(root / "service")
        bare = BareServer(root / "bare")
        engine = DocumentEngine(svc.settings, converter=ConverterPool(size=1))
        assert isinstance(engine.converter, ConverterPool)
        engine.converter.start()
        bare.wait_ready()

        meter = CpuMeter()
        stages = measure_stages(svc, engine, bare, plan.stage_runs)
        engine.close()
        engine = None
        bare.stop()
        bare = None
        meter.phase("per stage")
        cold = measure_cold(stages.docx, plan.cold_runs)
        meter.phase("cold soffice")
        single = measure_batch(svc, 1, plan.batch, stages.docx)
        meter.phase("batch, 1 converter")
        pooled = measure_batch(svc, cores, plan.batch, stages.docx)
        meter.phase(f"batch, {cores} converters")
        # Not a goal: one more feeding thread than converters, to see if feeding is the limit.
        extra = measure_batch(svc, cores, plan.batch, stages.docx, threads=cores + 1)
        meter.phase(f"batch, {cores} conv., {cores + 1} threads")
    finally:
        if engine is not None:
            engine.close()
        if bare is not None:
            bare.stop()
        deadline = time.monotonic() + 5  # a killed soffice.bin may take a moment to vanish
        while (leftovers := soffice_processes(str(root))) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid, _ in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)
        tempfile.tempdir = None

    bare_sum = sum(stages.bare.values())
    print(
        f"Per stage, median of {plan.stage_runs} (agreement, {stages.pages} pages with the "
        "payment arrangement as annex)"
    )
    print(f"  {'stage':<10} {'service':>12} {'bare':>12} {'ratio':>9}")
    for stage in STAGES:
        print(ratio_line(stage, stages.ours[stage], stages.bare[stage]))
    ours_sum = sum(stages.ours.values())
    print(ratio_line("sum", ours_sum, bare_sum))
    print()
    other = stages.end_to_end - ours_sum
    print("End to end (service: request_document + render_version)")
    print(f"  request_document          {stages.request:9.1f} ms")
    print(f"  render_version            {stages.render_version:9.1f} ms")
    print(f"  end to end                {stages.end_to_end:9.1f} ms")
    print(f"  of which outside stages   {other:9.1f} ms (database, audit, store, page count)")
    print(f"  sum of bare stages        {bare_sum:9.1f} ms")
    print(f"  cold soffice, per doc     {cold:9.1f} ms (conversion alone, median of "
          f"{plan.cold_runs})")  # fmt: skip
    print()
    print(f"Batch of {plan.batch} documents (render_version; the goal uses a thread per converter)")
    print(
        f"  {'converters':<11} {'threads':>7} {'seconds':>8} {'docs/s':>8} "
        f"{'py cpu/doc':>11} {'office cpu/doc':>15}"
    )
    for result in (single, pooled, extra):
        print(
            f"  {result.converters:<11} {result.threads:>7} "
            f"{result.seconds:8.1f} {result.rate:8.2f} "
            f"{result.python_cpu * 1000:8.0f} ms {result.office_cpu * 1000:12.0f} ms"
        )
    print()

    overhead = stages.end_to_end / bare_sum
    speedup = cold / stages.end_to_end
    scaling = pooled.rate / single.rate
    print("Goals")
    print(f"  {verdict(overhead <= GOAL_OVERHEAD)}  end to end / sum of bare stages = "
          f"{overhead:.2f}x (goal <= {GOAL_OVERHEAD}x)")  # fmt: skip
    print(f"  {verdict(speedup >= GOAL_COLD)}  cold soffice / end to end = {speedup:.2f}x "
          f"(goal >= {GOAL_COLD}x)")  # fmt: skip
    print(f"  {verdict(scaling >= GOAL_POOL)}  pool of {cores} / single converter = "
          f"{scaling:.2f}x (goal >= {GOAL_POOL}x)")  # fmt: skip
    cold_pipeline = stages.bare["render"] + cold + stages.bare["assemble"]
    print(f"  info  cold pipeline (bare render + cold soffice + bare assemble) / end to end = "
          f"{cold_pipeline / stages.end_to_end:.2f}x (not a goal)")  # fmt: skip
    print(f"  info  pool of {cores} fed by {extra.threads} threads / single converter = "
          f"{extra.rate / single.rate:.2f}x (not a goal)")  # fmt: skip
    print()
    print("Load: CPU used per phase by this run (with its LibreOffices) and by other processes")
    print(f"  {'phase':<32} {'wall s':>7} {'ours':>7} {'others':>7} {'others/cores':>13}")
    for name, wall, ours_cpu, others in meter.phases:
        share = others / (wall * cores) * 100
        print(f"  {name:<32} {wall:7.1f} {ours_cpu:7.1f} {others:7.1f} {share:12.0f}%")
    print(f"  load       {load()} at end; took {time.perf_counter() - started:.0f} s")
    if leftovers:
        print(f"  LEFTOVER processes were killed: {leftovers}")
    else:
        print("  cleanup    no process of this run is left (checked /proc)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
