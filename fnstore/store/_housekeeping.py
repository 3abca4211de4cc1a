"""Keep a store packed: run ``git gc --auto`` now and then, in the background.

Every save writes a handful of loose objects, one file each.  Thousands of
them make cold reads slow (the registry's first start reads every manifest)
and take disk space; libgit2 has no garbage collector.  After a commit, a
cheap estimate (git's own: the files in one of the 256 fan-out directories of
``objects/``) says whether the store holds more than :data:`LOOSE_LIMIT` loose
objects; only then is ``git gc --auto`` run.  git checks again, detaches
itself and packs in the background, so the save waits only for git's start.
git's gc is safe beside concurrent writers (it never drops new objects) and
takes its own lock; without the git command the objects stay loose, which is
slower but still correct.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["LOOSE_LIMIT", "loose_estimate", "pack_if_needed"]

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


def pack_if_needed(repo_dir: Path, *, background: bool = True) -> bool:
    """Run ``git gc --auto`` if the store holds more than :data:`LOOSE_LIMIT` loose objects.

    Returns whether git was run.  With ``background=False`` git packs before
    returning (used by tests and ``fnstore doctor``-style maintenance).
    """
    if loose_estimate(repo_dir) <= LOOSE_LIMIT:
        return False
    git = shutil.which("git")
    if git is None:
        return False
    command = [
        git,
        "-c",
        f"gc.auto={LOOSE_LIMIT}",
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
