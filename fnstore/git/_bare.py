"""Bare repositories made and mended for a lab: create one, name its HEAD, list a remote's refs.

Sync's :mod:`fnstore.sync._labhead` decides when each is needed; this module
does the git work, raising :class:`~fnstore.git._errors.GitError` (or
``OSError``) when git cannot.
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING

import pygit2
from pygit2.enums import RepositoryInitMode

from fnstore.git._errors import git_errors
from fnstore.git._transport import SyncCallbacks

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["advertised_refs", "init_bare", "name_unborn_head"]


def init_bare(path: Path, branch: str, *, group_shared: bool) -> None:
    """Create an empty bare repository at ``path`` whose HEAD names ``branch``.

    ``group_shared`` makes it writable by the owner's group
    (``core.sharedRepository = group``), as ``git init --shared=group`` does.
    """
    mode = RepositoryInitMode.SHARED_GROUP if group_shared else RepositoryInitMode.SHARED_UMASK
    with git_errors():
        pygit2.init_repository(str(path), bare=True, initial_head=branch, mode=mode)


def name_unborn_head(path: Path, branch: str) -> None:
    """Point the HEAD of the repository at ``path`` at ``branch``, if HEAD names no branch.

    Only when ``refs/heads/<branch>`` exists there; otherwise nothing changes.
    """
    with git_errors():
        repo = pygit2.Repository(str(path))
        if repo.head_is_unborn and f"refs/heads/{branch}" in repo.references:
            repo.references.create("HEAD", f"refs/heads/{branch}", force=True)


def advertised_refs(url: str) -> set[str]:
    """Return the reference names the remote at ``url`` advertises (HEAD only if it names a branch).

    Credentials are offered as for a fetch (:class:`~fnstore.git._transport.SyncCallbacks`).
    """
    # libgit2 lists a remote's references from a repository: a scratch one will do.
    with tempfile.TemporaryDirectory(prefix="fnstore-ls-") as scratch, git_errors():
        repo = pygit2.init_repository(scratch, bare=True)
        handle = repo.remotes.create_anonymous(url)
        heads = handle.list_heads(callbacks=SyncCallbacks(url))
        return {head.name for head in heads if head.name}
