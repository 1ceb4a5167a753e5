import numpy as np
from numba import njit

from exitwave.random import Stream, exponential, normal, stream_key, uniform, uniform_at


@njit
def _scalar_twin(key, agents):
    out = np.empty(agents.shape[0])
    for i in range(agents.shape[0]):
        out[i] = uniform_at(key, agents[i])
    return out


def test_numpy_and_numba_twins_agree_bit_for_bit():
    agents = np.arange(0, 100_000, 7, dtype=np.int64)
    key = np.uint64(stream_key(42, int(Stream.ROUTE), 17))
    assert np.array_equal(uniform(42, Stream.ROUTE, 17, agents), _scalar_twin(key, agents))


def test_draws_are_a_pure_function_of_the_counter():
    agents = np.array([5, 1, 99, 5], dtype=np.int64)
    a = uniform(7, Stream.ROUTE, 3, agents)
    b = uniform(7, Stream.ROUTE, 3, agents[::-1])[::-1]
    assert np.array_equal(a, b)
    assert a[0] == a[3]
    assert not np.array_equal(a, uniform(8, Stream.ROUTE, 3, agents))
    assert not np.array_equal(a, uniform(7, Stream.SWITCH, 3, agents))
    assert not np.array_equal(a, uniform(7, Stream.ROUTE, 4, agents))


def test_uniforms_look_uniform_and_independent():
    u = uniform(1, Stream.SUMMONS, 0, np.arange(200_000))
    assert u.min() >= 0.0 and u.max() < 1.0
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    expected = u.size / 20
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 45.3  # 99.9 % quantile of chi-square with 19 degrees of freedom
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


def test_exponential_and_normal_moments():
    agents = np.arange(200_000)
    e = exponential(3, Stream.PATIENCE, 0, agents)
    z = normal(3, Stream.MEANS, 0, agents)
    assert abs(e.mean() - 1.0) < 0.01 and abs(e.var() - 1.0) < 0.03
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01


def test_large_arrays_take_the_parallel_path_with_identical_bits():
    from exitwave import random as rnd

    agents = np.arange(rnd._PARALLEL_FROM + 5, dtype=np.int64)[::-1].copy()
    big = uniform(9, Stream.MEANS, 2, agents)
    small = np.concatenate([uniform(9, Stream.MEANS, 2, agents[i: i + 50_000])
                            for i in range(0, agents.size, 50_000)])
    assert np.array_equal(big, small)


def test_small_and_large_arrays_draw_the_same_exponentials_and_normals():
    """Small arrays use a serial kernel, large ones a parallel one: the same scalar code."""
    from exitwave.random import _PARALLEL_FROM, exponential, normal

    agents = np.arange(_PARALLEL_FROM + 5, dtype=np.int64) * 3 + 1
    few = agents[:1000]
    assert np.array_equal(exponential(7, 9, 3, agents)[:1000], exponential(7, 9, 3, few))
    assert np.array_equal(normal(7, 9, 3, agents)[:1000], normal(7, 9, 3, few))
