"""GUI tests: pytest-qt offscreen against real stores; skipped cleanly without PyQt6.

This file imports no Qt: each test module starts with ``tests.gui._qt``,
which skips the module (naming the extra to install) when PyQt6,
QScintilla or pytest-qt is missing.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives Qt (but those checking life without it): mark it ``qt``."""
    for item in items:
        path = str(item.path).replace(os.sep, "/")
        if "/tests/gui/" in path and not path.endswith("/test_missing_qt.py"):
            item.add_marker(pytest.mark.qt)
