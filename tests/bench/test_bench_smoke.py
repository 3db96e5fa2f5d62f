"""Every benchmark in bench/ runs in its smoke mode and exits 0, so that none of them rots.

They are run as a user runs them (a child process from the repository root); the figures
are not checked here (speed is measured in bench/, not asserted in tests), only that each
one runs to its end on loopback without a crash.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (script, smallest arguments, timeout in seconds); about two minutes together on 2 cores.
SMOKE = [
    ("documents.py", ["--quick"], 240),
    ("signing.py", ["--quick"], 240),
    ("seal.py", [], 120),
    ("reminders.py", ["--agreements", "2000"], 240),
    ("load.py", ["--quick", "--seconds", "2"], 180),
    ("load.py", ["--quick", "--seconds", "2", "--database", "postgresql"], 180),
    ("audit.py", ["--quick", "--entries", "20000"], 180),
]


def test_every_benchmark_is_listed() -> None:
    assert {script for script, _, _ in SMOKE} == {p.name for p in (ROOT / "bench").glob("*.py")}


@pytest.mark.libreoffice
@pytest.mark.postgres
@pytest.mark.parametrize(
    ("script", "args", "timeout"), SMOKE, ids=[f"{s} {' '.join(a)}" for s, a, _ in SMOKE]
)
def test_benchmark_smoke_run(script: str, args: list[str], timeout: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGREEMENTS_")}
    if "AGREEMENTS_TEST_POSTGRES_URL" in os.environ:  # the server the tests were pointed at
        env["AGREEMENTS_BENCH_POSTGRES_URL"] = os.environ["AGREEMENTS_TEST_POSTGRES_URL"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    said = (done.stdout + done.stderr)[-3000:]
    assert done.returncode == 0, said
    assert "Traceback" not in done.stderr, said
