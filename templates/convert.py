"""DOCX -> PDF with LibreOffice: one warm converter (local or remote unoserver), a cold one-shot."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import importlib.util
import io
import logging
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from pathlib import Path

from pypdf import PdfReader

from templates.errors import (
    ConversionError,
    ConversionTimeout,
    ConverterLost,
    ConverterUnavailable,
)
from templates.for_pdf import PDF_EXPORT_FILTER, export_json, export_options, prepare_docx
from templates.processes import end_process_group, launch

log = logging.getLogger(__name__)

SOFFICE_MISSING = (
    "LibreOffice (soffice) is not installed; run `make run` or install libreoffice-writer-nogui"
)
DEBIAN_PYTHON = "/usr/bin/python3"
LOOPBACK = "127.0.0.1"
_DOCX_MAGIC = b"PK\x03\x04"
# unoserver's own limit is only a backstop for a client that went away mid-call; the
# client-side socket timeout fires first and the pool replaces the converter.
_SERVER_TIMEOUT_MARGIN = 10.0
# unoserver runs under this watchdog: when the process that started it dies (even by SIGKILL),
# the server and its LibreOffice get this long to stop, then their process group is killed.
_GUARD = Path(__file__).with_name("converter_guard.py")
_ORPHAN_GRACE = 5.0
_PING_AFTER_FAULT = 5.0


def log_event(logger: logging.Logger, level: int, event: str, **fields: object) -> None:
    """Log one structured event: a dotted name, then key=value pairs (also kept on the record)."""
    pairs = " ".join(f"{key}={value}" for key, value in fields.items())
    logger.log(level, "%s %s", event, pairs, extra={"event": event, "fields": fields})


def require_docx(docx: bytes) -> None:
    """Refuse input that is not a DOCX: LibreOffice would happily typeset garbage as plain text."""
    if not docx.startswith(_DOCX_MAGIC):
        raise ConversionError("the input is not a DOCX (Word) file")


def accept_pdf(data: bytes | None, *, source: str = "LibreOffice") -> bytes:
    """Return `data` if it is a non-empty PDF that pypdf opens, else raise ConversionError."""
    if not data:
        raise ConversionError(f"{source} produced no PDF (empty output)")
    try:
        pages = len(PdfReader(io.BytesIO(data)).pages)
    except Exception as exc:  # pypdf raises many exception types on a broken file
        raise ConversionError(
            f"{source} produced a file that is not a readable PDF: {exc}"
        ) from exc
    if pages == 0:
        raise ConversionError(f"{source} produced a PDF without pages")
    return data


def find_soffice(soffice: str = "soffice") -> str:
    """The full path of the LibreOffice executable, or ConverterUnavailable saying it is missing."""
    path = shutil.which(soffice)
    if path is None:
        raise ConverterUnavailable(f"{SOFFICE_MISSING} (looked for {soffice!r})")
    return path


def default_python() -> str:
    """An interpreter that can `import uno`: this one when it can, else Debian's own."""
    return sys.executable if importlib.util.find_spec("uno") is not None else DEBIAN_PYTHON


def check_python(python: str) -> None:
    """Fail plainly when `python` cannot run unoserver's server (it needs LibreOffice's bridge)."""
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command; the interpreter comes from settings
            [python, "-c", "import uno, unoserver.server"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        works = done.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        works = False
    if not works:
        raise ConverterUnavailable(
            f"the Python at {python} cannot run unoserver: it needs LibreOffice's Python bridge "
            "(`import uno`, Debian package python3-uno) and the unoserver package; build the "
            "virtualenv from /usr/bin/python3 with --system-site-packages or set the converter "
            "interpreter"
        )


def remove_ipc_pipe(profile: Path) -> None:
    """Remove the socket LibreOffice leaves in /tmp for a profile, which TMPDIR does not move.

    Its name is LibreOffice's own: the MD5 of the profile URL in UTF-16, in unpadded hex.
    """
    digest = hashlib.md5(profile.as_uri().encode("utf-16-le"), usedforsecurity=False).digest()
    name = f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_{''.join(f'{byte:x}' for byte in digest)}"
    for folder in ("/tmp", "/var/tmp"):  # noqa: S108 - LibreOffice's fixed places, not ours
        with contextlib.suppress(OSError):
            (Path(folder) / name).unlink()


def _free_ports(count: int) -> list[int]:
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((LOOPBACK, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class _TimeoutTransport(xmlrpc.client.Transport):
    """xmlrpc.client has no timeout of its own; a hung converter would block its caller forever."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: str | tuple[str, dict[str, str]]) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


class Converter:
    """One unoserver endpoint; it converts one document at a time, so the pool hands it out."""

    restartable = False

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.conversions = 0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The process (group) id of a local converter; None for a remote one."""
        return None

    def alive(self) -> bool:
        """A cheap check without a round trip; only a local converter can know."""
        return True

    def start(self, timeout: float, cancel: threading.Event | None = None) -> None:
        self.conversions = 0
        self._wait_ready(timeout, cancel)

    def stop(self, grace: float = 5.0) -> None:
        """Nothing to stop for a converter someone else runs."""

    def ping(self, timeout: float = 5.0) -> bool:
        """True when the server answers `info`, which also asks LibreOffice for its version."""
        try:
            info = self._proxy(timeout).info()
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            return False
        return isinstance(info, dict) and "unoserver" in info

    def convert(self, docx: bytes, timeout: float) -> bytes:
        """Convert one DOCX to PDF; raises ConversionTimeout, ConverterLost or ConversionError."""
        try:
            # Positional, as unoserver's XML-RPC API expects: inpath, indata, outpath,
            # convert_to, filtername, filter_options, update_index, infiltername, password.
            result = self._proxy(timeout).convert(
                None,
                xmlrpc.client.Binary(prepare_docx(docx)),
                None,
                "pdf",
                PDF_EXPORT_FILTER,
                export_options(),
                True,
                None,
                None,
            )
        except TimeoutError as exc:
            raise ConversionTimeout(f"the conversion took longer than {timeout:g} s") from exc
        except xmlrpc.client.Fault as exc:
            if "TimeoutError" in exc.faultString:
                raise ConversionTimeout(
                    "the converter gave up: the conversion took too long"
                ) from exc
            # LibreOffice can die (a crash, a kill) while its server lives on and reports the
            # broken bridge as a fault: the document is to blame only if the converter still
            # answers, which `info` checks by asking LibreOffice.
            if not self.alive() or not self.ping(_PING_AFTER_FAULT):
                raise ConverterLost(
                    f"LibreOffice of converter {self.name} stopped during the conversion"
                ) from exc
            reason = exc.faultString.strip().splitlines()[-1][:300]
            raise ConversionError(f"LibreOffice could not convert the document: {reason}") from exc
        except (OSError, xmlrpc.client.Error, http.client.HTTPException) as exc:
            raise ConverterLost(f"converter {self.name} stopped answering: {exc}") from exc
        self.conversions += 1
        data = result.data if isinstance(result, xmlrpc.client.Binary) else None
        return accept_pdf(data)

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        # Talking XML-RPC directly rather than through unoserver's UnoClient saves its
        # `info` round trip (a filter listing) before every conversion.
        return xmlrpc.client.ServerProxy(
            f"http://{self.address}", transport=_TimeoutTransport(timeout), allow_none=True
        )

    def _wait_ready(self, timeout: float, cancel: threading.Event | None) -> None:
        deadline = time.monotonic() + timeout
        while not self.ping(timeout=min(2.0, max(0.1, deadline - time.monotonic()))):
            if not self.alive():
                raise ConverterUnavailable(f"converter {self.name} exited while starting")
            if cancel is not None and cancel.is_set():
                raise ConverterUnavailable(f"converter {self.name}: start cancelled")
            if time.monotonic() >= deadline:
                raise ConverterUnavailable(
                    f"converter {self.name} at {self.address} did not answer within {timeout:g} s"
                )
            time.sleep(0.1)


class RemoteConverter(Converter):
    """A unoserver someone else runs (another host); the pool only uses and health-checks it."""

    @classmethod
    def parse(cls, address: str) -> RemoteConverter:
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a remote converter address must be host:port, not {address!r}")
        # An IPv6 host keeps its brackets: the address becomes part of a URL.
        return cls(f"remote-{host}:{port}", host, int(port))


class LocalConverter(Converter):
    """A unoserver process with its own LibreOffice, profile, temp dir and loopback ports."""

    restartable = True

    def __init__(
        self,
        name: str,
        *,
        soffice: str,
        python: str,
        workdir: Path,
        conversion_timeout: float,
    ) -> None:
        super().__init__(name, LOOPBACK, 0)
        self._soffice = soffice
        self._python = python
        self._workdir = workdir
        self._server_timeout = math.ceil(conversion_timeout + _SERVER_TIMEOUT_MARGIN)
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float, cancel: threading.Event | None = None) -> None:
        self.stop(grace=0)
        # A fresh profile per process: two LibreOffices sharing one fail silently.
        self._dir = Path(tempfile.mkdtemp(prefix=f"{self.name}-", dir=self._workdir))
        (self._dir / "tmp").mkdir()
        self.port, uno_port = _free_ports(2)
        command = [
            self._python, str(_GUARD), str(os.getpid()), str(_ORPHAN_GRACE),
            "-m", "unoserver.server",
            "--interface", LOOPBACK, "--uno-interface", LOOPBACK,
            "--port", str(self.port), "--uno-port", str(uno_port),
            "--executable", self._soffice,
            "--user-installation", str(self._dir / "profile"),
            "--temp-dir", str(self._dir / "tmp"),
            "--conversion-timeout", str(self._server_timeout),
        ]  # fmt: skip
        # LibreOffice puts its own temp files and IPC pipe in TMPDIR: keep them in our folder.
        env = {**os.environ, "TMPDIR": str(self._dir / "tmp")}
        with open(self._dir / "server.log", "wb") as output:
            # Its own process group, so a kill takes soffice too; told to stop (and stop
            # LibreOffice) when this process dies, even by SIGKILL, and its group killed
            # should it not manage to (converter_guard).
            self._process = launch(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env
            )
        try:
            super().start(timeout, cancel)
        except ConverterUnavailable:
            if cancel is None or not cancel.is_set():
                log_event(log, logging.WARNING, "converter.start_log", converter=self.name,
                      tail=repr(self._log_tail()))  # fmt: skip
            self.stop(grace=0)
            raise

    def stop(self, grace: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is not None:
            end_process_group(process, grace)
        if self._dir is not None:
            remove_ipc_pipe(self._dir / "profile")
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _log_tail(self, size: int = 600) -> str:
        if self._dir is None:
            return ""
        try:
            return (self._dir / "server.log").read_bytes()[-size:].decode("utf-8", "replace")
        except OSError:
            return ""


def convert_cold(docx: bytes, *, soffice: str = "soffice", timeout: float = 120.0) -> bytes:
    """Convert with a one-shot `soffice --convert-to pdf`, own profile (slow; the reference)."""
    require_docx(docx)
    executable = find_soffice(soffice)
    with tempfile.TemporaryDirectory(prefix="templates-cold-") as folder:
        root = Path(folder)
        source = root / "document.docx"
        source.write_bytes(prepare_docx(docx))
        command = [
            executable, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--convert-to", f"pdf:{PDF_EXPORT_FILTER}:{export_json()}",
            "--outdir", str(root / "out"), str(source),
        ]  # fmt: skip
        # oosplash (what the soffice script becomes) takes soffice.bin down on SIGTERM.
        process = launch(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TMPDIR": folder},
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            end_process_group(process, grace=0)
            raise ConversionTimeout(f"soffice took longer than {timeout:g} s") from exc
        finally:
            remove_ipc_pipe(root / "profile")
        target = root / "out" / "document.pdf"
        if not target.exists():
            said = output.decode("utf-8", "replace").strip()[-300:]
            raise ConversionError(f"soffice made no PDF (exit {process.returncode}): {said}")
        return accept_pdf(target.read_bytes(), source="soffice")
