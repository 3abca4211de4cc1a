"""Benchmarks of function versions on every CPU and GPU device they can use.

``store.bench("blur@7")`` times one version on deterministic synthetic stacks
(or the user's arrays or TIFF files) on each device of its memory type, and
keeps the figures, with a fingerprint of the machine, as git notes on the
version's content id; they travel with push and pull.
``store.bench_compare("blur@6", "blur@7")`` answers "is version 7 faster than
version 6, here and on the lab's GPU?" with a ratio of medians, its bootstrap
confidence interval and a verdict per device and input;
``store.bench_plot("blur", "blur.png")`` draws runtime across versions.

Importing this package imports numpy and pydantic, never a GPU framework or
matplotlib: backends are imported when their devices are listed, matplotlib
when a plot is drawn.
"""

from __future__ import annotations

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
from fnstore.bench._run import DEFAULT_MIN_TIME, DEFAULT_ROUNDS, load_function, measure, skip_reason
from fnstore.bench._stacks import DEFAULT_SHAPES, BenchInput, resolve_inputs, synthetic_stack
from fnstore.bench._stats import (
    DEFAULT_MIN_EFFECT,
    RatioInterval,
    Verdict,
    ratio_of_medians,
    summarize,
    verdict,
)

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
