"""What a repository says about itself: its git directory, the branch HEAD names, its config.

In plain values: a path, a branch name, config values as text.  Writing a
config value or reading the repository's config raises
:class:`~fnstore.git._errors.GitError` when git cannot.
"""

from __future__ import annotations

from pathlib import Path

import pygit2

from fnstore.git._errors import GitError, git_errors

__all__ = ["config_int", "config_value", "git_dir", "head_branch", "set_config"]


def git_dir(repo: pygit2.Repository) -> Path:
    """Return the repository's git directory (a bare store's own folder), absolute."""
    return Path(repo.path)


def head_branch(repo: pygit2.Repository) -> str | None:
    """Return the ref HEAD points at (``refs/heads/main``); None: HEAD names a commit or nothing."""
    with git_errors():
        head = repo.references.get("HEAD")
    target = head.target if head is not None else None
    return target if isinstance(target, str) else None


def config_value(repo: pygit2.Repository, name: str) -> str | None:
    """Return the value of config key ``name`` (as text), or None when it is not set."""
    try:
        return str(repo.config[name])
    except (KeyError, pygit2.GitError):
        return None


def config_int(repo: pygit2.Repository, name: str) -> int | None:
    """Return config key ``name`` read as git reads numbers (``1k``: 1024); None: unset, not one."""
    try:
        return int(repo.config.get_int(name))
    except (KeyError, ValueError, pygit2.GitError):
        return None


def set_config(repo: pygit2.Repository, name: str, value: str | bool) -> None:
    """Set config key ``name`` in the repository's own config."""
    try:
        repo.config[name] = value
    except pygit2.GitError as exc:
        raise GitError(str(exc)) from exc
