"""Comparing two versions: ratio of medians per device and shape, and a verdict.

Records are paired when they describe the same benchmark: same backend, same
device, same input (shape, dtype and source) and, unless asked otherwise, the
same machine.  Each record is one run; every run of each version on that
machine counts, and the interval comes from how much the runs differ
(:func:`~fnstore.bench._stats.ratio_over_runs`): one run of each says nothing
about that, so it gives "no clear difference" whatever the two medians are.
``fnstore bench compare A B --runs 5`` measures A and B in turn, five times
each, as asv and pyperf interleave their runs.  With ``across_machines=True``
records from different machines are paired too (by backend, device kind and
input) and every such comparison is labelled, since a different CPU or GPU
alone can explain the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fnstore.bench._stats import (
    DEFAULT_MIN_EFFECT,
    RatioInterval,
    Verdict,
    ratio_over_runs,
    verdict,
)
from fnstore.errors import BenchError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from fnstore.bench._records import BenchRecord

__all__ = ["Comparison", "compare_records"]


@dataclass(frozen=True)
class Comparison:
    """How version ``b`` compares with version ``a`` on one device and input.

    ``ratio`` is ``b / a`` over their runs (below 1: ``b`` is faster), with its
    confidence interval ``[low, high]`` from the spread between runs
    (``interval.runs_a`` and ``runs_b`` say how many); ``verdict`` says what
    ``b`` is.  ``median_a`` and ``median_b`` are the geometric means of the
    runs' medians (so that ``ratio == median_b / median_a``);
    ``record_a`` and ``record_b`` are the latest runs.
    """

    function: str
    version_a: int
    version_b: int
    backend: str
    device: str
    shape: tuple[int, ...]
    dtype: str
    input: str
    machine_a: str  # host name (machine id) of a's record
    machine_b: str
    median_a: float  # seconds
    median_b: float
    interval: RatioInterval
    verdict: Verdict
    across_machines: bool  # True when a and b ran on different machines
    record_a: BenchRecord
    record_b: BenchRecord

    @property
    def ratio(self) -> float:
        """``median(b) / median(a)``."""
        return self.interval.ratio

    @property
    def label(self) -> str:
        """Where the comparison was made, e.g. 'lab-gpu cuda:0' or 'a on X vs b on Y'."""
        if not self.across_machines:
            return f"{self.machine_a} {self.device}"
        return f"{self.machine_a} vs {self.machine_b} (different machines) {self.device}"


def _device_kind(record: BenchRecord) -> str:
    # Across machines, 'cuda:0' here and 'cuda:1' there are both "the GPU".
    return record.device.split(":")[0]


def _key(record: BenchRecord, *, same_machine: bool) -> tuple[object, ...]:
    device = record.device if same_machine else _device_kind(record)
    machine = record.machine.machine_id if same_machine else ""
    return (machine, record.backend, device, tuple(record.shape), record.dtype, record.input)


Runs = list["BenchRecord"]  # one machine's records of one benchmark, latest last


def _runs(
    records: Iterable[BenchRecord], *, same_machine: bool
) -> dict[tuple[object, ...], list[Runs]]:
    """Group ok records by key, then by machine (by host name), each machine's oldest first."""
    groups: dict[tuple[object, ...], dict[str, Runs]] = {}
    for r in records:
        if r.ok:
            key = _key(r, same_machine=same_machine)
            groups.setdefault(key, {}).setdefault(r.machine.machine_id, []).append(r)
    return {
        k: sorted(
            (sorted(runs, key=lambda r: r.created) for runs in v.values()),
            key=lambda runs: runs[0].machine.hostname,
        )
        for k, v in groups.items()
    }


def _machine(record: BenchRecord) -> str:
    return f"{record.machine.hostname} ({record.machine.machine_id[:6]})"


def _samples(run: BenchRecord) -> list[float]:
    assert run.time is not None  # only ok records are paired
    return run.time.samples or [run.time.median]


def _centre(runs: Runs) -> float:
    """Return the geometric mean of the runs' medians (the ratio is taken between these)."""
    import statistics

    return statistics.geometric_mean(r.time.median for r in runs if r.time)


def _compare(runs_a: Runs, runs_b: Runs, *, across: bool, min_effect: float) -> Comparison:
    a, b = runs_a[-1], runs_b[-1]
    interval = ratio_over_runs([_samples(r) for r in runs_a], [_samples(r) for r in runs_b])
    return Comparison(
        function=b.function,
        version_a=a.version,
        version_b=b.version,
        backend=b.backend,
        device=b.device if not across else _device_kind(b),
        shape=tuple(b.shape),
        dtype=b.dtype,
        input=b.input,
        machine_a=_machine(a),
        machine_b=_machine(b),
        median_a=_centre(runs_a),
        median_b=_centre(runs_b),
        interval=interval,
        verdict=verdict(interval, min_effect=min_effect),
        across_machines=across,
        record_a=a,
        record_b=b,
    )


def compare_records(
    records_a: Iterable[BenchRecord],
    records_b: Iterable[BenchRecord],
    *,
    across_machines: bool = False,
    min_effect: float = DEFAULT_MIN_EFFECT,
    seed: int = 0,
    what: tuple[str, str] = ("a", "b"),
) -> list[Comparison]:
    """Compare the records of two versions; see ``FunctionStore.bench_compare``.

    ``seed`` is accepted for compatibility; the run-level interval is computed,
    not resampled.

    Raises
    ------
    BenchError
        Either version has no records, or they share no device, input and
        machine (the message says how to get comparable records).
    """
    list_a = [r for r in records_a if r.ok]
    list_b = [r for r in records_b if r.ok]
    for name, found in zip(what, (list_a, list_b), strict=True):
        if not found:
            raise BenchError(f"no benchmark records for {name}: run `fnstore bench {name}` first")
    out: list[Comparison] = []
    # Same-machine pairs always; cross-machine ones only when asked for.
    same_a = _runs(list_a, same_machine=True)
    same_b = _runs(list_b, same_machine=True)
    for key in sorted(same_a.keys() & same_b.keys()):
        out.append(_compare(same_a[key][0], same_b[key][0], across=False, min_effect=min_effect))
    if across_machines:
        loose_a = _runs(list_a, same_machine=False)
        loose_b = _runs(list_b, same_machine=False)
        for key in sorted(loose_a.keys() & loose_b.keys()):
            for a in loose_a[key]:
                for b in loose_b[key]:
                    if a[0].machine.machine_id != b[0].machine.machine_id:
                        out.append(_compare(a, b, across=True, min_effect=min_effect))
    if not out:
        machines_a = sorted({r.machine.hostname for r in list_a})
        machines_b = sorted({r.machine.hostname for r in list_b})
        if not across_machines and not set(machines_a) & set(machines_b):
            raise BenchError(
                f"{what[0]} was benchmarked on {', '.join(machines_a)} and {what[1]} on "
                f"{', '.join(machines_b)}: benchmark both on one machine, or pass "
                "across_machines=True (--across-machines) to compare different machines"
            )
        raise BenchError(
            f"{what[0]} and {what[1]} were never benchmarked on the same device and input: "
            f"run `fnstore bench` on both with the same --device and --shape"
        )
    return out
