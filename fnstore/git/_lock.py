"""The store's inter-process lock: ``fcntl.flock`` on ``<repo>/fnstore/lock``.

Every write to the store (objects, then a compare-and-swap of the branch ref)
happens while this lock is held, so two processes saving at once take turns
instead of losing an update.  ``flock`` locks die with their process, so a
process killed while saving never leaves the store locked.

``flock`` does not tell the threads of one process apart, so a thread lock is
taken first: threads sharing one store object take turns as processes do.
Nor does it tell apart a forked child sharing the parent's open lock file, so
a child forgets the parent's file and thread lock and opens its own.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING

from fnstore.errors import ReadOnlyStoreError, StoreError, StoreLockedError

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

__all__ = ["StoreLock", "read_only_error"]

_LOCKS: weakref.WeakSet[StoreLock] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for lock in list(_LOCKS):
        lock._forget_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


def read_only_error(store: Path, exc: OSError) -> StoreError:
    """Return the error for a write the file system refused (read-only, or not ours)."""
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ReadOnlyStoreError(
            f"the store {store} is read-only here ({exc.strerror}): saving, tagging and "
            "pinning need write access to it (reading works); open a writable copy "
            "(git clone) or ask for write access"
        )
    return StoreError(f"could not write to the store {store}: {exc}")


class StoreLock:
    """An exclusive lock on a store directory, re-entrant within one thread.

    Parameters
    ----------
    path
        The lock file; created if missing.
    timeout
        Seconds to wait for another process before raising
        :class:`~fnstore.errors.StoreLockedError`.
    """

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0  # touched only by the thread holding _threads
        self._owner: int | None = None
        self._threads = threading.RLock()
        _LOCKS.add(self)

    def _forget_after_fork(self) -> None:
        # The parent's open file shares its flock with us, and the thread lock
        # may have been held by a thread that does not exist here.
        fd, self._fd, self._depth, self._owner = self._fd, None, 0, None
        self._threads = threading.RLock()
        if fd is not None:
            os.close(fd)  # our copy only: the parent's lock stays as it is

    @property
    def threads(self) -> threading.RLock:
        """The thread lock alone (re-entrant): readers take it to never see half a write."""
        return self._threads

    @property
    def held(self) -> bool:
        """Whether the calling thread holds the lock now."""
        return self._depth > 0 and self._owner == threading.get_ident()

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=max(self.timeout, 0)):
            raise StoreLockedError(
                f"another thread has held the store lock {self.path} for more than "
                f"{self.timeout:g} s: wait for it to finish and try again"
            )
        if self._depth:
            self._depth += 1
            return
        try:
            self._take(deadline)
        except BaseException:
            self._threads.release()
            raise
        self._owner = threading.get_ident()
        self._depth = 1

    def _take(self, deadline: float) -> None:
        fd = self._fd
        if fd is None:
            # kept open between acquisitions: one open() less per save
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise read_only_error(self.path.parent.parent, exc) from exc
        delay = 0.0002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"another process has held the store lock {self.path} for more than "
                        f"{self.timeout:g} s: wait for it to finish (or stop it) and try again"
                    ) from None
                # short sleeps: a save holds the lock for milliseconds, so waiting
                # long between tries would leave the store idle under contention
                time.sleep(delay)
                delay = min(delay * 2, 0.002)

    def release(self) -> None:
        """Give the lock back (the outermost release unlocks)."""
        if not self.held:
            return
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        """Close the lock file (releasing the lock if held)."""
        fd, self._fd, self._depth, self._owner = self._fd, None, 0, None
        if fd is not None:
            os.close(fd)  # closing the file releases its flock too

    def __del__(self) -> None:
        self.close()

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
