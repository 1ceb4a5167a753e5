"""Reception: screening in transit, relocation by key, asylum decisions, returns."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

import exitwave
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


# -- host countries' stay rules -------------------------------------------------------------

def _world_with_stay_rules(tmp_path: Path, rules: dict[str, tuple[str, str, str]]) -> Path:
    """A scenario of the russia-2022 status quo in a copy of its world whose only stay rules are
    ``rules`` (``{iso2: (stay_limit_days, visa_runs, visa_runs_until)}``); returns its YAML."""
    world = tmp_path / "world"
    shutil.copytree(Path(exitwave.__file__).parent / "data" / "worlds" / "russia-2022", world)
    path = world / "countries.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for row in rows[1:]:
        limit, runs, until = rules.get(row[header.index("iso2")], ("", "", ""))
        row[header.index("stay_limit_days")] = limit
        row[header.index("visa_runs")] = runs
        row[header.index("visa_runs_until")] = until
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("extends: russia-2022\nworld: world\n", encoding="utf-8")
    return scenario


def _stay_run(scenario: Path, days: int = 70, **behaviour: object) -> tuple[object, object]:
    loaded = load_scenario(scenario, overrides={f"behaviour.{k}": v for k, v in behaviour.items()})
    keep: list = []
    results = run_small(loaded, keep=keep, scale=1000, days=days, source=scenario)
    return results, keep[0]


def test_nobody_without_a_permit_stays_past_the_limit_where_visa_runs_are_barred(tmp_path: Path) -> None:
    scenario = _world_with_stay_rules(tmp_path, {"KZ": ("20", "false", "")})
    results, sim = _stay_run(scenario, days=35, residence_permit_share=0.2)
    state, kz = sim.state, sim.world.country_index("KZ")
    reception = next(m for m in sim.modules if m.name == "reception")
    in_kz = np.flatnonzero(np.isin(state.status, (Status.ABROAD,)) & (state.country == kz))
    bound = in_kz[~reception.resident[in_kz]]
    last_day = results.series.shape[0] - 1
    assert in_kz.size > 20 and bound.size > 0
    assert (last_day - reception.stay_since[bound] < 20).all()  # every man without a permit is within his term
    s = results.summary
    assert s["stay_limit_exits"] > 0 and s["visa_runs"] == 0
    # about a fifth of the men at the limit hold a permit (keyed draws: ±4 standard errors)
    at_limit = s["stay_limit_exits"] + s["residence_permits"]
    share = s["residence_permits"] / at_limit
    assert abs(share - 0.2) < 4 * np.sqrt(0.2 * 0.8 / (at_limit / s["scale"]))


def test_visa_runs_keep_men_in_the_country_until_they_are_barred(tmp_path: Path) -> None:
    barred_from = "2022-11-10"  # day 50 of the run
    scenario = _world_with_stay_rules(tmp_path, {"KZ": ("20", "true", "2022-11-09")})
    results, _ = _stay_run(scenario, residence_permit_share=0.0)
    exits, runs = results.series["stay_limit_exits"], results.series["visa_runs"]
    assert runs.loc[:"2022-11-09"].iloc[-1] > 0 and exits.loc[:"2022-11-09"].iloc[-1] == 0
    assert exits.iloc[-1] > 0 and runs.iloc[-1] == runs.loc[:"2022-11-09"].iloc[-1]
    assert results.series["abroad.KZ"].loc[barred_from:].iloc[-1] < 0.8 * results.series["abroad.KZ"].loc[barred_from]


def test_men_forced_out_go_home_or_onward_by_their_share(tmp_path: Path) -> None:
    scenario = _world_with_stay_rules(tmp_path, {"KZ": ("20", "false", "")})
    quiet = {"residence_permit_share": 0.0, "onward_rate": "0 per day", "transit_share": 0.0}
    home, _ = _stay_run(scenario, stay_limit_return_share=1.0, **quiet)
    onward, _ = _stay_run(scenario, stay_limit_return_share=0.0, **quiet)
    assert home.summary["stay_limit_exits"] > 0 and home.series["moved_on"].iloc[-1] == 0
    assert onward.series["moved_on"].iloc[-1] > 0.5 * onward.summary["stay_limit_exits"]
    assert home.summary["returned"] > onward.summary["returned"]


def test_stay_limits_switched_off_is_the_world_without_rules(tmp_path: Path) -> None:
    bundled = run_small(load_scenario("russia-2022", overrides={"behaviour.stay_limits": "none"}), scale=1000, days=70)
    without = _stay_run(_world_with_stay_rules(tmp_path, {}))[0]
    assert bundled.summary["visa_runs"] == bundled.summary["stay_limit_exits"] == 0
    pd.testing.assert_frame_equal(bundled.series, without.series)
