"""The report's figures as matplotlib Figures, shared by the HTML report and the dashboard.

Every function takes the daily series of a comparison grouped by scenario
(:func:`series_by_scenario`) and returns figures; callers decide how to embed them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from exitwave.experiments.comparison import Comparison

__all__ = ["band_figures", "flow_map_figure", "series_by_scenario"]


def series_by_scenario(comparison: Comparison) -> dict[str, list[Any]]:
    """Each scenario's daily series (one DataFrame per seed), read from the comparison's run folders."""
    import pandas as pd

    groups: dict[str, list[Any]] = {}
    for run_dir in comparison.run_dirs:
        path = Path(run_dir) / "series.parquet"
        if path.exists():
            name = Path(run_dir).parent.name
            groups.setdefault(name, []).append(pd.read_parquet(path))
    return groups


def band_figures(groups: dict[str, list[Any]]) -> list[Any]:
    """Panels of daily series: median line and 5–95 % band over seeds, one colour per scenario."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not groups:
        return []
    first = next(iter(groups.values()))[0]
    queues = [c for c in first.columns if c.startswith("queue_length.")]
    busiest = max(queues, key=lambda c: max(g[0][c].max() for g in groups.values())) if queues else None
    panels = [("departed", "departed (cumulative, people)"), ("status.queued", "queued at crossings"),
              ("status.mobilized", "mobilized, in training"), ("status.soldier", "force strength"),
              ("mean_morale", "mean morale (0–1)"), ("surrendered", "surrendered (cumulative)"),
              ("deserted", "deserted (cumulative)"), ("status.protected", "granted protection abroad")]
    if busiest:
        panels.insert(2, (busiest, f"queue at {busiest.split('.', 1)[1]} (people)"))
    panels = [p for p in panels if p[0] in first.columns]
    images = []
    for start in range(0, len(panels), 4):
        chunk = panels[start:start + 4]
        fig, axes = plt.subplots(1, len(chunk), figsize=(4.2 * len(chunk), 3.2), squeeze=False)
        for ax, (column, title) in zip(axes[0], chunk, strict=True):
            for name, frames in groups.items():
                stack = np.stack([f[column].to_numpy(dtype=float) for f in frames])
                p5, p50, p95 = np.nanpercentile(stack, [5, 50, 95], axis=0)
                index = frames[0].index
                ax.plot(index, p50, label=name)
                ax.fill_between(index, p5, p95, alpha=0.2)
            ax.set_title(title, fontsize=10)
            ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        images.append(fig)
    return images


def flow_map_figure(groups: dict[str, list[Any]], world: Any) -> Any | None:
    """People crossed at each crossing (median over seeds), one map per scenario."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not groups:
        return None
    fig, axes = plt.subplots(1, len(groups), figsize=(6.5 * len(groups), 4.2), squeeze=False)
    for ax, (name, frames) in zip(axes[0], groups.items(), strict=True):
        ax.scatter(world.region_lon, world.region_lat, s=np.sqrt(world.region_population) / 60,
                   color="#c8cfdc", label="regions (by population)")
        crossed = np.array([np.median([f[f"crossed.{cid}"].sum() for f in frames]) for cid in world.crossing_ids])
        ax.scatter(world.crossing_lon, world.crossing_lat, s=5 + crossed / max(crossed.max(), 1) * 600,
                   color="#c0392b", alpha=0.6, label="crossings (by people crossed)")
        for c in np.argsort(-crossed)[:6]:
            if crossed[c] > 0:
                ax.annotate(f"{world.crossing_ids[c]} {crossed[c] / 1000:.0f}k",
                            (world.crossing_lon[c], world.crossing_lat[c]), fontsize=7)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
