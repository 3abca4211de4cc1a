"""A repository's remotes, as git keeps them in its config: list, look up, add, delete.

Sync's :mod:`fnstore.sync._remotes` decides names, URLs and refspecs; this
module only reads and writes them, raising
:class:`~fnstore.git._errors.GitError` when git cannot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.git._errors import GitError, git_errors

if TYPE_CHECKING:
    import pygit2

__all__ = ["add_remote", "delete_remote", "remote_names", "remote_url", "remotes"]


def remote_names(repo: pygit2.Repository) -> list[str]:
    """Return the names of the repository's remotes, in git's order."""
    with git_errors():
        return [str(name) for name in repo.remotes.names()]


def remotes(repo: pygit2.Repository) -> dict[str, str]:
    """Return every named remote: name -> URL (as configured, "" if it has none), sorted."""
    with git_errors():
        found = sorted(repo.remotes, key=lambda r: r.name or "")
        return {str(r.name): r.url or "" for r in found if r.name}


def remote_url(repo: pygit2.Repository, name: str) -> str | None:
    """Return the URL of remote ``name`` ("" if it has none); None if there is no such remote."""
    try:
        with git_errors():
            return repo.remotes[name].url or ""
    except (KeyError, ValueError, GitError):
        return None


def add_remote(repo: pygit2.Repository, name: str, url: str, fetch: list[str]) -> None:
    """Add remote ``name`` at ``url`` whose fetch refspecs are ``fetch`` (at least one)."""
    first, *more = fetch
    with git_errors():
        repo.remotes.create(name, url, first)
        for spec in more:
            repo.remotes.add_fetch(name, spec)


def delete_remote(repo: pygit2.Repository, name: str) -> None:
    """Delete remote ``name`` from the config, with its remote-tracking refs (as git does)."""
    with git_errors():
        repo.remotes.delete(name)
