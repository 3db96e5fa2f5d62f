"""LibreOffice dying under a conversion, converters restarting, and an idle worker: real ones."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from templates.errors import ConversionError
from templates.pool import ConverterPool
from tests.converters import assert_no_leftovers, make_docx, pdf_text, wait_for
from tests.support import require_libreoffice

ARTICLE = "De huurder betaalt de huur op tijd en laat de buren met rust. " * 30
# Long enough (a few seconds on a busy machine) to be killed in the middle of.
LONG = make_docx(*(f"Artikel {n}. {ARTICLE}" for n in range(400)), "Einde van de overeenkomst")


def soffice_bins(group: int) -> list[int]:
    """LibreOffice's own process (soffice.bin) in a converter's process group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if (entry / "comm").read_text().strip() == "soffice.bin" and os.getpgid(
                int(entry.name)
            ) == group:
                found.append(int(entry.name))
    return found


def state(pool: ConverterPool) -> str:
    return pool.status()[0].state


@pytest.fixture(scope="module")
def single() -> Iterator[ConverterPool]:
    """One converter, so a retry can only succeed on a restarted one; two tries per document."""
    require_libreoffice()
    with ConverterPool(size=1, attempts=2, conversion_timeout=60, start_timeout=90) as pool:
        assert pool.workdir is not None
        workdir = pool.workdir
        yield pool
    assert_no_leftovers(workdir)


def kill_libreoffice_when_busy(pool: ConverterPool, times: int) -> threading.Thread:
    """Kill soffice.bin (only it: its server lives on) each time a conversion is under way."""

    def kill_once() -> None:
        wait_for(lambda: state(pool) == "busy", 120)
        group = pool.status()[0].pid
        assert group is not None
        time.sleep(0.3)
        wait_for(lambda: bool(soffice_bins(group)), 10)
        for pid in soffice_bins(group):
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: pool.status()[0].pid != group, 60)

    def killer() -> None:
        for _ in range(times):
            kill_once()

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    return thread


def test_libreoffice_killed_mid_conversion_the_document_comes_out_of_a_restarted_converter(
    single: ConverterPool, caplog: pytest.LogCaptureFixture
) -> None:
    wait_for(lambda: state(single) == "idle")
    first = single.status()[0].pid
    killer = kill_libreoffice_when_busy(single, times=1)
    pdf = single.convert(LONG)
    killer.join(5)
    assert "Einde van de overeenkomst" in pdf_text(pdf)
    assert single.status()[0].pid != first
    retries = [r for r in caplog.records if getattr(r, "event", "") == "conversion.retry"]
    assert len(retries) == 1 and "stopped during the conversion" in retries[0].fields["reason"]


def test_a_document_that_crashes_libreoffice_every_time_fails_in_bounded_time(
    single: ConverterPool,
) -> None:
    wait_for(lambda: state(single) == "idle")
    killer = kill_libreoffice_when_busy(single, times=2)
    began = time.monotonic()
    with pytest.raises(ConversionError, match="stopped 2 times while converting this document"):
        single.convert(LONG)
    assert time.monotonic() - began < 120
    killer.join(5)
    wait_for(lambda: state(single) == "idle", 90)
    assert "Daarna weer" in pdf_text(single.convert(make_docx("Daarna weer")))


def test_requests_while_the_only_converter_restarts_wait_and_succeed(
    single: ConverterPool,
) -> None:
    wait_for(lambda: state(single) == "idle")
    old = single.status()[0].pid
    assert old is not None
    os.killpg(old, signal.SIGKILL)
    wait_for(lambda: state(single) == "starting" and single.status()[0].pid not in (None, old))
    with ThreadPoolExecutor(max_workers=1) as executor:
        # Asked in the restart window; then that restart fails too (killed while starting).
        waiting = executor.submit(single.convert, make_docx("Tijdens de herstart"))
        time.sleep(0.5)
        restarting = single.status()[0].pid
        assert restarting is not None
        os.killpg(restarting, signal.SIGKILL)
        assert "Tijdens de herstart" in pdf_text(waiting.result(timeout=120))
    assert single.status()[0].pid not in (old, restarting)


def test_a_worker_idle_for_longer_than_hueys_default_backoff_starts_a_render_within_a_second(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "AGREEMENTS_DATA_DIR": str(tmp_path),
        "AGREEMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'agreements.db'}",
        "AGREEMENTS_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
        "AGREEMENTS_LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-m", "agreements"]
    init = subprocess.run([*command, "init"], env=env, capture_output=True, timeout=120)
    assert init.returncode == 0, init.stderr
    worker = subprocess.Popen(
        [*command, "worker", "-w", "1"], env=env, stderr=subprocess.PIPE, text=True
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert worker.stderr is not None
        for line in worker.stderr:
            lines.append((time.monotonic(), line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("consumer started" in line for _, line in lines), 30)
        # Idle this long, huey's default backoff polls every 2.35 s (growing to 10 s); ours
        # polls at least every 0.5 s.
        time.sleep(15)
        # As the web app does: a render of a version (one that does not exist: the task then
        # has nothing to do, which is all this test needs). CLOCK_MONOTONIC is system-wide.
        enqueue = (
            "import time; from agreements.tasks import render_document; "
            "task = render_document(987654); print(task.id, time.monotonic(), flush=True)"
        )
        asked = subprocess.run(
            [sys.executable, "-c", enqueue], env=env, capture_output=True, text=True, timeout=60
        )
        assert asked.returncode == 0, asked.stderr
        task_id, at = asked.stdout.split()
        pattern = re.compile(rf"Executing .*documents\.render: {task_id}")
        wait_for(lambda: any(pattern.search(line) for _, line in lines), 10)
        started = next(when for when, line in lines if pattern.search(line))
        assert started - float(at) < 1.0, f"picked up after {started - float(at):.2f} s"
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(30)
