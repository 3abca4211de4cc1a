"""The store as users hold it: the local store with the verbs of lab sync and benchmarks.

:func:`fnstore.open_store` returns this :class:`FunctionStore`: the local
versioned store of :mod:`fnstore.store` (save, history, pins, trust) plus
``push``/``pull``/``fetch``, remotes and conflicts (:mod:`fnstore.sync`) and
``bench``/``bench_history``/... (:mod:`fnstore.bench`), as thin delegates.
It sits in the top layer, above the rooms it composes, so that the store
itself imports nothing above it; each delegate imports its room when first
called, so opening a store and saving load neither sync nor bench.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

from fnstore.store import FunctionStore as LocalStore
from fnstore.store import open_as

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import numpy as np

    from fnstore.bench import BenchRecord, Comparison
    from fnstore.bench._run import Progress
    from fnstore.store._core import AuthorLike
    from fnstore.sync import Choice, Conflict, FetchResult, ProgressCallback, PullResult, PushResult
    from fnstore.sync._remotes import LabSync

__all__ = ["FunctionStore", "open_store"]


class FunctionStore(LocalStore):
    """A versioned store of function modules, with lab sync and benchmarks.

    Create one with :func:`open_store`.  The local API is
    :class:`fnstore.store.FunctionStore`'s (``docs/contract.md``); the
    delegates below hand the work to :mod:`fnstore.sync` and
    :mod:`fnstore.bench`.
    """

    # -- revisions, and the sync spelling of resolve_conflict ---------------------

    @overload
    def resolve(self, rev: str | None = None) -> str: ...

    @overload
    def resolve(
        self, rev: str, choice: Choice, *, author: AuthorLike | None = None
    ) -> PullResult: ...

    def resolve(
        self,
        rev: str | None = None,
        choice: Choice | None = None,
        *,
        author: AuthorLike | None = None,
    ) -> str | PullResult:
        """Resolve a revision to a commit id, or, given a choice, settle a conflict.

        ``store.resolve(rev)`` names a commit (branch, tag, commit, ``HEAD``,
        ``main~2``; RevisionNotFoundError if none).  ``store.resolve(name,
        "mine" | "theirs" | "both")`` is the sync spelling of
        :meth:`resolve_conflict`.
        """
        if choice is None:
            return super().resolve(rev)
        if rev is None:
            from fnstore.errors import ConflictError

            raise ConflictError("say which function to settle: store.resolve(name, choice)")
        return self.resolve_conflict(rev, choice, author=author)

    # -- lab sync: fnstore.sync does the work -------------------------------------

    def _lab(self) -> LabSync:
        from fnstore.sync._remotes import LabSync

        return LabSync(self)

    def add_remote(self, name: str, url: str, *, create: bool = False) -> None:
        """Register a lab repository under ``name`` (see :meth:`LabSync.add_remote`)."""
        self._lab().add_remote(name, url, create=create)

    def remotes(self) -> dict[str, str]:
        """Return the registered remotes: name -> URL (passwords redacted), sorted."""
        return self._lab().remotes()

    def remove_remote(self, name: str) -> None:
        """Forget a remote, its fetched refs and any pull from it awaiting resolution."""
        self._lab().remove_remote(name)

    def fetch(
        self, remote: str = "origin", *, progress: ProgressCallback | None = None
    ) -> FetchResult:
        """Download a remote's branches and notes without changing local work."""
        return self._lab().fetch(remote, progress=progress)

    def push(
        self,
        remote: str = "origin",
        *,
        branch: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> PushResult:
        """Send the branch and the benchmark notes to a remote, never by force."""
        return self._lab().push(remote, branch=branch, progress=progress)

    def pull(
        self,
        remote: str = "origin",
        *,
        progress: ProgressCallback | None = None,
        author: AuthorLike | None = None,
    ) -> PullResult:
        """Fetch a remote and merge its work into the local branch, module by module."""
        return self._lab().pull(remote, progress=progress, author=author)

    def conflicts(self) -> list[Conflict]:
        """Return the conflicts of the pending pull still awaiting a choice ([] if none)."""
        return self._lab().conflicts()

    def resolve_conflict(
        self, name: str, choice: Choice, *, author: AuthorLike | None = None
    ) -> PullResult:
        """Settle one conflict of the pending pull; the last one completes the merge."""
        return self._lab().resolve_conflict(name, choice, author=author)

    def abort_pull(self) -> None:
        """Forget the pending pull: the local branch was never changed by it."""
        self._lab().abort_pull()

    # -- benchmarks: fnstore.bench does the work ----------------------------------

    def bench_records(self, content_id: str) -> list[BenchRecord]:
        """Return the benchmark records stored on one content id, oldest first."""
        from fnstore.bench._stored import stored_records

        return stored_records(self, content_id)

    def bench_annotated(self) -> list[str]:
        """List the content ids that have benchmark records."""
        return self.notes.annotated()

    def add_bench_records(self, content_id: str, records: Sequence[BenchRecord]) -> str:
        """Append records to the note on ``content_id``; return the notes commit id."""
        from fnstore.bench._stored import add_records

        return add_records(self, content_id, records)

    def bench(
        self,
        ref: str,
        *,
        devices: Sequence[str] | None = None,
        shapes: Sequence[Sequence[int] | np.ndarray | str | Path] | None = None,
        dtype: str = "uint16",
        rounds: int | None = None,
        min_time: float | None = None,
        save: bool = True,
        progress: Progress | None = None,
    ) -> list[BenchRecord]:
        """Benchmark one version on every device its memory type can use here.

        See :func:`fnstore.bench.bench` for the parameters.  Successful
        records are stored as git notes on the version's content id.
        """
        from fnstore.bench import bench

        return bench(
            self,
            ref,
            devices=devices,
            shapes=shapes,
            dtype=dtype,
            rounds=rounds,
            min_time=min_time,
            save=save,
            progress=progress,
        )

    def bench_history(self, name: str) -> list[BenchRecord]:
        """Every stored benchmark record of every version of ``name``."""
        from fnstore.bench import bench_history

        return bench_history(self, name)

    def bench_compare(
        self, ref_a: str, ref_b: str, *, across_machines: bool = False
    ) -> list[Comparison]:
        """Compare two versions per device and input: ratio of medians and a verdict."""
        from fnstore.bench import bench_compare

        return bench_compare(self, ref_a, ref_b, across_machines=across_machines)

    def bench_plot(self, name: str, path: str | Path) -> Path:
        """Plot runtime across versions per device to a PNG or SVG file."""
        from fnstore.bench import bench_plot

        return bench_plot(self, name, path)

    def bench_export(self, name: str, path: str | Path) -> Path:
        """Write the records of ``name`` as a pytest-benchmark JSON file."""
        from fnstore.bench import bench_export

        return bench_export(self, name, path)


def open_store(
    path: str | Path | None = None,
    *,
    create: bool = True,
    lock_timeout: float = 30.0,
    check_timeout: float | None = None,
) -> FunctionStore:
    """Open the store at ``path`` (default: ``fnstore.paths.default_store_path()``).

    As :func:`fnstore.store.open_store` (the same parameters), returning the
    store with its lab sync and benchmark verbs.
    """
    return open_as(
        FunctionStore, path, create=create, lock_timeout=lock_timeout, check_timeout=check_timeout
    )
