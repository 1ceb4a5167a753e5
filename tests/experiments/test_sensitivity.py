"""Sensitivity analysis: the SALib path recovers Ishigami's known indices; the model path runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exitwave.experiments.sensitivities import analyze, default_parameters, sample, sensitivity


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    s1 = np.array([v1, v2, 0.0]) / var
    st = np.array([v1 + v13, v2, v13]) / var
    return s1, st


def test_sobol_recovers_the_ishigami_indices_through_the_same_code_path():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sample("sobol", problem, 2048, seed=3)
    res = analyze("sobol", problem, x, ishigami(x), seed=3)
    s1, st = ishigami_indices()
    assert np.allclose(res["S1"], s1, atol=0.05)
    assert np.allclose(res["ST"], st, atol=0.05)


def test_morris_ranks_the_ishigami_inputs():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sample("morris", problem, 200, seed=3)
    res = analyze("morris", problem, x, ishigami(x), seed=3)
    assert res["mu_star"][1] > res["mu_star"][2] > 0  # x2 dominates in magnitude; x3 acts via x1
    assert res["sigma"][2] > 0


def test_model_sensitivity_names_the_leading_parameters():
    names = ["behaviour.threat_weight", "behaviour.asylum_value", "front.desertion_rate",
             "front.captor_credibility"]
    result = sensitivity("asylum-coalition", "morris", n=2, names=names, scale=20000, days=60)
    assert result.failures == 0
    assert result.leading("departed", 1) == ["behaviour.threat_weight"]
    frame = result.to_frame()
    # common random numbers: the captor's credibility cannot move the home front at all
    assert frame.loc[("departed", "front.captor_credibility"), "mu_star"] == 0.0
    assert frame.loc[("departed", "front.desertion_rate"), "mu_star"] == 0.0


def test_default_parameters_come_from_the_registry_with_ranges():
    names = default_parameters()
    assert "behaviour.threat_weight" in names and "front.captor_credibility" in names
    assert "population.scale" not in names and "front.unit_size" not in names


@pytest.mark.parametrize("bad", ["no.such.parameter"])
def test_unknown_parameters_are_refused(bad):
    from exitwave.errors import InputError

    with pytest.raises(InputError):
        sensitivity("russia-2022", "morris", n=2, names=[bad])
