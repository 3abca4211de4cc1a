"""Who git says the user is: ``user.name`` and ``user.email``, as a store would read them.

The store reads its identity through libgit2 (the repository's config, then
the global ones); a window that prefills an author field before any store
call asks the git command, from the store's repository when it has one, so
that a repository's own ``user.name`` wins there as it does for the store.
"""

from __future__ import annotations

import subprocess

__all__ = ["configured_identity"]


def configured_identity(repo: str | None = None) -> tuple[str, str]:
    """Return ``(user.name, user.email)`` from git's config; '' for what is not set.

    ``repo``: a repository whose own config counts too (the store's).  A git
    that is missing, hangs or fails gives empty strings, never an error: the
    caller asks the user instead.
    """
    where = [f"--git-dir={repo}"] if repo else []

    def get(key: str) -> str:
        try:
            out = subprocess.run(
                ["git", *where, "config", "--get", key],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return out.stdout.strip() if out.returncode == 0 else ""

    return get("user.name"), get("user.email")
