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


# -- the default prior: fitted to interstate war durations, and it does not decide the answer ------

def test_default_prior_reproduces_the_war_durations_it_is_fitted_to():
    from exitwave.scenario.schema import WarEnd

    w = WarEnd()
    # UCDP interstate wars since 1946 (Jensen, CSIS 2022): 26 % end within 30 days, 51 % within a year
    assert loglogistic_cdf(30, w.median_days, w.shape) == pytest.approx(0.26, abs=0.01)
    assert loglogistic_cdf(365, w.median_days, w.shape) == pytest.approx(0.51, abs=0.01)
    # ... and those that pass a year last over a decade: their median total duration, in years
    past_year = 1 - loglogistic_cdf(365, w.median_days, w.shape)
    x = 1 / (past_year / 2) - 1  # odds of the log-logistic at the median of the wars past a year
    assert w.median_days * x ** (1 / w.shape) / 365.25 > 10
    # a war that has lasted is likely to last longer: the daily hazard falls with the war's age
    hazards = [day_hazard(a, w.median_days, w.shape) for a in (30, 200, 365, 1000)]
    assert hazards == sorted(hazards, reverse=True)


def test_the_multi_year_scenario_does_not_end_the_war_in_its_first_months_by_the_prior():
    scenario = load_scenario("russia-2022-to-2025")
    assert scenario.front is not None
    w = scenario.front.war_end
    age0 = (scenario.time.start - w.war_start).days
    survive0 = 1 - loglogistic_cdf(age0, w.median_days, w.shape)

    def ended_by(date: str) -> float:
        import datetime as dt

        age = (dt.date.fromisoformat(date) - w.war_start).days
        return float(1 - (1 - loglogistic_cdf(age, w.median_days, w.shape)) / survive0)

    # the baseline prior alone (before the morale and strength shifts): the earlier COW prior gave 34 %
    # before 2023 and 82 % by Aug 2024
    assert ended_by("2023-01-01") < 0.10
    assert ended_by("2024-09-01") < 0.35


# -- war end off, and the front while the war goes on -------------------------------------------------

def _early_end(rule: str):
    # the army breaks as soon as mean morale falls below 0.59–0.6: the war ends within days
    return load_scenario("russia-2022", overrides={"front.war_end": {
        "rule": rule, "morale_threshold_low": 0.59, "morale_threshold_high": 0.6}})


def test_war_end_off_leaves_the_front_running_and_identical_until_the_end_day():
    ended = run_small(_early_end("breakpoint"), scale=20000, days=60, full_check_every=0)
    going = run_small(_early_end("none"), scale=20000, days=60, full_check_every=0)
    end = ended.summary["war_end_day"]
    assert end is not None and end < 50
    assert going.summary["war_end_day"] is None and going.summary["days_at_war"] == 60
    a, b = ended.series["deserted"].to_numpy(), going.series["deserted"].to_numpy()
    assert np.array_equal(a[: end + 1], b[: end + 1])  # the same seed: the same front until the end
    assert a[-1] == a[end] < b[-1]  # frozen after the end with the rule on, still running with it off
    assert "war end off" in going.summary["war_end_prior"]
    assert "Helmbold" in ended.summary["war_end_prior"]


def test_front_while_at_war_is_the_front_divided_by_the_time_at_war():
    results = run_small(_early_end("breakpoint"), scale=20000, days=60, full_check_every=0)
    s = results.summary
    days = s["war_end_day"] + 1  # the front fights on the day the war ends
    assert s["days_at_war"] == days
    months = days / (365.25 / 12)
    for name in ("killed", "deserted", "surrendered"):
        assert s["per_month_at_war"][name] == pytest.approx(s[name] / months, rel=1e-3, abs=0.1)
    soldiers = results.series["status.soldier"].to_numpy()[:days].mean()
    assert s["desertion_share_per_month_at_war"] == pytest.approx(s["deserted"] / soldiers / months, rel=1e-3)
    # over the whole run the same desertions are spread over more months: the run's rate is lower
    assert s["desertion_share_per_month"] < s["desertion_share_per_month_at_war"]
    last_day = results.series.iloc[days - 1]  # (the series is rounded to 3 decimals)
    assert s["force_strength_last_day_at_war"] == pytest.approx(last_day["status.soldier"], abs=1)
    assert s["mean_morale_last_day_at_war"] == pytest.approx(last_day["mean_morale"], abs=1e-3)
