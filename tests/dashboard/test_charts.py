"""The dashboard's charts carry the report's data (bands over seeds, observed 2022 points,
paired differences, flows), labelled from the output registry, and need no network; its
plain-language summary is the report's, for each scenario after the first."""

from __future__ import annotations

import json

import numpy as np
import pytest

from exitwave.dashboard.charts import OBSERVED, daily_panels, difference_frame, flow_frame
from exitwave.dashboard.runner import charts, plain_summaries, run_comparison
from exitwave.experiments.comparison import Comparison
from exitwave.outputs import format_value
from exitwave.report.figures import observed_targets, run_world, series_by_scenario
from exitwave.report.verdicts import plain_summary

NAMES = ["russia-2022", "asylum-coalition", "asylum-coalition-exits-closed"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    parent = tmp_path_factory.mktemp("runs") / "dashboard"
    comparison, folder = run_comparison(NAMES, seeds=2, scale=5_000, days=40, parent=parent)
    return comparison, folder


def _spec(chart) -> dict:
    return chart.to_dict()


def test_three_scenarios_give_a_difference_chart_each_and_share_every_legend(compared):
    comparison, _ = compared
    made = charts(comparison)
    kinds = [c.kind for c in made]
    assert kinds.count("difference") == 2 and kinds.count("map") == 1 and kinds.count("daily") >= 8
    assert [c.caption for c in made if c.kind == "difference"] == [f"{n} − russia-2022" for n in NAMES[1:]]
    for chart in made:
        spec = _spec(chart.chart)
        # offline: every dataset is inline (no "url" to fetch); the schema URL is only a name
        assert '"url"' not in json.dumps(spec)
        if chart.kind == "daily":
            domain = spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
            assert domain[:3] == NAMES


def test_daily_bands_are_the_report_data_with_registry_titles_and_units(compared):
    comparison, _ = compared
    groups = series_by_scenario(comparison)
    panels = {p.title: p for p in daily_panels(groups, run_world(comparison.run_dirs[0]))}
    departed = panels["departed (cumulative)"]
    assert departed.unit == "people"
    assert panels["mean morale (0–1)"].unit == "morale 0–1"
    for name in NAMES:
        rows = departed.data[departed.data["scenario"] == name]
        stack = np.stack([f["departed"].to_numpy(dtype=float) for f in groups[name]])
        assert np.allclose(rows["median"], np.median(stack, axis=0))
        assert (rows["p5"] <= rows["median"]).all() and (rows["median"] <= rows["p95"]).all()
    assert any(title.startswith("departed to ") for title in panels)
    # the 2022 observations the report overlays, on the days the runs cover
    observed = [p for p in panels.values() if p.observed is not None]
    assert {p.title.split(" per day")[0] for p in observed} == {"entering Georgia", "entering Finland"}
    targets = observed_targets()
    georgia = next(p for p in observed if "Georgia" in p.title)
    expected = targets[targets["quantity"] == "entries:GE"]["observed"].to_numpy(dtype=float)
    assert sorted(georgia.observed["observed"]) == sorted(expected)
    assert set(georgia.observed["scenario"]) == {OBSERVED}
    assert georgia.unit == "people/day"


def test_differences_are_the_paired_bands_as_a_share_of_the_status_quo(compared):
    comparison, _ = compared
    frame = difference_frame(comparison, "asylum-coalition").set_index("output")
    j = [key for key, _ in comparison.fields].index("departed")
    d = comparison.values["asylum-coalition"][:, j] - comparison.values["russia-2022"][:, j]
    row = frame.loc["departed (crossed out)"]
    assert row["median"] == pytest.approx(np.median(d))
    assert row["median %"] == pytest.approx(np.median(d) / np.median(comparison.values["russia-2022"][:, j]) * 100)
    assert row["unit"] == "people" and row["verdict"].startswith(("changed", "unclear"))
    assert "[" in row["difference"]


def test_flows_are_median_people_crossed_at_each_crossing(compared):
    comparison, _ = compared
    groups = series_by_scenario(comparison)
    world = run_world(comparison.run_dirs[0])
    flows = flow_frame(groups, world)
    assert set(flows["scenario"]) <= set(NAMES) and (flows["people"] > 0).all()
    closed = flows[flows["scenario"] == "asylum-coalition"]
    per_run = [sum(f[c].sum() for c in f.columns if c.startswith("crossed.")) for f in groups["asylum-coalition"]]
    assert min(per_run) - 1 <= closed["people"].sum() <= max(per_run) + 1
    assert closed["lon"].between(-180, 180).all() and closed["lat"].between(-90, 90).all()


def test_the_plain_summary_is_the_reports_for_each_scenario_and_survives_reloading(compared):
    comparison, folder = compared
    summaries = plain_summaries(comparison)
    assert [name for name, _ in summaries] == NAMES[1:]
    j = [key for key, _ in comparison.fields].index("departed")
    for name, text in summaries:
        assert text.startswith(f"Against russia-2022, {name} ")
        d = float(np.median(comparison.values[name][:, j] - comparison.values["russia-2022"][:, j]))
        assert d != 0  # 1 agent = 5,000 men: coarser, 40 days show no difference to put in words
        assert f"{'adds' if d > 0 else 'removes'} {format_value(abs(d))} departures" in text
    assert [text for _, text in summaries] == plain_summary(comparison)  # the report's own words
    reloaded = Comparison.load(folder)  # no summaries in memory: read from the run folders
    assert plain_summaries(reloaded) == summaries
