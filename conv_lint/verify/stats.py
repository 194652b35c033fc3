"""Two-sample tests for "do these initializers draw from the same distribution?", in pure Python.

The parent process never imports NumPy or SciPy, and the samples are a few thousand floats, so
the two tests are written out here: the two-sample Kolmogorov-Smirnov test (any difference in
shape: uniform vs truncated normal with the same variance) and a variance-ratio test (a
difference in scale), the latter as a z-test on the log ratio with each sample's own kurtosis,
because an F-test is valid only for normal data and initializers are rarely normal.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import sub, truediv


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    std: float
    low: float
    high: float
    kurtosis: float  # m4 / m2**2: 1.8 for a uniform, 3 for a normal

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in ("n", "mean", "std", "low", "high", "kurtosis")}


def summarize(sample: Sequence[float]) -> Summary:
    n = len(sample)
    mean = math.fsum(sample) / n
    m2 = math.fsum((x - mean) ** 2 for x in sample) / n
    m4 = math.fsum((x - mean) ** 4 for x in sample) / n
    return Summary(n, mean, math.sqrt(m2), min(sample), max(sample), m4 / m2**2 if m2 > 0 else 0.0)


def ks_statistic(a: Sequence[float], b: Sequence[float]) -> float:
    """sup |F_a(x) - F_b(x)| over the pooled sample.

    Both empirical CDFs are right-continuous steps, so the sup is taken at a sample point,
    ties counted in (``bisect_right``). Written as ``map`` over C functions with no loop in
    Python (16384 draws a side: about 27 ms instead of 50): verify judges some 60 such pairs
    after its workers are done, so this time adds to every run's.
    """
    if not a or not b:
        return 0.0
    a, b = sorted(a), sorted(b)
    d = 0.0
    for own, other in ((a, b), (b, a)):
        # A sample's own CDF at its k-th point is k / n, unless the point repeats.
        ranks = range(1, len(own) + 1) if len(set(own)) == len(own) else map(bisect_right, repeat(own), own)
        cdf_own = map(truediv, ranks, repeat(len(own)))
        cdf_other = map(truediv, map(bisect_right, repeat(other), own), repeat(len(other)))
        d = max(d, max(map(abs, map(sub, cdf_own, cdf_other)), default=0.0))
    return d


def kolmogorov_sf(lam: float) -> float:
    """P(K > lam) for the Kolmogorov distribution, the large-sample law of sqrt(n_eff) * D."""
    if lam <= 0:
        return 1.0
    if lam < 1.18:  # the theta-function form converges fast for small lam
        terms = sum(math.exp(-((2 * j - 1) ** 2) * math.pi**2 / (8 * lam**2)) for j in range(1, 8))
        return 1.0 - math.sqrt(2 * math.pi) / lam * terms
    return 2 * sum((-1) ** (j - 1) * math.exp(-2 * j**2 * lam**2) for j in range(1, 101))


def ks_test(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Two-sample KS statistic D and its asymptotic p-value (scipy's ``method='asymp'`` limit)."""
    d = ks_statistic(a, b)
    effective = len(a) * len(b) / (len(a) + len(b))
    return d, min(1.0, max(0.0, kolmogorov_sf(math.sqrt(effective) * d)))


def variance_ratio_test(a: Summary, b: Summary) -> tuple[float, float, float]:
    """var_a / var_b, the z-score of its log, and the two-sided p-value.

    For large samples log(s^2) is normal with variance (kurtosis - 1) / n, whatever the
    distribution; that makes the test valid for uniform and truncated-normal draws alike.
    """
    ratio = (a.std / b.std) ** 2
    se = math.sqrt(max(a.kurtosis - 1, 1e-12) / a.n + max(b.kurtosis - 1, 1e-12) / b.n)
    z = math.log(ratio) / se
    return ratio, z, math.erfc(abs(z) / math.sqrt(2))
