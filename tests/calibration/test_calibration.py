"""Calibration: targets must match the model's definitions; ABC recovers known parameters from
synthetic data made by the model itself; the same seed gives the same posterior."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from exitwave.calibration import calibrate, load_targets
from exitwave.calibration.abc import distance, simulate_targets
from exitwave.calibration.targets import load_validation, model_values, quantity_series
from exitwave.errors import InputError
from exitwave.world import load_world
from helpers import edit_csv, plain_cli_env

WORLD = load_world("russia-2022")
TARGETS = WORLD.folder / "targets.csv"
VALIDATION = WORLD.folder / "validation.csv"


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


def test_validation_observations_lie_after_the_window_and_the_calibration_never_reads_them(tmp_path):
    observations = load_validation(VALIDATION, WORLD)
    assert min(t.date_to for t in observations).isoformat() > "2022-10-02"
    assert {t.quantity.partition(":")[0] for t in observations} >= {"mobilized", "stock", "exits", "departed"}
    # a window observation is refused in the validation file, a later one in the targets
    path = tmp_path / "validation.csv"
    shutil.copy(VALIDATION, path)
    edit_csv(path, 2, "date_to", "2022-09-30")
    with pytest.raises(InputError, match="inside the calibration window"):
        load_validation(path, WORLD)
    with pytest.raises(InputError, match="after the calibration window"):
        load_targets(VALIDATION, WORLD)
    # the calibration reads targets.csv only: the module never names the validation file
    source = (Path(calibrate.__code__.co_filename)).read_text()
    assert "validation" not in source


def test_exits_are_entries_less_the_change_of_the_stock():
    import pandas as pd

    days = pd.date_range("2022-09-21", periods=4, name="date")
    series = pd.DataFrame({"departed": 0.0, "abroad.KZ": [10.0, 25.0, 30.0, 28.0]}, index=days)
    for c, cid in enumerate(WORLD.crossing_ids):
        kz = WORLD.country_ids[WORLD.crossing_country[c]] == "KZ"
        series[f"crossed.{cid}"] = [10.0, 20.0, 10.0, 0.0] if kz and not any(
            WORLD.country_ids[WORLD.crossing_country[k]] == "KZ" for k in range(c)) else 0.0
    exits = next(t for t in load_targets(TARGETS, WORLD) if t.quantity == "exits:KZ")
    window = exits.__class__(**{**exits.__dict__, "date_from": days[0].date(), "date_to": days[-1].date(),
                                "baseline_per_day": 0.0})
    # entries 40, stock from 0 to 28: 12 men left (onward or home)
    assert model_values([window], series, WORLD, 2.0)[0] == pytest.approx(12.0)


def test_target_values_are_sums_and_snapshots_of_the_daily_series_by_date(russia_small):
    """model_values reads the targets by day offsets; the same numbers as label lookups by date."""
    series = russia_small.series
    targets = [t for t in load_targets(TARGETS, WORLD) + load_validation(VALIDATION, WORLD)
               if t.date_to <= series.index[-1].date()]
    assert {t.statistic for t in targets} == {"sum", "snapshot"}
    by_date = []
    for t in targets:
        daily = quantity_series(series, t.quantity, WORLD, 2.5)
        if t.statistic == "snapshot":
            by_date.append(float(daily.loc[str(t.date_to)]))
        else:
            days = (t.date_to - t.date_from).days + 1
            by_date.append(float(daily.loc[str(t.date_from): str(t.date_to)].sum()) + t.baseline_per_day * days)
    assert model_values(targets, series, WORLD, 2.5) == pytest.approx(np.array(by_date), rel=1e-12, abs=1e-9)
    late = [t for t in load_validation(VALIDATION, WORLD) if t.statistic == "snapshot"
            and t.date_to > series.index[-1].date()][:1]
    with pytest.raises(KeyError, match="outside the run"):  # a snapshot after the run is an error, not a wrap-around
        model_values(late, series, WORLD, 2.5)
    with pytest.raises(ValueError, match="without gaps"):
        model_values(targets, series.iloc[::2], WORLD, 2.5)


def test_abc_recovers_known_parameters_from_synthetic_data():
    truth = {"behaviour.threat_weight": 7.5, "behaviour.people_per_vehicle": 3.0}
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
                     "forecast.csv", "forecast.png", "posterior.csv", "validation.csv"]
    assert 0.0 <= summary["coverage_90"] <= 1.0
    # coverage by kind of target, and the forecast held against the later observations
    assert set(summary["coverage_by_kind"]) >= {"entries", "exits", "queue_vehicles"}
    validation = summary["validation"]
    assert validation["read_by_calibration"] is False and validation["file"].endswith("validation.csv")
    assert validation["observations"] == len(load_validation(VALIDATION, WORLD))
    assert set(validation["coverage_by_kind"]) >= {"mobilized", "stock", "exits", "departed"}
    report = (tmp_path / "cal" / "fit_report.md").read_text()
    assert "Forecast against later observations" in report
    # every generation's effective sample size: where the importance weights collapse
    assert [g["t"] for g in summary["history"]] == list(range(len(summary["history"])))
    assert all(1.0 <= g["ess"] <= 10 for g in summary["history"])  # 10 particles a generation
    assert summary["history"][-1]["ess"] == pytest.approx(summary["posterior_ess"])
    assert "| generation | tolerance | simulations | acceptance | effective sample size |" in report
    forecast = (tmp_path / "cal" / "forecast.csv").read_text()
    assert "2022-12-" in forecast  # runs to the end of 2022, beyond the window
    from exitwave.scenario.load import load_scenario

    calibrated = load_scenario(str(tmp_path / "cal" / "calibrated.yaml"))
    assert calibrated.behaviour.threat_weight == pytest.approx(cal.median()["behaviour.threat_weight"], abs=1e-5)


def test_the_calibration_window_and_targets_come_from_the_world(tmp_path) -> None:
    import datetime as dt

    from exitwave.calibration.targets import calibration_window, load_targets, targets_file
    from exitwave.errors import InputError
    from exitwave.world import load_world

    gdr, russia = load_world("gdr-1989"), load_world("russia-2022")
    assert calibration_window(gdr) == (dt.date(1989, 1, 1), dt.date(1989, 4, 30))
    assert calibration_window(russia) == (dt.date(2022, 9, 21), dt.date(2022, 10, 2))  # the default
    assert targets_file(gdr).name == "targets.csv"
    assert all(t.date_to <= dt.date(1989, 4, 30) for t in load_targets(targets_file(gdr), gdr))
    late = tmp_path / "targets.csv"
    text = targets_file(gdr).read_text(encoding="utf-8").replace("1989-04-30", "1989-05-15")
    late.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="after the calibration window"):
        load_targets(late, gdr)


# --- progress, a kept database and resume after Ctrl-C ----------------------------------------------
CAL_ARGS = ["calibrate", "russia-2022", "--param", "behaviour.threat_weight", "--budget", "40", "--population", "10",
            "--scale", "20000", "--draws", "2"]


def test_calibrate_resumes_after_sigint_with_the_same_posterior(tmp_path: Path) -> None:
    import json
    import signal
    import subprocess
    import sys
    import time

    import pandas as pd

    whole = tmp_path / "whole"
    done = subprocess.run([sys.executable, "-m", "exitwave", *CAL_ARGS, "--out", str(whole)], env=plain_cli_env(),
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
                                   env=plain_cli_env(), stdout=log, stderr=log, text=True)
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

    resumed = subprocess.run([sys.executable, "-m", "exitwave", *CAL_ARGS, "--out", str(split)], env=plain_cli_env(),
                             capture_output=True, text=True, timeout=1200, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "generation 0" not in resumed.stderr  # the finished generation was read back, not redone
    a, b = pd.read_csv(whole / "posterior.csv"), pd.read_csv(split / "posterior.csv")
    pd.testing.assert_frame_equal(a, b)
    info_a, info_b = (json.loads((d / "calibration.json").read_text()) for d in (whole, split))
    assert info_a["history"] == info_b["history"]


def test_a_negative_simulated_count_gives_a_finite_distance_like_zero() -> None:
    targets = load_targets(TARGETS, WORLD)
    observed = np.array([t.observed for t in targets])
    exact = distance(observed, targets)
    assert exact == 0.0
    below = observed.copy()
    below[0] = -50_000.0  # e.g. an exits target after men arrived onward from a third country
    at_zero = observed.copy()
    at_zero[0] = 0.0
    assert np.isfinite(distance(below, targets)) and distance(below, targets) == distance(at_zero, targets) > 0


def test_the_kernel_scale_widens_the_perturbation_and_belongs_to_the_settings(tmp_path: Path) -> None:
    """The kernel's covariance is ``kernel_scale`` times pyABC's; a database made with another
    kernel is refused on resume, and a non-positive scale is a clear input error."""
    import inspect

    from exitwave.calibration.abc import KERNEL_SCALE
    from exitwave.cli import calibrate_cmd

    option = inspect.signature(calibrate_cmd).parameters["kernel_scale"]
    assert option.default == KERNEL_SCALE  # the command line and the Python API agree
    with pytest.raises(InputError, match="expected a positive number"):
        calibrate("russia-2022", names=["behaviour.threat_weight"], budget=10, population=5, scale=20000,
                  kernel_scale=0.0)
    db = tmp_path / "abc.db"
    settings = dict(names=["behaviour.threat_weight"], budget=40, population=4, scale=20000, seed=3, db=db)
    wide = calibrate("russia-2022", kernel_scale=4.0, **settings)
    assert '"kernel_scale": 4.0' in (tmp_path / "abc.db.json").read_text()
    assert len(wide.history) >= 2  # at least one perturbed generation
    with pytest.raises(InputError, match="belongs to another calibration"):
        calibrate("russia-2022", kernel_scale=1.0, **settings)
