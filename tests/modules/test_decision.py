"""Decision: hazard and threshold rules, summoned choices."""

from __future__ import annotations

import numpy as np

from exitwave.scenario.load import load_scenario
from exitwave.state import Status
from exitwave.vocabulary import RECRUIT_STATUSES
from helpers import run_small


def test_threshold_rule_runs_and_cascades_through_contacts():
    scenario = load_scenario("russia-2022", overrides={
        "behaviour.decision_rule": "threshold", "population.threshold_mean": 0.05,
        "population.threshold_sd": 0.02})
    results = run_small(scenario, scale=1000, days=40)
    hazard_only = run_small(load_scenario("russia-2022", overrides={
        "behaviour.network_odds_per_contact_abroad": 1.0}), scale=1000, days=40)
    assert results.summary["conservation_ok"]
    assert results.summary["departed"] > hazard_only.summary["departed"]


def test_network_term_raises_decisions_to_leave():
    # decisions, not crossings: when every crossing runs at capacity, more leavers queue longer
    keep: list = []
    run_small(load_scenario("russia-2022", overrides={
        "behaviour.network_odds_per_contact_abroad": 1.0}), keep=keep, scale=1000, days=40)
    run_small(load_scenario("russia-2022", overrides={
        "behaviour.network_odds_per_contact_abroad": 2.46}), keep=keep, scale=1000, days=40)
    weak, strong = ((sim.state.depart_day >= 0).sum() for sim in keep)
    assert strong > weak


def test_summoned_men_leave_hide_or_report():
    keep: list = []
    results = run_small("russia-2022", keep=keep, scale=1000, days=40)
    state = keep[0].state
    summoned = np.flatnonzero(state.summoned_day >= 0)
    assert summoned.size > 0
    outcome = np.bincount(state.status[summoned], minlength=len(Status))
    assert outcome[Status.MOBILIZED] > 0
    assert results.series["went_into_hiding"].iloc[-1] > 0
    left = (state.depart_day[summoned] >= state.summoned_day[summoned]).sum()
    assert left > 0
    scale = results.summary["scale"]
    # every mobilized man was summoned first, so the summoned account for all of them
    taken = sum(outcome[s] for s in RECRUIT_STATUSES)  # mobilized, whatever became of them since
    assert abs(results.summary["mobilized"] - taken * scale) <= scale


def test_leavers_are_selected_not_assumed():
    """Who leaves emerges from means, passport and region: leavers are better off."""
    keep: list = []
    run_small("russia-2022", keep=keep, scale=500, days=30)
    state = keep[0].state
    left = state.depart_day >= 0
    assert state.pop.means[left].mean() > state.pop.means[~left].mean()
    assert state.pop.passport[left].mean() > state.pop.passport[~left].mean()
