"""Scenario values that belong to a world (world.yaml ``scenario_defaults``), not to the model."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

import exitwave
from exitwave.errors import InputError
from exitwave.scenario.load import load_scenario
from exitwave.scenario.schema import (
    CALLUP_FIELDS,
    Behaviour,
    Mobilization,
    PopulationSpec,
    Scenario,
    WarEnd,
)
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
    ("scenario_defaults: {casualties: {rate: 1}}", "scenario_defaults.casualties"),
    ("scenario_defaults: {front: {initial_strength: 1}}", "scenario_defaults.front.initial_strength"),
    ("scenario_defaults: {front: {war_end: {median_days: 9}}}", "scenario_defaults.front.war_end.median_days"),
    ("scenario_defaults: {front: {war_end: {war_start: soon}}}", "scenario_defaults.front.war_end.war_start"),
    ("scenario_defaults: {mobilization: {waves: []}}", "scenario_defaults.mobilization.waves"),
    ("scenario_defaults: {mobilization: {exempt_share: 1.5}}", "scenario_defaults.mobilization.exempt_share"),
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


CALLUP = {"mobilization": {"response_days": 3.0, "hide_rate": 0.02, "enforcement_rate": 0.005, "exempt_share": 0.1,
                           "unwilling_share": 0.45},
          "behaviour": {"threat_weight": 7.0, "summoned_threat": 1.5, "regional_threat_share": 0.3,
                        "non_reservist_threat": 0.5, "callup_news_half_life_days": 7.0}}
"""russia-2022's call-up values (its world.yaml), as they stood in the schema before they moved there."""


def test_russia_call_up_values_come_from_its_world_yaml() -> None:
    world = load_world("russia-2022").scenario_defaults
    assert world["front"] == {"war_end": {"war_start": dt.date(2022, 2, 24)}}
    to_the_hazard = ("0.02 per day", "0.005 per day")
    for section, values in CALLUP.items():
        for name, value in values.items():
            given = world[section][name]
            assert (given in to_the_hazard and float(str(given).split()[0]) == value) or float(given) == value, name
    # a scenario of that world that sets none of them gets them (the schema's own are neutral)
    built = Scenario(name="x", time={"start": "2022-09-21", "days": 3},
                     mobilization={"waves": [{"date": "2022-09-21", "quota": 10}]}, front={})
    for section, values in CALLUP.items():
        for name, value in values.items():
            assert getattr(getattr(built, section), name) == value, name
            assert getattr({"mobilization": Mobilization(), "behaviour": Behaviour()}[section], name) != value, name
    assert built.front is not None and str(built.front.war_end.war_start) == "2022-02-24"
    assert WarEnd().war_start is None
    # a scenario without a front gets none from the world's war
    assert Scenario(name="x", time={"start": "2022-09-21", "days": 3}).front is None
    # what the bundled scenario sets itself wins (its calibrated threat weight)
    assert load_scenario("russia-2022").behaviour.threat_weight != 7.0


def _scenario_on(tmp_path: Path, world_yaml_extra: str, scenario_extra: str) -> Path:
    shutil.copytree(WORLDS / "gdr-1989", tmp_path / "w")
    with (tmp_path / "w" / "world.yaml").open("a", encoding="utf-8") as handle:
        handle.write(world_yaml_extra)
    (tmp_path / "s.yaml").write_text("name: s\ntime: {start: 1989-09-01, days: 5}\nworld: w\n" + scenario_extra,
                                     encoding="utf-8")
    return tmp_path / "s.yaml"


WAVE = "mobilization:\n  waves: [{date: 1989-09-02, quota: 1000}]\n"


def test_a_call_up_on_a_world_without_its_values_is_refused_naming_each_field(tmp_path: Path) -> None:
    path = _scenario_on(tmp_path, "", WAVE + "behaviour: {threat_weight: 5}\n")
    with pytest.raises(InputError) as error:
        load_scenario(path)
    message = str(error.value)
    assert error.value.file == str(path)
    assert error.value.field == "mobilization.response_days"
    for section, names in CALLUP_FIELDS.items():
        for name in names:
            assert (f"{section}.{name}" in message) == (name != "threat_weight"), name
    assert "call-up waves" in message and "scenario_defaults" in message and "world 'w' does not give it" in message
    # the same scenario without waves is fine: the neutral values act on nothing
    assert load_scenario(_scenario_on(tmp_path / "b", "", "")).mobilization.exempt_share == 0.0


def test_the_command_line_exits_2_on_a_call_up_without_its_values(tmp_path: Path) -> None:
    import subprocess
    import sys

    from helpers import plain_cli_env

    path = _scenario_on(tmp_path, "", WAVE)
    done = subprocess.run([sys.executable, "-m", "exitwave", "validate", str(path)], env=plain_cli_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "mobilization.exempt_share" in done.stderr + done.stdout


def test_a_world_that_gives_the_call_up_values_serves_a_scenario_with_waves(tmp_path: Path) -> None:
    block = ("scenario_defaults:\n  mobilization: {response_days: 2, hide_rate: 0.1 per day, enforcement_rate: "
             "0 per day, exempt_share: 0.2, unwilling_share: 0.3}\n  behaviour: {threat_weight: 4, summoned_threat: 1, "
             "regional_threat_share: 0, non_reservist_threat: 1, callup_news_half_life_days: 3}\n")
    scenario = load_scenario(_scenario_on(tmp_path, block, WAVE))
    assert (scenario.mobilization.exempt_share, scenario.behaviour.threat_weight) == (0.2, 4.0)


def test_a_front_with_the_hazard_rule_needs_the_war_start(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        load_scenario(_scenario_on(tmp_path, "", "front: {initial_strength: 1000}\n"))
    assert error.value.field == "front.war_end.war_start"
    assert "hazard" in str(error.value)
    given = load_scenario(_scenario_on(tmp_path / "b", "", "front: {war_end: {war_start: 1989-01-01}}\n"))
    assert given.front is not None and str(given.front.war_end.war_start) == "1989-01-01"
    # the breakpoint rule does not count the war's age
    breakpoint_front = load_scenario(_scenario_on(tmp_path / "c", "", "front: {war_end: {rule: breakpoint}}\n"))
    assert breakpoint_front.front is not None and breakpoint_front.front.war_end.war_start is None
