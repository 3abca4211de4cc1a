"""The history view: versions, diff, restore, pin, tag, delete/restore, rename."""

from __future__ import annotations

import tests.gui._qt  # noqa: F401  (first: skips the module without the GUI extra)

# isort: split
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QInputDialog, QMessageBox

from fnstore import open_store
from fnstore.gui import HistoryView
from tests.gui._helpers import answer, code


@pytest.fixture
def store(tmp_path: Path):
    return open_store(tmp_path / "functions.git")


def yes(box: QMessageBox) -> None:
    box.button(QMessageBox.StandardButton.Yes).click()


def type_and_ok(text: str):
    def act(dialog: QInputDialog) -> None:
        dialog.setTextValue(text)
        dialog.accept()

    return act


def wait_idle(qtbot, view: HistoryView) -> None:
    qtbot.waitUntil(lambda: not view.busy.busy, timeout=20000)


@pytest.fixture
def view(qtbot, store):
    store.save(code("blur"), message="first")
    store.save(code("blur", "return image * k"), message="second")
    view = HistoryView(store, "blur")
    qtbot.addWidget(view)
    view.show()
    wait_idle(qtbot, view)
    return view


def test_versions_and_diff(qtbot, view) -> None:
    assert view.table.rowCount() == 2
    assert [view.table.item(r, 0).text() for r in range(2)] == ["2", "1"]
    assert view.table.item(0, 3).text() == "second"
    view.compare(1, 2)
    assert view.diff.changed_rows() == 1
    assert "return image * k" in view.diff.right.toPlainText()
    assert "return image * k" not in view.diff.left.toPlainText()


def test_restore_version_1_after_confirming(qtbot, view, store) -> None:
    store.save(code("blur", "return image + k"), message="third")
    view.reload()
    wait_idle(qtbot, view)
    view.select_version(1)
    answer(QMessageBox, yes)
    qtbot.mouseClick(view.restore_version, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, view)
    qtbot.waitUntil(lambda: view.table.rowCount() == 4, timeout=20000)
    assert store.get("blur").source == store.get("blur@1").source
    assert store.get("blur@3").source == code("blur", "return image + k")
    assert store.get("blur").version == 4


def test_restore_needs_a_yes(qtbot, view, store) -> None:
    view.select_version(1)
    answer(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    qtbot.mouseClick(view.restore_version, Qt.MouseButton.LeftButton)
    assert store.get("blur").version == 2


def test_pin_and_unpin(qtbot, view, store) -> None:
    view.select_version(1)
    qtbot.mouseClick(view.pin_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, view)
    qtbot.waitUntil(lambda: view.table.item(1, 6).text() == "pinned", timeout=20000)
    assert store.pinned_functions == {"blur": store.get("blur@1").content_id}
    view.select_version(1)
    assert view.pin_button.text() == "Unpin"
    qtbot.mouseClick(view.pin_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, view)
    qtbot.waitUntil(lambda: view.table.item(1, 6).text() == "", timeout=20000)
    assert store.pinned_functions == {}


def test_tag(qtbot, view, store) -> None:
    view.select_version(1)
    answer(QInputDialog, type_and_ok("paper-2026"))
    qtbot.mouseClick(view.tag_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, view)
    qtbot.waitUntil(lambda: "paper-2026" in store.tags(), timeout=20000)
    assert store.get("blur@paper-2026").version == 1


def test_delete_then_restore(qtbot, view, store) -> None:
    answer(QMessageBox, yes)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.deleted, timeout=20000)
    wait_idle(qtbot, view)
    assert view.undelete_button.isEnabled()
    assert "deleted" in view.title.text()
    qtbot.mouseClick(view.undelete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=20000)
    assert store.get("blur").version == 3


def test_rename(qtbot, view, store) -> None:
    answer(QInputDialog, type_and_ok("smooth"))
    qtbot.mouseClick(view.rename_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.name == "smooth" and not view.busy.busy, timeout=20000)
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=20000)
    assert store.get("smooth").version == 3


def test_a_refused_action_shows_the_store_message_once(qtbot, view, store) -> None:
    store.save(code("smooth"))
    answer(QInputDialog, type_and_ok("smooth"))
    qtbot.mouseClick(view.rename_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(view.error.isVisible, timeout=20000)
    assert view.error.text() == "'smooth' already exists: choose another name"
