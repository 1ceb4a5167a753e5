"""Binomial draws by inversion (the front's men-level draws) against scipy's binomial quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from exitwave.kernels.binomial import binomial, binomial_inverse, split_binomial
from exitwave.random import uniform


@pytest.mark.parametrize(("n", "p"), [(1, 0.3), (10, 0.5), (500, 0.0015), (500, 0.9), (27_960, 0.05),
                                      (300_000, 0.002), (2_000_000, 0.3), (40, 1e-9)])
def test_inversion_is_the_binomial_quantile(n: int, p: float) -> None:
    u = np.random.default_rng(n).random(400)
    ours = np.array([binomial_inverse(x, n, p) for x in u])
    theirs = stats.binom.ppf(u, n, p)
    # a uniform within rounding of a CDF step may fall on either side of it
    near_step = np.abs(stats.binom.cdf(np.minimum(ours, theirs), n, p) - u) < 1e-9
    assert np.all((ours == theirs) | near_step)


def test_edge_cases() -> None:
    assert binomial_inverse(0.5, 0, 0.5) == 0
    assert binomial_inverse(0.99, 10, 0.0) == 0
    assert binomial_inverse(0.01, 10, 1.0) == 10
    assert binomial_inverse(0.0, 10, 0.5) == 0


def test_keyed_draws_are_reproducible_and_monotone_in_p() -> None:
    n = np.full(2_000, 500)
    low = binomial(7, 28, 3, n, 0.01)
    assert np.array_equal(low, binomial(7, 28, 3, n, 0.01))  # same key, same draws
    high = binomial(7, 28, 3, n, 0.02)
    assert np.all(high >= low)  # one uniform per draw: a higher p never draws fewer
    assert low.mean() == pytest.approx(5.0, rel=0.05)
    assert not np.array_equal(low, binomial(8, 28, 3, n, 0.01))  # another seed, other draws
    # the uniform of draw i is uniform(seed, stream, day, i)
    u = uniform(7, 28, 3, np.arange(5))
    assert [binomial_inverse(x, 500, 0.01) for x in u] == low[:5].tolist()


def test_split_adds_up_and_follows_the_weights() -> None:
    weight = np.array([0.0, 100.0, 300.0, 0.0, 600.0])
    draws = np.array([split_binomial(1, 31, day, 1_000, weight) for day in range(300)])
    assert (draws.sum(axis=1) == 1_000).all()
    assert (draws[:, [0, 3]] == 0).all()
    assert draws.mean(axis=0) / 1_000 == pytest.approx(weight / weight.sum(), abs=0.005)
    assert split_binomial(1, 31, 0, 0, weight).sum() == 0
