"""Whole-run properties: conservation, determinism, thread independence, the run directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exitwave.engine import Simulation, check_runs
from exitwave.errors import InputError, RunError
from exitwave.modules.mobilization import MOBILIZED_COUNTERS
from exitwave.scenario.load import load_scenario
from exitwave.state import Status
from helpers import SMALL_SCALE, run_small

SHARED = Path(__file__).resolve().parents[2] / "shared"


def test_every_man_is_accounted_for_every_day(russia_small):
    summary = russia_small.summary
    assert summary["conservation_ok"], summary["conservation_problems"]
    status = russia_small.series[[f"status.{s.name.lower()}" for s in Status]]
    assert np.allclose(status.sum(axis=1), summary["agents"] * summary["scale"])
    assert sum(summary["final_state_counts"].values()) == summary["population"]


def test_summary_counts_are_whole_people_and_consistent(russia_small):
    s = russia_small.summary
    for key in ("population", "departed", "mobilized", "hiding", "returned", "detained_at_border"):
        assert isinstance(s[key], int) and s[key] >= 0
    assert sum(s["by_crossing"].values()) == s["departed"]
    assert s["departed"] == round(russia_small.series["departed"].iloc[-1])
    ever = russia_small.series[list(MOBILIZED_COUNTERS)].iloc[-1].sum()
    assert abs(s["mobilized"] - ever) <= 4  # whole-people rounding of four counters
    assert s["mobilization_shortfall"] == max(0, s["mobilization_quota"] - s["mobilized"])


def test_the_2022_order_of_magnitude():
    """Before calibration the defaults must land in the 2022 order of magnitude."""
    results = Simulation(load_scenario("russia-2022"), scale=500, days=21).run()
    two_weeks = results.series["departed"].iloc[-1]
    assert 100_000 < two_weeks < 1_500_000
    crossed = results.series.filter(like="crossed.").sum()
    world = Simulation(load_scenario("russia-2022")).world
    by_country: dict[str, float] = {}
    for column, people in crossed.items():
        cid = column.split(".", 1)[1]
        iso = world.country_ids[world.crossing_country[world.crossing_ids.index(cid)]]
        by_country[iso] = by_country.get(iso, 0.0) + people
    ranked = sorted(by_country, key=by_country.get, reverse=True)
    # Kazakhstan first; Georgia among the first three: with the calibrated land capacity factor
    # (0.60, common to all land crossings) Turkey by air passes Georgia in the first two weeks,
    # a known miss (docs/calibration.md: Georgia's daily entries under the observed)
    assert ranked[0] == "KZ" and "GE" in ranked[:3], by_country
    assert results.summary["peak_queue"].get("upper_lars", 0) >= 1000


def test_same_seed_same_results_and_other_seed_differs():
    a = run_small("russia-2022", days=30, seed=5)
    b = run_small("russia-2022", days=30, seed=5)
    c = run_small("russia-2022", days=30, seed=6)
    pd.testing.assert_frame_equal(a.series, b.series)
    strip = lambda s: {k: v for k, v in s.items() if k != "runtime_s"}  # noqa: E731
    assert strip(a.summary) == strip(b.summary)
    assert not a.series.equals(c.series)


_THREAD_SCRIPT = """
import hashlib, sys
from exitwave.engine import Simulation
from exitwave.scenario.load import load_scenario
r = Simulation(load_scenario("russia-2022"), scale={scale}, days=25).run()
print(hashlib.sha256(r.series.to_csv().encode()).hexdigest())
"""


def test_one_or_two_threads_give_identical_results():
    digests = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", _THREAD_SCRIPT.format(scale=SMALL_SCALE)],
                             env=env, capture_output=True, text=True, check=True)
        digests.append(out.stdout.strip().splitlines()[-1])
    assert digests[0] == digests[1]


def test_run_directory_is_complete_and_passes_the_contract(tmp_path):
    results = run_small("russia-2022", days=20)
    run_dir = results.save(tmp_path / "runs")
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "provenance.json", "scenario.yaml", "series.parquet", "summary.json"]
    assert not [p for p in (tmp_path / "runs").iterdir() if p.name.startswith(".")]
    checker = SHARED / "tools" / "check-summary"
    if checker.exists():  # the shared contract checker sits beside the repository
        out = subprocess.run([sys.executable, str(checker), str(run_dir)], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout
    provenance = json.loads((run_dir / "provenance.json").read_text())
    assert provenance["seed"] == results.scenario.seed
    assert "step.decision" in provenance["seconds"]
    from exitwave.results import Results

    again = Results.load(run_dir)
    pd.testing.assert_frame_equal(again.series, results.series)
    assert again.scenario == results.scenario


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    results = run_small("russia-2022", days=5)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    out = tmp_path / "runs"
    with pytest.raises(RunError, match=r"could not write .* \(disk full\); nothing was written there"):
        results.save(out)
    assert not out.exists()  # the folder it would have made is gone too


def test_baseline_propensity_works_without_mobilization():
    scenario = load_scenario("russia-2022", overrides={"mobilization.waves": [], "news": []})
    results = Simulation(scenario, scale=500, days=120).run()
    departed = results.summary["departed"]
    population = results.summary["population"]
    # 0.5 % a year of 40 M men ≈ 55,000 in 120 days, give or take access and cost
    assert 0 < departed < 0.01 * population
    assert results.summary["mobilized"] == 0


def test_departures_are_recorded_by_home_region(russia_small):
    s = russia_small.summary
    by_region = russia_small.series.filter(like="departed_from.").iloc[-1]
    assert abs(by_region.sum() - russia_small.series["departed"].iloc[-1]) < 1e-3 * max(s["departed"], 1)
    assert abs(sum(s["by_region"].values()) - s["departed"]) <= len(s["by_region"])  # whole-people rounding


# --- options that bypassed validation (issue 16, defect 3) -------------------------------------


@pytest.mark.parametrize(("options", "field"), [
    ({"scale": 0}, "--scale (population.scale)"),
    ({"scale": -1}, "--scale (population.scale)"),
    ({"scale": float("nan")}, "--scale (population.scale)"),
    ({"scale": float("inf")}, "--scale (population.scale)"),
    ({"scale": 1e30}, "--scale (population.scale)"),  # ran as one agent for 40 M men
    ({"days": 0}, "--days (time.days)"),
    ({"days": 36_501}, "--days (time.days)"),
    ({"seed": 2**64}, "--seed (seed)"),
    ({"seed": -1}, "--seed (seed)"),
])
def test_simulation_options_are_validated(options: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        Simulation(load_scenario("russia-2022"), **options)
    assert info.value.field == field


def test_a_scale_above_the_worlds_men_names_the_limit() -> None:
    with pytest.raises(InputError, match="expected at most 40,002,569 men per agent") as info:
        Simulation(load_scenario("russia-2022"), scale=1e9)
    assert info.value.field == "--scale (population.scale)"
    # one agent: allowed without a front (a front needs 10 agents: tests/modules/test_front_scale.py)
    Simulation(load_scenario("russia-2022", overrides={"front": None}), scale=40_000_000)


def test_check_runs_checks_the_first_and_the_last_seed() -> None:
    sim = check_runs("russia-2022", seeds=range(5, 9), scale=2000, days=10)
    assert (sim.scenario.seed, sim.scenario.population.scale, sim.scenario.time.n_days) == (8, 2000.0, 10)
    with pytest.raises(InputError, match="less than 9223372036854775808"):
        check_runs("russia-2022", seeds=range(2**63 - 2, 2**63 + 1))
    with pytest.raises(InputError, match="greater than or equal to 0"):
        check_runs("russia-2022", seeds=range(-1, 3))


def test_a_scenario_file_with_a_relative_world_runs_from_python_without_source(tmp_path, monkeypatch) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "ruritania-callup.yaml"
    monkeypatch.chdir(tmp_path)  # ../worlds/ruritania means nothing from here
    scenario = load_scenario(example)
    assert scenario.source_file == str(example)
    assert Simulation(scenario, scale=2000, days=3).world.name == "ruritania"


def test_ctrl_c_inside_a_compiled_kernel_reaches_the_caller_as_keyboard_interrupt():
    from exitwave.engine import _ctrl_c_through_numba

    # what CPython raises when a signal lands inside a numba function: a SystemError caused by it
    with pytest.raises(KeyboardInterrupt), _ctrl_c_through_numba():
        raise SystemError("CPUDispatcher(<function unit_draws>) returned a result with an exception set") \
            from KeyboardInterrupt()
    with pytest.raises(SystemError, match="something else"), _ctrl_c_through_numba():
        raise SystemError("something else") from ValueError()
