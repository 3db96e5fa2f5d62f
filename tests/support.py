"""Helpers shared by the test layers: reaching real services the way CI expects."""

from __future__ import annotations

import os
import shutil
import socket

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
