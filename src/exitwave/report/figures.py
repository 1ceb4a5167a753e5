"""The report's figures as matplotlib Figures, shared by the HTML report and the dashboard.

Every series function takes the daily series grouped by scenario (:func:`series_by_scenario` for
a comparison, :func:`series_by_group` for any run folders) — one DataFrame per seed, counts in
people — and returns figures; callers decide how to embed them. Maps are drawn on the bundled
country outlines (:mod:`exitwave.report.boundaries`), never on a tile server.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.outputs import registry

if TYPE_CHECKING:
    from exitwave.experiments.comparison import Comparison
    from exitwave.world import World

__all__ = ["band_figures", "calibration_figure", "destination_series", "flow_map_figure",
           "forest_figure", "png_bytes", "run_world", "sensitivity_figure", "series_by_group",
           "series_by_scenario"]

_COLOURS = ("#1f5fa8", "#c0392b", "#2a8c55", "#8e44ad", "#d68910", "#5d6d7e")


def png_bytes(fig: Any, dpi: int = 100) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


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


def _band(ax: Any, index: Any, stack: np.ndarray, colour: str, label: str) -> None:
    p5, p50, p95 = np.nanpercentile(stack, [5, 50, 95], axis=0)
    ax.plot(index, p50, color=colour, label=label, lw=1.6)
    ax.fill_between(index, p5, p95, color=colour, alpha=0.18, lw=0)


def _style(ax: Any, title: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(alpha=0.25)


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
    images = []
    if world is not None:
        by_dest = {name: [destination_series(f, world) for f in frames] for name, frames in groups.items()}
        totals: dict[str, float] = {}
        for runs in by_dest.values():
            for run in runs:
                for iso, values in run.items():
                    totals[iso] = totals.get(iso, 0.0) + float(values[-1])
        top = [iso for iso, total in sorted(totals.items(), key=lambda kv: -kv[1]) if total > 0][:5]
        if top:
            names = dict(zip(world.country_ids, world.country_names, strict=True))
            fig, axes = plt.subplots(1, len(top), figsize=(3.4 * len(top), 3.0), squeeze=False)
            for ax, iso in zip(axes[0], top, strict=True):
                for name, runs in by_dest.items():
                    index = groups[name][0].index
                    stack = np.stack([run.get(iso, np.zeros(len(index))) for run in runs])
                    _band(ax, index, stack, colours[name], name)
                _style(ax, f"departed to {names.get(iso, iso)}")
            axes[0][0].legend(fontsize=7)
            fig.suptitle("Departures by destination (cumulative people through its crossings)", fontsize=11)
            fig.tight_layout()
            images.append(fig)
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
        fig, axes = plt.subplots(1, len(chunk), figsize=(4.2 * len(chunk), 3.2), squeeze=False)
        for ax, (column, title) in zip(axes[0], chunk, strict=True):
            for name, frames in groups.items():
                stack = np.stack([f[column].to_numpy(dtype=float) for f in frames])
                _band(ax, frames[0].index, stack, colours[name], name)
            _style(ax, title)
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        images.append(fig)
    return images


def _draw_countries(ax: Any, highlight: set[str]) -> tuple[float, ...]:
    from matplotlib.collections import PolyCollection

    from exitwave.report.boundaries import load_boundaries

    countries, box = load_boundaries()
    polys, faces = [], []
    for country in countries:
        for ring in country.rings:
            polys.append(ring)
            faces.append("#dfe6f0" if country.iso2 == "RU" else "#f3efe4" if country.iso2 in highlight
                         else "#f7f7f7")
    ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors="#9aa3b2", linewidths=0.4, zorder=0))
    return box


def flow_map_figure(groups: dict[str, list[Any]], world: Any, *,
                    extent: tuple[float, float, float, float] | None = None) -> Any | None:
    """People crossed at each crossing (median over seeds) on bundled country outlines, one panel
    per scenario on a shared scale: circles at crossings sized by people crossed, lines from each
    crossing into its destination country (width ∝ people), Russia shaded. Air routes start at
    their airport. ``extent`` = (lon min, lon max, lat min, lat max), degrees."""
    plt = _plt()
    if not groups:
        return None
    crossed = {name: np.array([np.median([f[f"crossed.{cid}"].sum() if f"crossed.{cid}" in f else 0.0
                                          for f in frames]) for cid in world.crossing_ids])
               for name, frames in groups.items()}
    peak = max(max(float(v.max()) for v in crossed.values()), 1.0)
    dests = {world.country_ids[k] for k in world.crossing_country}
    lon0, lon1, lat0, lat1 = extent or (4.0, 112.0, 35.0, 71.0)
    n = len(groups)
    fig, axes = plt.subplots(n, 1, figsize=(11, 6.4 * n), squeeze=False)
    for ax, (name, people) in zip(axes[:, 0], crossed.items(), strict=True):
        _draw_countries(ax, dests)
        dest_in = np.zeros(world.n_countries)
        for c in range(world.n_crossings):
            if people[c] <= 0:
                continue
            k = world.crossing_country[c]
            dest_in[k] += people[c]
            ax.plot([world.crossing_lon[c], world.country_lon[k]], [world.crossing_lat[c], world.country_lat[k]],
                    color="#c0392b", alpha=0.45, lw=0.4 + 5.0 * people[c] / peak, zorder=2,
                    ls="--" if world.crossing_mode[c] == 3 else "-")
        ax.scatter(world.crossing_lon, world.crossing_lat, s=4 + 700 * people / peak, color="#c0392b",
                   alpha=0.55, edgecolors="white", linewidths=0.5, zorder=3)
        shown = dest_in > 0
        ax.scatter(world.country_lon[shown], world.country_lat[shown], marker="s", s=14, color="#1d2433", zorder=4)
        for k in np.flatnonzero(shown):
            lon, lat = world.country_lon[k], world.country_lat[k]
            if lon0 <= lon <= lon1 and lat0 <= lat <= lat1 and dest_in[k] >= 0.02 * peak:
                ax.annotate(f"{world.country_ids[k]} {dest_in[k] / 1000:,.0f}k", (lon, lat), fontsize=7,
                            xytext=(3, 3), textcoords="offset points", zorder=5)
        outside = [world.country_ids[k] for k in np.flatnonzero(shown)
                   if not (lon0 <= world.country_lon[k] <= lon1 and lat0 <= world.country_lat[k] <= lat1)]
        total = float(people.sum())
        note = f"; destinations off the map: {', '.join(outside)}" if outside else ""
        ax.set_title(f"{name}: {total / 1e6:.2f} M crossed (median over seeds){note}", fontsize=10)
        ax.set_xlim(lon0, lon1)
        ax.set_ylim(lat0, lat1)
        ax.set_aspect(1.0 / np.cos(np.radians((lat0 + lat1) / 2)))
        ax.set_xlabel("longitude (°E)", fontsize=8)
        ax.set_ylabel("latitude (°N)", fontsize=8)
        ax.tick_params(labelsize=7)
    for size in (0.1, 0.5, 1.0):
        axes[0, 0].scatter([], [], s=4 + 700 * size, color="#c0392b", alpha=0.55,
                           label=f"{size * peak / 1000:,.0f}k crossed")
    axes[0, 0].legend(fontsize=7, loc="lower left", title="crossing", title_fontsize=7)
    fig.tight_layout()
    return fig


def forest_figure(rows: list[tuple[str, float, float, float, float]], title: str) -> Any:
    """Paired differences with 5–95 % bars: rows of (label, median, p5, p95, scale), plotted as a
    share of ``scale`` (the status quo's median, so outputs of any unit share one axis)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 0.34 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    for yi, (_, mid, lo, hi, scale) in zip(y, rows, strict=True):
        s = max(abs(scale), 1e-9)
        colour = "#2a8c55" if lo > 0 else "#c0392b" if hi < 0 else "#7f8c8d"
        ax.errorbar([mid / s * 100], [yi], xerr=[[(mid - lo) / s * 100], [(hi - mid) / s * 100]], fmt="o",
                    color=colour, ms=4, capsize=2)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xscale("symlog", linthresh=1.0)
    ax.margins(x=0.08)
    ax.set_yticks(y, [r[0] for r in rows], fontsize=8)
    ax.set_xlabel("paired difference, % of the status quo's median (median and 5–95 % over seeds; "
                  "symmetric log scale, linear within ±1 %)", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.25)
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
    ax.set_xscale("log")
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
    plt = _plt()
    outputs = [o for o in outputs if (frame["output"] == o).any()]
    if not outputs:
        return None
    cols = min(3, len(outputs))
    rows = -(-len(outputs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 2.5 * rows + 0.4), squeeze=False)
    for ax in axes.flat[len(outputs):]:
        ax.axis("off")
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
