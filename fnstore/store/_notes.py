"""Benchmark records kept as git notes on content ids, and the store's bench methods.

A version's benchmark records are a JSON list (one record per line) in a git
note on its content id (the blob id of its ``source.py``) under
``refs/notes/fnstore-bench``.  Notes on a blob suit the records: the same code
has the same id in every clone, so a GPU workstation's figures, pushed and
pulled with the lab repository, land on the laptop's copy of the same version.
New records are appended to the list; two clones that both appended merge as
the union of their lists (see ``_merge.merge_notes_trees``), and a reader
tolerates what ``git notes merge -s cat_sort_uniq`` leaves behind.

The ``bench*`` methods are thin: they import :mod:`fnstore.bench` only when
called, so opening a store never imports the bench layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pygit2

from fnstore.errors import BenchError, StoreError
from fnstore.git._housekeeping import beside_gc
from fnstore.store._core import _Core

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import numpy as np

    from fnstore.bench import BenchRecord, Comparison
    from fnstore.bench._run import Progress
    from fnstore.store import FunctionStore

__all__ = ["NOTES_REF", "NotesMixin"]

NOTES_REF = "refs/notes/fnstore-bench"
_FALLBACK_SIGNATURE = ("fnstore", "fnstore@localhost")


class NotesMixin(_Core):
    """Benchmark-record storage and the benchmark methods of :class:`FunctionStore`."""

    # -- records in notes ---------------------------------------------------------

    def _note_text(self, content_id: str) -> str:
        try:
            note = self._repo.lookup_note(content_id, NOTES_REF)
        except KeyError:
            return ""
        except (ValueError, pygit2.GitError) as exc:
            raise StoreError(f"cannot read benchmark notes of {content_id}: {exc}") from exc
        return str(note.message)

    def bench_records(self, content_id: str) -> list[BenchRecord]:
        """Return the benchmark records stored on one content id, oldest first.

        Raises
        ------
        BenchError
            The note is not a list of records (the message says how to fix it).
        SchemaVersionError
            A record was written by a newer fnstore.
        """
        from fnstore.bench._records import records_from_json

        return records_from_json(self._note_text(content_id))

    def bench_annotated(self) -> list[str]:
        """List the content ids that have benchmark records."""
        if self._repo.references.get(NOTES_REF) is None:
            return []
        # pygit2's stub omits the notes-ref argument that the C method takes
        notes = self._repo.notes(NOTES_REF)  # type: ignore[call-arg]
        return sorted(str(note.annotated_id) for note in notes)

    def add_bench_records(self, content_id: str, records: Sequence[BenchRecord]) -> str:
        """Append records to the note on ``content_id``; return the notes commit id.

        The read-append-write happens under the store's lock, so two processes
        benchmarking at once both keep their records.
        """
        from fnstore.bench._records import records_from_json, records_to_json

        if content_id not in self._repo:
            raise BenchError(f"{content_id} is not a version in this store: save it first")
        for record in records:
            if record.content_id != content_id:
                raise BenchError(
                    f"record of {record.function}@{record.version} belongs to "
                    f"{record.content_id}, not {content_id}"
                )
        with self._locked():
            known = records_from_json(self._note_text(content_id))
            ids = {r.id for r in known}
            merged = known + [r for r in records if r.id not in ids]
            try:
                name, email = self._configured_author()
            except StoreError:  # records are not authored work: no identity is fine
                name, email = _FALLBACK_SIGNATURE
            signature = pygit2.Signature(name, email)
            try:
                beside_gc(
                    lambda: self._repo.create_note(
                        records_to_json(merged), signature, signature, content_id, NOTES_REF, True
                    )
                )
            except (pygit2.GitError, OSError) as exc:
                raise StoreError(f"git could not write benchmark notes: {exc}") from exc
            ref = self._repo.references.get(NOTES_REF)
            return str(ref.target) if ref is not None else ""

    # -- the bench layer, imported on first use -----------------------------------

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
            cast("FunctionStore", self),
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

        return bench_history(cast("FunctionStore", self), name)

    def bench_compare(
        self, ref_a: str, ref_b: str, *, across_machines: bool = False
    ) -> list[Comparison]:
        """Compare two versions per device and input: ratio of medians and a verdict.

        See :func:`fnstore.bench.bench_compare`.
        """
        from fnstore.bench import bench_compare

        return bench_compare(
            cast("FunctionStore", self), ref_a, ref_b, across_machines=across_machines
        )

    def bench_plot(self, name: str, path: str | Path) -> Path:
        """Plot runtime across versions per device to a PNG or SVG file."""
        from fnstore.bench import bench_plot

        return bench_plot(cast("FunctionStore", self), name, path)

    def bench_export(self, name: str, path: str | Path) -> Path:
        """Write the records of ``name`` as a pytest-benchmark JSON file."""
        from fnstore.bench import bench_export

        return bench_export(cast("FunctionStore", self), name, path)
