"""The converter pool: warm LibreOffice converters shared by threads, supervised and recycled."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

from templates.convert import (
    Converter,
    LocalConverter,
    RemoteConverter,
    check_python,
    default_python,
    find_soffice,
    log_event,
    require_docx,
)
from templates.errors import (
    ConversionError,
    ConversionTimeout,
    ConverterLost,
    ConverterUnavailable,
)

log = logging.getLogger(__name__)
# A dead local process is noticed by a free check this often; the XML-RPC ping is rarer.
_WATCH_INTERVAL = 1.0


@dataclass(frozen=True)
class ConverterStatus:
    """What one converter is doing, for health pages and tests."""

    name: str
    address: str
    state: Literal["idle", "busy", "starting", "down"]
    conversions: int
    pid: int | None


class ConverterPool:
    """Hands each conversion to a free converter; restarts the dead, the hung and the worn out.

    Local converters (one per core by default) are unoserver processes the pool starts;
    `remote` lists `host:port` addresses of unoservers run elsewhere, used instead.
    Thread-safe: web handlers and workers share one pool.
    """

    def __init__(
        self,
        *,
        size: int | None = None,
        remote: Sequence[str] = (),
        soffice: str = "soffice",
        python: str | None = None,
        conversion_timeout: float = 60.0,
        acquire_timeout: float = 60.0,
        start_timeout: float = 60.0,
        recycle_after: int = 200,
        health_interval: float = 30.0,
        attempts: int = 3,
    ) -> None:
        """Configure the pool; nothing starts before `start()` or the first conversion.

        size: local converters to run (default: one per usable core); ignored when `remote` is set.
        remote: addresses (host:port) of unoservers already running elsewhere.
        soffice: the LibreOffice executable; python: an interpreter that can `import uno`.
        conversion_timeout: default limit for one conversion; past it the converter is killed.
        acquire_timeout: how long a caller waits for a free converter.
        start_timeout: how long a converter may take to answer after it starts.
        recycle_after: a local converter is restarted after this many conversions (memory).
        health_interval: seconds between health checks of idle and down converters.
        attempts: tries of one conversion when converters die under it (a crash, a kill).
        """
        if recycle_after < 1 or attempts < 1 or (size is not None and size < 1):
            raise ValueError("size, recycle_after and attempts must be at least 1")
        self._attempts = attempts
        self._remote = [RemoteConverter.parse(address) for address in remote]
        self._size = size or len(os.sched_getaffinity(0)) or 1
        self._soffice = soffice
        self._python = python
        self.conversion_timeout = conversion_timeout
        self._acquire_timeout = acquire_timeout
        self._start_timeout = start_timeout
        self._recycle_after = recycle_after
        self._health_interval = health_interval
        self._lock = threading.Condition()
        self._start_lock = threading.Lock()
        self._converters: list[Converter] = []
        self._idle: deque[Converter] = deque()
        self._busy: set[Converter] = set()
        self._starting: set[Converter] = set()
        self._down: set[Converter] = set()
        self._threads: set[threading.Thread] = set()
        self._closing = threading.Event()
        self._started = False
        self._last_failure = "every converter failed or stopped"
        self.workdir: Path | None = None

    def __enter__(self) -> ConverterPool:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start every converter and wait until each answers; ConverterUnavailable if none does."""
        with self._start_lock:
            if self._started:
                return
            if self._closing.is_set():
                raise ConverterUnavailable("the converter pool is closed")
            converters: list[Converter] = [*self._remote] or self._local_converters()
            with self._lock:
                self._converters = converters
                self._starting.update(converters)
            for thread in [self._spawn(self._start_one, each, 0.0) for each in converters]:
                thread.join()
            with self._lock:
                running, reason = bool(self._idle), self._last_failure
            if not running:
                self._forget()  # a later conversion tries again: LibreOffice may be back
                raise ConverterUnavailable(f"no LibreOffice converter could start: {reason}")
            self._started = True
            # Our converters stop with this process however it ends normally; a SIGKILL is
            # answered by their parent-death signal (templates.processes).
            atexit.register(self.close)
            self._spawn(self._supervise)

    def convert(self, docx: bytes, timeout: float | None = None) -> bytes:
        """Convert a DOCX to PDF on a free converter; when one dies mid-way, again on another.

        A document that makes LibreOffice crash every time fails after `attempts` tries,
        saying so, rather than taking every converter down for ever.
        """
        require_docx(docx)
        if not self._started:
            self.start()
        limit = timeout or self.conversion_timeout
        lost: ConverterLost | None = None
        for attempt in range(1, self._attempts + 1):
            converter = self._acquire()
            began = time.perf_counter()
            try:
                pdf = converter.convert(docx, limit)
            except ConverterLost as exc:
                self._replace(converter, "lost")
                log_event(log, logging.WARNING, "conversion.retry", converter=converter.name,
                          attempt=attempt, reason=str(exc))  # fmt: skip
                lost = exc
                continue
            except ConversionTimeout:
                self._replace(converter, "timeout")
                raise
            except ConversionError:
                self._release(converter)  # the document was at fault, not the converter
                raise
            except BaseException:
                self._replace(converter, "unexpected error")
                raise
            self._release(converter)
            log_event(log, logging.DEBUG, "conversion.done", converter=converter.name,
                      seconds=f"{time.perf_counter() - began:.3f}", bytes=len(pdf))  # fmt: skip
            return pdf
        raise ConversionError(
            f"LibreOffice stopped {self._attempts} times while converting this document, each "
            f"time on a fresh converter; the document itself makes it crash ({lost})"
        )

    def status(self) -> list[ConverterStatus]:
        """A snapshot of every converter, in start order."""
        with self._lock:
            return [self._status(converter) for converter in self._converters]

    def close(self) -> None:
        """Stop every local converter (and its LibreOffice), wait for restarts, remove profiles."""
        with self._lock:
            self._closing.set()
            converters = list(self._converters)
            self._idle.clear()
            self._lock.notify_all()
        current = threading.current_thread()
        for thread in list(self._threads):
            if thread is not current:
                thread.join()
        stoppers = [self._spawn(converter.stop) for converter in converters]
        for thread in stoppers:
            thread.join()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        atexit.unregister(self.close)
        log_event(log, logging.INFO, "pool.closed", converters=len(converters))

    def _forget(self) -> None:
        """Undo a start in which no converter came up (each stopped itself already)."""
        with self._lock:
            converters, self._converters = self._converters, []
            self._idle.clear()
            self._starting.clear()
            self._down.clear()
        for converter in converters:
            converter.stop(grace=0)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _local_converters(self) -> list[Converter]:
        soffice = find_soffice(self._soffice)
        python = self._python or default_python()
        check_python(python)
        self.workdir = Path(tempfile.mkdtemp(prefix="templates-converters-"))
        return [
            LocalConverter(
                f"converter-{number}",
                soffice=soffice,
                python=python,
                workdir=self.workdir,
                conversion_timeout=self.conversion_timeout,
            )
            for number in range(1, self._size + 1)
        ]

    def _spawn(self, target: Callable[..., object], *args: object) -> threading.Thread:
        def run() -> None:
            try:
                target(*args)
            finally:
                with self._lock:
                    self._threads.discard(thread)

        thread = threading.Thread(target=run, name="converter-pool", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return thread

    def _acquire(self) -> Converter:
        deadline = time.monotonic() + self._acquire_timeout
        revived = False
        with self._lock:
            while True:
                if self._closing.is_set():
                    raise ConverterUnavailable("the converter pool is closed")
                while self._idle:
                    converter = self._idle.popleft()
                    if converter.alive():
                        self._busy.add(converter)
                        return converter
                    self._restart_locked(converter, "died while idle")
                if self._down and not revived:
                    # A caller who has to wait brings failed converters back now, not at the
                    # next health check; once, so a LibreOffice that cannot start fails fast.
                    revived = True
                    for converter in list(self._down):
                        self._restart_locked(converter, "needed now")
                if not self._busy and not self._starting:
                    raise ConverterUnavailable(
                        f"no LibreOffice converter could be started: {self._last_failure}"
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ConversionTimeout(
                        f"no converter became free within {self._acquire_timeout:g} s"
                    )
                self._lock.wait(remaining)

    def _release(self, converter: Converter) -> None:
        with self._lock:
            self._busy.discard(converter)
            if converter.restartable and converter.conversions >= self._recycle_after:
                self._restart_locked(converter, "recycle")
            elif not self._closing.is_set():
                self._idle.append(converter)
                self._lock.notify()

    def _replace(self, converter: Converter, reason: str) -> None:
        with self._lock:
            self._busy.discard(converter)
            self._restart_locked(converter, reason)

    def _restart_locked(self, converter: Converter, reason: str) -> None:
        if self._closing.is_set() or converter in self._starting:
            return
        self._down.discard(converter)
        self._starting.add(converter)
        log_event(log, logging.INFO, "converter.restarting", converter=converter.name,
                  reason=reason, conversions=converter.conversions)  # fmt: skip
        self._spawn(self._start_one, converter, 1.0)

    def _start_one(self, converter: Converter, grace: float) -> None:
        began = time.perf_counter()
        converter.stop(grace=grace)
        try:
            converter.start(self._start_timeout, self._closing)
        except ConverterUnavailable as exc:
            failure: ConverterUnavailable | None = exc
        else:
            failure = None
        with self._lock:
            self._starting.discard(converter)
            if failure is not None:
                self._down.add(converter)
                self._last_failure = str(failure)
            elif not self._closing.is_set():
                self._idle.append(converter)
            self._lock.notify_all()
        if failure is not None and self._closing.is_set():
            log_event(log, logging.DEBUG, "converter.start_cancelled", converter=converter.name)
        elif failure is not None:
            log_event(log, logging.ERROR, "converter.start_failed", converter=converter.name,
                      reason=str(failure))  # fmt: skip
        else:
            log_event(log, logging.INFO, "converter.started", converter=converter.name,
                      address=converter.address, pid=converter.pid,
                      seconds=f"{time.perf_counter() - began:.2f}")  # fmt: skip

    def _supervise(self) -> None:
        last_ping = time.monotonic()
        while not self._closing.wait(_WATCH_INTERVAL):
            with self._lock:
                for converter in [each for each in self._idle if not each.alive()]:
                    self._idle.remove(converter)
                    self._restart_locked(converter, "died while idle")
            if time.monotonic() - last_ping >= self._health_interval:
                last_ping = time.monotonic()
                self._check_health()

    def _check_health(self) -> None:
        with self._lock:
            for converter in list(self._down):
                self._restart_locked(converter, "retry after failed start")
            checking = list(self._idle)
        # One at a time, so callers still find the others free meanwhile.
        for converter in checking:
            with self._lock:
                if converter not in self._idle:
                    continue
                self._idle.remove(converter)
                self._busy.add(converter)
            if converter.alive() and converter.ping():
                self._release(converter)
            else:
                self._replace(converter, "failed health check")

    def _status(self, converter: Converter) -> ConverterStatus:
        if converter in self._busy:
            state: Literal["idle", "busy", "starting", "down"] = "busy"
        elif converter in self._starting:
            state = "starting"
        elif converter in self._down:
            state = "down"
        else:
            state = "idle"
        return ConverterStatus(
            converter.name, converter.address, state, converter.conversions, converter.pid
        )
