"""Getting a stored module's source from a git store, by content id.

Used when the source is not in the module cache: on the first run of a function
in the process that loaded the registry, and in a worker process that unpickles
a function of a module it has never seen.  :mod:`fnstore.registry._loaded`
imports it when it needs it (it sits below the loader: it never imports it
back); it imports pygit2 (through :mod:`fnstore.store`) only when a store is
actually opened.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from fnstore.errors import FnStoreError
from fnstore.registry import _modcache, _snapshot
from fnstore.registry._snapshot import STORES_ENV

if TYPE_CHECKING:
    from fnstore.store import FunctionStore

__all__ = ["blob_text", "find_in_stores"]

_open: dict[str, FunctionStore] = {}


def blob_text(store: FunctionStore, content_id: str) -> tuple[str, str]:
    """Return the full content id and text of the ``source.py`` blob ``content_id``."""
    return store.blob_text(content_id)


def _stores() -> list[str]:
    listed = os.environ.get(STORES_ENV, "")
    candidates = [p for p in listed.split(os.pathsep) if p]
    candidates.append(_snapshot.default_store_path())
    unique: list[str] = []
    for path in candidates:
        if path not in unique and os.path.isdir(path):
            unique.append(path)
    return unique


def find_in_stores(module: str, prefix: str) -> tuple[str, str] | None:
    """Content id and source of ``module`` at content id ``prefix`` from any known store."""
    candidates = _stores()
    if not candidates:
        return None
    from fnstore.store import open_store

    for path in candidates:
        try:
            store = _open.get(path) or open_store(path, create=False)
            _open[path] = store
            cid, text = blob_text(store, prefix)
        except (FnStoreError, LookupError):
            continue
        if _modcache.blob_id(text) == cid:
            return cid, text
    return None
