"""The front: conservation with soldiers, baseline desertion, contagion, the credibility lever."""

from __future__ import annotations

import numpy as np
import pytest

from exitwave.modules.force import decay_memory, unit_hazards, usual_memory
from exitwave.scenario.load import load_scenario
from exitwave.scenario.schema import Front
from exitwave.state import Status
from helpers import run_small

QUIET = {"front.casualty_rate": {"quiet": "0 per day", "active": "0 per day", "heavy": "0 per day"},
         "front.phases": [], "mobilization.waves": [], "news": [], "front.contract_recruits": "0 per day",
         "front.war_end": {"rule": "none"}}


def test_conservation_covers_soldiers_every_day():
    results = run_small("russia-2022", scale=1000, days=109)
    s = results.summary
    assert s["conservation_ok"], s["conservation_problems"]
    assert s["force_strength"] > 0 and s["killed"] > 0 and s["wounded"] > 0
    statuses = [f"status.{st.name.lower()}" for st in Status]
    assert np.allclose(results.series[statuses].sum(axis=1), s["agents"] * s["scale"])


def test_front_results_are_deterministic():
    a = run_small("russia-2022", scale=2000, days=60, seed=3)
    b = run_small("russia-2022", scale=2000, days=60, seed=3)
    assert a.series.equals(b.series)


def test_a_front_without_shocks_keeps_desertion_at_its_baseline():
    # 1 agent = 10 men, units of 5,000 men (500 agents): one desertion is a 0.2 % event, not a
    # shock (at coarser scales random desertions are lumpy and self-excite a little more)
    scenario = load_scenario("russia-2022", overrides={**QUIET, "front.unit_size": 5000})
    results = run_small(scenario, scale=10, days=365, full_check_every=0)
    s = results.summary
    baseline = 0.003  # share of strength a month (Costa & Kahn 2003)
    assert s["desertion_share_per_month"] == pytest.approx(baseline, rel=0.1)
    assert s["killed"] == 0


def test_surrender_shock_raises_neighbours_hazard_and_decays():
    front = Front()
    n = 9
    morale = np.full(n, front.morale_base)
    calm = np.full(n, usual_memory(front))
    base_d, base_s = unit_hazards(front, morale, calm, usual_memory(front), front.casualty_rate.active)
    assert np.allclose(base_d, front.desertion_rate * np.exp(-front.coercion_effect * (front.coercion - 0.5)))
    shocked = calm.copy()
    shocked[4] += 0.05  # 5 % of unit 4 surrendered today
    d, s = unit_hazards(front, morale, shocked, usual_memory(front), front.casualty_rate.active)
    assert s[4] > s[3] > base_s[3] and s[5] > base_s[5]  # the unit most, its neighbours too
    assert s[0] == pytest.approx(base_s[0]) and d[8] == pytest.approx(base_d[8])  # far units not
    memory = shocked
    for _ in range(int(5 * front.memory_days)):
        memory = decay_memory(memory, front.memory_days) + calm * (1 - np.exp(-1 / front.memory_days))
    _, later = unit_hazards(front, morale, memory, usual_memory(front), front.casualty_rate.active)
    assert later[3] == pytest.approx(base_s[3], rel=0.02)


def test_captor_credibility_raises_surrenders_and_changes_nothing_else_at_home():
    isolate = {"front.contagion_unit": 0.0, "front.contagion_neighbours": 0.0,
               "front.contagion_army": 0.0, "front.morale_contagion_impact": 0.0,
               "front.war_end": {"rule": "none"}}
    low = run_small(load_scenario("russia-2022", overrides={**isolate, "front.captor_credibility": 0.3}),
                    scale=100, days=109, full_check_every=0)
    high = run_small(load_scenario("russia-2022", overrides={**isolate, "front.captor_credibility": 0.9}),
                     scale=100, days=109, full_check_every=0)
    assert high.summary["surrendered"] > 2 * low.summary["surrendered"]
    for key in ("departed", "mobilized", "recruited", "by_destination", "hiding"):
        assert high.summary[key] == low.summary[key], key  # common random numbers: same home front
    days = low.series["status.soldier"].sum()
    for key in ("killed", "wounded", "deserted"):
        per_soldier_day_low = low.summary[key] / days
        per_soldier_day_high = high.summary[key] / high.series["status.soldier"].sum()
        assert per_soldier_day_high == pytest.approx(per_soldier_day_low, rel=0.1), key


def test_wounded_burden_is_measured():
    results = run_small("russia-2022", scale=1000, days=109)
    s = results.summary
    front = results.scenario.front
    assert s["soldier_days_lost_to_care"] > 0
    # each day in care costs the wounded man and his carers
    wounded_days = results.series["status.wounded"].sum()
    assert s["soldier_days_lost_to_care"] == pytest.approx(wounded_days * (1 + front.carers_per_wounded), rel=0.01)


def test_recruits_come_from_poorer_men_than_leavers():
    keep: list = []
    run_small("russia-2022", keep=keep, scale=500, days=109)
    state = keep[0].state
    soldiers = np.isin(state.status, [Status.SOLDIER, Status.WOUNDED, Status.KILLED, Status.DESERTED,
                                      Status.SURRENDERED, Status.DISCHARGED])
    left = state.depart_day >= 0
    assert state.pop.means[soldiers].mean() < state.pop.means[left].mean()
    assert state.pop.passport[soldiers].mean() < state.pop.passport[left].mean()


def test_hotline_conversion_stays_well_under_one_percent():
    results = run_small("russia-2022", scale=20, days=109, full_check_every=0)
    s = results.summary
    assert s["hotline_contacts"] > 0
    assert s["hotline_surrenders"] / s["hotline_contacts"] < 0.02
