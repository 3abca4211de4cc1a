"""Keep a store packed, beside the saves that keep writing to it.

Every save writes a handful of loose objects, one file each.  Thousands of
them make cold reads slow (the registry's first start reads every manifest)
and take disk space (before packing, each save's trees are whole copies);
libgit2 has no garbage collector.  After a commit, a cheap estimate (git's
own: the files in one of the 256 fan-out directories of ``objects/``) says
whether the store holds more than :data:`LOOSE_LIMIT` loose objects (or the
store's own ``gc.auto``; ``git config gc.auto 0`` turns it off); only then is
a packer started, in its own process, so the save does not wait for it.

Why not ``git gc --auto``, as before: a gc packs only what is reachable when
it starts, so the objects that saves write meanwhile stay loose; gc then
writes ``gc.log`` ("too many unreachable loose objects") and refuses to run
again for a day, and a burst of saves (``fnstore migrate``) left tens of
thousands of loose objects behind.  The packer (:func:`pack`) instead:

- runs ``git repack -d --geometric=2``: the loose objects (all of them,
  reachable or not) go into a new pack, and small packs are merged so that
  their sizes grow geometrically (the work stays proportional to what is
  new); ``-d`` then deletes only the packs just merged and the loose copies
  of packed objects (``git prune-packed``).  Nothing that is not already in
  a pack is ever removed, so an object a save is writing right now is safe
  whatever the timing; nothing is pruned at all;
- never reads ``gc.log``, so no earlier warning stops it;
- runs alone (a lock, ``fnstore/packing.lock``, dropped with its process)
  and packs again until the store is under its limit, checking once more
  after letting the lock go, so the objects of saves that ended while it
  worked are not left loose after a burst.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

_T = TypeVar("_T")

# How often an object write is tried when a gc removed its folder under it.
_GC_RACE_TRIES = 5

__all__ = [
    "LOOSE_LIMIT",
    "beside_gc",
    "loose_estimate",
    "pack",
    "pack_if_needed",
    "pack_limit",
    "wait_for_gc",
]

#: Loose objects tolerated before packing (git's own default, 6,700, is tuned
#: for working trees; a store of a few hundred functions already benefits).
LOOSE_LIMIT = 512

# One fan-out directory holds 1/256 of the loose objects, as git estimates.
_SAMPLE = "17"


def loose_estimate(repo_dir: Path) -> int:
    """Estimate the loose objects in a repository from one fan-out directory."""
    try:
        with os.scandir(repo_dir / "objects" / _SAMPLE) as entries:
            return 256 * sum(1 for _ in entries)
    except OSError:
        return 0


def pack_limit(gc_auto: int | None) -> int:
    """Return the loose-object limit of a store: its ``gc.auto`` if set, else :data:`LOOSE_LIMIT`.

    ``git config gc.auto 0`` turns the packing off, as it does for git.
    """
    return LOOSE_LIMIT if gc_auto is None else gc_auto


def pack_if_needed(repo_dir: Path, limit: int = LOOSE_LIMIT, *, background: bool = True) -> bool:
    """Pack the store if it holds more than ``limit`` loose objects (0: never).

    Returns whether packing was started.  With ``background=False`` it packs
    before returning (used by tests); else a packer process is started and
    left to run on its own.
    """
    if limit <= 0 or loose_estimate(repo_dir) <= limit or shutil.which("git") is None:
        return False
    if not background:
        return pack(repo_dir, limit)
    lock = _try_lock(repo_dir)
    if lock is None:
        return False  # a packer is at work; it checks again before it ends
    # The packer inherits the lock already taken, so that it is held from now:
    # no second packer starts meanwhile, and wait_for_gc sees this one.
    packer = [sys.executable, "-m", __name__, str(repo_dir), str(limit), str(lock)]
    try:
        # sh starts the packer in the background and exits at once: the packer
        # is nobody's child to wait for (no zombie in a long-running GUI), and
        # in its own session a Ctrl-C in a terminal does not stop it half-way.
        subprocess.run(
            ["sh", "-c", '"$@" &', "fnstore-packer", *packer],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            pass_fds=(lock,),
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return False  # packing is an optimisation: never fail a save for it
    finally:
        os.close(lock)  # the packer keeps its own copy, and with it the lock
    return True


def _lock_path(repo_dir: Path) -> Path:
    return Path(repo_dir) / "fnstore" / "packing.lock"


def _try_lock(repo_dir: Path) -> int | None:
    """Take the packing lock without waiting; None if another packer holds it."""
    import fcntl

    path = _lock_path(repo_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _repack(repo_dir: Path) -> bool:
    command = [
        "git",
        "-c",
        "repack.writeBitmaps=false",  # bitmaps need a full repack (-a); geometric is not one
        "--git-dir",
        str(repo_dir),
        "repack",
        "-d",
        "-q",
        "--geometric=2",
    ]
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, check=False, timeout=3600
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def pack(repo_dir: Path, limit: int = LOOSE_LIMIT, lock: int | None = None) -> bool:
    """Pack until at most ``limit`` loose objects are left; False if another packer runs.

    Each round packs what the saves wrote during the previous one; three
    rounds in a row that leave as many loose objects as before (git failing,
    say) end it.
    ``lock``: the packing lock's descriptor, when the caller took it already.
    """
    ran = False
    while True:
        if lock is None:
            lock = _try_lock(repo_dir)
        if lock is None:
            return ran  # that packer checks again after letting the lock go
        try:
            before = loose_estimate(repo_dir)
            stalled = 0
            while before > limit:
                ran = True
                if not _repack(repo_dir):
                    return ran
                after = loose_estimate(repo_dir)
                # The estimate counts one fan-out folder in 256, so during a
                # burst the saves' new objects can make a round that packed
                # everything look like none; only three such rounds in a row
                # (git leaving objects loose) end it.
                stalled = stalled + 1 if after >= before else 0
                if stalled == 3:
                    return ran
                before = after
        finally:
            os.close(lock)
            lock = None
        # Saves that found the lock taken left it to this packer: look once more.
        if loose_estimate(repo_dir) <= limit:
            return ran


def wait_for_gc(repo_dir: Path, *, timeout: float = 120.0) -> bool:
    """Wait until neither a packer nor ``git gc`` works on the store; return whether it is free.

    For tools that copy or repack a store (benchmarks, backups): a copy taken
    while gc runs would carry its lock file.
    """
    deadline = time.monotonic() + timeout
    while True:
        lock = _try_lock(repo_dir) if _lock_path(repo_dir).exists() else None
        if lock is not None:
            os.close(lock)
        packing = lock is None and _lock_path(repo_dir).exists()
        if not packing and not (repo_dir / "gc.pid").exists():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def beside_gc(write: Callable[[], _T]) -> _T:
    """Run a libgit2 write, again if a concurrent ``git gc`` made it fail.

    Why: two moments of a gc get in a writer's way.

    - libgit2 writes a loose object to a temporary file in ``objects/``,
      creates its fan-out folder, then renames the file into it; a gc
      finishing meanwhile removes the folders it emptied, and the rename
      fails with "No such file or directory".  Objects are named by their
      content, so writing again is harmless, and libgit2 recreates the folder.
    - gc's pack-refs holds each ``<ref>.lock`` for a moment; a reference
      update then fails with "failed to lock file".  It is tried again a
      little later.  (The store's branch has its own, stale-lock-aware
      retry: :func:`fnstore.git._refs.move_ref`.)
    """
    for attempt in range(_GC_RACE_TRIES):
        try:
            return write()
        except OSError as exc:  # pygit2 raises OSError for libgit2's file errors
            text = str(exc)
            if attempt == _GC_RACE_TRIES - 1:
                raise
            if "failed to lock" in text:
                time.sleep(0.02 * (attempt + 1))
            elif "No such file or directory" not in text:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


if __name__ == "__main__":  # the packer process started by pack_if_needed
    pack(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
