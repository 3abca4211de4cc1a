"""Cache writes off the start-up's path: atomic files, written on a background thread.

Nothing waits for a cache write but the end of the process (an ``atexit``
hook): one writer thread runs them a moment after they are queued, so a
start-up is ready as soon as it has read what it needs, and the first call of
a function neither waits for the disk nor shares the CPU with the write.  A write goes to a
temporary file renamed over the target, so a reader sees the old file or the
new one, never half of one; a cache that cannot be written is skipped.

Fork-safe (:func:`os.register_at_fork`): a fork waits for the batch the writer
is running, so no lock is copied held; the child starts with an empty queue
(what was queued is the parent's to write) and starts its own writer when it
first queues work, so a forked worker's cache writes are not lost.
"""

from __future__ import annotations

import _thread
import os
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["flush", "in_background", "write_atomically"]


#: How long the writer waits after being woken, so that the writes of a burst
#: (several first calls, a start-up) go out together, after the work that
#: caused them instead of competing with it for the CPU.
DELAY = 0.2

_queue: list[Callable[[], None]] = []
_queue_lock = _thread.allocate_lock()
_wake = _thread.allocate_lock()  # released when there is work for the writer
_wake.acquire()
_busy = _thread.allocate_lock()  # held by whoever is running queued work
_writer_started = False
_exit_hook = False  # flush() registered with atexit (inherited by a forked child)


def _take() -> list[Callable[[], None]]:
    with _queue_lock:
        batch = _queue[:]
        _queue.clear()
        _wake.acquire(False)  # nothing left to wake the writer for
    return batch


def _run(batch: list[Callable[[], None]]) -> None:
    for work in batch:
        try:
            work()
        except Exception:
            pass  # a cache write must never break the program: the cache is optional


def _writer() -> None:
    while True:
        _wake.acquire()
        _wake.release()
        time.sleep(DELAY)
        with _busy:
            _run(_take())


def in_background(work: Callable[[], None]) -> None:
    """Queue ``work`` (a cache write) for the writer thread; :func:`flush` runs it now."""
    global _writer_started, _exit_hook
    with _queue_lock:
        _queue.append(work)
        if _wake.locked():
            _wake.release()
        if not _writer_started:
            _writer_started = True
            if not _exit_hook:
                import atexit

                atexit.register(flush)
                _exit_hook = True
            _thread.start_new_thread(_writer, ())


def _before_fork() -> None:
    _busy.acquire()  # the order the writer takes them in: _busy, then _queue_lock
    _queue_lock.acquire()


def _after_fork_in_parent() -> None:
    _queue_lock.release()
    _busy.release()


def _after_fork_in_child() -> None:
    global _queue_lock, _wake, _busy, _writer_started
    _queue.clear()  # the parent writes what it queued
    _queue_lock = _thread.allocate_lock()
    _wake = _thread.allocate_lock()
    _wake.acquire()
    _busy = _thread.allocate_lock()
    _writer_started = False  # the parent's writer thread does not exist here


os.register_at_fork(
    before=_before_fork,
    after_in_parent=_after_fork_in_parent,
    after_in_child=_after_fork_in_child,
)


def flush() -> None:
    """Run every queued cache write now, and wait for any the writer is running."""
    with _busy:
        _run(_take())


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
