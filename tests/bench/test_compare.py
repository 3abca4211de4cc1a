"""Pairing records of two versions and the verdicts, on known timings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from fnstore.bench import compare_records
from fnstore.errors import BenchError

if TYPE_CHECKING:
    from .conftest import MakeRecord


def _rounds(median: float, seed: int, n: int = 25) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(median * np.exp(rng.normal(0, 0.03, n)))


def _runs(make_record: MakeRecord, median: float, seed: int, n: int = 3, **fields: object) -> list:
    """``n`` runs (records) of one version, each with its own small run-to-run offset."""
    rng = np.random.default_rng(seed + 1000)
    return [
        make_record(_rounds(median * float(np.exp(rng.normal(0, 0.02))), seed * 10 + i), **fields)
        for i in range(n)
    ]


def test_faster_on_the_gpu_and_unchanged_on_the_cpu(make_record: MakeRecord) -> None:
    a = _runs(make_record, 0.010, 1, version=6, device="cpu")
    a += _runs(make_record, 0.002, 2, version=6, device="cuda:0", backend="torch")
    b = _runs(make_record, 0.010, 3, version=7, device="cpu")
    b += _runs(make_record, 0.001, 4, version=7, device="cuda:0", backend="torch")
    results = {c.device: c for c in compare_records(a, b)}
    assert results["cpu"].verdict == "no clear difference"
    assert results["cuda:0"].verdict == "faster"
    assert results["cuda:0"].ratio == pytest.approx(0.5, rel=0.05)
    assert (results["cuda:0"].version_a, results["cuda:0"].version_b) == (6, 7)
    assert not results["cpu"].across_machines
    assert "different machines" not in results["cpu"].label


def test_every_run_on_a_machine_counts(make_record: MakeRecord) -> None:
    # runs that disagree (one 5x slower) leave the answer open
    old_slow = make_record(_rounds(0.050, 1), version=1)
    new = make_record(_rounds(0.010, 2), version=1)
    b = _runs(make_record, 0.010, 3, version=2)
    (result,) = compare_records([old_slow, new], b)
    assert result.record_a is new  # the latest run
    assert (result.interval.runs_a, result.interval.runs_b) == (2, 3)
    assert result.verdict == "no clear difference"


def test_one_run_of_each_is_no_clear_difference(make_record: MakeRecord) -> None:
    # 2x apart, with tight rounds: one run each still cannot rule out run noise
    (result,) = compare_records(
        [make_record(_rounds(0.020, 1), version=1)], [make_record(_rounds(0.010, 2), version=2)]
    )
    assert result.verdict == "no clear difference"
    assert result.ratio == pytest.approx(0.5, rel=0.05)
    assert (result.interval.low, result.interval.high) == (0.0, float("inf"))


def test_each_machine_is_compared_with_itself(make_record: MakeRecord) -> None:
    # The laptop says 2x slower, the lab GPU box 2x faster; both answers stand.
    a = _runs(make_record, 0.010, 1, version=6, host="laptop")
    a += _runs(make_record, 0.010, 2, version=6, host="lab-gpu")
    b = _runs(make_record, 0.020, 3, version=7, host="laptop")
    b += _runs(make_record, 0.005, 4, version=7, host="lab-gpu")
    verdicts = {c.machine_a.split()[0]: c.verdict for c in compare_records(a, b)}
    assert verdicts == {"laptop": "slower", "lab-gpu": "faster"}


def test_different_machines_are_compared_only_when_asked(make_record: MakeRecord) -> None:
    a = _runs(make_record, 0.010, 1, version=6, host="laptop")
    b = _runs(make_record, 0.001, 2, version=7, host="lab-gpu")
    with pytest.raises(BenchError, match="across_machines=True"):
        compare_records(a, b)
    (result,) = compare_records(a, b, across_machines=True)
    assert result.across_machines
    assert "different machines" in result.label
    assert result.verdict == "faster"


def test_different_shapes_are_not_paired(make_record: MakeRecord) -> None:
    a = [make_record(_rounds(0.010, 1), shape=(1, 64, 64))]
    b = [make_record(_rounds(0.010, 2), shape=(2, 64, 64), version=2)]
    with pytest.raises(BenchError, match="same device and input"):
        compare_records(a, b)


def test_a_version_without_records_says_how_to_get_them(make_record: MakeRecord) -> None:
    skipped = make_record([0.1], version=2).model_copy(update={"status": "skipped", "time": None})
    with pytest.raises(BenchError, match="fnstore bench blur@2"):
        compare_records([make_record([0.1])], [skipped], what=("blur@1", "blur@2"))
