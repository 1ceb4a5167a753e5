from __future__ import annotations

import numpy as np

from exitwave.scenario.load import load_scenario
from helpers import run_small


def test_summonses_match_quota_times_oversummons():
    keep: list = []
    results = run_small("russia-2022", keep=keep, scale=500, days=60)
    wave = results.scenario.mobilization.waves[0]
    expected = wave.quota * wave.oversummons
    assert abs(results.summary["summonses"] - expected) <= 2 * results.summary["scale"]


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
