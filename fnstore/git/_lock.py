"""The store's inter-process lock: ``fcntl.flock`` on ``<repo>/fnstore/lock``.

Every write to the store (objects, then a compare-and-swap of the branch ref)
happens while this lock is held, so two processes saving at once take turns
instead of losing an update.  ``flock`` locks die with their process, so a
process killed while saving never leaves the store locked.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import TYPE_CHECKING

from fnstore.errors import StoreLockedError

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

__all__ = ["StoreLock"]


class StoreLock:
    """A re-entrant (within one object) exclusive lock on a store directory.

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
        self._depth = 0

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._depth > 0

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout`` seconds."""
        if self._depth:
            self._depth += 1
            return
        fd = self._fd
        if fd is None:
            # kept open between acquisitions: one open() less per save
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + self.timeout
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
        self._depth = 1

    def release(self) -> None:
        """Give the lock back (the outermost release unlocks)."""
        if not self._depth:
            return
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file (releasing the lock if held)."""
        fd, self._fd, self._depth = self._fd, None, 0
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
