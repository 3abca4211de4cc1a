"""A side-by-side diff of two texts: lines aligned, removed in red, added in green.

Used by the history (two versions of a module) and the conflict dialog
(mine and theirs).  The alignment comes from :mod:`difflib`; the two panes
scroll together.
"""

from __future__ import annotations

import difflib

from PyQt6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextFormat
from PyQt6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from fnstore.gui._widgets import monospace, named

__all__ = ["DiffView", "align"]

_REMOVED = QColor("#fbd3d7")
_ADDED = QColor("#d4f4dc")
_CHANGED_LEFT = QColor("#fde7e9")
_CHANGED_RIGHT = QColor("#e6f8eb")
_FILLER = QColor("#eeeeee")

# one row of the aligned diff: (left line or None, right line or None, kind)
Row = tuple[str | None, str | None, str]


def align(left: str, right: str) -> list[Row]:
    """Pair the lines of two texts; kind is equal, replace, delete or insert."""
    a, b = left.splitlines(), right.splitlines()
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend((a[i], b[j1 + k], "equal") for k, i in enumerate(range(i1, i2)))
            continue
        span = max(i2 - i1, j2 - j1)
        for k in range(span):
            x = a[i1 + k] if i1 + k < i2 else None
            y = b[j1 + k] if j1 + k < j2 else None
            kind = (
                "replace"
                if x is not None and y is not None
                else ("delete" if y is None else "insert")
            )
            rows.append((x, y, kind))
    return rows


class DiffView(QWidget):
    """Two read-only code panes side by side, titled, scrolling together."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.left_title = named(QLabel(), "Left version")
        self.right_title = named(QLabel(), "Right version")
        self.left = self._pane("Left code")
        self.right = self._pane("Right code")
        left_bar, right_bar = self.left.verticalScrollBar(), self.right.verticalScrollBar()
        assert left_bar is not None and right_bar is not None
        left_bar.valueChanged.connect(right_bar.setValue)
        right_bar.valueChanged.connect(left_bar.setValue)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.left_title, 0, 0)
        grid.addWidget(self.right_title, 0, 1)
        grid.addWidget(self.left, 1, 0)
        grid.addWidget(self.right, 1, 1)
        self.rows: list[Row] = []

    @staticmethod
    def _pane(name: str) -> QPlainTextEdit:
        pane = named(QPlainTextEdit(), name)
        pane.setReadOnly(True)
        pane.setFont(monospace())
        pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        return pane

    def show_texts(self, left_title: str, left: str, right_title: str, right: str) -> None:
        """Show ``left`` and ``right`` aligned, differences coloured."""
        self.left_title.setText(left_title)
        self.right_title.setText(right_title)
        self.rows = align(left, right)
        colours = {
            "equal": (None, None),
            "replace": (_CHANGED_LEFT, _CHANGED_RIGHT),
            "delete": (_REMOVED, _FILLER),
            "insert": (_FILLER, _ADDED),
        }
        self._fill(self.left, [(r[0], colours[r[2]][0]) for r in self.rows])
        self._fill(self.right, [(r[1], colours[r[2]][1]) for r in self.rows])

    def changed_rows(self) -> int:
        """Count the rows that differ."""
        return sum(1 for row in self.rows if row[2] != "equal")

    @staticmethod
    def _fill(pane: QPlainTextEdit, lines: list[tuple[str | None, QColor | None]]) -> None:
        pane.setPlainText("\n".join(text or "" for text, _ in lines))
        document = pane.document()
        assert document is not None
        selections = []
        for number, (_text, colour) in enumerate(lines):
            if colour is None:
                continue
            selection = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(colour)
            fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.format = fmt
            cursor = QTextCursor(document.findBlockByNumber(number))
            selection.cursor = cursor
            selections.append(selection)
        pane.setExtraSelections(selections)
