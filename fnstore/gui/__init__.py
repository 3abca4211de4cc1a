"""The fnstore GUI (PyQt6): the only package of fnstore that imports Qt.

Every window and dialog is a plain Qt class that another PyQt6 application
can embed, given the store :func:`fnstore.open_store` returns (a
:class:`fnstore.FunctionStore`: the sync and benchmark views use its verbs;
the selector and the editor also take the store room's own class, or a
:class:`~fnstore.registry.Registry` for the selector):

- :class:`FunctionSelectorDialog` / :class:`FunctionBrowser`: search and choose
  a function; ``selected_ref`` is its exact reference.
- :class:`FunctionEditor`: QScintilla editor, Ctrl+S saves as a commit
  through :class:`SaveCommitDialog`.
- :class:`HistoryView`: versions, diff, restore, pin, tag, delete, rename.
- :class:`SyncView` and :class:`ConflictDialog`: remotes, pull, push, conflicts.
- :class:`BenchView`: run benchmarks, the chart, compare two versions.
- :class:`MainWindow`: all of them together (``fnstore gui``).

Slow calls run off the UI thread (:mod:`fnstore.gui._jobs`).  Without PyQt6,
importing this package raises :class:`~fnstore.errors.MissingDependencyError`
naming ``pip install "fnstore[gui]"``.
"""

from __future__ import annotations

from fnstore.errors import MissingDependencyError

try:
    import PyQt6.QtWidgets  # noqa: F401
    from PyQt6 import Qsci  # noqa: F401
except ImportError as _exc:  # pragma: no cover - the test environment has PyQt6
    raise MissingDependencyError(
        "PyQt6-QScintilla" if "Qsci" in str(_exc) else "PyQt6",
        extra="gui",
        why="for the fnstore GUI",
    ) from _exc

from fnstore.gui._bench import BenchView
from fnstore.gui._commit import SaveCommitDialog
from fnstore.gui._conflict import ConflictDialog
from fnstore.gui._editor import FunctionEditor
from fnstore.gui._history import HistoryView
from fnstore.gui._main import MainWindow
from fnstore.gui._remote import AddRemoteDialog
from fnstore.gui._selector import FunctionBrowser, FunctionSelectorDialog
from fnstore.gui._sync import SyncView

__all__ = [
    "AddRemoteDialog",
    "BenchView",
    "ConflictDialog",
    "FunctionBrowser",
    "FunctionEditor",
    "FunctionSelectorDialog",
    "HistoryView",
    "MainWindow",
    "SaveCommitDialog",
    "SyncView",
]
