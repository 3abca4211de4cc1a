"""The main window of ``fnstore gui``: the function list beside history, benchmarks and sync.

The left pane is :class:`~fnstore.gui._selector.FunctionBrowser`; the tabs
on the right follow the highlighted function (a tab reads its data when it
is shown, not before).  New and Edit open
:class:`~fnstore.gui._editor.FunctionEditor` windows; a save, a restore or
a pull refreshes the list.  Drafts left by a crash are offered back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from fnstore.gui import _jobs
from fnstore.gui._bench import BenchView
from fnstore.gui._drafts import Draft, gui_drafts
from fnstore.gui._editor import FunctionEditor
from fnstore.gui._history import HistoryView
from fnstore.gui._selector import FunctionBrowser
from fnstore.gui._sync import SyncView
from fnstore.gui._widgets import named

if TYPE_CHECKING:
    from fnstore._facade import FunctionStore
    from fnstore.gui._model import FunctionRow
    from fnstore.store import FunctionVersion

__all__ = ["MainWindow"]


class MainWindow(QMainWindow):
    """Every fnstore view of one store in one window."""

    def __init__(self, store: FunctionStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.editors: list[FunctionEditor] = []
        self.setWindowTitle(f"fnstore: {store.path}")

        self.browser = FunctionBrowser(store)
        self.browser.current_changed.connect(self._function_changed)
        self.browser.chosen.connect(lambda _row: self.edit_selected())
        self.history = HistoryView(store)
        self.bench = BenchView(store)
        self.sync = SyncView(store)
        self.tabs = named(QTabWidget(), "Views")
        self.tabs.addTab(self.history, "&History")
        self.tabs.addTab(self.bench, "&Benchmarks")
        self.tabs.addTab(self.sync, "&Lab sync")
        self.tabs.currentChanged.connect(lambda _i: self._load_visible())
        self._stale: set[QWidget] = set()

        self.history.changed.connect(self._store_changed)
        self.sync.changed.connect(self._store_changed)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.browser)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([560, 720])
        self.setCentralWidget(split)
        self._make_actions()
        self.drafts_label = named(QLabel(), "Drafts")
        status = self.statusBar()
        assert status is not None
        status.addPermanentWidget(self.drafts_label)
        self._count_drafts()
        self.resize(1280, 760)

    def _make_actions(self) -> None:
        from fnstore.templates import AVAILABLE_MEMORY_TYPES

        toolbar = named(QToolBar("Main"), "Main tools")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        new_button = named(QToolButton(), "New function", "Start from a memory type's template")
        new_button.setText("New function")
        new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        for mt in AVAILABLE_MEMORY_TYPES:
            action = QAction(f"{mt} template", self)
            action.triggered.connect(lambda _c=False, mt=mt: self.new_function(mt))
            new_button.addAction(action)
        toolbar.addWidget(new_button)
        self.edit_action = self._action(toolbar, "Edit", "Edit the selected function", "Ctrl+E")
        self.edit_action.triggered.connect(self.edit_selected)
        refresh = self._action(toolbar, "Refresh", "Read the store again", "F5")
        refresh.triggered.connect(lambda: self._store_changed())
        drafts = self._action(toolbar, "Recover draft…", "Reopen unsaved text kept in a draft")
        drafts.triggered.connect(self.recover_draft)
        search = QAction("Search", self)
        search.setShortcut(QKeySequence.StandardKey.Find)
        search.triggered.connect(self.browser.focus_search)
        self.addAction(search)

    def _action(self, toolbar: QToolBar, text: str, tip: str, key: str | None = None) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        if key:
            action.setShortcut(QKeySequence(key))
        toolbar.addAction(action)
        button = toolbar.widgetForAction(action)
        if button is not None:
            named(button, text.rstrip("…"), tip)
        return action

    # -- following the selection --------------------------------------------------
    def _function_changed(self, row: FunctionRow | None) -> None:
        name = row.name if row is not None else None
        for view in (self.history, self.bench):
            if view.name != name:
                view.name = name
                self._stale.add(view)
        self._load_visible()

    def _load_visible(self) -> None:
        current = self.tabs.currentWidget()
        if current in self._stale and isinstance(current, HistoryView | BenchView):
            self._stale.discard(current)
            current.reload()

    def _store_changed(self, select: str | None = None) -> None:
        row = self.browser.current()
        self.browser.reload(select=select or (row.name if row is not None else None))
        self._stale.update((self.history, self.bench))
        self._load_visible()
        self.sync.refresh()

    # -- editors ----------------------------------------------------------------------
    def _open_editor(self, editor: FunctionEditor) -> FunctionEditor:
        editor.saved.connect(lambda result: self._store_changed(result.versions[0].name))
        editor.saved.connect(lambda _result: self._count_drafts())
        editor.setWindowFlag(Qt.WindowType.Window, True)
        self.editors.append(editor)
        editor.show()
        return editor

    def new_function(self, memory_type: str) -> FunctionEditor:
        """Open an editor on ``memory_type``'s template."""
        from fnstore.templates import get_template_for_memory_type

        return self._open_editor(
            FunctionEditor(self.store, get_template_for_memory_type(memory_type))
        )

    def edit_selected(self) -> None:
        """Open the highlighted function's current code in an editor."""
        row, store = self.browser.current(), self.store
        if row is None:
            return
        name = row.name

        def opened(version: FunctionVersion) -> None:
            self._open_editor(FunctionEditor(store, version.source, module=version.module))

        _jobs.start(
            f"Opening {name}",
            lambda job: store.get(name),
            done=opened,
            failed=self.browser.error.show_error,
            owner=self,
        )

    def recover_draft(self) -> FunctionEditor | None:
        """Reopen a draft left behind by a crash (or a close without saving)."""
        drafts = gui_drafts()
        if not drafts:
            self.statusBar().showMessage("No drafts to recover.", 5000)  # type: ignore[union-attr]
            return None
        names = [p.name for p in drafts]
        chosen, ok = QInputDialog.getItem(self, "Recover a draft", "Draft:", names, 0, False)
        if not ok:
            return None
        path = drafts[names.index(chosen)]
        draft = Draft(path)
        return self._open_editor(
            FunctionEditor(self.store, draft.read(), module=draft.module, draft=path)
        )

    def _count_drafts(self) -> None:
        count = len(gui_drafts())
        self.drafts_label.setText(
            f"{count} unsaved draft(s): Recover draft… reopens them" if count else ""
        )

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Close the editors too (each asks about its unsaved text)."""
        for editor in list(self.editors):
            if editor.isVisible() and not editor.close():
                if event is not None:
                    event.ignore()
                return
        if event is not None:
            event.accept()
