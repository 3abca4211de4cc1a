"""Export benchmark records as a pytest-benchmark JSON file.

The file has the layout ``pytest --benchmark-json`` writes (``machine_info``,
``commit_info``, ``benchmarks`` with ``stats``, ``datetime``, ``version``), so
``pytest-benchmark compare FILE`` tables and histograms fnstore's figures like
its own.  Each record becomes one benchmark named
``function@version[backend-device-shape]`` in the group of its function, with
the fnstore fields (content id, machine, timer) in ``extra_info``.

When a record kept every round, the statistics are computed from the rounds
with pytest-benchmark's own definitions (quartiles by its method, Tukey fences
for outliers).  A record keeps at most 250 rounds as samples, though, and
recomputing from those would report fewer rounds and another max than
``fnstore bench`` showed: then the recorded figures are exported (rounds,
min, max, mean, standard deviation, median, quartiles, all computed from
every round when measured), and only what the record lacks (outlier counts,
the fences' nearest rounds) comes from the kept samples, the counts scaled to
all rounds; ``data`` holds the kept samples.
"""

from __future__ import annotations

import json
import platform
import statistics
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fnstore.errors import BenchError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from fnstore.bench._records import BenchRecord, Timing

__all__ = ["export_pytest_benchmark", "pytest_benchmark_json"]

# The pytest-benchmark file layout this writer follows.
_FORMAT_VERSION = "5.0.0"


def _quartiles(data: list[float]) -> tuple[float, float]:
    """q1 and q3 as pytest-benchmark computes them (Wikipedia's methods 2 and 3)."""
    n = len(data)
    if n == 1:
        return data[0], data[0]
    if n % 2 == 0:
        return statistics.median(data[: n // 2]), statistics.median(data[n // 2 :])
    k, r = divmod(n, 4)
    if r == 1:
        q1 = 0.25 * data[k - 1] + 0.75 * data[k]
        q3 = 0.75 * data[3 * k] + 0.25 * data[3 * k + 1]
    else:
        q1 = 0.75 * data[k] + 0.25 * data[k + 1]
        q3 = 0.25 * data[3 * k + 1] + 0.75 * data[3 * k + 2]
    return q1, q3


def _stats_of_rounds(samples: list[float]) -> dict[str, Any]:
    """pytest-benchmark's ``stats`` from every round, by its own definitions."""
    data = sorted(samples)
    n = len(data)
    mean = statistics.fmean(data)
    std = statistics.stdev(data) if n > 1 else 0.0
    q1, q3 = _quartiles(data)
    iqr = q3 - q1
    low_fence, high_fence = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    iqr_outliers = sum(1 for x in data if x < low_fence or x > high_fence)
    std_outliers = sum(1 for x in data if x < mean - std or x > mean + std)
    total = sum(data)
    return {
        "min": data[0],
        "max": data[-1],
        "mean": mean,
        "stddev": std,
        "rounds": n,
        "median": statistics.median(data),
        "iqr": iqr,
        "q1": q1,
        "q3": q3,
        "iqr_outliers": iqr_outliers,
        "stddev_outliers": std_outliers,
        "outliers": f"{std_outliers};{iqr_outliers}",
        "ld15iqr": data[0] if n == 1 else data[bisect_left(data, low_fence)],
        "hd15iqr": data[-1] if n == 1 else data[bisect_right(data, high_fence) - 1],
        "ops": n / total if total else 0.0,
        "total": total,
        "data": samples,
        "iterations": 1,
    }


def _stats(time: Timing) -> dict[str, Any]:
    """pytest-benchmark's ``stats`` for a recorded timing (see the module docstring)."""
    samples = time.samples or [time.median]
    if len(samples) == time.rounds:
        return _stats_of_rounds(samples)  # every round is there: its own definitions
    data = sorted(samples)
    low_fence, high_fence = time.q1 - 1.5 * time.iqr, time.q3 + 1.5 * time.iqr
    scale = time.rounds / len(data)  # the samples are evenly spaced over the run
    iqr_outliers = round(scale * sum(1 for x in data if x < low_fence or x > high_fence))
    std_outliers = round(
        scale * sum(1 for x in data if x < time.mean - time.std or x > time.mean + time.std)
    )
    inside = [x for x in data if low_fence <= x <= high_fence] or data
    total = time.mean * time.rounds
    return {
        "min": time.min,
        "max": time.max,
        "mean": time.mean,
        "stddev": time.std,
        "rounds": time.rounds,
        "median": time.median,
        "iqr": time.iqr,
        "q1": time.q1,
        "q3": time.q3,
        "iqr_outliers": iqr_outliers,
        "stddev_outliers": std_outliers,
        "outliers": f"{std_outliers};{iqr_outliers}",
        "ld15iqr": max(inside[0], time.min),
        "hd15iqr": min(inside[-1], time.max),
        "ops": 1 / time.mean if time.mean else 0.0,
        "total": total,
        "data": samples,
        "iterations": 1,
    }


def _entry(record: BenchRecord) -> dict[str, Any]:
    assert record.time is not None  # only ok records are exported
    param = f"{record.backend}-{record.device}-{record.shape_label}-{record.dtype}"
    name = f"{record.function}@{record.version}"
    return {
        "group": record.function,
        "name": f"{name}[{param}]",
        "fullname": f"fnstore::{name}[{param}]",
        "params": {"backend": record.backend, "device": record.device, "shape": record.shape_label},
        "param": param,
        "extra_info": {
            "content_id": record.content_id,
            "version": record.version,
            "machine": record.machine.hostname,
            "machine_id": record.machine.machine_id,
            "device_name": record.device_name,
            "timer": record.timer,
            "input": record.input,
            "created": record.created.isoformat(),
            "samples_kept": len(record.time.samples),
        },
        "options": {
            "disable_gc": False,
            "timer": record.timer or "perf_counter",
            "min_rounds": record.time.rounds,
            "max_time": None,
            "min_time": None,
            "warmup": record.warmup,
        },
        "stats": _stats(record.time),
    }


def pytest_benchmark_json(records: Iterable[BenchRecord]) -> dict[str, Any]:
    """Build the pytest-benchmark JSON document for ``records`` (only ``ok`` ones).

    Raises
    ------
    BenchError
        No successful records to export.
    """
    good = [r for r in records if r.ok]
    if not good:
        raise BenchError("no benchmark records to export: run `fnstore bench NAME` first")
    first = good[-1].machine
    return {
        "machine_info": {
            "node": first.hostname,
            "processor": first.cpu_model,
            "machine": platform.machine(),
            "python_implementation": platform.python_implementation(),
            "python_version": first.python,
            "system": first.platform,
            "cpu": {"brand_raw": first.cpu_model, "count": first.cpu_count},
            "gpus": [g.model_dump() for g in first.gpus],
            "fnstore_machine_id": first.machine_id,
        },
        "commit_info": {
            "id": good[-1].content_id,
            "time": good[-1].created.isoformat(),
            "dirty": False,
            "project": "fnstore",
            "branch": None,
        },
        "benchmarks": [_entry(r) for r in good],
        "datetime": datetime.now(UTC).isoformat(),
        "version": _FORMAT_VERSION,
    }


def export_pytest_benchmark(records: Iterable[BenchRecord], path: str | Path) -> Path:
    """Write ``records`` as a pytest-benchmark JSON file at ``path``.

    ``pytest-benchmark compare PATH`` then shows them; see
    :func:`pytest_benchmark_json`.
    """
    out = Path(path).expanduser()
    document = pytest_benchmark_json(records)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return out
