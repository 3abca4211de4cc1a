"""The function store: a bare git repository of function modules, reached through fnstore.git.

``open_store()`` gives a :class:`FunctionStore`; it returns
:class:`FunctionVersion`, :class:`SaveResult` and :class:`Scan` values.
Importing this package imports pygit2 (through :mod:`fnstore.git`) but not
pydantic: manifests are built only when a method needs one (the registry's
cached start-up relies on it).
"""

from __future__ import annotations

from fnstore.store._store import FunctionStore, open_as, open_store
from fnstore.store._trust import PendingVersion, TrustVerdict
from fnstore.store._types import FunctionVersion, SaveResult, Scan
from fnstore.store._write import MAX_CODE_BYTES

__all__ = [
    "MAX_CODE_BYTES",
    "FunctionStore",
    "FunctionVersion",
    "PendingVersion",
    "SaveResult",
    "Scan",
    "TrustVerdict",
    "open_as",
    "open_store",
]
