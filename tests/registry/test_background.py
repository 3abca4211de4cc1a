"""The registry's background cache writer survives a fork (os.register_at_fork)."""

from __future__ import annotations

import os
import threading
import time
import warnings
from typing import TYPE_CHECKING

from fnstore.registry import _background

if TYPE_CHECKING:
    from pathlib import Path

# How long the child waits for its writer before giving up (a guard against a
# hang, not a speed target: the writer runs after _background.DELAY seconds).
_PATIENCE = 20.0


def _child_writes(target: Path, parents_work: Path) -> int:
    """In a forked child: queue one write, wait for the writer; exit 0 if it landed."""
    _background.in_background(lambda: _background.write_atomically(str(target), b"child"))
    deadline = time.monotonic() + _PATIENCE
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not target.exists():
        return 1  # the write was lost: no writer thread in the child
    _background.flush()
    return 2 if parents_work.exists() else 0  # 2: the child ran the parent's queued work


def test_a_forked_child_writes_its_cache_and_not_its_parents(tmp_path: Path) -> None:
    child_target = tmp_path / "child.bin"
    # the parent's writer thread is running, and busy with a batch when we fork
    _background.in_background(lambda: None)
    _background.flush()
    held = threading.Event()
    release = threading.Event()

    def slow_write() -> None:
        held.set()
        release.wait(5)

    _background.in_background(slow_write)
    assert held.wait(_PATIENCE)
    threading.Timer(0.3, release.set).start()  # the fork waits for this batch
    # queued, not yet written, when the fork happens
    # (named by the pid of the process that runs it)
    _background.in_background(
        lambda: _background.write_atomically(str(tmp_path / f"by-{os.getpid()}"), b"parent")
    )
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process with threads: that is the case tested
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 3
        try:
            code = _child_writes(child_target, tmp_path / f"by-{os.getpid()}")
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert child_target.read_bytes() == b"child"
    _background.flush()
    assert (tmp_path / f"by-{os.getpid()}").read_bytes() == b"parent"
