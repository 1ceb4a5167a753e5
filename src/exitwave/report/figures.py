"""The report's figures as matplotlib Figures, shared by the HTML report and the dashboard.

Every series function takes the daily series grouped by scenario (:func:`series_by_scenario` for
a comparison, :func:`series_by_group` for any run folders) — one DataFrame per seed, counts in
people — and returns figures; callers decide how to embed them. Maps are drawn on the bundled
country outlines (:mod:`exitwave.report.boundaries`), never on a tile server.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.outputs import registry

if TYPE_CHECKING:
    from exitwave.experiments.comparison import Comparison
    from exitwave.world import World

__all__ = ["band_figures", "calibration_figure", "destination_series", "figure_description",
           "flow_difference_figure", "flow_map_figure",
           "observed_targets", "project", "verdict",
           "forest_figure", "png_bytes", "tight_box", "run_world", "sensitivity_figure", "series_by_group",
           "series_by_scenario"]

_COLOURS = ("#1f5fa8", "#c0392b", "#2a8c55", "#8e44ad", "#d68910", "#5d6d7e")



def _panel_grid(n: int, panel_height: float, extra_height: float) -> tuple[Any, np.ndarray]:
    """A figure of ``n`` panels, three to a row (4.6 in wide each; heights in inches), the unused
    cells of the last row left blank."""
    plt = _plt()
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, panel_height * rows + extra_height), squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    return fig, axes

def png_bytes(fig: Any, dpi: int = 100, box: Any = "tight") -> bytes:
    """Render a matplotlib figure to PNG bytes, cut to ``box`` (inches, or ``"tight"``), and close it."""
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches=box)
    plt.close(fig)
    return buffer.getvalue()


def tight_box(fig: Any) -> Any:
    """The figure's tight bounding box in inches, padded as ``savefig(bbox_inches="tight")`` pads
    it, for saving the figure several times (page, PNG, SVG) without laying it out again.

    With ``"tight"``, or with the placeholder that ``fig.tight_layout()`` leaves behind, every
    ``savefig`` draws the figure twice (once to lay it out and measure, once to render), which was
    most of a report's time. Here the figure is laid out and measured once, and the placeholder
    is dropped (the layout it stands for is already applied), so each later save draws once."""
    import matplotlib.pyplot as plt
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    fig.draw_without_rendering()  # positions decided at draw time (legends' "best" place) are set
    box = fig.get_tightbbox().padded(plt.rcParams["savefig.pad_inches"])
    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        fig.set_layout_engine(None)
    return box


def figure_description(fig: Any) -> str:
    """A figure in words, for its ``alt`` text and for readers without the image: titles, axis
    labels (units) and legend entries."""
    parts = []
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        parts.append(fig._suptitle.get_text())
    legends = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        if not ax.axison and not ax.get_title():
            continue
        units = "; ".join(x for x in (ax.get_xlabel(), ax.get_ylabel()) if x)
        parts.append(ax.get_title() + (f" ({units})" if units else ""))
        if ax.get_legend() is not None:
            legends += [t.get_text() for t in ax.get_legend().get_texts()]
    if legends:
        parts.append("legend: " + ", ".join(dict.fromkeys(legends)))
    return ". ".join(p for p in parts if p)


def run_world(run_dir: Path) -> World:
    """The world a run directory was simulated in (from its resolved ``scenario.yaml``)."""
    from exitwave.scenario.load import load_scenario
    from exitwave.world import load_world

    return load_world(load_scenario(str(run_dir / "scenario.yaml")).world, relative_to=run_dir)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def series_by_scenario(comparison: Comparison) -> dict[str, list[Any]]:
    """Each scenario's daily series (one DataFrame per seed), read from the comparison's run folders."""
    groups: dict[str, list[Path]] = {}
    for run_dir in comparison.run_dirs:
        groups.setdefault(Path(run_dir).parent.name, []).append(Path(run_dir))
    return series_by_group(groups)


def series_by_group(groups: dict[str, list[Path]]) -> dict[str, list[Any]]:
    """Daily series of run folders grouped by scenario name (folders without a series are skipped)."""
    import pandas as pd

    out: dict[str, list[Any]] = {}
    for name, run_dirs in groups.items():
        frames = [pd.read_parquet(Path(d) / "series.parquet") for d in run_dirs
                  if (Path(d) / "series.parquet").exists()]
        if frames:
            out[name] = frames
    return out


def top_destinations(by_dest: dict[str, list[dict[str, np.ndarray]]], k: int = 5) -> list[str]:
    """The ``k`` destinations (ISO codes) with the most men on the last day, summed over every
    scenario and run of ``by_dest`` (scenario -> runs -> {iso: daily series}); none with zero."""
    totals: dict[str, float] = {}
    for runs in by_dest.values():
        for run in runs:
            for iso, values in run.items():
                totals[iso] = totals.get(iso, 0.0) + float(values[-1])
    return [iso for iso, total in sorted(totals.items(), key=lambda kv: -kv[1]) if total > 0][:k]


def destination_series(frame: Any, world: Any) -> dict[str, np.ndarray]:
    """Cumulative departures (people) by the country of the crossing they left through,
    from the ``crossed.<crossing>`` columns of one run's daily series."""
    out: dict[str, np.ndarray] = {}
    for c, cid in enumerate(world.crossing_ids):
        column = f"crossed.{cid}"
        if column not in frame.columns:
            continue
        iso = world.country_ids[world.crossing_country[c]]
        values = np.cumsum(frame[column].to_numpy(dtype=float))
        out[iso] = out.get(iso, 0.0) + values
    return out


def _band(ax: Any, index: Any, stack: np.ndarray, colour: str, label: str, reference: bool = False) -> None:
    """Median line and 5–95 % band. The reference (status quo) is drawn dashed and on top, so it
    stays visible where another scenario's line lies exactly on it."""
    p5, p50, p95 = np.nanpercentile(stack, [5, 50, 95], axis=0)
    ax.plot(index, p50, color=colour, label=label, lw=2.2 if reference else 1.6, ls="--" if reference else "-",
            zorder=4 if reference else 3)
    ax.fill_between(index, p5, p95, color=colour, alpha=0.18, lw=0)


def _axis_formatter(unit: str) -> Any:
    """Tick labels in the report's words (12k, 1.2M; no "1e6" offset)."""
    from matplotlib.ticker import FuncFormatter

    from exitwave.outputs import format_value

    def tick(value: float, _pos: int) -> str:
        text = format_value(value, unit=unit)
        return text.replace(".0k", "k").replace(".00M", "M")

    return FuncFormatter(tick)


def _style(ax: Any, title: str, unit: str = "people") -> None:
    import matplotlib.dates as mdates

    ax.set_title(title, fontsize=11)
    ax.tick_params(axis="x", labelsize=9)
    ax.tick_params(axis="y", labelsize=9)
    ax.yaxis.set_major_formatter(_axis_formatter(unit))
    ax.set_ylabel(unit, fontsize=9)
    locator = mdates.AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.25)


def _legend(fig: Any, axes: Any) -> None:
    """One legend for the figure, under its panels (scenarios and, where drawn, observations)."""
    handles, labels = {}, []
    for ax in np.ravel(axes):
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in handles:
                handles[label] = handle
                labels.append(label)
    if handles:
        rows = -(-len(labels) // 4)
        fig.subplots_adjust(bottom=fig.subplotpars.bottom + (0.3 + 0.25 * rows) / fig.get_figheight())
        fig.legend([handles[k] for k in labels], labels, loc="lower center", ncol=min(4, len(labels)),
                   fontsize=9, frameon=False, bbox_to_anchor=(0.5, 0.0))


def observed_targets() -> Any:
    """The bundled calibration targets of one day each (``fit.csv``: date, quantity, observed),
    or ``None``: the 2022 observations drawn over the daily series."""
    from importlib import resources

    import pandas as pd

    path = Path(str(resources.files("exitwave") / "data" / "calibration" / "russia-2022" / "fit.csv"))
    if not path.is_file():
        return None
    fit = pd.read_csv(path)
    one_day = fit[fit["from"] == fit["to"]].copy()
    one_day["date"] = pd.to_datetime(one_day["from"])
    return one_day


def _series_label(reg: Any, column: str, world: Any = None) -> str:
    """A daily series' title in words, from the output registry (``status.x``: men in status x)."""
    names = dict(zip(world.crossing_ids, world.crossing_names, strict=True)) if world is not None else {}
    if column.startswith("status."):
        return reg.label(column)
    output = reg.get(column)
    if output.family:
        return reg.label(column, names) + (f", {output.unit}" if output.unit == "people" else "")
    return output.daily_label + (f", {output.unit}" if output.unit == "people" else "")


def band_figures(groups: dict[str, list[Any]], world: Any = None) -> list[Any]:
    """Panels of daily series: median line and 5–95 % band over seeds, one colour per scenario.

    With ``world``, the first figure shows cumulative departures (people) by destination country
    (the five that received most across scenarios); then queues, mobilized men in training,
    force strength, mean morale (0–1), surrenders and desertions (cumulative people).
    """
    plt = _plt()
    if not groups:
        return []
    colours = {name: _COLOURS[k % len(_COLOURS)] for k, name in enumerate(groups)}
    reference = next(iter(groups))
    images = []
    if world is not None:
        by_dest = {name: [destination_series(f, world) for f in frames] for name, frames in groups.items()}
        top = top_destinations(by_dest)
        if top:
            names = dict(zip(world.country_ids, world.country_names, strict=True))
            fig, axes = _panel_grid(len(top), 3.4, 0.9)
            for ax, iso in zip(axes.flat, top, strict=False):
                for name, runs in reversed(list(by_dest.items())):
                    index = groups[name][0].index
                    stack = np.stack([run.get(iso, np.zeros(len(index))) for run in runs])
                    _band(ax, index, stack, colours[name], name, reference=name == reference)
                _style(ax, f"departed to {names.get(iso, iso)}", "people (cumulative)")
            fig.suptitle("Departures by destination (cumulative people through its crossings)", fontsize=12)
            fig.tight_layout()
            _legend(fig, axes)
            images.append(fig)
        observed = _observed_figure(groups, world, colours, reference)
        if observed is not None:
            images.append(observed)
    first = next(iter(groups.values()))[0]
    queues = [c for c in first.columns if c.startswith("queue_length.")]
    busiest = max(queues, key=lambda c: max(g[0][c].max() for g in groups.values())) if queues else None
    reg = registry()
    # labels from the output registry (series of counters are cumulative)
    columns = ["departed", "status.queued", "status.mobilized", "status.soldier", "mean_morale", "surrendered",
               "deserted", "status.protected"]
    if busiest:
        columns.insert(2, busiest)
    panels = [(c, _series_label(reg, c, world)) for c in columns if c in first.columns]
    for start in range(0, len(panels), 4):
        chunk = panels[start:start + 4]
        fig, axes = plt.subplots(2, 2, figsize=(10, 7.4), squeeze=False)
        for ax in axes.flat[len(chunk):]:
            ax.axis("off")
        for ax, (column, title) in zip(axes.flat, chunk, strict=False):
            for name, frames in reversed(list(groups.items())):
                stack = np.stack([f[column].to_numpy(dtype=float) for f in frames])
                _band(ax, frames[0].index, stack, colours[name], name, reference=name == reference)
            unit = reg.get(column).unit if column in reg else "people"
            _style(ax, title.replace(", people", ""), unit)
        fig.tight_layout()
        _legend(fig, axes)
        images.append(fig)
    return images


def _observed_figure(groups: dict[str, list[Any]], world: Any, colours: dict[str, str], reference: str) -> Any:
    """People entering each country per day, model (median, 5–95 %) against the 2022
    observations of the bundled calibration (one-day targets ``entries:XX``) — only for runs
    that cover those days."""
    import pandas as pd

    plt = _plt()
    targets = observed_targets()
    if targets is None:
        return None
    first = next(iter(groups.values()))[0]
    index = pd.to_datetime(first.index)
    entries = targets[targets["quantity"].str.startswith("entries:")]
    entries = entries[(entries["date"] >= index.min()) & (entries["date"] <= index.max())]
    isos = [iso for iso in dict.fromkeys(q.split(":", 1)[1] for q in entries["quantity"]) if iso in world.country_ids]
    if not isos:
        return None
    names = dict(zip(world.country_ids, world.country_names, strict=True))
    fig, axes = plt.subplots(1, len(isos), figsize=(5.0 * len(isos), 3.9), squeeze=False)
    for ax, iso in zip(axes[0], isos, strict=True):
        for name, frames in reversed(list(groups.items())):
            daily = np.stack([np.diff(destination_series(f, world).get(iso, np.zeros(len(f))), prepend=0.0)
                              for f in frames])
            _band(ax, index, daily, colours[name], name, reference=name == reference)
        seen = entries[entries["quantity"] == f"entries:{iso}"]
        ax.scatter(seen["date"], seen["observed"], marker="o", s=36, color="black", zorder=5,
                   label="observed in 2022 (calibration targets)")
        _style(ax, f"entering {names.get(iso, iso)} per day", "people/day")
        ax.set_xlim(seen["date"].min() - pd.Timedelta(days=8), seen["date"].max() + pd.Timedelta(days=8))
    fig.suptitle("The model against the 2022 observations (bundled calibration data)", fontsize=12)
    fig.tight_layout()
    _legend(fig, axes)
    return fig


#: The maps' projection: Lambert azimuthal equal-area centred on 52°N 60°E (areas true, shapes
#: close to true from Finland to Mongolia).
MAP_CENTRE = (60.0, 52.0)
SEA, LAND, ORIGIN, DESTINATION = "#d6e6f4", "#f4f1ea", "#e3cfc0", "#fbf3d5"


def project(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Longitude, latitude (°) → x, y (km) in the maps' equal-area projection."""
    lam0, phi0 = np.radians(MAP_CENTRE[0]), np.radians(MAP_CENTRE[1])
    lam, phi = np.radians(np.asarray(lon, dtype=float)), np.radians(np.asarray(lat, dtype=float))
    k = np.sqrt(2.0 / (1.0 + np.sin(phi0) * np.sin(phi) + np.cos(phi0) * np.cos(phi) * np.cos(lam - lam0)))
    x = k * np.cos(phi) * np.sin(lam - lam0)
    y = k * (np.cos(phi0) * np.sin(phi) - np.sin(phi0) * np.cos(phi) * np.cos(lam - lam0))
    return 6371.0 * x, 6371.0 * y


def _draw_countries(ax: Any, highlight: set[str], origin: str = "RU") -> tuple[float, ...]:
    from matplotlib.collections import PolyCollection

    from exitwave.report.boundaries import load_boundaries

    countries, box = load_boundaries()
    polys, faces = [], []
    for country in countries:
        for ring in country.rings:
            x, y = project(ring[:, 0], ring[:, 1])
            polys.append(np.column_stack([x, y]))
            faces.append(ORIGIN if country.iso2 == origin else DESTINATION if country.iso2 in highlight else LAND)
    ax.set_facecolor(SEA)  # what no country covers is sea
    ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors="#8d96a6", linewidths=0.4, zorder=0))
    return box


def _map_frame(ax: Any, extent: tuple[float, float, float, float]) -> None:
    """Limits from the lon/lat box's projected edges; no degree ticks (the grid is not square)."""
    lon0, lon1, lat0, lat1 = extent
    lons = np.concatenate([np.linspace(lon0, lon1, 50), np.full(50, lon1), np.linspace(lon1, lon0, 50), np.full(50, lon0)])
    lats = np.concatenate([np.full(50, lat0), np.linspace(lat0, lat1, 50), np.full(50, lat1), np.linspace(lat1, lat0, 50)])
    x, y = project(lons, lats)
    ax.set_xlim(np.percentile(x, 8), np.percentile(x, 92))
    ax.set_ylim(y.min(), y.max())
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def _map_legend(ax: Any, sizes: list[tuple[float, str]], colour: str, title: str, extra: Sequence[Any] = (),
                lines: bool = True) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [ax.scatter([], [], s=size, color=colour, alpha=0.6, edgecolors="white") for size, _ in sizes]
    labels = [label for _, label in sizes]
    if lines:
        handles += [Line2D([], [], color="#b03a2e", lw=2), Line2D([], [], color="#b03a2e", lw=2, ls="--")]
        labels += ["by land or sea, into the country", "by air"]
    handles += [Patch(facecolor=ORIGIN, edgecolor="#8d96a6"), Patch(facecolor=DESTINATION, edgecolor="#8d96a6"),
                Patch(facecolor=LAND, edgecolor="#8d96a6"), Patch(facecolor=SEA, edgecolor="#8d96a6"), *extra]
    labels += ["Russia (where they leave)", "destination countries", "other countries", "sea",
               *[h.get_label() for h in extra]]
    ax.legend(handles, labels, fontsize=7, loc="lower left", title=title, title_fontsize=8, framealpha=0.92,
              ncol=2, labelspacing=1.6, borderpad=1.0, columnspacing=2.5)


def _label_crossings(ax: Any, world: Any, values: np.ndarray, top: int = 6) -> None:
    """The ``top`` crossings by |value|, by their display name (before any comma)."""
    order = [c for c in np.argsort(-np.abs(values)) if values[c] != 0][:top]
    x, y = project(world.crossing_lon, world.crossing_lat)
    for c in order:
        name = str(world.crossing_names[c]).split(",")[0]
        ax.annotate(name, (x[c], y[c]), fontsize=7, xytext=(4, -9), textcoords="offset points", zorder=6,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})


def _crossed(frames: list[Any], world: Any) -> np.ndarray:
    """People crossed at each crossing, one row per run."""
    return np.array([[f[f"crossed.{cid}"].sum() if f"crossed.{cid}" in f else 0.0 for cid in world.crossing_ids]
                     for f in frames], dtype=float)


def flow_map_figure(groups: dict[str, list[Any]], world: Any, *,
                    extent: tuple[float, float, float, float] | None = None) -> Any | None:
    """People crossed at each crossing (median over seeds), one panel per scenario on a shared
    scale, on bundled country outlines in an equal-area projection: circles at crossings sized by
    people crossed, lines from each crossing into its destination country (width ∝ people; dashed:
    air), the busiest crossings named, Russia, destinations, other land and sea told apart in the
    legend. ``extent`` = (lon min, lon max, lat min, lat max), degrees."""
    plt = _plt()
    if not groups:
        return None
    crossed = {name: np.median(_crossed(frames, world), axis=0) for name, frames in groups.items()}
    peak = max(max(float(v.max()) for v in crossed.values()), 1.0)
    dests = {world.country_ids[k] for k in world.crossing_country}
    box = extent or (4.0, 112.0, 35.0, 71.0)
    cx, cy = project(world.crossing_lon, world.crossing_lat)
    kx, ky = project(world.country_lon, world.country_lat)
    n = len(groups)
    fig, axes = plt.subplots(n, 1, figsize=(11, 6.8 * n), squeeze=False)
    for ax, (name, people) in zip(axes[:, 0], crossed.items(), strict=True):
        _draw_countries(ax, dests)
        dest_in = np.zeros(world.n_countries)
        for c in range(world.n_crossings):
            if people[c] <= 0:
                continue
            k = world.crossing_country[c]
            dest_in[k] += people[c]
            ax.plot([cx[c], kx[k]], [cy[c], ky[k]], color="#b03a2e", alpha=0.45, lw=0.4 + 5.0 * people[c] / peak,
                    zorder=2, ls="--" if world.crossing_mode[c] == 3 else "-")
        ax.scatter(cx, cy, s=4 + 700 * people / peak, color="#b03a2e", alpha=0.6, edgecolors="white",
                   linewidths=0.5, zorder=3)
        shown = dest_in > 0
        ax.scatter(kx[shown], ky[shown], marker="s", s=14, color="#1d2433", zorder=4)
        _map_frame(ax, box)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        names = dict(zip(world.country_ids, world.country_names, strict=True))
        from exitwave.outputs import format_value

        for k in np.flatnonzero(shown):
            if x0 <= kx[k] <= x1 and y0 <= ky[k] <= y1 and dest_in[k] >= 0.02 * peak:
                ax.annotate(f"{names.get(world.country_ids[k], world.country_ids[k])}: {format_value(dest_in[k])}",
                            (kx[k], ky[k]), fontsize=8, fontweight="bold", xytext=(4, 4), textcoords="offset points",
                            zorder=5)
        _label_crossings(ax, world, people)
        outside = [world.country_ids[k] for k in np.flatnonzero(shown)
                   if not (x0 <= kx[k] <= x1 and y0 <= ky[k] <= y1)]
        note = f"; destinations off the map: {', '.join(outside)}" if outside else ""
        ax.set_title(f"{name}: {format_value(float(people.sum()))} people crossed (median over seeds){note}",
                     fontsize=11)
    from exitwave.outputs import format_value

    _map_legend(axes[0, 0], [(4 + 700 * f, f"{format_value(f * peak)} people crossed") for f in (0.1, 0.5, 1.0)],
                "#b03a2e", "at each crossing (circles)")
    fig.text(0.5, 0.0, f"Lambert azimuthal equal-area projection centred on {MAP_CENTRE[1]:.0f}°N "
                       f"{MAP_CENTRE[0]:.0f}°E; Natural Earth outlines (public domain).", ha="center", fontsize=8)
    fig.tight_layout()
    return fig


def flow_difference_figure(groups: dict[str, list[Any]], world: Any, base: str, other: str, *,
                           extent: tuple[float, float, float, float] | None = None) -> Any | None:
    """Where ``other`` moves people compared with ``base``: the paired difference in people crossed
    at each crossing (median over seeds; runs paired by position), circles sized by its size, blue
    where more cross in ``other``, orange where fewer, the largest changes named."""
    from exitwave.outputs import format_value

    plt = _plt()
    if base not in groups or other not in groups:
        return None
    a, b = _crossed(groups[base], world), _crossed(groups[other], world)
    if len(a) == len(b):
        delta = np.median(b - a, axis=0)
    else:
        delta = np.median(b, axis=0) - np.median(a, axis=0)
    peak = max(float(np.abs(delta).max()), 1.0)
    cx, cy = project(world.crossing_lon, world.crossing_lat)
    fig, ax = plt.subplots(figsize=(11, 6.8))
    _draw_countries(ax, {world.country_ids[k] for k in world.crossing_country})
    more, fewer = "#2166ac", "#e08214"
    colours = np.where(delta > 0, more, fewer)
    keep = delta != 0
    ax.scatter(cx[keep], cy[keep], s=6 + 900 * np.abs(delta[keep]) / peak, c=colours[keep], alpha=0.7,
               edgecolors="white", linewidths=0.6, zorder=3)
    _map_frame(ax, extent or (4.0, 112.0, 35.0, 71.0))
    _label_crossings(ax, world, delta)
    from matplotlib.lines import Line2D

    extra = [Line2D([], [], marker="o", ls="", color=more, label=f"more cross in {other}"),
             Line2D([], [], marker="o", ls="", color=fewer, label=f"fewer cross in {other}")]
    _map_legend(ax, [(6 + 900 * f, f"{format_value(f * peak)} people") for f in (0.1, 0.5, 1.0)], "#5d6d7e",
                "change at each crossing", extra, lines=False)
    ax.set_title(f"{other} − {base}: change in people crossed at each crossing (median of paired differences; "
                 f"net {format_value(float(delta.sum()), signed=True)})", fontsize=11)
    fig.tight_layout()
    return fig


#: Colours that mean something: better, worse, changed (better or worse depends on the reader's
#: goal, e.g. departures), and not distinguishable from zero.
VERDICT_COLOURS = {"better": "#1a9850", "worse": "#d73027", "changed": "#4575b4", "unclear": "#8c8c8c"}
VERDICT_LABELS = {"better": "better (5–95 % band on the good side of zero)",
                  "worse": "worse (band on the bad side of zero)",
                  "changed": "changed (which way is better depends on the goal)",
                  "unclear": "not distinguishable from zero"}


def verdict(low: float, high: float, good: str | None) -> str:
    """better / worse / changed / unclear for a difference band and the output's good direction."""
    if not (low > 0 or high < 0):
        return "unclear"
    if good is None:
        return "changed"
    up = low > 0
    return "better" if (good == "higher") == up else "worse"


def forest_figure(rows: list[tuple[str, float, float, float, float]], title: str,
                  good: Sequence[str | None] | None = None) -> Any:
    """Paired differences with 5–95 % bars: rows of (label, median, p5, p95, scale), plotted as a
    percentage of ``scale`` (the status quo's median, so outputs of any unit share one linear
    axis). Colours say better or worse by each output's ``good`` direction (output registry)."""
    plt = _plt()
    good = good or [None] * len(rows)
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(rows) + 1.9))
    y = np.arange(len(rows))[::-1]
    seen: set[str] = set()
    for yi, (_, mid, lo, hi, scale), direction in zip(y, rows, good, strict=True):
        s = max(abs(scale), 1e-9)
        kind = verdict(lo, hi, direction)
        ax.errorbar([mid / s * 100], [yi], xerr=[[max(mid - lo, 0) / s * 100], [max(hi - mid, 0) / s * 100]],
                    fmt="o", color=VERDICT_COLOURS[kind], ms=5, capsize=3,
                    label=VERDICT_LABELS[kind] if kind not in seen else None)
        seen.add(kind)
        ax.annotate(f"{mid / s * 100:+.1f} %", (1.0, yi), xycoords=("axes fraction", "data"), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8, color=VERDICT_COLOURS[kind])
    ax.axvline(0, color="k", lw=0.8)
    ax.margins(x=0.08)
    ax.set_yticks(y, [r[0] for r in rows], fontsize=9)
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:+.0f} %"))
    ax.set_xlabel("paired difference from the status quo, % of its median (median and 5–95 % over seeds)",
                  fontsize=9)
    ax.set_title(title, fontsize=11)
    ax.grid(axis="x", alpha=0.25)
    ax.legend(fontsize=8, loc="best", framealpha=0.9)
    fig.tight_layout()
    return fig


def calibration_figure(fit: Any) -> Any:
    """Posterior predictive median and 5–95 % band against each observed target (log scale),
    from a calibration's ``fit.csv``; filled markers inside the band, open ones outside."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(fit) + 1.4))
    y = np.arange(len(fit))[::-1]
    med, lo, hi = (fit[c].to_numpy(dtype=float) for c in ("median", "p5", "p95"))
    ax.errorbar(np.maximum(med, 1), y, xerr=[np.maximum(med - lo, 0), np.maximum(hi - med, 0)], fmt="D",
                ms=3, color="#1f5fa8", capsize=3, label="model: median, 5–95 % predictive band")
    inside = fit["inside_90"].astype(bool).to_numpy()
    obs = fit["observed"].to_numpy(dtype=float)
    ax.scatter(obs[inside], y[inside], color="#2a8c55", zorder=3, s=22, label="observed, inside the band")
    ax.scatter(obs[~inside], y[~inside], facecolors="white", edgecolors="#c0392b", zorder=3, s=26,
               label="observed, outside the band")
    ax.set_xscale("log")  # targets from thousands of vehicles to a hundred thousand people
    ax.set_title("The 2022 calibration targets against the posterior predictive", fontsize=11)
    ax.set_yticks(y, [f"{t} ({u})" for t, u in zip(fit["target"], fit["unit"], strict=True)], fontsize=7)
    ax.set_xlabel("people or vehicles (log scale)", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(axis="x", alpha=0.25)
    fig.tight_layout()
    return fig


def sensitivity_figure(frame: Any, outputs: list[str], k: int = 6) -> Any | None:
    """Sobol indices per output: total index ST with its 95 % confidence interval (bar) and the
    first-order index S1 (dot), the ``k`` leading parameters of each. ``frame`` has columns
    output, parameter, S1, S1_conf, ST, ST_conf."""
    outputs = [o for o in outputs if (frame["output"] == o).any()]
    if not outputs:
        return None
    fig, axes = _panel_grid(len(outputs), 2.5, 0.4)
    for ax, output in zip(axes.flat, outputs, strict=False):
        part = frame[frame["output"] == output].sort_values("ST", ascending=False).head(k)[::-1]
        y = np.arange(len(part))
        ax.barh(y, part["ST"], xerr=part["ST_conf"], color="#9db7d8", ecolor="#1d2433", capsize=2,
                label="ST ± 95 % CI")
        ax.scatter(part["S1"], y, color="#c0392b", s=14, zorder=3, label="S1")
        ax.set_yticks(y, [p.split(".", 1)[1] for p in part["parameter"]], fontsize=7)
        ax.set_title(f"Δ {registry().label(output) if output in registry() else output}", fontsize=9)
        ax.axvline(0, color="k", lw=0.6)
        ax.tick_params(axis="x", labelsize=7)
    axes.flat[0].legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    return fig
