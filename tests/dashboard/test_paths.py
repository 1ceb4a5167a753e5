"""Path safety: only the project's scenario folders, worlds and runs may be read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exitwave.dashboard.paths import (
    PathRefused,
    ProjectPaths,
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
