"""Fixtures for the trust tests: a real bare lab repository and the stores of its members."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _trustlab import git

if TYPE_CHECKING:
    from collections.abc import Callable

    from fnstore.store import FunctionStore


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A fresh bare lab repository (branch main)."""
    path = tmp_path / "lab.git"
    git("init", "-q", "--bare", "-b", "main", str(path))
    return path


@pytest.fixture
def member(tmp_path: Path, lab: Path) -> Callable[[str], FunctionStore]:
    """Make a lab member's store with the lab as remote ``lab``."""
    from fnstore import open_store

    def make(name: str) -> FunctionStore:
        store = open_store(tmp_path / f"{name}.git")
        store.add_remote("lab", str(lab))
        return store

    return make
