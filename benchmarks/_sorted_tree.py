"""The hand-written writer the store used for ``functions/``, kept as a benchmark challenger.

The store now keeps a :class:`pygit2.TreeBuilder` between saves instead
(``benchmarks/test_treewrite_bench.py`` measured both; ``docs/architecture.md``
has the figures and the decision).  This copy lets anyone rerun the
comparison.  What it said of itself:

A save changes one entry of a tree of N entries, and git must store the whole
new tree.  libgit2's tree builder re-sorts all entries and deflates the result
at zlib level 1 or more on every write, which is most of a save's cost in a
big store.  This writer keeps the entries sorted between saves (an update is
a binary search and a list edit) and writes the loose object with zlib's
*stored* blocks, which every git reads; ``git gc`` later packs it with deltas
against its neighbours, where it costs a few bytes.  (libgit2's own level 0
writes objects that neither it nor git can read, hence this module.)

Entries are ordered as git orders them: by name, a tree's name compared as if
it ended with ``/``.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import os
import re
import tempfile
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pygit2

__all__ = ["SortedTree"]

_ENTRY = re.compile(rb"([0-7]+) ([^\0]*)\0(.{20})", re.DOTALL)
_TREE_MODE = b"40000"


def _key(name: bytes, mode: bytes) -> bytes:
    return name + b"/" if mode == _TREE_MODE else name


class SortedTree:
    """The entries of one git tree, kept sorted, that can be edited and written."""

    def __init__(self, entries: list[tuple[bytes, bytes]] | None = None) -> None:
        # parallel lists: sort keys, and each entry's raw bytes
        self._keys = [key for key, _ in entries or ()]
        self._raw = [raw for _, raw in entries or ()]
        # the serialised tree and each entry's offset in it, kept between writes:
        # pointing an entry at a new tree patches 20 bytes instead of re-joining N
        self._data: bytearray | None = None
        self._offsets: list[int] = []

    @classmethod
    def read(cls, repo: pygit2.Repository, tree_id: str) -> SortedTree:
        """Load a tree's entries from the object database."""
        data = repo.odb.read(tree_id)[1]
        return cls([(_key(m[2], m[1]), m[0]) for m in _ENTRY.finditer(data)])

    def __len__(self) -> int:
        return len(self._keys)

    def set_tree(self, name: str, tree_id: str | None) -> None:
        """Point entry ``name`` at a tree (None: remove it)."""
        encoded = name.encode()
        # a file of that name (added with plain git) gives way, as in git
        plain = bisect.bisect_left(self._keys, encoded)
        if plain < len(self._keys) and self._keys[plain] == encoded:
            del self._keys[plain], self._raw[plain]
            self._data = None
        key = _key(encoded, _TREE_MODE)
        at = bisect.bisect_left(self._keys, key)
        present = at < len(self._keys) and self._keys[at] == key
        if tree_id is None:
            if present:
                del self._keys[at], self._raw[at]
                self._data = None
            return
        raw = _TREE_MODE + b" " + encoded + b"\0" + bytes.fromhex(tree_id)
        if present:
            self._raw[at] = raw
            if self._data is not None:  # same name, same length: patch in place
                start = self._offsets[at]
                self._data[start : start + len(raw)] = raw
        else:
            self._keys.insert(at, key)
            self._raw.insert(at, raw)
            self._data = None

    def write(self, objects: Path) -> str:
        """Write the tree as a loose object under ``objects``; return its id."""
        if self._data is None:
            self._data = bytearray(b"".join(self._raw))
            self._offsets = [0, *itertools.accumulate(len(raw) for raw in self._raw)]
        header = b"tree %d\0" % len(self._data)
        digest = hashlib.sha1(header, usedforsecurity=False)
        digest.update(self._data)
        oid = digest.hexdigest()
        folder = objects / oid[:2]
        target = folder / oid[2:]
        if target.exists():
            return oid
        # 'tmp_obj_' is the prefix git itself uses: fsck and gc know such leftovers.
        # The temporary file lives in objects/ itself, because git gc (run by
        # the store's housekeeping) removes fan-out folders that it emptied.
        fd, tmp = tempfile.mkstemp(dir=objects, prefix="tmp_obj_")
        try:
            packer = zlib.compressobj(0)
            with os.fdopen(fd, "wb") as handle:
                handle.write(packer.compress(header))
                handle.write(packer.compress(self._data))
                handle.write(packer.flush())
            os.chmod(tmp, 0o444)
            _move_into(tmp, folder, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return oid


def _move_into(tmp: str, folder: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``, recreating ``folder`` if a gc removed it meanwhile."""
    for attempt in range(5):
        folder.mkdir(exist_ok=True)
        try:
            os.replace(tmp, target)
            return
        except FileNotFoundError:
            if attempt == 4 or not os.path.exists(tmp):
                raise
