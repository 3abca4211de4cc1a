"""Keep a store packed: run ``git gc --auto`` now and then, in the background.

Every save writes a handful of loose objects, one file each.  Thousands of
them make cold reads slow (the registry's first start reads every manifest)
and take disk space; libgit2 has no garbage collector.  After a commit, a
cheap estimate (git's own: the files in one of the 256 fan-out directories of
``objects/``) says whether the store holds more than :data:`LOOSE_LIMIT` loose
objects (or the store's own ``gc.auto``; ``git config gc.auto 0`` turns it
off); only then is ``git gc --auto`` run.  git checks again, detaches
itself and packs in the background, so the save waits only for git's start.
git's gc is safe beside concurrent writers (it never drops new objects) and
takes its own lock; without the git command the objects stay loose, which is
slower but still correct.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

_T = TypeVar("_T")

# How often an object write is tried when a gc removed its folder under it.
_GC_RACE_TRIES = 5

__all__ = [
    "LOOSE_LIMIT",
    "beside_gc",
    "loose_estimate",
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


def pack_limit(config: Any) -> int:
    """Return the loose-object limit of a store: git's ``gc.auto`` if set, else :data:`LOOSE_LIMIT`.

    ``git config gc.auto 0`` turns the packing off, as it does for git.
    """
    try:
        return int(config.get_int("gc.auto"))
    except (KeyError, ValueError):
        return LOOSE_LIMIT


def pack_if_needed(repo_dir: Path, limit: int = LOOSE_LIMIT, *, background: bool = True) -> bool:
    """Run ``git gc --auto`` if the store holds more than ``limit`` loose objects (0: never).

    Returns whether git was run.  With ``background=False`` git packs before
    returning (used by tests).
    """
    if limit <= 0 or loose_estimate(repo_dir) <= limit:
        return False
    git = shutil.which("git")
    if git is None:
        return False
    command = [
        git,
        "-c",
        f"gc.auto={limit}",
        "-c",
        f"gc.autoDetach={'true' if background else 'false'}",
        "--git-dir",
        str(repo_dir),
        "gc",
        "--auto",
        "--quiet",
    ]
    try:
        # With autoDetach git forks the packing off and returns at once.
        subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=None if not background else 30,
        )
    except (OSError, subprocess.SubprocessError):
        return False  # packing is an optimisation: never fail a save for it
    return True


def wait_for_gc(repo_dir: Path, *, timeout: float = 120.0) -> bool:
    """Wait until no ``git gc`` holds the repository's ``gc.pid``; return whether it is free.

    For tools that copy or repack a store (benchmarks, backups): a copy taken
    while gc runs would carry its lock file.
    """
    deadline = time.monotonic() + timeout
    while (repo_dir / "gc.pid").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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
      retry: ``_Core._move_branch``.)
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
