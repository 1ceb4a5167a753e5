"""Dashboard comparisons: saved atomically under runs/dashboard/<timestamp>, readable by the report."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exitwave.dashboard.proposal import Edits, build_overrides, prepare
from exitwave.dashboard.runner import (
    charts,
    claims_table,
    headline_notes,
    headline_table,
    new_folder,
    run_comparison,
)
from exitwave.errors import InputError
from exitwave.experiments.comparison import Comparison
from exitwave.report.claims import audit
from exitwave.scenario.load import load_scenario


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    parent = tmp_path_factory.mktemp("runs") / "dashboard"
    coalition = load_scenario("asylum-coalition")
    edited = prepare("asylum-coalition", build_overrides(coalition, Edits(extra={"behaviour.patience_days": 6})))
    calls: list[tuple[str, int]] = []
    comparison, folder = run_comparison(["russia-2022", edited.scenario], seeds=2, scale=8000, days=40,
                                        parent=parent, progress=lambda name, seed: calls.append((name, seed)))
    return parent, comparison, folder, calls


def test_the_folder_is_complete_and_names_its_final_runs(saved):
    parent, comparison, folder, calls = saved
    assert folder.parent == parent
    assert [p.name for p in parent.iterdir()] == [folder.name]  # no staging folder left
    assert sorted(calls) == [("asylum-coalition-edited", 1), ("asylum-coalition-edited", 2),
                             ("russia-2022", 1), ("russia-2022", 2)]
    data = json.loads((folder / "comparison.json").read_text())
    assert data["names"] == ["russia-2022", "asylum-coalition-edited"]
    assert len(data["run_dirs"]) == 4
    for run_dir in data["run_dirs"]:
        assert Path(run_dir).parent.parent == folder and (Path(run_dir) / "summary.json").is_file()
    assert (folder / "inputs" / "asylum-coalition-edited.yaml").is_file()
    assert "patience_days: 6" in (folder / "asylum-coalition-edited" / "seed-1" / "scenario.yaml").read_text()
    loaded = Comparison.load(folder)
    assert loaded.names == comparison.names and loaded.run_dirs == comparison.run_dirs


def test_exitwave_report_reads_the_folder(saved):
    _, _, folder, _ = saved
    result = subprocess.run([sys.executable, "-m", "exitwave", "report", str(folder)],
                            capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr
    assert (folder / "report.html").is_file()


def test_tables_and_charts_for_the_page(saved):
    _, comparison, _, _ = saved
    headline = headline_table(comparison)
    assert list(headline.columns) == ["russia-2022", "asylum-coalition-edited", "Δ asylum-coalition-edited"]
    assert "departed (crossed out)" in headline.index
    assert "[" in headline.loc["departed (crossed out)", "Δ asylum-coalition-edited"]
    claims = claims_table(audit(comparison))
    assert len(claims) >= 3 and list(claims.columns)[-1] == "verdict"
    assert claims["verdict"].str.len().gt(0).all()
    made = charts(comparison)  # interactive charts, no pictures: differences, daily bands, the flow map
    assert {c.kind for c in made} == {"difference", "daily", "map"}
    assert all(c.chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite/") for c in made)


def test_the_headline_table_names_the_war_end_rule_and_its_source(saved):
    _, comparison, folder, _ = saved
    assert "war-end day (censored at run end)" in headline_table(comparison).index
    (note,) = headline_notes(folder, comparison)  # both scenarios share the default prior
    assert note.startswith("war-end rule and its source: war end by hazard") and "CSIS 2022" in note


def test_a_failing_comparison_leaves_nothing(tmp_path):
    parent = tmp_path / "dashboard"
    with pytest.raises(InputError):
        run_comparison(["russia-2022", "no-such-scenario"], seeds=2, scale=8000, days=5, parent=parent)
    assert not parent.exists()  # not even the parent folder is left


def test_new_folders_never_collide(tmp_path):
    now = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    first = new_folder(tmp_path, now)
    assert first.name == "20240102-030405"
    first.mkdir()
    assert new_folder(tmp_path, now).name == "20240102-030405-2"
