"""The worked example of docs/tutorials/another-country.md keeps working.

The fictional world ``examples/worlds/ruritania`` and its two scenarios are loaded, validated and
run at a small size; every ``exitwave`` command shown in the tutorial is run as written, from a
copy of the repository's ``examples/`` folder.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from exitwave.engine import Simulation
from exitwave.results import Results
from exitwave.scenario.load import load_scenario
from exitwave.world import MODES, load_world

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
WORLD = EXAMPLES / "worlds" / "ruritania"
CALLUP = EXAMPLES / "scenarios" / "ruritania-callup.yaml"
OPEN_DOOR = EXAMPLES / "scenarios" / "ruritania-open-door.yaml"
TUTORIAL = ROOT / "docs" / "tutorials" / "another-country.md"
SCALE, DAYS = 100, 30


def crossing_ids() -> list[str]:
    with (WORLD / "crossings.csv").open(newline="", encoding="utf-8") as handle:
        return [row["crossing_id"] for row in csv.DictReader(handle)]


def test_the_example_world_is_small_complete_and_fictional() -> None:
    w = load_world(str(WORLD))
    assert w.folder == WORLD
    assert (w.n_regions, w.n_crossings, w.n_countries) == (4, 5, 5)
    assert w.crossing_ids == crossing_ids()
    assert [MODES[m] for m in w.crossing_mode].count("air") == 1
    assert [w.country_ids[i] for i in w.country_group("EU")] == ["XS"]
    assert w.sending_country == "XR" and w.sending_country not in w.country_ids
    assert w.onward_share.any()
    assert set(w.country_ids) == {w.country_ids[c] for c in w.crossing_country} | {"XF"}
    for file, sources in w.sources.items():
        assert sources == ["fictional example"], file
    for path in WORLD.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            assert all(row["source"] == "fictional example" for row in csv.DictReader(handle)), path


def test_the_variant_extends_the_call_up_and_appends_a_policy() -> None:
    callup, open_door = load_scenario(CALLUP), load_scenario(OPEN_DOOR)
    assert open_door.policies[:-1] == callup.policies
    assert open_door.policies[-1].country == "EU" and open_door.policies[-1].asylum == "grant"
    assert open_door.mobilization == callup.mobilization
    assert open_door.countermeasures == callup.countermeasures
    assert Path(open_door.world) == WORLD  # the parent's world, relative to the parent


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[Simulation, Results]]:
    out = {}
    for path in (CALLUP, OPEN_DOOR):
        sim = Simulation(load_scenario(path), scale=SCALE, days=DAYS, source=path)
        out[path.stem] = (sim, sim.run())
    return out


@pytest.mark.parametrize("name", ["ruritania-callup", "ruritania-open-door"])
def test_an_example_run_conserves_people_and_leaves_through_the_example_crossings(
        runs: dict, name: str) -> None:
    sim, results = runs[name]
    s = results.summary
    assert sim.world.folder.resolve() == WORLD
    assert s["conservation_ok"], s["conservation_problems"]
    assert s["days"] == DAYS and s["population"] > 500_000
    assert s["departed"] > 0 and s["mobilized"] > 0
    assert set(s["by_crossing"]) <= set(crossing_ids())
    assert len(s["by_crossing"]) >= 3
    assert sum(s["by_crossing"].values()) == s["departed"]
    assert set(s["by_destination"]) <= set(sim.world.country_ids)
    frame = results.to_frame()
    assert frame["departed"].iloc[-1] == pytest.approx(s["departed"], abs=SCALE)
    assert frame.loc[: "2030-03-08", "departed_daily"].sum() <= frame["departed_daily"].sum() / 10


def test_the_border_closure_and_the_draft_office_act(runs: dict) -> None:
    _, callup = runs["ruritania-callup"]
    _, open_door = runs["ruritania-open-door"]
    closed = callup.to_frame().loc["2030-03-15":, "crossed.strelsau_bridge"]
    assert closed.sum() == 0  # Syldavia is closed from 15 March
    assert callup.summary["detained_at_border"] > 0  # the draft office at Zenda Pass
    assert callup.to_frame().loc[: "2030-03-11", "detained_at_border"].max() == 0
    opened = open_door.to_frame().loc["2030-03-15":, "crossed.strelsau_bridge"]
    assert opened.sum() > 0
    assert open_door.summary["by_destination"].get("XS", 0) > callup.summary["by_destination"].get("XS", 0)
    assert open_door.summary["asylum_applications"] > 0


def tutorial_commands() -> list[list[str]]:
    text = TUTORIAL.read_text(encoding="utf-8")
    return [shlex.split(m) for m in re.findall(r"^\$ (exitwave .+)$", text, flags=re.MULTILINE)]


def test_the_tutorial_shows_the_commands_it_promises() -> None:
    commands = [" ".join(c) for c in tutorial_commands()]
    assert "exitwave validate examples/scenarios/ruritania-callup.yaml" in commands
    assert f"exitwave run examples/scenarios/ruritania-callup.yaml --scale {SCALE} --days {DAYS}" in commands
    text = TUTORIAL.read_text(encoding="utf-8")
    for cid in crossing_ids():
        assert cid in text, cid


def test_every_tutorial_command_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    env.update(NO_COLOR="1", COLUMNS="100")
    for command in tutorial_commands():
        args = [sys.executable, "-m", "exitwave", *command[1:]]
        done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=600, check=False)
        assert done.returncode == 0, f"{' '.join(command)}\n{done.stderr}"
        if command[1] == "run":
            run_dir = tmp_path / done.stdout.split("run directory:")[-1].strip()
            summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
            assert summary["conservation_ok"]
            assert set(summary["by_crossing"]) <= set(crossing_ids())
            assert np.isfinite(summary["departed"])


def test_a_saved_scenario_re_runs_from_its_run_directory(tmp_path):
    """A world given by a relative path is recorded by absolute path in the run directory."""
    from exitwave.engine import Simulation
    from exitwave.scenario.load import load_scenario

    source = EXAMPLES / "scenarios" / "ruritania-callup.yaml"
    results = Simulation(load_scenario(str(source)), scale=500, days=5, source=source).run()
    run_dir = results.save(tmp_path / "runs")
    again = Simulation(load_scenario(str(run_dir / "scenario.yaml")), source=run_dir / "scenario.yaml")
    assert again.world.name == "ruritania"
