"""Lab sync in the GUI: add a remote, push, pull with a conflict, keep both."""

from __future__ import annotations

import tests.gui._qt  # noqa: F401  (first: skips the module without the GUI extra)

# isort: split
import subprocess
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt

from fnstore import open_store
from fnstore.gui import SyncView
from fnstore.gui._remote import AddRemoteDialog
from tests.gui._helpers import code


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "lab.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    return path


def idle(qtbot, view: SyncView) -> None:
    qtbot.waitUntil(lambda: not view.busy.busy, timeout=30000)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_add_remote_test_connection_and_push(qtbot, tmp_path, remote) -> None:
    store = open_store(tmp_path / "mine.git")
    store.save(code("blur"))
    view = SyncView(store)
    qtbot.addWidget(view)
    view.show()
    assert not view.push_button.isEnabled()  # no remote yet
    click(qtbot, view.add_button)
    dialog = view.findChild(AddRemoteDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.url_edit.setText(str(remote))
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(lambda: "Connected to lab" in dialog.result_label.text(), timeout=30000)
    click(qtbot, dialog.findChild(type(view.add_button), "add_remote"))
    qtbot.waitUntil(lambda: view.remotes.rowCount() == 1)
    assert store.remotes() == {"lab": str(remote)}
    click(qtbot, view.push_button)
    idle(qtbot, view)
    assert "Pushed main to lab" in view.status.text()
    out = subprocess.run(
        ["git", "--git-dir", str(remote), "rev-parse", "main"], capture_output=True, text=True
    )
    assert out.stdout.strip() == store.head


def test_cancelled_test_leaves_no_remote(qtbot, tmp_path, remote) -> None:
    store = open_store(tmp_path / "mine.git")
    view = SyncView(store)
    qtbot.addWidget(view)
    dialog = view.add_remote()
    dialog.url_edit.setText(str(tmp_path / "nowhere.git"))
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(dialog.error.isVisible, timeout=30000)
    assert "nowhere.git" in dialog.error.text()
    dialog.reject()
    assert store.remotes() == {}


def test_pull_with_a_conflict_keep_both(qtbot, tmp_path, remote) -> None:
    mine = open_store(tmp_path / "mine.git")
    mine.save(code("blur"))
    mine.add_remote("lab", str(remote))
    mine.push("lab")
    theirs = open_store(tmp_path / "theirs.git")
    theirs.add_remote("lab", str(remote))
    theirs.pull("lab")
    theirs.save(code("blur", "return image * 2"), message="theirs")
    theirs.push("lab")
    mine.save(code("blur", "return image * 3"), message="mine")

    view = SyncView(mine)
    qtbot.addWidget(view)
    view.show()
    click(qtbot, view.pull_button)
    qtbot.waitUntil(lambda: view.conflict_dialog is not None, timeout=30000)
    dialog = view.conflict_dialog
    assert "image * 3" in dialog.diff.left.toPlainText()
    assert "image * 2" in dialog.diff.right.toPlainText()
    assert view.conflicts.count() == 1
    click(qtbot, dialog.keep_both)
    qtbot.waitUntil(lambda: "the pull is merged" in view.status.text(), timeout=30000)
    idle(qtbot, view)
    assert mine.get("blur").source == code("blur", "return image * 3")
    assert "image * 2" in mine.get("blur_theirs").source
    assert mine.conflicts() == []
    assert view.conflicts.count() == 0


def test_cancel_a_pull(qtbot, tmp_path, remote) -> None:
    theirs = open_store(tmp_path / "theirs.git")
    for i in range(30):
        theirs.save(code(f"f{i}"))
    theirs.add_remote("lab", str(remote))
    theirs.push("lab")
    mine = open_store(tmp_path / "mine.git")
    mine.add_remote("lab", str(remote))
    view = SyncView(mine)
    qtbot.addWidget(view)
    job = view.pull()
    job.cancel()  # before the first progress report: the pull stops there
    idle(qtbot, view)
    assert "cancelled" in view.status.text()
    assert not view.error.isVisible()
    assert mine.head is None


def test_incoming_version_waits_for_review_then_accept(qtbot, tmp_path, remote) -> None:
    theirs = open_store(tmp_path / "theirs.git")
    theirs.save(code("denoise"), message="from the lab")
    theirs.add_remote("lab", str(remote))
    theirs.push("lab")
    mine = open_store(tmp_path / "mine.git")
    mine.save(code("blur"))
    mine.add_remote("lab", str(remote))
    mine.set_trust("review")
    view = SyncView(mine)
    qtbot.addWidget(view)
    view.show()
    click(qtbot, view.pull_button)
    qtbot.waitUntil(lambda: view.review.count() == 1, timeout=30000)
    assert view.review.item(0).text().startswith("denoise@1 by ")
    assert "return image" in view.review_detail.toPlainText()
    assert view.accept_button.isEnabled()
    click(qtbot, view.accept_button)
    qtbot.waitUntil(lambda: "Accepted denoise@" in view.status.text(), timeout=30000)
    qtbot.waitUntil(lambda: view.review.count() == 0, timeout=30000)
    assert mine.pending() == []
