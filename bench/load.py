"""Benchmark: 50 concurrent clients for 60 s on API reads, staff pages and signing pages.

Run from the repository root: `.venv/bin/python bench/load.py` (SQLite, about 90 s on 2
cores), `--database postgresql` for PostgreSQL (a throw-away database on the server named by
`--postgres-url`), `--quick` for a smoke run of a few seconds. Prints plain figures and
PASS/FAIL per goal, and exits 0 unless something crashed.

What is measured
- A real uvicorn server (one process, `bench/signing.py --serve`, a free 127.0.0.1 port) on
  the demo data, with one agreement rendered and sent for signature (LibreOffice runs once,
  during the set-up, never during the measurements).
- Seven request kinds: the API's case, case list and care notes (a coordinator's bearer
  token), the staff pages `/zaken/{id}` (the case page), `/zaken` and `/werk` (the same
  coordinator's session cookie), and the tenant's signing page `/s/{token}`.
- First each kind alone, one client, one request at a time: the single-client median.
- Then `--clients` httpx clients (asyncio, one keep-alive connection each) for `--seconds`,
  each going round the seven kinds from its own starting point: per kind the number of
  answers, median, p95 and errors (any answer but 200, or no answer).

Goals (issue 10): no errors, and the case page's p95 within 3x its own median in the same
run (a lock convoy shows as a long tail: a few requests wait for many others).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("AGREEMENTS_QUEUE_URL", "sqlite:///:memory:")
# The bench logs in a demo coordinator with the password alone (no second factor to type).
os.environ.setdefault("AGREEMENTS_SECOND_FACTOR_ROLES", "[]")


def _bench_signing() -> ModuleType:
    """bench/signing.py, whose server, set-up and figures this benchmark shares."""
    spec = importlib.util.spec_from_file_location("bench_signing", ROOT / "bench" / "signing.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_signing"] = module
    spec.loader.exec_module(module)
    return module


shared = _bench_signing()

import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from agreements import tasks  # noqa: E402
from agreements.services import demo  # noqa: E402
from agreements.services.access import accounts as auth  # noqa: E402
from agreements.services.signatures import sign  # noqa: E402
from agreements.web.deps import SESSION_COOKIE  # noqa: E402
from signing import seal as seal_module  # noqa: E402

CASE_PAGE = "GET /zaken/{id} (case page)"
RATIO_GOAL = 3.0


@dataclass
class Target:
    """What the clients ask for, and with which credentials."""

    case_id: int
    token: str  # a coordinator's login: bearer for the API, cookie for the pages
    link: str  # a tenant's signing link token

    def kinds(self) -> list[tuple[str, str, str]]:
        """(name, path, how to authenticate) for every request kind."""
        c = self.case_id
        return [
            ("GET /api/v1/cases/{id}", f"/api/v1/cases/{c}", "bearer"),
            ("GET /api/v1/cases", "/api/v1/cases?limit=20", "bearer"),
            ("GET /api/v1/cases/{id}/care-notes", f"/api/v1/cases/{c}/care-notes", "bearer"),
            (CASE_PAGE, f"/zaken/{c}", "cookie"),
            ("GET /zaken", "/zaken", "cookie"),
            ("GET /werk", "/werk", "cookie"),
            ("GET /s/{token} (signing page)", f"/s/{self.link}", "none"),
        ]


@dataclass
class Figures:
    values: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def prepare(root: Path) -> Target:
    """The demo data, one agreement sent for signature, a coordinator's login."""
    world = shared.setup(root)
    try:
        version_id = shared.render(world, "agreement", world.agreement_id)
        sign.send_for_signature(
            version_id,
            shared.roles_of(world, version_id),
            deps=world.deps,
            actor=shared.COORDINATOR,
            now=shared.now(),
        )
        tenant = next(
            r
            for r in sign.requests_for(version_id, deps=world.deps, actor=shared.COORDINATOR)
            if r.party_role == "tenant"
        )
        _, link = sign.issue_link(tenant.id, deps=world.deps, now=shared.now())
        login = auth.login(
            demo.LOGINS[0].email, demo.DEMO_PASSWORD, deps=world.deps, now=shared.now()
        )
        with world.deps.db() as session:
            from agreements.db.models import Agreement

            agreement = session.get(Agreement, world.agreement_id)
            assert agreement is not None
            case_id = agreement.case_id
    finally:
        world.engine.close()
        tasks.use_runtime(None)
        seal_module.forget_signers()
    return Target(case_id=case_id, token=login.token, link=link)


async def _one(http: httpx.AsyncClient, path: str, how: str, token: str) -> tuple[float, str]:
    headers = {"Authorization": f"Bearer {token}"} if how == "bearer" else {}
    began = time.perf_counter()
    try:
        response = await http.get(path, headers=headers)
    except httpx.HTTPError as exc:
        return time.perf_counter() - began, f"{type(exc).__name__}"
    took = time.perf_counter() - began
    return took, "" if response.status_code == 200 else str(response.status_code)


def _client(base: str, target: Target) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=base, timeout=60, headers={"User-Agent": "bench-load/1.0"})
    http.cookies.set(SESSION_COOKIE, target.token)
    return http


async def single(base: str, target: Target, rounds: int) -> Figures:
    """Each kind alone: one client, one request at a time (after one warm-up round)."""
    figures = Figures()
    async with _client(base, target) as http:
        for name, path, how in target.kinds():
            for run in range(rounds + 1):
                took, error = await _one(http, path, how, target.token)
                if error:
                    figures.errors[name].append(error)
                elif run:
                    figures.values[name].append(took)
    return figures


async def under_load(base: str, target: Target, clients: int, seconds: float) -> Figures:
    """`clients` clients, each going round the kinds until the time is up."""
    figures = Figures()
    kinds = target.kinds()
    start = asyncio.Event()
    deadline = 0.0

    async def client(number: int) -> None:
        async with _client(base, target) as http:
            await http.get("/healthz")  # the connection is open before the clock starts
            await start.wait()
            turn = number
            while time.perf_counter() < deadline:
                name, path, how = kinds[turn % len(kinds)]
                turn += 1
                took, error = await _one(http, path, how, target.token)
                if error:
                    figures.errors[name].append(error)
                else:
                    figures.values[name].append(took)

    workers = [asyncio.create_task(client(n)) for n in range(clients)]
    await asyncio.sleep(0.5)
    deadline = time.perf_counter() + seconds
    start.set()
    await asyncio.gather(*workers)
    return figures


def postgres_database(url: str) -> tuple[str, object]:
    """A throw-away database on the server of `url`; returns its URL and a dropper."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"bench_load_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def report(kinds: list[str], alone: Figures, load: Figures, clients: int, wall: float) -> bool:
    med, p95 = shared.med, shared.p95
    print(f"{'request kind (ms)':38} {'alone':>7} | {'n':>6} {'median':>8} {'p95':>8}"
          f" {'p95/med':>8} {'errors':>6}")  # fmt: skip
    total = 0
    for name in kinds:
        values = load.values[name]
        total += len(values)
        alone_ms = med(alone.values[name]) if alone.values[name] else float("nan")
        if len(values) >= 2:
            m, p = med(values), shared.ms(p95(values))
            print(f"{name:38} {alone_ms:7.1f} | {len(values):6d} {m:8.1f} {p:8.1f}"
                  f" {p / m:7.2f}x {len(load.errors[name]):6d}")  # fmt: skip
        else:
            print(f"{name:38} {alone_ms:7.1f} | {len(values):6d} (too few answers)")
    errors = sum(len(v) for v in load.errors.values()) + sum(len(v) for v in alone.errors.values())
    print(f"{'all kinds':38} {'':7} | {total:6d} answers in {wall:.0f} s "
          f"({total / wall:.0f}/s) from {clients} clients")  # fmt: skip
    for name, found in {**alone.errors, **load.errors}.items():
        if found:
            print(f"  errors on {name}: {len(found)}, e.g. {sorted(set(found))[:5]}")
    case = load.values[CASE_PAGE]
    ratio = shared.ms(p95(case)) / med(case) if len(case) >= 2 else float("inf")
    ratio_ok, errors_ok = ratio <= RATIO_GOAL, errors == 0
    print()
    print(f"goal: case page p95 / median = {ratio:.2f}x (<= {RATIO_GOAL:.0f}x): "
          f"{'PASS' if ratio_ok else 'FAIL'}")  # fmt: skip
    print(f"goal: no errors ({errors}): {'PASS' if errors_ok else 'FAIL'}")
    return ratio_ok and errors_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "AGREEMENTS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=None, help="60, or 4 with --quick")
    args = parser.parse_args(argv)
    seconds = args.seconds or (4.0 if args.quick else 60.0)
    rounds = 5 if args.quick else 30
    root = Path(tempfile.mkdtemp(prefix="bench-load-"))
    tempfile.tempdir = str(root)  # converters make their profiles under ours
    os.environ["TMPDIR"] = str(root)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    drop = None
    if args.database == "postgresql":
        url, drop = postgres_database(args.postgres_url)
        os.environ["AGREEMENTS_DATABASE_URL"] = url  # the server process reads it too
    print("Load benchmark" + (" (--quick)" if args.quick else ""))
    print(f"  date       {shared.now():%Y-%m-%d %H:%M} UTC")
    print(f"  machine    {len(os.sched_getaffinity(0))} cores usable, Python "
          f"{sys.version.split()[0]}")  # fmt: skip
    print(f"  database   {args.database}; {args.clients} clients for {seconds:.0f} s")
    print(f"  load       {shared.load()} (1/5/15 min) at start")
    print()
    server = None
    try:
        target = prepare(root)
        server = shared.Server(root)
        alone = asyncio.run(single(server.base, target, rounds))
        began = time.perf_counter()
        load = asyncio.run(under_load(server.base, target, args.clients, seconds))
        wall = time.perf_counter() - began
    finally:
        if server is not None:
            server.stop()
        leftovers = shared.own_processes(str(root))
        for pid, _ in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if drop is not None:
            drop()  # type: ignore[operator]
        shutil.rmtree(root, ignore_errors=True)
        tempfile.tempdir = None
    report([name for name, _, _ in target.kinds()], alone, load, args.clients, wall)
    print(f"  load at the end {shared.load()}")
    print("  cleanup    " + (f"LEFTOVER processes killed: {leftovers}" if leftovers else
                             "no process of this run is left (checked /proc)"))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
