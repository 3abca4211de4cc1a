"""References by name, in plain ids: list those under a prefix, read, point and delete one.

The moves of a store's branch, compare-and-swap, are :mod:`fnstore.git._refs`'s;
this module serves sync's bookkeeping refs (remote-tracking branches, fetched
notes, a pending pull's commit).  Failures raise
:class:`~fnstore.git._errors.GitError`.
"""

from __future__ import annotations

import pygit2

from fnstore.git._errors import git_errors

__all__ = ["delete_ref", "point_ref", "ref_names", "ref_target"]


def ref_names(repo: pygit2.Repository, prefix: str) -> list[str]:
    """Return the names of the references that start with ``prefix``, in git's order."""
    with git_errors():
        return [name for name in repo.references if name.startswith(prefix)]


def ref_target(repo: pygit2.Repository, name: str) -> str | None:
    """Return the commit id reference ``name`` names (hex), or None if there is no such ref."""
    with git_errors():
        ref = repo.references.get(name)
        return str(ref.target) if ref is not None else None


def point_ref(repo: pygit2.Repository, name: str, target: str, *, reflog: str | None) -> None:
    """Point reference ``name`` at commit ``target``, creating it if needed.

    ``reflog`` is the message for the reflog of an existing reference; None
    creates the reference, replacing any there.
    """
    oid = pygit2.Oid(hex=target)
    with git_errors():
        ref = repo.references.get(name)
        if ref is None or reflog is None:
            repo.references.create(name, oid, force=True)
        else:
            ref.set_target(oid, reflog)


def delete_ref(repo: pygit2.Repository, name: str) -> None:
    """Delete reference ``name`` if it exists."""
    with git_errors():
        if name in repo.references:
            repo.references.delete(name)
