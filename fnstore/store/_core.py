"""The private core of :class:`~fnstore.store.FunctionStore`: the store's view of its repository.

Everything here is what the rest of the store (index, read, write, pins, and
the collaborators: notes, and lab sync above it) builds on.  The repository
is opened by the git plumbing (:func:`fnstore.git._repo.open_repository`):

* ``_repo`` -- the :class:`pygit2.Repository` (bare);
* ``_locked()`` -- the inter-process lock (``fcntl.flock``) as a context manager;
* ``_commit_change(changes, ...)`` -- write a new tree with some modules
  replaced or removed and move the branch to a commit of it, compare-and-swap;
* ``_module_tree`` / ``_reading`` / ``_write_module`` -- a module's files in a tree
  (read through the one module reader, :mod:`fnstore.layout`);
* ``resolve(rev)`` -- branch, tag, commit or ``HEAD`` to a commit id.

Every :class:`pygit2.GitError` is translated here into a :class:`StoreError`.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pygit2
from pygit2.enums import FileMode

from fnstore.errors import (
    AuthorRequiredError,
    RevisionNotFoundError,
    StoreError,
)
from fnstore.git._housekeeping import beside_gc, pack_if_needed, pack_limit
from fnstore.git._lock import StoreLock
from fnstore.git._refs import move_ref
from fnstore.git._repo import signature
from fnstore.layout import FUNCTIONS, MANIFEST, SOURCE, STATE_DIR, ModuleReading, read_module

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from datetime import datetime

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
        head = repo.references.get("HEAD")
        target = head.target if head is not None else "refs/heads/main"
        self.branch: str = target.removeprefix("refs/heads/") if isinstance(target, str) else "main"
        self._lock = StoreLock(path / STATE_DIR / "lock", timeout=lock_timeout)
        # (functions tree id, a TreeBuilder holding its entries): saves reuse it so that
        # each save does not re-read, re-sort and re-deflate a tree of N modules
        self._builder: tuple[str | None, pygit2.TreeBuilder] | None = None
        self._default_author: tuple[str, str] | None = None
        # valid manifests by (manifest blob id, source blob id): immutable, so
        # reading the store again after a save re-parses only what changed
        self._manifest_cache: dict[tuple[str | None, str | None], Manifest] = {}
        self._pack_limit = pack_limit(repo.config)

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
        ref = self._repo.references.get(self._ref_name)
        return str(ref.target) if ref is not None else None

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
            obj = self._repo.revparse_single(rev)
            commit = obj.peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError) as exc:
            raise RevisionNotFoundError(
                f"no branch, tag or commit {rev!r} in the store: list tags with store.tags() "
                "and versions with store.history(name)"
            ) from exc
        return str(commit.id)

    def _commit(self, commit_id: str) -> pygit2.Commit:
        try:
            obj = self._repo[commit_id]
        except (KeyError, ValueError) as exc:
            raise RevisionNotFoundError(f"commit {commit_id} is not in the store") from exc
        if not isinstance(obj, pygit2.Commit):
            raise RevisionNotFoundError(f"{commit_id} is not a commit")
        return obj

    # -- trees ----------------------------------------------------------------

    def _functions_tree(self, commit_id: str | None) -> pygit2.Tree | None:
        if commit_id is None:
            return None
        root = self._commit(commit_id).tree
        if FUNCTIONS not in root:
            return None
        obj = root[FUNCTIONS]
        return obj if isinstance(obj, pygit2.Tree) else None

    def _module_tree(self, commit_id: str | None, module: str) -> pygit2.Tree | None:
        """Return the ``functions/<module>`` tree at a commit, or None."""
        tree = self._functions_tree(commit_id)
        if tree is None or module not in tree:
            return None
        obj = tree[module]
        return obj if isinstance(obj, pygit2.Tree) else None

    def _reading(self, tree: pygit2.Tree, module: str) -> ModuleReading:
        """Read a module's folder with the one module reader (state, identity, manifest)."""
        files = {str(e.name): (int(e.filemode), str(e.id)) for e in tree}
        return read_module(module, files, self._raw_blob)

    def _raw_blob(self, blob_id: str) -> bytes:
        try:
            return bytes(self._repo.odb.read(blob_id)[1])
        except pygit2.GitError as exc:  # the reader reports OSError as 'unreadable'
            raise OSError(str(exc)) from exc

    def _write_module(self, source: bytes, manifest: bytes) -> str:
        """Write a module's two files; return the id of its tree."""

        def write() -> str:
            builder = self._repo.TreeBuilder()
            builder.insert(MANIFEST, self._repo.create_blob(manifest), FileMode.BLOB)
            builder.insert(SOURCE, self._repo.create_blob(source), FileMode.BLOB)
            return str(builder.write())

        try:
            return beside_gc(write)
        except (pygit2.GitError, OSError) as exc:
            raise StoreError(f"git could not write to the store {self.path}: {exc}") from exc

    def _blob(self, blob_id: str) -> bytes:
        obj = self._repo[blob_id]
        if not isinstance(obj, pygit2.Blob):
            raise StoreError(f"{blob_id} is not a file in the store")
        return obj.data

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
            ftree = self._functions_tree(expected_head)
            key = str(ftree.id) if ftree is not None else None
            cached, self._builder = self._builder, None  # dropped unless all goes well
            if cached is not None and cached[0] == key:
                entries = cached[1]
            else:
                entries = (
                    self._repo.TreeBuilder(ftree) if ftree is not None else self._repo.TreeBuilder()
                )
            for module, tree_id in changes.items():
                if tree_id is not None:  # replaces a file of that name too, as git does
                    entries.insert(module, pygit2.Oid(hex=tree_id), FileMode.TREE)
                elif entries.get(module) is not None:
                    entries.remove(module)
            new_ftree = beside_gc(entries.write)
            root = (
                self._repo.TreeBuilder(self._commit(expected_head).tree)
                if expected_head is not None
                else self._repo.TreeBuilder()
            )
            if len(entries):
                root.insert(FUNCTIONS, new_ftree, FileMode.TREE)
            elif root.get(FUNCTIONS) is not None:
                root.remove(FUNCTIONS)
            sig = signature(author, when)
            parents = [pygit2.Oid(hex=expected_head)] if expected_head else []
            text = message.rstrip("\n") + "\n"
            if len(changes) <= _TRAILER_MAX:
                text += f"\n{MODULES_TRAILER}{', '.join(sorted(changes))}\n"
            root_id = beside_gc(root.write)
            commit = beside_gc(lambda: self._create_commit(sig, text, root_id, parents))
            self._move_branch(commit, expected_head, message)
        except (pygit2.GitError, OSError) as exc:
            raise StoreError(f"git could not write to the store {self.path}: {exc}") from exc
        self._builder = (str(new_ftree), entries)
        pack_if_needed(Path(self._repo.path), self._pack_limit)
        return str(commit)

    def _move_branch(self, new: pygit2.Oid, old: str | None, message: str) -> None:
        """Move the branch from ``old`` to ``new``, compare-and-swap (lock held)."""
        reflog = message.splitlines()[0] if message else "fnstore"
        move_ref(self._repo, self.path, self._ref_name, new, old, reflog)

    def _create_commit(
        self,
        who: pygit2.Signature,
        message: str,
        tree: pygit2.Oid,
        parents: Sequence[str | pygit2.Oid],
    ) -> pygit2.Oid:
        """Write a commit object (no ref moves), signed when :meth:`_signing_key` says so."""
        key = self._signing_key()
        if key is None:
            return self._repo.create_commit(None, who, who, message, tree, parents)
        from fnstore.trust._signing import sign_ssh

        # pygit2's stubs call the commit text an Oid; it is the text git signs
        text = str(self._repo.create_commit_string(who, who, message, tree, list(parents)))
        return self._repo.create_commit_with_signature(text, sign_ssh(text.encode(), key))

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
            try:
                config = self._repo.config
                name, email = config["user.name"], config["user.email"]
            except (KeyError, pygit2.GitError):
                raise AuthorRequiredError(
                    "no author given and git has no identity: set one with "
                    "git config --global user.name 'Your Name' and "
                    "git config --global user.email 'you@example.org', or pass author="
                ) from None
            self._default_author = (str(name), str(email))
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
