"""No LibreOffice outlives its owner (issue 10 item 8): real `agreements` processes, real soffice.

Each test runs the service against a folder of its own, with TMPDIR inside it, so every
process it starts (web, worker, unoserver, oosplash, soffice.bin with its profile under
`templates-converters-*`) names that folder in its command line, environment or open files.
After the owner stops (SIGTERM) or dies (SIGKILL), /proc must hold none of them within a
bounded time. Leftovers are killed in a `finally`, so a failing test leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import free_port, require_libreoffice

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)"),
]

CONVERTER_NAMES = ("soffice.bin", "oosplash", "soffice", "unoserver")
# `up` gives each part 10 s after SIGTERM before it kills the group; converters get 5 s each.
STOP_WITHIN = 40.0


@pytest.fixture(autouse=True)
def _libreoffice() -> None:
    # In a fixture, not at import: pytest.skip at module level is a collection error.
    require_libreoffice()


@dataclass(frozen=True)
class Found:
    pid: int
    ppid: int
    name: str
    command: str

    @property
    def converter(self) -> bool:
        return self.name in CONVERTER_NAMES or "unoserver" in self.command


def _ppid(entry: Path) -> int:
    return int((entry / "stat").read_text().rpartition(")")[2].split()[1])


def processes_of(root: Path) -> list[Found]:
    """Live processes whose command line, environment or open files name `root` (not us)."""
    needle = str(root).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            command = (entry / "cmdline").read_bytes()
            if not command:  # a zombie or a kernel thread: nothing left running
                continue
            mentions = needle in command
            if not mentions:
                with contextlib.suppress(OSError):
                    mentions = needle in (entry / "environ").read_bytes()
            if not mentions:
                with contextlib.suppress(OSError):
                    mentions = any(
                        needle in os.readlink(fd).encode() for fd in (entry / "fd").iterdir()
                    )
            if mentions:
                found.append(
                    Found(
                        int(entry.name),
                        _ppid(entry),
                        (entry / "comm").read_text().strip(),
                        command.replace(b"\0", b" ").decode(errors="replace").strip(),
                    )
                )
    return found


def converters_of(root: Path) -> list[Found]:
    return [each for each in processes_of(root) if each.converter]


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds:g} s: {what}"
        time.sleep(0.2)


def kill_all(root: Path) -> None:
    """Kill whatever of ours is still running (a failed test must not leave LibreOffice)."""
    for _ in range(5):
        left = processes_of(root)
        if not left:
            return
        for each in left:
            with contextlib.suppress(OSError):
                os.kill(each.pid, signal.SIGKILL)
        time.sleep(0.5)


class Service:
    """`python -m agreements ...` against its own folder, database, queue and port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        (root / "tmp").mkdir()
        self.env = {
            **os.environ,
            "TMPDIR": str(root / "tmp"),
            "AGREEMENTS_MODE": "development",
            "AGREEMENTS_SECRET_KEY": "",
            "AGREEMENTS_DATA_DIR": str(root / "data"),
            "AGREEMENTS_DATABASE_URL": f"sqlite:///{root / 'data' / 'agreements.db'}",
            "AGREEMENTS_QUEUE_URL": f"sqlite:///{root / 'data' / 'queue.db'}",
            "AGREEMENTS_PORT": str(self.port),
            "AGREEMENTS_HOST": "127.0.0.1",
            "AGREEMENTS_CONVERTERS": "2",
            "AGREEMENTS_DOSSIER_WAIT_SECONDS": "1",
            "AGREEMENTS_LOG_LEVEL": "INFO",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.case_id = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def init(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "agreements", "init", "--demo"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        found = re.search(r"/api/v1/cases/(\d+)", done.stdout)
        assert found, done.stdout
        self.case_id = int(found.group(1))

    def start(self, command: str) -> subprocess.Popen[bytes]:
        log = open(self.root / f"{command}.log", "wb")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "agreements", command],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for(self._answers, 60, f"`agreements {command}` answering ({self.log()})")
        return self.process

    def log(self, tail: int = 2000) -> str:
        """What the running command wrote (its end, for failure messages)."""
        logs = sorted(self.root.glob("*.log"))
        return logs[-1].read_text(errors="replace")[-tail:] if logs else ""

    def _answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "it stopped"
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def ask_for_dossier(self) -> int:
        """What makes a converter start: a partner's dossier of the demo case (as in the issue)."""
        login = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.base}/api/v1/auth/login",
            data=json.dumps(
                {"email": "portaal@demo.example", "password": "demo-wachtwoord"}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(login, timeout=30) as answer:  # noqa: S310
            token = json.load(answer)["token"]
        dossier = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.base}/api/v1/cases/{self.case_id}/dossier.pdf",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(dossier, timeout=60) as answer:  # noqa: S310
            return int(answer.status)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    started = Service(tmp_path)
    started.init()
    try:
        yield started
    finally:
        if started.process is not None and started.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(started.process.pid, signal.SIGKILL)
            started.process.wait(10)
        kill_all(tmp_path)


def converters_up(service: Service, count: int) -> list[Found]:
    """Wait for `count` converters (soffice.bin under our folder) after a dossier was asked."""
    assert service.ask_for_dossier() in (200, 202)
    wait_for(
        lambda: len([f for f in converters_of(service.root) if f.name == "soffice.bin"]) >= count,
        120,
        f"{count} soffice.bin running ({service.log()})",
    )
    return converters_of(service.root)


def assert_none_left(
    service: Service, seconds: float = STOP_WITHIN, *, converters_only: bool = False
) -> None:
    """Wait (bounded) until none of our processes (or none of our converters) runs."""
    scan = converters_of if converters_only else processes_of
    deadline = time.monotonic() + seconds
    while (left := scan(service.root)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == [], f"still running after {seconds:g} s: {left}"


def test_sigterm_of_up_stops_every_libreoffice_it_started(service: Service) -> None:
    up = service.start("up")
    running = converters_up(service, 2)
    profiles = {f.command.split("UserInstallation=")[1].split()[0] for f in running
                if f.name == "soffice.bin"}  # fmt: skip
    assert len(profiles) == 2 and all("templates-converters-" in p for p in profiles)
    up.send_signal(signal.SIGTERM)
    assert up.wait(STOP_WITHIN) == 0, service.log()
    assert_none_left(service)


@pytest.mark.parametrize("when", ["starting", "idle"])
def test_sigkill_of_the_pool_owner_takes_its_libreoffice_with_it(
    service: Service, when: str
) -> None:
    """The worker killed while its converters start (unoserver alone then waits for ever with
    oosplash) and once they are idle: the parent-death signal and converter_guard end them."""
    up = service.start("up")
    running = converters_up(service, 2)
    if when == "idle":  # the dossier made, its converters waiting for work
        made = re.compile(r"legal\.dossier: .* executed in")
        wait_for(lambda: bool(made.search(service.log(10**7))), 120, service.log())
        running = converters_of(service.root)
    servers = [f for f in running if "unoserver" in f.command]
    owners = {f.ppid for f in servers}
    assert len(servers) == 2 and len(owners) == 1, running
    (owner,) = owners
    assert (
        "agreements worker"
        in Path(f"/proc/{owner}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    )
    os.kill(owner, signal.SIGKILL)
    # Nobody stops them on purpose now: `up` only sees its worker gone (and stops the web app).
    assert_none_left(service, converters_only=True)
    assert up.wait(STOP_WITHIN) == 1
    assert_none_left(service)


def test_sigkill_of_up_takes_the_worker_and_its_libreoffice_with_it(service: Service) -> None:
    up = service.start("up")
    converters_up(service, 2)
    os.kill(up.pid, signal.SIGKILL)
    up.wait(10)
    assert_none_left(service)


def test_serve_starts_no_libreoffice_and_leaves_none(service: Service) -> None:
    serve = service.start("serve")
    # No worker runs: the dossier is queued (202) and the web process itself converts nothing.
    assert service.ask_for_dossier() == 202
    time.sleep(3)
    assert converters_of(service.root) == []
    serve.send_signal(signal.SIGTERM)
    serve.wait(STOP_WITHIN)
    assert_none_left(service)
