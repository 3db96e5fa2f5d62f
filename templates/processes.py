"""Child processes that cannot outlive us: own process group, parent-death signal, one launcher."""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def _prctl() -> Any:
    """libc's prctl, looked up once in the parent: a forked child must not load libraries."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    function.restype = ctypes.c_int
    return function


_PRCTL = _prctl()


def parent_death_signal(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel send `signum` to the child when we die, even by SIGKILL.

    Linux only (None elsewhere). The kernel sends it when the *thread* that started the child
    ends, so start such children through `launch`, whose thread lives as long as the process.
    """
    if _PRCTL is None:
        return None
    parent, prctl = os.getpid(), _PRCTL

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, signum, 0, 0)
        if os.getppid() != parent:  # we died between fork and prctl: nobody would send it
            os.kill(os.getpid(), signum)

    return arm


class _Launcher:
    """Starts child processes from one daemon thread that ends only with the process."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the thread and its queue (a forked child has neither)."""
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def run(self, start: Callable[[], Any]) -> Any:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, args=(self._jobs,), name="launcher", daemon=True
                )
                self._thread.start()
            if threading.current_thread() is self._thread:
                return start()
            future: Future[Any] = Future()
            self._jobs.put((future, start))
        return future.result()

    @staticmethod
    def _serve(jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]]) -> None:
        while True:
            future, start = jobs.get()
            try:
                future.set_result(start())
            except BaseException as exc:  # handed to the caller, who raises it
                future.set_exception(exc)


_launcher = _Launcher()
os.register_at_fork(after_in_child=_launcher.reset)


def launch(
    command: Sequence[str], *, death_signal: int = signal.SIGTERM, **popen: Any
) -> subprocess.Popen[bytes]:
    """`subprocess.Popen` in its own session (process group), told to stop when we die.

    `death_signal` reaches the child itself, not what it starts: send one it handles by
    stopping its own children (unoserver stops LibreOffice on SIGTERM).
    """
    arm = parent_death_signal(death_signal)
    return _launcher.run(  # type: ignore[no-any-return]
        lambda: subprocess.Popen(  # noqa: S603 - callers pass fixed commands, no shell
            list(command), start_new_session=True, preexec_fn=arm, **popen
        )
    )


def end_process_group(process: subprocess.Popen[Any], grace: float) -> None:
    """Stop a process started in its own session, and everything it started, leaving no zombie."""
    if process.poll() is None and grace > 0:
        # SIGTERM lets unoserver stop LibreOffice and reap it itself, so nothing is orphaned.
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    # Whatever is left (a hung soffice.bin) goes with the group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
