"""Reception: screening in transit, relocation by key, asylum decisions, returns."""

from __future__ import annotations

import numpy as np

from exitwave.modules.events import relocation_key
from exitwave.scenario.load import load_scenario
from exitwave.state import Status
from exitwave.world import load_world
from helpers import run_small


def test_eu2015_key_weights_population_and_gdp():
    world = load_world("russia-2022")
    members = world.country_group("EU")
    key = relocation_key(world, members, "eu2015")
    assert key.sum() == np.float64(1.0) or abs(key.sum() - 1) < 1e-12
    de, mt = world.country_index("DE"), world.country_index("MT")
    assert key[de] > 0.15 and key[mt] < 0.01
    assert key[world.country_index("KZ")] == 0  # not a member


def test_transit_screening_is_capacity_limited_and_catches_hostiles():
    scenario = load_scenario("asylum-coalition", overrides={"population.hostile_share": 0.01})
    keep: list = []
    results = run_small(scenario, keep=keep, scale=100, days=45)
    s = results.summary
    assert sum(s["relocated"].values()) > 0
    assert s["hostile_detected"] > 0
    for iso in ("EE", "LV", "LT"):
        assert iso not in s["relocated"]  # transit states relocate onwards, not to themselves
    # screening never clears more than its capacity: relocated + caught <= capacity × days
    schedule = keep[0].schedule
    capacity_total = schedule.screening_capacity.sum()
    assert sum(s["relocated"].values()) + s["hostile_detected"] <= capacity_total + 3 * s["scale"]
    # relocations follow the key: Germany gets more than Malta
    assert s["relocated"].get("DE", 0) > s["relocated"].get("MT", 0)


def test_asylum_grant_protects_and_refuse_does_not():
    grant = run_small("asylum-coalition", scale=500, days=80)
    status_quo = run_small("russia-2022", scale=500, days=80)
    assert grant.summary["protected"] > 10 * max(status_quo.summary["protected"], 1)


def test_returns_home_are_recorded():
    keep: list = []
    results = run_small("russia-2022", keep=keep, scale=500, days=100)
    state = keep[0].state
    returned = np.flatnonzero(state.status == Status.RETURNED)
    assert results.summary["returned"] > 0
    assert (state.depart_day[returned] >= 0).all()
    assert (state.country[returned] == -1).all()


def test_a_relocated_hostile_agent_is_admitted_once():
    # cleared in a Baltic transit state (admitted there), then relocated to another coalition
    # member: one admission, not two. Every admitted hostile agent is, at the end, in an EU or
    # NATO country or back home (a caught one is back home too, but was not admitted).
    scenario = load_scenario("asylum-coalition", overrides={"population.hostile_share": 0.01})
    keep: list = []
    results = run_small(scenario, keep=keep, scale=100, days=45)
    state, world, s = keep[0].state, keep[0].world, results.summary
    guarded = world.country_eu | world.country_nato
    hostile = state.pop.hostile
    in_guarded = hostile & (state.country >= 0) & guarded[np.maximum(state.country, 0)]
    back_home = hostile & (state.status == Status.RETURNED)
    assert sum(s["relocated"].values()) > 0 and s["hostile_admitted"] > 0
    # counters are whole men; the bound is in agents × men per agent (not exactly 100): 1 man of slack
    assert s["hostile_admitted"] <= s["scale"] * (in_guarded.sum() + back_home.sum()) - s["hostile_detected"] + 1


def _returns_around_the_end_of_the_callup(factor: float) -> tuple[float, float]:
    """Returns in the 10 days before and after the call-up ends (28 Oct 2022), people."""
    overrides = {"behaviour.return_rate": "0.01 per day", "behaviour.return_after_callup_factor": factor}
    results = run_small(load_scenario("russia-2022", overrides=overrides), scale=1000, days=56)
    returned = results.series["returned"]
    return (float(returned["2022-10-27"] - returned["2022-10-17"]),
            float(returned["2022-11-07"] - returned["2022-10-28"]))


def test_returns_rise_when_the_callup_ends_and_not_with_the_reaction_off():
    before, after = _returns_around_the_end_of_the_callup(4.0)
    assert before > 0 and after > 2.5 * before
    before_off, after_off = _returns_around_the_end_of_the_callup(1.0)
    assert after_off < 1.5 * before_off


def test_only_men_passing_through_move_on():
    nobody = run_small(load_scenario("russia-2022", overrides={"behaviour.transit_share": 0.0}), scale=1000, days=30)
    most = run_small(load_scenario("russia-2022", overrides={"behaviour.transit_share": 0.9}), scale=1000, days=30)
    assert nobody.series["moved_on"].iloc[-1] == 0
    assert most.series["moved_on"].iloc[-1] > 1000
