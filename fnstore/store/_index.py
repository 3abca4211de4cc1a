"""The derived index of the branch head: which module holds which function, and where.

It answers in O(1) what save and history need without reading every
manifest: function name -> modules (a name lives once per memory type, so
several modules may hold it), and module -> its tree id
and the commit that introduced that tree (where its latest version was
committed).  It is derived data, keyed by the head commit it describes, kept in
memory and persisted to ``<repo>/fnstore/head-index`` (never pushed); a missing,
unreadable or stale file is rebuilt or brought forward from what changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

__all__ = ["HeadIndex", "ModuleEntry"]

_FORMAT = 4  # 4: introducers follow merges (older files are rebuilt)
_MAGIC = "fnstore-head-index"


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
        self._modules: dict[str, ModuleEntry] | None = modules if modules is not None else {}
        self._names: dict[str, list[str]] | None = None
        # as read from disk, parsed on first need: a process that reads one
        # function's history looks up one line instead of parsing N
        self._text = ""
        self._commits: list[str | None] = []
        #: commits made since the index was last written to disk
        self.unsaved = 0

    @property
    def modules(self) -> dict[str, ModuleEntry]:
        """Module -> its entry."""
        if self._modules is None:
            self._modules = {}
            for line in self._text.split("\n")[2:] if self._text else ():
                module, tree, at, *names = line.split("\t")
                self._modules[module] = ModuleEntry(
                    tree, tuple(names) or (module,), self._commits[int(at)]
                )
            self._text = ""
        return self._modules

    def entry(self, module: str) -> ModuleEntry | None:
        """Return one module's entry (without parsing the others)."""
        if self._modules is not None:
            return self._modules.get(module)
        start = self._text.find(f"\n{module}\t", self._text.find("\n", 1))
        if start < 0:
            return None
        end = self._text.find("\n", start + 1)
        _, tree, at, *names = self._text[start + 1 : end if end >= 0 else None].split("\t")
        return ModuleEntry(tree, tuple(names) or (module,), self._commits[int(at)])

    @property
    def names(self) -> dict[str, list[str]]:
        """Function name -> the modules holding it (several: once per memory type)."""
        if self._names is None:
            names: dict[str, list[str]] = {}
            for m, e in self.modules.items():
                for n in e.functions:
                    names.setdefault(n, []).append(m)
            self._names = names
        return self._names

    def set(self, module: str, entry: ModuleEntry | None) -> None:
        """Replace (or with None remove) a module, keeping the name map in step."""
        old = self.modules.pop(module, None)
        names = self._names
        if old is not None and names is not None:
            for name in old.functions:
                owners = names.get(name, [])
                if module in owners:
                    owners.remove(module)
                if not owners:
                    names.pop(name, None)
        if entry is not None:
            self.modules[module] = entry
            if names is not None:
                for name in entry.functions:
                    names.setdefault(name, []).append(module)

    def candidates(self, name: str) -> list[str]:
        """Return the modules holding function ``name``, or ``[name]`` for a module so called."""
        entry = self.entry(name)
        if entry is not None and name in entry.functions and not self._elsewhere(name):
            return [name]  # the usual case, a module named after its function: no name map
        owners = self.names.get(name)
        if owners:
            return list(owners)
        return [name] if entry is not None else []

    def _elsewhere(self, name: str) -> bool:
        """Whether a module not called ``name`` also holds a function ``name``."""
        if self._modules is not None:
            return self.names.get(name, [name]) != [name]
        # Not parsed yet: a plain search of the saved lines keeps a history read cheap.
        # Names are written only on a module's line (module, tree, commit, names...).
        pattern = re.compile(rf"^(?!{re.escape(name)}\t)[^\n]*\t{re.escape(name)}(?:\t|$)", re.M)
        return pattern.search(self._text) is not None

    def module_of(self, name: str) -> str | None:
        """Return the module holding function ``name`` (or called ``name``), if only one does."""
        found = self.candidates(name)
        return found[0] if len(found) == 1 else None

    def to_bytes(self) -> bytes | None:
        """Serialise for ``head-index``; None if a name cannot be written (then it is not kept).

        A line per module, tab-separated (``module, tree, commit number, names...``),
        names only when they are not just the module's: plain text is several
        times faster to write and read than JSON for 5,000 modules.
        """
        commits: dict[str | None, int] = {}
        lines: list[str] = []
        rows: list[str] = []
        tabs = 0  # counted as written, to detect a tab or newline inside a name
        for module, entry in self.modules.items():
            at = commits.setdefault(entry.commit, len(commits))
            if entry.functions == (module,):
                rows.append(f"{module}\t{entry.tree}\t{at}")
                tabs += 2
            else:
                rows.append(f"{module}\t{entry.tree}\t{at}\t" + "\t".join(entry.functions))
                tabs += 2 + len(entry.functions)
        lines.append("\t".join(c or "-" for c in commits))
        tabs += len(commits) - 1
        body = "\n".join(lines + rows).encode()
        if body.count(b"\t") != tabs or body.count(b"\n") != len(lines) + len(rows) - 1:
            return None  # a name made with plain git holds a tab or newline
        digest = hashlib.sha1(body, usedforsecurity=False).hexdigest()
        return f"{_MAGIC}\t{_FORMAT}\t{self.branch}\t{self.head or '-'}\t{digest}\n".encode() + body

    @classmethod
    def from_bytes(cls, data: bytes, branch: str) -> HeadIndex | None:
        """Read the persisted form; None when it is unusable (it is then rebuilt)."""
        try:
            first, _, body = data.partition(b"\n")
            magic, version, saved_branch, head, digest = first.decode().split("\t")
            if magic != _MAGIC or int(version) != _FORMAT or saved_branch != branch:
                return None
            # the checksum proves the body is as written, so parsing it later cannot fail
            if hashlib.sha1(body, usedforsecurity=False).hexdigest() != digest:
                return None
            text = body.decode()
        except (ValueError, UnicodeDecodeError):
            return None
        index = cls(branch=branch, head=None if head == "-" else head)
        commits, _, _ = text.partition("\n")
        index._commits = [None if c == "-" else c for c in commits.split("\t")]
        index._text, index._modules = "\n" + text, None
        return index
