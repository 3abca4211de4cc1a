"""Moving refs compare-and-swap, beside git's own ref locks.

A store's branch moves only if it still names the commit the writer started
from, so an update made meanwhile by anything else (plain git, a push, a
pull in another process) is never overwritten.  Git's ``pack-refs`` (run by
every gc, the store's own background packing included) holds ``<ref>.lock``
for a moment; a process killed mid-update leaves one behind.  :func:`move_ref`
waits the first out and removes the second.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

import pygit2

from fnstore.errors import StoreError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["create_ref", "move_ref"]

_STALE_AFTER = 0.1  # seconds after which a ref's .lock file is taken as left by a crash
_TRIES = 20  # tries to move a ref while git holds its .lock (about 2 s at most)


def move_ref(
    repo: pygit2.Repository,
    git_dir: Path,
    name: str,
    new: pygit2.Oid | str,
    old: str | None,
    reflog: str,
) -> None:
    """Point ref ``name`` at ``new`` if it still names ``old`` (None: it must not exist yet).

    ``new`` is a commit, as an ``Oid`` or in hex.

    Raises
    ------
    StoreError
        The ref moved meanwhile, or git could not move it (the message says try again).
    """
    refs = repo.references
    if isinstance(new, str):
        new = pygit2.Oid(hex=new)  # a str would make a symbolic ref
    for attempt in range(_TRIES):
        try:
            if old is None:
                refs.create(name, new)  # fails if it appeared meanwhile
            else:
                ref = refs.get(name)
                if ref is None or str(ref.target) != old:
                    raise StoreError("the store's branch moved while saving: try again")
                ref.set_target(new, reflog)
            return
        except (pygit2.GitError, OSError, ValueError) as exc:
            # pygit2 reports a held '<ref>.lock' as OSError.
            if "lock" in str(exc) and attempt < _TRIES - 1:
                _wait_out_ref_lock(git_dir / f"{name}.lock")
                continue
            raise StoreError(f"could not move {name} in {git_dir}: {exc}; try again") from exc


def _wait_out_ref_lock(lock: Path) -> None:
    """Wait until ``lock`` is released, or remove it once it is old enough to be stale.

    The caller holds the store lock, so another fnstore cannot be writing it;
    a plain git process holds it for milliseconds (were one still alive after
    :data:`_STALE_AFTER`, its own rename would then fail loudly: nothing is
    lost).  A lock already gone, or a younger one (git took it again), is left
    alone: the caller simply tries again.
    """
    try:
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return  # released meanwhile
    if age < _STALE_AFTER:
        time.sleep(_STALE_AFTER - age)
        return
    with contextlib.suppress(FileNotFoundError):  # gone by itself: fine too
        lock.unlink()


def create_ref(repo: pygit2.Repository, name: str, target: str) -> None:
    """Create ref ``name`` naming commit ``target``; StoreError if git cannot."""
    try:
        repo.references.create(name, pygit2.Oid(hex=target))
    except (pygit2.GitError, ValueError) as exc:
        raise StoreError(f"could not create {name}: {exc}") from exc
