"""Writing what a merge makes: files, trees from entry maps, and plain commits.

Sync's :mod:`fnstore.sync._merge` decides what goes where; this module
writes it, in plain ids: a tree from ``{name: (object id, mode)}`` (the
modes of :mod:`fnstore.git._treeread`), a commit from a tree, its parents
and an author.  A store's own commits, which may be signed, are the store's
(``FunctionStore._create_commit``).  Failures raise
:class:`~fnstore.git._errors.GitError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.git._errors import git_errors
from fnstore.git._repo import signature

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    import pygit2

__all__ = ["write_blob", "write_commit", "write_tree"]


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


def write_commit(
    repo: pygit2.Repository,
    author: tuple[str, str],
    when: datetime,
    message: str,
    tree: str,
    parents: Sequence[str],
) -> str:
    """Write an unsigned commit (no ref moves): ``author`` is its author and committer."""
    sig = signature(author, when)
    with git_errors():
        return str(repo.create_commit(None, sig, sig, message, tree, list(parents)))
