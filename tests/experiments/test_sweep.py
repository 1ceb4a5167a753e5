"""Sweeps resume: after an interruption the finished runs are read back, only the rest run, and
the result equals an uninterrupted sweep; a folder made with other settings is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from exitwave.errors import InputError
from exitwave.experiments.sweeps import sweep
from helpers import finished_runs, interrupt_after, plain_cli_env

GRID = {"behaviour.patience_days": [2, 8]}
TINY = {"scale": 20000, "days": 12}


def test_a_partial_sweep_folder_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    whole = sweep("russia-2022", GRID, n=2, progress=False, **TINY)  # in memory, never interrupted
    folder = tmp_path / "sweep"
    sweep("russia-2022", GRID, n=2, out=folder, progress=False, **TINY)
    # what an interruption leaves: some runs finished, one half-written by a killed process
    shutil.rmtree(folder / "runs" / "point-1-seed-2")
    shutil.rmtree(folder / "runs" / "point-0-seed-1")
    stale = folder / "runs" / ".point-0-seed-1.tmp-999999999"
    stale.mkdir()
    (stale / "summary.json").write_text("{")
    kept = (folder / "runs" / "point-0-seed-2" / "summary.json").stat().st_mtime_ns
    (folder / "runs.csv").unlink()

    counts: list[tuple[int, int]] = []
    resumed = sweep("russia-2022", GRID, n=2, out=folder, progress=lambda done, total: counts.append((done, total)),
                    **TINY)
    assert counts[0] == (2, 4) and counts[-1] == (4, 4) and len(counts) == 3  # two runs read back, two run
    assert (folder / "runs" / "point-0-seed-2" / "summary.json").stat().st_mtime_ns == kept  # not redone
    assert not stale.exists()
    assert sorted(p.name for p in (folder / "runs").iterdir()) == [
        "point-0-seed-1", "point-0-seed-2", "point-1-seed-1", "point-1-seed-2"]
    pd.testing.assert_frame_equal(resumed.to_tidy(), whole.to_tidy())
    pd.testing.assert_frame_equal(resumed.to_frame(), whole.to_frame())
    written = pd.read_csv(folder / "runs.csv")
    assert list(written.columns) == ["run", "scenario", "seed", "draw", "output", "value"]
    assert len(written) == len(whole.to_tidy()) and set(written["draw"]) == {0, 1}
    assert len(pd.read_csv(folder / "sweep.csv")) == 2


@pytest.mark.parametrize("change", [{"n": 3}, {"params": {"behaviour.patience_days": [2, 9]}}, {"days": 13}])
def test_a_sweep_folder_of_other_settings_is_refused(tmp_path: Path, change: dict) -> None:
    folder = tmp_path / "sweep"
    sweep("russia-2022", GRID, n=2, out=folder, progress=False, scale=20000, days=4)
    before = sorted(p.name for p in (folder / "runs").iterdir())
    options = {"n": 2, "params": GRID, "days": 4, **change}
    with pytest.raises(InputError, match="a sweep made with other settings"):
        sweep("russia-2022", options.pop("params"), out=folder, progress=False, scale=20000, **options)
    assert sorted(p.name for p in (folder / "runs").iterdir()) == before


SWEEP_ARGS = ["sweep", "russia-2022", "--param", "behaviour.patience_days=2,8", "-n", "6", "--scale", "20000",
              "--days", "18"]  # 12 runs


def test_sweep_command_resumes_after_sigint_with_the_same_result(tmp_path: Path) -> None:
    import subprocess
    import sys

    whole = tmp_path / "whole"  # the same sweep, uninterrupted (through the Python API: one process less)
    sweep("russia-2022", {"behaviour.patience_days": [2, 8]}, n=6, scale=20000, days=18, out=whole, progress=False)

    split = tmp_path / "split"
    assert interrupt_after([sys.executable, "-m", "exitwave", *SWEEP_ARGS, "--out", str(split)], plain_cli_env(),
                           tmp_path / "log.txt", lambda: finished_runs(split) >= 3) == 130
    kept = finished_runs(split)
    text = (tmp_path / "log.txt").read_text()
    assert 3 <= kept < 12 and not (split / "runs.csv").exists()
    assert "interrupted" in text and "resume" in text
    stamps = {p.parent.name: p.stat().st_mtime_ns for p in split.glob("runs/*/summary.json")}

    resumed = subprocess.run([sys.executable, "-m", "exitwave", *SWEEP_ARGS, "--out", str(split)],
                             env=plain_cli_env(), capture_output=True, text=True, timeout=900, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "12 of 12" in resumed.stderr  # plain progress lines when stderr is not a terminal
    assert f"{kept} of 12" in resumed.stderr  # the finished runs were counted ...
    assert {p.parent.name: p.stat().st_mtime_ns for p in split.glob("runs/*/summary.json")
            if p.parent.name in stamps} == stamps  # ... and not run again
    assert finished_runs(split) == 12
    a, b = pd.read_csv(whole / "runs.csv"), pd.read_csv(split / "runs.csv")
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)
    assert (whole / "sweep.csv").read_text() == (split / "sweep.csv").read_text()
