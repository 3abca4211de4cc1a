"""Reading the store: manifests, versions, history, diff, and the head index.

History costs one step per version: each manifest records the commit of its
parent version (``parent_commit``), and the head index says which commit
introduced each module's current tree.  Manifests that do not match their
``source.py`` (a commit made with plain git) are re-derived from the code and
the commit (see :meth:`_ReadMixin._manifest_at`); manifests that cannot be
read are reported per module, naming the module and how to fix it.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
from typing import TYPE_CHECKING, Any, TypeVar

from fnstore.errors import (
    AmbiguousNameError,
    FunctionNotFoundError,
    InvalidCodeError,
    ManifestError,
    RevisionNotFoundError,
)
from fnstore.git._errors import GitError
from fnstore.git._objects import find_blob, has_object, read_tree
from fnstore.git._refnames import ref_names, ref_target
from fnstore.layout import (
    DERIVED,
    INVALID,
    MANIFEST,
    SOURCE,
    ModuleReading,
    check_files,
    check_manifest,
)
from fnstore.store._indexing import _IndexMixin
from fnstore.store._types import FunctionVersion, Scan

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from fnstore.git._objects import Commit, Tree
    from fnstore.manifest import Manifest

__all__: list[str] = []


_CACHE_SIZE = 20_000


def _entry_id(tree: Tree, name: str) -> str | None:
    return tree.id_of(name)


_F = TypeVar("_F", bound="Callable[..., Any]")


def _one_thread_at_a_time(method: _F) -> _F:
    """Run a read under the store object's thread lock.

    Reads bring the cached head index forward, and writes change it: threads
    sharing one store object take turns on it (a read waits for a write's
    commit, never for its save check).
    """

    @functools.wraps(method)
    def wrapper(self: _ReadMixin, *args: Any, **kwargs: Any) -> Any:
        with self._lock.threads:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class _ReadMixin(_IndexMixin):
    """Queries of :class:`FunctionStore` (see the module docstring)."""

    # -- manifests --------------------------------------------------------------

    def _manifest_at(self, commit_id: str, module: str, tree: Tree | None = None) -> Manifest:
        """Return the module's manifest at a commit: as stored, or re-derived if stale.

        Raises
        ------
        ManifestError
            The stored manifest is broken (names the module and the fix).
        """
        from fnstore.manifest import Manifest

        if tree is None:
            tree = self._module_tree(commit_id, module)
        if tree is None:
            raise FunctionNotFoundError(f"no module {module!r} at commit {commit_id[:12]}")
        # A valid manifest depends only on its blob: reading a store again after
        # a save re-parses only what changed.
        key = _entry_id(tree, MANIFEST), _entry_id(tree, SOURCE)
        cached = self._manifest_cache.get(key)
        if cached is not None and cached.module == module:
            return cached
        reading = self._reading(tree, module, commit_id)
        if not reading.readable:
            raise reading.error()
        if reading.state == DERIVED:
            return self._derive(
                self._introducer(commit_id, module), module, reading, self._stale(reading)
            )
        try:
            stored = Manifest.from_data(reading.parsed())
        except ManifestError as exc:
            where = f"{reading.path}/{MANIFEST}"
            raise type(exc)(
                f"{where} (module {module!r}) cannot be read: {exc}. Fix it by hand, or "
                f"delete it (git rm {where}) and fnstore will re-derive it from {SOURCE}"
            ) from exc
        if len(self._manifest_cache) >= _CACHE_SIZE:
            self._manifest_cache.clear()  # simple bound; refilling is cheap
        self._manifest_cache[key] = stored
        return stored

    @staticmethod
    def _stale(reading: ModuleReading) -> Manifest | None:
        """Return the manifest of other code found beside the code (its lineage continues)."""
        from fnstore.manifest import Manifest

        if reading.data is None:
            return None
        try:
            return Manifest.from_data(reading.parsed())
        except ManifestError:
            return None  # the reader judged it readable by its identity: derive afresh

    def _derive(
        self, commit_id: str, module: str, reading: ModuleReading, stale: Manifest | None
    ) -> Manifest:
        """Build a manifest for code committed without one (plain git), from the code and commit."""
        from fnstore.manifest import Author, Manifest, content_id, introspect

        source = self._blob(str(reading.source_id))
        try:
            found = introspect(source.decode("utf-8"))
        except (InvalidCodeError, UnicodeDecodeError) as exc:
            raise ManifestError(
                f"{reading.path}/{SOURCE} was changed outside fnstore (commit "
                f"{commit_id[:12]}) and cannot be read: {exc}. Fix the code with git or save a "
                "corrected version"
            ) from exc
        commit = self._commit(commit_id)
        cid = content_id(source)
        version, parent_cid, parent_commit, parent_module = 1, None, None, None
        previous, previous_commit = self._previous_readable(commit, module)
        if previous is not None and previous.content_id == cid:
            return previous  # only the manifest changed by hand: still that version
        if previous is not None:
            version, parent_cid = previous.version + 1, previous.content_id
            parent_commit = previous_commit
        elif stale is not None:  # moved or copied by hand: continue its lineage
            version, parent_cid = stale.version + 1, stale.content_id
            parent_module = stale.module if stale.module != module else None
        who = commit.author
        return Manifest(
            module=module,
            version=version,
            content_id=cid,
            parent_content_id=parent_cid,
            parent_commit=parent_commit,
            parent_module=parent_module,
            author=Author(name=who.name, email=who.email),
            created=who.when,
            message=commit.message.strip(),
            functions=found.functions,
            imports=found.imports,
        )

    def _previous_readable(self, commit: Commit, module: str) -> tuple[Manifest | None, str | None]:
        """Find the nearest earlier version of ``module`` whose manifest reads, and its commit."""
        while commit.parent_ids:
            parent = commit.parent_ids[0]
            if self._module_tree(parent, module) is None:
                break
            introduced = self._introducer(parent, module)
            try:
                return self._manifest_at(introduced, module), introduced
            except ManifestError:  # broken by hand too: look further back
                commit = self._commit(introduced)
        return None, None

    def _make_version(
        self, name: str, commit_id: str, manifest: Manifest, function: str | None = ""
    ) -> FunctionVersion:
        source = self._blob(manifest.content_id).decode("utf-8", errors="replace")
        return FunctionVersion.of(name, commit_id, manifest, source, function=function)

    def _candidates(self, name: str, commit_id: str) -> list[str]:
        """List the modules holding function ``name`` at a commit, or ``[name]`` for a module."""
        if commit_id == self.head:
            return self._head_index().candidates(name)
        found = [
            module
            for module, entry in self._module_items(commit_id)
            if name in self._names_in(entry, module)
        ]
        if not found and self._module_tree(commit_id, name) is not None:
            found = [name]
        return found

    def _module_of(self, name: str, commit_id: str) -> str:
        """Return the module holding function ``name`` (or called ``name``) at a commit.

        ``name`` may be qualified, ``sharpen[torch]``: one function name may
        live in several modules, once per memory type.  This is the one place
        where a reference's name becomes a module.

        Raises
        ------
        FunctionNotFoundError
            No such function or module.
        AmbiguousNameError
            Several modules hold ``name``: the message lists the qualified choices.
        """
        from fnstore.manifest import qualified, split_qualified

        bare, memory_type = split_qualified(name)
        found = self._candidates(bare, commit_id)
        if memory_type is not None or len(found) > 1:
            typed = [(m, self._memory_type_in(m, bare, commit_id)) for m in found]
            if memory_type is not None:
                found = [m for m, t in typed if t == memory_type]
            else:
                choices = [qualified(bare, t) if t else f"module {m}" for m, t in typed]
                modules = ", ".join(
                    f"{c} (module {m})" for c, (m, _) in zip(choices, typed, strict=True)
                )
                raise AmbiguousNameError(
                    f"{bare!r} is in {len(found)} modules, once per memory type: {modules}; "
                    f"say which, e.g. {choices[0]!r}",
                    choices,
                )
        if not found:
            raise FunctionNotFoundError(
                f"no function or module {name!r} at {commit_id[:12]}: list them with "
                "store.functions()"
            )
        return found[0]

    def _memory_type_in(self, module: str, name: str, commit_id: str) -> str | None:
        """Return the input memory type of ``name`` in ``module`` at a commit (None: unreadable)."""
        try:
            manifest = self._manifest_at(commit_id, module, self._head_tree(commit_id, module))
        except ManifestError:
            return None
        return next((f.input_memory_type for f in manifest.functions if f.name == name), None)

    # -- public queries ---------------------------------------------------------

    @_one_thread_at_a_time
    def scan(self, *, rev: str | None = None) -> Scan:
        """Every module at ``rev`` (default: the branch head): manifests, and errors per module."""
        if rev is None and self.head is None:
            return Scan(commit=None)
        commit_id = self.resolve(rev)
        manifests: list[Manifest] = []
        errors: dict[str, ManifestError] = {}
        for module, entry in self._module_items(commit_id):
            try:
                manifests.append(self._manifest_at(commit_id, module, entry))
            except ManifestError as exc:
                errors[module] = exc
        manifests.sort(key=lambda m: m.module)
        return Scan(commit=commit_id, manifests=manifests, errors=errors)

    @_one_thread_at_a_time
    def functions(self, *, rev: str | None = None) -> list[Manifest]:
        """Return the readable manifests at ``rev``, by module (:meth:`scan` has the errors)."""
        return self.scan(rev=rev).manifests

    @_one_thread_at_a_time
    def get(self, ref: str, *, rev: str | None = None) -> FunctionVersion:
        """One version: ``name``, ``name@3``, ``name@<content id prefix>``, ``name@<tag|commit>``.

        Raises
        ------
        FunctionNotFoundError, RevisionNotFoundError, ManifestError
        """
        name, _, spec = ref.partition("@")
        commit_id = self.resolve(rev)
        if not spec:
            module = self._module_of(name, commit_id)
            introduced = self._introducer(commit_id, module)
            manifest = self._manifest_at(introduced, module, self._head_tree(commit_id, module))
            return self._make_version(_bare(name), introduced, manifest)
        if spec.isdigit():
            for version in self._walk(name, commit_id):
                if version.version == int(spec):
                    return version
            if len(spec) < 4:
                raise RevisionNotFoundError(
                    f"{name!r} has no version {spec}: see store.history({name!r})"
                )
            # Not a version: a content id or a commit id can begin with digits
            # only (1 in 280 content ids does for the 12 that `pending` shows).
        at = self._named_rev(spec)
        if at is None and len(spec) >= 4 and all(c in "0123456789abcdef" for c in spec.lower()):
            matches = {
                v.content_id: v
                for v in self._walk(name, commit_id)
                if v.content_id.startswith(spec.lower())
            }
            if not matches and rev is None:
                # A pull waiting for a choice lists the incoming content ids: they
                # must be viewable and diffable before the user chooses.
                for incoming in self._incoming_heads():
                    with contextlib.suppress(FunctionNotFoundError):
                        for v in self._walk(name, incoming):
                            if v.content_id.startswith(spec.lower()):
                                matches.setdefault(v.content_id, v)
            if len(matches) == 1:
                return next(iter(matches.values()))
            if len(matches) > 1:
                raise RevisionNotFoundError(
                    f"{ref!r} matches {len(matches)} versions: give more digits of the content id"
                )
        try:
            target = at or self.resolve(spec)
        except RevisionNotFoundError:
            if spec.isdigit():
                raise RevisionNotFoundError(
                    f"{name!r} has no version {spec}, nor one whose content id or commit "
                    f"starts with {spec}: see store.history({name!r})"
                ) from None
            raise
        try:
            return self.get(name, rev=target)
        except FunctionNotFoundError:
            if rev is not None:
                raise
            # Named as it is called today, at a tag from before a rename: the
            # version of today's lineage that was current at that commit.
            for version in self._walk(name, commit_id):
                tree = self._module_tree(target, version.module)
                if tree is not None and self._introducer(target, version.module) == version.commit:
                    return version
            raise

    def _incoming_heads(self) -> list[str]:
        """Return commits whose versions ``name@<content id>`` also finds.

        These are the remote commits of pulls waiting for a choice: lab sync
        keeps each under ``refs/fnstore/pending/<remote>`` until it is settled.
        """
        pending = ref_names(self._repo, "refs/fnstore/pending/")
        found = (ref_target(self._repo, name) for name in pending)
        return [target for target in found if target is not None]

    def _named_rev(self, spec: str) -> str | None:
        for prefix in ("refs/tags/", "refs/heads/"):
            if ref_target(self._repo, prefix + spec) is not None:
                return self.resolve(prefix + spec)
        return None

    def _walk(self, name: str, commit_id: str) -> list[FunctionVersion]:
        from fnstore.manifest import function_for, name_in_parent

        module = self._module_of(name, commit_id)
        name = _bare(name)
        at: str | None = self._introducer(commit_id, module)
        versions: list[FunctionVersion] = []
        seen: set[str] = set()
        tree = self._head_tree(commit_id, module)
        child: Manifest | None = None
        function: str | None = None
        while at is not None and at not in seen:
            seen.add(at)
            manifest = self._manifest_at(at, module, tree)
            # The one place a version's function name is worked out: followed
            # back through renames, so name@2 means what it meant then.
            if child is None:
                function = function_for(name, manifest)
            elif function is not None:
                function = name_in_parent(function, child, manifest)
            versions.append(self._make_version(name, at, manifest, function))
            child = manifest
            at, module = manifest.parent_commit, manifest.parent_module or module
            # The manifest names its parent's folder tree: one small read per
            # version instead of reading the parent commit's whole functions/ tree.
            tree = self._tree(manifest.parent_tree)
            if at is not None and (
                not has_object(self._repo, at)
                or (tree is None and self._module_tree(at, module) is None)
            ):
                break  # a shallow clone, or history rewritten elsewhere: stop here
        return versions

    def _tree(self, tree_id: str | None) -> Tree | None:
        return read_tree(self._repo, tree_id) if tree_id is not None else None

    def _head_tree(self, commit_id: str, module: str) -> Tree | None:
        """Return the module's folder tree from the head index (no functions/ read)."""
        if commit_id != self.head:
            return None
        entry = self._head_index().entry(module)
        return self._tree(entry.tree) if entry is not None else None

    @_one_thread_at_a_time
    def history(self, name: str, *, rev: str | None = None) -> list[FunctionVersion]:
        """Every version of ``name``'s module up to ``rev``, newest first."""
        return self._walk(name, self.resolve(rev))

    @_one_thread_at_a_time
    def source(self, module: str, *, rev: str | None = None) -> str:
        """Return the code of a module (or of the module holding function ``module``) at ``rev``."""
        commit_id = self.resolve(rev)
        name = self._module_of(module, commit_id)
        tree = self._module_tree(commit_id, name)
        reading = self._reading(tree, name) if tree is not None else None
        if reading is None or reading.source_id is None:
            raise FunctionNotFoundError(f"no source for {module!r} at {commit_id[:12]}")
        return self._blob(reading.source_id).decode("utf-8", errors="replace")

    @_one_thread_at_a_time
    def diff(self, ref_a: str, ref_b: str) -> str:
        """Return a unified diff of ``source.py`` between two references (see :meth:`get`)."""
        a, b = self.get(ref_a), self.get(ref_b)
        lines = difflib.unified_diff(
            a.source.splitlines(keepends=True),
            b.source.splitlines(keepends=True),
            fromfile=f"{a.module}@{a.version}/{SOURCE}",
            tofile=f"{b.module}@{b.version}/{SOURCE}",
        )
        return "".join(lines)

    @_one_thread_at_a_time
    def readings(
        self, *, rev: str | None = None, known: Mapping[str, str] | None = None
    ) -> tuple[str | None, dict[str, ModuleReading]]:
        """Every module at ``rev`` as the one module reader sees it, for the registry.

        Returns ``(commit id, {module: reading})``.  A module whose manifest
        blob id equals ``known[module]`` is not read again (its reading has
        state ``""`` and no data).  A ``derived`` module (code committed with
        plain git) comes back ``ok``, carrying the re-derived manifest's
        bytes and their blob id; one whose code cannot be read comes back
        ``invalid``, with the store's reason.
        """
        known = known or {}
        if rev is None and self.head is None:
            return None, {}
        commit_id = self.resolve(rev)
        out: dict[str, ModuleReading] = {}
        for module, entry in self._module_items(commit_id):
            files = entry.files()
            path = self._module_path(commit_id, module)
            reading = check_files(module, files, path)
            if not reading.state and known.get(module) == reading.manifest_id:
                out[module] = reading  # unchanged since the caller read it
                continue
            if not reading.state:
                reading = self._reading(entry, module, commit_id)
            if reading.state == DERIVED:
                reading = self._rederived(commit_id, module, files, path)
                if known.get(module) == reading.manifest_id:
                    reading.data = None
                    reading.state = ""
            out[module] = reading
        return commit_id, out

    def _rederived(
        self, commit_id: str, module: str, files: Mapping[str, tuple[int, str]], path: str
    ) -> ModuleReading:
        """Return the reading of a derived module's re-derived manifest (or why not)."""
        from fnstore.manifest import content_id

        reading = check_files(module, files, path)
        try:
            derived = self._manifest_at(commit_id, module).to_json().encode()
        except ManifestError as exc:
            reading.state, reading.reason = INVALID, str(exc)
            return reading
        check_manifest(reading, derived)
        reading.manifest_id = content_id(derived)
        return reading

    def manifest_blobs(
        self, *, rev: str | None = None, known: Mapping[str, str] | None = None
    ) -> tuple[str | None, dict[str, tuple[str, bytes | None]]]:
        """Raw ``manifest.json`` bytes of every readable module (see :meth:`readings`).

        Returns ``(commit id, {module: (blob id, bytes or None if known)})``.  A
        stale manifest (plain-git edit) is replaced by its re-derived JSON, whose
        blob id is that of those bytes.
        """
        commit_id, found = self.readings(rev=rev, known=known)
        return commit_id, {
            module: (str(r.manifest_id), r.data)
            for module, r in found.items()
            if r.manifest_id is not None and (r.readable or not r.state)
        }

    @_one_thread_at_a_time
    def blob_text(self, content_id_prefix: str) -> tuple[str, str]:
        """``(full content id, text)`` of a ``source.py`` blob given a prefix of its id."""
        try:
            found = find_blob(self._repo, content_id_prefix)
        except (KeyError, ValueError, GitError) as exc:
            raise RevisionNotFoundError(
                f"no code with content id {content_id_prefix!r} in the store (give at least 4 "
                "hex digits; more if ambiguous)"
            ) from exc
        if found is None:
            raise RevisionNotFoundError(f"{content_id_prefix!r} is not code in the store")
        blob_id, data = found
        return blob_id, data.decode("utf-8", errors="replace")


def _bare(name: str) -> str:
    """``sharpen`` of ``sharpen[torch]`` (after the module has been resolved from it)."""
    from fnstore.manifest import split_qualified

    return split_qualified(name)[0]
