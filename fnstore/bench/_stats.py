"""Statistics of benchmark timings: summaries, ratio of medians, verdicts.

Everything here is plain numpy and deterministic: the bootstrap draws from a
``numpy.random.Generator`` seeded by the caller, so the same timings always
give the same interval and the same verdict.

Why medians and a bootstrap: round times are skewed (a few slow rounds from a
page fault or a context switch), so the median is the robust centre, and its
sampling distribution has no simple closed form; resampling each side's rounds
and taking the ratio of the resampled medians gives a confidence interval that
makes no assumption about the shape of the distribution.

That interval only covers the noise *within* one run.  Two runs of the same
code minutes apart differ by more than that (clock boost, cache and memory
layout, other load), so comparing two versions takes several runs of each,
interleaved as asv and pyperf do, and :func:`ratio_over_runs` builds the
interval from the spread *between* runs: a Welch t interval on the logarithm
of each run's median.  With a single run on each side there is nothing to
measure that spread with, and the answer is "no clear difference".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from fnstore.bench._records import Timing
from fnstore.errors import BenchError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DEFAULT_MIN_EFFECT",
    "RatioInterval",
    "Verdict",
    "ratio_of_medians",
    "ratio_over_runs",
    "summarize",
    "verdict",
]

Verdict = Literal["faster", "slower", "no clear difference"]

DEFAULT_MIN_EFFECT = 0.05
"""Changes smaller than this fraction are reported as no clear difference.

Timings taken minutes apart on the same machine drift by a few percent (clock
boost, other load), so an interval that excludes 1 by a hair is not a finding.
"""

# A record keeps at most this many samples, so that a long run of a fast
# function does not bloat the notes (every record is pushed to the lab); 250
# is plenty for the bootstrap of a median.
MAX_SAMPLES = 250


def _as_array(samples: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(samples, dtype=np.float64).ravel()
    if array.size == 0:
        raise BenchError(f"no timings for {what}: run the benchmark with at least one round")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise BenchError(f"timings for {what} hold negative or non-finite values")
    return array


def summarize(samples: Sequence[float] | np.ndarray) -> Timing:
    """Summarise per-round times (seconds) as a :class:`Timing`.

    Parameters
    ----------
    samples
        One time per measured round.

    Returns
    -------
    Timing
        rounds, min, max, median, quartiles, IQR, mean and the sample standard
        deviation (0 for a single round); at most ``MAX_SAMPLES`` samples are
        kept, evenly spaced over the run.
    """
    array = _as_array(samples, "a summary")
    q1, median, q3 = np.percentile(array, [25, 50, 75])
    kept = array
    if array.size > MAX_SAMPLES:
        kept = array[np.linspace(0, array.size - 1, MAX_SAMPLES).astype(int)]
    return Timing(
        rounds=int(array.size),
        min=float(array.min()),
        max=float(array.max()),
        median=float(median),
        q1=float(q1),
        q3=float(q3),
        iqr=float(q3 - q1),
        mean=float(array.mean()),
        std=float(array.std(ddof=1)) if array.size > 1 else 0.0,
        # nanoseconds are below any timer's resolution: rounding keeps notes short
        samples=[round(float(x), 9) for x in kept],
    )


@dataclass(frozen=True)
class RatioInterval:
    """Ratio of medians ``median(b) / median(a)`` with its confidence interval.

    A ratio below 1 means ``b`` takes less time than ``a``.
    """

    ratio: float
    low: float
    high: float
    confidence: float
    runs_a: int = 1  # runs behind each side (ratio_over_runs), 1 for one run's rounds
    runs_b: int = 1

    @property
    def speedup(self) -> float:
        """How many times faster ``b`` is than ``a`` (``1 / ratio``)."""
        return 1.0 / self.ratio if self.ratio > 0 else float("inf")


def ratio_of_medians(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> RatioInterval:
    """Ratio of the median of ``b`` to that of ``a``, with a bootstrap interval.

    Each side's rounds are resampled with replacement ``resamples`` times; the
    interval is the percentile interval of the resampled ratios.

    Parameters
    ----------
    a, b
        Per-round times of the baseline and of the candidate.
    confidence
        Coverage of the interval, between 0 and 1.
    resamples
        Number of bootstrap resamples.
    seed
        Seed of the ``numpy.random.Generator`` (same inputs, same interval).

    Raises
    ------
    BenchError
        Empty or invalid timings, or a confidence outside (0, 1).
    """
    if not 0 < confidence < 1:
        raise BenchError(f"confidence must be between 0 and 1, not {confidence}")
    if resamples < 1:
        raise BenchError(f"resamples must be at least 1, not {resamples}")
    x = _as_array(a, "the baseline")
    y = _as_array(b, "the candidate")
    median_a = float(np.median(x))
    median_b = float(np.median(y))
    if median_a == 0:
        raise BenchError("the baseline's median time is zero: time more work per round")
    rng = np.random.default_rng(seed)
    boot_a = np.median(x[rng.integers(0, x.size, size=(resamples, x.size))], axis=1)
    boot_b = np.median(y[rng.integers(0, y.size, size=(resamples, y.size))], axis=1)
    # a resample whose baseline median is 0 cannot happen: all samples > 0 then
    ratios = boot_b / np.where(boot_a > 0, boot_a, np.nan)
    tail = (1 - confidence) / 2 * 100
    low, high = np.nanpercentile(ratios, [tail, 100 - tail])
    return RatioInterval(
        ratio=median_b / median_a, low=float(low), high=float(high), confidence=confidence
    )


RUNS_CONFIDENCE = 0.99
"""Coverage of the interval over runs that a verdict rests on.

With a handful of runs, a 95% interval calls two identical functions
different about one time in twenty-five (measured on synthetic runs with a 5%
run-to-run spread); 99% brings that under one in a hundred, while five runs
of each still find a 20% change almost always.
"""


def _t_quantile(p: float, df: float) -> float:
    """Quantile ``p`` (above 0.5) of Student's t with ``df`` degrees of freedom.

    numpy has no t distribution and scipy is not a dependency: the density is
    integrated numerically (Simpson's rule) and the CDF inverted by bisection,
    to well under 0.1% for the degrees of freedom a benchmark sees.
    """
    import math

    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def cdf(x: float) -> float:
        grid = np.linspace(0.0, x, 2001)
        pdf = np.exp(log_norm - (df + 1) / 2 * np.log1p(grid * grid / df))
        h = x / 2000
        area = h / 3 * (pdf[0] + pdf[-1] + 4 * pdf[1:-1:2].sum() + 2 * pdf[2:-1:2].sum())
        return 0.5 + float(area)

    low, high = 0.0, 1.0
    while cdf(high) < p:
        low, high = high, high * 2
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < p else (low, mid)
    return (low + high) / 2


def ratio_over_runs(
    runs_a: Sequence[Sequence[float] | np.ndarray],
    runs_b: Sequence[Sequence[float] | np.ndarray],
    *,
    confidence: float = RUNS_CONFIDENCE,
) -> RatioInterval:
    """Ratio of ``b`` to ``a`` over several runs each, with an interval from their spread.

    Each run is summarised by its median; the ratio is that of the geometric
    means of the run medians, and the interval is Welch's t interval on
    their logarithms (a run-level effect is multiplicative).  With one run on
    one side, the other side's spread stands for both; with one run on each,
    the interval is ``[0, inf]``: nothing says how much runs vary.

    Raises
    ------
    BenchError
        A run without timings, or a confidence outside (0, 1).
    """
    if not 0 < confidence < 1:
        raise BenchError(f"confidence must be between 0 and 1, not {confidence}")
    if not runs_a or not runs_b:
        raise BenchError("no runs to compare: benchmark both versions first")
    logs = []
    for runs, what in ((runs_a, "the baseline"), (runs_b, "the candidate")):
        medians = np.array([float(np.median(_as_array(run, what))) for run in runs])
        if np.any(medians <= 0):
            raise BenchError(f"a median time of {what} is zero: time more work per round")
        logs.append(np.log(medians))
    la, lb = logs
    diff = float(lb.mean() - la.mean())
    ratio = float(np.exp(diff))
    n_a, n_b = la.size, lb.size
    if n_a < 2 and n_b < 2:
        return RatioInterval(ratio, 0.0, float("inf"), confidence, n_a, n_b)
    if n_a >= 2 and n_b >= 2:
        va, vb = la.var(ddof=1) / n_a, lb.var(ddof=1) / n_b
        se2 = va + vb
        df = se2**2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1)) if se2 > 0 else n_a + n_b - 2.0
    else:  # one side ran once: assume it varies as much as the other
        spread = (lb if n_b >= 2 else la).var(ddof=1)
        se2 = spread * (1 / n_a + 1 / n_b)
        df = float(max(n_a, n_b) - 1)
    half = _t_quantile(1 - (1 - confidence) / 2, df) * float(np.sqrt(se2))
    return RatioInterval(
        ratio, float(np.exp(diff - half)), float(np.exp(diff + half)), confidence, n_a, n_b
    )


def verdict(interval: RatioInterval, *, min_effect: float = DEFAULT_MIN_EFFECT) -> Verdict:
    """Say whether ``b`` is faster or slower than ``a``, or neither clearly.

    ``b`` is *faster* when the whole interval lies below 1 and the ratio is at
    least ``min_effect`` below 1; *slower* symmetrically (the ratio at least
    ``1 / (1 - min_effect)``); anything else is *no clear difference*.
    """
    if not 0 <= min_effect < 1:
        raise BenchError(f"min_effect must be in [0, 1), not {min_effect}")
    if interval.high < 1 and interval.ratio <= 1 - min_effect:
        return "faster"
    if interval.low > 1 and interval.ratio >= 1 / (1 - min_effect):
        return "slower"
    return "no clear difference"
