"""The output registry: one declaration per output, read by every table a user sees."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from exitwave.cli import app
from exitwave.experiments.comparison import Comparison
from exitwave.modules import DEFAULT_MODULES
from exitwave.outputs import (
    Output,
    OutputRegistry,
    docs_page,
    format_value,
    headline_fields,
    headline_table,
    outcome_value,
    registry,
)
from exitwave.results import Results

ROOT = Path(__file__).resolve().parents[1]


def test_docs_page_is_generated_from_the_registry() -> None:
    page = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert page == docs_page(), "docs/outputs.md is stale: run `python -m exitwave.outputs > docs/outputs.md`"


def test_every_output_has_a_label_a_unit_and_one_owner() -> None:
    reg = registry()
    owners = {m.name for m in DEFAULT_MODULES} | {"run"}
    for output in reg:
        assert output.label and output.unit, output.name
        assert reg.owner(output.name) in owners
        assert output.scaling in ("agents", "none")
        if output.may_not_happen and output.censor is not None:
            assert output.censor in reg, output.name


def test_an_output_declared_twice_is_an_error() -> None:
    reg = OutputRegistry([Output("departed", "departed", "people")])
    with pytest.raises(ValueError, match="one owner"):
        reg.add(Output("departed", "men who left", "people"), "another")


def test_families_match_their_members_and_unknown_names_are_errors() -> None:
    reg = registry()
    assert reg.get("by_destination.KZ").name == "by_destination"
    assert reg.label("by_destination.KZ", {"KZ": "Kazakhstan"}) == "in Kazakhstan at end"
    assert "killed" in reg and "no_such_output" not in reg
    with pytest.raises(KeyError, match="not registered"):
        reg.get("no_such_output")


def test_every_summary_field_and_series_column_of_a_run_is_registered(russia_small: Results) -> None:
    reg = registry()
    assert reg.unregistered(russia_small.summary) == []
    assert reg.unregistered(russia_small.series.columns) == []
    # the counters the modules declare are exactly the counter series of the run
    assert set(reg.counters()) <= set(russia_small.series.columns)


def test_war_end_has_one_definition_censored_at_the_run_end() -> None:
    ended = {"war_end_day": 40, "days": 100}
    outlasted = {"war_end_day": None, "days": 100}
    assert outcome_value(ended, "war_end_day") == 40
    assert outcome_value(outlasted, "war_end_day") == 100  # censored at the last day
    assert math.isnan(outcome_value({"days": 100}, "mean_morale"))


def test_numbers_are_written_for_people_with_units() -> None:
    assert format_value(1_118_499) == "1.12M"
    assert format_value(12_345) == "12.3k"
    assert format_value(-3.0, signed=True) == "−3"
    assert format_value(-3.5, signed=True) == "−3.5"  # not "−3.500", which reads as thousands
    assert format_value(0.0, signed=True) == "±0"
    assert format_value(0.5861, unit="morale 0–1") == "0.586"
    assert format_value(30.0, unit="days") == "30"
    assert format_value(float("nan")) == "–" and format_value(None) == "–"


def _comparison() -> Comparison:
    summary = {"by_destination": {"KZ": 10, "GE": 5}, "peak_queue": {"upper_lars": 7}, "force_strength": 1}
    fields = headline_fields(summary, {"KZ": "Kazakhstan", "GE": "Georgia", "upper_lars": "Upper Lars"})
    rng = np.random.default_rng(1)
    values = {"a": rng.uniform(0, 1e5, (4, len(fields))), "b": rng.uniform(0, 1e5, (4, len(fields)))}
    return Comparison(names=["a", "b"], seeds=[1, 2, 3, 4], fields=fields, values=values)


def test_headline_labels_come_from_the_registry() -> None:
    reg = registry()
    comparison = _comparison()
    labels = [label for _, label in comparison.fields]
    assert labels[0] == reg.get("departed").label
    assert "in Kazakhstan at end" in labels and "in the EU at end" in labels
    assert "peak queue at Upper Lars" in labels
    assert reg.get("mean_morale").label in labels and reg.get("war_end_day").label in labels
    table = headline_table(comparison)
    assert list(table.index) == labels
    assert list(table.columns) == ["a", "b", "Δ b"]


def test_the_report_and_dashboard_render_the_same_headline_table() -> None:
    from exitwave.dashboard.runner import headline_table as dashboard_table
    from exitwave.report.html import _headline_section
    from exitwave.report.inputs import ReportInputs

    comparison = _comparison()
    expected = headline_table(comparison)
    assert dashboard_table(comparison).equals(expected)
    inputs = ReportInputs(kind="comparison", sources=[], groups={}, summaries={}, comparison=comparison)
    html = "".join(_headline_section(inputs))
    for label, row in expected.iterrows():
        assert str(label) in html
        for cell in row:
            assert str(cell) in html


def test_compare_command_prints_registry_labels() -> None:
    result = CliRunner().invoke(app, ["compare", "russia-2022", "asylum-coalition", "-n", "2", "--scale", "8000",
                                      "--days", "15"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    reg = registry()
    for name in ("departed", "mobilization_shortfall", "hostile_admitted"):
        assert reg.get(name).label in result.output
    assert "mobilization_shortfall" not in result.output  # words, not code names
