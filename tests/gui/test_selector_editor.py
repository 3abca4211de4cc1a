"""The selector and the editor, driven by clicks and keys against a real store."""

from __future__ import annotations

import tests.gui._qt  # noqa: F401  (first: skips the module without the GUI extra)

# isort: split
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDialogButtonBox

from fnstore import open_store
from fnstore.gui import FunctionEditor, FunctionSelectorDialog, SaveCommitDialog
from fnstore.gui._drafts import gui_drafts
from tests.gui._helpers import activate, answer, code


@pytest.fixture
def store(tmp_path: Path):
    return open_store(tmp_path / "functions.git")


def commit_with(message: str):
    def act(dialog: SaveCommitDialog) -> None:
        dialog.message_edit.setText(message)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    return act


def press_save(qtbot, editor: FunctionEditor) -> None:
    activate(qtbot, editor)
    editor.editor.setFocus()
    qtbot.keyClick(editor.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_a_pin_read_before_opens_full_and_a_cold_one_in_the_background(qtbot, store) -> None:
    store.save(code("blur"))
    store.save(code("sharpen"))
    first = FunctionSelectorDialog(store)  # cold: the registry reads every manifest
    qtbot.addWidget(first)
    assert first.browser.busy.busy and first.browser.model.rowCount() == 0
    with qtbot.waitSignal(first.browser.loaded, timeout=20000) as cold:
        first.show()
    assert cold.args == [2]
    second = FunctionSelectorDialog(open_store(store.path))  # warm: listed before it shows
    qtbot.addWidget(second)
    assert not second.browser.busy.busy
    assert [row.name for row in second.browser.model.rows] == ["blur", "sharpen"]
    with qtbot.waitSignal(second.browser.loaded, timeout=5000) as warm:  # still announced
        second.show()
    assert warm.args == [2]


def test_new_function_from_template_is_listed(qtbot, store) -> None:
    dialog = FunctionSelectorDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.browser.busy.busy)
    assert dialog.browser.model.rowCount() == 0
    editor = dialog.new_function("numpy")
    qtbot.addWidget(editor)
    assert "@numpy" in editor.text()
    answer(SaveCommitDialog, commit_with("my first function"))
    with qtbot.waitSignal(dialog.browser.loaded, timeout=20000):
        press_save(qtbot, editor)
    assert store.history("rescale_numpy")[0].message == "my first function"
    assert dialog.browser.current() is not None
    assert dialog.browser.current().name == "rescale_numpy"
    # Enter selects: the exact reference comes back
    activate(qtbot, dialog)
    qtbot.keyClick(dialog.browser.search, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.selected_ref == f"rescale_numpy@{store.get('rescale_numpy').content_id}"


def test_search_tree_and_double_click(qtbot, store) -> None:
    store.save(code("blur"))
    store.save(code("sharpen", deco="torch"))
    store.save(code("denoise"))
    dialog = FunctionSelectorDialog(store)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.browser.loaded, timeout=20000):
        dialog.show()
    browser = dialog.browser
    assert browser.proxy.rowCount() == 3
    activate(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(browser.search, "torch")
    assert browser.proxy.rowCount() == 1
    browser.search.clear()
    qtbot.keyClicks(browser.search, "denoise a stack")  # name and docstring words
    assert browser.proxy.rowCount() == 1
    browser.search.clear()
    numpy_item = next(
        browser.tree.topLevelItem(i)
        for i in range(browser.tree.topLevelItemCount())
        if browser.tree.topLevelItem(i).text(0).startswith("numpy")
    )
    browser.tree.setCurrentItem(numpy_item)
    assert browser.proxy.rowCount() == 2
    numpy_item.setExpanded(True)
    assert numpy_item.childCount() == 2
    browser.tree.setCurrentItem(numpy_item.child(0))  # module "blur"
    assert browser.proxy.rowCount() == 1
    index = browser.proxy.index(0, 0)
    rect = browser.table.visualRect(index)
    viewport = browser.table.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.selected.name == "blur"
    assert dialog.selected_function().module == "blur"


def test_escape_cancels(qtbot, store) -> None:
    store.save(code("blur"))
    dialog = FunctionSelectorDialog(store)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == dialog.DialogCode.Rejected
    assert dialog.selected_ref is None


def test_edit_save_twice_gives_two_versions(qtbot, store) -> None:
    editor = FunctionEditor(store, code("blur"))
    qtbot.addWidget(editor)
    editor.show()
    answer(SaveCommitDialog, commit_with("first"))
    with qtbot.waitSignal(editor.saved, timeout=20000):
        press_save(qtbot, editor)
    editor.editor.setText(code("blur", "return image * k"))
    answer(SaveCommitDialog, commit_with("second"))
    with qtbot.waitSignal(editor.saved, timeout=20000):
        press_save(qtbot, editor)
    assert [v.message for v in store.history("blur")] == ["second", "first"]
    assert editor.module == "blur"
    assert not editor.modified


def test_syntax_error_puts_the_cursor_on_its_line(qtbot, store) -> None:
    editor = FunctionEditor(store, code("blur").replace("return image", "return image +"))
    qtbot.addWidget(editor)
    editor.show()
    press_save(qtbot, editor)  # no commit dialog: the syntax tree fails first
    assert editor.error.isVisible()
    assert "syntax error at line 7" in editor.error.text()
    assert editor.cursor_line() == 7
    assert store.head is None


def test_code_that_raises_when_run_points_at_its_line(qtbot, store) -> None:
    bad = code("blur").replace("\n\n\n@numpy", "\n\nraise RuntimeError('no')\n\n@numpy")
    editor = FunctionEditor(store, bad)
    qtbot.addWidget(editor)
    editor.show()
    answer(SaveCommitDialog, commit_with("x"))
    press_save(qtbot, editor)
    qtbot.waitUntil(lambda: editor.last_error is not None, timeout=20000)
    assert "RuntimeError" in editor.error.text()
    assert editor.cursor_line() == 3
    assert editor.isVisible() and store.head is None


def test_name_clash_points_at_the_def(qtbot, store) -> None:
    store.save(code("blur"), module="filters")
    editor = FunctionEditor(store, "# another\n" + code("blur", "return -image"))
    qtbot.addWidget(editor)
    editor.show()
    answer(SaveCommitDialog, commit_with("x"))
    press_save(qtbot, editor)
    qtbot.waitUntil(lambda: editor.last_error is not None, timeout=20000)
    assert "already exists in module 'filters'" in editor.error.text()
    assert editor.cursor_line() == 6  # the def line


def test_unsaved_text_survives_in_a_draft(qtbot, store) -> None:
    editor = FunctionEditor(store, code("blur"), module="blur")
    qtbot.addWidget(editor)
    editor.editor.setText(code("blur", "return image * 3"))
    qtbot.waitUntil(lambda: bool(gui_drafts()), timeout=5000)
    (draft,) = gui_drafts()
    assert "image * 3" in draft.read_text()
    # a "crash": a new editor resumes the draft
    again = FunctionEditor(store, draft.read_text(), module="blur", draft=draft)
    qtbot.addWidget(again)
    assert "image * 3" in again.text()
    again.discard()
    assert not draft.exists()


def test_commit_dialog_lists_what_will_be_committed(qtbot) -> None:
    from fnstore.manifest import introspect

    found = introspect("import cupy_is_not_here\n" + code("blur", deco="torch"))
    dialog = SaveCommitDialog(found, author="Ann <ann@example.org>")
    qtbot.addWidget(dialog)
    item = dialog.contents.topLevelItem(0)
    assert (item.text(0), item.text(1), item.text(2)) == ("blur", "torch", "image, k: float = 1.0")
    assert "cupy_is_not_here" in dialog.missing_label.text()
    assert dialog.author() == "Ann <ann@example.org>"


@pytest.mark.parametrize(
    ("top_level", "words"),
    [
        ("while True:\n    pass\n", "time"),  # a check that never ends is stopped
        ("import os\nos._exit(3)\n", ""),  # code that ends its process
    ],
    ids=["times-out", "exits"],
)
def test_a_check_that_loops_or_exits_keeps_the_editor_open(
    qtbot, store, monkeypatch, top_level, words
) -> None:
    monkeypatch.setenv("FNSTORE_CHECK_TIMEOUT", "2")
    editor = FunctionEditor(store, top_level + code("blur"))
    qtbot.addWidget(editor)
    editor.show()
    answer(SaveCommitDialog, commit_with("x"))
    press_save(qtbot, editor)
    qtbot.waitUntil(lambda: editor.last_error is not None, timeout=60000)
    assert editor.isVisible() and store.head is None
    assert words in editor.error.text()
    assert editor.text().startswith(top_level)


def test_every_column_is_in_view_at_the_default_size(qtbot, store) -> None:
    # "Available here" was sized to its longest reason and pushed itself out
    # of view behind a scroll bar, header and all.
    store.save(code("blur"))
    store.save(code("threshold_cupy", deco="cupy"))  # cupy is missing here: a long reason
    dialog = FunctionSelectorDialog(store)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.browser.loaded, timeout=20000):
        dialog.show()
    model, table = dialog.browser.model, dialog.browser.table
    qtbot.waitUntil(lambda: bool(model.data(model.index(0, 4))), timeout=20000)  # authors read
    qtbot.wait(50)
    assert "needs cupy" in str(model.data(model.index(1, 6)))
    assert table.horizontalScrollBar().maximum() == 0
    header = table.horizontalHeader()
    last = header.count() - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= (
        table.viewport().width()
    )
