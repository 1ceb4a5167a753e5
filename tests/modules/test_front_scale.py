"""A scale-free front: the same front at 1 agent = 50 men and 1 agent = 400 men gives the same
desertions, surrenders, killed and force strength (units are men, not agents; issue 12), and a
scale that would leave the front a handful of agents is refused."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from exitwave.cli import app
from exitwave.engine import Simulation
from exitwave.errors import InputError
from exitwave.modules.force import GROUP_AGENTS, front_scale_problem, water_fill
from exitwave.scenario.load import load_scenario
from helpers import run_small

# the multi-year scenario's first 120 days (heavy combat, the call-up's men arriving), with the
# war-end draw off so that it does not stop the front on different days at the two scales
NO_WAR_END = {"front.war_end": {"rule": "none"}}
FIELDS = ("deserted", "surrendered", "killed", "force_strength")


@pytest.mark.slow
def test_front_results_agree_at_1_to_50_and_1_to_400() -> None:
    scenario = load_scenario("russia-2022-to-2025", overrides=NO_WAR_END)
    fine = run_small(scenario, scale=50, days=120, full_check_every=0).summary
    coarse = run_small(scenario, scale=400, days=120, full_check_every=0).summary
    for summary in (fine, coarse):
        assert summary["conservation_ok"]
        assert summary["deserted"] > 5_000 and summary["surrendered"] > 1_000  # enough to compare
    for key in FIELDS:
        assert coarse[key] == pytest.approx(fine[key], rel=0.15), key
    assert coarse["desertion_share_per_month"] == pytest.approx(fine["desertion_share_per_month"], rel=0.15)
    assert coarse["mean_morale"] == pytest.approx(fine["mean_morale"], abs=0.05)


def test_a_front_of_too_few_agents_is_refused_and_names_the_limit() -> None:
    scenario = load_scenario("russia-2022")  # 300,000 men in units of 500
    front = scenario.front
    assert front is not None
    limit = front.initial_strength / GROUP_AGENTS
    assert front_scale_problem(front, limit) is None
    assert "at most 30,000 men per agent" in (front_scale_problem(front, limit + 1) or "")
    Simulation(scenario, scale=20_000)  # 15 agents: accepted
    with pytest.raises(InputError, match="front.unit_size") as info:
        Simulation(scenario, scale=40_000)
    assert info.value.field == "--scale (population.scale)"
    small_front = load_scenario("russia-2022", overrides={"front.initial_strength": 0})
    assert "at most 50 men per agent" in (front_scale_problem(small_front.front, 100.0) or "")  # type: ignore[arg-type]
    result = CliRunner().invoke(app, ["run", "russia-2022", "--scale", "40000", "--days", "2"])
    assert result.exit_code == 2
    assert "population.scale" in result.output and "front of at least 10 agents" in result.output


def test_men_arriving_fill_the_units_furthest_below_establishment() -> None:
    level = np.array([500.0, 100.0, 300.0, 500.0, 0.0, 50.0])
    group = np.array([0, 0, 0, 1, 1, 1])
    add = water_fill(level, np.ones(6), group, np.array([300.0, 80.0]))
    assert add.sum() == pytest.approx(380.0)
    assert add[[0, 1, 2]].sum() == pytest.approx(300.0) and add[[3, 4, 5]].sum() == pytest.approx(80.0)
    assert (level + add)[1] == pytest.approx(350.0) and (level + add)[2] == pytest.approx(350.0)
    assert add[0] == 0.0  # full units get nothing while others are below
    assert (level + add)[4] == pytest.approx(65.0) and (level + add)[5] == pytest.approx(65.0)
    assert water_fill(level, np.ones(6), group, np.zeros(2)).sum() == 0.0
