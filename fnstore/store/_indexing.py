"""Keeping the head index current, and finding the commit that introduced a version.

The head index (:mod:`fnstore.store._index`) must follow the branch whoever
moves it: this process, another one, a pull, or a push made with plain git.
When the head moved, only the new commits are walked; when the index is
missing (a fresh clone) every commit is walked once, and the result is kept in
``<repo>/fnstore/head-index``.

Walking a commit needs the modules it changed.  fnstore's own commits name
them in a trailer (``Fnstore-Modules: blur, sharpen``), so most commits cost
one small read; other commits (plain git, merges) are compared tree to tree.
"""

from __future__ import annotations

import json

import pygit2
from pygit2.enums import SortMode

from fnstore.errors import FunctionNotFoundError, InvalidCodeError, StoreError
from fnstore.store._core import MODULES_TRAILER, _Core
from fnstore.store._index import HeadIndex, ModuleEntry

_MAX_MANIFEST_BYTES = 1 << 20  # fnstore.manifest.MAX_MANIFEST_BYTES, without importing pydantic

__all__: list[str] = []

_INDEX_FILE = "head-index"
_PERSIST_EVERY = 64  # commits between index writes (bringing it forward is cheap)


def trailer_modules(message: str) -> set[str] | None:
    """Return the modules an fnstore commit names in its trailer (None: not fnstore's)."""
    for line in reversed(message.splitlines()):
        if line.startswith(MODULES_TRAILER):
            return {m.strip() for m in line.removeprefix(MODULES_TRAILER).split(",") if m.strip()}
    return None


class _IndexMixin(_Core):
    """The head index and introducer look-ups of :class:`FunctionStore`."""

    _index: HeadIndex | None = None
    _walked = 0  # commits the last _walk_changes went through

    def _head_index(self) -> HeadIndex:
        """Return the index of the current head, brought forward or rebuilt as needed."""
        head = self.head
        index = self._index
        if index is None:
            path = self._state_path(_INDEX_FILE)
            if path.exists():
                index = HeadIndex.from_bytes(path.read_bytes(), self.branch)
        if index is not None and index.head == head:
            self._index = index
            return index
        if index is not None and index.head is not None and head is not None:
            try:
                ahead = self._repo.descendant_of(head, index.head)
            except (pygit2.GitError, KeyError, ValueError):
                ahead = False  # the old head is gone (history rewritten elsewhere)
            if ahead:
                self._advance_index(index, head)
                self._index = index
                return index
        self._index = self._rebuild_index(head)
        return self._index

    def _rebuild_index(self, head: str | None) -> HeadIndex:
        index = HeadIndex(branch=self.branch, head=head)
        tree = self._functions_tree(head)
        introduced = self._walk_changes(head, None) if head is not None else {}
        for entry in tree or ():
            if isinstance(entry, pygit2.Tree) and entry.name:
                commit = introduced.get(entry.name)
                index.set(entry.name, ModuleEntry(str(entry.id), self._names_in(entry), commit))
        self._persist_index(index)
        return index

    def _advance_index(self, index: HeadIndex, head: str) -> None:
        """Bring the index forward over the commits made since it was current."""
        introduced = self._walk_changes(head, index.head)
        tree = self._functions_tree(head)
        for module, commit in introduced.items():
            entry = tree[module] if tree is not None and module in tree else None
            if isinstance(entry, pygit2.Tree):
                index.set(module, ModuleEntry(str(entry.id), self._names_in(entry), commit))
            else:
                index.set(module, None)
        index.head = head
        index.unsaved += self._walked
        if index.unsaved >= _PERSIST_EVERY or len(introduced) > 16:
            self._persist_index(index)

    def _persist_index(self, index: HeadIndex) -> None:
        data = index.to_bytes()
        if data is None:
            return  # names it cannot write: it stays in memory only
        try:
            self._write_state(_INDEX_FILE, data)
            index.unsaved = 0
        except OSError:
            pass  # derived data: a read-only store simply rebuilds it next time

    def _changed_modules(self, commit: pygit2.Commit) -> set[str]:
        """Return the modules ``commit`` changed against its first parent."""
        parents = commit.parent_ids
        if len(parents) == 1:
            named = trailer_modules(commit.message)
            if named is not None:
                return named
        new = self._functions_tree(str(commit.id))
        old = self._functions_tree(str(parents[0])) if parents else None
        before = {e.name: e.id for e in old or ()}
        after = {e.name: e.id for e in new or ()}
        return {str(m) for m in before.keys() | after.keys() if before.get(m) != after.get(m)}

    def _walk_changes(self, head: str, stop: str | None) -> dict[str, str]:
        """Map each module changed after ``stop`` (up to ``head``) to the commit that made it.

        That commit is the module's *introducer*, the same answer as
        :meth:`_introducer` gives: it holds the module's tree as it is at
        ``head``, and none of its parents does.  After a merge, a commit
        reached through the second parent may have changed the module to
        something the merge did not keep (the user chose "mine"), and a merge
        that took the remote's version did not make it (the remote's commit
        did): so the newest change alone is not the answer.
        """
        walker = self._repo.walk(pygit2.Oid(hex=head), SortMode.TOPOLOGICAL)
        if stop is not None:
            walker.hide(pygit2.Oid(hex=stop))
        head_tree: list[pygit2.Tree | None] = []  # read only when a check needs it

        def at_head(module: str) -> pygit2.Oid | None:
            if not head_tree:
                head_tree.append(self._functions_tree(head))
            tree = head_tree[0]
            return tree[module].id if tree is not None and module in tree else None

        chain = {pygit2.Oid(hex=head)}  # the first-parent chain from head
        found: dict[str, str] = {}
        walked = 0
        for commit in walker:
            walked += 1
            parents = commit.parent_ids
            on_chain = commit.id in chain
            if on_chain and parents:
                chain.add(parents[0])
            todo = [m for m in self._changed_modules(commit) if m not in found]
            if not todo:
                continue
            # Along the first-parent chain nothing newer changed the module, so
            # the commit holds the head's tree; elsewhere that must be checked.
            mine = None if on_chain and len(parents) == 1 else self._functions_tree(str(commit.id))
            others = [self._functions_tree(str(p)) for p in parents[1:]]
            for module in todo:
                if mine is not None:
                    tree = mine[module].id if module in mine else None
                    if tree != at_head(module):
                        continue  # a change the head does not hold
                    if tree is not None and any(
                        o is not None and module in o and o[module].id == tree for o in others
                    ):
                        continue  # a merge that took it from another parent: look there
                found[module] = str(commit.id)
        self._walked = walked
        return found

    def _names_in(self, module_tree: pygit2.Tree) -> tuple[str, ...]:
        """Return a module tree's function names: from its manifest, or its code if stale."""
        source_id, source, manifest = self._read_module(module_tree)
        try:
            # bounded first: a pulled manifest may be huge or nested 10,000 deep
            small = manifest is not None and len(manifest) <= _MAX_MANIFEST_BYTES
            doc = json.loads(manifest) if small and manifest is not None else None
            if isinstance(doc, dict) and doc.get("content_id") == source_id:
                return tuple(str(f["name"]) for f in doc["functions"])
        except (ValueError, TypeError, KeyError, RecursionError):
            pass
        if source is None:
            return ()
        from fnstore.manifest import introspect

        try:
            return tuple(f.name for f in introspect(source.decode("utf-8")).functions)
        except (InvalidCodeError, UnicodeDecodeError, StoreError):
            return ()

    def _introducer(self, commit_id: str, module: str, *, use_index: bool = True) -> str:
        """Return the commit that introduced the module tree found at ``commit_id``.

        At the head this is the index's answer (a merge commit, for a module a
        merge took); elsewhere, or without ``use_index``, it walks back only
        while that tree is unchanged, through any parent (fnstore commits are
        skipped by their trailer, without reading trees).
        """
        if use_index and commit_id == self.head:
            entry = self._head_index().entry(module)
            if entry is not None and entry.commit is not None:
                return entry.commit
        tree = self._module_tree(commit_id, module)
        if tree is None:
            raise FunctionNotFoundError(f"no module {module!r} at commit {commit_id[:12]}")
        commit = self._commit(commit_id)
        while commit.parent_ids:
            named = trailer_modules(commit.message) if len(commit.parent_ids) == 1 else None
            if named is not None:
                if module in named:
                    break
                commit = commit.parents[0]
                continue
            for parent in commit.parents:
                parent_tree = self._module_tree(str(parent.id), module)
                if parent_tree is not None and parent_tree.id == tree.id:
                    commit = parent
                    break
            else:
                break
        return str(commit.id)
