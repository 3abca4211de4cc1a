"""The benchmark operations of a store: bench, history, compare, plot, export.

These are the functions behind ``FunctionStore.bench``, ``bench_history``,
``bench_compare`` and ``bench_plot`` (thin delegates of the store that import
this package only when called, so that opening a store never imports the
bench layer).  Records are read from and written to the store's git notes
by :mod:`fnstore.bench._stored`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.bench._compare import Comparison, compare_records
from fnstore.bench._export import export_pytest_benchmark
from fnstore.bench._plot import plot_records
from fnstore.bench._run import bench
from fnstore.bench._stats import DEFAULT_MIN_EFFECT
from fnstore.bench._stored import stored_records

if TYPE_CHECKING:
    from pathlib import Path

    from fnstore.bench._records import BenchRecord
    from fnstore.store import FunctionStore, FunctionVersion

__all__ = ["bench", "bench_compare", "bench_export", "bench_history", "bench_plot"]


def _records_of(store: FunctionStore, version: FunctionVersion) -> list[BenchRecord]:
    # records name the function as it was called in that version (before a rename)
    return [r for r in stored_records(store, version.content_id) if r.function == version.function]


def bench_history(store: FunctionStore, name: str) -> list[BenchRecord]:
    """Every stored record of every version of ``name``, oldest first.

    A version whose code equals an earlier one (a rollback) shares that
    version's content id, and so its records: each is returned once.
    """
    seen: dict[str, BenchRecord] = {}
    for version in store.history(name):
        for record in _records_of(store, version):
            seen.setdefault(record.id, record)
    return sorted(seen.values(), key=lambda r: (r.version, r.created))


def bench_compare(
    store: FunctionStore,
    ref_a: str,
    ref_b: str,
    *,
    across_machines: bool = False,
    min_effect: float = DEFAULT_MIN_EFFECT,
    seed: int = 0,
) -> list[Comparison]:
    """Compare the stored records of two versions, per device and input.

    Each record is one run.  ``ratio`` is ``b / a`` over all runs of each on
    one machine, with a 95% confidence interval from the spread between runs;
    ``verdict`` says whether ``b`` is faster, slower, or not clearly different
    from ``a`` (always the last with one run of each: bench both several
    times, in turn).  Records from different machines are compared only with
    ``across_machines=True``, and are then labelled as such.  ``seed`` is
    kept for compatibility: the interval no longer resamples.
    """
    a = store.get(ref_a)
    b = store.get(ref_b)
    return compare_records(
        _records_of(store, a),
        _records_of(store, b),
        across_machines=across_machines,
        min_effect=min_effect,
        seed=seed,
        what=(a.ref, b.ref),
    )


def bench_plot(store: FunctionStore, name: str, path: str | Path) -> Path:
    """Plot the median runtime of every version of ``name`` per device to ``path``.

    The suffix chooses the format (``.png`` or ``.svg``); error bars span the
    interquartile range.
    """
    return plot_records(bench_history(store, name), path, title=name)


def bench_export(store: FunctionStore, name: str, path: str | Path) -> Path:
    """Write the records of every version of ``name`` as pytest-benchmark JSON.

    ``pytest-benchmark compare PATH`` then reads it.
    """
    return export_pytest_benchmark(bench_history(store, name), path)
