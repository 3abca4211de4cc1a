"""OpenHCS's own Custom Function Manager dialog, driven by clicks, on top of fnstore."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

pytest.importorskip(
    "openhcs.pyqt_gui.dialogs.custom_function_manager_dialog",
    reason='needs the real OpenHCS 0.8.6 with its GUI: run scripts/test-openhcs ("openhcs[gui]")',
)

from openhcs.pyqt_gui.dialogs.custom_function_manager_dialog import (
    CustomFunctionManagerDialog,
)
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox

pytestmark = pytest.mark.qt

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytestqt.qtbot import QtBot

    from fnstore.openhcs import Installed


def answer_modals(*steps: Callable[[Any], None]) -> list[str]:
    """Answer the next modal windows in turn, as a user would; returns their titles.

    OpenHCS's dialog opens its editor and message boxes with exec(), which
    blocks the click that opened them: a timer answers each from inside.
    """
    pending = list(steps)
    seen: list[Any] = []
    titles: list[str] = []

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None or modal in seen or not pending:
            return
        seen.append(modal)
        titles.append(modal.windowTitle())
        pending.pop(0)(modal)

    timer = QTimer(QApplication.instance())
    timer.timeout.connect(poll)
    timer.start(50)
    _TIMERS.append(timer)
    return titles


_TIMERS: list[QTimer] = []


@pytest.fixture(autouse=True)
def _stop_timers() -> Any:
    yield
    while _TIMERS:
        _TIMERS.pop().stop()


def save_code(code: str, qtbot: QtBot) -> Callable[[Any], None]:
    def step(editor: Any) -> None:
        editor.set_content(code)
        qtbot.mouseClick(editor.save_btn, Qt.MouseButton.LeftButton)

    return step


def press(button: QMessageBox.StandardButton, qtbot: QtBot) -> Callable[[Any], None]:
    def step(box: Any) -> None:
        qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)

    return step


def select(dialog: CustomFunctionManagerDialog, name: str, qtbot: QtBot) -> None:
    (item,) = dialog.function_list.findItems(name, Qt.MatchFlag.MatchExactly)
    rect = dialog.function_list.visualItemRect(item)
    qtbot.mouseClick(dialog.function_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def fnstore_cli(store_path: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "fnstore", "--store", store_path, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def test_the_dialog_creates_edits_and_deletes_functions_in_the_store(
    qtbot: QtBot, adapted: Installed, template: Callable[[str, str], str]
) -> None:
    store = adapted.store
    dialog = CustomFunctionManagerDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    ok = QMessageBox.StandardButton.Ok

    first = template("numpy", "gui_fn")
    titles = answer_modals(save_code(first, qtbot), press(ok, qtbot))
    qtbot.mouseClick(dialog.create_btn, Qt.MouseButton.LeftButton)
    assert titles == ["Create Custom Function", "Success"]
    assert store.get("gui_fn").version == 1

    def listed() -> bool:
        return bool(dialog.function_list.findItems("gui_fn", Qt.MatchFlag.MatchExactly))

    qtbot.waitUntil(listed)

    select(dialog, "gui_fn", qtbot)
    assert dialog.file_label.text() == "File: fnstore:gui_fn@1"
    second = first.replace("image * scale", "image * scale * 3")
    titles = answer_modals(save_code(second, qtbot), press(ok, qtbot))
    qtbot.mouseClick(dialog.edit_btn, Qt.MouseButton.LeftButton)
    assert titles == ["Edit Custom Function: gui_fn", "Success"]

    # fnstore's own history shows both versions, the second with the edit
    history = fnstore_cli(str(store.path), "log", "gui_fn")
    assert "Update gui_fn from OpenHCS" in history and "Register gui_fn from OpenHCS" in history
    assert "image * scale * 3" in store.diff("gui_fn@1", "gui_fn@2")

    select(dialog, "gui_fn", qtbot)
    titles = answer_modals(press(QMessageBox.StandardButton.Yes, qtbot), press(ok, qtbot))
    qtbot.mouseClick(dialog.delete_btn, Qt.MouseButton.LeftButton)
    assert titles == ["Confirm Deletion", "Deleted"]
    qtbot.waitUntil(lambda: not listed())
    fnstore_cli(str(store.path), "restore", "gui_fn")
    dialog._refresh_function_list()  # OpenHCS refreshes on its own signal; the CLI sends none
    assert listed()
    assert store.get("gui_fn").source == second
