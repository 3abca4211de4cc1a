"""Reading the store: manifests, versions, history, diff, and the head index.

History costs one step per version: each manifest records the commit of its
parent version (``parent_commit``), and the head index says which commit
introduced each module's current tree.  Manifests that do not match their
``source.py`` (a commit made with plain git) are re-derived from the code and
the commit (see :meth:`_ReadMixin._manifest_at`); manifests that cannot be
read are reported per module, naming the module and how to fix it.
"""

from __future__ import annotations

import difflib
import json
from typing import TYPE_CHECKING

import pygit2

from fnstore.errors import (
    FunctionNotFoundError,
    InvalidCodeError,
    ManifestError,
    RevisionNotFoundError,
    StoreError,
)
from fnstore.store._core import MANIFEST, SOURCE, _Core
from fnstore.store._index import HeadIndex, ModuleEntry
from fnstore.store._types import FunctionVersion, Scan

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fnstore.manifest import Manifest

__all__: list[str] = []

_INDEX_FILE = "index.json"
_PERSIST_EVERY = 64  # own commits between index writes (it is cheap to bring forward)


class _ReadMixin(_Core):
    """Queries of :class:`FunctionStore` (see the module docstring)."""

    _index: HeadIndex | None = None

    # -- the head index -------------------------------------------------------

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
                ahead = False
            if ahead:
                self._advance_index(index, head)
                self._index = index
                return index
        self._index = self._rebuild_index(head)
        return self._index

    def _rebuild_index(self, head: str | None) -> HeadIndex:
        index = HeadIndex(branch=self.branch, head=head)
        tree = self._functions_tree(head)
        for entry in tree or ():
            if isinstance(entry, pygit2.Tree) and entry.name:
                index.set(entry.name, ModuleEntry(str(entry.id), self._names_in(entry)))
        self._persist_index(index)
        return index

    def _advance_index(self, index: HeadIndex, head: str) -> None:
        """Bring the index forward over commits made since (by others, or plain git)."""
        old_tree = self._functions_tree(index.head)
        new_tree = self._functions_tree(head)
        parents = self._commit(head).parent_ids
        single = len(parents) == 1 and str(parents[0]) == index.head
        old = {e.name or "": str(e.id) for e in old_tree or ()}
        for entry in new_tree or ():
            name = entry.name or ""
            if old.pop(name, None) != str(entry.id) and isinstance(entry, pygit2.Tree):
                index.set(
                    name,
                    ModuleEntry(str(entry.id), self._names_in(entry), head if single else None),
                )
        for gone in old:
            index.set(gone, None)
        index.head = head
        index.unsaved += 1
        if index.unsaved >= _PERSIST_EVERY:
            self._persist_index(index)

    def _persist_index(self, index: HeadIndex) -> None:
        try:
            self._write_state(_INDEX_FILE, index.to_bytes())
            index.unsaved = 0
        except OSError:
            pass  # derived data: a read-only store simply rebuilds it next time

    def _names_in(self, module_tree: pygit2.Tree) -> tuple[str, ...]:
        """Return a module tree's function names: from its manifest, or its code if stale."""
        source_id, source, manifest = self._read_module(module_tree)
        try:
            doc = json.loads(manifest) if manifest is not None else None
            if isinstance(doc, dict) and doc.get("content_id") == source_id:
                return tuple(str(f["name"]) for f in doc["functions"])
        except (ValueError, TypeError, KeyError):
            pass
        if source is None:
            return ()
        from fnstore.manifest import introspect

        try:
            return tuple(f.name for f in introspect(source.decode("utf-8")).functions)
        except (InvalidCodeError, UnicodeDecodeError, StoreError):
            return ()

    def _introducer(self, commit_id: str, module: str) -> str:
        """Return the commit that introduced the module tree found at ``commit_id``.

        Walks back only while that tree is unchanged, so it costs the number
        of commits since the module last changed (zero for a fresh save).
        """
        if commit_id == self.head:
            index = self._head_index()
            entry = index.modules.get(module)
            if entry is not None and entry.commit is not None:
                return entry.commit
        tree = self._module_tree(commit_id, module)
        if tree is None:
            raise FunctionNotFoundError(f"no module {module!r} at commit {commit_id[:12]}")
        commit = self._commit(commit_id)
        while True:
            for parent in commit.parents:
                parent_tree = self._module_tree(str(parent.id), module)
                if parent_tree is not None and parent_tree.id == tree.id:
                    commit = parent
                    break
            else:
                break
        found = str(commit.id)
        if commit_id == self.head and self._index is not None:
            entry = self._index.modules.get(module)
            if entry is not None:
                entry.commit = found
        return found

    # -- manifests --------------------------------------------------------------

    def _manifest_at(
        self, commit_id: str, module: str, tree: pygit2.Tree | None = None
    ) -> Manifest:
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
        source_id, source, raw = self._read_module(tree)
        where = f"functions/{module}/{MANIFEST}"
        if source is None:
            raise ManifestError(
                f"module {module!r} has no {SOURCE} at commit {commit_id[:12]}: restore it "
                f"with git, or remove functions/{module}"
            )
        stored: Manifest | None = None
        if raw is not None:
            try:
                stored = Manifest.from_json(raw)
            except ManifestError as exc:
                kind = type(exc)
                raise kind(
                    f"{where} (module {module!r}) cannot be read: {exc}. Fix it by hand, or "
                    f"delete it (git rm {where}) and fnstore will re-derive it from {SOURCE}"
                ) from exc
            if stored.content_id == source_id and stored.module == module:
                return stored
        return self._derive(self._introducer(commit_id, module), module, source, stored)

    def _derive(
        self, commit_id: str, module: str, source: bytes, stale: Manifest | None
    ) -> Manifest:
        """Build a manifest for code committed without one (plain git), from the code and commit."""
        from fnstore.manifest import Author, Manifest, content_id, introspect

        try:
            found = introspect(source.decode("utf-8"))
        except (InvalidCodeError, UnicodeDecodeError) as exc:
            raise ManifestError(
                f"functions/{module}/{SOURCE} was changed outside fnstore (commit "
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
        from datetime import datetime, timedelta, timezone

        sig = commit.author
        when = datetime.fromtimestamp(sig.time, timezone(timedelta(minutes=sig.offset)))
        return Manifest(
            module=module,
            version=version,
            content_id=cid,
            parent_content_id=parent_cid,
            parent_commit=parent_commit,
            parent_module=parent_module,
            author=Author(name=sig.name, email=sig.email),
            created=when,
            message=commit.message.strip(),
            functions=found.functions,
            imports=found.imports,
        )

    def _previous_readable(
        self, commit: pygit2.Commit, module: str
    ) -> tuple[Manifest | None, str | None]:
        """Find the nearest earlier version of ``module`` whose manifest reads, and its commit."""
        while commit.parent_ids:
            parent = str(commit.parent_ids[0])
            if self._module_tree(parent, module) is None:
                break
            introduced = self._introducer(parent, module)
            try:
                return self._manifest_at(introduced, module), introduced
            except ManifestError:  # broken by hand too: look further back
                commit = self._commit(introduced)
        return None, None

    def _make_version(self, name: str, commit_id: str, manifest: Manifest) -> FunctionVersion:
        source = self._blob(manifest.content_id).decode("utf-8", errors="replace")
        return FunctionVersion(
            name=name,
            module=manifest.module,
            version=manifest.version,
            content_id=manifest.content_id,
            commit=commit_id,
            source=source,
            manifest=manifest,
            author=str(manifest.author),
            message=manifest.message,
            time=manifest.created,
        )

    def _module_of(self, name: str, commit_id: str) -> str:
        """Return the module holding function ``name`` (or called ``name``) at a commit."""
        if commit_id == self.head:
            module = self._head_index().module_of(name)
        else:
            tree = self._functions_tree(commit_id)
            module = None
            if tree is not None:
                candidate = tree[name] if name in tree else None
                if isinstance(candidate, pygit2.Tree) and name in self._names_in(candidate):
                    module = name
                else:
                    for entry in tree:
                        if isinstance(entry, pygit2.Tree) and name in self._names_in(entry):
                            module = entry.name or None
                            break
                    if module is None and name in tree:
                        module = name
        if module is None:
            raise FunctionNotFoundError(
                f"no function or module {name!r} at {commit_id[:12]}: list them with "
                "store.functions()"
            )
        return module

    # -- public queries ---------------------------------------------------------

    def scan(self, *, rev: str | None = None) -> Scan:
        """Every module at ``rev`` (default: the branch head): manifests, and errors per module."""
        if rev is None and self.head is None:
            return Scan(commit=None)
        commit_id = self.resolve(rev)
        manifests: list[Manifest] = []
        errors: dict[str, ManifestError] = {}
        for entry in self._functions_tree(commit_id) or ():
            if not isinstance(entry, pygit2.Tree) or not entry.name:
                continue
            try:
                manifests.append(self._manifest_at(commit_id, entry.name))
            except ManifestError as exc:
                errors[entry.name] = exc
        manifests.sort(key=lambda m: m.module)
        return Scan(commit=commit_id, manifests=manifests, errors=errors)

    def functions(self, *, rev: str | None = None) -> list[Manifest]:
        """Return the readable manifests at ``rev``, by module (:meth:`scan` has the errors)."""
        return self.scan(rev=rev).manifests

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
            return self._make_version(name, introduced, manifest)
        if spec.isdigit():
            for version in self._walk(name, commit_id):
                if version.version == int(spec):
                    return version
            raise RevisionNotFoundError(
                f"{name!r} has no version {spec}: see store.history({name!r})"
            )
        at = self._named_rev(spec)
        if at is None and len(spec) >= 4 and all(c in "0123456789abcdef" for c in spec.lower()):
            matches = {
                v.content_id: v
                for v in self._walk(name, commit_id)
                if v.content_id.startswith(spec.lower())
            }
            if len(matches) == 1:
                return next(iter(matches.values()))
            if len(matches) > 1:
                raise RevisionNotFoundError(
                    f"{ref!r} matches {len(matches)} versions: give more digits of the content id"
                )
        return self.get(name, rev=at or self.resolve(spec))

    def _named_rev(self, spec: str) -> str | None:
        for prefix in ("refs/tags/", "refs/heads/"):
            if self._repo.references.get(prefix + spec) is not None:
                return self.resolve(prefix + spec)
        return None

    def _walk(self, name: str, commit_id: str) -> list[FunctionVersion]:
        module = self._module_of(name, commit_id)
        at: str | None = self._introducer(commit_id, module)
        versions: list[FunctionVersion] = []
        seen: set[str] = set()
        tree = self._head_tree(commit_id, module)
        while at is not None and at not in seen:
            seen.add(at)
            manifest = self._manifest_at(at, module, tree)
            versions.append(self._make_version(name, at, manifest))
            at, module = manifest.parent_commit, manifest.parent_module or module
            # The manifest names its parent's folder tree: one small read per
            # version instead of reading the parent commit's whole functions/ tree.
            tree = self._tree(manifest.parent_tree)
            if at is not None and (
                at not in self._repo or (tree is None and self._module_tree(at, module) is None)
            ):
                break  # a shallow clone, or history rewritten elsewhere: stop here
        return versions

    def _tree(self, tree_id: str | None) -> pygit2.Tree | None:
        obj = self._repo.get(tree_id) if tree_id is not None else None
        return obj if isinstance(obj, pygit2.Tree) else None

    def _head_tree(self, commit_id: str, module: str) -> pygit2.Tree | None:
        """Return the module's folder tree from the head index (no functions/ read)."""
        if commit_id != self.head:
            return None
        entry = self._head_index().modules.get(module)
        return self._tree(entry.tree) if entry is not None else None

    def history(self, name: str, *, rev: str | None = None) -> list[FunctionVersion]:
        """Every version of ``name``'s module up to ``rev``, newest first."""
        return self._walk(name, self.resolve(rev))

    def source(self, module: str, *, rev: str | None = None) -> str:
        """Return the code of a module (or of the module holding function ``module``) at ``rev``."""
        commit_id = self.resolve(rev)
        tree = self._module_tree(commit_id, self._module_of(module, commit_id))
        data = self._read_module(tree)[1] if tree is not None else None
        if data is None:
            raise FunctionNotFoundError(f"no source for {module!r} at {commit_id[:12]}")
        return data.decode("utf-8", errors="replace")

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

    def manifest_blobs(
        self, *, rev: str | None = None, known: Mapping[str, str] | None = None
    ) -> tuple[str | None, dict[str, tuple[str, bytes | None]]]:
        """Raw ``manifest.json`` bytes of every module, for the registry's fast start-up.

        Returns ``(commit id, {module: (blob id, bytes or None if known)})``.  A
        stale manifest (plain-git edit) is replaced by its re-derived JSON, whose
        blob id is that of those bytes; a broken one is returned as it is.
        """
        known = known or {}
        if rev is None and self.head is None:
            return None, {}
        commit_id = self.resolve(rev)
        out: dict[str, tuple[str, bytes | None]] = {}
        for entry in self._functions_tree(commit_id) or ():
            if not isinstance(entry, pygit2.Tree) or not entry.name:
                continue
            module = entry.name
            blob = entry[MANIFEST] if MANIFEST in entry else None
            source = entry[SOURCE] if SOURCE in entry else None
            if not isinstance(blob, pygit2.Blob) or source is None:
                continue
            blob_id = str(blob.id)
            if known.get(module) == blob_id:
                out[module] = (blob_id, None)
                continue
            data = blob.data
            if b'"content_id": "' + str(source.id).encode() + b'"' not in data:
                data, blob_id = self._rederived_bytes(commit_id, module, data, blob_id)
                if known.get(module) == blob_id:
                    out[module] = (blob_id, None)
                    continue
            out[module] = (blob_id, data)
        return commit_id, out

    def _rederived_bytes(
        self, commit_id: str, module: str, data: bytes, blob_id: str
    ) -> tuple[bytes, str]:
        from fnstore.manifest import content_id

        try:
            derived = self._manifest_at(commit_id, module).to_json().encode()
        except ManifestError:
            return data, blob_id
        return derived, content_id(derived)

    def blob_text(self, content_id_prefix: str) -> tuple[str, str]:
        """``(full content id, text)`` of a ``source.py`` blob given a prefix of its id."""
        try:
            obj = self._repo[content_id_prefix]
        except (KeyError, ValueError, pygit2.GitError) as exc:
            raise RevisionNotFoundError(
                f"no code with content id {content_id_prefix!r} in the store (give at least 4 "
                "hex digits; more if ambiguous)"
            ) from exc
        if not isinstance(obj, pygit2.Blob):
            raise RevisionNotFoundError(f"{content_id_prefix!r} is not code in the store")
        return str(obj.id), obj.data.decode("utf-8", errors="replace")
