from __future__ import annotations

import numpy as np

from exitwave.scenario.load import load_scenario
from helpers import run_small

DECREE_END = 45  # days from 14 Sep to 28 Oct 2022, the end of the bundled decree


def test_the_state_replaces_the_men_it_loses_until_the_quota_is_met():
    results = run_small("russia-2022", scale=1000, days=DECREE_END)
    wave = results.scenario.mobilization.waves[0]
    summary = results.summary
    # men fled, hid or were exempt, so the first round of summonses was not enough
    assert summary["replacement_summonses"] > 0
    assert summary["summonses"] > wave.quota * wave.oversummons
    assert summary["exempted"] > 0
    assert summary["mobilized"] >= 0.85 * wave.quota
    assert summary["mobilization_shortfall"] == max(0, wave.quota - summary["mobilized"])


def test_a_quota_beyond_the_draft_offices_capacity_is_not_met():
    capacity = 3000.0
    sc = load_scenario("russia-2022", overrides={"mobilization.waves": [
        {"date": "2022-09-21", "quota": 300000, "summons_days": 37, "pace_days": 37,
         "capacity_per_day": capacity}]})
    results = run_small(sc, scale=1000, days=DECREE_END)
    summary = results.summary
    assert summary["summonses"] <= capacity * 37 + 1000  # one agent of rounding
    assert summary["mobilization_shortfall"] > 0.5 * 300000


def test_closing_the_exits_moves_the_shortfall():
    """Whether the quota is met is an outcome: with open exits unwilling men leave and the state
    spends summonses replacing them; with a capacity that is tight for that (10,000 summonses a
    day), the shortfall is larger with the exits open than closed."""
    def run(closure: dict | None):
        overrides = {"countermeasures.exit_closure": closure, "front": None,
                     "mobilization.waves": [{"date": "2022-09-21", "quota": 300000, "summons_days": 37,
                                             "pace_days": 37, "capacity_per_day": 10000.0}]}
        return run_small(load_scenario("russia-2022", overrides=overrides), scale=1000, days=DECREE_END).summary

    open_exits = run(None)
    closed = run({"from": "2022-09-21"})
    assert open_exits["departed"] > 0 == closed["departed"]
    assert closed["mobilized"] > open_exits["mobilized"]
    assert closed["mobilization_shortfall"] + 20000 < open_exits["mobilization_shortfall"]


def test_summons_only_eligible_men_and_weighted_regions():
    keep: list = []
    # without a front, so that no man of the high-weight regions is already a soldier
    run_small(load_scenario("russia-2022", overrides={"front": None}), keep=keep, scale=500, days=60)
    state, world = keep[0].state, keep[0].world
    summoned = state.summoned_day >= 0
    assert state.pop.reservist[summoned].all()
    assert (state.pop.age[summoned] <= 49).all() and (state.pop.age[summoned] >= 18).all()
    rate = np.bincount(state.pop.region[summoned], minlength=world.n_regions) / np.maximum(
        np.bincount(state.pop.region, minlength=world.n_regions), 1)
    buryatia, moscow = world.region_ids.index("RU-BU"), world.region_ids.index("RU-MOW")
    assert rate[buryatia] > 3 * rate[moscow]


def test_enforcement_finds_men_in_hiding():
    strict = run_small(load_scenario("russia-2022", overrides={
        "mobilization.enforcement_rate": "0.2 per day"}), scale=1000, days=60)
    lax = run_small(load_scenario("russia-2022", overrides={
        "mobilization.enforcement_rate": "0 per day"}), scale=1000, days=60)
    assert strict.series["found_in_hiding"].iloc[-1] > 0
    assert lax.series["found_in_hiding"].iloc[-1] == 0
    assert strict.summary["hiding"] <= lax.summary["hiding"]
