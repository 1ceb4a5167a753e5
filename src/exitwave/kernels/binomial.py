"""Binomial draws by inversion of one keyed uniform each (the front's men-level draws).

``binomial(seed, stream, day, n, p)`` draws ``X_i ~ Binomial(n_i, p_i)`` for i = 0, 1, … as
``X_i = min{k : F(k; n_i, p_i) ≥ U_i}`` with ``U_i = uniform(seed, stream, day, i)``. One uniform
per draw, a pure function of (seed, stream, day, i): results do not depend on the other draws of
the day, and two runs that differ only in ``p`` (a policy) draw with the same uniforms, so
``X`` moves monotonically with ``p`` and ``n`` (common random numbers at the level of a unit).

The CDF is summed over the window ``n·p ± (12·sd + 10)`` (the mass outside is below 1e-30),
starting from the log-pmf at its lower end (``math.lgamma``) and stepping with the pmf ratio, so a
draw costs O(sd + 10) whatever ``n``. ``tests/kernels/test_binomial.py`` checks it against
``scipy.stats.binom.ppf``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from exitwave.random import key_for, uniform_at

__all__ = ["binomial", "binomial_inverse", "split_binomial"]


@njit(cache=True)
def binomial_inverse(u: float, n: int, p: float) -> int:
    """The smallest k with P(Binomial(n, p) ≤ k) ≥ u."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    mean = n * p
    sd = math.sqrt(mean * (1.0 - p))
    lo = max(0, int(math.floor(mean - 12.0 * sd - 10.0)))
    hi = min(n, int(math.ceil(mean + 12.0 * sd + 10.0)))
    log_q = math.log1p(-p)
    ratio = p / (1.0 - p)
    pmf = math.exp(math.lgamma(n + 1.0) - math.lgamma(lo + 1.0) - math.lgamma(n - lo + 1.0)
                   + lo * math.log(p) + (n - lo) * log_q)
    cdf = pmf
    k = lo
    while cdf < u and k < hi:
        pmf *= (n - k) / (k + 1.0) * ratio
        k += 1
        cdf += pmf
    return k


@njit(cache=True)
def _binomial_many(key: np.uint64, n: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    for i in range(n.shape[0]):
        out[i] = binomial_inverse(uniform_at(key, i), n[i], p[i])


def binomial(seed: int, stream: int, day: int, n: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """``Binomial(n_i, p_i)`` for each i, by inversion of ``uniform(seed, stream, day, i)``."""
    n = np.ascontiguousarray(n, dtype=np.int64)
    p = np.ascontiguousarray(np.broadcast_to(np.asarray(p, dtype=np.float64), n.shape))
    out = np.empty(n.shape, np.int64)
    _binomial_many(key_for(seed, stream, day), n.ravel(), p.ravel(), out.ravel())
    return out


@njit(cache=True)
def _split(key: np.uint64, total: int, weight: np.ndarray, out: np.ndarray) -> None:
    suffix = np.empty(weight.shape[0] + 1)  # weight of this bin and all after it
    suffix[-1] = 0.0
    for i in range(weight.shape[0] - 1, -1, -1):
        suffix[i] = suffix[i + 1] + weight[i]
    left = total
    for i in range(weight.shape[0]):
        if left <= 0 or weight[i] <= 0.0:
            out[i] = 0
            continue
        # the last bin with weight gets exactly what is left (weight / weight is 1.0)
        out[i] = binomial_inverse(uniform_at(key, i), left, weight[i] / suffix[i])
        left -= out[i]


def split_binomial(seed: int, stream: int, day: int, total: int, weight: np.ndarray) -> np.ndarray:
    """``total`` items spread over bins in proportion to ``weight`` (a multinomial draw, as a chain of
    binomials, one keyed uniform per bin)."""
    weight = np.ascontiguousarray(weight, dtype=np.float64)
    out = np.zeros(weight.shape, np.int64)
    if total > 0 and weight.sum() > 0:
        _split(key_for(seed, stream, day), int(total), weight, out)
    return out
