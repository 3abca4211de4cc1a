"""Git objects in plain terms: read commits, trees and blobs; write blobs, trees and commits.

The store (:mod:`fnstore.store`) reads and writes its repository through
this module: ids are hex strings, a tree entry is ``(name, mode, id)``, a
commit's author is a :class:`Person`.  :class:`Tree` and :class:`Commit` hold
the pygit2 object they were read from, so reading stays as cheap as pygit2's
own (entries are looked up by name in C, nothing is read twice), but they
hand out only plain values.  :class:`TreeWriter` is a tree being built, kept
between saves by the store so that a save does not rebuild a big tree.

Failures of libgit2 raise :class:`~fnstore.git._errors.GitError`; an id that
names nothing raises ``KeyError`` or ``ValueError`` (as a mapping would), or
gives None where the docstring says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple

import pygit2

from fnstore.git._errors import GitError
from fnstore.git._repo import signature
from fnstore.git._treeread import TREE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

__all__ = [
    "Commit",
    "Entry",
    "Person",
    "Tree",
    "TreeWriter",
    "find_blob",
    "has_object",
    "read_commit",
    "read_tree",
    "resolve_commit",
    "write_commit",
]


class Entry(NamedTuple):
    """One entry of a tree: a file or a folder."""

    name: str
    mode: int
    id: str

    @property
    def is_tree(self) -> bool:
        """Whether the entry is a folder."""
        return self.mode == TREE


class Person(NamedTuple):
    """Who made a commit, and when (with their UTC offset)."""

    name: str
    email: str
    when: datetime


class Tree:
    """A tree object as read: its entries by name, and its folders."""

    __slots__ = ("_tree",)

    def __init__(self, tree: pygit2.Tree) -> None:
        self._tree = tree

    @property
    def id(self) -> str:
        """The tree's id (hex)."""
        return str(self._tree.id)

    def __contains__(self, name: str) -> bool:
        return name in self._tree

    def __len__(self) -> int:
        return len(self._tree)

    def __iter__(self) -> Iterator[Entry]:
        for obj in self._tree:
            yield Entry(str(obj.name), int(obj.filemode), str(obj.id))

    def id_of(self, name: str) -> str | None:
        """Return the id of the entry called ``name``, or None (cheaper than :meth:`entry`)."""
        return str(self._tree[name].id) if name in self._tree else None

    def entry(self, name: str) -> Entry | None:
        """Return the entry called ``name``, or None."""
        if name not in self._tree:
            return None
        obj = self._tree[name]
        return Entry(name, int(obj.filemode), str(obj.id))

    def folder(self, name: str) -> Tree | None:
        """Return the folder called ``name``, or None (also when ``name`` is a file)."""
        if name not in self._tree:
            return None
        obj = self._tree[name]
        return Tree(obj) if isinstance(obj, pygit2.Tree) else None

    def folders(self) -> Iterator[tuple[str, Tree]]:
        """Yield ``(name, folder)`` for every folder in the tree, in git's order."""
        for obj in self._tree:
            if isinstance(obj, pygit2.Tree) and obj.name:
                yield obj.name, Tree(obj)

    def files(self) -> dict[str, tuple[int, str]]:
        """Map every entry's name to ``(mode, id)`` (as the module reader takes them)."""
        return {str(obj.name): (int(obj.filemode), str(obj.id)) for obj in self._tree}

    def changed_files(self, old: Tree | None) -> Iterator[tuple[str, str]]:
        """Yield ``(path, blob id)`` of every file here that is new or changed since ``old``.

        Paths are relative to this tree; files only in ``old`` are not yielded.
        """
        diff = (
            self._tree.diff_to_tree(old._tree, swap=True)
            if old is not None
            else self._tree.diff_to_tree(swap=True)
        )
        for delta in diff.deltas:
            if delta.new_file.id.raw != bytes(20):
                yield str(delta.new_file.path), str(delta.new_file.id)


class Commit:
    """A commit as read: its tree, parents, message, author and signature."""

    __slots__ = ("_commit",)

    def __init__(self, commit: pygit2.Commit) -> None:
        self._commit = commit

    @property
    def id(self) -> str:
        """The commit's id (hex)."""
        return str(self._commit.id)

    @property
    def parent_ids(self) -> list[str]:
        """The ids of its parents, first parent first."""
        return [str(p) for p in self._commit.parent_ids]

    @property
    def parents(self) -> list[Commit]:
        """Its parents, first parent first."""
        return [Commit(p) for p in self._commit.parents]

    @property
    def message(self) -> str:
        """The full commit message."""
        return self._commit.message

    @property
    def tree(self) -> Tree:
        """The commit's root tree."""
        return Tree(self._commit.tree)

    @property
    def author(self) -> Person:
        """Who wrote it, and when."""
        sig = self._commit.author
        when = datetime.fromtimestamp(sig.time, timezone(timedelta(minutes=sig.offset)))
        return Person(sig.name, sig.email, when)

    @property
    def gpg_signature(self) -> tuple[bytes, bytes]:
        """``(signature, signed text)``; ``(None, None)`` when it is not signed."""
        return self._commit.gpg_signature


# -- reading ---------------------------------------------------------------------


def resolve_commit(repo: pygit2.Repository, rev: str) -> str:
    """Return the id of the commit ``rev`` names (branch, tag, id, ``main~2``...).

    Raises
    ------
    KeyError, ValueError, GitError
        ``rev`` names nothing, or nothing that leads to a commit.
    """
    try:
        return str(repo.revparse_single(rev).peel(pygit2.Commit).id)
    except pygit2.GitError as exc:
        raise GitError(str(exc)) from exc


def has_object(repo: pygit2.Repository, object_id: str) -> bool:
    """Whether the repository holds an object with this id."""
    return object_id in repo


def read_commit(repo: pygit2.Repository, commit_id: str) -> Commit | None:
    """Return the commit with this id; None when there is none or the object is not a commit."""
    try:
        obj = repo[commit_id]
    except (KeyError, ValueError):
        return None
    return Commit(obj) if isinstance(obj, pygit2.Commit) else None


def read_tree(repo: pygit2.Repository, tree_id: str) -> Tree | None:
    """Return the tree with this id; None when there is none or the object is not a tree."""
    obj = repo.get(tree_id)
    return Tree(obj) if isinstance(obj, pygit2.Tree) else None


def find_blob(repo: pygit2.Repository, prefix: str) -> tuple[str, bytes] | None:
    """Return ``(id, content)`` of the blob whose id starts with ``prefix`` (4+ hex digits).

    None when the object found is not a blob.

    Raises
    ------
    KeyError, ValueError, GitError
        No object, or several, start with ``prefix``.
    """
    try:
        obj = repo[prefix]
    except pygit2.GitError as exc:
        raise GitError(str(exc)) from exc
    return (str(obj.id), obj.data) if isinstance(obj, pygit2.Blob) else None


# -- writing ---------------------------------------------------------------------


class TreeWriter:
    """A tree being built: start from a tree's entries (or none), change them, write it.

    A writer can be written, changed and written again: the store keeps the
    writer of its big ``functions/`` tree between saves.
    """

    __slots__ = ("_builder",)

    def __init__(self, repo: pygit2.Repository, base: Tree | str | None = None) -> None:
        """Start from ``base``'s entries (a tree or a tree's id; anything else: empty)."""
        start: pygit2.Object | None
        if isinstance(base, Tree):
            start = base._tree
        else:
            start = repo.get(base) if base is not None else None
        try:
            self._builder = (
                repo.TreeBuilder(start) if isinstance(start, pygit2.Tree) else repo.TreeBuilder()
            )
        except pygit2.GitError as exc:
            raise GitError(str(exc)) from exc

    def __len__(self) -> int:
        return len(self._builder)

    def id_of(self, name: str) -> str | None:
        """Return the id of the entry called ``name``, or None."""
        found = self._builder.get(name)
        return str(found.id) if found is not None else None

    def put(self, name: str, object_id: str, mode: int) -> None:
        """Add or replace the entry ``name`` (a file, or a folder: mode ``_treeread.TREE``)."""
        try:
            self._builder.insert(name, pygit2.Oid(hex=object_id), mode)
        except pygit2.GitError as exc:
            raise GitError(str(exc)) from exc

    def set_folder(self, name: str, tree_id: str | None) -> None:
        """Make ``name`` the folder ``tree_id`` (replacing a file of that name, as git does).

        None removes the entry, if there is one.
        """
        if tree_id is not None:
            self.put(name, tree_id, TREE)
        elif self._builder.get(name) is not None:
            self._builder.remove(name)

    def write(self) -> str:
        """Write the tree as it is now; return its id."""
        try:
            return str(self._builder.write())
        except pygit2.GitError as exc:
            raise GitError(str(exc)) from exc


def write_commit(
    repo: pygit2.Repository,
    author: tuple[str, str],
    when: datetime,
    message: str,
    tree: str,
    parents: Sequence[str],
    *,
    sign: Callable[[bytes], str] | None = None,
) -> str:
    """Write a commit of ``tree`` by ``(name, email)`` at ``when``; return its id.

    No ref moves.  ``sign`` turns the commit's text into an armored signature
    (a ``gpgsig`` header, as git signs); None writes an unsigned commit.
    """
    who = signature(author, when)
    tree_id = pygit2.Oid(hex=tree)
    parent_ids: list[str | pygit2.Oid] = [pygit2.Oid(hex=p) for p in parents]
    try:
        if sign is None:
            return str(repo.create_commit(None, who, who, message, tree_id, parent_ids))
        # pygit2's stubs call the commit text an Oid; it is the text git signs
        text = str(repo.create_commit_string(who, who, message, tree_id, parent_ids))
        return str(repo.create_commit_with_signature(text, sign(text.encode())))
    except pygit2.GitError as exc:
        raise GitError(str(exc)) from exc
