"""The function selector: search, a memory type/module tree and a sortable table.

:class:`FunctionBrowser` is the embeddable widget (the main window's left
pane); :class:`FunctionSelectorDialog` wraps it with Select, Cancel and the
Custom Function button, and returns the chosen function with its exact
reference (``name@<content id>``: the same code forever).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fnstore.gui import _jobs
from fnstore.gui._model import FunctionFilter, FunctionRow, FunctionTableModel
from fnstore.gui._widgets import BusyBar, ErrorBanner, named

if TYPE_CHECKING:
    from datetime import datetime

    from fnstore.gui._editor import FunctionEditor
    from fnstore.registry import FunctionMetadata, Registry
    from fnstore.store import FunctionStore

__all__ = ["FunctionBrowser", "FunctionSelectorDialog"]

_SCOPE = Qt.ItemDataRole.UserRole  # tree item -> ("type", mt) | ("module", name) | None


@dataclass
class _Listing:
    """What the list and the tree show, built off the UI thread."""

    rows: list[FunctionRow]
    by_type: dict[str, list[str]]  # memory type -> its modules

    @classmethod
    def of(cls, registry: Registry) -> _Listing:
        rows = FunctionTableModel.rows_of(registry.functions().values())
        by_type: dict[str, set[str]] = {}
        for row in rows:
            by_type.setdefault(row.meta.input_memory_type, set()).add(row.module)
        return cls(rows, {mt: sorted(mods) for mt, mods in sorted(by_type.items())})


class FunctionBrowser(QWidget):
    """Every function of a registry, searchable, by memory type and module.

    Give it a :class:`~fnstore.registry.Registry` (listed at once) or a
    :class:`~fnstore.store.FunctionStore` (listed from the registry's cache
    when its pin was read before, else loaded off the UI thread).
    ``loaded(count)`` says when the list is complete.
    """

    loaded = pyqtSignal(int)
    chosen = pyqtSignal(object)  # FunctionRow: double-click
    current_changed = pyqtSignal(object)  # FunctionRow | None

    def __init__(self, source: FunctionStore | Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from fnstore.registry import Registry

        self.registry: Registry | None = source if isinstance(source, Registry) else None
        self._store = None if isinstance(source, Registry) else source
        self.model = FunctionTableModel()
        self.proxy = FunctionFilter()
        self.proxy.setSourceModel(self.model)

        self.search = named(
            QLineEdit(), "Search functions", "Name, module, memory type, tags, author or docstring"
        )
        self.search.setPlaceholderText("Search name, module, memory type, tags, author, docs…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)

        self.tree = named(QTreeWidget(), "Memory types and modules")
        self.tree.setHeaderHidden(True)
        self.tree.itemExpanded.connect(self._fill_modules)
        self.tree.currentItemChanged.connect(self._scope_changed)

        self.table = named(QTableView(), "Functions")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()  # type: ignore[union-attr]
        header = self.table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # widths from the first rows only: measuring 5,000 rows would cost more than listing them
        header.setResizeContentsPrecision(100)
        self.table.doubleClicked.connect(self._double_clicked)
        selection = self.table.selectionModel()
        assert selection is not None
        selection.currentRowChanged.connect(self._row_changed)

        self.count = named(QLabel("Loading…"), "Function count")
        self.busy = BusyBar()
        self.error = ErrorBanner()

        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(self.table)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setSizes([190, 700])
        self.tree.setMinimumWidth(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(split, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.count)
        QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search)

        self._by_type: dict[str, list[str]] = {}
        if self.registry is not None:
            self._show(self.registry)
        else:
            # A pin read before lists from the registry's cache in a few
            # milliseconds: here, so the dialog opens full.  A cold pin reads
            # every manifest: in the background.
            warm = self._warm_registry()
            if warm is None:
                self.reload()
            else:
                self.registry = warm
                self._show(warm, announce_later=True)

    # -- loading ------------------------------------------------------------
    def _warm_registry(self) -> Registry | None:
        from fnstore.errors import FnStoreError
        from fnstore.registry import Registry

        assert self._store is not None
        try:
            return Registry.load_cached(self._store)
        except FnStoreError:
            return None  # the background load reports it, in words

    def reload(self, *, select: str | None = None) -> None:
        """Read the registry again (a save, a pull, a pin change) off the UI thread."""
        registry, store = self.registry, self._store

        def load(job: _jobs.Job) -> tuple[Registry, _Listing]:
            from fnstore.registry import Registry

            if registry is not None:
                registry.refresh()
                return registry, _Listing.of(registry)
            loaded = Registry.load(store)
            return loaded, _Listing.of(loaded)

        def loaded(result: tuple[Registry, _Listing]) -> None:
            self.registry = result[0]
            self._show(*result)
            if select is not None:
                self.select(select)

        job = _jobs.start(
            "Loading functions", load, done=loaded, failed=self.error.show_error, owner=self
        )
        self.busy.track(job, cancellable=False)

    def _show(
        self, registry: Registry, listing: _Listing | None = None, *, announce_later: bool = False
    ) -> None:
        listing = listing or _Listing.of(registry)
        self.error.clear_error()
        self.model.set_rows(listing.rows)
        self._fill_tree(listing)
        self.table.resizeColumnsToContents()
        for column, most in ((0, 260), (1, 200)):  # long names: tooltips
            if self.table.columnWidth(column) > most:
                self.table.setColumnWidth(column, most)
        self._fit_last_column()
        self._update_count()
        if announce_later:  # from the constructor: once the caller has connected its slots
            count = len(listing.rows)
            announce = QTimer(self)
            announce.setSingleShot(True)
            announce.timeout.connect(lambda: self._announce(count))
            announce.start(0)
        else:
            self.loaded.emit(len(listing.rows))
        if self.model.rows:
            self._load_authors(registry)

    def _fit_last_column(self) -> None:
        """Give "Available here" the width left, not its longest reason's.

        It stretches to the table's edge; sized to a reason ("needs cupy, not
        installed here: ...") it pushed itself out of view behind a scroll
        bar, header and all.  The full reason is the cell's tooltip.
        """
        header = self.table.horizontalHeader()
        assert header is not None
        last = header.count() - 1
        header.resizeSection(last, header.sectionSizeHint(last))

    def _announce(self, count: int) -> None:
        """Say what the constructor listed: the count, and the row it highlighted."""
        self.loaded.emit(count)
        self.current_changed.emit(self.current())

    def _load_authors(self, registry: Registry) -> None:
        """Read author and date off-thread (the manifests have them, not the registry)."""
        commit = registry.commit

        def read(job: _jobs.Job) -> dict[str, tuple[str, datetime]]:
            manifests = registry.store.functions(rev=commit)
            return {m.module: (m.author.name, m.created) for m in manifests}

        def show(by_module: dict[str, tuple[str, datetime]]) -> None:
            self.model.set_authors(by_module)
            for column in (4, 5):  # sized now that they hold text
                self.table.resizeColumnToContents(column)
            self._fit_last_column()

        _jobs.start("Reading authors", read, done=show, owner=self)

    def _fill_tree(self, listing: _Listing) -> None:
        self._by_type = listing.by_type
        self.tree.clear()
        everything = QTreeWidgetItem([f"All functions ({len(listing.rows)})"])
        everything.setData(0, _SCOPE, None)
        self.tree.addTopLevelItem(everything)
        for mt, modules in self._by_type.items():
            count = f"{len(modules)} module" + ("s" if len(modules) != 1 else "")
            item = QTreeWidgetItem([f"{mt} ({count})"])
            item.setData(0, _SCOPE, ("type", mt))
            # children are made when the branch is opened: 5,000 modules cost nothing until then
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self.tree.addTopLevelItem(item)
        self.tree.setCurrentItem(everything)

    def _fill_modules(self, item: QTreeWidgetItem) -> None:
        scope = item.data(0, _SCOPE)
        if item.childCount() or not scope or scope[0] != "type":
            return
        children = []
        for module in self._by_type.get(scope[1], []):
            child = QTreeWidgetItem([module])
            child.setData(0, _SCOPE, ("module", module))
            children.append(child)
        item.addChildren(children)

    # -- filtering and choosing -------------------------------------------------
    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the search box."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search(text)
        self._after_filter()

    def _scope_changed(self, item: QTreeWidgetItem | None, _old: QTreeWidgetItem | None) -> None:
        scope: Any = item.data(0, _SCOPE) if item is not None else None
        if scope is None:
            self.proxy.set_scope(None, None)
        elif scope[0] == "type":
            self.proxy.set_scope(scope[1], None)
        else:
            self.proxy.set_scope(None, scope[1])
        self._after_filter()

    def _after_filter(self) -> None:
        self._update_count()
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.selectRow(0)

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(
            f"{total} functions" if shown == total else f"{shown} of {total} functions"
        )

    def current(self) -> FunctionRow | None:
        """Return the highlighted function."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.rows[self.proxy.mapToSource(index).row()]

    def select(self, name: str) -> bool:
        """Highlight the function called ``name``; False if it is not listed."""
        for i, row in enumerate(self.model.rows):
            if row.name == name:
                index = self.proxy.mapFromSource(self.model.index(i, 0))
                if not index.isValid():  # filtered out: show everything again
                    self.search.clear()
                    self.tree.setCurrentItem(self.tree.topLevelItem(0))
                    index = self.proxy.mapFromSource(self.model.index(i, 0))
                selection = self.table.selectionModel()
                assert selection is not None
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(index)
                return True
        return False

    def _row_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_changed.emit(self.current())

    def _double_clicked(self, _index: QModelIndex) -> None:
        row = self.current()
        if row is not None:
            self.chosen.emit(row)


class FunctionSelectorDialog(QDialog):
    """Choose a function: ``exec()``, then :attr:`selected_ref` (``name@<content id>``).

    Double-click or Enter selects, Esc cancels, Ctrl+F searches.  Custom
    Function opens the editor on a memory type's template; once it is saved
    the new function is listed and highlighted.
    """

    def __init__(self, source: FunctionStore | Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Select a function")
        self.selected: FunctionRow | None = None
        self.editors: list[FunctionEditor] = []
        self.browser = FunctionBrowser(source)
        self.browser.chosen.connect(lambda _row: self.accept())
        # Enter selects, from the search box as from the table
        self.browser.search.returnPressed.connect(self.accept)
        self.browser.table.activated.connect(lambda _index: self.accept())

        self.custom = named(
            QPushButton("Custom Function…"),
            "Custom function",
            "Write a new function, starting from a memory type's template",
        )
        menu = QMenu(self.custom)
        from fnstore.templates import AVAILABLE_MEMORY_TYPES

        for mt in AVAILABLE_MEMORY_TYPES:
            action = menu.addAction(f"{mt} template")
            assert action is not None
            action.triggered.connect(lambda _checked=False, mt=mt: self.new_function(mt))
        self.custom.setMenu(menu)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert ok is not None and cancel is not None
        ok.setText("Select")
        named(ok, "Select")
        named(cancel, "Cancel")
        ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.custom)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addLayout(bottom)
        self.resize(1000, 520)  # every column in view at 100% with short names
        self.browser.search.setFocus()

    @property
    def selected_ref(self) -> str | None:
        """The chosen function's exact reference, ``name@<content id>``."""
        return self.selected.ref if self.selected is not None else None

    def selected_function(self) -> FunctionMetadata | None:
        """Return the chosen function as the registry describes it (``.func`` loads it)."""
        registry = self.browser.registry
        if self.selected is None or registry is None:
            return None
        return registry.info(self.selected.ref)

    def accept(self) -> None:
        """Select the highlighted function (nothing happens when none is)."""
        row = self.browser.current()
        if row is None:
            return
        self.selected = row
        super().accept()

    def new_function(self, memory_type: str) -> FunctionEditor:
        """Open the editor on ``memory_type``'s template; list the function once saved."""
        from fnstore.gui._editor import FunctionEditor
        from fnstore.templates import get_template_for_memory_type

        store = self._store()
        editor = FunctionEditor(store, get_template_for_memory_type(memory_type))
        editor.saved.connect(self._saved)
        self.editors.append(editor)
        editor.show()
        return editor

    def _store(self) -> FunctionStore:
        if self.browser.registry is not None:
            return self.browser.registry.store
        assert self.browser._store is not None
        return self.browser._store

    def _saved(self, result: Any) -> None:
        self.browser.reload(select=result.versions[0].name)
