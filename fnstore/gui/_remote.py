"""Adding a lab remote: a name, a URL, and a test of the connection.

Testing adds the remote (git keeps remotes in the store's config) and
fetches from it off the UI thread; a tested remote that the user then
cancels is removed again, so the dialog leaves nothing behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fnstore.errors import FnStoreError
from fnstore.gui import _jobs
from fnstore.gui._widgets import BusyBar, ErrorBanner, named

if TYPE_CHECKING:
    from fnstore._facade import FunctionStore
    from fnstore.sync import FetchResult

__all__ = ["AddRemoteDialog"]


class AddRemoteDialog(QDialog):
    """Name and URL of a lab repository; Test connection fetches from it."""

    def __init__(self, store: FunctionStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Add a lab remote")
        self._added: str | None = None  # added by a test, removed again on cancel
        self.name_edit = named(QLineEdit("lab" if "lab" not in store.remotes() else ""), "Name")
        self.url_edit = named(
            QLineEdit(),
            "URL",
            "A path, file://, git://, ssh:// or https:// URL of a git repository",
        )
        self.url_edit.setPlaceholderText("/shared/lab/functions.git or ssh://host/path.git")
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&URL:", self.url_edit)
        self.test_button = named(QPushButton("Test connection"), "Test connection")
        self.test_button.clicked.connect(self.test)
        self.result_label = named(QLabel(), "Connection result")
        self.result_label.setWordWrap(True)
        self.error = ErrorBanner()
        self.busy = BusyBar()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert ok is not None and cancel is not None
        ok.setText("Add")
        named(ok, "Add remote")
        named(cancel, "Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.test_button)
        layout.addWidget(self.result_label)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(buttons)
        self.resize(520, 220)

    def _ensure_added(self) -> str | None:
        name, url = self.name_edit.text().strip(), self.url_edit.text().strip()
        if self._added == name and self.store.remotes().get(name) == url:
            return name
        if self._added is not None:
            self.store.remove_remote(self._added)
            self._added = None
        try:
            self.store.add_remote(name, url)
        except FnStoreError as exc:
            self.error.show_error(exc)
            return None
        self._added = name
        return name

    def test(self) -> None:
        """Add the remote and fetch from it, off the UI thread."""
        self.error.clear_error()
        self.result_label.clear()
        name = self._ensure_added()
        if name is None:
            return
        store = self.store

        def tested(result: FetchResult) -> None:
            if result.commit is None:
                self.result_label.setText(f"Connected to {name}: the repository is empty.")
            else:
                self.result_label.setText(
                    f"Connected to {name}: {result.objects} objects received."
                )

        job = _jobs.start(
            f"Connecting to {name}",
            lambda job: store.fetch(name, progress=job.report),
            done=tested,
            failed=self.error.show_error,
            owner=self,
        )
        self.busy.track(job)
        self.test_button.setEnabled(False)
        job.when_finished(lambda: self.test_button.setEnabled(True))

    def accept(self) -> None:
        """Add the remote (if the test did not already) and close."""
        self.error.clear_error()
        if self._ensure_added() is None:
            return
        self._added = None
        super().accept()

    def reject(self) -> None:
        """Close, removing a remote that only the test added."""
        if self._added is not None and self._added in self.store.remotes():
            self.store.remove_remote(self._added)
        self._added = None
        super().reject()
