"""Shared set-up for the benchmarks (pytest-benchmark).

Run them with ``.venv-test/bin/python -m pytest benchmarks``.  Each benchmark
gets its own ``FNSTORE_HOME`` so none touches the user's store, and
pyclesperanto is loaded before anything can load tensorflow: under pocl the
other order kills the process (see fnstore/memory/_backends.py).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

if importlib.util.find_spec("pyclesperanto") is not None and "tensorflow" not in sys.modules:
    from fnstore.memory import require

    require("pyclesperanto", extra="cle")


@pytest.fixture(autouse=True)
def isolated_fnstore_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away FNSTORE_HOME for each benchmark."""
    home = tmp_path / "fnstore"
    monkeypatch.setenv("FNSTORE_HOME", str(home))
    return home
