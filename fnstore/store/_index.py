"""The derived index of the branch head: which module holds which function, and where.

It answers in O(1) what save and history need without reading every
manifest: function name -> module (name uniqueness), and module -> its tree id
and the commit that introduced that tree (where its latest version was
committed).  It is derived data, keyed by the head commit it describes, kept in
memory and persisted to ``<repo>/fnstore/index.json`` (never pushed); a missing,
unreadable or stale file is rebuilt or brought forward from what changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["HeadIndex", "ModuleEntry"]

_FORMAT = 2


@dataclass
class ModuleEntry:
    """One module at the head: its tree, its functions, where that tree came in."""

    tree: str
    functions: tuple[str, ...]
    commit: str | None = None  # None: not known yet, found by a walk when needed


class HeadIndex:
    """Modules and function names at one head commit of one branch.

    The function-name map is built on first use: a new process that only
    reads history never pays for it.
    """

    def __init__(
        self, branch: str, head: str | None, modules: dict[str, ModuleEntry] | None = None
    ) -> None:
        self.branch = branch
        self.head = head
        self.modules: dict[str, ModuleEntry] = modules if modules is not None else {}
        self._names: dict[str, str] | None = None
        #: commits made since the index was last written to disk
        self.unsaved = 0

    @property
    def names(self) -> dict[str, str]:
        """Function name -> the module holding it."""
        if self._names is None:
            self._names = {n: m for m, e in self.modules.items() for n in e.functions}
        return self._names

    def set(self, module: str, entry: ModuleEntry | None) -> None:
        """Replace (or with None remove) a module, keeping the name map in step."""
        old = self.modules.pop(module, None)
        names = self._names
        if old is not None and names is not None:
            for name in old.functions:
                if names.get(name) == module:
                    del names[name]
        if entry is not None:
            self.modules[module] = entry
            if names is not None:
                for name in entry.functions:
                    names[name] = module

    def module_of(self, name: str) -> str | None:
        """Return the module holding function ``name`` (or the module called ``name``)."""
        entry = self.modules.get(name)
        if entry is not None and name in entry.functions:
            return name  # the usual case, a module named after its function: no name map
        module = self.names.get(name)
        if module is None and entry is not None:
            module = name
        return module

    def to_bytes(self) -> bytes:
        """Serialise for ``index.json`` (commit ids listed once, names only if not the module)."""
        commits: dict[str | None, int] = {}
        modules: dict[str, list[object]] = {}
        for module, entry in sorted(self.modules.items()):
            at = commits.setdefault(entry.commit, len(commits))
            row: list[object] = [entry.tree, at]
            if entry.functions != (module,):
                row.append(list(entry.functions))
            modules[module] = row
        doc = {
            "format": _FORMAT,
            "branch": self.branch,
            "head": self.head,
            "commits": list(commits),
            "modules": modules,
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes, branch: str) -> HeadIndex | None:
        """Read the persisted form; None when it is unusable (it is then rebuilt)."""
        try:
            doc = json.loads(data)
            if doc.get("format") != _FORMAT or doc.get("branch") != branch:
                return None
            commits = doc["commits"]
            modules = {
                m: ModuleEntry(row[0], tuple(row[2]) if len(row) > 2 else (m,), commits[row[1]])
                for m, row in doc["modules"].items()
            }
            return cls(branch=branch, head=doc["head"], modules=modules)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return None
