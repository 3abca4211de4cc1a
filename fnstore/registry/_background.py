"""Cache writes off the start-up's path: atomic files, written on a background thread.

Nothing waits for a cache write but the end of the process (an ``atexit``
hook), so a start-up is ready as soon as it has read what it needs, and the
first call of a function does not wait for the disk.  A write goes to a
temporary file renamed over the target, so a reader sees the old file or the
new one, never half of one; a cache that cannot be written is skipped.
"""

from __future__ import annotations

import _thread
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["flush", "in_background", "write_atomically"]


_pending: list[_thread.LockType] = []


def in_background(work: Callable[[], None]) -> None:
    """Run ``work`` (a cache write) on a thread; :func:`flush` waits for it."""
    global _flush_at_exit
    done = _thread.allocate_lock()
    done.acquire()
    _pending.append(done)
    if not _flush_at_exit:
        import atexit

        atexit.register(flush)
        _flush_at_exit = True

    def run() -> None:
        try:
            work()
        finally:
            done.release()

    _thread.start_new_thread(run, ())


_flush_at_exit = False


def flush() -> None:
    """Wait until every background cache write has finished."""
    while _pending:
        lock = _pending.pop()
        lock.acquire()
        lock.release()


def write_atomically(target: str, blob: bytes) -> None:
    """Write ``blob`` to ``target`` via a temporary file; skip quietly if it cannot be written."""
    tmp = f"{target}.{os.getpid()}.{_thread.get_ident()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)  # readers see the old file or the new, never half
    except OSError:
        # A cache is an optimisation: read-only or full disks lose nothing.
        try:
            os.unlink(tmp)
        except OSError:
            pass
