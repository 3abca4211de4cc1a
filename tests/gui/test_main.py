"""The main window, ``fnstore gui``, and accessible names on every control."""

from __future__ import annotations

import tests.gui._qt  # noqa: F401  (first: skips the module without the GUI extra)

# isort: split
from pathlib import Path

import pytest
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QTabBar,
    QToolBar,
    QWidget,
)
from typer.testing import CliRunner

from fnstore import open_store
from fnstore.gui import (
    AddRemoteDialog,
    BenchView,
    ConflictDialog,
    FunctionSelectorDialog,
    HistoryView,
    MainWindow,
    SaveCommitDialog,
    SyncView,
)
from fnstore.manifest import introspect
from fnstore.registry import Registry
from fnstore.sync import Conflict
from tests.gui._helpers import code


@pytest.fixture
def store(tmp_path: Path):
    store = open_store(tmp_path / "functions.git")
    store.save(code("blur"), message="first")
    store.save(code("blur", "return image * k"), message="second")
    store.save(code("sharpen"))
    return store


def test_fnstore_gui_opens_the_main_window(qtbot, monkeypatch, tmp_path) -> None:
    import fnstore.gui._app as gui_app
    from fnstore.cli import app

    shown: list[MainWindow] = []

    def fake_exec(qapp: QApplication) -> int:  # the event loop would never return here
        shown.extend(w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow))
        return 0

    monkeypatch.setattr(gui_app, "_exec", fake_exec)
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "gui"])
    assert result.exit_code == 0, result.output
    (window,) = shown
    qtbot.addWidget(window)
    assert window.isVisible()
    assert (tmp_path / "home" / "data" / "functions.git").is_dir()


def test_selection_drives_history_and_bench_and_edit(qtbot, store) -> None:
    window = MainWindow(store)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.browser.loaded, timeout=20000):
        window.show()
    assert window.browser.select("blur")
    qtbot.waitUntil(lambda: window.history.table.rowCount() == 2, timeout=20000)
    assert window.bench.name == "blur" and window.bench.versions == []  # not read until shown
    window.tabs.setCurrentWidget(window.bench)
    qtbot.waitUntil(lambda: len(window.bench.versions) == 2, timeout=60000)
    window.edit_action.trigger()
    qtbot.waitUntil(lambda: len(window.editors) == 1, timeout=20000)
    assert window.editors[0].text() == code("blur", "return image * k")
    assert window.editors[0].module == "blur"


def test_a_warm_start_shows_the_highlighted_functions_history(qtbot, store) -> None:
    Registry.load(store)  # an earlier start read this pin: the window lists at once
    window = MainWindow(open_store(store.path))
    qtbot.addWidget(window)
    assert window.browser.model.rowCount() == 2  # listed before it is shown
    with qtbot.waitSignal(window.browser.loaded, timeout=20000):
        window.show()
    assert window.browser.current() is not None
    assert window.history.name == window.browser.current().name == "blur"
    qtbot.waitUntil(lambda: window.history.table.rowCount() == 2, timeout=20000)


def _unnamed_controls(root: QWidget) -> list[str]:
    kinds = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QAbstractSpinBox)
    # parts Qt builds inside its own controls (a search box's clear button, a
    # combo's popup list, a spin box's editor) are named by their owner
    composite = (QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QTabBar, QToolBar)
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, kinds) or widget.accessibleName():
            continue
        parent = widget.parent()
        while parent is not None and type(parent).__module__.startswith("PyQt6"):
            if isinstance(parent, composite):
                break
            parent = parent.parent()
        if parent is not None and isinstance(parent, composite):
            continue
        if type(widget).__name__ == "QToolBarExtension":
            continue
        missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_every_control_has_an_accessible_name(qtbot, store, tmp_path) -> None:
    conflict = Conflict("blur", "blur", store.get("blur@1").content_id, None, "changed on both")
    views: list[QWidget] = [
        FunctionSelectorDialog(store),
        HistoryView(store, "blur"),
        BenchView(store, "blur"),
        SyncView(store),
        AddRemoteDialog(store),
        ConflictDialog(store, conflict),
        SaveCommitDialog(introspect(code("blur"))),
        MainWindow(store),
    ]
    for view in views:
        qtbot.addWidget(view)
        view.show()
    for view in views:
        qtbot.waitUntil(
            lambda v=view: not getattr(getattr(v, "busy", None), "busy", False), timeout=60000
        )
        assert _unnamed_controls(view) == [], type(view).__name__
