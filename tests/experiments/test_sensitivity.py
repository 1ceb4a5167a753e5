"""Sensitivity analysis: the SALib path recovers Ishigami's known indices; the model path runs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from exitwave.errors import InputError
from exitwave.experiments.sensitivities import analyze, default_parameters, sample, sensitivity
from helpers import plain_cli_env


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    s1 = np.array([v1, v2, 0.0]) / var
    st = np.array([v1 + v13, v2, v13]) / var
    return s1, st


def test_sobol_recovers_the_ishigami_indices_through_the_same_code_path():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sample("sobol", problem, 2048, seed=3)
    res = analyze("sobol", problem, x, ishigami(x), seed=3)
    s1, st = ishigami_indices()
    assert np.allclose(res["S1"], s1, atol=0.05)
    assert np.allclose(res["ST"], st, atol=0.05)


def test_morris_ranks_the_ishigami_inputs():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sample("morris", problem, 200, seed=3)
    res = analyze("morris", problem, x, ishigami(x), seed=3)
    assert res["mu_star"][1] > res["mu_star"][2] > 0  # x2 dominates in magnitude; x3 acts via x1
    assert res["sigma"][2] > 0


def test_model_sensitivity_names_the_leading_parameters():
    names = ["behaviour.threat_weight", "behaviour.asylum_value", "front.desertion_rate",
             "front.captor_credibility"]
    result = sensitivity("asylum-coalition", "morris", n=2, names=names, scale=20000, days=60)
    assert result.failures == 0
    assert result.leading("departed", 1) == ["behaviour.threat_weight"]
    frame = result.to_frame()
    # common random numbers: the captor's credibility cannot move the home front at all
    assert frame.loc[("departed", "front.captor_credibility"), "mu_star"] == 0.0
    assert frame.loc[("departed", "front.desertion_rate"), "mu_star"] == 0.0


def test_default_parameters_come_from_the_registry_with_ranges():
    names = default_parameters()
    assert "behaviour.threat_weight" in names and "front.captor_credibility" in names
    assert "population.scale" not in names and "front.unit_size" not in names


@pytest.mark.parametrize("bad", ["no.such.parameter"])
def test_unknown_parameters_are_refused(bad):
    from exitwave.errors import InputError

    with pytest.raises(InputError):
        sensitivity("russia-2022", "morris", n=2, names=[bad])


def test_versus_a_baseline_analyses_the_paired_difference():
    from exitwave.experiments.executors import RunSpec, execute
    from exitwave.experiments.sensitivities import _override_value

    names = ["behaviour.threat_weight", "behaviour.asylum_value"]
    result = sensitivity("asylum-coalition", "morris", n=2, names=names, scale=20000, days=60,
                         versus="russia-2022")
    assert result.versus == "russia-2022" and result.failures == 0
    assert len(result.outputs["departed"]) == len(result.x)
    # the output of each design point is proposal − baseline, same parameters, same seed
    overrides = tuple((name, _override_value(name, result.x[0, j])) for j, name in enumerate(names))
    runs = [execute(RunSpec(s, 1, "x", overrides=overrides, scale=20000, days=60))
            for s in ("asylum-coalition", "russia-2022")]
    expected = runs[0].summary["departed"] - runs[1].summary["departed"]
    assert result.outputs["departed"][0] == expected
    # the threat of the call-up decides how many more leave when asylum is offered
    frame = result.to_frame()
    assert frame.loc[("departed", "behaviour.threat_weight"), "mu_star"] > 0
    assert result.leading("departed", 1) == ["behaviour.threat_weight"]


def test_a_scenario_versus_itself_has_no_difference_to_analyse():
    result = sensitivity("russia-2022", "morris", n=2, names=["behaviour.threat_weight"], scale=20000,
                         days=20, versus="russia-2022")
    assert all(np.all(v == 0) for v in result.outputs.values() if not np.isnan(v).any())
    assert result.indices == {}  # a constant output has no indices


def test_sensitivity_command_versus_writes_the_table_and_its_provenance(tmp_path):
    import json
    import subprocess
    import sys

    import pandas as pd

    out = tmp_path / "sens.csv"
    result = subprocess.run([sys.executable, "-m", "exitwave", "sensitivity", "asylum-coalition", "--versus",
                             "russia-2022", "--method", "morris", "-n", "2", "--param", "behaviour.asylum_value",
                             "--param", "behaviour.threat_weight", "--scale", "20000", "--days", "30",
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    assert set(frame["versus"]) == {"russia-2022"} and set(frame["scenario"]) == {"asylum-coalition"}
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["versus"] == "russia-2022" and meta["runs"] == 2 * 2 * 3
    assert "--versus russia-2022" in meta["command"]
    bad = subprocess.run([sys.executable, "-m", "exitwave", "sensitivity", "asylum-coalition", "--versus",
                          "no-such-scenario", "-n", "2"], capture_output=True, text=True)
    assert bad.returncode == 2 and "no-such-scenario" in bad.stderr


# --- resume after Ctrl-C --------------------------------------------------------------------------
SENS_ARGS = ["sensitivity", "russia-2022", "--method", "morris", "-n", "2", "--param", "behaviour.threat_weight",
             "--param", "behaviour.patience_days", "--param", "behaviour.cost_weight", "--scale", "20000",
             "--days", "25"]  # 2 trajectories × 4 points = 8 runs


def _finished_runs(checkpoint) -> int:  # noqa: ANN001 - Path
    if not checkpoint.is_file():
        return 0
    return max(0, len(checkpoint.read_text().splitlines()) - 1)  # the first line holds the settings


def test_sensitivity_resumes_after_sigint_with_the_same_result(tmp_path) -> None:  # noqa: ANN001
    import signal
    import subprocess
    import sys
    import time

    import pandas as pd

    whole = tmp_path / "whole.csv"
    done = subprocess.run([sys.executable, "-m", "exitwave", *SENS_ARGS, "--out", str(whole)], env=plain_cli_env(),
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr
    # the log (stderr is a file, not a terminal) has plain progress lines
    assert "8 of 8" in done.stderr

    split = tmp_path / "split.csv"
    checkpoint = split.with_suffix(".runs.jsonl")
    log = (tmp_path / "log.txt").open("w")
    process = subprocess.Popen([sys.executable, "-m", "exitwave", *SENS_ARGS, "--out", str(split)], env=plain_cli_env(),
                               stdout=log, stderr=log, text=True)
    deadline = time.monotonic() + 600
    while _finished_runs(checkpoint) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == 130
    log.close()
    kept = _finished_runs(checkpoint)
    assert 3 <= kept < 8 and not split.exists()
    assert "interrupted" in (tmp_path / "log.txt").read_text() and "resume" in (tmp_path / "log.txt").read_text()

    resumed = subprocess.run([sys.executable, "-m", "exitwave", *SENS_ARGS, "--out", str(split)], env=plain_cli_env(),
                             capture_output=True, text=True, timeout=900, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert _finished_runs(checkpoint) == 8  # only the missing runs were run: none twice
    a, b = pd.read_csv(whole), pd.read_csv(split)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)


def test_a_checkpoint_of_other_settings_is_refused(tmp_path) -> None:  # noqa: ANN001
    from exitwave.errors import InputError

    checkpoint = tmp_path / "sens.runs.jsonl"
    checkpoint.write_text('{"settings": {"scenario": "other"}}\n')
    with pytest.raises(InputError, match="another sensitivity analysis"):
        sensitivity("russia-2022", "morris", 1, names=["behaviour.threat_weight"], scale=20000, days=3,
                    checkpoint=checkpoint, progress=False)
    assert checkpoint.read_text() == '{"settings": {"scenario": "other"}}\n'


def test_a_sensitivity_table_lists_every_bad_cell_each_on_its_own_line(tmp_path: Path) -> None:
    from exitwave.experiments.sensitivities import read_table

    path = tmp_path / "s.csv"
    path.write_text("output,parameter,mu_star,mu_star_conf\ndeparted,x,lots,1\ndeparted,y,2,some\n"
                    "departed,z,3,0.1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(path)
    lines = str(caught.value).splitlines()
    assert len(caught.value.problems) == 2 and len(lines) == 2
    assert "row 2, column mu_star: expected a number, got 'lots'" in lines[0]
    assert "row 3, column mu_star_conf: expected a number, got 'some'" in lines[1]
