"""The save-as-commit dialog: message, author, and what the commit will hold.

What is listed comes from the code's syntax tree (:func:`fnstore.manifest.introspect`,
which never runs it), so the dialog opens at once: the functions with their
memory types and parameters, the imports, and those not installed here
(saved anyway, and recorded in the manifest).
"""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING

from PyQt6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fnstore.gui._widgets import named

if TYPE_CHECKING:
    from fnstore.manifest import FunctionInfo, Introspection

__all__ = ["SaveCommitDialog", "git_author", "missing_here"]


def git_author(store_path: str | None = None) -> str:
    """``Name <email>`` from git's config (what the store uses by default), or ''."""
    from fnstore.git._identity import configured_identity

    name, email = configured_identity(store_path)
    return f"{name} <{email}>" if name and email else name


def missing_here(imports: list[str]) -> list[str]:
    """List the imported top-level packages that cannot be imported on this machine."""
    out = []
    for name in imports:
        if name in sys.stdlib_module_names or name in sys.modules or name == "fnstore":
            continue
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(name)
    return out


def _signature(info: FunctionInfo) -> str:
    parts = []
    for p in info.parameters:
        text = p.name + (f": {p.annotation}" if p.annotation else "")
        if p.has_default:
            default = p.default_source if p.default_source is not None else repr(p.default)
            text += f" = {default}"
        parts.append(text)
    return ", ".join(parts)


class SaveCommitDialog(QDialog):
    """Ask for the commit message and author; show what will be committed."""

    def __init__(
        self,
        found: Introspection,
        *,
        module: str | None = None,
        author: str | None = None,
        store_path: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save as a commit")
        target = module or found.functions[0].name
        title = QLabel(f"Save a new version of module <b>{target}</b> as one commit.")
        title.setWordWrap(True)

        self.message_edit = named(QLineEdit(), "Commit message", "What changed, and why")
        self.message_edit.setPlaceholderText(f"e.g. faster {found.functions[0].name}")
        self.author_edit = named(
            QLineEdit(author if author is not None else git_author(store_path)),
            "Author",
            "Name <email>",
        )
        self.author_edit.setPlaceholderText("Name <email> (git's user.name and user.email)")
        form = QFormLayout()
        form.addRow("&Message:", self.message_edit)
        form.addRow("&Author:", self.author_edit)

        self.contents = named(QTreeWidget(), "What will be committed")
        self.contents.setColumnCount(3)
        self.contents.setHeaderLabels(["Function", "Memory types", "Parameters"])
        self.contents.setRootIsDecorated(False)
        self.contents.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for info in found.functions:
            types = info.input_memory_type
            if info.output_memory_type != types:
                types += f" → {info.output_memory_type}"
            item = QTreeWidgetItem([info.name, types, _signature(info)])
            item.setToolTip(2, _signature(info))
            self.contents.addTopLevelItem(item)
        header = self.contents.header()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        rows = len(found.functions)
        self.contents.setMinimumHeight(
            self.contents.sizeHintForRow(0) * min(rows + 1, 8) + 2 * header.sizeHint().height()
        )

        self.missing = missing_here(list(found.imports))
        imports = ", ".join(found.imports) or "none"
        self.imports_label = named(QLabel(f"Imports: {imports}"), "Imports")
        self.imports_label.setWordWrap(True)
        self.missing_label = named(QLabel(), "Imports missing here")
        self.missing_label.setWordWrap(True)
        if self.missing:
            self.missing_label.setText(
                f"Not installed here: {', '.join(self.missing)}. The code is saved anyway and "
                "the manifest records it; it runs where they are installed."
            )
        else:
            self.missing_label.setText("Every import is installed here.")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        commit = buttons.button(QDialogButtonBox.StandardButton.Save)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert commit is not None and cancel is not None
        commit.setText("Commit")
        named(commit, "Commit")
        named(cancel, "Cancel")
        commit.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(QLabel("What will be committed:"))
        layout.addWidget(self.contents, 1)
        layout.addWidget(self.imports_label)
        layout.addWidget(self.missing_label)
        layout.addWidget(buttons)
        self.resize(620, 380)
        self.message_edit.setFocus()

    def message(self) -> str | None:
        """Return the commit message (None: the store's default, ``save <module> version <n>``)."""
        return self.message_edit.text().strip() or None

    def author(self) -> str | None:
        """Return the author (None: git's user.name and user.email)."""
        return self.author_edit.text().strip() or None
