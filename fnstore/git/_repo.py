"""Repository access: open or create a store's bare repository, and make signatures.

The store opens its repository here (:func:`open_repository`), tuned as git
itself would write loose objects; sync signs merges with :func:`signature`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pygit2

from fnstore.errors import StoreError

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["open_repository", "signature"]


def signature(author: tuple[str, str], when: datetime) -> pygit2.Signature:
    """Return a git signature for ``(name, email)`` at ``when``, keeping its UTC offset."""
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return pygit2.Signature(author[0], author[1], int(when.timestamp()), minutes)


def open_repository(path: Path, *, create: bool) -> pygit2.Repository:
    """Open (or create) the bare repository, with git's fast loose-object compression."""
    from fnstore.errors import StoreNotFoundError

    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        if not create:
            raise StoreNotFoundError(
                f"no store at {path}: create one with fnstore.open_store({str(path)!r})"
            )
        try:
            path.mkdir(parents=True, exist_ok=True)
            repo = pygit2.init_repository(str(path), bare=True, initial_head="main")
        except (OSError, pygit2.GitError) as exc:
            raise StoreError(f"could not create a store at {path}: {exc}") from exc
    else:
        try:
            repo = pygit2.Repository(str(path))
        except pygit2.GitError as exc:
            raise StoreError(
                f"{path} exists but is not a git repository: choose another path for the store"
            ) from exc
    _use_fast_loose_objects(repo)
    return repo


def _use_fast_loose_objects(repo: pygit2.Repository) -> None:
    # libgit2 deflates loose objects at zlib's default level; git itself uses
    # level 1 (core.looseCompression).  For a big functions/ tree that is most
    # of the cost of a save, so use git's level.  Alternates are kept by
    # falling back to the default object database if anything is unusual.
    objects = Path(repo.path) / "objects"
    if (objects / "info" / "alternates").exists():
        return
    odb = pygit2.Odb()
    odb.add_backend(pygit2.OdbBackendPack(str(objects)), 2)
    odb.add_backend(pygit2.OdbBackendLoose(str(objects), 1, False), 1)
    repo.set_odb(odb)
