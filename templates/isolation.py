"""Rendering in a child process, so a template that loops for ever or eats memory is stopped.

A Jinja sandbox limits what a template may touch, not how long it runs: nested loops that
print nothing never reach a cooperative check, and a thread cannot be stopped. So every
render runs in a warm child interpreter that is killed at the deadline (and replaced on the
next render), with its address space capped. Children are kept between renders because
starting one costs more than a render; one that ends, errs on memory or overruns is
discarded. A child reads its requests from a pipe, so it ends when its parent does.
"""

from __future__ import annotations

import atexit
import json
import os
import pickle
import resource
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from templates.errors import (
    DocumentError,
    MissingVariables,
    RenderError,
    TemplateInvalid,
    UnsafeInput,
)

_PROGRAM = "from templates.isolation import child_main; child_main()"
_SOURCE_ROOT = str(Path(__file__).resolve().parent.parent)
_CHILD_MEMORY = 1024 * 1024 * 1024
_FRAME = struct.Struct("<Q")
_KEEP_IDLE = 2
_idle: list[_Child] = []
_lock = threading.Lock()


class _Child:
    def __init__(self) -> None:
        paths = [_SOURCE_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed program
            [sys.executable, "-c", _PROGRAM],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            bufsize=0,
        )

    def ask(self, request: bytes, deadline: float, max_answer: int) -> bytes:
        assert self.process.stdin is not None
        self.process.stdin.write(_FRAME.pack(len(request)) + request)
        self.process.stdin.flush()
        (size,) = _FRAME.unpack(self._read(_FRAME.size, deadline))
        if size > max_answer:
            raise RenderError(f"the rendered document is larger than {max_answer:,} bytes")
        return self._read(size, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        chunks, left = [], size
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def run_isolated(request: tuple[Any, ...], *, time_limit: float, max_answer: int) -> bytes:
    """Send `(template_bytes, data, time_limit)` to a child; its DOCX, or its error raised here."""
    child = _take()
    try:
        answer = child.ask(pickle.dumps(request), time.monotonic() + time_limit, max_answer)
    except TimeoutError:
        child.stop()
        raise RenderError(
            f"rendering took longer than {time_limit:g} s and was stopped; "
            "does a loop repeat far more than intended?"
        ) from None
    except (EOFError, OSError):
        child.stop()
        raise RenderError(
            "rendering stopped: the template needs more memory than allowed"
        ) from None
    except BaseException:
        child.stop()
        raise
    _give_back(child)
    if answer[:1] == b"D":
        return answer[1:]
    raise _decode(answer[1:])


def _take() -> _Child:
    with _lock:
        while _idle:
            child = _idle.pop()
            if child.alive():
                return child
    return _Child()


def _give_back(child: _Child) -> None:
    with _lock:
        if child.alive() and len(_idle) < _KEEP_IDLE:
            _idle.append(child)
            return
    child.stop()


@atexit.register
def _stop_all() -> None:
    with _lock:
        children, _idle[:] = list(_idle), []
    for child in children:
        child.stop()


def _forget_after_fork() -> None:
    # A forked process must not talk to its parent's children over the same pipes.
    _idle.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _encode(exc: DocumentError) -> bytes:
    if isinstance(exc, TemplateInvalid):
        fields: dict[str, Any] = {"kind": "invalid", "problems": exc.problems}
    elif isinstance(exc, MissingVariables):
        fields = {"kind": "missing", "names": exc.names}
    elif isinstance(exc, UnsafeInput):
        fields = {"kind": "unsafe", "field": exc.field, "reason": exc.reason}
    else:
        fields = {"kind": "render", "message": str(exc)}
    return json.dumps(fields).encode()


def _decode(payload: bytes) -> DocumentError:
    fields = json.loads(payload)
    if fields["kind"] == "invalid":
        return TemplateInvalid(fields["problems"])
    if fields["kind"] == "missing":
        return MissingVariables(fields["names"])
    if fields["kind"] == "unsafe":
        return UnsafeInput(fields["field"], fields["reason"])
    return RenderError(fields["message"])


def child_main() -> None:
    """The child: framed pickled requests on stdin, framed answers on stdout, until EOF."""
    resource.setrlimit(resource.RLIMIT_AS, (_CHILD_MEMORY, _CHILD_MEMORY))
    # Imported here: the parent never renders itself, only the child does.
    from templates.render import render_here

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(_FRAME.size)
        if len(header) < _FRAME.size:
            return
        (size,) = _FRAME.unpack(header)
        template_bytes, data, time_limit = pickle.loads(stdin.read(size))  # noqa: S301 - our parent
        fatal = False
        try:
            answer = b"D" + render_here(
                template_bytes, data, deadline=time.monotonic() + 0.9 * time_limit
            )
        except DocumentError as exc:
            answer = b"E" + _encode(exc)
        except MemoryError:
            fatal = True
            answer = b"E" + _encode(RenderError("the template needs more memory than allowed"))
        except Exception as exc:  # a library boundary: any failure is a RenderError with its reason
            answer = b"E" + _encode(RenderError(f"rendering failed: {type(exc).__name__}: {exc}"))
        stdout.write(_FRAME.pack(len(answer)) + answer)
        stdout.flush()
        if fatal:
            return
