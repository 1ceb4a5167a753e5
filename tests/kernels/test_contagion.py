"""The contagion kernel the engine runs, against analytic results.

* Granovetter (1978): with normally distributed thresholds the final share of a threshold
  cascade in a well-mixed population is the first fixed point of r = F(r) reached from F(0).
* Watts (2002): on an Erdős–Rényi graph with uniform threshold φ, global cascades from one seed
  are possible only inside a window of mean degree z, given by
  Σ_k k(k−1) p_k 1{k ≤ 1/φ} = z; for φ = 0.18 the window is 1.02 < z < 5.76.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from exitwave.kernels.contagion import threshold_cascade


def erdos_renyi_csr(n: int, mean_degree: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    m = rng.poisson(mean_degree * n / 2)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    a, b = a[keep], b[keep]
    pairs = np.unique(np.sort(np.stack([a, b], 1), axis=1), axis=0)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.argsort(src, kind="stable")
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=offsets[1:])
    return offsets, dst[order].astype(np.int64)


def _normal_cdf(x: float, mean: float, sd: float) -> float:
    return 0.5 * (1 + math.erf((x - mean) / (sd * math.sqrt(2))))


def granovetter_fixed_point(mean: float, sd: float) -> float:
    r = _normal_cdf(0.0, mean, sd)
    for _ in range(10_000):
        nxt = _normal_cdf(r, mean, sd)
        if abs(nxt - r) < 1e-12:
            break
        r = nxt
    return r


@pytest.mark.parametrize("sd", [0.06, 0.09, 0.2, 0.3])
def test_granovetter_final_size_matches_fixed_point(sd):
    rng = np.random.default_rng(11)
    n, mean = 4000, 0.25
    offsets, neighbours = erdos_renyi_csr(n, 400, rng)  # dense: each man sees the crowd
    threshold = rng.normal(mean, sd, n)
    seeds = np.flatnonzero(threshold <= 0)
    final = threshold_cascade(offsets, neighbours, np.clip(threshold, 0, 1), seeds).mean()
    expected = granovetter_fixed_point(mean, sd)
    assert final == pytest.approx(expected, abs=0.03), (sd, final, expected)


def test_granovetter_critical_spread_separates_small_and_total_outcomes():
    # Granovetter's example: mean 0.25, the outcome jumps to ~100 % near sd ≈ 0.12
    assert granovetter_fixed_point(0.25, 0.11) < 0.05
    assert granovetter_fixed_point(0.25, 0.13) > 0.95


def watts_condition(z: float, phi: float) -> float:
    """Σ_k k(k−1) p_k 1{k ≤ 1/φ} / z for Poisson(z) degrees (> 1 ⇒ cascades possible)."""
    k_max = math.floor(1 / phi)
    total = sum(k * (k - 1) * math.exp(-z) * z**k / math.factorial(k) for k in range(k_max + 1))
    return total / z


def test_watts_analytic_window_for_phi_018():
    zs = np.linspace(0.5, 8, 3001)
    inside = zs[[watts_condition(z, 0.18) > 1 for z in zs]]
    assert inside.min() == pytest.approx(1.02, abs=0.02)
    assert inside.max() == pytest.approx(5.76, abs=0.02)


def cascade_frequency(z: float, trials: int, n: int = 4000, phi: float = 0.18) -> float:
    rng = np.random.default_rng(int(z * 1000))
    hits = 0
    for _ in range(trials):
        offsets, neighbours = erdos_renyi_csr(n, z, rng)
        seed = np.array([rng.integers(n)])
        active = threshold_cascade(offsets, neighbours, np.full(n, phi), seed)
        hits += active.mean() > 0.1
    return hits / trials


def test_watts_cascades_happen_inside_the_window_and_not_outside():
    assert cascade_frequency(3.0, 60) > 0.15
    assert cascade_frequency(0.6, 60) == 0.0
    assert cascade_frequency(9.0, 60) == 0.0
