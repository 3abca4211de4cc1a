"""``FunctionStore`` put together, and ``open_store``.

The class is assembled from mixins, each in its own module: the core (git,
lock, compare-and-swap commits), reading, writing, pinning, and the mixins of
the layers above (``_remotes.py`` for sync, ``_notes.py`` for benchmark records),
and ``_trust.py`` (the trust policy: review, acceptance, signatures).
"""

from __future__ import annotations

from pathlib import Path

from fnstore.store._core import open_repository
from fnstore.store._notes import NotesMixin
from fnstore.store._pins import _PinMixin
from fnstore.store._trust import TrustMixin
from fnstore.sync._remotes import RemotesMixin

__all__ = ["FunctionStore", "open_store"]


class FunctionStore(TrustMixin, RemotesMixin, NotesMixin, _PinMixin):
    """A versioned store of function modules in a bare git repository.

    Create one with :func:`open_store`.  See ``docs/contract.md`` for the API
    and ``docs/store.md`` for how it is laid out and kept fast.
    """


def open_store(
    path: str | Path | None = None,
    *,
    create: bool = True,
    lock_timeout: float = 30.0,
    check_timeout: float | None = None,
) -> FunctionStore:
    """Open the store at ``path`` (default: ``fnstore.paths.default_store_path()``).

    Parameters
    ----------
    path
        The bare repository directory.
    create
        Create an empty store when none exists (otherwise StoreNotFoundError).
    lock_timeout
        Seconds a write waits for another process before StoreLockedError.
    check_timeout
        Seconds the code being saved may run when checked, in the check worker
        (default: ``FNSTORE_CHECK_TIMEOUT``, else 30); past it, CheckTimeoutError.
    """
    from fnstore.paths import default_store_path

    where = Path(path).expanduser() if path is not None else default_store_path()
    repo = open_repository(where, create=create)
    store = FunctionStore(repo, where, lock_timeout=lock_timeout)
    store.check_timeout = check_timeout
    return store
