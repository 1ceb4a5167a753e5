"""The front: conservation with soldiers, baseline desertion, contagion, the credibility lever."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from exitwave.engine import Simulation
from exitwave.modules.force import (
    branching_ratio,
    contagion_hazard,
    decay_memory,
    deserter_refuge,
    excitation_matrix,
    own_hazards,
    stability_line,
    stability_verdict,
    surrender_choice,
    unit_hazards,
)
from exitwave.registry import parameters
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
    # a quiet front, contagion at the top of its registry range: in units of 500 men one desertion
    # is a 0.2 % event, but chance exits above the expected are as likely as exits below it, and
    # contagion acts on the excess over the expected only
    scenario = load_scenario("russia-2022", overrides={**QUIET, **TOP_CONTAGION})
    results = run_small(scenario, scale=100, days=365, full_check_every=0)
    s = results.summary
    baseline = 0.003  # share of strength a month (Costa & Kahn 2003)
    assert s["desertion_share_per_month"] == pytest.approx(baseline, rel=0.1)
    assert s["killed"] == 0


def test_surrender_shock_raises_neighbours_hazard_and_decays():
    front = Front()
    n = 9
    morale = np.full(n, front.morale_base)
    calm = np.zeros(n)  # exits as the units' own hazards expected: no excess
    base_d, base_s = unit_hazards(front, morale, calm, 0.0, front.casualty_rate.active)
    own_d, own_s = own_hazards(front, morale, front.casualty_rate.active)
    assert np.allclose(base_d, own_d) and np.allclose(base_s, own_s)
    assert np.allclose(base_d, front.desertion_rate * np.exp(-front.coercion_effect * (front.coercion - 0.5)))
    shocked = calm.copy()
    shocked[4] += 0.05  # 5 % of unit 4 surrendered today, beyond what was expected
    d, s = unit_hazards(front, morale, shocked, 0.05 / n, front.casualty_rate.active)
    assert s[4] > s[3] > base_s[3] and s[5] > base_s[5]  # the unit most, its neighbours too
    assert s[3] == pytest.approx(s[5])
    assert s[0] > base_s[0] and s[0] < s[3]  # far units only through the army's news
    memory = shocked
    for _ in range(int(5 * front.memory_days)):
        memory = decay_memory(memory, front.memory_days)
    _, later = unit_hazards(front, morale, memory, float(memory.mean()), front.casualty_rate.active)
    assert later[3] == pytest.approx(base_s[3], rel=0.02)


def test_branching_ratio_is_the_spectral_radius_of_the_excitation_kernel():
    front = Front(contagion_unit=0.4, contagion_neighbours=0.3, contagion_army=0.1)
    assert branching_ratio(front) == pytest.approx(0.8)
    for n in (1, 2, 3, 7):
        matrix = excitation_matrix(front, np.full(n, 500.0))
        assert np.allclose(matrix.sum(axis=0), 0.8)  # each excess exit's offspring
        assert max(abs(np.linalg.eigvals(matrix))) == pytest.approx(0.8)
    # by hand on three units: B = 0.4 I + 0.3 (S + Sᵀ)/2 + 0.1/3 · 11ᵀ
    shift = np.roll(np.eye(3), 1, axis=0)
    by_hand = 0.4 * np.eye(3) + 0.15 * (shift + shift.T) + 0.1 / 3
    assert np.allclose(excitation_matrix(front, np.full(3, 500.0)), by_hand)
    # the cascade the model's own memory produces: one excess exit per man in unit 0 sets off
    # ratio / (1 − ratio) = 4 more in all, generation after generation, day by day
    n, excess, army, total = 5, np.zeros(5), 0.0, 0.0
    excess[0] = 1.0
    army = 1.0 / n
    for _ in range(4000):
        born = contagion_hazard(front, excess, army)
        total += born.sum() / n  # per man of the army (units of equal strength)
        excess = decay_memory(excess, front.memory_days) + born
        army = float(excess.mean())
    assert total * n == pytest.approx(0.8 / (1 - 0.8), rel=1e-3)


def test_contagion_at_or_above_runaway_is_refused_and_verdicts_are_plain():
    from exitwave.errors import InputError

    with pytest.raises(InputError, match="contagion_unit \\+ contagion_neighbours \\+ contagion_army"):
        load_scenario("russia-2022", overrides={"front.contagion_unit": 0.7, "front.contagion_neighbours": 0.3,
                                                "front.contagion_army": 0.1})
    assert stability_verdict(0.5) == "stable"
    assert stability_verdict(0.9) == "near-critical"
    assert stability_verdict(1.0) == "runaway"
    front = load_scenario("russia-2022").front
    assert front is not None
    assert "branching ratio 0.5 " in stability_line(front) and "stable" in stability_line(front)


def test_the_registry_bounds_contagion_below_runaway():
    top = {p.name: p.high for p in parameters()}
    ratio = top["front.contagion_unit"] + top["front.contagion_neighbours"] + top["front.contagion_army"]
    assert ratio < 1.0
    Front(contagion_unit=top["front.contagion_unit"], contagion_neighbours=top["front.contagion_neighbours"],
          contagion_army=top["front.contagion_army"])  # accepted: the sampled ranges never run away


CONTAGION = ("front.contagion_unit", "front.contagion_neighbours", "front.contagion_army",
             "front.morale_contagion_impact")
TOP_CONTAGION = {p.name: p.high for p in parameters() if p.name in CONTAGION}
NO_CONTAGION = {"front.contagion_unit": 0.0, "front.contagion_neighbours": 0.0, "front.contagion_army": 0.0,
                "front.morale_contagion_impact": 0.0}
STEADY = {"front.phases": [], "front.default_intensity": "active", "mobilization.waves": [], "news": [],
          "front.contract_recruits": "0 per day", "front.war_end": {"rule": "none"}}


def test_steady_fighting_does_not_switch_contagion_on():
    # active combat every day (casualties on, morale driven down by them), no shock: contagion at
    # the top of its registry range gives the desertions and surrenders of no contagion, within noise
    runs = {}
    for label, contagion in (("top", TOP_CONTAGION), ("off", NO_CONTAGION)):
        scenario = load_scenario("russia-2022", overrides={**STEADY, **contagion})
        runs[label] = run_small(scenario, scale=500, days=365, full_check_every=0).summary
    top, off = runs["top"], runs["off"]
    assert top["killed"] > 10_000  # the front fought
    assert top["desertion_share_per_month"] == pytest.approx(off["desertion_share_per_month"], rel=0.1)
    assert top["surrendered"] == pytest.approx(off["surrendered"], rel=0.1)
    assert top["mean_morale"] == pytest.approx(off["mean_morale"], abs=0.02)


def test_contagion_amplifies_a_dated_mass_surrender():
    # a sector of a tenth of the line surrenders a fifth of its men on 10 December: with contagion
    # the units around it and the army follow (desertion and surrender) and morale falls; without
    # it the front is back at its own rates the next day
    shock = {"front.shocks": [{"date": "2022-12-10", "kind": "surrender", "size": 0.2, "units": 0.1}]}
    summary = {}
    for label, contagion in (("on", {}), ("off", NO_CONTAGION), ("calm", {})):
        overrides = {**STEADY, **contagion, **({} if label == "calm" else shock)}
        summary[label] = run_small(load_scenario("russia-2022", overrides=overrides), scale=500, days=109,
                                   full_check_every=0).summary
    on, off, calm = summary["on"], summary["off"], summary["calm"]
    shocked = 0.2 * 0.1 * on["force_strength"]  # about the men the shock took (±strength at the day)
    assert off["surrendered"] - calm["surrendered"] == pytest.approx(shocked, rel=0.25)
    # contagion: more exits of both kinds after the shock, and lower morale
    assert on["deserted"] > off["deserted"] + 0.2 * shocked
    assert on["surrendered"] > off["surrendered"] + 0.03 * shocked
    assert on["mean_morale"] < off["mean_morale"] - 0.007


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


def test_validate_prints_the_branching_ratio_and_its_verdict(tmp_path):
    from typer.testing import CliRunner

    from exitwave.cli import app

    result = CliRunner().invoke(app, ["validate", "russia-2022"])
    assert result.exit_code == 0
    printed = " ".join(result.output.split())
    assert "branching ratio 0.5 (unit 0.3 + neighbouring units 0.15 + army 0.05) — stable" in printed
    edited = tmp_path / "edgy.yaml"
    edited.write_text("extends: russia-2022\nname: edgy\nfront:\n  contagion_unit: 0.6\n  contagion_neighbours: 0.25\n",
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(edited)])
    assert result.exit_code == 0, result.output
    assert "branching ratio 0.9 " in " ".join(result.output.split()) and "near-critical" in result.output


NO_COMBAT = {"front.casualty_rate": {"quiet": "0 per day", "active": "0 per day", "heavy": "0 per day"}}


def test_credibility_does_little_where_opportunity_to_surrender_is_missing():
    # the same lever (credibility 0.3 → 0.9) on an active front and on a front without contact
    # with the enemy (no casualties, no unit overrun): surrender needs an opportunity
    surrendered = {}
    for front, extra in (("active", {}), ("no contact", NO_COMBAT)):
        for credibility in (0.3, 0.9):
            overrides = {**STEADY, **NO_CONTAGION, **extra, "front.captor_credibility": credibility}
            summary = run_small(load_scenario("russia-2022", overrides=overrides), scale=500, days=109,
                                full_check_every=0).summary
            surrendered[front, credibility] = summary["surrendered"]
    gain_active = surrendered["active", 0.9] - surrendered["active", 0.3]
    gain_none = surrendered["no contact", 0.9] - surrendered["no contact", 0.3]
    assert surrendered["active", 0.9] > 2 * surrendered["active", 0.3]
    assert gain_active > 2_000
    assert gain_none < 0.02 * gain_active


def test_surrender_choice_weighs_credibility_against_punishment_and_saturates():
    front = Front()
    base = np.array([front.morale_base])
    reference = front.surrender_rate / front.surrender_opportunity
    assert surrender_choice(front, base)[0] == pytest.approx(reference)
    high = surrender_choice(front, base, credibility=0.9)[0]
    assert high == pytest.approx(reference * 3, rel=0.01)  # credibility_effect 1.83 × 0.6 ≈ ln 3
    punished = Front(coercion=1.0)
    assert surrender_choice(punished, base, credibility=0.9)[0] < high  # punishment at home deters
    # overrun: the choice is no longer rare, and credibility then adds less than ×3
    cornered = surrender_choice(Front(overrun_surrender_logodds=6.0), base, overrun=1.0)[0]
    cornered_high = surrender_choice(Front(overrun_surrender_logodds=6.0), base, overrun=1.0, credibility=1.0)[0]
    assert cornered > 100 * reference
    assert cornered_high / cornered < np.exp(front.credibility_effect * 0.7) * 0.9
    # no contact, no overrun: no surrender at any credibility
    _, surrender = own_hazards(Front(captor_credibility=1.0), base, 0.0)
    assert surrender[0] == 0.0


def _refuge(name: str, **overrides) -> np.ndarray:
    scenario = load_scenario(name, overrides=overrides)
    sim = Simulation(scenario, scale=20_000)
    assert scenario.front is not None
    return deserter_refuge(sim.schedule, sim.world, scenario.front)


def test_deserter_refuge_is_the_protection_actually_reachable():
    day = (dt.date(2022, 10, 20) - dt.date(2022, 9, 14)).days
    status_quo = _refuge("russia-2022")
    # EU and NATO judge case by case (5 %) and some of their crossings stay open
    assert status_quo[day] == pytest.approx(0.05)
    proposal = _refuge("asylum-coalition")  # grants extended to deserters, entry open from 21 Sep
    assert proposal[0] == pytest.approx(0.05) and proposal[day] == pytest.approx(1.0)
    not_extended = _refuge("asylum-coalition", **{"front.deserter_asylum": False})
    recognition = load_scenario("asylum-coalition").front.deserter_recognition  # the world's: 0.05
    assert recognition == 0.05 and not_extended[day] == pytest.approx(recognition)
    closed = _refuge("asylum-coalition-exits-closed")  # Russia closes its exits on 5 Oct
    assert closed[day] == 0.0 and closed[10] == pytest.approx(1.0)


def test_deserter_asylum_raises_desertion_only_while_it_is_reachable():
    # the lever is the same in both pairs; closing the exits on 5 Oct takes its effect away
    def deserted(name: str, asylum: bool) -> float:
        overrides = {"front.deserter_asylum": asylum, "front.war_end": {"rule": "none"}, **NO_CONTAGION}
        return run_small(load_scenario(name, overrides=overrides), scale=1000, days=109,
                         full_check_every=0).summary["deserted"]

    open_gain = deserted("asylum-coalition", True) / deserted("asylum-coalition", False)
    closed_gain = deserted("asylum-coalition-exits-closed", True) / deserted("asylum-coalition-exits-closed", False)
    assert open_gain > 1.3
    assert closed_gain < 1.1


def test_carers_and_the_wounded_weigh_on_strength_and_morale():
    runs = {}
    for label, overrides in (("none", {"front.carers_per_wounded": 0.0, "front.morale_care_impact": 0.0}),
                             ("carers", {"front.carers_per_wounded": 2.0, "front.morale_care_impact": 0.0}),
                             ("burden", {"front.carers_per_wounded": 0.0, "front.morale_care_impact": 2.0})):
        scenario = load_scenario("russia-2022", overrides={**STEADY, **NO_CONTAGION, **overrides})
        runs[label] = run_small(scenario, scale=500, days=109, full_check_every=0).summary
    none, carers, burden = runs["none"], runs["carers"], runs["burden"]
    assert none["fighting_strength"] == pytest.approx(none["force_strength"], rel=0.03)  # men vs agents
    # carers are held away from the line: fewer men fight, fewer are hit
    assert carers["fighting_strength"] < 0.9 * none["fighting_strength"]
    assert carers["killed"] < 0.95 * none["killed"]
    # the burden of the wounded in care lowers morale, and with it raises desertion
    assert burden["mean_morale"] < none["mean_morale"] - 0.02
    assert burden["deserted"] > none["deserted"]


def test_dated_levers_and_returns_act_from_their_day_on():
    # one run with a credibility rise, a worse strategic balance, an amnesty and a prisoner
    # exchange, and the same run without them (common random numbers: same days before them)
    shocks = [{"date": "2022-11-01", "kind": "credibility", "size": 0.9},
              {"date": "2022-11-01", "kind": "balance", "size": -0.2, "label": "the war is seen as lost"},
              {"date": "2022-12-01", "kind": "amnesty", "size": 0.5},
              {"date": "2022-12-01", "kind": "exchange", "size": 0.4}]
    base = {**STEADY, **NO_CONTAGION}
    plain = run_small(load_scenario("russia-2022", overrides=base), scale=100, days=109, full_check_every=7)
    dated = run_small(load_scenario("russia-2022", overrides={**base, "front.shocks": shocks}), scale=100,
                      days=109, full_check_every=1)
    assert dated.summary["conservation_ok"]
    day = (dt.date(2022, 11, 1) - dt.date(2022, 9, 14)).days
    before = plain.series.iloc[:day]
    assert dated.series.iloc[:day][["surrendered", "deserted"]].equals(before[["surrendered", "deserted"]])
    # from 1 Nov: more surrenders (credibility), lower morale (balance) that stays lower
    gained = dated.series["surrendered"].iloc[-1] - plain.series["surrendered"].iloc[-1]
    assert gained > 0.5 * (plain.series["surrendered"].iloc[-1] - plain.series["surrendered"].iloc[day])
    assert (dated.series["mean_morale"].iloc[day + 30:] < plain.series["mean_morale"].iloc[day + 30:] - 0.1).all()
    # 1 Dec: half the deserters at large come back, 40 % of the prisoners are exchanged
    returned, exchanged = dated.summary["deserters_returned"], dated.summary["prisoners_exchanged"]
    amnesty_day = (dt.date(2022, 12, 1) - dt.date(2022, 9, 14)).days
    at_large = dated.series["status.deserted"].iloc[amnesty_day - 1]
    held = dated.series["status.surrendered"].iloc[amnesty_day - 1]
    # each agent (100 men) drawn with its own keyed uniform: binomial noise, four standard deviations
    assert abs(returned - 0.5 * at_large) < 4 * np.sqrt(0.25 * at_large * 100) + 100
    assert abs(exchanged - 0.4 * held) < 4 * np.sqrt(0.24 * held * 100) + 100
    assert at_large > 2_000 and held > 1_000
    assert dated.series["status.deserted"].iloc[amnesty_day] < 0.7 * at_large
    assert plain.summary["deserters_returned"] == 0 and plain.summary["prisoners_exchanged"] == 0


@pytest.mark.parametrize(("kind", "size", "expected"), [
    ("credibility", 1.5, "front.shocks[0].size: Input should be less than or equal to 1; got 1.5"),
    ("credibility", -0.2, "expected the captor's credibility from 0 to 1 for a credibility shock; got -0.2"),
    ("amnesty", -0.1, "expected a share of the deserters at large from 0 to 1 for an amnesty shock"),
    ("tea", 0.1, "front.shocks[0].kind"),
])
def test_a_bad_shock_is_refused_with_its_field(tmp_path, kind, size, expected):
    from typer.testing import CliRunner

    from exitwave.cli import app

    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: russia-2022\nname: bad\nfront:\n  shocks:\n    - {{date: 2022-11-01, kind: {kind}, "
                    f"size: {size}}}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert expected in " ".join(result.output.split())
