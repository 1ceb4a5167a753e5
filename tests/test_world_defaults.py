"""Scenario values that belong to a world (world.yaml ``scenario_defaults``), not to the model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import exitwave
from exitwave.errors import InputError
from exitwave.scenario.load import load_scenario
from exitwave.scenario.schema import Behaviour, PopulationSpec, Scenario
from exitwave.world import load_world

WORLDS = Path(exitwave.__file__).parent / "data" / "worlds"
RUSSIA_RETURN = 0.35 / 450.0  # per day: the russia-2022 world's return rate


def test_a_new_world_gets_neutral_values_and_russia_keeps_its_own() -> None:
    assert (Behaviour().return_rate, Behaviour().onward_rate) == (0.0, 0.0)
    assert (PopulationSpec().passport_share, PopulationSpec().reservist_share) == (1.0, 0.0)
    gdr = load_scenario("gdr-1989")
    assert (gdr.behaviour.return_rate, gdr.behaviour.onward_rate) == (0.0, 0.0)
    russia = load_scenario("russia-2022")
    assert russia.behaviour.return_rate == RUSSIA_RETURN  # bit for bit: the baseline is unchanged
    assert (russia.population.passport_share, russia.population.reservist_share) == (0.30, 0.65)
    # the calibrated scenario sets its own onward rate (posterior median): it wins over the world's 0.05
    assert russia.behaviour.onward_rate != 0.05
    assert load_world("russia-2022").scenario_defaults["behaviour"]["onward_rate"] in (0.05, "0.05 per day")
    # a scenario built in Python gets them too; what it sets itself wins
    built = Scenario(name="x", time={"start": "2022-09-21", "days": 3},
                     population=PopulationSpec(passport_share=0.5), behaviour={"return_rate": "0 per day"})
    assert (built.population.passport_share, built.population.reservist_share) == (0.5, 0.65)
    assert (built.behaviour.return_rate, built.behaviour.onward_rate) == (0.0, 0.05)


def test_a_world_next_to_its_scenario_supplies_its_values(tmp_path: Path) -> None:
    shutil.copytree(WORLDS / "gdr-1989", tmp_path / "my-world")
    with (tmp_path / "my-world" / "world.yaml").open("a", encoding="utf-8") as handle:
        handle.write("scenario_defaults:\n  behaviour: {return_rate: 0.1 per year}\n")
    (tmp_path / "s.yaml").write_text("name: s\ntime: {start: 1989-01-01, days: 3}\nworld: my-world\n",
                                     encoding="utf-8")
    assert load_scenario(tmp_path / "s.yaml").behaviour.return_rate == pytest.approx(0.1 / 365.25)


@pytest.mark.parametrize("block, field", [
    ("scenario_defaults: {front: {initial_strength: 1}}", "scenario_defaults.front"),
    ("scenario_defaults: {behaviour: {patience_days: 2}}", "scenario_defaults.behaviour.patience_days"),
    ("scenario_defaults: {behaviour: {return_rate: 0.1}}", "scenario_defaults.behaviour.return_rate"),
    ("scenario_defaults: {population: {passport_share: 2}}", "scenario_defaults.population.passport_share"),
])
def test_a_bad_scenario_defaults_block_names_its_field(tmp_path: Path, block: str, field: str) -> None:
    folder = tmp_path / "w"
    shutil.copytree(WORLDS / "gdr-1989", folder)
    with (folder / "world.yaml").open("a", encoding="utf-8") as handle:
        handle.write(block + "\n")
    with pytest.raises(InputError) as error:
        load_world(str(folder))
    assert error.value.field == field
