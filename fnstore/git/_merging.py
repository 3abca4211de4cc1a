"""Writing what a merge makes: files, and trees from entry maps.

Sync's :mod:`fnstore.sync._merge` decides what goes where; this module
writes it, in plain ids: a tree from ``{name: (object id, mode)}`` (the
modes of :mod:`fnstore.git._treeread`).  Commits, signed or not, are
written by :func:`fnstore.git._objects.write_commit` (a merge commit through
the store's ``_write_commit``, which signs when the store signs).  Failures
raise :class:`~fnstore.git._errors.GitError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.git._errors import git_errors

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pygit2

__all__ = ["write_blob", "write_tree"]


def write_blob(repo: pygit2.Repository, data: bytes) -> str:
    """Write a file's content; return its id."""
    with git_errors():
        return str(repo.create_blob(data))


def write_tree(repo: pygit2.Repository, entries: Mapping[str, tuple[str, int]]) -> str:
    """Write a tree holding ``entries`` (name -> (object id, mode)); return its id."""
    with git_errors():
        builder = repo.TreeBuilder()
        for name, (oid, mode) in entries.items():
            builder.insert(name, oid, mode)
        return str(builder.write())
