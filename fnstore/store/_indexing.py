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

from typing import TYPE_CHECKING

from fnstore.errors import FunctionNotFoundError, InvalidCodeError, StoreError
from fnstore.git._ancestry import is_descendant
from fnstore.git._errors import GitError
from fnstore.git._history import walk
from fnstore.layout import DERIVED, FLAT_LAYOUT, LAYOUT_TRAILER, OK, is_shard, shard
from fnstore.store._core import MODULES_TRAILER, _Core
from fnstore.store._index import HeadIndex, ModuleEntry

if TYPE_CHECKING:
    from fnstore.git._objects import Commit, Tree

__all__: list[str] = []

_INDEX_FILE = "head-index"
_PERSIST_EVERY = 64  # commits between index writes (bringing it forward is cheap)


def trailer_modules(message: str) -> set[str] | None:
    """Return the modules an fnstore commit names in its trailer (None: not fnstore's).

    The commit that moves a store to a new layout changes no module: empty.
    """
    for line in reversed(message.splitlines()):
        if line.startswith(MODULES_TRAILER):
            return {m.strip() for m in line.removeprefix(MODULES_TRAILER).split(",") if m.strip()}
        if line.startswith(LAYOUT_TRAILER):
            return set()
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
                ahead = is_descendant(self._repo, head, index.head)
            except (GitError, KeyError, ValueError):
                ahead = False  # the old head is gone (history rewritten elsewhere)
            if ahead:
                self._advance_index(index, head)
                self._index = index
                return index
        self._index = self._rebuild_index(head)
        return self._index

    def _rebuild_index(self, head: str | None) -> HeadIndex:
        index = HeadIndex(branch=self.branch, head=head)
        introduced = self._walk_changes(head, None) if head is not None else {}
        for module, entry in self._module_items(head):
            names = self._names_in(entry, module)
            index.set(module, ModuleEntry(entry.id, names, introduced.get(module)))
        self._persist_index(index)
        return index

    def _advance_index(self, index: HeadIndex, head: str) -> None:
        """Bring the index forward over the commits made since it was current."""
        introduced = self._walk_changes(head, index.head)
        for module, commit in introduced.items():
            entry = self._module_tree(head, module)
            if entry is not None:
                names = self._names_in(entry, module)
                index.set(module, ModuleEntry(entry.id, names, commit))
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

    def _changed_modules(self, commit: Commit) -> set[str]:
        """Return the modules ``commit`` changed against its first parent."""
        parents = commit.parent_ids
        if len(parents) == 1:
            named = trailer_modules(commit.message)
            if named is not None:
                return named
        return self._changed_between(parents[0] if parents else None, commit.id)

    def _changed_between(self, old: str | None, new: str) -> set[str]:
        """Return the modules whose folders differ between two commits, in any layouts."""
        a, b = self._functions_tree(old), self._functions_tree(new)
        if (
            a is not None
            and b is not None
            and self._layout(old) == self._layout(new) != FLAT_LAYOUT
        ):
            # the same sharded layout: only the shards whose ids differ are read
            shards = {e.name: e.id for e in a}
            changed: set[str] = set()
            for folder in b:
                if shards.pop(folder.name, None) != folder.id:
                    changed.update(self._shard_changes(a, b, folder.name))
            for name in shards:
                changed.update(self._shard_changes(a, b, name))
            return changed
        before, after = self._module_ids(old), self._module_ids(new)
        return {m for m in before.keys() | after.keys() if before.get(m) != after.get(m)}

    @staticmethod
    def _shard_changes(a: Tree, b: Tree, folder: str) -> set[str]:
        def ids(tree: Tree) -> dict[str, str]:
            found = tree.folder(folder)
            if found is None or not is_shard(folder):
                return {}
            return {e.name: e.id for e in found if shard(e.name) == folder}

        before, after = ids(a), ids(b)
        return {m for m in before.keys() | after.keys() if before.get(m) != after.get(m)}

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

        def at_head(module: str) -> str | None:
            tree = self._module_tree(head, module)
            return tree.id if tree is not None else None

        chain = {head}  # the first-parent chain from head
        found: dict[str, str] = {}
        walked = 0
        for commit in walk(self._repo, head, hide=stop, topological=True):
            walked += 1
            commit_id = commit.id
            parents = commit.parent_ids
            on_chain = commit_id in chain
            if on_chain and parents:
                chain.add(parents[0])
            todo = [m for m in self._changed_modules(commit) if m not in found]
            if not todo:
                continue
            # Along the first-parent chain nothing newer changed the module, so
            # the commit holds the head's tree; elsewhere that must be checked.
            checked = not (on_chain and len(parents) == 1)
            for module in todo:
                if checked:
                    found_tree = self._module_tree(commit_id, module)
                    tree = found_tree.id if found_tree is not None else None
                    if tree != at_head(module):
                        continue  # a change the head does not hold
                    if tree is not None and any(
                        (o := self._module_tree(p, module)) is not None and o.id == tree
                        for p in parents[1:]
                    ):
                        continue  # a merge that took it from another parent: look there
                found[module] = commit_id
        self._walked = walked
        return found

    def _names_in(self, module_tree: Tree, module: str) -> tuple[str, ...]:
        """Return a module tree's function names: from its manifest, or its code if derived."""
        reading = self._reading(module_tree, module)
        if reading.state == OK and reading.names:
            return reading.names
        if reading.state != DERIVED or reading.source_id is None:
            return ()  # unreadable: reported by the store's readers, owns no name
        from fnstore.manifest import introspect

        try:
            code = self._blob(reading.source_id).decode("utf-8")
            return tuple(f.name for f in introspect(code).functions)
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
                parent_tree = self._module_tree(parent.id, module)
                if parent_tree is not None and parent_tree.id == tree.id:
                    commit = parent
                    break
            else:
                break
        return commit.id
