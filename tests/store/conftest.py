"""Fixtures for the store tests: a fresh store in the test's tmp dir."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from fnstore import FunctionStore, open_store

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def store(tmp_path: Path) -> FunctionStore:
    return open_store(tmp_path / "functions.git")
