"""Report figures: destination series add up, maps draw outlines, the dashboard's signatures hold."""

from __future__ import annotations

import pandas as pd
from matplotlib.collections import PolyCollection

from exitwave.experiments.comparison import Comparison
from exitwave.outputs import registry
from exitwave.report.figures import (
    VERDICT_COLOURS,
    band_figures,
    destination_series,
    flow_difference_figure,
    flow_map_figure,
    forest_figure,
    project,
    sensitivity_figure,
    series_by_scenario,
    verdict,
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
    assert len(with_world) == len(plain) + 2  # destinations, and the model against the 2022 data
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
    assert fig.axes[0].get_xscale() == "linear"
    frame = pd.DataFrame({"output": ["departed"] * 2, "parameter": ["behaviour.a", "front.b"],
                          "S1": [0.5, 0.1], "S1_conf": [0.1, 0.1], "ST": [0.6, 0.2], "ST_conf": [0.1, 0.05]})
    assert sensitivity_figure(frame, ["departed", "surrendered"]) is not None
    assert sensitivity_figure(frame, ["surrendered"]) is None


def test_series_by_scenario_matches_the_comparison(comparison_dir):
    comparison = Comparison.load(comparison_dir)
    groups = series_by_scenario(comparison)
    assert set(groups) == set(comparison.names)
    assert all(len(frames) == len(comparison.seeds) for frames in groups.values())


def test_daily_series_read_well(comparison_dir):
    """Units on every axis, numbers in words (no 1e6 offset), one legend per figure naming every
    scenario, the status quo dashed and on top, the 2022 observations drawn."""
    groups = series_by_scenario(read_inputs([comparison_dir]).comparison)
    figures = band_figures(groups, _world())
    for fig in figures:
        fig.canvas.draw()
        assert fig.legends, "a legend per figure"
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        assert set(groups) <= set(legend)
        for ax in fig.axes:
            if not ax.axison:
                continue
            assert ax.get_ylabel(), ax.get_title()  # the unit
            assert ax.yaxis.get_offset_text().get_text() == ""  # no "1e6"
            assert ax.get_xscale() == "linear" and ax.get_yscale() == "linear"
            reference = [line for line in ax.get_lines() if line.get_label() == "russia-2022"]
            if reference:
                others = [line.get_zorder() for line in ax.get_lines() if line.get_label() != "russia-2022"]
                assert reference[0].get_linestyle() == "--" and reference[0].get_zorder() > max(others, default=0)
    observed = figures[1]
    assert "2022 observations" in observed._suptitle.get_text()
    assert any("observed in 2022" in t.get_text() for t in observed.legends[0].get_texts())


def test_forest_colours_mean_better_or_worse():
    assert verdict(1.0, 2.0, "higher") == "better" and verdict(1.0, 2.0, "lower") == "worse"
    assert verdict(-2.0, -1.0, "lower") == "better" and verdict(-1.0, 1.0, "lower") == "unclear"
    assert verdict(1.0, 2.0, None) == "changed"
    fig = forest_figure([("killed", -20.0, -30.0, -10.0, 1000.0), ("granted protection", -5.0, -8.0, -1.0, 100.0)],
                        "x", ["lower", "higher"])
    ax = fig.axes[0]
    colours = [line.get_color() for line in ax.get_lines() if line.get_marker() == "o"]
    assert colours == [VERDICT_COLOURS["better"], VERDICT_COLOURS["worse"]]
    assert {t.get_text().split(" (")[0] for t in ax.get_legend().get_texts()} == {"better", "worse"}


def test_the_maps_are_projected_labelled_and_show_differences(comparison_dir):
    groups = series_by_scenario(read_inputs([comparison_dir]).comparison)
    world = _world()
    fig = flow_map_figure(groups, world)
    ax = fig.axes[0]
    assert ax.get_facecolor()[:3] != (1.0, 1.0, 1.0)  # sea is not land-coloured
    texts = [t.get_text() for t in ax.texts]
    assert any(str(name).split(",")[0] in texts for name in world.crossing_names)  # crossings named
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "sea" in legend and any("Russia" in t for t in legend) and any("crossed" in t for t in legend)
    x, y = project([60.0, 90.0], [52.0, 52.0])
    assert abs(x[0]) < 1e-6 and abs(y[0]) < 1e-6 and 1800 < x[1] < 2200  # km from the centre
    diff = flow_difference_figure(groups, world, "russia-2022", "asylum-coalition")
    assert diff is not None and "asylum-coalition − russia-2022" in diff.axes[0].get_title()
    legend = [t.get_text() for t in diff.axes[0].get_legend().get_texts()]
    assert "more cross in asylum-coalition" in legend and "fewer cross in asylum-coalition" in legend


def test_one_measured_box_cuts_every_saved_copy_of_a_figure_alike():
    """The report measures a figure's tight box once and saves its copies to it (page PNG,
    exported PNG, SVG): the copies frame the same region at any resolution, and it is the box
    that ``bbox_inches="tight"`` would measure (to within the text hinting of another resolution)."""
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    from exitwave.report.figures import png_bytes, tight_box

    def figure():
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot([0, 1, 2], [3, 1, 2], label="departed")
        ax.set_title("a title that reaches the edge of the figure and beyond it")
        ax.set_ylabel("people")
        ax.legend(loc="best")
        fig.tight_layout()
        return fig

    fig = figure()
    box = tight_box(fig)
    sizes = {}
    for dpi in (90, 150):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches=box)
        sizes[dpi] = Image.open(io.BytesIO(buffer.getvalue())).size
    plt.close(fig)
    for dpi, (width, height) in sizes.items():  # the box's inches at each resolution (to a rounding pixel)
        assert abs(width - box.width * dpi) <= 1 and abs(height - box.height * dpi) <= 1, (dpi, sizes[dpi])
    tight = Image.open(io.BytesIO(png_bytes(figure(), 150))).size  # measured by savefig itself
    for ours, theirs in zip(sizes[150], tight, strict=True):  # text measured at another resolution: within 1 %
        assert abs(ours - theirs) <= 0.01 * theirs + 2, (sizes[150], tight)
