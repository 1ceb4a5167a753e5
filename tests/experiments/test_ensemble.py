"""Ensembles: identical per seed on any executor, resumable after SIGKILL, failures isolated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from exitwave.errors import InputError
from exitwave.experiments import compare, ensemble
from exitwave.experiments.executors import RunSpec, make_executor
from helpers import finished_runs, interrupt_after, plain_cli_env

SMALL = {"scale": 8000.0, "days": 25}


def _strip(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "runtime_s"}


def test_same_seeds_same_results_in_process_and_on_a_dask_local_cluster(tmp_path):
    local = ensemble("russia-2022", n=3, out=tmp_path / "local", **SMALL)
    on_dask = ensemble("russia-2022", n=3, out=tmp_path / "dask", dask=True, workers=2, **SMALL)
    assert sorted(local.summaries) == sorted(on_dask.summaries) == [1, 2, 3]
    for seed in local.summaries:
        assert _strip(local.summaries[seed]) == _strip(on_dask.summaries[seed])
    a = pd.read_parquet(tmp_path / "local" / "ensemble.parquet")
    b = pd.read_parquet(tmp_path / "dask" / "ensemble.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_local_worker_processes_match_in_process(tmp_path):
    one = ensemble("russia-2022", n=2, seed=4, **SMALL)
    two = ensemble("russia-2022", n=2, seed=4, workers=2, **SMALL)
    for seed in one.summaries:
        assert _strip(one.summaries[seed]) == _strip(two.summaries[seed])


_KILLABLE = [sys.executable, "-m", "exitwave", "ensemble", "russia-2022", "-n", "6",
             "--scale", "8000", "--days", "40"]


def test_killed_ensemble_resumes_without_duplicates_or_losses(tmp_path):
    out = tmp_path / "ens"
    proc = subprocess.Popen([*_KILLABLE, "--out", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    runs = out / "runs"
    deadline = time.time() + 240
    while time.time() < deadline:
        done = [p for p in runs.glob("seed-*") if (p / "summary.json").exists()] if runs.exists() else []
        if len(done) >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished_before = {p.name for p in runs.glob("seed-*")}
    assert 2 <= len(finished_before) < 6, "the kill must land part-way"
    subprocess.run([*_KILLABLE, "--out", str(out)], check=True, capture_output=True)
    after = sorted(p.name for p in runs.iterdir())
    assert after == [f"seed-{s}" for s in range(1, 7)]  # each seed exactly once, no temporaries
    reference = ensemble("russia-2022", n=6, out=tmp_path / "clean", scale=8000, days=40)
    for seed in range(1, 7):
        resumed = json.loads((runs / f"seed-{seed}" / "summary.json").read_text())
        assert _strip(resumed) == _strip(reference.summaries[seed])
    pd.testing.assert_frame_equal(pd.read_parquet(out / "ensemble.parquet"),
                                  pd.read_parquet(tmp_path / "clean" / "ensemble.parquet"))


def test_resume_runs_only_missing_seeds(tmp_path):
    ensemble("russia-2022", n=2, out=tmp_path, **SMALL)
    seen = []
    ensemble("russia-2022", n=3, out=tmp_path, progress=lambda o: seen.append((o.spec.seed, o.skipped)), **SMALL)
    assert sorted(seen) == [(1, True), (2, True), (3, False)]


def test_resuming_with_other_settings_is_refused(tmp_path):
    ensemble("russia-2022", n=2, out=tmp_path, **SMALL)
    with pytest.raises(InputError):
        ensemble("russia-2022", n=2, out=tmp_path, scale=4000.0, days=25)


def test_a_failing_run_is_reported_and_does_not_corrupt_the_others(tmp_path):
    specs = [RunSpec("russia-2022", 1, "seed-1", scale=8000.0, days=10, run_dir=str(tmp_path)),
             RunSpec("russia-2022", 2, "seed-2", overrides=(("behaviour.patience_days", -1),),
                     scale=8000.0, days=10, run_dir=str(tmp_path)),
             RunSpec("russia-2022", 3, "seed-3", scale=8000.0, days=10, run_dir=str(tmp_path))]
    executor = make_executor(workers=2)
    try:
        outcomes = {o.spec.seed: o for o in executor.run(specs)}
    finally:
        executor.close()
    assert outcomes[1].ok and outcomes[3].ok
    assert not outcomes[2].ok and "patience_days" in (outcomes[2].error or "")
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["seed-1", "seed-3"]


def test_comparing_a_scenario_with_itself_gives_exactly_zero():
    result = compare(["russia-2022", "russia-2022"], n=3, **SMALL)
    frame = result.to_frame()
    other = result.names[1]
    assert (frame[f"{other}.diff_median"] == 0).all()
    assert (frame[f"{other}.diff_p5"] == 0).all() and (frame[f"{other}.diff_p95"] == 0).all()
    assert not frame[f"{other}.distinguishable"].any()


def test_python_api_objects_have_frames_and_plots(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    result = compare(["russia-2022", "asylum-coalition"], n=2, **SMALL)
    assert result.plot() is not None
    ens = ensemble("russia-2022", n=2, **SMALL)
    assert ("departed", "median") in ens.to_frame().columns
    assert ens.plot(["departed"]) is not None


def test_war_end_off_is_part_of_the_ensemble_settings(tmp_path):
    """``war_end='off'`` runs the war to the end of every run, is recorded with the overrides, and
    a resume with the scenario's own rule is refused (its runs would not be the same)."""
    out = tmp_path / "off"
    result = ensemble("russia-2022", n=2, out=out, war_end="off", scale=20000.0, days=5)
    assert all(s["war_end_rule"] == "none" and s["war_end_day"] is None for s in result.summaries.values())
    manifest = json.loads((out / "ensemble.json").read_text())
    assert manifest["overrides"] == {"front.war_end.rule": "none"}
    with pytest.raises(InputError):
        ensemble("russia-2022", n=2, out=out, scale=20000.0, days=5)


def test_ensemble_command_says_how_to_resume_after_sigint(tmp_path: Path) -> None:
    out = tmp_path / "ens"
    args = [sys.executable, "-m", "exitwave", "ensemble", "russia-2022", "-n", "12", "--scale", "20000",
            "--days", "18", "--out", str(out)]
    env = plain_cli_env()
    code = interrupt_after(args, env, tmp_path / "log.txt", lambda: finished_runs(out) >= 2)
    stderr = (tmp_path / "log.txt").read_text()
    assert code == 130, stderr
    assert "interrupted" in stderr and "resume" in stderr and "Traceback" not in stderr
    kept = finished_runs(out)
    assert 2 <= kept < 12
    resumed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert finished_runs(out) == 12
