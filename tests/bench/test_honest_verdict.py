"""The compare verdict on synthetic timings whose answer is known (issue 12, point 10).

A run of a benchmark has its own offset (clock boost, memory layout, other
load: a few percent), on top of the round-to-round noise inside the run.  A
verdict must not call that offset a change: two identical functions measured
in separate runs must come out "no clear difference" in at least 95 trials of
100; a real 30% speed-up, measured over a few interleaved runs, must be found.
"""

from __future__ import annotations

import numpy as np

from fnstore.bench import ratio_of_medians, verdict
from fnstore.bench._stats import ratio_over_runs

TRIALS = 100
RUN_NOISE = 0.05  # spread of a run's offset (log scale): a few percent, as measured
ROUND_NOISE = 0.02
ROUNDS = 200


def _run(rng: np.random.Generator, centre: float) -> np.ndarray:
    """One run's round times: a run offset, then noise per round."""
    offset = np.exp(rng.normal(0, RUN_NOISE))
    return centre * offset * np.exp(rng.normal(0, ROUND_NOISE, ROUNDS))


def _verdicts(runs: int, centre_b: float, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(TRIALS):
        a = [_run(rng, 1e-3) for _ in range(runs)]
        b = [_run(rng, centre_b) for _ in range(runs)]
        out.append(verdict(ratio_over_runs(a, b)))
    return out


def test_identical_functions_in_separate_runs_are_no_clear_difference() -> None:
    for runs in (1, 2, 3, 5, 10):
        found = _verdicts(runs, 1e-3, seed=runs)
        assert found.count("no clear difference") >= 95, (runs, found.count("no clear difference"))


def test_one_run_of_each_within_run_interval_is_what_misled() -> None:
    # The old verdict (bootstrap over one run's rounds) calls the run offset a
    # change most of the time: the reason for the interval over runs.
    rng = np.random.default_rng(7)
    wrong = 0
    for _ in range(TRIALS):
        a, b = _run(rng, 1e-3), _run(rng, 1e-3)
        wrong += verdict(ratio_of_medians(a, b, resamples=200)) != "no clear difference"
    assert wrong > 20


def test_a_real_speed_up_is_found_over_interleaved_runs() -> None:
    found = _verdicts(5, 0.7e-3, seed=11)
    assert found.count("faster") >= 95
    slower = _verdicts(5, 1.4e-3, seed=12)
    assert slower.count("slower") >= 95


def test_runs_that_disagree_are_no_clear_difference() -> None:
    a = [np.full(50, 1.0e-3), np.full(50, 1.3e-3), np.full(50, 0.8e-3)]
    b = [np.full(50, 0.9e-3), np.full(50, 1.2e-3), np.full(50, 0.7e-3)]
    interval = ratio_over_runs(a, b)
    assert interval.low < 1 < interval.high
    assert verdict(interval) == "no clear difference"
    assert (interval.runs_a, interval.runs_b) == (3, 3)


def test_the_interval_covers_the_true_ratio() -> None:
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(TRIALS):
        a = [_run(rng, 1e-3) for _ in range(4)]
        b = [_run(rng, 0.8e-3) for _ in range(4)]
        iv = ratio_over_runs(a, b)
        covered += iv.low <= 0.8 <= iv.high
    assert covered >= 95  # a 99% interval: about 99 of 100, allowing for chance
