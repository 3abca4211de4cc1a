"""Helpers for the store tests: code snippets, the git CLI, and a store's state."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore


def snippet(name: str, body: str = "return image", *, deco: str = "numpy", extra: str = "") -> str:
    """A small decorated function module, as a scientist would write it."""
    return (
        f"from fnstore import {deco}\n{extra}\n\n"
        f"@{deco}\n"
        f"def {name}(image, sigma: float = 1.0):\n"
        f'    """Process {name}."""\n'
        f"    {body}\n"
    )


def git(repo: Path, *args: str, check: bool = True) -> str:
    """Run the git CLI on a repository and return its stdout."""
    out = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if check and out.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {out.stderr}")
    return out.stdout


def state(store: FunctionStore) -> tuple[str, int]:
    """What must not change after a refused operation: every ref, and the object count.

    Loose and packed objects are added up, since the store's background
    ``git gc --auto`` may move objects into a pack at any time.
    """
    refs = git(store.path, "for-each-ref", "--format=%(refname) %(objectname)")
    counts = dict(line.split(": ") for line in git(store.path, "count-objects", "-v").splitlines())
    return refs, int(counts["count"]) + int(counts["in-pack"])
