"""`agreements serve` writes no signing, calendar or login token to its log, access log included."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from agreements import logs
from tests.support import free_port


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AGREEMENTS_DATA_DIR": str(tmp_path),
        "AGREEMENTS_MODE": "development",
        "AGREEMENTS_SECRET_KEY": "",
        "AGREEMENTS_PORT": str(free_port()),
        "AGREEMENTS_LOG_LEVEL": "INFO",
    }


def wait_for(base: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "serve stopped"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    pytest.fail("agreements serve did not answer /healthz within 60 s")


def test_serve_logs_no_token(env: dict[str, str]) -> None:
    init = subprocess.run(
        [sys.executable, "-m", "agreements", "init", "--demo"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    base = f"http://127.0.0.1:{env['AGREEMENTS_PORT']}"
    serve = subprocess.Popen(
        [sys.executable, "-m", "agreements", "serve"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    link = secrets.token_urlsafe(32)  # a link token in the service's own format
    try:
        wait_for(base, serve)
        with httpx.Client(base_url=base) as client:
            login = client.post(
                "/api/v1/auth/login",
                json={"email": "coordinator@demo.example", "password": "demo-wachtwoord"},
            )
            assert login.status_code == 200, login.text
            session = login.json()["token"]
            bearer = {"Authorization": f"Bearer {session}"}
            feed = client.post("/api/v1/auth/calendar-feed", headers=bearer)
            assert feed.status_code == 201, feed.text
            calendar = feed.json()["url"].rsplit("/", 1)[1].removesuffix(".ics")
            assert client.get(f"/calendar/{calendar}.ics").status_code == 200
            for path in ("", "/document.pdf", "/ondertekend.pdf", "/pages/1.png", "/klaar"):
                client.get(f"/s/{link}{path}")
            client.post(f"/s/{link}/sign", data={"typed_name": "Jan"})
            client.cookies.set("agreements_session", session)
            client.get(f"/zaken?token={link}")
    finally:
        serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=30)
    assert f'"GET /calendar/{calendar[:4]}….ics HTTP/1.1" 200' in output, output
    assert f'"GET /s/{link[:4]}…/document.pdf HTTP/1.1"' in output
    assert f'"POST /s/{link[:4]}…/sign HTTP/1.1"' in output
    assert f"/zaken?token={link[:4]}…" in output
    for secret in (link, calendar, session):
        assert secret not in output
        assert secret[:12] not in output


def test_redaction_covers_messages_extras_and_traces() -> None:
    token = secrets.token_urlsafe(32)
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            extras = [v for v in vars(record).values() if isinstance(v, str)]
            records.append(" ".join([self.format(record), *extras]))

    handler = Keep()
    handler.addFilter(logs.RedactSecrets())
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("tests.redaction")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("opened %s", f"https://example.org/s/{token}/document.pdf")
        log.warning("bare token %s in text", token)
        log.warning("header Authorization: Bearer %s", token)
        log.warning("request.failed", extra={"path": f"/calendar/{token}.ics"})
        try:
            raise RuntimeError(f"no such link /s/{token}")
        except RuntimeError:
            log.exception("request.failed")
    finally:
        log.removeHandler(handler)
    text = "\n".join(records)
    assert token not in text and token[:8] not in text
    assert f"/s/{token[:4]}…/document.pdf" in text and f"/calendar/{token[:4]}….ics" in text
    assert "RuntimeError: no such link" in text
    # Redacting twice (a record passing two handlers) changes nothing more.
    once = logs.redact(f"/s/{token} Bearer {token}")
    assert logs.redact(once) == once
    # Digests and task ids are kept: they are not secrets and they correlate.
    digest, task = "a" * 64, "0b7e4f6c-2d2a-4a57-9e0d-5f3a7c1e9b21"
    assert logs.redact(f"{digest} {task}") == f"{digest} {task}"
