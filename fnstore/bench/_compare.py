"""Comparing two versions: ratio of medians per device and shape, and a verdict.

Records are paired when they describe the same benchmark: same backend, same
device, same input (shape, dtype and source) and, unless asked otherwise, the
same machine.  When a version was benchmarked several times on one machine,
its latest record is used: an older run may predate a driver update.  With
``across_machines=True`` records from different machines are paired too (by
backend, device kind and input) and every such comparison is labelled, since
a different CPU or GPU alone can explain the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fnstore.bench._stats import (
    DEFAULT_MIN_EFFECT,
    RatioInterval,
    Verdict,
    ratio_of_medians,
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

    ``ratio`` is ``median(b) / median(a)`` (below 1: ``b`` is faster), with its
    confidence interval ``[low, high]``; ``verdict`` says what ``b`` is.
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


def _latest(
    records: Iterable[BenchRecord], *, same_machine: bool
) -> dict[tuple[object, ...], list[BenchRecord]]:
    """Group ok records by key; each group's latest record per machine comes first."""
    groups: dict[tuple[object, ...], dict[str, BenchRecord]] = {}
    for r in records:
        if not r.ok:
            continue
        per_machine = groups.setdefault(_key(r, same_machine=same_machine), {})
        known = per_machine.get(r.machine.machine_id)
        if known is None or r.created > known.created:
            per_machine[r.machine.machine_id] = r
    return {k: sorted(v.values(), key=lambda r: r.machine.hostname) for k, v in groups.items()}


def _machine(record: BenchRecord) -> str:
    return f"{record.machine.hostname} ({record.machine.machine_id[:6]})"


def _compare(
    a: BenchRecord, b: BenchRecord, *, across: bool, seed: int, min_effect: float
) -> Comparison:
    assert a.time is not None and b.time is not None  # only ok records are paired
    interval = ratio_of_medians(
        a.time.samples or [a.time.median], b.time.samples or [b.time.median], seed=seed
    )
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
        median_a=a.time.median,
        median_b=b.time.median,
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
    same_a = _latest(list_a, same_machine=True)
    same_b = _latest(list_b, same_machine=True)
    for key in sorted(same_a.keys() & same_b.keys()):
        out.append(
            _compare(same_a[key][0], same_b[key][0], across=False, seed=seed, min_effect=min_effect)
        )
    if across_machines:
        loose_a = _latest(list_a, same_machine=False)
        loose_b = _latest(list_b, same_machine=False)
        for key in sorted(loose_a.keys() & loose_b.keys()):
            for a in loose_a[key]:
                for b in loose_b[key]:
                    if a.machine.machine_id != b.machine.machine_id:
                        out.append(_compare(a, b, across=True, seed=seed, min_effect=min_effect))
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
