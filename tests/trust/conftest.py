"""Fixtures for the trust tests: a real bare lab repository and the stores of its members.

A member whose code writes a file at import time saves it with fnstore (whose
save check runs it in the saver's process); the tests delete that file before
the receiving store does anything, so what they see written afterwards is
only what the receiving store let run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from fnstore.store import FunctionStore


def git(*args: str, cwd: Path | None = None, check: bool = True) -> str:
    """Run the git CLI; return stdout (AssertionError with stderr on failure)."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def module_code(name: str, factor: int = 2, extra: str = "") -> str:
    """A function module scaling its input; ``extra`` is appended at top level."""
    return (
        "from fnstore import numpy\n\n\n"
        "@numpy\n"
        f"def {name}(image):\n"
        f"    return image * {factor}\n" + extra
    )


def touch_code(name: str, mark: Path) -> str:
    """A module that writes ``mark`` the moment it is imported."""
    return module_code(
        name, 5, f"\nimport pathlib\n\npathlib.Path({str(mark)!r}).write_text('ran')\n"
    )


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A fresh bare lab repository (branch main)."""
    path = tmp_path / "lab.git"
    git("init", "-q", "--bare", "-b", "main", str(path))
    return path


@pytest.fixture
def member(tmp_path: Path, lab: Path) -> Callable[[str], FunctionStore]:
    """Make a lab member's store with the lab as remote ``lab``."""
    from fnstore.store import open_store

    def make(name: str) -> FunctionStore:
        store = open_store(tmp_path / f"{name}.git")
        store.add_remote("lab", str(lab))
        return store

    return make
