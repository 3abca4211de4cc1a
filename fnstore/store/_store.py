"""``FunctionStore`` put together, and ``open_store``.

The local versioned store (save, read, history, pins) is built from the
modules of this package: the core (repository, lock, compare-and-swap
commits), the index, reading, writing, operations, pins and the trust policy
(``_trust.py``: review, acceptance, signatures).  Its notes are a
collaborator (:class:`~fnstore.store._notes.Notes`).

The verbs of the rooms above, lab sync and benchmarks (``store.push()``,
``store.bench(...)``), are not here: :mod:`fnstore._facade` adds them to the
class that :func:`fnstore.open_store` returns, so the store imports no room
above it (``docs/architecture.md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from fnstore.git._repo import open_repository
from fnstore.store._notes import Notes
from fnstore.store._pins import _PinMixin
from fnstore.store._trust import TrustMixin

if TYPE_CHECKING:
    import pygit2

__all__ = ["FunctionStore", "open_as", "open_store"]


class FunctionStore(TrustMixin, _PinMixin):
    """A versioned store of function modules in a bare git repository.

    Create one with :func:`open_store`.  See ``docs/contract.md`` for the API
    and ``docs/store.md`` for how it is laid out and kept fast.

    Where each part of the API is written:

    - revisions, the lock, compare-and-swap commits: ``_core.py``;
    - ``get``, ``functions``, ``scan``, ``history``, ``source``, ``diff``:
      ``_read.py`` (over the head index, ``_indexing.py``);
    - ``save``, ``rollback``, ``tag``, ``tags``: ``_write.py``;
      ``delete``, ``restore``, ``rename``: ``_ops.py``; pins: ``_pins.py``;
    - the trust policy and review: ``_trust.py``;
    - ``notes``: a collaborator (``_notes.py``).

    :func:`fnstore.open_store` returns :class:`fnstore.FunctionStore`, this
    class with the verbs of lab sync and benchmarks.
    """

    def __init__(self, repo: pygit2.Repository, path: Path, *, lock_timeout: float = 30.0) -> None:
        super().__init__(repo, path, lock_timeout=lock_timeout)
        #: The store's git notes (benchmark records live there).
        self.notes = Notes(self)


_S = TypeVar("_S", bound="FunctionStore")


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
    return open_as(
        FunctionStore, path, create=create, lock_timeout=lock_timeout, check_timeout=check_timeout
    )


def open_as(
    cls: type[_S],
    path: str | Path | None = None,
    *,
    create: bool = True,
    lock_timeout: float = 30.0,
    check_timeout: float | None = None,
) -> _S:
    """:func:`open_store`, making an instance of ``cls`` (a subclass, such as the facade's)."""
    from fnstore.paths import default_store_path

    where = Path(path).expanduser() if path is not None else default_store_path()
    repo = open_repository(where, create=create)
    store = cls(repo, where, lock_timeout=lock_timeout)
    store.check_timeout = check_timeout
    return store
