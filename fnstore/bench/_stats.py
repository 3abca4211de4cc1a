"""Statistics of benchmark timings: summaries, ratio of medians, verdicts.

Everything here is plain numpy and deterministic: the bootstrap draws from a
``numpy.random.Generator`` seeded by the caller, so the same timings always
give the same interval and the same verdict.

Why medians and a bootstrap: round times are skewed (a few slow rounds from a
page fault or a context switch), so the median is the robust centre, and its
sampling distribution has no simple closed form; resampling each side's rounds
and taking the ratio of the resampled medians gives a confidence interval that
makes no assumption about the shape of the distribution.
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
