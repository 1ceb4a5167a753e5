"""Report inputs: comparison, ensemble and run folders are accepted; anything else is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exitwave.errors import InputError
from exitwave.experiments import ensemble
from exitwave.report.inputs import folder_kind, read_inputs


@pytest.fixture(scope="module")
def ensembles(tmp_path_factory):
    """Two scenarios as ensembles on seeds 1–2, and a third on other seeds."""
    root = tmp_path_factory.mktemp("ens")
    for name, seed in (("russia-2022", 1), ("asylum-coalition", 1), ("captor-credibility", 5)):
        ensemble(name, n=2, seed=seed, scale=8000, days=30, out=root / name)
    return root


def test_a_comparison_folder_is_paired(comparison_dir):
    given = read_inputs([comparison_dir])
    assert given.kind == "comparison" and given.paired
    assert list(given.groups)[:2] == ["russia-2022", "asylum-coalition"]
    assert all(len(runs) == 3 for runs in given.groups.values())


def test_a_moved_comparison_folder_still_finds_its_runs(comparison_dir, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(comparison_dir, moved)
    # as written by `compare --out runs/x` run from another working directory: relative paths
    data = json.loads((moved / "comparison.json").read_text())
    data["run_dirs"] = [f"elsewhere/{Path(d).parent.name}/{Path(d).name}" for d in data["run_dirs"]]
    (moved / "comparison.json").write_text(json.dumps(data))
    given = read_inputs([moved])
    assert given.comparison.run_dirs and all(d.parent.parent == moved for d in given.comparison.run_dirs)
    (moved / "russia-2022" / "seed-2" / "summary.json").unlink()
    with pytest.raises(InputError, match="seed-2 is missing"):
        read_inputs([moved])


def test_ensembles_on_the_same_seeds_make_a_comparison(ensembles):
    given = read_inputs([ensembles / "russia-2022", ensembles / "asylum-coalition"])
    assert given.kind == "ensembles" and given.paired
    assert given.comparison.names == ["russia-2022", "asylum-coalition"]
    assert given.comparison.seeds == [1, 2]


def test_ensembles_on_other_seeds_give_a_summary_without_audit(ensembles):
    given = read_inputs([ensembles / "russia-2022", ensembles / "captor-credibility"])
    assert given.kind == "runs" and not given.paired
    assert "seeds" in given.unpaired_reason


def test_single_run_folders_are_grouped_by_scenario(ensembles):
    runs = ensembles / "russia-2022" / "runs"
    given = read_inputs([runs / "seed-1", runs / "seed-2"])
    assert list(given.groups) == ["russia-2022"] and len(given.groups["russia-2022"]) == 2
    assert not given.paired and "one scenario" in given.unpaired_reason
    assert folder_kind(runs / "seed-1") == "run"


def test_folders_that_are_none_of_these_are_refused(tmp_path, comparison_dir, ensembles):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="comparison.json"):
        read_inputs([tmp_path / "empty"])
    with pytest.raises(InputError, match="no such folder"):
        read_inputs([tmp_path / "missing"])
    with pytest.raises(InputError, match="on its own"):
        read_inputs([comparison_dir, ensembles / "russia-2022"])


def test_report_command_refuses_a_folder_that_is_none_of_these(tmp_path):
    result = subprocess.run([sys.executable, "-m", "exitwave", "report", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "comparison.json" in result.stderr and "ensemble.json" in result.stderr
    assert not (tmp_path / "report.html").exists()


def test_report_command_accepts_two_ensembles(ensembles, tmp_path):
    out = tmp_path / "r.html"
    result = subprocess.run([sys.executable, "-m", "exitwave", "report", str(ensembles / "russia-2022"),
                             str(ensembles / "asylum-coalition"), "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert "id='claims-table'" in page and "supported" in page


def test_report_command_reports_unpaired_runs_without_an_audit(ensembles, tmp_path):
    out = tmp_path / "r.html"
    result = subprocess.run([sys.executable, "-m", "exitwave", "report", str(ensembles / "russia-2022"),
                             str(ensembles / "captor-credibility"), "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "no claims audit" in result.stderr
    page = out.read_text()
    assert "No claims audit" in page and "different seeds" in page
    assert "[" in page.split("Headline outputs", 1)[1]  # bands over the runs given
