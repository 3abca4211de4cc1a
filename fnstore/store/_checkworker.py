"""The save check, run in a separate, warm, reused worker process with a time limit.

A save runs the code once (:func:`fnstore.store._verify.check_code`).  Run in
the caller's process, code that loops at top level froze the caller, code
that called ``os._exit`` or signalled itself ended it, and a
``KeyboardInterrupt`` raised at top level escaped ``save()``.  So the check
runs here instead, in a child Python process that:

* is started on the first save and reused by later ones (its imports stay
  warm: a save does not pay for a new interpreter);
* is killed and replaced when a check runs past its time limit
  (:class:`~fnstore.errors.CheckTimeoutError`) or the code ends it
  (:class:`~fnstore.errors.CheckCrashedError`);
* loads backends in the safe order (``prepare_imports``, inside ``check_code``)
  and, should an earlier check have loaded them in an order that is unsafe for
  this one, is replaced once and the check run again in a fresh worker;
* dies with its parent: killed at interpreter exit, and it exits by itself
  when its parent is gone (a watchdog thread), even in the middle of a loop;
* belongs to one process: a forked child starts its own, never uses its
  parent's; checks from several threads take turns.

The time limit is ``FNSTORE_CHECK_TIMEOUT`` (seconds), else
:data:`DEFAULT_TIMEOUT`; a store's ``check_timeout`` overrides both.  Messages
travel as length-prefixed JSON on two private pipes, so whatever the code
prints (stdout and stderr go to /dev/null) cannot garble them.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from fnstore.errors import (
    BackendUnavailableError,
    CheckCrashedError,
    CheckTimeoutError,
    InvalidCodeError,
    MissingDependencyError,
    StoreError,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fnstore.manifest import FunctionInfo

__all__ = [
    "DEFAULT_TIMEOUT",
    "check_in_worker",
    "check_timeout_from_env",
    "start_worker",
    "stop_worker",
]

#: Seconds the code being saved may run (imports included) before the check gives up.
DEFAULT_TIMEOUT = 30.0
_ENV = "FNSTORE_CHECK_TIMEOUT"
_START_TIMEOUT = 120.0  # a cold interpreter importing fnstore on a loaded machine
_HEADER = struct.Struct("!I")
# errors the worker sends back by name, re-raised here as the same class
_ERRORS: dict[str, type[Exception]] = {
    cls.__name__: cls for cls in (InvalidCodeError, BackendUnavailableError, MissingDependencyError)
}
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from fnstore.store._checkworker import serve; serve(int(sys.argv[2]), int(sys.argv[3]))"
)


def check_timeout_from_env() -> float:
    """Return the time limit from ``FNSTORE_CHECK_TIMEOUT``, else :data:`DEFAULT_TIMEOUT`."""
    text = os.environ.get(_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):  # NaN too
        raise StoreError(
            f"{_ENV}={text!r} is not a number of seconds above 0: set it to e.g. 30, or unset it"
        )
    return value


class _Worker:
    """One child process and the two pipes to it."""

    def __init__(self) -> None:
        # the folder holding the fnstore package (this file is fnstore/store/_checkworker.py)
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        to_child, self._request = os.pipe()
        self._reply, from_child = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT, root, str(to_child), str(from_child)],
                pass_fds=(to_child, from_child),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                # out of the terminal's process group: Ctrl-C is the caller's to handle
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (to_child, from_child, self._request, self._reply):
                os.close(fd)
            raise StoreError(f"could not start the save check's worker process: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                os.close(to_child)
                os.close(from_child)
        self.owner = os.getpid()
        self.checks = 0
        if self._receive(time.monotonic() + _START_TIMEOUT) != {"ready": True}:
            self.kill()
            raise StoreError("the save check's worker process did not start: try again")

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.proc.poll() is None

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode()
        os.write(self._request, _HEADER.pack(len(data)))
        view = memoryview(data)
        while view:
            view = view[os.write(self._request, view) :]

    def _receive(self, deadline: float | None) -> dict[str, Any] | None:
        """Return the next message; None when the worker closed its pipe (it died)."""
        header = self._read(_HEADER.size, deadline)
        if header is None:
            return None
        body = self._read(_HEADER.unpack(header)[0], deadline)
        return None if body is None else dict(json.loads(body))

    def _read(self, size: int, deadline: float | None) -> bytes | None:
        chunks: list[bytes] = []
        with selectors.DefaultSelector() as selector:
            selector.register(self._reply, selectors.EVENT_READ)
            while size:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and (left <= 0 or not selector.select(left)):
                    raise TimeoutError
                chunk = os.read(self._reply, size)
                if not chunk:
                    return None
                chunks.append(chunk)
                size -= len(chunk)
        return b"".join(chunks)

    def check(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.checks += 1
        try:
            self.send(request)
            reply = self._receive(time.monotonic() + timeout)
        except TimeoutError:
            self.kill()
            raise CheckTimeoutError(
                f"the save check timed out after {timeout:g} s: the code was still running "
                "(an endless loop at top level?), so it was stopped and nothing was saved; make "
                "the module only define things when imported, or raise the limit with "
                f"{_ENV}=<seconds>"
            ) from None
        except (BrokenPipeError, ConnectionError):
            reply = None
        if reply is None:
            raise CheckCrashedError(
                f"the save check's process {self._ending()} while running the code, so nothing "
                "was saved: "
                "remove what exits or kills the process at top level (os._exit, signals...)"
            )
        return reply

    def _ending(self) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            return "stopped answering"
        finally:
            self.close()
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"was killed by {name}"
        return f"exited with code {code}"

    def kill(self) -> None:
        if self.owner == os.getpid():
            with contextlib.suppress(OSError):
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        self.close()

    def close(self) -> None:
        for fd in (self._request, self._reply):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._request = self._reply = -1


class _State:
    """The process's one worker, and the lock its checks take turns on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.worker: _Worker | None = None
        self.inherited: list[_Worker] = []  # a fork's copy of its parent's: never used or reaped


_state = _State()


def _after_fork_in_child() -> None:
    # The parent's worker answers the parent only, and its lock may have been
    # held by another thread at the fork: start afresh.
    if _state.worker is not None:
        _state.inherited.append(_state.worker)
    _state.lock = threading.Lock()
    _state.worker = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def start_worker() -> None:
    """Start this process's worker now, if none is running (a GUI may warm it at start-up)."""
    with _state.lock:
        _running_worker()


def _running_worker() -> _Worker:
    worker = _state.worker
    if worker is None or not worker.alive():
        if worker is not None:
            worker.kill()
        _state.worker = None  # a failed start leaves none behind
        worker = _state.worker = _Worker()
    return worker


def stop_worker() -> None:
    """Kill this process's worker, if any (run at interpreter exit)."""
    with _state.lock:
        worker, _state.worker = _state.worker, None
    if worker is not None:
        worker.kill()


atexit.register(stop_worker)


def check_in_worker(
    code: str, functions: Sequence[FunctionInfo], imports: Sequence[str], timeout: float
) -> list[str]:
    """Run :func:`~fnstore.store._verify.check_code` in the worker; same result, same errors.

    Raises
    ------
    CheckTimeoutError
        The code ran past ``timeout`` seconds (the worker is replaced).
    CheckCrashedError
        The code ended the worker (exit, signal); it is replaced.
    InvalidCodeError, BackendUnavailableError, MissingDependencyError
        As :func:`~fnstore.store._verify.check_code` raises them.
    """
    request = {
        "code": code,
        "functions": [f.model_dump(mode="json") for f in functions],
        "imports": list(imports),
        "path": [p for p in sys.path if isinstance(p, str)],
    }
    with _state.lock:
        for attempt in (1, 2):
            worker = _running_worker()
            try:
                reply = worker.check(request, timeout)
            except (CheckTimeoutError, CheckCrashedError):
                _state.worker = None
                raise
            error = reply.get("error")
            if error is None:
                return [str(name) for name in reply["missing"]]
            # Backends an earlier check loaded may make this one unsafe here
            # (pyclesperanto after tensorflow): a fresh worker loads them in order.
            if error == "BackendUnavailableError" and worker.checks > 1 and attempt == 1:
                worker.kill()
                _state.worker = None
                continue
            break
    cls = _ERRORS.get(str(error), InvalidCodeError)
    if cls is MissingDependencyError:
        raise MissingDependencyError(str(reply.get("package", "?")))
    raise cls(str(reply.get("message", error)))


# -- the worker's side ---------------------------------------------------------------


def serve(requests: int, replies: int) -> None:  # pragma: no cover - runs in the worker
    """Read a request, run the check, answer; until the pipe closes (the worker's loop)."""
    _watch_parent(os.getppid())
    # what every check needs, loaded before 'ready' so that the first check is warm too
    import fnstore.memory  # noqa: F401
    from fnstore._standin import ensure_openhcs_decorators
    from fnstore.manifest import FunctionInfo
    from fnstore.store._verify import check_code

    ensure_openhcs_decorators()

    worker = _Worker.__new__(_Worker)
    worker._request, worker._reply = replies, requests
    worker.send({"ready": True})
    while True:
        try:
            request = worker._receive(None)
        except (OSError, ValueError):
            request = None
        if request is None:
            os._exit(0)  # the parent closed the pipe, or is gone
        sys.path[:] = request["path"]
        try:
            functions = [FunctionInfo.model_validate(f) for f in request["functions"]]
            missing = check_code(request["code"], functions, request["imports"])
            answer: dict[str, Any] = {"missing": missing}
        except MissingDependencyError as exc:
            answer = {"error": "MissingDependencyError", "package": exc.package}
        except (InvalidCodeError, BackendUnavailableError) as exc:
            answer = {"error": type(exc).__name__, "message": str(exc)}
        except BaseException as exc:  # KeyboardInterrupt, GeneratorExit... raised by the code
            answer = {
                "error": "InvalidCodeError",
                "message": f"the code failed when run: it raised {type(exc).__name__}; "
                "fix it and save again",
            }
        worker.send(answer)


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in the worker
    """Exit when the parent is gone, even while user code loops in the main thread."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="fnstore-check-watchdog", daemon=True).start()
