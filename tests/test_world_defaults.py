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
    FRONT_FIELDS,
    WAVE_FIELDS,
    Behaviour,
    Front,
    Mobilization,
    PopulationSpec,
    Scenario,
    WarEnd,
    Wave,
)
from exitwave.world import SCENARIO_DEFAULT_FIELDS, load_world

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
    ("scenario_defaults: {front: {unit_size: 100}}", "scenario_defaults.front.unit_size"),
    ("scenario_defaults: {front: {initial_strength: -1}}", "scenario_defaults.front.initial_strength"),
    ("scenario_defaults: {front: {contract_recruits: 900}}", "scenario_defaults.front.contract_recruits"),
    ("scenario_defaults: {mobilization: {wave: {summons_days: 0}}}", "scenario_defaults.mobilization.wave.summons_days"),
    ("scenario_defaults: {mobilization: {wave: {quota: 5}}}", "scenario_defaults.mobilization.wave.quota"),
    ("scenario_defaults: {mobilization: {wave: 30}}", "scenario_defaults.mobilization.wave"),
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
    assert world["front"]["war_end"] == {"war_start": dt.date(2022, 2, 24)}
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
    wave = ("mobilization:\n  waves: [{date: 1989-09-02, quota: 1000, summons_days: 20, pace_days: 20, "
            "capacity_per_day: 500, oversummons: 1, age_max: 45}]\n")
    scenario = load_scenario(_scenario_on(tmp_path, block, wave))
    assert (scenario.mobilization.exempt_share, scenario.behaviour.threat_weight) == (0.2, 4.0)


FRONT = ("front:\n  initial_strength: 1000\n  training_days: 10\n  contract_recruits: 0 per day\n  recruit_age_max: 40\n"
         "  deserter_recognition: 0\n  hotline_contacts: 0 per day\n  hotline_conversion: 0\n")
"""A front with every value a country gives but its war's start."""


def test_a_front_with_the_hazard_rule_needs_the_war_start(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        load_scenario(_scenario_on(tmp_path, "", FRONT))
    assert error.value.field == "front.war_end.war_start"
    assert "hazard" in str(error.value)
    given = load_scenario(_scenario_on(tmp_path / "b", "", FRONT + "  war_end: {war_start: 1989-01-01}\n"))
    assert given.front is not None and str(given.front.war_end.war_start) == "1989-01-01"
    # the breakpoint rule does not count the war's age
    breakpoint_front = load_scenario(_scenario_on(tmp_path / "c", "", FRONT + "  war_end: {rule: breakpoint}\n"))
    assert breakpoint_front.front is not None and breakpoint_front.front.war_end.war_start is None


WAVE_2022 = {"summons_days": 30, "pace_days": 30, "capacity_per_day": 20000.0, "oversummons": 1.3, "age_max": 49}
FRONT_2022 = {"initial_strength": 300_000, "training_days": 30, "contract_recruits": 30_000 / (365.25 / 12),
              "recruit_age_max": 49, "deserter_recognition": 0.05, "hotline_contacts": 1600 / (365.25 / 12),
              "hotline_conversion": 0.0085}
"""russia-2022's wave and front values (its world.yaml), as they stood in the schema before they moved there."""


def test_the_world_may_supply_exactly_the_wave_and_front_fields_of_the_schema() -> None:
    assert set(WAVE_2022) == set(WAVE_FIELDS) and set(FRONT_2022) == set(FRONT_FIELDS)
    assert [f"wave.{name}" for name in WAVE_FIELDS] == [
        name for name in SCENARIO_DEFAULT_FIELDS["mobilization"] if name.startswith("wave.")]
    assert set(SCENARIO_DEFAULT_FIELDS["front"]) == set(FRONT_FIELDS) | {"war_end.war_start"}
    # the schema keeps nothing of Russia's: its own values are neutral or placeholders
    wave, front = Wave(date="2022-09-21", quota=1), Front()
    for name, value in WAVE_2022.items():
        assert getattr(wave, name) != value, name
    for name, value in FRONT_2022.items():
        assert getattr(front, name) != value, name
    assert (front.initial_strength, front.contract_recruits, front.hotline_contacts, front.deserter_recognition) == (
        0, 0.0, 0.0, 0.0)


def test_the_russia_world_supplies_each_wave_and_front_value_bit_for_bit() -> None:
    built = Scenario(name="x", time={"start": "2022-09-21", "days": 3}, front={},
                     mobilization={"waves": [{"date": "2022-09-21", "quota": 10},
                                             Wave(date="2022-10-21", quota=5, summons_days=7)]})
    first, second = built.mobilization.waves
    for name, value in WAVE_2022.items():
        assert getattr(first, name) == value, name
        assert getattr(second, name) == (7 if name == "summons_days" else value), name  # its own value wins
    assert built.front is not None
    for name, value in FRONT_2022.items():
        assert getattr(built.front, name) == value, name  # == on floats: the baseline is unchanged
    # the bundled scenario's own values win over its world's
    russia = load_scenario("russia-2022")
    assert russia.mobilization.waves[0].summons_days == 37 and russia.mobilization.waves[0].age_max == 49
    assert russia.front is not None and russia.front.hotline_contacts == FRONT_2022["hotline_contacts"]


def test_a_scenario_s_own_wave_and_front_values_win_over_its_world_s(tmp_path: Path) -> None:
    block = ("scenario_defaults:\n  mobilization:\n    wave: {summons_days: 10, pace_days: 5, capacity_per_day: 100, "
             "oversummons: 1.1, age_max: 40}\n  front: {initial_strength: 5000, training_days: 7, contract_recruits: "
             "10 per day, recruit_age_max: 45, deserter_recognition: 0.2, hotline_contacts: 0 per day, "
             "hotline_conversion: 0, war_end: {war_start: 1989-01-01}}\n")
    own = ("mobilization:\n  waves: [{date: 1989-09-02, quota: 1000, age_max: 35}, {date: 1989-09-03, quota: 10}]\n"
           "  response_days: 2\n  hide_rate: 0 per day\n  enforcement_rate: 0 per day\n  exempt_share: 0\n"
           "  unwilling_share: 0.5\nbehaviour: {threat_weight: 4, summoned_threat: 1, regional_threat_share: 0, "
           "non_reservist_threat: 1, callup_news_half_life_days: 3}\nfront: {initial_strength: 2000}\n")
    scenario = load_scenario(_scenario_on(tmp_path, block, own))
    first, second = scenario.mobilization.waves
    assert (first.age_max, second.age_max) == (35, 40)
    assert (first.summons_days, first.pace_days, first.capacity_per_day, first.oversummons) == (10, 5, 100.0, 1.1)
    assert scenario.front is not None
    assert (scenario.front.initial_strength, scenario.front.recruit_age_max) == (2000, 45)
    assert scenario.front.contract_recruits == 10.0 and scenario.front.deserter_recognition == 0.2


def test_a_wave_without_its_values_on_a_world_without_them_is_refused_naming_each(tmp_path: Path) -> None:
    callup = ("scenario_defaults:\n  mobilization: {response_days: 2, hide_rate: 0.1 per day, enforcement_rate: "
              "0 per day, exempt_share: 0.2, unwilling_share: 0.3}\n  behaviour: {threat_weight: 4, summoned_threat: 1, "
              "regional_threat_share: 0, non_reservist_threat: 1, callup_news_half_life_days: 3}\n")
    waves = "mobilization:\n  waves: [{date: 1989-09-02, quota: 1000, pace_days: 9}, {date: 1989-09-03, quota: 10}]\n"
    path = _scenario_on(tmp_path, callup, waves)
    with pytest.raises(InputError) as error:
        load_scenario(path)
    message = str(error.value)
    assert error.value.file == str(path)
    assert error.value.field == "mobilization.waves[0].summons_days"
    for i in (0, 1):
        for name in WAVE_FIELDS:
            assert (f"mobilization.waves[{i}].{name}" in message) == (not (i == 0 and name == "pace_days")), (i, name)
    assert "each call-up wave" in message and "world 'w' does not give it" in message
    # the call-up's other values came from the world: only the waves' are missing
    assert "mobilization.exempt_share" not in message
    # with the wave values in the world the same scenario runs a call-up
    given = _scenario_on(tmp_path / "b", callup.replace("unwilling_share: 0.3}", "unwilling_share: 0.3, wave: "
                         "{summons_days: 20, pace_days: 20, capacity_per_day: 500, oversummons: 1, age_max: 45}}"), waves)
    scenario = load_scenario(given)
    assert [w.pace_days for w in scenario.mobilization.waves] == [9, 20]


def test_a_front_without_its_values_on_a_world_without_them_is_refused_naming_each(tmp_path: Path) -> None:
    path = _scenario_on(tmp_path, "", "front: {war_end: {rule: none}, hotline_conversion: 0.01}\n")
    with pytest.raises(InputError) as error:
        load_scenario(path)
    message = str(error.value)
    assert error.value.field == "front.initial_strength"
    for name in FRONT_FIELDS:
        assert (f"front.{name}" in message) == (name != "hotline_conversion"), name
    assert "a scenario with a front" in message and "world 'w' does not give it" in message
    # without a front nothing is needed; a front built in Python is held to the same rule
    assert load_scenario(_scenario_on(tmp_path / "b", "", "")).front is None
    with pytest.raises(Exception, match="front.training_days"):
        Scenario(name="x", time={"start": "1989-09-01", "days": 3}, world=str(tmp_path / "w"),
                 front=Front(war_end=WarEnd(rule="none")))
    whole = Front(war_end=WarEnd(rule="none"), initial_strength=1, training_days=1, contract_recruits="1 per day",
                  recruit_age_max=40, deserter_recognition=0.1, hotline_contacts="0 per day", hotline_conversion=0.0)
    built = Scenario(name="x", time={"start": "1989-09-01", "days": 3}, world=str(tmp_path / "w"), front=whole)
    assert built.front is not None and built.front.initial_strength == 1


def test_the_command_line_exits_2_on_a_wave_or_front_without_its_values(tmp_path: Path) -> None:
    import subprocess
    import sys

    from helpers import plain_cli_env

    for folder, extra, field in ((tmp_path / "a", WAVE, "mobilization.waves[0].capacity_per_day"),
                                 (tmp_path / "b", "front: {war_end: {rule: none}}\n", "front.hotline_contacts")):
        path = _scenario_on(folder, "", extra)
        done = subprocess.run([sys.executable, "-m", "exitwave", "validate", str(path)], env=plain_cli_env(),
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 2, done.stderr
        assert field in done.stderr + done.stdout and str(path) in done.stderr + done.stdout
