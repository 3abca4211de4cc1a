"""The benchmark operations of a store: bench, history, compare, plot, export.

These are the functions behind ``FunctionStore.bench``, ``bench_history``,
``bench_compare`` and ``bench_plot`` (thin methods of the store's
``NotesMixin`` that import this package only when called, so that opening a
store never imports the bench layer).  Records are read from and written to
the store's git notes through the mixin's ``bench_records`` and
``add_bench_records``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore.bench._compare import Comparison, compare_records
from fnstore.bench._export import export_pytest_benchmark
from fnstore.bench._plot import plot_records
from fnstore.bench._run import Progress, run_bench
from fnstore.bench._stats import DEFAULT_MIN_EFFECT

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import numpy as np

    from fnstore.bench._records import BenchRecord
    from fnstore.store import FunctionStore, FunctionVersion

__all__ = ["bench", "bench_compare", "bench_export", "bench_history", "bench_plot"]


def bench(
    store: FunctionStore,
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
    """Benchmark one version of a function on every device it can use here.

    Parameters
    ----------
    store
        The store holding the function.
    ref
        ``name``, ``name@3``, ``name@<content id prefix>`` or ``name@<tag>``.
    devices
        Device labels (``"cpu"``, ``"cuda:0"``, ``"opencl:0"``) or kinds
        (``"cpu"``, ``"gpu"``); None means every device here.
    shapes
        Input stacks: shapes of synthetic stacks, numpy arrays, or TIFF paths.
        None means a small (1, 512, 512) and a realistic (16, 2048, 2048) stack.
    dtype
        dtype of the synthetic stacks.
    rounds
        Measured rounds; alone, exactly that many, else at least that many.
    min_time
        Seconds of measured time to reach (default 0.3 s).
    save
        Store the successful records as git notes on the version's content id.
    progress
        Called with a description after each device and stack.

    Returns
    -------
    list of BenchRecord
        One per device and stack, successful or not (``status`` and
        ``reason`` say why one did not run).
    """
    return run_bench(
        store,
        ref,
        devices=devices,
        shapes=shapes,
        dtype=dtype,
        rounds=rounds,
        min_time=min_time,
        save=save,
        progress=progress,
    )


def _records_of(store: FunctionStore, version: FunctionVersion) -> list[BenchRecord]:
    return [r for r in store.bench_records(version.content_id) if r.function == version.name]


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

    ``ratio`` is ``median(b) / median(a)``, with a 95% bootstrap confidence
    interval; ``verdict`` says whether ``b`` is faster, slower, or not clearly
    different from ``a``.  Records from different machines are compared only
    with ``across_machines=True``, and are then labelled as such.
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
