"""Dashboard edits become dotted overrides, validated by the scenario loader."""

from __future__ import annotations

import datetime as dt

import pytest

from exitwave.dashboard.proposal import (
    DestinationRule,
    Edits,
    build_overrides,
    men_of_draft_age,
    parse_extra,
    prepare,
    transit_policies,
)
from exitwave.errors import InputError
from exitwave.scenario.load import load_scenario


@pytest.fixture(scope="module")
def coalition():
    return load_scenario("asylum-coalition")


def test_no_edits_no_overrides(coalition):
    assert build_overrides(coalition, Edits()) == {}
    capacities = {i: c for i, _, c in transit_policies(coalition)}
    assert build_overrides(coalition, Edits(screening=capacities)) == {}  # unchanged values


def test_transit_points_are_the_policies_with_screening(coalition):
    assert [country for _, country, _ in transit_policies(coalition)] == ["EE", "LV", "LT"]
    assert transit_policies(load_scenario("russia-2022")) == []


def test_edits_become_overrides_the_loader_accepts(coalition):
    i, _, capacity = transit_policies(coalition)[0]
    edits = Edits(rules=[DestinationRule(("FI", "NO"), entry="open", asylum="case_by_case",
                                         recognition_rate=0.4, start=dt.date(2022, 9, 22))],
                  screening={i: capacity * 2}, exit_closure="close", closure_from=dt.date(2022, 10, 5),
                  extra={"behaviour.patience_days": 6})
    overrides = build_overrides(coalition, edits)
    assert overrides["name"] == "asylum-coalition-edited"
    assert overrides[f"policies.{i}.screening_capacity_per_day"] == capacity * 2
    assert overrides["countermeasures.exit_closure"] == {"from": "2022-10-05"}
    sim = prepare("asylum-coalition", overrides)
    sc = sim.scenario
    assert sc.name == "asylum-coalition-edited"
    assert len(sc.policies) == len(coalition.policies) + 2
    finland = sc.policies[-2]
    assert (finland.country, finland.entry, finland.asylum, finland.recognition_rate, finland.from_) == \
        ("FI", "open", "case_by_case", 0.4, dt.date(2022, 9, 22))
    assert sc.policies[i].screening_capacity_per_day == capacity * 2
    assert sc.countermeasures.exit_closure is not None
    assert sc.countermeasures.exit_closure.from_ == dt.date(2022, 10, 5)
    assert sc.behaviour.patience_days == 6


def test_the_exit_closure_can_be_moved_or_removed():
    closed = load_scenario("asylum-coalition-exits-closed")
    moved = build_overrides(closed, Edits(exit_closure="close", closure_from=dt.date(2022, 11, 1)))
    assert moved["countermeasures.exit_closure.from"] == "2022-11-01"
    assert prepare("asylum-coalition-exits-closed", moved).scenario.countermeasures.exit_closure.from_ == \
        dt.date(2022, 11, 1)
    removed = build_overrides(closed, Edits(exit_closure="none"))
    assert prepare("asylum-coalition-exits-closed", removed).scenario.countermeasures.exit_closure is None
    assert build_overrides(load_scenario("russia-2022"), Edits(exit_closure="none")) == {}


def test_invalid_edits_are_reported_with_the_field(coalition):
    with pytest.raises(InputError, match=r"policies\[\d+\]\.recognition_rate|recognition_rate"):
        prepare("asylum-coalition", build_overrides(coalition, Edits(extra={"policies.0.recognition_rate": 3})))
    with pytest.raises(InputError, match="behaviour.patience_dayz.*did you mean 'patience_days'"):
        prepare("asylum-coalition", build_overrides(coalition, Edits(extra={"behaviour.patience_dayz": 3})))
    with pytest.raises(InputError, match="XX"):  # a country the world does not have
        prepare("asylum-coalition", build_overrides(coalition, Edits(rules=[DestinationRule(("XX",), entry="open")])))
    with pytest.raises(InputError, match="screening capacity"):
        build_overrides(coalition, Edits(screening={0: 10.0}))  # policy 0 has none


@pytest.mark.parametrize("key", ["world", "extends", "world.x"])
def test_overrides_that_name_files_are_refused(coalition, key):
    with pytest.raises(InputError, match="world, extends or modules"):
        build_overrides(coalition, Edits(extra={key: "/etc"}))


@pytest.mark.parametrize("name", ["../../../../x", "a/b", "..", ".hidden"])
def test_a_name_override_that_leaves_the_folder_is_refused(coalition, name):
    # issue 16, defect 1: the dotted override `name = ../../../../x` must not reach the writer
    overrides = build_overrides(coalition, Edits(extra=parse_extra(f"name = {name}")))
    with pytest.raises(InputError) as info:
        prepare("asylum-coalition", overrides)
    assert info.value.field == "name"


def test_the_edited_name_of_a_longest_name_still_fits(tmp_path):
    from exitwave.scenario.schema import NAME_MAX

    long_name = "x" * NAME_MAX
    path = tmp_path / "long.yaml"
    path.write_text(f"extends: russia-2022\nname: {long_name}\n", encoding="utf-8")
    overrides = build_overrides(load_scenario(path), Edits(extra={"behaviour.patience_days": 6}))
    edited = prepare(str(path), overrides).scenario.name
    assert edited.endswith("-edited") and len(edited) == NAME_MAX


def test_parse_extra_lines():
    text = "# a comment\n\nbehaviour.patience_days = 6\nmobilization.hide_rate = 0.04 per day\n" \
           "front.deserter_asylum=false\npolicies.0.from = 2022-09-21\n"
    assert parse_extra(text) == {"behaviour.patience_days": 6, "mobilization.hide_rate": "0.04 per day",
                                 "front.deserter_asylum": False, "policies.0.from": "2022-09-21"}
    with pytest.raises(InputError, match="line 2"):
        parse_extra("a = 1\nno equals sign here\n")
    with pytest.raises(InputError, match="line 1"):
        parse_extra("a = [1, 2\n")


def test_parse_extra_uses_the_bounded_loader():
    # issue 16, defect 5: the override box parsed YAML without bounds
    import time

    bomb = "[" + ", ".join(["&a [" + ", ".join(['"lol"'] * 9) + "]"] + ["*a"] * 8) + "]"
    started = time.perf_counter()
    for k in range(1, 9):
        bomb = f"[&l{k} {bomb}, " + ", ".join([f"*l{k}"] * 8) + "]"
    with pytest.raises(InputError, match="expected at most 100,000 values with aliases") as info:
        parse_extra(f"description = {bomb}\n")
    assert time.perf_counter() - started < 2.0
    assert info.value.field == "line 1" and len(str(info.value)) < 400
    with pytest.raises(InputError, match="levels of nesting"):
        parse_extra("description = " + "[" * 5000 + "]" * 5000)
    with pytest.raises(InputError, match="at most 1,048,576 characters"):
        parse_extra("description = x\n" * 100_000)


def test_men_of_draft_age_makes_the_agent_count():
    sim = prepare("russia-2022")
    men = men_of_draft_age(sim)
    assert 30e6 < men < 50e6
    from exitwave.population import synthesize

    pop = synthesize(sim.world, sim.scenario.population.model_copy(update={"scale": 4000.0}), 1)
    assert pop.n == round(men / 4000)
