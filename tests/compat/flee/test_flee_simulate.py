"""Runs of the Mali 2012 case: conservation, Flee-level accuracy at 10 %, reproducibility; the ARD
and the spawning schedule on hand-made numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from exitwave.cli import app
from exitwave.compat.flee import rules
from exitwave.compat.flee.metrics import ard
from exitwave.compat.flee.reader import read_case
from exitwave.compat.flee.simulate import FleeRun, run_case, spawn_schedule, warm_up

DATA = Path(__file__).resolve().parents[3] / "examples" / "flee"  # Flee's validation cases, bundled (BSD)


@pytest.fixture(scope="module")
def mali_case() -> tuple:
    return read_case(DATA / "input" / "mali", DATA / "validation" / "mali2012", DATA / "simsetting-mali2012.yml")


@pytest.fixture(scope="module")
def mali_10(mali_case: tuple) -> FleeRun:
    return run_case(*mali_case, seed=3, population_fraction=0.1, full_check_every=1)


def test_mali_at_ten_percent_is_as_accurate_as_flee(mali_10: FleeRun) -> None:
    assert mali_10.conservation_ok
    assert mali_10.ard < 0.6 and mali_10.ard_rescaled < 0.6
    assert sum(mali_10.ard_by_camp.values()) == pytest.approx(mali_10.ard)
    assert mali_10.simulated.shape == (300, 7)
    # insert_day0: the camps start at their day-0 observations
    assert (mali_10.simulated[0] <= mali_10.observed[0]).all()
    assert mali_10.total_agents[-1] == pytest.approx(148_063 * 0.1, rel=0.02)


def test_same_seed_same_series_other_seed_other_series(mali_case: tuple, mali_10: FleeRun) -> None:
    again = run_case(*mali_case, seed=3, population_fraction=0.1)
    assert np.array_equal(again.simulated, mali_10.simulated)
    assert again.ard == mali_10.ard
    other = run_case(*mali_case, seed=4, population_fraction=0.1)
    assert not np.array_equal(other.simulated, mali_10.simulated)


def test_cumulative_weights_choose_as_the_live_scan(mali_case: tuple, mali_10: FleeRun) -> None:
    """The fast path (running sums where no destination is inside its capacity buffer) picks the
    same paths as reading every capacity factor at every choice: identical series."""
    live = run_case(*mali_case, seed=3, population_fraction=0.1, live_weights=True)
    assert np.array_equal(live.simulated, mali_10.simulated)
    assert np.array_equal(live.on_links, mali_10.on_links)


def test_warm_up_compiles_the_kernels_a_run_calls(mali_case: tuple) -> None:
    """warm_up builds its containers as run_case does, so a run finds every kernel compiled (one
    signature each) instead of compiling again."""
    warm_up()
    run_case(*mali_case, seed=1, population_fraction=0.05, n_days=40, full_check_every=10)
    for kernel in (rules.path_weights, rules.cumulative_weights, rules.step_day, rules.spawn_weights, rules.spawn,
                   rules.record, rules.reset_wake, rules.mark_bounced, rules.recount):
        assert len(kernel.signatures) == 1, (kernel.__name__, kernel.signatures)


def test_spawn_schedule_carries_falls_as_debt() -> None:
    total = np.array([100, 150, 130, 140, 200, 200])
    new, raw, debt = spawn_schedule(total, insert_day0=True)
    assert new.tolist() == [0, 50, 0, 0, 50, 0]  # −20 becomes a debt; +10 leaves 10 owed; +60 − 10
    assert debt.tolist() == [0, 0, 20, 10, 0, 0]
    assert raw.tolist() == [100, 150, 130, 140, 200, 200]
    assert spawn_schedule(total, insert_day0=False)[0][0] == 100


def test_ard_by_hand() -> None:
    sim = np.array([[10, 0], [30, 10]])
    obs = np.array([[5, 5], [20, 20]])
    normal, rescaled, by_camp = ard(sim, obs, ["a", "b"])
    assert normal == pytest.approx(((5 + 5) / 10 + (10 + 10) / 40) / 2)
    # rescaled: day 1 ×1 (10 in camps both), day 2 × 40/40
    assert rescaled == pytest.approx(normal)
    assert by_camp["a"] + by_camp["b"] == pytest.approx(normal)
    assert ard(np.array([[2, 2]]), np.array([[1, 3]]))[1] == pytest.approx(0.5)


def test_cli_writes_the_series_and_prints_the_ard(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["flee", "run", str(DATA / "input" / "mali"), "--validation",
                                      str(DATA / "validation" / "mali2012"), "--settings",
                                      str(DATA / "simsetting-mali2012.yml"), "--population-fraction", "0.05",
                                      "--days", "60", "--seed", "2", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "ARD rescaled" in result.output and "Fassala-Mbera" in result.output
    (run_dir,) = tmp_path.iterdir()
    assert sorted(p.name for p in run_dir.iterdir()) == ["series.csv", "settings.yml", "summary.json"]
    import pandas as pd

    series = pd.read_csv(run_dir / "series.csv")
    assert len(series) == 60 and "Mentao sim" in series and "Mentao data" in series
