"""Reading trees and files from a repository, in plain ids and entry maps.

A tree comes back as ``{name: (object id, mode)}`` in git's order; the modes
are git's numbers, named here (:data:`TREE`, :data:`BLOB`, ...), so the
rooms above can tell a folder from a file, a link or a submodule.  Failures
raise :class:`~fnstore.git._errors.GitError` (an object that is not there:
:class:`~fnstore.git._errors.ObjectMissingError`, also a ``KeyError``).
"""

from __future__ import annotations

import pygit2

from fnstore.git._errors import git_errors

__all__ = [
    "BLOB",
    "EXECUTABLE",
    "GITLINK",
    "LINK",
    "TREE",
    "TreeEntries",
    "read_blob",
    "read_raw",
    "tree_entries",
]

#: git's modes: a folder, a file, an executable file, a symbolic link, a submodule.
TREE, BLOB, EXECUTABLE, LINK, GITLINK = 0o040000, 0o100644, 0o100755, 0o120000, 0o160000

#: A tree's entries: name -> (object id, mode).
TreeEntries = dict[str, tuple[str, int]]


def tree_entries(repo: pygit2.Repository, oid: str) -> TreeEntries:
    """Return the entries of tree ``oid`` (a commit gives its root tree's).

    Raises
    ------
    ValueError
        ``oid`` names neither a tree nor a commit.
    """
    with git_errors():
        obj = repo[oid]
        if isinstance(obj, pygit2.Commit):
            obj = obj.tree
        if not isinstance(obj, pygit2.Tree):
            raise ValueError(f"{oid} is not a tree")
        return {str(e.name): (str(e.id), e.filemode) for e in obj}


def read_blob(repo: pygit2.Repository, oid: str) -> bytes:
    """Return the content of file (blob) ``oid``.

    Raises
    ------
    ValueError
        ``oid`` names no file.
    """
    with git_errors():
        obj = repo[oid]
        if not isinstance(obj, pygit2.Blob):
            raise ValueError(f"{oid} is not a file")
        return bytes(obj.data)


def read_raw(repo: pygit2.Repository, oid: str) -> bytes:
    """Return the raw content of object ``oid`` as git stores it (a tree's entries unparsed).

    Cheaper than :func:`tree_entries` where the caller parses the bytes itself
    (:func:`fnstore.layout.files_of_tree`).
    """
    with git_errors():
        return bytes(repo.odb.read(oid)[1])
