"""The claims audit: parameter draws, levers, resumable runs, verdicts that can say no."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exitwave.errors import InputError
from exitwave.experiments.audit import lever_scenarios, parameter_draws, plan_audit, run_audit
from exitwave.registry import parameters
from exitwave.report.verdicts import failure_regions, verdict_of

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
OPEN_DOOR = str(EXAMPLES / "ruritania-open-door.yaml")
CALLUP = str(EXAMPLES / "ruritania-callup.yaml")


def test_each_verdict_word_follows_the_interval_and_the_threshold():
    tau = 10.0
    assert verdict_of(12, 40, tau) == "supported"
    assert verdict_of(2, 8, tau) == "supported but small"
    assert verdict_of(-5, 5, tau) == "not supported"
    assert verdict_of(0, 0, tau, all_zero=True) == "not supported"
    assert verdict_of(-40, -2, tau) == "contradicted"
    assert verdict_of(-3, 30, tau) == "undecided"
    assert verdict_of(2, 30, tau) == "undecided"  # real, but may or may not matter


def test_draws_stay_in_the_registry_ranges_and_calibrated_values_come_from_the_posterior():
    from exitwave.experiments.audit import _resolved

    _, base = _resolved("russia-2022")
    _, prop = _resolved("asylum-coalition")
    draws, calibrated = parameter_draws(base, prop, "russia-2022", 8, seed=3)
    ranges = {p.name: (p.low, p.high) for p in parameters()}
    posterior = pd.read_csv(Path(__file__).resolve().parents[2] / "src/exitwave/data/calibration/russia-2022/posterior.csv")
    assert "behaviour.threat_weight" in calibrated
    assert "front.captor_credibility" not in draws[0]  # a policy lever is not drawn
    assert "front.deserter_asylum" not in draws[0]  # the proposal sets it: a lever
    for draw in draws:
        for name, value in draw.items():
            number = float(str(value).split()[0])
            lo, hi = ranges[name]
            assert lo - 1e-9 <= number <= hi + 1e-9, name
        assert draw["behaviour.threat_weight"] in set(posterior["behaviour.threat_weight"])
    # a Latin hypercube: each of 8 draws in its own eighth of a range
    p = next(p for p in parameters() if p.name == "behaviour.asylum_value")
    cells = sorted(int((d[p.name] - p.low) / (p.high - p.low) * 8) for d in draws)
    assert cells == list(range(8))


def test_levers_of_the_bundled_proposal_are_split_from_its_policies():
    from exitwave.experiments.audit import _resolved

    _, base = _resolved("russia-2022")
    _, prop = _resolved("asylum-coalition")
    levers = lever_scenarios(base, prop)
    assert set(levers) == {"entry", "asylum", "screening", "relocation"}
    added = levers["entry"]["policies"][len(base["policies"]):]
    assert added and all("entry" in p and "asylum" not in p for p in added)
    assert levers["asylum"]["front"]["deserter_asylum"] is True
    assert levers["entry"]["front"]["deserter_asylum"] is False
    assert all("transit_only" in p for p in levers["screening"]["policies"][len(base["policies"]):])


def test_failure_regions_find_the_range_where_a_claim_fails():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 1, 200), rng.uniform(0, 1, 200)
    pairs = pd.DataFrame({"param:front.contagion_unit": x, "param:behaviour.asylum_value": y})
    found = failure_regions(pairs, fails=x < 0.3)
    region = found["regions"][0]
    assert region["conditions"][0].startswith("front.contagion_unit ≤ 0.")
    assert region["coverage"] > 0.9 and region["density"] > 0.9
    assert failure_regions(pairs, fails=np.zeros(200, bool))["text"] == "fails in none of the 200 runs"


def test_an_audit_says_contradicted_when_the_proposal_does_the_opposite(tmp_path):
    # the "proposal" closes the border the status quo keeps open: fewer men leave, so C1
    # ("offering asylum makes many more men leave") must come out contradicted, not supported.
    # At 1 agent = 2,000 men the difference is a handful of agents and one run of six can come out
    # one agent the other way; at 1,000 it is −9,500 [−17,500 … −5,300]
    plan = plan_audit(CALLUP, OPEN_DOOR, draws=3, seeds=2, scale=1000, days=30)
    seen: list = []
    result = run_audit(plan, tmp_path / "audit", progress=seen.append)
    c1 = next(c for c in result["claims"] if c["code"] == "C1")
    assert c1["verdict"] == "contradicted"
    assert c1["p_holds"] == 0.0 and c1["median"] < 0 and c1["relative"] < 0
    assert c1["n"] == 6 and "lowers departures" in c1["summary"]
    assert next(c for c in result["claims"] if c["output"] == "force_strength")["verdict"] == "not tested here"
    runs = pd.read_parquet(tmp_path / "audit" / "runs.parquet")
    assert set(runs["variant"]) == set(plan.variants) and len(runs) == len(plan.variants) * 3 * 2
    # the same draw and seed: identical parameters in every variant (common random numbers)
    same = runs[(runs["draw"] == 1) & (runs["seed"] == 2)].filter(like="param:")
    assert (same.nunique() == 1).all()
    # resumed: nothing is run again, the verdicts are the same
    again: list = []
    assert run_audit(plan, tmp_path / "audit", progress=again.append)["claims"] == json.loads(
        (tmp_path / "audit" / "audit.json").read_text())["claims"]
    assert again == [] and len(seen) == len(runs)
    # other settings into the same folder: refused
    other = plan_audit(CALLUP, OPEN_DOOR, draws=4, seeds=2, scale=1000, days=30)
    with pytest.raises(InputError, match="other settings"):
        run_audit(other, tmp_path / "audit")


def test_a_proposal_equal_to_the_status_quo_is_not_supported(tmp_path):
    plan = plan_audit(OPEN_DOOR, OPEN_DOOR, draws=2, seeds=1, scale=4000, days=20, levers=False)
    result = run_audit(plan, tmp_path / "same")
    c1 = next(c for c in result["claims"] if c["code"] == "C1")
    assert c1["verdict"] == "not supported" and c1["median"] == 0
    assert "no run shows any difference" in c1["summary"]


def _exitwave(*args: str, cwd: Path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(NO_COLOR="1", COLUMNS="200", TERM="dumb")
    return subprocess.run([sys.executable, "-m", "exitwave", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_audit_command_writes_its_folder_and_refuses_bad_input(tmp_path):
    args = ["--draws", "2", "--seeds", "1", "--scale", "500", "--days", "30", "--no-ablations", "--no-levers"]
    done = _exitwave("audit", CALLUP, "--baseline", OPEN_DOOR, *args, "--out", "a", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert {"audit.json", "runs.parquet", "runs.csv", "draws.csv"} <= {p.name for p in (tmp_path / "a").iterdir()}
    # the table prints the verdicts the folder holds (which verdict two draws give is the
    # in-process test's business: above, at 1 agent = 1,000 men over six runs)
    c1 = next(c for c in json.loads((tmp_path / "a" / "audit.json").read_text())["claims"] if c["code"] == "C1")
    row = next(line for line in done.stdout.splitlines() if "C1 departed" in line)
    assert c1["verdict"] in row and c1["n"] == 2
    bad = _exitwave("audit", CALLUP, "--baseline", "no-such-scenario", *args, "--out", "b", cwd=tmp_path)
    assert bad.returncode == 2 and "no-such-scenario" in bad.stderr
    assert not (tmp_path / "b").exists()


def test_a_draw_the_scale_cannot_run_is_refused_before_any_run(tmp_path):
    # at 1 agent = 60,000 men no drawn front (at most 500,000 men) has the 10 agents a front needs
    plan = plan_audit("asylum-coalition", "russia-2022", draws=2, seeds=1, scale=60000, days=5,
                      ablations=False, levers=False)
    with pytest.raises(InputError, match="draw 0 of the parameters is refused"):
        run_audit(plan, tmp_path / "a")
    assert not (tmp_path / "a" / "runs").exists()
