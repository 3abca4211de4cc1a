"""Benchmarks of function versions on every CPU and GPU device they can use.

``store.bench("blur@7")`` times one version on deterministic synthetic stacks
(or the user's arrays or TIFF files) on each device of its memory type, and
keeps the figures, with a fingerprint of the machine, as git notes on the
version's content id; they travel with push and pull.
``store.bench_compare("blur@6", "blur@7")`` answers "is version 7 faster than
version 6, here and on the lab's GPU?" with a ratio of medians, its bootstrap
confidence interval and a verdict per device and input;
``store.bench_plot("blur", "blur.png")`` draws runtime across versions.

Importing this package is nearly free: its names are loaded on first use
(``_LAZY``), because the pytest plugin :mod:`fnstore.bench.pytest_plugin` lives
here and is imported by every pytest run where fnstore is installed.  Using the
names imports numpy and pydantic, never a GPU framework or matplotlib:
backends are imported when their devices are listed, matplotlib when a plot is
drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fnstore._lazy import lazy_exports

# public name -> module that defines it (imported on first attribute access)
_LAZY: dict[str, str] = {
    "Backend": "fnstore.bench._backends",
    "BenchInput": "fnstore.bench._stacks",
    "BenchRecord": "fnstore.bench._records",
    "Comparison": "fnstore.bench._compare",
    "DEFAULT_MIN_EFFECT": "fnstore.bench._stats",
    "DEFAULT_MIN_TIME": "fnstore.bench._run",
    "DEFAULT_ROUNDS": "fnstore.bench._run",
    "DEFAULT_SHAPES": "fnstore.bench._stacks",
    "Device": "fnstore.bench._backends",
    "Fingerprint": "fnstore.bench._records",
    "GPUInfo": "fnstore.bench._records",
    "RatioInterval": "fnstore.bench._stats",
    "SCHEMA_VERSION": "fnstore.bench._records",
    "Timing": "fnstore.bench._records",
    "Verdict": "fnstore.bench._stats",
    "backend_for": "fnstore.bench._backends",
    "bench": "fnstore.bench._api",
    "bench_compare": "fnstore.bench._api",
    "bench_export": "fnstore.bench._api",
    "bench_history": "fnstore.bench._api",
    "bench_plot": "fnstore.bench._api",
    "compare_records": "fnstore.bench._compare",
    "export_pytest_benchmark": "fnstore.bench._export",
    "fingerprint": "fnstore.bench._fingerprint",
    "load_function": "fnstore.bench._run",
    "measure": "fnstore.bench._run",
    "plot_records": "fnstore.bench._plot",
    "pytest_benchmark_json": "fnstore.bench._export",
    "ratio_of_medians": "fnstore.bench._stats",
    "record_from_dict": "fnstore.bench._records",
    "records_from_json": "fnstore.bench._records",
    "records_to_json": "fnstore.bench._records",
    "resolve_inputs": "fnstore.bench._stacks",
    "skip_reason": "fnstore.bench._run",
    "summarize": "fnstore.bench._stats",
    "synthetic_stack": "fnstore.bench._stacks",
    "verdict": "fnstore.bench._stats",
}

__all__ = [
    "DEFAULT_MIN_EFFECT",
    "DEFAULT_MIN_TIME",
    "DEFAULT_ROUNDS",
    "DEFAULT_SHAPES",
    "SCHEMA_VERSION",
    "Backend",
    "BenchInput",
    "BenchRecord",
    "Comparison",
    "Device",
    "Fingerprint",
    "GPUInfo",
    "RatioInterval",
    "Timing",
    "Verdict",
    "backend_for",
    "bench",
    "bench_compare",
    "bench_export",
    "bench_history",
    "bench_plot",
    "compare_records",
    "export_pytest_benchmark",
    "fingerprint",
    "load_function",
    "measure",
    "plot_records",
    "pytest_benchmark_json",
    "ratio_of_medians",
    "record_from_dict",
    "records_from_json",
    "records_to_json",
    "resolve_inputs",
    "skip_reason",
    "summarize",
    "synthetic_stack",
    "verdict",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


if TYPE_CHECKING:  # let type checkers and IDEs see the lazy names
    from fnstore.bench._api import bench, bench_compare, bench_export, bench_history, bench_plot
    from fnstore.bench._backends import Backend, Device, backend_for
    from fnstore.bench._compare import Comparison, compare_records
    from fnstore.bench._export import export_pytest_benchmark, pytest_benchmark_json
    from fnstore.bench._fingerprint import fingerprint
    from fnstore.bench._plot import plot_records
    from fnstore.bench._records import (
        SCHEMA_VERSION,
        BenchRecord,
        Fingerprint,
        GPUInfo,
        Timing,
        record_from_dict,
        records_from_json,
        records_to_json,
    )
    from fnstore.bench._run import (
        DEFAULT_MIN_TIME,
        DEFAULT_ROUNDS,
        load_function,
        measure,
        skip_reason,
    )
    from fnstore.bench._stacks import DEFAULT_SHAPES, BenchInput, resolve_inputs, synthetic_stack
    from fnstore.bench._stats import (
        DEFAULT_MIN_EFFECT,
        RatioInterval,
        Verdict,
        ratio_of_medians,
        summarize,
        verdict,
    )
