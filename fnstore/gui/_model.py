"""The table model behind the function selector: one row per function.

A model/view table, so that 5,000 functions list as fast as 5: Qt asks for
the cells it paints, and the model answers from plain tuples built once.
Rows come from the registry (its start-up reads manifests only, from a cache
when it can); the author and date come later from the store's manifests
(:meth:`FunctionTableModel.set_authors`) because the registry does not keep
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from fnstore.registry import FunctionMetadata

__all__ = ["COLUMNS", "FunctionFilter", "FunctionRow", "FunctionTableModel"]

COLUMNS = ["Name", "Module", "Memory types", "Version", "Author", "Date", "Available here"]
_SORT_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


@dataclass
class FunctionRow:
    """What the selector shows of one function."""

    name: str
    module: str
    memory_types: str
    version: int
    content_id: str
    available: str
    tags: str
    doc: str
    author: str = ""
    date: datetime | None = None
    haystack: str = ""

    @classmethod
    def of(cls, meta: FunctionMetadata) -> FunctionRow:
        """Describe one registry entry."""
        mt_in, mt_out = meta.input_memory_type, meta.output_memory_type
        types = mt_in if mt_in == mt_out else f"{mt_in} → {mt_out}"
        row = cls(
            name=meta.name,
            module=meta.module,
            memory_types=types,
            version=meta.version,
            content_id=meta.content_id,
            available="yes" if meta.available else (meta.unavailable_reason or "no"),
            tags=" ".join(meta.tags),
            doc=meta.doc or "",
        )
        row.index_text()
        return row

    @property
    def ref(self) -> str:
        """The exact reference: this code, whatever is saved or pinned later."""
        return f"{self.name}@{self.content_id}"

    def index_text(self) -> None:
        """Compute what the search box matches against (lower case, computed once)."""
        self.haystack = "\n".join(
            (self.name, self.module, self.memory_types, self.tags, self.author, self.doc)
        ).lower()


class FunctionTableModel(QAbstractTableModel):
    """Functions as rows, :data:`COLUMNS` as columns."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[FunctionRow] = []

    def set_functions(self, metas: Iterable[FunctionMetadata]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = sorted((FunctionRow.of(m) for m in metas), key=lambda r: r.name.lower())
        self.endResetModel()

    def set_authors(self, by_module: dict[str, tuple[str, datetime]]) -> None:
        """Fill the author and date columns (module -> (author, time))."""
        for row in self.rows:
            found = by_module.get(row.module)
            if found is not None:
                row.author, row.date = found
                row.index_text()
        if self.rows:
            self.dataChanged.emit(self.index(0, 4), self.index(len(self.rows) - 1, 5))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Rows (functions); none under a row."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Columns of :data:`COLUMNS`."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Return a cell's text, tooltip or sort key."""
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == _SORT_ROLE:
            if col == 3:
                return row.version
            if col == 5:
                return row.date.timestamp() if row.date else 0.0
            return self._text(row, col).lower()
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 6 and row.available != "yes":
                return row.available
            return row.doc or None
        return None

    @staticmethod
    def _text(row: FunctionRow, col: int) -> str:
        if col == 0:
            return row.name
        if col == 1:
            return row.module
        if col == 2:
            return row.memory_types
        if col == 3:
            return str(row.version)
        if col == 4:
            return row.author
        if col == 5:
            return row.date.strftime("%Y-%m-%d %H:%M") if row.date else ""
        return row.available


class FunctionFilter(QSortFilterProxyModel):
    """The search box (every word must match) and the tree's module/memory type choice."""

    def __init__(self) -> None:
        super().__init__()
        self.setSortRole(_SORT_ROLE)
        self._words: list[str] = []
        self._memory_type: str | None = None
        self._module: str | None = None

    def set_search(self, text: str) -> None:
        """Keep the rows whose name, module, memory types, tags, author or doc hold every word."""
        self._words = text.lower().split()
        self.invalidateRowsFilter()

    def set_scope(self, memory_type: str | None, module: str | None) -> None:
        """Keep one memory type, or one module (None: all)."""
        self._memory_type, self._module = memory_type, module
        self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """Whether a function passes the search and the scope."""
        model = self.sourceModel()
        assert isinstance(model, FunctionTableModel)
        row = model.rows[source_row]
        if self._module is not None and row.module != self._module:
            return False
        if self._memory_type is not None and not row.memory_types.startswith(self._memory_type):
            return False
        return all(word in row.haystack for word in self._words)
