"""The scenario schema's own checks (issue 16): safe names, finite and strict numbers, dates in
order, bounded run lengths."""

from __future__ import annotations

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
