"""Writing the store: save, rollback and tags (delete, restore, rename: ``_ops.py``).

Each operation is one commit, made under the store lock with a
compare-and-swap of the branch (see :meth:`_Core._commit_change`).  All the
checks that can fail (code, names, conflicts) run before anything is written,
so a refused operation leaves the store exactly as it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from fnstore.errors import (
    CodeTooLargeError,
    InvalidCodeError,
    ManifestError,
    NameConflictError,
    SchemaVersionError,
    StoreError,
)
from fnstore.git._refnames import ref_names, ref_target
from fnstore.git._refs import create_ref
from fnstore.store._index import HeadIndex, ModuleEntry
from fnstore.store._indexing import _PERSIST_EVERY
from fnstore.store._read import _ReadMixin
from fnstore.store._types import FunctionVersion, SaveResult

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fnstore.manifest import FunctionInfo, Introspection, Manifest
    from fnstore.store._core import AuthorLike

__all__ = ["MAX_CODE_BYTES"]

#: Largest code block a save accepts (UTF-8 bytes).
MAX_CODE_BYTES = 1 << 20


class _Parent(NamedTuple):
    """The version a new one comes from."""

    version: int
    content_id: str | None
    commit: str | None
    module: str | None = None  # set when the module is renamed
    tree: str | None = None


class _WriteMixin(_ReadMixin):
    """Changes to :class:`FunctionStore` (see the module docstring)."""

    _check_timeout: float | None = None  # None: FNSTORE_CHECK_TIMEOUT, else the default

    @property
    def check_timeout(self) -> float:
        """Seconds the code being saved may run when checked (``FNSTORE_CHECK_TIMEOUT``, 30)."""
        if self._check_timeout is not None:
            return self._check_timeout
        from fnstore.store._checkworker import check_timeout_from_env

        return check_timeout_from_env()

    @check_timeout.setter
    def check_timeout(self, seconds: float | None) -> None:
        if seconds is not None and not (isinstance(seconds, int | float) and seconds > 0):
            raise ValueError(f"check_timeout must be a number of seconds above 0, not {seconds!r}")
        self._check_timeout = None if seconds is None else float(seconds)

    def save(
        self,
        code: str,
        *,
        message: str | None = None,
        author: AuthorLike | None = None,
        module: str | None = None,
        time: datetime | None = None,
        sign: bool | None = None,
    ) -> SaveResult:
        """Commit a code block as a new version of its module.

        Parameters
        ----------
        code
            One or more decorated functions with their helpers and imports.
        message
            The commit message (default: ``save <module> version <n>``).
        author
            ``"Name <email>"`` or ``(name, email)``; default: git's user.name/user.email.
        module
            The module to save into; default: the first decorated function's name.
        time
            The author time (default: now).
        sign
            Sign the commit with the store's SSH key (``store.set_signing``);
            default: the ``fnstore.sign`` setting.

        Returns
        -------
        SaveResult
            ``changed=False`` (and no commit) when the code equals the current version.

        Raises
        ------
        InvalidCodeError, CodeTooLargeError, InvalidNameError, NameConflictError,
        AuthorRequiredError, StoreLockedError, TrustError
            As their names say; nothing is written.
        CheckTimeoutError, CheckCrashedError
            Running the code (in the check worker, never in this process) took
            longer than :attr:`check_timeout`, or ended the worker.
        """
        self._check_strict(code)
        data, found, missing = _checked(code, self.check_timeout)
        from fnstore.manifest import check_name

        module = check_name(module if module is not None else found.functions[0].name, "module")
        who, when = self._author(author), _when(time)
        with self._locked():
            index = self._head_index()
            self._check_free(index, module, found.functions)
            parent = self._parent_of(index, module)
            self._sign_request = sign
            try:
                return self._commit_version(
                    index,
                    module,
                    data,
                    found,
                    missing,
                    parent,
                    message=message,
                    who=who,
                    when=when,
                    remove=None,
                )
            finally:
                self._sign_request = None

    def _parent_of(self, index: HeadIndex, module: str) -> _Parent | None:
        entry = index.entry(module)
        if entry is None or index.head is None:
            return None
        commit = self._introducer(index.head, module)
        tree_id = entry.tree
        tree = self._tree(tree_id)
        try:
            current = self._manifest_at(commit, module, tree)
        except SchemaVersionError:
            raise  # written by a newer fnstore: never overwrite it with an older format
        except ManifestError:
            # a hand-broken manifest must not block saving a fixed version
            source_id = self._reading(tree, module).source_id if tree is not None else None
            return _Parent(0, source_id, commit, None, tree_id)
        return _Parent(current.version, current.content_id, commit, None, tree_id)

    def _check_free(
        self,
        index: HeadIndex,
        module: str,
        functions: Sequence[FunctionInfo],
        *,
        replacing: str | None = None,
    ) -> None:
        """Refuse a function another module holds for the same memory type, or a taken name.

        One name may live in several modules once per memory type (OpenHCS
        has ``sharpen`` for numpy, torch...); ``replacing`` is the module this
        one replaces (a rename).
        """
        mine = {module, replacing}
        for function in functions:
            for owner in index.names.get(function.name, ()):
                if owner in mine:
                    continue
                taken = self._memory_type_in(owner, function.name, str(index.head))
                if taken in (None, function.input_memory_type):
                    raise NameConflictError(
                        f"function {function.name!r} for {function.input_memory_type} already "
                        f"exists in module {owner!r}: rename yours, give it another memory "
                        f"type, or save into that module (fnstore save --module {owner}; "
                        f"store.save(code, module={owner!r}))"
                    )
        holder = next((m for m in index.names.get(module, ()) if m not in mine), None)
        if holder is not None:
            raise NameConflictError(
                f"module name {module!r} is the name of a function in module {holder!r}: "
                "choose another module name"
            )

    def _commit_version(
        self,
        index: HeadIndex,
        module: str,
        data: bytes,
        found: Introspection,
        missing: list[str],
        parent: _Parent | None,
        *,
        message: str | None,
        who: tuple[str, str],
        when: datetime,
        remove: str | None,
        force: bool = False,
    ) -> SaveResult:
        from fnstore.manifest import MAX_MANIFEST_BYTES, Author, Manifest, content_id

        cid = content_id(data)
        head = index.head
        if not force and parent is not None and parent.content_id == cid and head is not None:
            at = parent.commit or head
            current = self._manifest_at(at, module, self._tree(parent.tree))
            return SaveResult(head, self._versions(at, current, data), changed=False)
        version = parent.version + 1 if parent else 1
        text = message or f"save {module} version {version}"
        manifest = Manifest(
            module=module,
            version=version,
            content_id=cid,
            parent_content_id=parent.content_id if parent else None,
            parent_commit=parent.commit if parent else None,
            parent_tree=parent.tree if parent else None,
            parent_module=parent.module if parent else None,
            author=Author(name=who[0], email=who[1]),
            created=when,
            message=text,
            functions=found.functions,
            imports=found.imports,
            missing_imports=missing,
        )
        document = manifest.to_json().encode()
        if len(document) > MAX_MANIFEST_BYTES:  # never write what no reader would read
            raise CodeTooLargeError(
                f"the manifest of this code would be {len(document):,} bytes, more than the "
                f"{MAX_MANIFEST_BYTES:,} fnstore reads: split the module, or shorten its docstrings"
            )
        tree = self._write_module(data, document)
        changes: dict[str, str | None] = {module: tree}
        if remove is not None:
            changes[remove] = None
        commit = self._commit_change(
            changes, message=text, author=who, when=when, expected_head=head
        )
        if remove is not None:
            index.set(remove, None)
        index.set(module, ModuleEntry(tree, tuple(f.name for f in found.functions), commit))
        index.head = commit
        self._note_saved(cid)
        index.unsaved += 1
        if index.unsaved >= _PERSIST_EVERY:
            self._persist_index(index)
        return SaveResult(commit, self._versions(commit, manifest, data))

    def _versions(self, commit: str, manifest: Manifest, data: bytes) -> list[FunctionVersion]:
        source = data.decode("utf-8", errors="replace")
        return [FunctionVersion.of(f.name, commit, manifest, source) for f in manifest.functions]

    def rollback(
        self,
        name: str,
        to: int | str,
        *,
        message: str | None = None,
        author: AuthorLike | None = None,
    ) -> SaveResult:
        """Make a new version of ``name``'s module whose code equals version ``to``.

        ``to`` is a version number, a content id prefix, a tag or a commit (or a
        full reference ``name@...``).  History is never rewritten.
        """
        ref = str(to) if "@" in str(to) else f"{name}@{to}"
        target = self.get(ref)
        current = self.get(name)
        text = message or f"roll back {current.module} to version {target.version}"
        return self.save(target.source, message=text, author=author, module=current.module)

    def tag(self, tag: str, rev: str = "HEAD") -> str:
        """Tag a revision (lightweight tag); returns the commit id."""
        from fnstore.manifest import check_tag

        check_tag(tag)
        commit = self.resolve(rev)
        with self._locked():
            if ref_target(self._repo, f"refs/tags/{tag}") is not None:
                raise NameConflictError(f"tag {tag!r} already exists: choose another name")
            create_ref(self._repo, f"refs/tags/{tag}", commit)
        return commit

    def tags(self) -> dict[str, str]:
        """Every tag and the commit it names."""
        out: dict[str, str] = {}
        for name in ref_names(self._repo, "refs/tags/"):
            try:
                out[name.removeprefix("refs/tags/")] = self.resolve(name)
            except StoreError:
                continue  # a tag of something other than a commit
        return dict(sorted(out.items()))


def _checked(code: object, timeout: float) -> tuple[bytes, Introspection, list[str]]:
    """Every check a code block must pass before anything is written.

    The code runs in the check worker (:mod:`fnstore.store._checkworker`), for at
    most ``timeout`` seconds: code that loops or exits cannot harm the caller.
    """
    if not isinstance(code, str):
        raise InvalidCodeError(f"code must be a str, not {type(code).__name__}")
    try:
        data = code.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidCodeError(
            f"the code is not valid text ({exc}): fix it and save again"
        ) from exc
    if len(data) > MAX_CODE_BYTES:
        raise CodeTooLargeError(
            f"the code is {len(data):,} bytes, more than the {MAX_CODE_BYTES:,} a save accepts: "
            "split it into several modules, or keep data files out of the code"
        )
    from fnstore.store._checkworker import check_in_worker

    found = _introspected(data)
    return data, found, check_in_worker(code, found.functions, found.imports, timeout)


def _introspected(data: bytes) -> Introspection:
    from fnstore.manifest import introspect

    return introspect(data.decode("utf-8"))


def _when(time: datetime | None) -> datetime:
    when = time if time is not None else datetime.now()
    when = when.astimezone()  # naive means local time; keep the offset
    return when.replace(microsecond=0)
