"""The dashboard's interactive charts (Altair / Vega-Lite, drawn by ``st.altair_chart``).

The same data as the report's figures (:mod:`exitwave.report.figures`): the daily series of every
run folder of a comparison, as a median line and a 5–95 % band over seeds per scenario; people
entering Georgia and Finland per day against the 2022 observations of the bundled calibration
(the report's overlay); the paired differences of the headline outputs with their 5–95 % band, as
a percentage of the status quo's median, coloured better / worse by the output registry; and the
people crossed at each crossing on the bundled country outlines.

Titles and units come from the output registry (:mod:`exitwave.outputs`). Streamlit ships
Vega-Lite with its frontend, so the charts need no network. Data are plain tables built by the
``*_frame`` functions (tested without a browser); the ``*_chart`` functions only style them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

    from exitwave.experiments.comparison import Comparison

__all__ = ["OBSERVED", "Panel", "daily_panels", "difference_frame", "difference_chart", "flow_frame", "flow_chart",
           "panel_chart", "scenario_colours"]

SCENARIO_PALETTE = ("#1f5fa8", "#c0392b", "#2a8c55", "#8e44ad", "#d68910", "#5d6d7e")
"""One colour per scenario, in the order of the comparison (the report's palette)."""

OBSERVED = "observed in 2022 (calibration targets)"
"""Legend entry of the observed points."""

DAILY_COLUMNS = ("departed", "status.queued", "status.mobilized", "status.soldier", "mean_morale", "surrendered",
                 "deserted", "status.protected")
"""Daily series drawn for every comparison, as in the report (the busiest queue goes third)."""

MAX_POINTS = 1000
"""At most this many days are drawn per series (every k-th day of a longer run): the page stays light."""


@dataclass(frozen=True)
class Panel:
    """One chart of daily series: ``title`` and ``unit`` (from the output registry), ``data`` with
    columns date, scenario, median, p5, p95 (people or the output's unit, over seeds), and the
    observed points (columns date, scenario = :data:`OBSERVED`, observed) or ``None``."""

    title: str
    unit: str
    data: pd.DataFrame
    observed: pd.DataFrame | None = None


def scenario_colours(names: list[str]) -> dict[str, str]:
    """The colour of each scenario (the report's palette, in order)."""
    return {name: SCENARIO_PALETTE[k % len(SCENARIO_PALETTE)] for k, name in enumerate(names)}


def _bands(index: Any, stacks: dict[str, np.ndarray]) -> pd.DataFrame:
    """Median and 5–95 % band over the rows of each scenario's stack (runs × days)."""
    import pandas as pd

    dates = pd.to_datetime(index)
    step = max(1, -(-len(dates) // MAX_POINTS))
    frames = []
    for name, stack in stacks.items():
        p5, p50, p95 = np.nanpercentile(stack, [5, 50, 95], axis=0)
        frames.append(pd.DataFrame({"date": dates[::step], "scenario": name, "median": p50[::step],
                                    "p5": p5[::step], "p95": p95[::step]}))
    return pd.concat(frames, ignore_index=True)


def _title(reg: Any, column: str, world: Any) -> str:
    """A daily series' title in words, from the output registry (families name their member)."""
    names = dict(zip(world.crossing_ids, world.crossing_names, strict=True)) if world is not None else {}
    output = reg.get(column)
    if column.startswith("status.") or output.family:
        return str(reg.label(column, names))
    return str(output.daily_label)


def daily_panels(groups: dict[str, list[Any]], world: Any = None) -> list[Panel]:
    """The report's daily series as panels: with ``world``, cumulative departures to the five
    destinations that received most and people entering per day against the 2022 observations;
    then departures, queues, the busiest crossing's queue, men in training, at the front, morale,
    surrenders, desertions and men protected abroad. ``groups``: scenario → one daily frame per
    seed (:func:`exitwave.report.figures.series_by_scenario`)."""
    import pandas as pd

    from exitwave.outputs import registry
    from exitwave.report.figures import destination_series, observed_targets, top_destinations

    if not groups:
        return []
    reg = registry()
    first = next(iter(groups.values()))[0]
    panels: list[Panel] = []
    if world is not None:
        by_dest = {name: [destination_series(f, world) for f in frames] for name, frames in groups.items()}
        top = top_destinations(by_dest)
        countries = dict(zip(world.country_ids, world.country_names, strict=True))
        for iso in top:
            stacks = {name: np.stack([run.get(iso, np.zeros(len(first))) for run in runs])
                      for name, runs in by_dest.items()}
            panels.append(Panel(f"departed to {countries.get(iso, iso)} (cumulative, through its crossings)",
                                "people", _bands(first.index, stacks)))
        targets = observed_targets()
        if targets is not None:
            dates = pd.to_datetime(first.index)
            entries = targets[targets["quantity"].str.startswith("entries:")]
            entries = entries[(entries["date"] >= dates.min()) & (entries["date"] <= dates.max())]
            for iso in dict.fromkeys(q.split(":", 1)[1] for q in entries["quantity"]):
                if iso not in world.country_ids:
                    continue
                stacks = {name: np.stack([np.diff(run.get(iso, np.zeros(len(first))), prepend=0.0) for run in runs])
                          for name, runs in by_dest.items()}
                seen = entries[entries["quantity"] == f"entries:{iso}"]
                window = (dates >= seen["date"].min() - pd.Timedelta(days=8)) & \
                         (dates <= seen["date"].max() + pd.Timedelta(days=8))
                data = _bands(first.index[window], {n: s[:, window] for n, s in stacks.items()})
                observed = pd.DataFrame({"date": seen["date"].to_numpy(), "scenario": OBSERVED,
                                         "observed": seen["observed"].to_numpy(dtype=float)})
                panels.append(Panel(f"entering {countries.get(iso, iso)} per day, model against 2022",
                                    "people/day", data, observed))
    queues = [c for c in first.columns if c.startswith("queue_length.")]
    busiest = max(queues, key=lambda c: max(g[0][c].max() for g in groups.values())) if queues else None
    columns = list(DAILY_COLUMNS)
    if busiest:
        columns.insert(2, busiest)
    for column in columns:
        if column not in first.columns:
            continue
        stacks = {name: np.stack([f[column].to_numpy(dtype=float) for f in frames]) for name, frames in groups.items()}
        unit = reg.get(column).unit if column in reg else "people"
        panels.append(Panel(_title(reg, column, world), unit, _bands(first.index, stacks)))
    return panels


def _axis_format(unit: str) -> str:
    """d3 format of an axis: 12k, 1.2M for counts; two decimals for a 0–1 scale."""
    return ".2f" if "0–1" in unit else "~s"


def panel_chart(panel: Panel, names: list[str]) -> alt.LayerChart | alt.FacetChart:
    """Median lines and 5–95 % bands, one colour per scenario with a legend; the first scenario
    (the status quo) dashed so a line lying on it stays visible; observed points in black."""
    import altair as alt

    colours = scenario_colours(names)
    domain, palette = list(names), [colours[n] for n in names]
    if panel.observed is not None:
        domain.append(OBSERVED)
        palette.append("#000000")
    colour = alt.Color("scenario:N", title=None, scale=alt.Scale(domain=domain, range=palette),
                       legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=420, symbolOpacity=1))
    base = alt.Chart(panel.data).encode(x=alt.X("date:T", title=None))
    fmt = _axis_format(panel.unit)
    # a series that is 0 throughout gets an axis from 0 to 1, not a degenerate one labelled NaN
    flat = bool(np.nanmax(np.abs(panel.data[["p5", "median", "p95"]].to_numpy(dtype=float)), initial=0.0) == 0.0)
    scale = alt.Scale(domain=[0, 1]) if flat else alt.Scale()
    band = base.mark_area(opacity=0.18).encode(
        y=alt.Y("p5:Q", title=panel.unit, axis=alt.Axis(format=fmt), scale=scale), y2="p95:Q", color=colour,
        tooltip=[alt.Tooltip("scenario:N"), alt.Tooltip("date:T"), alt.Tooltip("p5:Q", title="5 %", format=",.0f"),
                 alt.Tooltip("p95:Q", title="95 %", format=",.0f")])
    line = base.mark_line().encode(
        y="median:Q", color=colour,
        strokeDash=alt.condition(alt.datum.scenario == names[0], alt.value([6, 3]), alt.value([1, 0])),
        strokeWidth=alt.condition(alt.datum.scenario == names[0], alt.value(2.4), alt.value(1.6)),
        tooltip=[alt.Tooltip("scenario:N"), alt.Tooltip("date:T"),
                 alt.Tooltip("median:Q", format=",.2f" if fmt == ".2f" else ",.0f")])
    layers: list[Any] = [band, line]
    if panel.observed is not None:
        layers.append(alt.Chart(panel.observed).mark_point(filled=True, size=60).encode(
            x="date:T", y="observed:Q", color=colour,
            tooltip=[alt.Tooltip("date:T"), alt.Tooltip("observed:Q", title="observed", format=",.0f")]))
    # the height holds the legend too (Streamlit fits the whole chart into it): 220 px of plot
    return alt.layer(*layers).properties(title=panel.title, height=260 + 22 * len(domain))


def difference_frame(comparison: Comparison, name: str) -> pd.DataFrame:
    """The paired difference of ``name`` from the first scenario, one row per headline output:
    label, unit, median, p5, p95 (the output's unit), the same as % of the first scenario's median
    (NaN where that median is 0), the verdict (better / worse / changed / unclear, by the output
    registry's good direction) and the band as text."""
    import pandas as pd

    from exitwave.outputs import band_text, output_of_key, output_unit, registry
    from exitwave.report.figures import VERDICT_LABELS, verdict

    reg = registry()
    frame = comparison.to_frame()
    base = comparison.names[0]
    rows = []
    for key, label in comparison.fields:
        row: Any = frame.loc[key]
        mid, lo, hi = (float(row[f"{name}.diff_{p}"]) for p in ("median", "p5", "p95"))
        scale = abs(float(row[f"{base}.median"]))
        unit = output_unit(key, reg)
        good = reg.get(output_of_key(key)).good if output_of_key(key) in reg else None
        pct = [v / scale * 100 if scale > 0 else float("nan") for v in (mid, lo, hi)]
        rows.append({"output": label, "unit": unit, "median": mid, "p5": lo, "p95": hi,
                     "median %": pct[0], "p5 %": pct[1], "p95 %": pct[2],
                     "verdict": VERDICT_LABELS[verdict(lo, hi, good)],
                     "difference": band_text(mid, lo, hi, unit, signed=True)})
    return pd.DataFrame(rows)


def difference_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart | alt.FacetChart:
    """Paired differences in % of the status quo's median with 5–95 % bars on a linear axis,
    coloured by what they mean (the report's colours); outputs whose status quo is 0 are left out
    (they are in the table)."""
    import altair as alt

    from exitwave.report.figures import VERDICT_COLOURS, VERDICT_LABELS

    shown = frame.dropna(subset=["median %"])
    colour = alt.Color("verdict:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=360),
                       scale=alt.Scale(domain=[VERDICT_LABELS[k] for k in VERDICT_COLOURS],
                                       range=list(VERDICT_COLOURS.values())))
    y = alt.Y("output:N", sort=list(shown["output"]), title=None, axis=alt.Axis(labelLimit=320))
    tooltip = [alt.Tooltip("output:N"), alt.Tooltip("difference:N", title="Δ median [5 … 95 %]"),
               alt.Tooltip("unit:N"), alt.Tooltip("median %:Q", title="% of the status quo", format="+.1f")]
    base = alt.Chart(shown).encode(y=y, color=colour, tooltip=tooltip)
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("p5 %:Q", title="paired difference, % of the status quo's median (median and 5–95 % over seeds)"),
        x2="p95 %:Q")
    points = base.mark_point(filled=True, size=70).encode(x="median %:Q")
    zero = alt.Chart().mark_rule(color="black").encode(x=alt.datum(0))
    return alt.layer(bars, points, zero).properties(title=title, height=alt.Step(24))


def flow_frame(groups: dict[str, list[Any]], world: Any) -> pd.DataFrame:
    """People crossed at each crossing over the run (median over seeds), one row per scenario and
    crossing that anyone crossed: scenario, crossing (its name), destination (country), lon, lat
    (degrees), people."""
    import pandas as pd

    countries = dict(zip(world.country_ids, world.country_names, strict=True))
    rows = []
    for name, frames in groups.items():
        crossed = np.array([[f[f"crossed.{cid}"].sum() if f"crossed.{cid}" in f else 0.0 for cid in world.crossing_ids]
                            for f in frames], dtype=float)
        people = np.median(crossed, axis=0)
        for c in np.flatnonzero(people > 0):
            iso = world.country_ids[world.crossing_country[c]]
            rows.append({"scenario": name, "crossing": str(world.crossing_names[c]), "destination": countries.get(iso, iso),
                         "lon": float(world.crossing_lon[c]), "lat": float(world.crossing_lat[c]),
                         "people": float(people[c])})
    return pd.DataFrame(rows, columns=["scenario", "crossing", "destination", "lon", "lat", "people"])


OUTLINES = "exitwave-outlines"
"""Name of the map's dataset: the bundled country outlines, GeoJSON features, stored once at the
top of the chart (Streamlit passes named GeoJSON through to Vega-Lite as it is)."""


def _outlines() -> list[dict[str, Any]]:
    from exitwave.report.boundaries import BOUNDARIES

    return list(json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"])


def flow_chart(frame: pd.DataFrame, names: list[str]) -> alt.VConcatChart:
    """One map per scenario, on one scale: circles at the crossings sized by people crossed (median
    over seeds), on the bundled Natural Earth outlines (public domain; no tile server) in the
    report's equal-area projection (Lambert azimuthal, centred on 52°N 60°E)."""
    import altair as alt

    from exitwave.outputs import format_value
    from exitwave.report.figures import LAND, MAP_CENTRE, ORIGIN, SEA

    land = alt.Chart(alt.NamedData(name=OUTLINES)).mark_geoshape(stroke="#8d96a6", strokeWidth=0.4).encode(
        color=alt.condition("datum.properties.iso2 == 'RU'", alt.value(ORIGIN), alt.value(LAND)),
        tooltip=[alt.Tooltip("properties.name:N", title="country")])
    sea = alt.Chart(alt.SphereGenerator(sphere=True)).mark_geoshape(fill=SEA, stroke=None)
    peak = max(float(frame["people"].max()), 1.0) if len(frame) else 1.0
    maps = []
    for name in names:
        data = frame[frame["scenario"] == name]
        total = float(data["people"].sum())
        circles = alt.Chart(data).mark_circle(color="#b03a2e", opacity=0.6, stroke="white", strokeWidth=0.5).encode(
            longitude="lon:Q", latitude="lat:Q",
            size=alt.Size("people:Q", title="people crossed at the crossing", scale=alt.Scale(domain=[0, peak],
                          range=[4, 900]), legend=alt.Legend(orient="bottom", format="~s")),
            tooltip=[alt.Tooltip("crossing:N"), alt.Tooltip("destination:N"),
                     alt.Tooltip("people:Q", title="people crossed (median)", format=",.0f")])
        maps.append(alt.layer(sea, land, circles).project(
            type="azimuthalEqualArea", rotate=[-MAP_CENTRE[0], -MAP_CENTRE[1], 0], scale=700, translate=[380, 250]).properties(
            title=f"{name}: {format_value(total)} people crossed (median over seeds)", width=760, height=500))
    return alt.vconcat(*maps, datasets={OUTLINES: _outlines()}).configure_view(stroke=None)
