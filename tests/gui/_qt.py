"""Import first in every GUI test module: skips it when the GUI extra is missing."""

from __future__ import annotations

import pytest

REASON = 'needs PyQt6, PyQt6-QScintilla and pytest-qt: pip install "fnstore[gui]" pytest-qt'
pytest.importorskip("PyQt6.QtWidgets", reason=REASON)
pytest.importorskip("PyQt6.Qsci", reason=REASON)
pytest.importorskip("pytestqt", reason=REASON)
