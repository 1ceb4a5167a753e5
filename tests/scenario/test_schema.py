"""The scenario schema's own checks (issue 16): safe names, finite and strict numbers, dates in
order, bounded run lengths."""

from __future__ import annotations

from typing import Any

import pytest

from exitwave.errors import InputError
from exitwave.scenario.load import builtin_scenarios, validate_dict
from exitwave.scenario.schema import NAME_MAX, check_name, safe_name

TIME = {"start": "2022-09-14", "days": 10}


def validate(**fields: object):  # noqa: ANN201 - Scenario
    return validate_dict({"name": "s", "time": TIME, **fields}, "s.yaml")


def refused(**fields: object) -> InputError:
    with pytest.raises(InputError) as info:
        validate(**fields)
    assert info.value.file == "s.yaml"
    return info.value


# --- names (defect 1: a name becomes a folder name) -----------------------------------------


@pytest.mark.parametrize("name", ["../escaped", "../../../../x", "a/b", "/abs", "a\\b", "a\x00b", "a\nb",
                                  "tab\there", ".", "..", ".hidden", "", "x" * (NAME_MAX + 1), "a b",
                                  "-leading-dash", "naïve"])
def test_an_unsafe_name_is_refused_on_the_name_field(name: str) -> None:
    error = refused(name=name)
    assert error.field == "name"
    assert "letters (A-Z, a-z), digits, '-', '_', '.' and ':'" in error.expected
    assert "\x00" not in str(error) and "\n" not in str(error)  # the message shows it escaped
    assert len(str(error)) < 400  # a long name is shown cut, not whole


@pytest.mark.parametrize("name", [*builtin_scenarios(), "ruritania-callup", "x", "_", "v1.2", "0:base",
                                  "a..b", "x" * NAME_MAX, "russia-2022-edited", "my_variant-calibrated"])
def test_safe_names_pass(name: str) -> None:
    assert validate(name=name).name == name


@pytest.mark.parametrize(("text", "suffix", "made"), [
    ("russia-2022", "-edited", "russia-2022-edited"),
    ("my scenario", "-calibrated", "my-scenario-calibrated"),
    ("../../x", "", "x"),
    ("...", "-edited", "scenario-edited"),
    ("x" * NAME_MAX, "-edited", "x" * (NAME_MAX - 7) + "-edited"),
])
def test_safe_name_makes_a_valid_name_from_any_text(text: str, suffix: str, made: str) -> None:
    assert safe_name(text, suffix) == made
    assert check_name(made) == made


# --- numbers: finite and strict (defect 4) ------------------------------------------------------


def _leaves(node: object, path: tuple = ()):  # noqa: ANN202 - yields (path, value)
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, (*path, i))
    else:
        yield path, node


def _set(data: object, path: tuple, value: object) -> object:
    import copy

    out = copy.deepcopy(data)
    node: Any = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


def _full_scenario() -> dict:
    """A bundled scenario with every section (front, policies, countermeasures, news), as a file has it."""
    from exitwave.scenario.load import load_scenario

    data = load_scenario("asylum-coalition-exits-closed").model_dump(mode="json", by_alias=True)
    data["front"] = load_scenario("russia-2022-to-2025").model_dump(mode="json", by_alias=True)["front"]
    data["news"] = [{"date": "2022-09-25", "urgency": 1.0, "half_life_days": 3.0}]
    return data


FULL = _full_scenario()
FLOAT_LEAVES = [path for path, value in _leaves(FULL) if isinstance(value, float)]
NUMBER_LEAVES = [path for path, value in _leaves(FULL)
                 if isinstance(value, int | float) and not isinstance(value, bool)]
BOOL_LEAVES = [path for path, value in _leaves(FULL) if isinstance(value, bool)]


def _dotted(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))


def test_the_full_scenario_is_valid_and_has_many_number_fields() -> None:
    validate_dict(FULL, "s.yaml")
    assert len(FLOAT_LEAVES) > 60 and len(NUMBER_LEAVES) > len(FLOAT_LEAVES) and BOOL_LEAVES


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
def test_nan_and_infinity_are_refused_in_every_float_field(bad: float) -> None:
    accepted = []
    for path in FLOAT_LEAVES:
        try:
            validate_dict(_set(FULL, path, bad), "s.yaml")
        except InputError as error:
            assert error.field == _dotted(path), (error.field, path)
        else:
            accepted.append(_dotted(path))
    assert accepted == []


def test_true_is_not_a_number_in_any_number_field() -> None:
    accepted = []
    for path in NUMBER_LEAVES:
        try:
            validate_dict(_set(FULL, path, True), "s.yaml")
        except InputError as error:
            assert error.field == _dotted(path)
            assert "true" in error.expected.lower()
        else:
            accepted.append(_dotted(path))
    assert accepted == []


def test_boolean_fields_still_take_booleans() -> None:
    for path in BOOL_LEAVES:
        validate_dict(_set(FULL, path, not _get(FULL, path)), "s.yaml")


def _get(data: object, path: tuple) -> object:
    node: Any = data
    for part in path:
        node = node[part]
    return node


@pytest.mark.parametrize(("rate", "words"), [
    ("1e999 per day", "expected a finite rate"),
    ("1e400 per month", "expected a finite rate"),
    ("1.2.3 per day", "expected a number before the unit"),
    ("nan per day", "expected a rate with its unit"),
    (True, "expected a rate with its unit"),
    ({"value": True, "per": "day"}, "expected a rate with its unit"),
    ("9" * 5000 + " per day", "expected a rate with its unit"),
])
def test_a_rate_must_be_a_finite_number_with_its_unit(rate: object, words: str) -> None:
    error = refused(mobilization={"hide_rate": rate})
    assert error.field == "mobilization.hide_rate" and words in error.expected
    assert len(str(error)) < 300


def test_string_numbers_are_finite_too() -> None:
    assert refused(behaviour={"threat_weight": "nan"}).field == "behaviour.threat_weight"
    assert refused(population={"scale": "inf"}).field == "population.scale"


# --- dates, spans and lists (defect 4) ----------------------------------------------------------


def test_an_exit_closure_may_not_end_before_it_starts() -> None:
    error = refused(countermeasures={"exit_closure": {"from": "2022-10-01", "until": "2022-09-01"}})
    assert error.field == "countermeasures.exit_closure.until"
    assert "on or after from (2022-10-01), got 2022-09-01" in error.expected
    one_day = validate(countermeasures={"exit_closure": {"from": "2022-10-01", "until": "2022-10-01"}})
    assert one_day.countermeasures.exit_closure is not None


def test_an_empty_list_of_closed_crossings_is_refused() -> None:
    error = refused(countermeasures={"exit_closure": {"from": "2022-10-01", "crossings": []}})
    assert error.field == "countermeasures.exit_closure.crossings"
    assert "expected at least one crossing id; leave crossings out to close every crossing" in error.expected


def test_an_end_far_in_the_future_is_refused_before_anything_is_allocated() -> None:
    import time

    started = time.perf_counter()
    error = refused(time={"start": "2022-09-14", "end": "9999-12-31"})
    assert time.perf_counter() - started < 1.0
    assert error.field == "time.end"
    assert "at most 36,500 days from start (2022-09-14), got 9999-12-31 (2,913,648 days)" in error.expected
    assert validate(time={"start": "2022-01-01", "end": "2121-12-07"}).time.n_days == 36_500
