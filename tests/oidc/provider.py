"""A real OpenID Connect provider on loopback: npm's `oidc-provider` in `provider.mjs`,
installed with npm into a cache folder on first use (CI=true: a missing one fails)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import free_port, port_open, require

CACHE = Path(
    os.environ.get("AGREEMENTS_TEST_OIDC_DIR", Path.home() / ".cache/agreements-tests/oidc")
)
SCRIPT = Path(__file__).with_name("provider.mjs")
PACKAGE = "oidc-provider@9"


def _installed() -> bool:
    if (CACHE / "node_modules" / "oidc-provider" / "package.json").exists():
        return True
    npm = shutil.which("npm")
    if npm is None:
        return False
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), PACKAGE],
        capture_output=True,
        timeout=600,
        check=False,
    )
    return done.returncode == 0


@contextmanager
def oidc_provider(redirect_uri: str, client_secret: str) -> Iterator[str]:
    """The provider's issuer URL while it runs, with one client for `redirect_uri`."""
    node = shutil.which("node")
    require("oidc-provider (npm)", node is not None and _installed(), f"node and {PACKAGE}")
    assert node is not None
    shutil.copy(SCRIPT, CACHE / "provider.mjs")  # beside its node_modules: ESM resolves there
    port = free_port()
    proc = subprocess.Popen(
        [node, "provider.mjs", str(port), redirect_uri, client_secret],
        cwd=CACHE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_open("127.0.0.1", port, 0.2):
            assert proc.poll() is None and time.monotonic() < deadline, "the provider did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
