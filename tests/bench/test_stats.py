"""Statistics and verdicts on synthetic timings whose right answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fnstore.bench import RatioInterval, ratio_of_medians, summarize, verdict
from fnstore.errors import BenchError


def test_summary_of_known_samples() -> None:
    t = summarize([5.0, 1.0, 4.0, 2.0, 3.0])
    assert (t.rounds, t.min, t.max, t.median) == (5, 1.0, 5.0, 3.0)
    assert (t.q1, t.q3, t.iqr) == (2.0, 4.0, 2.0)
    assert t.mean == 3.0
    assert t.std == pytest.approx(math.sqrt(2.5))
    assert t.samples == [5.0, 1.0, 4.0, 2.0, 3.0]


def test_summary_of_one_round_has_zero_spread() -> None:
    t = summarize([0.25])
    assert (t.rounds, t.median, t.iqr, t.std) == (1, 0.25, 0.0, 0.0)


def test_summary_keeps_at_most_250_samples() -> None:
    t = summarize(np.linspace(1, 2, 5000))
    assert t.rounds == 5000
    assert len(t.samples) == 250
    assert t.samples[0] == 1.0 and t.samples[-1] == 2.0


@pytest.mark.parametrize("bad", [[], [1.0, -1.0], [1.0, float("nan")]])
def test_summary_refuses_bad_timings(bad: list[float]) -> None:
    with pytest.raises(BenchError):
        summarize(bad)


def _noisy(median: float, n: int = 30, spread: float = 0.02, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return median * np.exp(rng.normal(0, spread, n))


def test_twice_as_fast_is_faster() -> None:
    a = _noisy(0.010, seed=1)
    b = a[::-1] * 0.5
    interval = ratio_of_medians(a, b)
    assert interval.ratio == pytest.approx(0.5)
    assert interval.low < 0.5 < interval.high < 1
    assert interval.speedup == pytest.approx(2.0)
    assert verdict(interval) == "faster"


def test_twice_as_slow_is_slower() -> None:
    a = _noisy(0.010, seed=2)
    interval = ratio_of_medians(a, a * 2)
    assert interval.ratio == pytest.approx(2.0)
    assert 1 < interval.low <= 2 <= interval.high
    assert verdict(interval) == "slower"


def test_same_distribution_is_no_clear_difference() -> None:
    a = _noisy(0.010, spread=0.2, seed=3)
    b = _noisy(0.010, spread=0.2, seed=4)
    interval = ratio_of_medians(a, b)
    assert interval.low < 1 < interval.high
    assert verdict(interval) == "no clear difference"


def test_a_small_but_certain_change_is_below_the_minimum_effect() -> None:
    # 2% faster with almost no noise: the interval excludes 1, but 2% is
    # within the drift between runs, so by default it is no finding.
    a = _noisy(0.010, spread=0.001, seed=5)
    interval = ratio_of_medians(a, a * 0.98)
    assert interval.high < 1
    assert verdict(interval) == "no clear difference"
    assert verdict(interval, min_effect=0.0) == "faster"


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    a, b = _noisy(1.0, seed=6, spread=0.3), _noisy(1.1, seed=7, spread=0.3)
    assert ratio_of_medians(a, b, seed=3) == ratio_of_medians(a, b, seed=3)
    assert ratio_of_medians(a, b, seed=3) != ratio_of_medians(a, b, seed=4)


def test_interval_covers_the_true_ratio_most_of_the_time() -> None:
    # Lognormal rounds whose medians are known exactly: 1.0 and 0.8.
    rng = np.random.default_rng(11)
    trials, covered = 40, 0
    for _ in range(trials):
        a = np.exp(rng.normal(0.0, 0.3, 40))
        b = 0.8 * np.exp(rng.normal(0.0, 0.3, 40))
        interval = ratio_of_medians(a, b, resamples=500, seed=int(rng.integers(1 << 30)))
        covered += interval.low <= 0.8 <= interval.high
    assert covered >= 0.8 * trials  # nominal 95%; the bootstrap of a median is coarse


def test_wider_confidence_gives_a_wider_interval() -> None:
    a, b = _noisy(1.0, spread=0.2, seed=8), _noisy(0.9, spread=0.2, seed=9)
    narrow = ratio_of_medians(a, b, confidence=0.5)
    wide = ratio_of_medians(a, b, confidence=0.99)
    assert wide.low <= narrow.low and narrow.high <= wide.high


@settings(max_examples=25, deadline=None)
@given(
    samples=st.lists(st.floats(1e-6, 10.0), min_size=1, max_size=20),
    factor=st.floats(0.1, 10.0),
)
def test_scaled_samples_give_the_scale_factor(samples: list[float], factor: float) -> None:
    a = np.asarray(samples)
    interval = ratio_of_medians(a, a * factor, resamples=200)
    assert interval.ratio == pytest.approx(factor)
    assert interval.low <= interval.high


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"confidence": 1.0}, "confidence"), ({"resamples": 0}, "resamples")],
)
def test_bad_options_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(BenchError, match=message):
        ratio_of_medians([1.0], [1.0], **kwargs)  # type: ignore[arg-type]


def test_zero_baseline_is_refused_with_advice() -> None:
    with pytest.raises(BenchError, match="more work"):
        ratio_of_medians([0.0, 0.0], [1.0])


def test_bad_minimum_effect_is_refused() -> None:
    with pytest.raises(BenchError, match="min_effect"):
        verdict(RatioInterval(0.5, 0.4, 0.6, 0.95), min_effect=1.0)
