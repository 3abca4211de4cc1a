"""The conflict dialog: mine and theirs side by side, Keep mine / Keep theirs / Keep both.

One dialog per conflicting function of a pull.  The codes are read by
content id (:meth:`FunctionStore.blob_text`, a single small object); a side
that deleted the module shows that instead of code.  The dialog only
returns the choice: :class:`~fnstore.gui._sync.SyncView` settles it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from fnstore.errors import FnStoreError
from fnstore.gui._diff import DiffView
from fnstore.gui._widgets import named

if TYPE_CHECKING:
    from fnstore._facade import FunctionStore
    from fnstore.sync import Conflict

__all__ = ["ConflictDialog"]

_DELETED = "# (deleted on this side)\n"


def _text(store: FunctionStore, content_id: str | None) -> str:
    if content_id is None:
        return _DELETED
    try:
        return store.blob_text(content_id)[1]
    except FnStoreError as exc:  # the object is missing: say so rather than fail
        return f"# (cannot read {content_id[:12]}: {exc})\n"


class ConflictDialog(QDialog):
    """Show one conflict; after ``exec()``, :attr:`choice` is mine, theirs, both or None."""

    def __init__(
        self,
        store: FunctionStore,
        conflict: Conflict,
        *,
        remote: str = "the lab",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.choice: str | None = None
        self.setWindowTitle(f"Conflict: {conflict.name}")
        head = named(
            QLabel(
                f"<b>{conflict.name}</b> (module {conflict.module}) changed here and on "
                f"{remote}: {conflict.reason}. Choose what to keep; nothing of yours "
                "changes until every conflict is settled."
            ),
            "Conflict",
        )
        head.setWordWrap(True)
        self.diff = DiffView()
        mine, theirs = conflict.mine, conflict.theirs
        self.diff.show_texts(
            f"Mine ({mine[:12] if mine else 'deleted'})",
            _text(store, mine),
            f"Theirs ({theirs[:12] if theirs else 'deleted'})",
            _text(store, theirs),
        )
        self.keep_mine = self._choice("Keep mine", "mine", "Keep your version; skip theirs")
        self.keep_theirs = self._choice("Keep theirs", "theirs", f"Take the version from {remote}")
        self.keep_both = self._choice(
            "Keep both",
            "both",
            f"Keep yours, and theirs as module {conflict.module}_theirs "
            f"(function {conflict.name}_theirs)",
        )
        cancel = named(QPushButton("Decide later"), "Decide later", "Leave this conflict open")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        for button in (self.keep_mine, self.keep_theirs, self.keep_both):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.diff, 1)
        layout.addLayout(buttons)
        self.resize(960, 560)

    def _choice(self, text: str, choice: str, tip: str) -> QPushButton:
        button = named(QPushButton(text), text, tip)
        button.setAutoDefault(False)

        def chosen() -> None:
            self.choice = choice
            self.accept()

        button.clicked.connect(chosen)
        return button
