"""The private core of :class:`~fnstore.store.FunctionStore`: the store's view of its repository.

Everything here is what the rest of the store (index, read, write, pins, and
the collaborators: notes, and lab sync above it) builds on.  The repository
is opened by the git plumbing (:func:`fnstore.git._repo.open_repository`):

* ``_repo`` -- the (bare) repository, a handle for :mod:`fnstore.git`'s functions;
* ``_locked()`` -- the inter-process lock (``fcntl.flock``) as a context manager;
* ``_commit_change(changes, ...)`` -- write a new tree with some modules
  replaced or removed and move the branch to a commit of it, compare-and-swap;
* ``_module_tree`` / ``_reading`` / ``_write_module`` -- a module's files in a tree
  (read through the one module reader, :mod:`fnstore.layout`);
* ``resolve(rev)`` -- branch, tag, commit or ``HEAD`` to a commit id.

The store reaches git only through :mod:`fnstore.git` (objects in
:mod:`fnstore.git._objects`, history in :mod:`fnstore.git._history`), whose
:class:`~fnstore.git._errors.GitError` is translated here into a :class:`StoreError`.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from typing import TYPE_CHECKING

from fnstore.errors import (
    AuthorRequiredError,
    RevisionNotFoundError,
    StoreError,
)
from fnstore.git._errors import GitError, ObjectMissingError
from fnstore.git._housekeeping import beside_gc, pack_if_needed, pack_limit
from fnstore.git._lock import StoreLock
from fnstore.git._merging import write_blob
from fnstore.git._objects import (
    Commit,
    Tree,
    TreeWriter,
    has_object,
    read_commit,
    resolve_commit,
    write_commit,
)
from fnstore.git._refnames import ref_target
from fnstore.git._refs import move_ref
from fnstore.git._repoinfo import config_int, config_value, git_dir, head_branch
from fnstore.git._treeread import BLOB, TREE, read_blob, read_raw
from fnstore.layout import (
    FLAT_LAYOUT,
    FUNCTIONS,
    LAYOUT_BLOB_ID,
    LAYOUT_DOC,
    LAYOUT_FILE,
    LAYOUT_TRAILER,
    LAYOUT_VERSION,
    MANIFEST,
    SOURCE,
    STATE_DIR,
    ModuleReading,
    is_shard,
    layout_of,
    module_path,
    newer_layout_error,
    read_module,
    shard,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from datetime import datetime
    from pathlib import Path

    # the repository handle, which the store hands to fnstore.git
    import pygit2

    from fnstore.manifest import Manifest

__all__ = ["MODULES_TRAILER", "AuthorLike"]

#: Trailer of fnstore's commits naming the modules they change (lets walks skip trees).
MODULES_TRAILER = "Fnstore-Modules: "
_TRAILER_MAX = 50  # a commit changing more modules than this is compared tree to tree

AuthorLike = str | tuple[str, str]
_AUTHOR = re.compile(r"\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>\s*\Z")


class _Core:
    """Repository access, locking and compare-and-swap commits (see module docstring)."""

    def __init__(self, repo: pygit2.Repository, path: Path, *, lock_timeout: float = 30.0) -> None:
        self._repo = repo
        self.path = path
        target = head_branch(repo)
        self.branch: str = target.removeprefix("refs/heads/") if target is not None else "main"
        self._lock = StoreLock(path / STATE_DIR / "lock", timeout=lock_timeout)
        # (functions tree id, a TreeWriter holding its entries): saves reuse it so that
        # each save does not re-read, re-sort and re-deflate a tree of N modules
        self._builder: tuple[str | None, TreeWriter] | None = None
        # the same for each shard folder of functions/ (layout 2), by shard name
        self._shards: dict[str, tuple[str, TreeWriter]] = {}
        #: The layout writes use; tests set FLAT_LAYOUT to act as an older fnstore.
        self._write_layout = LAYOUT_VERSION
        self._default_author: tuple[str, str] | None = None
        # valid manifests by (manifest blob id, source blob id): immutable, so
        # reading the store again after a save re-parses only what changed
        self._manifest_cache: dict[tuple[str | None, str | None], Manifest] = {}
        self._pack_limit = pack_limit(config_int(repo, "gc.auto"))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self.path)!r} branch={self.branch!r}>"

    # -- locking and refs ---------------------------------------------------

    @property
    def lock_timeout(self) -> float:
        """Seconds a write waits for another process's lock before StoreLockedError."""
        return self._lock.timeout

    @lock_timeout.setter
    def lock_timeout(self, seconds: float) -> None:
        self._lock.timeout = seconds

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the store's inter-process lock (re-entrant within this object)."""
        with self._lock:
            yield

    @property
    def _ref_name(self) -> str:
        return f"refs/heads/{self.branch}"

    @property
    def head(self) -> str | None:
        """Commit id of the branch, or None while the store is empty."""
        return ref_target(self._repo, self._ref_name)

    def resolve(self, rev: str | None = None) -> str:
        """Return the commit id that ``rev`` names (branch, tag, commit, ``HEAD``, ``main~2``).

        Raises
        ------
        RevisionNotFoundError
            ``rev`` names nothing here, or the store is still empty.
        """
        if rev is None or rev == "HEAD":
            head = self.head
            if head is None:
                raise RevisionNotFoundError(
                    "the store is empty: save a function first (store.save(code))"
                )
            return head
        try:
            return resolve_commit(self._repo, rev)
        except (KeyError, ValueError, GitError) as exc:
            raise RevisionNotFoundError(
                f"no branch, tag or commit {rev!r} in the store: list tags with store.tags() "
                "and versions with store.history(name)"
            ) from exc

    def _commit(self, commit_id: str) -> Commit:
        commit = read_commit(self._repo, commit_id)
        if commit is None:
            try:
                there = has_object(self._repo, commit_id)
            except ValueError:
                there = False  # not an id at all
            if there:
                raise RevisionNotFoundError(f"{commit_id} is not a commit")
            raise RevisionNotFoundError(f"commit {commit_id} is not in the store")
        return commit

    # -- trees ----------------------------------------------------------------

    def _functions_tree(self, commit_id: str | None) -> Tree | None:
        if commit_id is None:
            return None
        return self._commit(commit_id).tree.folder(FUNCTIONS)

    def _layout(self, commit_id: str | None) -> int:
        """Return the layout of the tree at a commit (an empty store: the current one).

        Raises
        ------
        StoreError
            The commit's ``fnstore.json`` is damaged.
        """
        if commit_id is None:
            return self._write_layout
        blob_id = self._commit(commit_id).tree.id_of(LAYOUT_FILE)
        if blob_id is None:
            return FLAT_LAYOUT
        if blob_id == LAYOUT_BLOB_ID:
            return LAYOUT_VERSION
        try:
            return layout_of(self._raw_blob(blob_id))
        except (ValueError, OSError) as exc:
            raise StoreError(
                f"{LAYOUT_FILE} at commit {commit_id[:12]} cannot be read ({exc}): restore it "
                f"with git (git checkout <an earlier commit> -- {LAYOUT_FILE})"
            ) from exc

    def _known_layout(self, commit_id: str | None) -> int:
        """Like :meth:`_layout`, refusing a layout newer than this fnstore knows."""
        layout = self._layout(commit_id)
        if layout > LAYOUT_VERSION:
            raise StoreError(newer_layout_error(layout))
        return layout

    def _module_items(self, commit_id: str | None) -> Iterator[tuple[str, Tree]]:
        """Yield ``(module, folder tree)`` for every module folder at a commit, in any layout."""
        ftree = self._functions_tree(commit_id)
        if ftree is None:
            return
        if self._known_layout(commit_id) == FLAT_LAYOUT:
            yield from ftree.folders()
            return
        for name, folder in ftree.folders():
            if is_shard(name):
                for module, tree in folder.folders():
                    # a folder moved into another shard by hand is not where
                    # readers look for it: no reader sees it (it is not a module)
                    if shard(module) == name:
                        yield module, tree

    def _module_ids(self, commit_id: str | None) -> dict[str, str]:
        """Map every module at a commit to its folder's tree id."""
        return {name: tree.id for name, tree in self._module_items(commit_id)}

    def _module_tree(self, commit_id: str | None, module: str) -> Tree | None:
        """Return a module's folder tree at a commit (in that commit's layout), or None."""
        tree = self._functions_tree(commit_id)
        if tree is not None and self._known_layout(commit_id) != FLAT_LAYOUT:
            tree = tree.folder(shard(module))
        return tree.folder(module) if tree is not None else None

    def _module_path(self, commit_id: str | None, module: str) -> str:
        """Return a module's folder path at a commit, for messages."""
        return module_path(module, min(self._layout(commit_id), LAYOUT_VERSION))

    def _reading(self, tree: Tree, module: str, commit_id: str | None = None) -> ModuleReading:
        """Read a module's folder with the one module reader (state, identity, manifest).

        ``commit_id`` (default: the head) names the layout its messages give paths in.
        """
        path = self._module_path(commit_id if commit_id is not None else self.head, module)
        return read_module(module, tree.files(), self._raw_blob, path)

    def _raw_blob(self, blob_id: str) -> bytes:
        try:
            return read_raw(self._repo, blob_id)
        except GitError as exc:  # the reader reports OSError as 'unreadable'
            raise OSError(str(exc)) from exc

    def _write_module(self, source: bytes, manifest: bytes) -> str:
        """Write a module's two files; return the id of its tree."""

        def write() -> str:
            folder = TreeWriter(self._repo)
            folder.put(MANIFEST, write_blob(self._repo, manifest), BLOB)
            folder.put(SOURCE, write_blob(self._repo, source), BLOB)
            return folder.write()

        try:
            return beside_gc(write)
        except (GitError, OSError) as exc:
            raise StoreError(f"git could not write to the store {self.path}: {exc}") from exc

    def _blob(self, blob_id: str) -> bytes:
        try:
            return read_blob(self._repo, blob_id)
        except ObjectMissingError:
            raise  # a KeyError, as a lookup's
        except (ValueError, GitError) as exc:
            raise StoreError(f"{blob_id} is not a file in the store") from exc

    # -- writing ------------------------------------------------------------------

    def _commit_change(
        self,
        changes: Mapping[str, str | None],
        *,
        message: str,
        author: tuple[str, str],
        when: datetime,
        expected_head: str | None,
    ) -> str:
        """Commit the head tree with ``functions/<module>`` set to a tree id (None: removed).

        Must be called with the lock held.  The branch moves only if it still
        points at ``expected_head`` (compare-and-swap), so an update made
        meanwhile by anything else (plain git, a push) is never overwritten.
        """
        if not self._lock.held:
            raise RuntimeError("_commit_change needs the store lock")  # a bug, not user error
        if self.head != expected_head:
            raise StoreError(
                "the store's branch moved while saving (another git process?): try again"
            )
        try:
            parent = expected_head
            if parent is not None and self._known_layout(parent) < self._write_layout:
                parent = self._move_layout(parent, author, when)  # in the same branch move
            if self._write_layout == FLAT_LAYOUT:
                new_ftree = self._flat_functions(parent, changes)
            else:
                new_ftree = self._sharded_functions(parent, changes)
            root = TreeWriter(self._repo, self._commit(parent).tree if parent is not None else None)
            root.set_folder(FUNCTIONS, new_ftree)
            if self._write_layout != FLAT_LAYOUT and root.id_of(LAYOUT_FILE) is None:
                layout_blob = beside_gc(lambda: write_blob(self._repo, LAYOUT_DOC))
                root.put(LAYOUT_FILE, layout_blob, BLOB)
            parents = [parent] if parent else []
            text = message.rstrip("\n") + "\n"
            if len(changes) <= _TRAILER_MAX:
                text += f"\n{MODULES_TRAILER}{', '.join(sorted(changes))}\n"
            root_id = beside_gc(root.write)
            commit = beside_gc(lambda: self._write_commit(author, when, text, root_id, parents))
            self._move_branch(commit, expected_head, message)
        except (GitError, OSError) as exc:
            self._builder, self._shards = None, {}
            raise StoreError(f"git could not write to the store {self.path}: {exc}") from exc
        except BaseException:
            self._builder, self._shards = None, {}
            raise
        pack_if_needed(git_dir(self._repo), self._pack_limit)
        return commit

    def _top_entries(self, tree: Tree | None) -> TreeWriter:
        """Return a writer of ``functions/`` holding ``tree``'s entries, kept between saves."""
        key = tree.id if tree is not None else None
        cached, self._builder = self._builder, None  # put back only once written
        if cached is not None and cached[0] == key:
            return cached[1]
        return TreeWriter(self._repo, tree)

    def _flat_functions(self, parent: str | None, changes: Mapping[str, str | None]) -> str | None:
        """Write ``functions/`` of layout 1 (a folder per module); None when it is empty."""
        entries = self._top_entries(self._functions_tree(parent))
        for module, tree_id in changes.items():
            entries.set_folder(module, tree_id)
        if not len(entries):
            return None
        new = beside_gc(entries.write)
        self._builder = (new, entries)
        return new

    def _sharded_functions(
        self, parent: str | None, changes: Mapping[str, str | None]
    ) -> str | None:
        """Write ``functions/`` of layout 2: only the shards that change are rewritten.

        A save writes ``functions/`` (at most 256 entries) and one shard folder
        (about N/256 entries), whatever the size of the store.
        """
        top = self._top_entries(self._functions_tree(parent))
        by_shard: dict[str, list[tuple[str, str | None]]] = {}
        for module, tree_id in changes.items():
            by_shard.setdefault(shard(module), []).append((module, tree_id))
        for folder, items in by_shard.items():
            shard_id = top.id_of(folder)
            cached = self._shards.pop(folder, None)
            if cached is not None and cached[0] == shard_id:
                entries = cached[1]
            else:
                entries = TreeWriter(self._repo, shard_id)  # a file of that name: empty
            for module, tree_id in items:
                entries.set_folder(module, tree_id)
            if len(entries):
                new_shard = beside_gc(entries.write)
                top.set_folder(folder, new_shard)
                self._shards[folder] = (new_shard, entries)
            else:
                top.set_folder(folder, None)
        if not len(top):
            return None
        new = beside_gc(top.write)
        self._builder = (new, top)
        return new

    def _move_layout(self, head: str, author: tuple[str, str], when: datetime) -> str:
        """Write the commit that moves the tree at ``head`` to the current layout.

        Every module folder keeps its tree (so its content ids, manifests and
        history stay as they were); only where the folders sit changes.  The
        commit names no module (its trailer says so), so history walks skip
        it.  The caller moves the branch past it together with its own commit.
        """
        ftree = self._functions_tree(head)
        top = TreeWriter(self._repo)
        shards: dict[str, TreeWriter] = {}
        for entry in ftree or ():
            if entry.is_tree and entry.name:
                folder = shards.setdefault(shard(entry.name), TreeWriter(self._repo))
                folder.put(entry.name, entry.id, TREE)
            elif entry.name:  # a file put beside the modules with plain git stays there
                top.put(entry.name, entry.id, entry.mode)
        for name, folder in shards.items():
            top.put(name, folder.write(), TREE)
        root = TreeWriter(self._repo, self._commit(head).tree)
        if shards or len(top):
            root.put(FUNCTIONS, top.write(), TREE)
        root.put(LAYOUT_FILE, write_blob(self._repo, LAYOUT_DOC), BLOB)
        text = (
            f"Move to fnstore layout {LAYOUT_VERSION}: {FUNCTIONS}/<shard>/<module>/\n\n"
            "Each module folder moves under functions/<first 2 hex digits of sha1(name)>/,\n"
            "unchanged; see docs/store.md.\n\n"
            f"{LAYOUT_TRAILER}{LAYOUT_VERSION}\n"
        )
        root_id = beside_gc(root.write)
        commit = beside_gc(lambda: self._write_commit(author, when, text, root_id, [head]))
        self._builder, self._shards = None, {}
        return commit

    def _move_branch(self, new: str, old: str | None, message: str) -> None:
        """Move the branch from ``old`` to ``new``, compare-and-swap (lock held)."""
        reflog = message.splitlines()[0] if message else "fnstore"
        move_ref(self._repo, self.path, self._ref_name, new, old, reflog)

    def _write_commit(
        self,
        author: tuple[str, str],
        when: datetime,
        message: str,
        tree: str,
        parents: Sequence[str],
    ) -> str:
        """Write a commit object (no ref moves), signed when :meth:`_signing_key` says so."""
        return write_commit(self._repo, author, when, message, tree, parents, sign=self._signer())

    def _signer(self) -> Callable[[bytes], str] | None:
        """Return what signs the commit being made (per :meth:`_signing_key`); None: unsigned."""
        key = self._signing_key()
        if key is None:
            return None
        from fnstore.trust._signing import sign_ssh

        return lambda text: sign_ssh(text, key)

    # -- hooks of the trust policy (fnstore.store._trust overrides them) ---------

    _sign_request: bool | None = None  # save(sign=...) for the commit being made

    def _check_strict(self, code: object) -> None:
        """Refuse to save code the trust policy's strict setting forbids."""

    def _signing_key(self) -> str | None:
        """Return the SSH key to sign the commit being made with; None: unsigned."""
        return None

    def _note_saved(self, content_id: str) -> None:
        """Code saved here (lock held): the trust record notes it as the user's own."""

    def _trust_before_pull(self) -> None:
        """Before a pull changes the branch (lock held): start the trust record if needed."""

    # -- authors and local files ------------------------------------------------

    def _author(self, author: AuthorLike | None) -> tuple[str, str]:
        """``(name, email)`` from an argument, or from git's user.name/user.email."""
        if isinstance(author, tuple):
            if len(author) == 2 and all(isinstance(p, str) and p.strip() for p in author):
                return author[0].strip(), author[1].strip()
        elif isinstance(author, str):
            match = _AUTHOR.match(author)
            if match and match["name"] and match["email"]:
                return match["name"], match["email"]
        elif author is None:
            return self._configured_author()
        raise AuthorRequiredError(
            f"author {author!r} is not understood: give 'Name <email>' or (name, email)"
        )

    def _configured_author(self) -> tuple[str, str]:
        if self._default_author is None:
            name = config_value(self._repo, "user.name")
            email = config_value(self._repo, "user.email")
            if name is None or email is None:
                raise AuthorRequiredError(
                    "no author given and git has no identity: set one with "
                    "git config --global user.name 'Your Name' and "
                    "git config --global user.email 'you@example.org', or pass author="
                )
            self._default_author = (name, email)
        return self._default_author

    def _state_path(self, name: str) -> Path:
        """Return the path of a local (never pushed) file in ``<repo>/fnstore/``."""
        return self.path / STATE_DIR / name

    def _write_state(self, name: str, data: bytes) -> None:
        """Replace a local state file atomically (a crash leaves the old or the new one)."""
        target = self._state_path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
