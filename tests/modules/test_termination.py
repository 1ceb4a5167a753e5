"""War end: the breakpoint rule ends on the first crossing day; the hazard rule's end dates follow
the log-logistic it was given."""

from __future__ import annotations

import numpy as np
import pytest

from exitwave.modules.termination import day_hazard, loglogistic_cdf
from exitwave.scenario.load import load_scenario
from helpers import run_small


def test_breakpoint_ends_the_war_on_the_first_day_the_threshold_is_crossed():
    scenario = load_scenario("russia-2022", overrides={
        "front.phases": [{"from": "2022-10-01", "intensity": "heavy"}],
        "front.casualty_rate": {"heavy": "0.03 per day"},
        "front.war_end": {"rule": "breakpoint"}})
    results = run_small(scenario, scale=1000, days=109)
    s = results.summary
    end = s["war_end_day"]
    assert end is not None
    strength = results.series["status.soldier"].to_numpy()
    morale = results.series["mean_morale"].to_numpy()
    loss, morale_floor = s["war_end_thresholds"]["loss"], s["war_end_thresholds"]["morale"]
    peak = np.maximum.accumulate(strength)
    crossed = (strength < (1 - loss) * peak) | (morale < morale_floor)
    assert int(np.argmax(crossed)) == end
    # the front stops: nothing more happens there after the end
    killed = results.series["killed"].to_numpy()
    assert killed[-1] == killed[end]


def test_hazard_rule_end_dates_follow_the_loglogistic():
    median, shape, age0, horizon = 139.0, 1.39, 200, 3000
    increments = np.array([day_hazard(age0 + d, median, shape) for d in range(horizon)])
    cumulative = np.cumsum(increments)
    rng = np.random.default_rng(5)
    draws = rng.exponential(size=20_000)
    end = np.searchsorted(cumulative, draws)  # first day the cumulative hazard reaches the draw
    ended = end < horizon
    days = np.arange(horizon)
    empirical = np.array([(end <= d).mean() for d in days[::25]])
    survive0 = 1 - loglogistic_cdf(age0, median, shape)
    expected = 1 - (1 - loglogistic_cdf(age0 + days[::25] + 1, median, shape)) / survive0
    assert np.max(np.abs(empirical - expected)) < 0.015  # KS-type bound for n = 20,000
    assert ended.mean() == pytest.approx(expected[-1], abs=0.015)


def test_hazard_rule_gives_a_distribution_of_end_dates_across_seeds():
    scenario = load_scenario("russia-2022", overrides={"front.war_end": {"rule": "hazard", "median_days": 60}})
    ends = [run_small(scenario, scale=20000, days=200, seed=s, full_check_every=0).summary["war_end_day"]
            for s in range(1, 9)]
    finished = [e for e in ends if e is not None]
    assert len(set(finished)) > 1  # a distribution, not one date
