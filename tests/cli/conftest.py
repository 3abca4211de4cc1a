"""Helpers for the CLI tests: run ``fnstore`` in-process against real stores.

Every test already has its own FNSTORE_HOME and git identity (see
``tests/conftest.py``), so the default store of these invocations is a fresh
repository under the test's tmp dir.
"""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner, Result

from fnstore.cli import app
from fnstore.paths import default_store_path

if TYPE_CHECKING:
    from pathlib import Path

Invoke = Callable[..., Result]

BLUR = textwrap.dedent(
    '''
    """Smoothing filters."""
    import numpy as np

    from fnstore import numpy


    @numpy
    def blur(image, sigma: float = 1.0):
        """Blur a stack."""
        return image * 1.0
    '''
).lstrip()


@pytest.fixture
def invoke() -> Invoke:
    """Run ``fnstore ARGS...`` in-process; keyword ``input`` feeds stdin."""
    runner = CliRunner()

    def run(*args: str | Path, input: str | None = None) -> Result:
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def store_path() -> Path:
    """Where the default store of this test lives (it may not exist yet)."""
    return default_store_path()


def git(store: Path, *args: str) -> str:
    """Run the git CLI on a (bare) store and return its stdout."""
    out = subprocess.run(
        ["git", "--git-dir", str(store), *args], check=True, capture_output=True, text=True
    )
    return out.stdout


def write(path: Path, code: str) -> Path:
    path.write_text(code, encoding="utf-8")
    return path


@pytest.fixture
def blur_file(tmp_path: Path) -> Path:
    return write(tmp_path / "blur.py", BLUR)
