"""Lab sync: remotes, Pull and Push with progress and cancel, conflicts, review.

Pull and push run off the UI thread; their progress (objects of total)
moves the bar, and Cancel stops the transfer at its next progress report
(fnstore stops a fetch or push whose progress callback raises).  A pull
that leaves conflicts opens :class:`~fnstore.gui._conflict.ConflictDialog`
for each, in turn; the last choice completes the merge.

Review of incoming code (the store's trust policy, ``review`` or
``signed``): "Incoming for review" lists the versions a pull brought that
may not run yet (``store.pending()``, read off the UI thread: it looks at
every module), each with why, its diff against the last trusted version and
what its import would run; Accept trusts the selected one
(``store.accept(ref)``), Accept all every one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fnstore.gui import _jobs
from fnstore.gui._conflict import ConflictDialog
from fnstore.gui._remote import AddRemoteDialog
from fnstore.gui._widgets import BusyBar, ErrorBanner, monospace, named

if TYPE_CHECKING:
    from collections.abc import Callable

    from fnstore._facade import FunctionStore
    from fnstore.sync import Conflict, PullResult, PushResult, TransferProgress

__all__ = ["SyncView"]


class SyncView(QWidget):
    """Remotes, pull, push and conflicts of one store; ``changed()`` after a pull changed it."""

    changed = pyqtSignal()

    def __init__(self, store: FunctionStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.conflict_dialog: ConflictDialog | None = None
        self.last_result: PullResult | PushResult | None = None

        self.remotes = named(QTableWidget(0, 2), "Remotes")
        self.remotes.setHorizontalHeaderLabels(["Remote", "URL"])
        self.remotes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.remotes.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.remotes.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.remotes.verticalHeader().hide()  # type: ignore[union-attr]
        header = self.remotes.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.add_button = self._button("Add remote…", "Add a lab repository", self.add_remote)
        self.remove_button = self._button(
            "Remove remote", "Forget the selected remote (nothing is deleted there)", self.remove
        )
        self.pull_button = self._button(
            "Pull", "Fetch the lab's functions and merge them, module by module", self.pull
        )
        self.push_button = self._button("Push", "Send your versions to the lab", self.push)
        row = QHBoxLayout()
        for button in (self.pull_button, self.push_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)

        self.conflicts = named(QListWidget(), "Conflicts")
        self.resolve_button = self._button(
            "Resolve…",
            "Choose mine, theirs or both for the selected conflict",
            self.resolve_selected,
        )
        self.abort_button = self._button(
            "Abort pull", "Forget the pending pull; nothing of yours changed", self.abort
        )
        conflict_box = named(QGroupBox("Conflicts of the last pull"), "Conflicts of the last pull")
        conflict_layout = QVBoxLayout(conflict_box)
        conflict_layout.addWidget(self.conflicts)
        conflict_buttons = QHBoxLayout()
        conflict_buttons.addWidget(self.resolve_button)
        conflict_buttons.addWidget(self.abort_button)
        conflict_buttons.addStretch(1)
        conflict_layout.addLayout(conflict_buttons)

        self.review = named(QListWidget(), "Incoming for review")
        self.review.currentRowChanged.connect(self._show_pending)
        self.review_detail = named(QPlainTextEdit(), "Incoming diff")
        self.review_detail.setReadOnly(True)
        self.review_detail.setFont(monospace())
        self.review_detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.accept_button = self._button(
            "Accept",
            "Trust the selected incoming version: it may run from now on",
            self.accept_selected,
        )
        self.accept_all_button = self._button(
            "Accept all", "Trust every incoming version listed", self.accept_all
        )
        self.review_box = named(QGroupBox("Incoming for review"), "Incoming for review box")
        review_layout = QGridLayout(self.review_box)
        review_layout.addWidget(self.review, 0, 0)
        review_layout.addWidget(self.review_detail, 0, 1)
        review_buttons = QHBoxLayout()
        review_buttons.addWidget(self.accept_button)
        review_buttons.addWidget(self.accept_all_button)
        review_buttons.addStretch(1)
        review_layout.addLayout(review_buttons, 1, 0, 1, 2)
        review_layout.setColumnStretch(1, 2)
        self.pending: list[Any] = []  # store.pending()'s PendingVersion values

        self.status = named(QLabel(), "Sync status")
        self.status.setWordWrap(True)
        self.error = ErrorBanner()
        self.busy = BusyBar()
        layout = QVBoxLayout(self)
        layout.addWidget(self.remotes, 1)
        layout.addLayout(row)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(conflict_box, 1)
        layout.addWidget(self.review_box, 1)
        self.refresh()

    def _button(self, text: str, tip: str, slot: Callable[[], object]) -> QPushButton:
        button = named(QPushButton(text), text.rstrip("…"), tip)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- state --------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the remotes, the open conflicts and the review list (all local, fast)."""
        remotes = self.store.remotes()
        chosen = self.remote()
        self.remotes.setRowCount(len(remotes))
        for row, (name, url) in enumerate(sorted(remotes.items())):
            self.remotes.setItem(row, 0, QTableWidgetItem(name))
            self.remotes.setItem(row, 1, QTableWidgetItem(url))
            if name == chosen or (chosen is None and row == 0):
                self.remotes.selectRow(row)
        self.conflicts.clear()
        for conflict in self.store.conflicts():
            item = QListWidgetItem(f"{conflict.name} ({conflict.module}): {conflict.reason}")
            item.setData(256, conflict.name)
            self.conflicts.addItem(item)
        if self.conflicts.count():
            self.conflicts.setCurrentRow(0)
        self._update_buttons()
        self.load_review()

    def load_review(self) -> None:
        """Read what awaits review, off the UI thread (it looks at every module).

        One read at a time: a refresh while one runs asks for one more after it.
        """
        if self._reading_review is not None:
            self._review_again = True
            return
        store = self.store
        job = _jobs.start(
            "Reading what awaits review",
            lambda job: store.pending(),
            done=self._fill_review,
            failed=self.error.show_error,
            owner=self,
        )
        self._reading_review = job
        job.when_finished(self._review_read)

    _reading_review: _jobs.Job | None = None
    _review_again = False

    def _review_read(self) -> None:
        self._reading_review = None
        if self._review_again:
            self._review_again = False
            self.load_review()

    def _fill_review(self, pending: list[Any]) -> None:
        self.pending = pending
        self.review.clear()
        # plain strings in one call: a pull of 1,000 modules lists 1,000 at once
        self.review.addItems([f"{e.module}@{e.version} by {e.author}: {e.reason}" for e in pending])
        self.review_box.setTitle(f"Incoming for review ({len(pending)})")
        if pending:
            self.review.setCurrentRow(0)
        else:
            policy = self.store.trust_policy
            self.review_detail.setPlainText(
                "Nothing waits for review."
                if policy != "any"
                else "The trust policy is 'any': every pulled version may run without review "
                "(store.set_trust('review') turns review on)."
            )
        self._update_buttons()

    def _show_pending(self, row: int) -> None:
        if not 0 <= row < len(self.pending):
            return
        entry = self.pending[row]
        base = entry.base or "nothing (a new module)"
        self.review_detail.setPlainText(
            f"{entry.module} version {entry.version}: {entry.message.strip()}\n"
            f"Why it waits: {entry.reason}\n"
            f"Importing it: {entry.report.summary()}\n"
            f"Changes since {base}:\n\n{entry.diff}"
        )

    def remote(self) -> str | None:
        """Return the selected remote's name (the first when none is selected)."""
        rows = self.remotes.selectionModel()
        if rows is not None and rows.selectedRows():
            item = self.remotes.item(rows.selectedRows()[0].row(), 0)
            return item.text() if item is not None else None
        first = self.remotes.item(0, 0)
        return first.text() if first is not None else None

    def _update_buttons(self) -> None:
        idle = not self.busy.busy
        has_remote = self.remotes.rowCount() > 0
        self.pull_button.setEnabled(idle and has_remote)
        self.push_button.setEnabled(idle and has_remote)
        self.remove_button.setEnabled(idle and has_remote)
        self.add_button.setEnabled(idle)
        self.resolve_button.setEnabled(idle and self.conflicts.count() > 0)
        self.abort_button.setEnabled(idle and self.conflicts.count() > 0)
        self.accept_button.setEnabled(idle and self.review.count() > 0)
        self.accept_all_button.setEnabled(idle and self.review.count() > 0)

    # -- remotes ---------------------------------------------------------------------
    def add_remote(self) -> AddRemoteDialog:
        """Open the Add remote dialog (window-modal); the list follows when it closes."""
        dialog = AddRemoteDialog(self.store, self)
        dialog.finished.connect(lambda _code: self.refresh())
        dialog.open()
        return dialog

    def remove(self) -> None:
        """Forget the selected remote."""
        name = self.remote()
        if name is not None:
            self.store.remove_remote(name)
            self.status.setText(f"Removed remote {name}.")
            self.refresh()

    # -- pull and push --------------------------------------------------------------
    def _transfer(
        self, label: str, call: Callable[[_jobs.Job], Any], done: Callable[[Any], None]
    ) -> _jobs.Job:
        self.error.clear_error()
        self.status.clear()

        def cancelled() -> None:
            self.status.setText(f"{label} cancelled; nothing of yours was lost.")

        job = _jobs.start(
            label,
            call,
            done=done,
            failed=self.error.show_error,
            progress=self._progress,
            owner=self,
        )
        job.cancelled.connect(cancelled)
        self.busy.track(job)
        job.when_finished(self.refresh)
        self._update_buttons()
        return job

    def _progress(self, p: TransferProgress) -> None:
        total = f" of {p.total}" if p.total else ""
        self.busy.set_progress(p.objects, p.total, f"{p.phase} {p.objects}{total} objects")

    def pull(self) -> _jobs.Job | None:
        """Pull from the selected remote."""
        remote, store = self.remote(), self.store
        if remote is None:
            return None
        return self._transfer(
            f"Pulling from {remote}",
            lambda job: store.pull(remote, progress=job.report),
            self._pulled,
        )

    def push(self) -> _jobs.Job | None:
        """Push to the selected remote."""
        remote, store = self.remote(), self.store
        if remote is None:
            return None

        def pushed(result: PushResult) -> None:
            self.last_result = result
            self.status.setText(f"Pushed {result.branch} to {result.remote}.")

        return self._transfer(
            f"Pushing to {remote}", lambda job: store.push(remote, progress=job.report), pushed
        )

    def _pulled(self, result: PullResult) -> None:
        self.last_result = result
        if result.status == "up-to-date":
            self.status.setText(f"Already up to date with {result.remote}.")
        elif result.status == "conflicts":
            self.status.setText(
                f"{len(result.conflicts)} conflict(s) with {result.remote}: choose what to keep. "
                "Nothing of yours changed yet."
            )
        else:
            changed = ", ".join(result.changed) or "nothing"
            self.status.setText(f"Pulled from {result.remote} ({result.status}): {changed}.")
            self.changed.emit()
        if result.status == "conflicts":
            self.refresh()
            self.resolve_selected()

    # -- conflicts -------------------------------------------------------------------
    def resolve_selected(self) -> ConflictDialog | None:
        """Open the conflict dialog for the selected (or first) open conflict."""
        open_conflicts = self.store.conflicts()
        if not open_conflicts:
            return None
        item = self.conflicts.currentItem()
        wanted = item.data(256) if item is not None else None
        conflict = next((c for c in open_conflicts if c.name == wanted), open_conflicts[0])
        return self._ask(conflict)

    def _ask(self, conflict: Conflict) -> ConflictDialog:
        dialog = ConflictDialog(
            self.store, conflict, remote=self.remote() or "the lab", parent=self
        )
        self.conflict_dialog = dialog

        def finished(_code: int) -> None:
            self.conflict_dialog = None
            if dialog.choice is not None:
                self._settle(conflict.name, dialog.choice)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def _settle(self, name: str, choice: str) -> None:
        store = self.store

        def settled(result: PullResult) -> None:
            self.last_result = result
            if result.status == "conflicts":
                self.status.setText(f"Kept {choice} for {name}; {len(result.conflicts)} to go.")
                self.refresh()
                self.resolve_selected()
                return
            renamed = "".join(f" {old} is now {new}." for old, new in result.renamed.items())
            self.status.setText(f"Kept {choice} for {name}; the pull is merged.{renamed}")
            self.changed.emit()

        job = _jobs.start(
            f"Keeping {choice} for {name}",
            lambda job: store.resolve(name, choice),  # type: ignore[call-overload]
            done=settled,
            failed=self.error.show_error,
            owner=self,
        )
        self.busy.track(job, cancellable=False)
        job.when_finished(self.refresh)

    def abort(self) -> None:
        """Forget the pending pull."""
        store = self.store
        job = _jobs.start(
            "Forgetting the pull",
            lambda job: store.abort_pull(),
            done=lambda _r: self.status.setText("The pull was abandoned; nothing changed."),
            failed=self.error.show_error,
            owner=self,
        )
        self.busy.track(job, cancellable=False)
        job.when_finished(self.refresh)

    # -- review (trust policy) ---------------------------------------------------------
    def accept_selected(self) -> None:
        """Trust the selected incoming version."""
        row = self.review.currentRow()
        if not 0 <= row < len(self.pending):
            return
        ref, store = self.pending[row].ref, self.store
        self._review_job(f"Accepting {ref}", lambda: store.accept(ref), f"Accepted {ref}.")

    def accept_all(self) -> None:
        """Trust every incoming version listed."""
        if not self.pending:
            return
        store = self.store
        self._review_job("Accepting all", store.accept_all, "Accepted every incoming version.")

    def _review_job(self, label: str, call: Callable[[], object], message: str) -> None:
        def accepted(_result: object) -> None:
            self.status.setText(message)
            self.changed.emit()

        job = _jobs.start(
            label, lambda job: call(), done=accepted, failed=self.error.show_error, owner=self
        )
        self.busy.track(job, cancellable=False)
        job.when_finished(self.refresh)
