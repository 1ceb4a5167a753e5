"""Report figures: destination series add up, maps draw outlines, the dashboard's signatures hold."""

from __future__ import annotations

import pandas as pd
from matplotlib.collections import PolyCollection

from exitwave.experiments.comparison import Comparison
from exitwave.outputs import registry
from exitwave.report.figures import (
    band_figures,
    destination_series,
    flow_map_figure,
    forest_figure,
    sensitivity_figure,
    series_by_scenario,
)
from exitwave.report.inputs import read_inputs
from exitwave.scenario.load import load_scenario
from exitwave.world import load_world


def _world():
    return load_world(load_scenario("russia-2022").world)


def test_departures_by_destination_add_up_to_departures(comparison_dir):
    groups = series_by_scenario(read_inputs([comparison_dir]).comparison)
    frame = groups["asylum-coalition"][0]
    by_dest = destination_series(frame, _world())
    total = sum(values[-1] for values in by_dest.values())
    assert abs(total - float(frame["departed"].iloc[-1])) < 1.0  # people, up to rounding
    assert "FI" in by_dest and "KZ" in by_dest


def test_band_figures_keep_the_dashboard_signature_and_add_destinations(comparison_dir):
    groups = series_by_scenario(read_inputs([comparison_dir]).comparison)
    plain = band_figures(groups)
    with_world = band_figures(groups, _world())
    assert len(with_world) == len(plain) + 1
    titles = [ax.get_title() for ax in with_world[0].axes]
    assert titles[0].startswith("departed to ")
    force = registry().label("status.soldier")  # titles are the registry's labels
    assert any(ax.get_title() == force for fig in plain for ax in fig.axes)


def test_the_flow_map_draws_country_outlines_and_one_panel_per_scenario(comparison_dir):
    groups = series_by_scenario(read_inputs([comparison_dir]).comparison)
    fig = flow_map_figure(groups, _world())
    assert fig is not None and len(fig.axes) == len(groups)
    for ax in fig.axes:
        assert any(isinstance(c, PolyCollection) and len(c.get_paths()) > 40 for c in ax.collections)
    assert flow_map_figure({}, _world()) is None


def test_forest_and_sensitivity_figures():
    fig = forest_figure([("departed", 200.0, 150.0, 250.0, 1000.0), ("morale", -0.01, -0.02, 0.0, 0.5)], "x")
    assert fig.axes[0].get_xscale() == "symlog"
    frame = pd.DataFrame({"output": ["departed"] * 2, "parameter": ["behaviour.a", "front.b"],
                          "S1": [0.5, 0.1], "S1_conf": [0.1, 0.1], "ST": [0.6, 0.2], "ST_conf": [0.1, 0.05]})
    assert sensitivity_figure(frame, ["departed", "surrendered"]) is not None
    assert sensitivity_figure(frame, ["surrendered"]) is None


def test_series_by_scenario_matches_the_comparison(comparison_dir):
    comparison = Comparison.load(comparison_dir)
    groups = series_by_scenario(comparison)
    assert set(groups) == set(comparison.names)
    assert all(len(frames) == len(comparison.seeds) for frames in groups.values())
