"""Small shared pieces: accessible naming, the error banner, the busy bar.

Errors are shown in words the store chose: an :class:`~fnstore.errors.FnStoreError`
message is shown as it is, once; anything else is a bug and says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont, QFontDatabase
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from fnstore.errors import FnStoreError

if TYPE_CHECKING:
    from fnstore.gui._jobs import Job

__all__ = ["BusyBar", "ErrorBanner", "error_text", "monospace", "named"]

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, tip: str | None = None) -> W:
    """Give ``widget`` an accessible name (screen readers, tests) and an object name."""
    widget.setAccessibleName(name)
    widget.setObjectName(name.lower().replace(" ", "_"))
    if tip:
        widget.setToolTip(tip)
        widget.setAccessibleDescription(tip)
    return widget


def error_text(exc: BaseException) -> str:
    """Return the words to show for a failure: the store's own message, or a bug report."""
    if isinstance(exc, FnStoreError):
        return str(exc)
    return f"Unexpected error (a bug in fnstore, please report it): {type(exc).__name__}: {exc}"


def monospace() -> QFont:
    """Return the platform's fixed-width font, for code."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class ErrorBanner(QLabel):
    """A wrapped, selectable line of error text under a view; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "Error message")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet(
            "QLabel { color: #7a0010; background: #fde7e9; border: 1px solid #e8a0a8;"
            " padding: 4px; }"
        )
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def show_error(self, exc: BaseException | str) -> None:
        """Show one failure (replacing any earlier one)."""
        self.setText(exc if isinstance(exc, str) else error_text(exc))
        self.show()

    def clear_error(self) -> None:
        """Hide the banner."""
        self.setText("")
        self.hide()


class BusyBar(QWidget):
    """What is running, how far it got, and a Cancel button; hidden when idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "Busy")
        self.label = named(QLabel(), "Busy status")
        self.bar = named(QProgressBar(), "Progress")
        self.bar.setTextVisible(False)
        self.cancel_button = named(QPushButton("Cancel"), "Cancel running task")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        self.job: Job | None = None
        self.hide()

    @property
    def busy(self) -> bool:
        """Whether a job is being tracked."""
        return self.job is not None

    def track(self, job: Job, *, cancellable: bool = True) -> None:
        """Show ``job`` as running until it finishes."""
        self.job = job
        self.label.setText(job.label + "…")
        self.bar.setRange(0, 0)  # busy until the first figures arrive
        self.cancel_button.setEnabled(cancellable)
        self.cancel_button.setVisible(cancellable)
        job.when_finished(lambda: self._done(job))
        self.show()

    def set_progress(self, done: int, total: int, text: str | None = None) -> None:
        """Show ``done`` of ``total`` (0 total: still busy, amount unknown)."""
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if text is not None and self.job is not None:
            self.label.setText(f"{self.job.label}: {text}")

    def cancel(self) -> None:
        """Ask the running job to stop."""
        if self.job is not None:
            self.job.cancel()
            self.label.setText(self.job.label + ": cancelling…")
            self.cancel_button.setEnabled(False)

    def _done(self, job: Job) -> None:
        if self.job is job:  # a job started by this one's callback may be running now
            self.job = None
            self.hide()
