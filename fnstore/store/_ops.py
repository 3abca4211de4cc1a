"""Delete, restore and rename: each a new commit, so nothing is ever lost.

``delete`` commits the module's removal and says so in the message
(``fnstore-deleted-module: <module>``), which is how ``restore`` finds it again
later, from any process, without an index.  ``rename`` renames a function's
``def`` and the uses Python resolves to it (by syntax tree and scopes, see
:mod:`fnstore.manifest._rename`), and moves the module when it is named after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.errors import FunctionNotFoundError, NameConflictError, NothingToDoError
from fnstore.store._write import _checked, _introspected, _Parent, _when, _WriteMixin

if TYPE_CHECKING:
    from fnstore.store._core import AuthorLike
    from fnstore.store._types import SaveResult

__all__: list[str] = []

_DELETED = "fnstore-deleted-module: "


class _OpsMixin(_WriteMixin):
    """Delete, restore and rename of :class:`FunctionStore`."""

    def delete(
        self, name: str, *, message: str | None = None, author: AuthorLike | None = None
    ) -> str:
        """Remove ``name``'s module in a new commit (``restore`` brings it back); the commit id."""
        who = self._author(author)
        with self._locked():
            index = self._head_index()
            if index.head is None:
                raise FunctionNotFoundError(
                    f"no function or module {name!r} to delete: list them with store.functions()"
                )
            module = self._module_of(name, index.head)  # sharpen[torch] picks one of several
            entry = index.entry(module)
            names = ", ".join(entry.functions if entry is not None else ())
            text = (message or f"delete {module}") + f"\n\n{_DELETED}{module}\nfunctions: {names}\n"
            commit = self._commit_change(
                {module: None},
                message=text,
                author=who,
                when=_when(None),
                expected_head=index.head,
            )
            index.set(module, None)
            index.head = commit
            index.unsaved += 1
            return commit

    def restore(
        self, name: str, *, message: str | None = None, author: AuthorLike | None = None
    ) -> SaveResult:
        """Bring back a deleted module as a new version equal to its last one."""
        who = self._author(author)
        with self._locked():
            index = self._head_index()
            if index.module_of(name) is not None:
                raise NothingToDoError(f"{name!r} is not deleted: nothing to restore")
            module, before = self._find_deleted(name, index.head)
            last_commit = self._introducer(before, module)
            last = self._manifest_at(last_commit, module)
            data = self._blob(last.content_id)
            found, missing = _introspected(data), list(last.missing_imports)
            self._check_free(index, module, found.functions)
            last_tree = self._module_tree(before, module)
            parent = _Parent(
                last.version,
                last.content_id,
                last_commit,
                None,
                str(last_tree.id) if last_tree is not None else None,
            )
            text = message or f"restore {module} (version {last.version + 1})"
            return self._commit_version(
                index,
                module,
                data,
                found,
                missing,
                parent,
                message=text,
                who=who,
                when=_when(None),
                remove=None,
                force=True,
            )

    def _find_deleted(self, name: str, head: str | None) -> tuple[str, str]:
        """Find the deleted module called (or holding) ``name``, and the last commit that had it."""
        commit = self._commit(head) if head else None
        while commit is not None and commit.parents:
            parent = commit.parents[0]
            for line in commit.message.splitlines():
                if line.startswith(_DELETED):
                    module = line.removeprefix(_DELETED).strip()
                    tree = self._module_tree(str(parent.id), module)
                    if tree is not None and (
                        module == name or name in self._names_in(tree, module)
                    ):
                        return module, str(parent.id)
            if self._module_tree(str(parent.id), name) is not None and (
                self._module_tree(str(commit.id), name) is None
            ):
                return name, str(parent.id)
            commit = parent
        raise FunctionNotFoundError(f"{name!r} was never deleted here: nothing to restore")

    def rename(
        self,
        old: str,
        new: str,
        *,
        message: str | None = None,
        author: AuthorLike | None = None,
    ) -> SaveResult:
        """Rename a function (its ``def``, and its module if named after it) or a module."""
        from fnstore.manifest import check_name, split_qualified

        check_name(new)
        who = self._author(author)
        with self._locked():
            index = self._head_index()
            if index.head is None:
                raise FunctionNotFoundError(f"no function or module {old!r} to rename")
            module = self._module_of(old, index.head)
            old = split_qualified(old)[0]
            if index.module_of(new) is not None:
                raise NameConflictError(f"{new!r} already exists: choose another name")
            source = self.source(module)
            entry = index.entry(module)
            if entry is not None and old in entry.functions:
                from fnstore.manifest._rename import rename_functions

                source = rename_functions(source, {old: new})
            new_module = new if module == old else module
            data, found, missing = _checked(source, self.check_timeout)
            parent = self._parent_of(index, module)
            if parent is not None and new_module != module:
                parent = parent._replace(module=module)
            # a renamed module keeps its functions: they are not taken by "another" module
            self._check_free(index, new_module, found.functions, replacing=module)
            text = message or f"rename {old} to {new}"
            result = self._commit_version(
                index,
                new_module,
                data,
                found,
                missing,
                parent,
                message=text,
                who=who,
                when=_when(None),
                remove=module if new_module != module else None,
                force=True,
            )
            self._move_pin(old, new)
            return result

    def _move_pin(self, old: str, new: str) -> None:
        """Let a per-function pin follow a rename (the pin layer above implements it)."""
