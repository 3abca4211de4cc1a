"""A fast fetch from a remote on the same file system: copy its object files.

Why: libgit2's local transport (paths and ``file://``) builds a fresh pack of
everything to send, deltifying every object again, and then indexes it on
our side; for a store of a thousand functions that is several times slower
than ``git clone``, which simply copies the pack files.  This module does
what git's local clone does, for large transfers only:

1. read the remote's branch and notes references (before anything else, so
   every object they name is already written);
2. copy the remote's pack files and loose objects that we do not have by
   name (``.idx`` last, through a temporary name, so a half-copied pack is
   never seen);
3. check that every reference target is now present, and only then move the
   remote-tracking references.

Anything unusual (alternates, a pack removed by a concurrent ``git gc``,
an object still missing) returns None, and the caller falls back to
libgit2's ordinary fetch.  Small transfers always take the ordinary path:
copying whole packs would duplicate objects we already have.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import pygit2

if TYPE_CHECKING:
    from fnstore.git._progress import ProgressCallback

__all__ = ["BULK_COMMITS", "copy_fetch", "local_path"]

#: Fetches bringing at least this many new commits copy object files.
BULK_COMMITS = 200


def local_path(url: str) -> Path | None:
    """Return the directory a path or ``file://`` URL names, if it is one here."""
    if url.startswith("file://"):
        path = Path(unquote(urlsplit(url).path))
    elif "://" in url:
        return None
    else:
        path = Path(url)
    return path if path.is_dir() else None


def _new_commits(remote: pygit2.Repository, tips: list[pygit2.Oid], have: list[str]) -> int:
    walker = remote.walk(tips[0], pygit2.enums.SortMode.NONE)
    for tip in tips[1:]:
        walker.push(tip)
    for oid in have:
        if oid in remote:
            walker.hide(oid)
    count = 0
    for _ in walker:
        count += 1
        if count >= BULK_COMMITS:
            break
    return count


def _copy(src: Path, dst: Path) -> int:
    fd, tmp = tempfile.mkstemp(prefix=".fnstore-copy-", dir=dst.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o444)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dst.stat().st_size


def _object_files(objects: Path) -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = []
    pack_dir = objects / "pack"
    if pack_dir.is_dir():
        for idx in sorted(pack_dir.glob("pack-*.idx")):
            pack = idx.with_suffix(".pack")
            # the .pack first, its .idx last: libgit2 finds packs by their index
            files += [(pack, f"pack/{pack.name}"), (idx, f"pack/{idx.name}")]
    for fan in sorted(objects.glob("[0-9a-f][0-9a-f]")):
        files += [(f, f"{fan.name}/{f.name}") for f in fan.iterdir() if len(f.name) == 38]
    return files


def copy_fetch(
    repo: pygit2.Repository,
    source: Path,
    mapping: dict[str, str],
    progress: ProgressCallback | None = None,
) -> tuple[int, int] | None:
    """Fetch from the repository at ``source`` by copying object files.

    Parameters
    ----------
    repo
        The local repository.
    source
        The remote repository's directory (bare, or a work tree's ``.git``).
    mapping
        Remote reference prefix -> local prefix (``refs/heads/`` ->
        ``refs/remotes/lab/``), as the remote's fetch refspecs say.
    progress
        Called with files copied so far.

    Returns
    -------
    tuple or None
        (files copied, bytes copied), or None when this fetch should take
        the ordinary path (small, or anything unusual).
    """
    try:
        return _copy_fetch(repo, source, mapping, progress)
    except (pygit2.GitError, KeyError, ValueError, OSError):
        # Anything odd about the remote: libgit2's ordinary fetch reports it properly.
        return None


def _copy_fetch(
    repo: pygit2.Repository,
    source: Path,
    mapping: dict[str, str],
    progress: ProgressCallback | None,
) -> tuple[int, int] | None:
    from fnstore.git._progress import TransferProgress

    remote = pygit2.Repository(str(source))
    objects = Path(remote.path) / "objects"
    if (objects / "info" / "alternates").exists() or not objects.is_dir():
        return None
    wanted: dict[str, pygit2.Oid] = {}
    for name in remote.references:
        for prefix, local in mapping.items():
            if name.startswith(prefix):
                target = remote.references[name].resolve().target
                if isinstance(target, pygit2.Oid):
                    wanted[local + name[len(prefix) :]] = target
    tips = [oid for oid in wanted.values() if oid not in repo]
    if not tips:
        return None
    # what we already hold (our branches, what earlier fetches brought) needs no copy
    have = [
        str(repo.references[r].target)
        for r in repo.references
        if r.startswith(("refs/heads/", "refs/remotes/"))
    ]
    if _new_commits(remote, tips, have) < BULK_COMMITS:
        return None
    mine = Path(repo.path) / "objects"
    todo = [(src, rel) for src, rel in _object_files(objects) if not (mine / rel).exists()]
    copied = size = 0
    # An OSError here (a pack removed under us by git gc) falls back, see above.
    for src, rel in todo:
        (mine / rel).parent.mkdir(parents=True, exist_ok=True)
        size += _copy(src, mine / rel)
        copied += 1
        if progress is not None:
            progress(TransferProgress("receiving", copied, len(todo), size))
    if any(oid not in repo for oid in wanted.values()):
        return None
    for name, oid in wanted.items():
        repo.references.create(name, oid, force=True)
    return copied, size
