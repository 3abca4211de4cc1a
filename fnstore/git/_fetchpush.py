"""Fetch from and push to a named remote through libgit2.

The network is answered by :class:`~fnstore.git._transport.SyncCallbacks`
(credentials, server identity, progress, refused updates), which is told at
the end whether its credentials worked.  A failure raises
:class:`~fnstore.git._errors.GitError` with libgit2's message: sync decides
what it means for the user (``translate_message``, "pull first").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fnstore.git._errors import GitError, git_errors
from fnstore.git._transport import SyncCallbacks, network_settings

if TYPE_CHECKING:
    import pygit2

    from fnstore.git._progress import ProgressCallback

__all__ = ["fetch_remote", "git_dir", "push_remote"]


def git_dir(repo: pygit2.Repository) -> Path:
    """Return the repository's git directory, absolute (where the git command runs)."""
    return Path(repo.path)


def fetch_remote(
    repo: pygit2.Repository, remote: str, url: str, progress: ProgressCallback | None
) -> tuple[int, int]:
    """Fetch remote ``remote`` (at ``url``) by its refspecs; return (objects, bytes) received."""
    callbacks = SyncCallbacks(url, progress)
    try:
        with git_errors(), network_settings():
            stats = repo.remotes[remote].fetch(callbacks=callbacks)
    except GitError:
        callbacks.finish(ok=False)
        raise
    callbacks.finish(ok=True)
    return stats.received_objects, stats.received_bytes


def push_remote(
    repo: pygit2.Repository,
    remote: str,
    url: str,
    specs: list[str],
    progress: ProgressCallback | None,
) -> dict[str, str]:
    """Push ``specs`` to remote ``remote`` (at ``url``), never by force.

    Returns the reference updates the server refused (ref -> its reason).
    """
    callbacks = SyncCallbacks(url, progress)
    try:
        with git_errors(), network_settings():
            # threads=0: the pack builder uses every core (libgit2 defaults to one)
            repo.remotes[remote].push(specs, callbacks=callbacks, threads=0)
    except GitError:
        callbacks.finish(ok=False)
        raise
    callbacks.finish(ok=True)
    return callbacks.rejected
