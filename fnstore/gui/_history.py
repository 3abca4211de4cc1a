"""The history of one module: versions, a side-by-side diff, and the actions on them.

Restore this version (after a confirmation: a rollback commit, history is
never rewritten), pin and unpin a version for the registry, tag, delete and
restore the module, rename.  Every store call runs off the UI thread; the
view reloads itself after each change and says what it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fnstore.errors import FunctionNotFoundError
from fnstore.gui import _jobs
from fnstore.gui._diff import DiffView
from fnstore.gui._format import date_text, medians_by_content
from fnstore.gui._widgets import BusyBar, ErrorBanner, named

if TYPE_CHECKING:
    from collections.abc import Callable

    from fnstore._facade import FunctionStore
    from fnstore.store import FunctionVersion

__all__ = ["HistoryView"]

_COLUMNS = ["Version", "Author", "Date", "Message", "Content id", "Benchmarks (median)", "Pin"]


@dataclass
class _Loaded:
    versions: list[FunctionVersion]
    medians: dict[str, str]
    pinned: str | None  # content id this function is pinned to
    deleted: bool


class HistoryView(QWidget):
    """Versions of one function's module, newest first; ``changed()`` after each commit."""

    changed = pyqtSignal()

    def __init__(
        self, store: FunctionStore, name: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.name: str | None = None
        self.versions: list[FunctionVersion] = []
        self.deleted = False

        self.title = named(QLabel("Choose a function to see its history."), "History title")
        self.table = named(QTableWidget(0, len(_COLUMNS)), "Versions")
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()  # type: ignore[union-attr]
        header = self.table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.restore_version = self._button(
            "Restore this version…",
            "Make the selected version's code the newest version",
            self.restore_selected,
        )
        self.pin_button = self._button(
            "Pin this version", "The registry loads this version until unpinned", self.toggle_pin
        )
        self.tag_button = self._button("Tag…", "Name the commit of the selected version", self.tag)
        self.rename_button = self._button("Rename…", "Rename the function", self.rename)
        self.delete_button = self._button(
            "Delete…", "Remove the module (a commit; Restore brings it back)", self.delete
        )
        self.undelete_button = self._button(
            "Restore deleted", "Bring back the deleted module", self.undelete
        )
        actions = QHBoxLayout()
        for button in (self.restore_version, self.pin_button, self.tag_button):
            actions.addWidget(button)
        actions.addStretch(1)
        for button in (self.rename_button, self.delete_button, self.undelete_button):
            actions.addWidget(button)

        self.left_choice = named(QComboBox(), "Compare version")
        self.right_choice = named(QComboBox(), "With version")
        for combo in (self.left_choice, self.right_choice):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.left_choice.currentIndexChanged.connect(self._show_diff)
        self.right_choice.currentIndexChanged.connect(self._show_diff)
        compare = QHBoxLayout()
        compare.addWidget(QLabel("Compare"))
        compare.addWidget(self.left_choice)
        compare.addWidget(QLabel("with"))
        compare.addWidget(self.right_choice)
        compare.addStretch(1)
        self.diff = DiffView()
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(compare)
        lower_layout.addWidget(self.diff, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)

        self.status = named(QLabel(), "History status")
        self.status.setWordWrap(True)
        self.error = ErrorBanner()
        self.busy = BusyBar()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(actions)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        self._update_buttons()
        if name is not None:
            self.set_function(name)

    def _button(self, text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        button = named(QPushButton(text), text.rstrip("…"), tip)
        button.clicked.connect(slot)
        return button

    # -- loading ---------------------------------------------------------------
    def set_function(self, name: str | None) -> None:
        """Show the history of ``name`` (a function or module name)."""
        self.name = name
        self.reload()

    def reload(self) -> None:
        """Read the history again, off the UI thread."""
        name, store = self.name, self.store
        if name is None:
            self._show(_Loaded([], {}, None, False))
            return

        def load(job: _jobs.Job) -> _Loaded:
            try:
                versions = store.history(name)
            except FunctionNotFoundError:
                return _Loaded([], {}, None, True)
            records = store.bench_history(name)
            return _Loaded(
                versions,
                medians_by_content(records),
                store.pinned_functions.get(versions[0].name),
                False,
            )

        self._run(f"Reading the history of {name}", load, self._show, reload=False)

    def _show(self, loaded: _Loaded) -> None:
        self.versions, self.deleted = loaded.versions, loaded.deleted
        self.pinned = loaded.pinned
        name = self.name or ""
        if loaded.deleted:
            self.title.setText(f"{name} is deleted: Restore deleted brings it back.")
        elif loaded.versions:
            latest = loaded.versions[0]
            self.title.setText(
                f"<b>{latest.name}</b> in module <b>{latest.module}</b>: "
                f"{len(loaded.versions)} version(s)"
            )
        self.table.setRowCount(len(loaded.versions))
        for row, v in enumerate(loaded.versions):
            pin = "pinned" if loaded.pinned == v.content_id else ""
            cells = [
                str(v.version),
                v.author.split(" <")[0],
                date_text(v.time),
                v.message.strip().splitlines()[0] if v.message.strip() else "",
                v.content_id[:12],
                loaded.medians.get(v.content_id, ""),
                pin,
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(v.message if col == 3 else v.author if col == 1 else text)
                self.table.setItem(row, col, item)
        if loaded.versions:
            self.table.selectRow(0)
        labels = [f"version {v.version}" for v in loaded.versions]
        for combo, index in ((self.left_choice, 1), (self.right_choice, 0)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(labels)
            combo.setCurrentIndex(min(index, len(labels) - 1))
            combo.blockSignals(False)
        self._show_diff()
        self._update_buttons()

    def _show_diff(self) -> None:
        a, b = self.left_choice.currentIndex(), self.right_choice.currentIndex()
        if a < 0 or b < 0 or not self.versions:
            self.diff.show_texts("", "", "", "")
            return
        va, vb = self.versions[a], self.versions[b]
        self.diff.show_texts(
            f"version {va.version} ({va.content_id[:12]})",
            va.source,
            f"version {vb.version} ({vb.content_id[:12]})",
            vb.source,
        )

    def compare(self, left: int, right: int) -> None:
        """Show the diff between two version numbers."""
        numbers = [v.version for v in self.versions]
        self.left_choice.setCurrentIndex(numbers.index(left))
        self.right_choice.setCurrentIndex(numbers.index(right))

    def selected(self) -> FunctionVersion | None:
        """Return the highlighted version."""
        rows = self.table.selectionModel()
        if rows is None or not rows.selectedRows():
            return None
        return self.versions[rows.selectedRows()[0].row()]

    def select_version(self, number: int) -> None:
        """Highlight version ``number``."""
        for row, v in enumerate(self.versions):
            if v.version == number:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        idle = not self.busy.busy
        live = bool(self.versions) and idle
        self.restore_version.setEnabled(
            live and chosen is not None and chosen is not self.versions[0]
        )
        self.pin_button.setEnabled(live and chosen is not None)
        pinned_here = chosen is not None and self.pinned == chosen.content_id
        self.pin_button.setText("Unpin" if pinned_here else "Pin this version")
        self.tag_button.setEnabled(live and chosen is not None)
        self.rename_button.setEnabled(live)
        self.delete_button.setEnabled(live)
        self.undelete_button.setEnabled(self.deleted and idle)

    pinned: str | None = None

    # -- actions -----------------------------------------------------------------
    def _run(
        self,
        label: str,
        call: Callable[[_jobs.Job], Any],
        done: Callable[[Any], None],
        *,
        reload: bool = True,
    ) -> None:
        self.error.clear_error()

        def finished(result: Any) -> None:
            done(result)
            if reload:
                self.changed.emit()
                self.reload()

        job = _jobs.start(label, call, done=finished, failed=self.error.show_error, owner=self)
        self.busy.track(job, cancellable=False)
        job.when_finished(self._update_buttons)
        self._update_buttons()

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def restore_selected(self) -> None:
        """Restore the selected version: its code becomes a new version (after a yes)."""
        chosen, store = self.selected(), self.store
        if chosen is None or self.name is None:
            return
        newest = self.versions[0].version
        if not self._confirm(
            "Restore this version",
            f"Make version {chosen.version} of {chosen.module} the current code?\n\n"
            f"This adds version {newest + 1} with the code of version {chosen.version}; "
            "every version stays in the history.",
        ):
            return
        name, number = chosen.name, chosen.version
        self._run(
            f"Restoring version {number}",
            lambda job: store.rollback(name, number),
            lambda r: self.status.setText(
                f"Version {r.version} now has the code of version {number}."
            ),
        )

    def toggle_pin(self) -> None:
        """Pin the selected version for the registry, or unpin it."""
        chosen, store = self.selected(), self.store
        if chosen is None:
            return
        name, number = chosen.name, chosen.version
        if self.pinned == chosen.content_id:
            self._run(
                f"Unpinning {name}",
                lambda job: store.unpin_function(name),
                lambda _r: self.status.setText(f"{name} follows the pin again."),
            )
        else:
            self._run(
                f"Pinning {name}@{number}",
                lambda job: store.pin_function(name, str(number)),
                lambda _r: self.status.setText(f"The registry loads {name} at version {number}."),
            )

    def tag(self) -> None:
        """Tag the commit of the selected version."""
        chosen, store = self.selected(), self.store
        if chosen is None:
            return
        tag, ok = QInputDialog.getText(
            self, "Tag", f"Tag for the commit of version {chosen.version}:"
        )
        if not ok or not tag.strip():
            return
        tag, commit = tag.strip(), chosen.commit
        self._run(
            f"Tagging {tag}",
            lambda job: store.tag(tag, commit),
            lambda _r: self.status.setText(f"Tagged {tag}: {chosen.name}@{tag} gets this version."),
        )

    def rename(self) -> None:
        """Rename the function (and its module when named after it)."""
        old, store = self.name, self.store
        if old is None:
            return
        new, ok = QInputDialog.getText(
            self, "Rename", f"New name for {old}:", QLineEdit.EchoMode.Normal, old
        )
        new = new.strip()
        if not ok or not new or new == old:
            return

        def renamed(_result: Any) -> None:
            self.name = new
            self.status.setText(f"Renamed {old} to {new}.")

        self._run(f"Renaming {old}", lambda job: store.rename(old, new), renamed)

    def delete(self) -> None:
        """Delete the module (a commit; Restore deleted brings it back)."""
        name, store = self.name, self.store
        if name is None or not self._confirm(
            "Delete", f"Delete {name}'s module? Restore deleted brings it back."
        ):
            return
        self._run(
            f"Deleting {name}",
            lambda job: store.delete(name),
            lambda _r: self.status.setText(f"Deleted {name}."),
        )

    def undelete(self) -> None:
        """Bring the deleted module back."""
        name, store = self.name, self.store
        if name is None:
            return
        self._run(
            f"Restoring {name}",
            lambda job: store.restore(name),
            lambda r: self.status.setText(f"Restored {name} as version {r.version}."),
        )
