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
    base = f"http://127.0.0.1:{env['AGREEMENTS_PORT']}"
    up = subprocess.Popen(
        [sys.executable, "-m", "agreements", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("agreements up did not serve /healthz within 60 s")
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
