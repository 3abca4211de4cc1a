"""Walking a branch's history, newest first, in plain terms.

The store brings its head index forward over the commits made since it was
current, and starts its trust record from every version a branch ever held;
both walk history here.  Commits come as :class:`~fnstore.git._objects.Commit`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygit2
from pygit2.enums import SortMode

from fnstore.git._errors import GitError
from fnstore.git._objects import Commit

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["walk"]


def walk(
    repo: pygit2.Repository, head: str, *, hide: str | None = None, topological: bool = False
) -> Iterator[Commit]:
    """Yield the commits reachable from ``head``, newest first, leaving out ``hide``'s history.

    ``topological`` yields no parent before all of its children (git's
    ``--topo-order``); otherwise in libgit2's default order
    (by commit time, newest first, as ``git log``).
    """
    try:
        start = pygit2.Oid(hex=head)
        walker = repo.walk(start, SortMode.TOPOLOGICAL) if topological else repo.walk(start)
        if hide is not None:
            walker.hide(pygit2.Oid(hex=hide))
    except pygit2.GitError as exc:
        raise GitError(str(exc)) from exc
    for commit in walker:
        yield Commit(commit)
