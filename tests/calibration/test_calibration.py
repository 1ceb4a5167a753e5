"""Calibration: targets must match the model's definitions; ABC recovers known parameters from
synthetic data made by the model itself; the same seed gives the same posterior."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from exitwave.calibration import calibrate, load_targets
from exitwave.calibration.abc import simulate_targets
from exitwave.errors import InputError
from exitwave.world import load_world
from helpers import edit_csv

WORLD = load_world("russia-2022")
TARGETS = WORLD.folder / "targets.csv"


def test_bundled_targets_load_and_stay_inside_the_window():
    targets = load_targets(TARGETS, WORLD)
    assert len(targets) >= 15
    assert max(t.date_to for t in targets).isoformat() <= "2022-10-02"
    assert {t.unit for t in targets} == {"persons", "vehicles"}


@pytest.mark.parametrize(("row", "column", "value", "expected"), [
    (15, "unit", "persons", "vehicles are not people"),          # a queue in vehicles read as people
    (2, "unit", "trips", "trips are not persons"),
    (2, "date_to", "2022-10-20", "after the calibration window"),
    (2, "quantity", "entries:XX", "unknown country"),
])
def test_a_target_definition_mismatch_is_a_clear_error(tmp_path, row, column, value, expected):
    path = tmp_path / "targets.csv"
    shutil.copy(TARGETS, path)
    edit_csv(path, row, column, value)
    with pytest.raises(InputError) as info:
        load_targets(path, WORLD)
    assert expected in str(info.value) and f"row {row}" in str(info.value)


def test_abc_recovers_known_parameters_from_synthetic_data():
    truth = {"behaviour.threat_weight": 6.0, "behaviour.people_per_vehicle": 3.0}
    targets = load_targets(TARGETS, WORLD)
    synthetic = simulate_targets("russia-2022", truth, targets, seed=77, scale=2000)
    cal = calibrate("russia-2022", names=list(truth), budget=300, population=40, scale=2000,
                    seed=3, observed=synthetic)
    median = cal.median()
    for name, value in truth.items():
        lo, hi = cal.bounds[name]
        assert abs(median[name] - value) < 0.15 * (hi - lo), (name, median[name])
    assert cal.identifiability()["behaviour.threat_weight"]["ratio"] < 0.5


def test_calibrating_twice_with_the_same_seed_gives_the_same_posterior():
    kwargs = {"names": ["behaviour.threat_weight"], "budget": 40, "population": 10, "scale": 20000, "seed": 5}
    a = calibrate("russia-2022", **kwargs)
    b = calibrate("russia-2022", **kwargs)
    assert a.posterior.equals(b.posterior)
    assert np.isfinite(a.posterior["weight"]).all()


def test_fit_report_and_forecast_are_written(tmp_path: Path):
    from exitwave.calibration import write_calibration

    cal = calibrate("russia-2022", names=["behaviour.threat_weight"], budget=30, population=10,
                    scale=20000, seed=2)
    summary = write_calibration(cal, tmp_path / "cal", k=3, seed=2)
    names = sorted(p.name for p in (tmp_path / "cal").iterdir())
    assert names == ["calibrated.yaml", "calibration.json", "fit.csv", "fit.png", "fit_report.md",
                     "forecast.csv", "forecast.png", "posterior.csv"]
    assert 0.0 <= summary["coverage_90"] <= 1.0
    forecast = (tmp_path / "cal" / "forecast.csv").read_text()
    assert "2022-12-" in forecast  # runs to the end of 2022, beyond the window
    from exitwave.scenario.load import load_scenario

    calibrated = load_scenario(str(tmp_path / "cal" / "calibrated.yaml"))
    assert calibrated.behaviour.threat_weight == pytest.approx(cal.median()["behaviour.threat_weight"], abs=1e-5)


# --- progress, a kept database and resume after Ctrl-C ----------------------------------------------
CAL_ARGS = ["calibrate", "russia-2022", "--param", "behaviour.threat_weight", "--budget", "40", "--population", "10",
            "--scale", "20000", "--draws", "2"]


def _cli_env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(NO_COLOR="1", COLUMNS="120", TERM="dumb")
    return env


def test_calibrate_resumes_after_sigint_with_the_same_posterior(tmp_path: Path) -> None:
    import json
    import signal
    import subprocess
    import sys
    import time

    import pandas as pd

    whole = tmp_path / "whole"
    done = subprocess.run([sys.executable, "-m", "exitwave", *CAL_ARGS, "--out", str(whole)], env=_cli_env(),
                          capture_output=True, text=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stderr
    # pyabc's generations and acceptances, as plain lines (stderr is not a terminal here)
    assert "generation 1" in done.stderr and "accepted" in done.stderr
    db = whole.with_name("whole.abc.db")
    assert db.is_file() and json.loads(db.with_name(db.name + ".json").read_text())["finished"] is True

    split = tmp_path / "split"
    log_path = tmp_path / "log.txt"
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "exitwave", *CAL_ARGS, "--out", str(split)],
                                   env=_cli_env(), stdout=log, stderr=log, text=True)
        deadline = time.monotonic() + 900
        while "generation 1" not in log_path.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 130
    text = log_path.read_text()
    assert "interrupted" in text and "resume" in text
    split_db = split.with_name("split.abc.db")
    assert split_db.is_file() and not split.exists()
    assert json.loads(split_db.with_name(split_db.name + ".json").read_text())["finished"] is False

    resumed = subprocess.run([sys.executable, "-m", "exitwave", *CAL_ARGS, "--out", str(split)], env=_cli_env(),
                             capture_output=True, text=True, timeout=1200, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "generation 0" not in resumed.stderr  # the finished generation was read back, not redone
    a, b = pd.read_csv(whole / "posterior.csv"), pd.read_csv(split / "posterior.csv")
    pd.testing.assert_frame_equal(a, b)
    info_a, info_b = (json.loads((d / "calibration.json").read_text()) for d in (whole, split))
    assert info_a["history"] == info_b["history"]
