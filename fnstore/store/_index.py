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
from dataclasses import dataclass, field

__all__ = ["HeadIndex", "ModuleEntry"]

_FORMAT = 1


@dataclass
class ModuleEntry:
    """One module at the head: its tree, its functions, where that tree came in."""

    tree: str
    functions: tuple[str, ...]
    commit: str | None = None  # None: not known yet, found by a walk when needed


@dataclass
class HeadIndex:
    """Modules and function names at one head commit of one branch."""

    branch: str
    head: str | None
    modules: dict[str, ModuleEntry] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    #: commits made since the index was last written to disk
    unsaved: int = 0

    def set(self, module: str, entry: ModuleEntry | None) -> None:
        """Replace (or with None remove) a module, keeping the name map in step."""
        old = self.modules.pop(module, None)
        if old is not None:
            for name in old.functions:
                if self.names.get(name) == module:
                    del self.names[name]
        if entry is not None:
            self.modules[module] = entry
            for name in entry.functions:
                self.names[name] = module

    def module_of(self, name: str) -> str | None:
        """Return the module holding function ``name`` (or the module called ``name``)."""
        module = self.names.get(name)
        if module is None and name in self.modules:
            module = name
        return module

    def to_bytes(self) -> bytes:
        """Serialise for ``index.json``."""
        doc = {
            "format": _FORMAT,
            "branch": self.branch,
            "head": self.head,
            "modules": {
                m: [e.tree, e.commit, list(e.functions)] for m, e in sorted(self.modules.items())
            },
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes, branch: str) -> HeadIndex | None:
        """Read the persisted form; None when it is unusable (it is then rebuilt)."""
        try:
            doc = json.loads(data)
            if doc.get("format") != _FORMAT or doc.get("branch") != branch:
                return None
            index = cls(branch=branch, head=doc["head"])
            for module, (tree, commit, functions) in doc["modules"].items():
                index.set(module, ModuleEntry(str(tree), tuple(functions), commit))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return index
