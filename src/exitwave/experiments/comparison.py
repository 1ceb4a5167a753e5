"""Compare scenarios on the same seeds (common random numbers), with intervals.

Every scenario is run with seeds ``seed … seed + n − 1``. Because all randomness is keyed by
``(seed, stream, day, agent)``, run *i* of every scenario sees the same men and the same draws:
the paired difference between two scenarios on one seed is the policy's effect, not noise. The
table reports, per headline output, each scenario's median with a 5–95 % band over seeds and
the paired difference from the first scenario with its band; a difference whose band excludes
zero is flagged as distinguishable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.engine import Simulation
from exitwave.scenario.load import load_scenario, resolve_scenario_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Comparison", "compare", "headline", "HEADLINE_FIELDS"]

HEADLINE_FIELDS = (
    ("departed", "departed (crossed out)"),
    ("dest.KZ", "in Kazakhstan at end"),
    ("dest.GE", "in Georgia at end"),
    ("dest.FI", "in Finland at end"),
    ("dest.MN", "in Mongolia at end"),
    ("dest.EU", "in the EU at end"),
    ("peak_queue.upper_lars", "peak queue Upper Lars (people)"),
    ("mobilized", "mobilized"),
    ("mobilization_shortfall", "mobilization shortfall"),
    ("hiding", "hiding"),
    ("detained_at_border", "detained at the border"),
    ("protected", "granted protection"),
    ("returned", "returned home"),
    ("hostile_admitted", "hostile agents admitted"),
)


def headline(summary: dict[str, Any], eu: set[str]) -> dict[str, float]:
    """Flatten one summary into the headline numbers (people)."""
    out: dict[str, float] = {}
    for key, _ in HEADLINE_FIELDS:
        if key.startswith("dest."):
            iso = key[5:]
            dest = summary["by_destination"]
            out[key] = float(sum(v for k, v in dest.items() if k in eu)) if iso == "EU" else float(dest.get(iso, 0))
        elif key.startswith("peak_queue."):
            out[key] = float(summary["peak_queue"].get(key.split(".", 1)[1], 0))
        else:
            out[key] = float(summary[key])
    return out


@dataclass
class Comparison:
    """Headline numbers per scenario and seed, and paired differences."""

    names: list[str]
    seeds: list[int]
    values: dict[str, np.ndarray]  # scenario -> [seed, field]
    summaries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    run_dirs: list[Path] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        return [key for key, _ in HEADLINE_FIELDS]

    def to_frame(self) -> pd.DataFrame:
        """One row per headline output; per scenario the median and 5–95 % band, and for every
        scenario after the first the paired difference from the first with its band."""
        import pandas as pd

        rows = []
        base = self.values[self.names[0]]
        for j, (key, label) in enumerate(HEADLINE_FIELDS):
            row: dict[str, Any] = {"output": key, "label": label}
            for name in self.names:
                v = self.values[name][:, j]
                row[f"{name}.median"] = float(np.median(v))
                row[f"{name}.p5"], row[f"{name}.p95"] = (float(x) for x in np.percentile(v, [5, 95]))
            for name in self.names[1:]:
                d = self.values[name][:, j] - base[:, j]
                lo, hi = np.percentile(d, [5, 95])
                row[f"{name}.diff_median"] = float(np.median(d))
                row[f"{name}.diff_p5"], row[f"{name}.diff_p95"] = float(lo), float(hi)
                row[f"{name}.distinguishable"] = bool(lo > 0 or hi < 0)
            rows.append(row)
        return pd.DataFrame(rows).set_index("output")


def compare(scenarios: list[str], n: int = 8, *, seed: int = 1, scale: float | None = None,
            days: int | None = None, out_dir: str | Path | None = None,
            progress: Callable[[str, int], None] | None = None) -> Comparison:
    """Run every scenario on seeds ``seed … seed+n−1`` and pair the results."""
    loaded = [(resolve_scenario_path(s), load_scenario(s)) for s in scenarios]
    names = [sc.name for _, sc in loaded]
    if len(set(names)) != len(names):
        names = [f"{i}:{name}" for i, name in enumerate(names)]
    values: dict[str, np.ndarray] = {}
    summaries: dict[str, list[dict[str, Any]]] = {}
    run_dirs: list[Path] = []
    seeds = list(range(seed, seed + n))
    for name, (path, scenario) in zip(names, loaded, strict=True):
        rows = []
        summaries[name] = []
        for s in seeds:
            sim = Simulation(scenario, seed=s, scale=scale, days=days, source=path)
            results = sim.run()
            eu = {iso for iso, member in zip(sim.world.country_ids, sim.world.country_eu, strict=True) if member}
            rows.append([headline(results.summary, eu)[key] for key, _ in HEADLINE_FIELDS])
            summaries[name].append(results.summary)
            if out_dir is not None:
                run_dirs.append(results.save(out_dir))
            if progress is not None:
                progress(name, s)
        values[name] = np.array(rows, dtype=np.float64)
    return Comparison(names=names, seeds=seeds, values=values, summaries=summaries, run_dirs=run_dirs)
