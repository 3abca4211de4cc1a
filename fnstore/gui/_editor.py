"""The function editor: QScintilla with Python highlighting, Ctrl+S saves as a commit.

Saving reads the code's syntax tree first (a syntax error is shown at once,
the cursor on its line), then asks for the commit message in
:class:`~fnstore.gui._commit.SaveCommitDialog`, then saves off the UI thread
(the store runs the code once to check it).  A failed save keeps the editor
open with the store's message and the cursor on the line it names.  The text
is written to a draft a moment after each change, so a crash loses nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.Qsci import QsciLexerPython, QsciScintilla
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QCloseEvent, QColor, QKeySequence
from PyQt6.QtWidgets import QLabel, QMessageBox, QToolBar, QVBoxLayout, QWidget

from fnstore.errors import FnStoreError
from fnstore.gui import _jobs
from fnstore.gui._commit import SaveCommitDialog
from fnstore.gui._drafts import Draft
from fnstore.gui._errorline import error_line
from fnstore.gui._widgets import BusyBar, ErrorBanner, error_text, monospace, named

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.store import FunctionStore, SaveResult

__all__ = ["FunctionEditor"]

_ERROR_MARKER = 8
_ERROR_SYMBOL = 9
_AUTOSAVE_MS = 700


class FunctionEditor(QWidget):
    """Edit one module's code and save it as a new version (``saved(SaveResult)``).

    ``module`` is the module the code is saved into (None: a new module named
    after its first function).  ``draft`` resumes a draft left by a crash.
    """

    saved = pyqtSignal(object)

    def __init__(
        self,
        store: FunctionStore,
        code: str = "",
        *,
        module: str | None = None,
        draft: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.module = store, module
        self._base = code  # the text as last saved (or loaded): no draft needed for it
        self.draft = Draft(draft) if draft is not None else Draft.new(module)
        self.last_error: str | None = None

        self.editor = named(QsciScintilla(), "Code editor")
        lexer = QsciLexerPython(self.editor)
        lexer.setDefaultFont(monospace())
        for style in range(128):
            lexer.setFont(monospace(), style)
        self.editor.setLexer(lexer)
        self.editor.setUtf8(True)
        self.editor.setAutoIndent(True)
        self.editor.setIndentationsUseTabs(False)
        self.editor.setIndentationWidth(4)
        self.editor.setTabWidth(4)
        self.editor.setCaretLineVisible(True)
        self.editor.setCaretLineBackgroundColor(QColor("#f3f6fb"))
        self.editor.setMarginType(0, QsciScintilla.MarginType.NumberMargin)
        self.editor.setMarginsFont(monospace())
        self.editor.setMarginLineNumbers(0, True)
        self.editor.setBraceMatching(QsciScintilla.BraceMatch.SloppyBraceMatch)
        self.editor.markerDefine(QsciScintilla.MarkerSymbol.Background, _ERROR_MARKER)
        self.editor.setMarkerBackgroundColor(QColor("#fbd3d7"), _ERROR_MARKER)
        # the caret line hides a line's background: a mark in the margin shows it too
        self.editor.markerDefine(QsciScintilla.MarkerSymbol.RightArrow, _ERROR_SYMBOL)
        self.editor.setMarkerBackgroundColor(QColor("#c0142c"), _ERROR_SYMBOL)
        self.editor.setMarkerForegroundColor(QColor("#c0142c"), _ERROR_SYMBOL)
        self.editor.setMarginType(1, QsciScintilla.MarginType.SymbolMargin)
        self.editor.setMarginWidth(1, "99")
        self.editor.setMarginMarkerMask(1, 1 << _ERROR_SYMBOL)
        self.editor.setMarginMarkerMask(0, 0)
        self.editor.setText(code)
        self._fit_margin()
        self.editor.textChanged.connect(self._changed)

        self.save_action = QAction("Save as commit…", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_action.triggered.connect(self.save)
        self.addAction(self.save_action)
        toolbar = named(QToolBar(), "Editor tools")
        toolbar.addAction(self.save_action)
        save_button = toolbar.widgetForAction(self.save_action)
        if save_button is not None:
            named(save_button, "Save as commit", "Save the code as a new version (Ctrl+S)")
        self.where = named(QLabel(), "Module")
        toolbar.addSeparator()
        toolbar.addWidget(self.where)

        self.error = ErrorBanner()
        self.busy = BusyBar()
        layout = QVBoxLayout(self)
        layout.addWidget(toolbar)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)

        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(_AUTOSAVE_MS)
        self._autosave.timeout.connect(self.write_draft)
        self._update_title()
        self.resize(760, 620)

    # -- text and drafts -----------------------------------------------------------
    def text(self) -> str:
        """Return the code in the editor."""
        return self.editor.text()

    @property
    def modified(self) -> bool:
        """Whether the text differs from the last saved (or loaded) code."""
        return self.text() != self._base

    def _changed(self) -> None:
        self._fit_margin()
        self._clear_marks()
        self._autosave.start()

    def _fit_margin(self) -> None:
        digits = len(str(max(self.editor.lines(), 1)))
        self.editor.setMarginWidth(0, "9" * (digits + 1))

    def write_draft(self) -> None:
        """Keep the unsaved text on disk (called a moment after each change)."""
        self._autosave.stop()
        if self.modified:
            try:
                self.draft.write(self.text())
            except OSError as exc:
                self.error.show_error(f"cannot keep a draft of your edits ({exc})")
        else:
            self.draft.remove()

    def _update_title(self) -> None:
        what = self.module or "new function"
        self.where.setText(f"Module: {what}")
        self.setWindowTitle(f"{what} — fnstore editor")

    # -- saving ---------------------------------------------------------------
    def save(self) -> None:
        """Ctrl+S: check the code, ask for the message, save it as a commit."""
        if self.busy.busy:
            return
        code = self.text()
        from fnstore.manifest import introspect

        try:
            found = introspect(code)  # the syntax tree only: fast, runs nothing
        except FnStoreError as exc:
            self.show_failure(exc, code)
            return
        dialog = SaveCommitDialog(
            found, module=self.module, store_path=str(self.store.path), parent=self
        )
        if dialog.exec() != SaveCommitDialog.DialogCode.Accepted:
            return
        self.save_now(code, message=dialog.message(), author=dialog.author())

    def save_now(self, code: str, *, message: str | None, author: str | None) -> _jobs.Job:
        """Save ``code`` off the UI thread (the commit dialog already answered)."""
        store, module = self.store, self.module
        self.write_draft()
        job = _jobs.start(
            f"Saving {module or 'new function'}",
            lambda job: store.save(code, message=message, author=author, module=module),
            done=lambda result: self._saved(result, code),
            failed=lambda exc: self.show_failure(exc, code),
            owner=self,
        )
        self.busy.track(job, cancellable=False)
        self.save_action.setEnabled(False)
        job.when_finished(lambda: self.save_action.setEnabled(True))
        return job

    def _saved(self, result: SaveResult, code: str) -> None:
        self._base = code
        self.module = result.versions[0].module
        self.last_error = None
        self.error.clear_error()
        self._clear_marks()
        if not self.modified:
            self.draft.remove()
        self._update_title()
        done = f"saved as version {result.version}" if result.changed else "no change to save"
        self.where.setText(f"Module: {self.module} ({done})")
        self.saved.emit(result)

    def show_failure(self, exc: BaseException, code: str) -> None:
        """Show why a save failed and put the cursor on the line it names."""
        text = error_text(exc)
        self.last_error = text
        self.error.show_error(text)
        line = error_line(text, code)
        self._clear_marks()
        if line is not None:
            self.editor.markerAdd(line - 1, _ERROR_MARKER)
            self.editor.markerAdd(line - 1, _ERROR_SYMBOL)
            self.editor.setCursorPosition(line - 1, 0)
            self.editor.ensureLineVisible(line - 1)
        self.editor.setFocus()

    def _clear_marks(self) -> None:
        self.editor.markerDeleteAll(_ERROR_MARKER)
        self.editor.markerDeleteAll(_ERROR_SYMBOL)

    def cursor_line(self) -> int:
        """Return the cursor's 1-based line."""
        line, _col = self.editor.getCursorPosition()
        return line + 1

    # -- closing ----------------------------------------------------------------
    def discard(self) -> None:
        """Drop the unsaved edits (and their draft) and close."""
        self._base = self.text()
        self.draft.remove()
        self.close()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Ask before unsaved edits are closed away (they stay in the draft if kept)."""
        if event is None:
            return
        if self.modified:
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                "Save your changes as a commit before closing?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save:
                event.ignore()
                self.save()
                return
            self.draft.remove()
        else:
            self.draft.remove()
        event.accept()
