"""The scenario loader: ``extends:``, ``key+:`` appends, overrides, rates and time spans."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from exitwave.errors import InputError
from exitwave.scenario.load import (
    apply_overrides,
    builtin_scenarios,
    load_scenario,
    resolve_scenario_path,
    validate_dict,
)
from exitwave.scenario.schema import Behaviour, Mobilization, Scenario, TimeSpan

BASE = "name: base\ntime: {start: 2022-09-14, days: 10}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- extends ------------------------------------------------------------------------------


def test_extends_a_bundled_parent_merges_mappings_and_keeps_the_rest(tmp_path: Path) -> None:
    parent = load_scenario("russia-2022")
    child = load_scenario(write(tmp_path / "child.yaml", """
extends: russia-2022
name: child
behaviour:
  patience_days: 9
mobilization:
  hide_rate: 0.1 per day
"""))
    assert child.name == "child"
    assert child.behaviour.patience_days == 9
    # mappings merge key by key: the parent's other settings stay
    assert child.behaviour.decision_rule == parent.behaviour.decision_rule
    assert child.mobilization.hide_rate == pytest.approx(0.1)
    assert child.mobilization.waves == parent.mobilization.waves
    assert child.mobilization.enforcement_rate == parent.mobilization.enforcement_rate
    assert child.policies == parent.policies
    assert child.time == parent.time
    assert child.world == "russia-2022"


def test_a_list_replaces_the_parents_list(tmp_path: Path) -> None:
    child = load_scenario(write(tmp_path / "child.yaml", "extends: russia-2022\nnews: []\npolicies:\n"
                                "  - {country: GE, entry: closed}\n"))
    assert child.news == []
    assert [p.country for p in child.policies] == ["GE"]


def test_policies_plus_appends_after_the_parents_policies(tmp_path: Path) -> None:
    parent = load_scenario("russia-2022")
    child = load_scenario(write(tmp_path / "child.yaml", """
extends: russia-2022
policies+:
  - {country: GE, from: 2022-10-01, entry: closed, label: added}
  - {country: KZ, entry: visa}
"""))
    assert child.policies[: len(parent.policies)] == parent.policies
    assert [p.country for p in child.policies[len(parent.policies):]] == ["GE", "KZ"]
    assert child.policies[-2].from_ == dt.date(2022, 10, 1)


def test_bundled_variants_append_to_their_parents() -> None:
    coalition = load_scenario("asylum-coalition")
    closed = load_scenario("asylum-coalition-exits-closed")
    raw = yaml.safe_load(resolve_scenario_path("asylum-coalition").read_text(encoding="utf-8"))
    parent = load_scenario(raw["extends"])
    assert coalition.policies[: len(parent.policies)] == parent.policies
    assert len(coalition.policies) == len(parent.policies) + len(raw["policies+"])
    assert closed.policies == coalition.policies
    assert closed.countermeasures.exit_closure is not None
    assert closed.countermeasures.draft_offices == coalition.countermeasures.draft_offices


def test_extends_a_relative_path_from_the_childs_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "base" / "base.yaml", BASE + "behaviour: {patience_days: 5}\n"
          "policies:\n  - {country: GE, entry: closed}\n")
    write(tmp_path / "variants" / "mid.yaml", "extends: ../base/base.yaml\nname: mid\n"
          "policies+:\n  - {country: KZ, entry: visa}\n")
    leaf = write(tmp_path / "variants" / "deeper" / "leaf.yaml",
                 "extends: ../mid.yaml\nname: leaf\nbehaviour: {cost_weight: 2}\n")
    monkeypatch.chdir(tmp_path / "base")  # resolution must not depend on the working directory
    sc = load_scenario(leaf)
    assert sc.name == "leaf"
    assert [p.country for p in sc.policies] == ["GE", "KZ"]
    assert sc.behaviour.patience_days == 5 and sc.behaviour.cost_weight == 2
    assert sc.time.n_days == 10


def test_plus_key_without_a_parent_is_the_plain_key(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path / "s.yaml", BASE + "policies+:\n  - {country: GE, entry: closed}\n"))
    assert [p.country for p in sc.policies] == ["GE"]


def test_plus_key_on_a_mapping_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "extends: russia-2022\nbehaviour+:\n  patience_days: 3\n")
    with pytest.raises(InputError, match="appends a list to a list field") as info:
        load_scenario(path)
    assert info.value.file == str(path)


def test_a_cycle_in_extends_is_named(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(InputError) as info:
        load_scenario(a)
    assert info.value.field == "extends"
    assert "cycle" in info.value.expected
    assert "a.yaml -> " in info.value.expected and "b.yaml -> " in info.value.expected


def test_a_scenario_that_extends_itself_is_a_cycle(tmp_path: Path) -> None:
    path = write(tmp_path / "self.yaml", "extends: ./self.yaml\nname: me\n")
    with pytest.raises(InputError, match="cycle"):
        load_scenario(path)


def test_a_long_chain_of_extends_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "s0.yaml", BASE)
    for i in range(1, 20):
        write(tmp_path / f"s{i}.yaml", f"extends: s{i - 1}.yaml\n")
    with pytest.raises(InputError, match="at most 16 levels"):
        load_scenario(tmp_path / "s19.yaml")
    assert load_scenario(tmp_path / "s10.yaml").name == "base"


def test_a_missing_parent_names_the_parent_path(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "extends: nowhere.yaml\nname: x\n")
    with pytest.raises(InputError, match="file not found") as info:
        load_scenario(path)
    assert info.value.file == str(tmp_path / "nowhere.yaml")


def test_extends_must_be_one_name(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "extends: [a.yaml, b.yaml]\nname: x\n")
    with pytest.raises(InputError, match="the name or path of one scenario") as info:
        load_scenario(path)
    assert info.value.field == "extends"


# --- files and names ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_every_bundled_scenario_loads(name: str) -> None:
    assert isinstance(load_scenario(name), Scenario)


def test_a_bundled_name_resolves_to_its_file() -> None:
    path = resolve_scenario_path("russia-2022")
    assert path.name == "russia-2022.yaml" and path.is_file()


def test_an_unknown_name_lists_the_bundled_scenarios() -> None:
    with pytest.raises(InputError, match="bundled: .*russia-2022"):
        resolve_scenario_path("no-such-scenario")


@pytest.mark.parametrize(("text", "field", "words"), [
    ("name: x\ntime: {start: 2022-09-14, days: 5\n", "line 3, column 1", "malformed YAML"),
    ("- just\n- a list\n", "", "expected a mapping of fields, got list"),
])
def test_unreadable_yaml(tmp_path: Path, text: str, field: str, words: str) -> None:
    path = write(tmp_path / "s.yaml", text)
    with pytest.raises(InputError, match=words) as info:
        load_scenario(path)
    assert (info.value.file, info.value.field) == (str(path), field)


def test_an_empty_file_needs_its_required_fields(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="required field is missing"):
        load_scenario(write(tmp_path / "s.yaml", ""))


# --- validation messages ------------------------------------------------------------------


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"time": {"start": "2022-09-14", "days": 3}}, "name", "required field is missing"),
    ({"name": "x"}, "time", "required field is missing"),
    ({"name": "x", "time": {"start": "2022-09-14", "days": 3}, "behaviour": {"threat_weigth": 1}},
     "behaviour.threat_weigth", "did you mean 'threat_weight'?"),
    ({"name": "x", "time": {"start": "2022-09-14", "days": 3},
      "policies": [{"country": "GE"}, {"contry": "KZ"}]},
     "policies[1].contry", "did you mean 'country'?"),
    ({"name": "x", "time": {"start": "2022-09-14", "days": 3}, "policies": [{"country": "GE", "zzz": 1}]},
     "policies[0].zzz", "expected one of: country, from, until"),
    ({"name": "x", "time": {"start": "2022-09-14", "days": 3}, "colour": "red"},
     "colour", "expected one of: name, description, seed, time"),
    ({"name": "x", "time": {"start": "2022-09-14", "days": "ten"}}, "time.days", "got 'ten'"),
    ({"name": "x", "time": {"start": "2022-09-14", "days": 3}, "population": {"passport_share": 1.5}},
     "population.passport_share", "less than or equal to 1; got 1.5"),
    ({"name": "x", "time": {"start": "2022-09-14", "days": 3},
      "policies": [{"country": "GE", "from": "2022-10-01", "until": "2022-09-01"}]},
     "policies[0].until", "expected a date on or after from (2022-10-01), got 2022-09-01"),
    ({"name": "x", "time": {"start": "2022-09-14", "days": 3}, "mobilization": {"hide_rate": 0.03}},
     "mobilization.hide_rate", "expected a rate with its unit"),
])
def test_validation_errors_name_the_field_and_the_expectation(data: dict, field: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        validate_dict(data, "my.yaml")
    assert info.value.file == "my.yaml"
    assert info.value.field == field
    assert words in info.value.expected
    assert "Value error" not in info.value.expected
    assert str(info.value).startswith(f"my.yaml: {field}: ")


def test_a_rate_message_does_not_repeat_the_value() -> None:
    with pytest.raises(InputError) as info:
        validate_dict({"name": "x", "time": {"start": "2022-09-14", "days": 3},
                       "mobilization": {"hide_rate": 0.03}}, "s.yaml")
    assert info.value.expected.count("0.03") == 1


# --- overrides ----------------------------------------------------------------------------


def test_apply_overrides_sets_dotted_paths_without_touching_the_input() -> None:
    data = {"name": "x", "behaviour": {"patience_days": 4},
            "policies": [{"country": "GE", "entry": "open"}, {"country": "KZ"}]}
    out = apply_overrides(data, {"behaviour.patience_days": 9, "policies.1.entry": "closed",
                                 "population.scale": 50, "seed": 7})
    assert out["behaviour"]["patience_days"] == 9
    assert out["policies"][1] == {"country": "KZ", "entry": "closed"}
    assert out["policies"][0] == {"country": "GE", "entry": "open"}
    assert out["population"] == {"scale": 50}  # missing mappings are created
    assert out["seed"] == 7
    assert data["behaviour"]["patience_days"] == 4 and "entry" not in data["policies"][1]
    assert "population" not in data


def test_load_scenario_applies_overrides_after_extends(tmp_path: Path) -> None:
    sc = load_scenario("asylum-coalition", overrides={"behaviour.patience_days": 2,
                                                      "policies.0.recognition_rate": 0.5,
                                                      "mobilization.hide_rate": "1 per week"})
    assert sc.behaviour.patience_days == 2
    assert sc.policies[0].recognition_rate == 0.5
    assert sc.mobilization.hide_rate == pytest.approx(1 / 7)


def test_a_bad_override_is_an_input_error_on_its_field() -> None:
    with pytest.raises(InputError) as info:
        load_scenario("russia-2022", overrides={"behaviour.patience_days": -1})
    assert info.value.field == "behaviour.patience_days"


# --- rates --------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "per_day"), [
    ("0.3 per month", 0.3 / 30.4375),
    ("0.3/month", 0.3 / 30.4375),
    ("0.3 per months", 0.3 / 30.4375),
    ("  0.01 per day ", 0.01),
    ("2 per week", 2 / 7),
    ("1 per year", 1 / 365.25),
    ("1e-3 per day", 0.001),
    ("0 per day", 0.0),
    ({"value": 1, "per": "week"}, 1 / 7),
    ({"value": 0.3, "per": "month"}, 0.3 / 30.4375),
])
def test_a_rate_is_stored_per_day(given: object, per_day: float) -> None:
    assert Mobilization(hide_rate=given).hide_rate == pytest.approx(per_day, rel=1e-12)
    assert Behaviour.model_validate({"return_rate": given}).return_rate == pytest.approx(per_day, rel=1e-12)


def test_a_month_is_a_twelfth_of_a_julian_year() -> None:
    assert Mobilization(hide_rate="12 per month").hide_rate == pytest.approx(Mobilization(
        hide_rate="144 per year").hide_rate)
    assert 365.25 / 12 == 30.4375


@pytest.mark.parametrize("given", [0.03, 1, "0.03", "0.3 per fortnight", "per day", "0.3 month",
                                   {"value": 1}, {"value": 1, "per": "week", "extra": 2},
                                   {"value": 1, "per": "decade"}, None, True])
def test_a_rate_without_a_known_unit_is_refused(given: object) -> None:
    with pytest.raises(ValidationError, match="expected a rate with its unit"):
        Mobilization(hide_rate=given)


def test_a_negative_rate_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot be negative"):
        Mobilization(hide_rate="-0.1 per day")


# --- time spans ---------------------------------------------------------------------------


def test_a_span_with_end_counts_both_ends() -> None:
    span = TimeSpan(start=dt.date(2022, 9, 14), end=dt.date(2022, 12, 31))
    assert span.n_days == 109 == span.days
    assert span.day_of(dt.date(2022, 9, 21)) == 7
    assert span.day_of(dt.date(2022, 9, 1)) == -13


def test_a_span_with_days_has_no_end() -> None:
    span = TimeSpan(start=dt.date(2022, 9, 14), days=3)
    assert span.n_days == 3 and span.end is None


def test_a_one_day_span() -> None:
    assert TimeSpan(start=dt.date(2022, 9, 14), end=dt.date(2022, 9, 14)).n_days == 1


def test_days_and_end_must_agree() -> None:
    assert TimeSpan(start=dt.date(2022, 9, 14), days=3, end=dt.date(2022, 9, 16)).n_days == 3
    with pytest.raises(ValidationError, match=r"days \(4\) disagrees with start..end \(3 days\)"):
        TimeSpan(start=dt.date(2022, 9, 14), days=4, end=dt.date(2022, 9, 16))


def test_a_span_needs_days_or_end() -> None:
    with pytest.raises(ValidationError, match="give either days or end"):
        TimeSpan(start=dt.date(2022, 9, 14))


def test_an_end_before_the_start_is_refused_on_the_end_field() -> None:
    with pytest.raises(ValidationError) as info:
        TimeSpan(start=dt.date(2022, 9, 14), end=dt.date(2022, 9, 13))
    (error,) = info.value.errors()
    assert error["loc"] == ("end",)
    assert "on or after start (2022-09-14), got 2022-09-13" in error["msg"]


@pytest.mark.parametrize("days", [0, -1, 36_501])
def test_days_out_of_range(days: int) -> None:
    with pytest.raises(ValidationError):
        TimeSpan(start=dt.date(2022, 9, 14), days=days)


def test_a_scenario_file_with_end_or_days(tmp_path: Path) -> None:
    by_end = load_scenario(write(tmp_path / "a.yaml", "name: a\ntime: {start: 2022-09-14, end: 2022-09-20}\n"))
    by_days = load_scenario(write(tmp_path / "b.yaml", "name: b\ntime: {start: 2022-09-14, days: 7}\n"))
    assert by_end.time.n_days == by_days.time.n_days == 7


# --- world paths through extends ----------------------------------------------------------


def test_a_parents_relative_world_is_relative_to_the_parent(tmp_path: Path) -> None:
    from exitwave.engine import Simulation
    from exitwave.world import load_world

    bundled = load_world("russia-2022").folder
    shutil.copytree(bundled, tmp_path / "worlds" / "mine")
    parent = write(tmp_path / "scenarios" / "parent.yaml", BASE + "world: ../worlds/mine\n")
    child = write(tmp_path / "scenarios" / "variants" / "child.yaml", "extends: ../parent.yaml\nname: child\n")
    assert load_scenario(parent).world == "../worlds/mine"  # the file itself keeps what it says
    inherited = load_scenario(child)
    assert Path(inherited.world) == (tmp_path / "worlds" / "mine").absolute()
    sim = Simulation(inherited, source=child, scale=20000, days=3)
    assert sim.world.folder == tmp_path / "worlds" / "mine"


def test_a_parents_bundled_world_name_is_kept(tmp_path: Path) -> None:
    child = write(tmp_path / "child.yaml", "extends: russia-2022\nname: child\n")
    assert load_scenario(child).world == "russia-2022"


def test_a_childs_own_world_wins(tmp_path: Path) -> None:
    write(tmp_path / "parent.yaml", BASE + "world: russia-2022\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nname: child\nworld: ./elsewhere\n")
    assert load_scenario(child).world == "./elsewhere"


@pytest.mark.parametrize("dotted", ["policies.7.entry", "policies.first.entry", "seed.value", "name.0"])
def test_an_override_path_that_does_not_fit_is_an_input_error(dotted: str) -> None:
    data = {"name": "x", "seed": 1, "policies": [{"country": "GE"}]}
    with pytest.raises(InputError) as info:
        apply_overrides(data, {dotted: 1})
    assert (info.value.file, info.value.field) == ("overrides", dotted)


# --- run options (issue 16, defect 3: --seed/--scale/--days are validated like the file) -------


@pytest.mark.parametrize(("options", "field", "words"), [
    ({"scale": 0}, "--scale (population.scale)", "greater than or equal to 1"),
    ({"scale": -1}, "--scale (population.scale)", "greater than or equal to 1"),
    ({"scale": float("nan")}, "--scale (population.scale)", "finite number"),
    ({"scale": float("inf")}, "--scale (population.scale)", "finite number"),
    ({"days": True}, "--days (time.days)", "not numbers"),
    ({"days": 0}, "--days (time.days)", "greater than or equal to 1"),
    ({"days": 36_501}, "--days (time.days)", "less than or equal to 36500"),
    ({"seed": -1}, "--seed (seed)", "greater than or equal to 0"),
    ({"seed": 2**63}, "--seed (seed)", "less than 9223372036854775808"),
    ({"seed": 2**64}, "--seed (seed)", "less than 9223372036854775808"),
])
def test_run_options_out_of_range_are_input_errors(options: dict, field: str, words: str) -> None:
    from exitwave.scenario.load import with_run_options

    with pytest.raises(InputError) as info:
        with_run_options(load_scenario("russia-2022"), source="russia-2022.yaml", **options)
    assert info.value.file == "russia-2022.yaml" and info.value.field == field
    assert words in info.value.expected


def test_run_options_set_the_fields_and_keep_the_rest() -> None:
    from exitwave.scenario.load import with_run_options

    sc = load_scenario("russia-2022-to-2025")
    assert sc.time.end is not None
    changed = with_run_options(sc, seed=7, scale=2000, days=30)
    assert (changed.seed, changed.population.scale, changed.time.n_days, changed.time.end) == (7, 2000.0, 30, None)
    assert changed.model_copy(update={"seed": sc.seed, "population": sc.population, "time": sc.time}) == sc
    assert with_run_options(sc) is sc
