"""Path safety: only the project's scenario folders, worlds and runs may be read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exitwave.dashboard.paths import (
    PathRefused,
    ProjectPaths,
    check_comparison_reads,
    check_scenario_reads,
    safe_path,
    scenario_choices,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "scenarios").mkdir(parents=True)
    (root / "runs").mkdir()
    (root / "scenarios" / "mine.yaml").write_text("extends: russia-2022\nname: mine\n")
    (tmp_path / "outside.yaml").write_text("name: outside\n")
    return ProjectPaths.at(root)


def test_a_file_inside_a_scenario_folder_is_accepted(project):
    real = safe_path("scenarios/mine.yaml", project.scenario_roots, project.root)
    assert real == project.root / "scenarios" / "mine.yaml"
    assert safe_path(str(real), project.scenario_roots, project.root) == real  # absolute too


@pytest.mark.parametrize("text", ["../outside.yaml", "scenarios/../../outside.yaml",
                                  "scenarios/./../scenarios/../../outside.yaml", "/etc/passwd",
                                  "runs/../scenarios/mine.yaml"])
def test_paths_that_climb_out_are_refused(project, text):
    roots = project.scenario_roots if text.startswith("runs") else project.readable_scenario_roots
    with pytest.raises(PathRefused, match="outside the folders"):
        safe_path(text, roots if not text.startswith("runs") else (project.run_root,), project.root)


def test_a_symlink_out_of_an_allowed_folder_is_refused(project, tmp_path):
    link = project.root / "scenarios" / "link.yaml"
    os.symlink(tmp_path / "outside.yaml", link)
    with pytest.raises(PathRefused, match="outside"):
        safe_path("scenarios/link.yaml", project.scenario_roots, project.root)
    folder_link = project.root / "scenarios" / "elsewhere"
    os.symlink(tmp_path, folder_link, target_is_directory=True)
    with pytest.raises(PathRefused):
        safe_path("scenarios/elsewhere/outside.yaml", project.scenario_roots, project.root)


def test_a_symlinked_allowed_folder_is_followed_to_its_real_place(project, tmp_path):
    # the check is on the real path: a link *to* an allowed file from an allowed folder is fine
    link = project.root / "scenarios" / "again.yaml"
    os.symlink(project.root / "scenarios" / "mine.yaml", link)
    assert safe_path("scenarios/again.yaml", project.scenario_roots, project.root) == \
        project.root / "scenarios" / "mine.yaml"


def test_only_scenario_files_and_real_text(project):
    (project.root / "scenarios" / "notes.txt").write_text("x")
    with pytest.raises(PathRefused, match="ending in"):
        safe_path("scenarios/notes.txt", project.scenario_roots, project.root)
    for text in ("", "   ", "scenarios/mine\x00.yaml"):
        with pytest.raises(PathRefused):
            safe_path(text, project.scenario_roots, project.root)
    assert safe_path("runs/x", (project.run_root,), project.root, suffixes=None) == project.run_root / "x"


def test_a_prefix_of_an_allowed_folder_is_not_inside_it(project):
    sibling = project.root / "scenarios-evil"
    sibling.mkdir()
    (sibling / "x.yaml").write_text("name: x\n")
    with pytest.raises(PathRefused):
        safe_path("scenarios-evil/x.yaml", project.scenario_roots, project.root)


def test_choices_are_bundled_names_and_files_in_the_allowed_folders(project, tmp_path):
    os.symlink(tmp_path / "outside.yaml", project.root / "scenarios" / "link.yaml")
    choices = scenario_choices(project)
    assert choices["russia-2022"] == "russia-2022"
    assert choices["asylum-coalition"] == "asylum-coalition"
    assert choices["scenarios/mine.yaml"] == str(project.root / "scenarios" / "mine.yaml")
    assert "scenarios/link.yaml" not in choices  # leads outside
    assert not any("outside" in value for value in choices.values())


def test_the_repository_examples_are_offered_and_pass_the_chain_check():
    paths = ProjectPaths.at(REPO)
    choices = scenario_choices(paths)
    assert "examples/scenarios/ruritania-open-door.yaml" in choices
    check_scenario_reads(choices["examples/scenarios/ruritania-open-door.yaml"], paths)  # extends + world
    check_scenario_reads("asylum-coalition-exits-closed", paths)  # bundled chain


def test_an_extends_chain_that_leaves_the_folders_is_refused(project, tmp_path):
    (project.root / "scenarios" / "sneaky.yaml").write_text("extends: ../../outside.yaml\nname: s\n")
    with pytest.raises(PathRefused, match="extends"):
        check_scenario_reads(str(project.root / "scenarios" / "sneaky.yaml"), project)


def test_a_world_folder_outside_the_world_folders_is_refused(project, tmp_path):
    world = tmp_path / "elsewhere-world"
    world.mkdir()
    (world / "world.yaml").write_text("name: w\n")
    (project.root / "scenarios" / "w.yaml").write_text(f"extends: russia-2022\nname: w\nworld: {world}\n")
    with pytest.raises(PathRefused, match="world folder"):
        check_scenario_reads(str(project.root / "scenarios" / "w.yaml"), project)
    (project.root / "scenarios" / "ok.yaml").write_text("extends: mine.yaml\nname: ok\n")
    check_scenario_reads(str(project.root / "scenarios" / "ok.yaml"), project)


# --- issue 16, defect 8: reads through links, saved comparisons, long paths ----------------------

def test_a_world_file_linked_out_of_an_allowed_world_folder_is_refused(project, tmp_path):
    world = project.root / "worlds" / "linked"
    world.mkdir(parents=True)
    (world / "world.yaml").write_text("name: linked\n")
    (tmp_path / "secret.csv").write_text("region_id\n")
    os.symlink(tmp_path / "secret.csv", world / "regions.csv")
    (project.root / "scenarios" / "l.yaml").write_text("extends: russia-2022\nname: l\nworld: ../worlds/linked\n")
    with pytest.raises(PathRefused, match="regions.csv leads to"):
        check_scenario_reads(str(project.root / "scenarios" / "l.yaml"), project)


def test_an_extends_chain_longer_than_the_loader_reads_is_refused(project):
    folder = project.root / "scenarios"
    for k in range(20):
        (folder / f"c{k}.yaml").write_text(f"extends: c{k + 1}.yaml\nname: c{k}\n")
    (folder / "c20.yaml").write_text("extends: russia-2022\nname: c20\n")
    with pytest.raises(PathRefused, match="at most 16 levels of extends"):
        check_scenario_reads(str(folder / "c0.yaml"), project)
    check_scenario_reads(str(folder / "c10.yaml"), project)  # 11 files: fine


@pytest.mark.parametrize("text", ["scenarios/" + "a" * 300 + ".yaml", "scenarios/" + "ab/" * 2000 + "x.yaml"])
def test_a_path_too_long_for_the_file_system_is_refused_not_raised(project, text):
    with pytest.raises(PathRefused, match="at most 4096 characters, each name at most 255"):
        safe_path(text, project.scenario_roots, project.root)


def _saved(project, run_dirs, world="russia-2022"):
    from exitwave.experiments.comparison import Comparison

    folder = project.dashboard_runs / "20261130T120000"
    (folder / "a" / "seed-1").mkdir(parents=True)
    (folder / "a" / "seed-1" / "scenario.yaml").write_text(f"name: a\nworld: {world}\n")
    return folder, Comparison(names=["a"], seeds=[1], fields=[], values={}, run_dirs=[Path(p) for p in run_dirs])


def test_a_saved_comparison_may_read_only_its_own_runs(project, tmp_path):
    folder, comparison = _saved(project, ["RUN"])
    comparison.run_dirs = [folder / "a" / "seed-1"]
    check_comparison_reads(comparison, folder, project)
    for outside in (tmp_path, folder / ".." / "other" / "seed-1", Path("/etc")):
        comparison.run_dirs = [Path(outside)]
        with pytest.raises(PathRefused, match="run_dirs: refused"):
            check_comparison_reads(comparison, folder, project)


def test_a_saved_run_whose_world_lies_outside_is_refused(project, tmp_path):
    world = tmp_path / "w"
    world.mkdir()
    (world / "world.yaml").write_text("name: w\n")
    folder, comparison = _saved(project, [], world=str(world))
    comparison.run_dirs = [folder / "a" / "seed-1"]
    with pytest.raises(PathRefused, match="world folder"):
        check_comparison_reads(comparison, folder, project)
