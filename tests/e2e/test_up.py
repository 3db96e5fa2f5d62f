"""The README's `make run` path: `agreements init --demo` then `agreements up`, over HTTP."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """Every process below `pid`: children, theirs (LibreOffice's soffice.bin), and so on."""
    found, todo = [], [pid]
    while todo:
        kids = children_of(todo.pop())
        found += kids
        todo += kids
    return found


def serving(env: dict[str, str]) -> tuple[str, subprocess.Popen[str]]:
    """`agreements up` started, once it answers /healthz: its base URL and process."""
    base = f"http://127.0.0.1:{env['AGREEMENTS_PORT']}"
    up = subprocess.Popen([sys.executable, "-m", "agreements", "up"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base, up
        except httpx.HTTPError:
            time.sleep(0.3)
    up.kill()
    pytest.fail("agreements up did not serve /healthz within 60 s")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AGREEMENTS_DATA_DIR": str(tmp_path),
        "AGREEMENTS_MODE": "development",
        "AGREEMENTS_SECRET_KEY": "",
        "AGREEMENTS_PORT": str(free_port()),
    }


def test_init_demo_then_up_serves_and_stops_cleanly(env):
    init = subprocess.run(
        [sys.executable, "-m", "agreements", "init", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    base, up = serving(env)
    try:
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"email": "portaal@demo.example", "password": "demo-wachtwoord"},
        )
        assert login.status_code == 200
        cookies = {"agreements_session": login.json()["token"]}
        cases = httpx.get(f"{base}/api/v1/cases", cookies=cookies).json()
        assert [c["tenant"]["name"] for c in cases["items"]] == ["Zoë van 't Hek"]
        assert httpx.get(f"{base}/api/v1/cases").status_code == 401
        assert httpx.get(f"{base}/openapi.json").status_code == 200
        kids = children_of(up.pid)
        assert len(kids) == 2  # web and worker
    finally:
        up.send_signal(signal.SIGINT)
        output, _ = up.communicate(timeout=30)
    assert up.returncode == 0, output
    time.sleep(0.5)
    assert not [k for k in kids if Path(f"/proc/{k}").exists()], "children left behind"


@pytest.mark.libreoffice
def test_ctrl_c_stops_every_process_up_started_converters_included(env):
    """`make run`'s Ctrl-C (SIGINT to `agreements up`) leaves nothing running: web, worker,
    the render child, the converter's guard, unoserver and LibreOffice itself (issue 14)."""
    env = {**env, "AGREEMENTS_CONVERTERS": "1"}
    init = subprocess.run([sys.executable, "-m", "agreements", "init", "--demo"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert init.returncode == 0, init.stderr
    base, up = serving(env)
    try:
        token = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"email": "coordinator@demo.example", "password": "demo-wachtwoord"},
        ).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        agreement = httpx.get(f"{base}/api/v1/agreements", headers=h).json()["items"][0]
        made = httpx.post(f"{base}/api/v1/agreements/{agreement['id']}/documents", headers=h,
                          json={"confirm_void": True}, timeout=60)  # fmt: skip
        assert made.status_code == 202, made.text
        deadline, tree = time.monotonic() + 180, []
        while time.monotonic() < deadline:  # the worker starts LibreOffice to convert
            tree = descendants(up.pid)
            if any(b"soffice.bin" in Path(f"/proc/{p}/cmdline").read_bytes() for p in tree
                   if Path(f"/proc/{p}").exists()):  # fmt: skip
                break
            time.sleep(1)
        else:
            pytest.fail(f"no LibreOffice converter started: {tree}")
    finally:
        up.send_signal(signal.SIGINT)
        output, _ = up.communicate(timeout=60)
    assert up.returncode == 0, output
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in tree):
        time.sleep(0.2)
    left = [p for p in tree if Path(f"/proc/{p}").exists()]
    assert not left, [Path(f"/proc/{p}/cmdline").read_bytes() for p in left]


def test_huey_consumer_runs_worker_module(env, tmp_path):
    consumer = Path(sys.executable).with_name("huey_consumer")
    proc = subprocess.Popen(
        [str(consumer), "worker.huey", "-w", "1"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Wait for the consumer to list its tasks (a busy machine takes seconds to import the
    # worker module), not for a fixed time: a SIGINT during the import proves nothing.
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("audit.checkpoint" in x for x in seen):
            ready, _, _ = select.select([proc.stdout], [], [], 1)
            if ready:
                line = proc.stdout.readline()
                if not line:
                    break
                seen.append(line)
        assert proc.poll() is None, "".join(seen)
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
    assert "audit.checkpoint" in "".join(seen) + rest
