"""Run a module (unoserver's server) so that it and its process group die with their owner.

`python converter_guard.py OWNER_PID GRACE -m MODULE ARGS...` runs MODULE as `python -m` would,
in this process, with a watchdog thread. When OWNER_PID is no longer our parent (it died,
even by SIGKILL, and we were reparented), the watchdog gives the process GRACE seconds to
stop by itself (its parent-death signal asked it to) and then kills our whole process group:
the server, LibreOffice's oosplash and soffice.bin. A server that stops by itself first does
the same on its way out. unoserver alone does not manage this: a SIGTERM while it starts
LibreOffice leaves it and oosplash waiting for ever.

Run by path with any interpreter that can run unoserver (Debian's own, say): standard
library only, and nothing of this folder is imported.
"""

from __future__ import annotations

import atexit
import os
import runpy
import signal
import sys
import threading
import time

_POLL = 0.25  # seconds between checks of our parent


def _kill_group() -> None:
    # We lead our own session and process group (the launcher starts us so): this is us and
    # everything we started.
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _watch(owner: int, grace: float) -> None:
    while os.getppid() == owner:
        time.sleep(_POLL)
    time.sleep(grace)
    _kill_group()


def _kill_group_if_orphaned(owner: int) -> None:
    if os.getppid() != owner:
        _kill_group()


def main(argv: list[str]) -> None:
    if len(argv) < 5 or argv[3] != "-m":
        sys.exit("usage: converter_guard.py OWNER_PID GRACE -m MODULE [ARGS...]")
    owner, grace, module = int(argv[1]), float(argv[2]), argv[4]
    # Running by path put this folder first on sys.path: its modules must not shadow others.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    threading.Thread(target=_watch, args=(owner, grace), name="owner-watch", daemon=True).start()
    atexit.register(_kill_group_if_orphaned, owner)
    sys.argv = [module, *argv[5:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv)
