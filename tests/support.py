"""Helpers shared by the test layers: reaching real services the way CI expects."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(service: str, available: bool, why: str = "") -> None:
    """Skip on a laptop, fail under CI=true, when a real service cannot be reached."""
    if available:
        return
    message = f"{service} is not reachable{': ' + why if why else ''}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_libreoffice() -> None:
    require("LibreOffice", shutil.which("soffice") is not None, "no soffice on PATH")


def require_chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require("Chromium", os.path.exists(path), "no /usr/bin/chromium")
    return path


@contextmanager
def uvicorn_thread(config: Any) -> Iterator[str]:
    """A real uvicorn server for `config` in a thread on loopback; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://{config.host}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
