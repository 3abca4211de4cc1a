"""The on-disk cache of stored modules' source and compiled code, by content id.

A content id is the git blob id of ``source.py``, so what is cached under it
never goes stale: a cached entry is either exactly the saved code or damaged.
Each entry is checked against its content id before use (one SHA-1 of the
source), and anything unreadable, truncated or from another Python is ignored
and rebuilt.  The cache lets a second process (a worker, or the next start-up)
run a function without opening the git store, and skip ``compile``, as a
``.pyc`` file does for installed modules.

Layout: ``<cache dir>/modules/<module>_<first 12 hex digits of the content id>``,
each file one :mod:`marshal` tuple ``(format, content id, source, magic, code)``.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import types
from importlib.util import MAGIC_NUMBER

from fnstore.registry import _snapshot
from fnstore.registry._background import flush, in_background, write_atomically

__all__ = ["blob_id", "find", "flush", "load", "store"]  # flush: see _snapshot

_FORMAT = 1
_DIGITS = 12  # same as fnstore.registry._loaded.ID_DIGITS (kept apart to avoid a cycle)
_MAGIC = MAGIC_NUMBER


def blob_id(text: str) -> str:
    """Return the git blob id of ``text`` (what a content id is)."""
    data = text.encode("utf-8")
    # git hashes "blob <size>\0<data>"; SHA-1 here is git's object naming, not security.
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _path(module: str, content_id: str) -> str:
    return os.path.join(_snapshot.cache_dir(), "modules", f"{module}_{content_id[:_DIGITS]}")


def _read(module: str, prefix: str) -> tuple[str, str, bytes, bytes] | None:
    try:
        with open(_path(module, prefix), "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 5 and data[0] == _FORMAT):
        return None
    _, cid, text, magic, code = data
    if not (isinstance(cid, str) and isinstance(text, str) and cid.startswith(prefix)):
        return None
    if blob_id(text) != cid:  # damaged, or edited by hand: never run it
        return None
    return cid, text, magic, code


def find(module: str, prefix: str) -> tuple[str, str] | None:
    """Return the content id and source of ``module`` at ``prefix``, if cached."""
    entry = _read(module, prefix)
    return None if entry is None else (entry[0], entry[1])


def load(module: str, content_id: str) -> tuple[str, types.CodeType] | None:
    """Source and compiled code of a module version, or None if not (usably) cached."""
    entry = _read(module, content_id)
    if entry is None or entry[0] != content_id or entry[2] != _MAGIC:
        return None
    try:
        code = marshal.loads(entry[3])
    except (ValueError, EOFError, TypeError):
        return None
    return (entry[1], code) if isinstance(code, types.CodeType) else None


def store(
    module: str, content_id: str, text: str, code: types.CodeType, *, wait: bool = False
) -> None:
    """Cache a module version's source and code; a cache that cannot be written is skipped.

    The file is written on a background thread unless ``wait``: the first
    call of a function should not wait for the disk (a process that exits
    meanwhile only loses this optimisation; the write is atomic either way).
    """
    path = _path(module, content_id)

    def write() -> None:
        blob = marshal.dumps((_FORMAT, content_id, text, _MAGIC, marshal.dumps(code)))
        write_atomically(path, blob)

    if wait:
        write()
    else:
        in_background(write)
