"""``fnstore gui``: make the QApplication, show :class:`MainWindow`, run the event loop."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QApplication

from fnstore.gui._main import MainWindow

if TYPE_CHECKING:
    from fnstore._facade import FunctionStore

__all__ = ["run"]


def _exec(app: QApplication) -> int:
    return app.exec()


def run(store: FunctionStore) -> int:
    """Open the main window on ``store`` and return when it is closed (the exit code)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("fnstore")
    app.setApplicationDisplayName("fnstore")
    window = MainWindow(store)
    window.show()
    return _exec(app)
