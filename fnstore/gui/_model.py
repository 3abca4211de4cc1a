"""The table model behind the function selector: one row per function.

A model/view table, so that 5,000 functions list as fast as 5: Qt asks for
the cells it paints, and the model answers from plain tuples built once.
Rows come from the registry (its start-up reads manifests only, from a cache
when it can); the author and date come later from the store's manifests
(:meth:`FunctionTableModel.set_authors`) because the registry does not keep
them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    from fnstore.registry import FunctionMetadata

__all__ = ["COLUMNS", "FunctionFilter", "FunctionRow", "FunctionTableModel"]

COLUMNS = ["Name", "Module", "Memory types", "Version", "Author", "Date", "Available here"]
Index = QModelIndex | QPersistentModelIndex


class FunctionRow:
    """What the selector shows of one function.

    Only the name and module are read when the list is built; every other
    cell is read from the registry entry the first time it is needed (Qt
    asks only for the rows it paints), so listing 5,000 functions costs
    5,000 small objects, not 35,000 look-ups.
    """

    __slots__ = ("__dict__", "author", "date", "meta", "module", "name")

    def __init__(self, meta: FunctionMetadata) -> None:
        self.meta = meta
        self.name, self.module = meta.name, meta.module
        self.author = ""
        self.date: datetime | None = None

    @classmethod
    def of(cls, meta: FunctionMetadata) -> FunctionRow:
        """Describe one registry entry."""
        return cls(meta)

    @functools.cached_property
    def memory_types(self) -> str:
        """``numpy``, or ``numpy → torch`` when input and output differ."""
        mt_in, mt_out = self.meta.input_memory_type, self.meta.output_memory_type
        return mt_in if mt_in == mt_out else f"{mt_in} → {mt_out}"

    @functools.cached_property
    def version(self) -> int:
        """The module's version number."""
        return self.meta.version

    @functools.cached_property
    def content_id(self) -> str:
        """The content id of the module version (its code, exactly)."""
        return self.meta.content_id

    @functools.cached_property
    def available(self) -> str:
        """``yes``, or why it cannot run here."""
        meta = self.meta
        return "yes" if meta.available else (meta.unavailable_reason or "no")

    @functools.cached_property
    def doc(self) -> str:
        """The docstring."""
        return self.meta.doc or ""

    @functools.cached_property
    def tags(self) -> str:
        """The tags, space separated."""
        return " ".join(self.meta.tags)

    @property
    def ref(self) -> str:
        """The exact reference: this code, whatever is saved or pinned later."""
        return f"{self.name}@{self.content_id}"

    @functools.cached_property
    def haystack(self) -> str:
        """What the search box matches against (lower case, computed on the first search)."""
        return "\n".join(
            (self.name, self.module, self.memory_types, self.tags, self.author, self.doc)
        ).lower()

    def index_text(self) -> None:
        """Forget the search text (the author changed): it is computed again when needed."""
        self.__dict__.pop("haystack", None)


class FunctionTableModel(QAbstractTableModel):
    """Functions as rows, :data:`COLUMNS` as columns."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[FunctionRow] = []

    @staticmethod
    def rows_of(metas: Iterable[FunctionMetadata]) -> list[FunctionRow]:
        """Rows for registry entries, by name (any thread: no Qt involved)."""
        return sorted((FunctionRow(m) for m in metas), key=lambda r: (r.name.lower(), r.name))

    def set_functions(self, metas: Iterable[FunctionMetadata]) -> None:
        """Replace every row."""
        self.set_rows(self.rows_of(metas))

    def set_rows(self, rows: list[FunctionRow]) -> None:
        """Replace every row (kept in the current sort order)."""
        self.beginResetModel()
        self.rows = rows
        if self._sorted[0] != 0 or self._descending:
            self.rows.sort(key=self._key(self._sorted[0]), reverse=self._descending)
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

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by a column with Python's sort (one key per row, not a Qt compare each)."""
        if (column, order) == self._sorted:
            return
        self._sorted = (column, order)
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=self._key(column), reverse=self._descending)
        self.layoutChanged.emit()

    _sorted: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder)

    @property
    def _descending(self) -> bool:
        return self._sorted[1] == Qt.SortOrder.DescendingOrder

    def _key(self, column: int) -> Callable[[FunctionRow], tuple[Any, str]]:
        if column == 0:
            return lambda r: (r.name.lower(), r.name)
        if column == 3:
            return lambda r: (r.version, r.name.lower())
        if column == 5:
            return lambda r: (r.date.timestamp() if r.date else 0.0, r.name.lower())
        return lambda r: (self._text(r, column).lower(), r.name.lower())

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
    """The search box (every word must match) and the tree's module/memory type choice.

    It filters only: sorting is the source model's (:meth:`FunctionTableModel.sort`),
    since a proxy sort asks Python for two cells per comparison, some
    130,000 calls for 5,000 rows, where one key per row is enough.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setDynamicSortFilter(False)
        self._words: list[str] = []
        self._memory_type: str | None = None
        self._module: str | None = None

    def set_search(self, text: str) -> None:
        """Keep the rows whose name, module, memory types, tags, author or doc hold every word."""
        words = text.lower().split()
        if words != self._words:
            self._words = words
            self.invalidateRowsFilter()

    def set_scope(self, memory_type: str | None, module: str | None) -> None:
        """Keep one memory type, or one module (None: all)."""
        if (memory_type, module) != (self._memory_type, self._module):
            self._memory_type, self._module = memory_type, module
            self.invalidateRowsFilter()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the source model (the view's header clicks arrive here)."""
        model = self.sourceModel()
        if isinstance(model, FunctionTableModel) and column >= 0:
            model.sort(column, order)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """Whether a function passes the search and the scope."""
        model = self.sourceModel()
        assert isinstance(model, FunctionTableModel)
        if not self._words and self._module is None and self._memory_type is None:
            return True
        row = model.rows[source_row]
        if self._module is not None and row.module != self._module:
            return False
        if self._memory_type is not None and not row.memory_types.startswith(self._memory_type):
            return False
        return all(word in row.haystack for word in self._words)
