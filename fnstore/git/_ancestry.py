"""Questions about commit history, in plain ids: is one commit built on another, where do two meet.

Pull uses them to choose between up to date, fast-forward and merge; push to
skip notes the remote already has.  Failures raise
:class:`~fnstore.git._errors.GitError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.git._errors import git_errors

if TYPE_CHECKING:
    import pygit2

__all__ = ["is_descendant", "merge_base"]


def is_descendant(repo: pygit2.Repository, commit: str, ancestor: str) -> bool:
    """Whether ``commit`` has ``ancestor`` in its history (a commit is not its own descendant)."""
    with git_errors():
        return bool(repo.descendant_of(commit, ancestor))


def merge_base(repo: pygit2.Repository, one: str, other: str) -> str | None:
    """Return the best common ancestor of two commits, or None if they share no history."""
    with git_errors():
        base = repo.merge_base(one, other)
        return str(base) if base is not None else None
