"""One tidy table of runs for every experiment, and daily series as an xarray cube.

Every experiment (:class:`~exitwave.experiments.comparison.Comparison`,
:class:`~exitwave.experiments.ensembles.Ensemble`, :class:`~exitwave.experiments.sweeps.Sweep`)
has ``to_tidy()``: one row per run and output, with the same columns everywhere —

======== ==============================================================================
run      the run's name (``russia-2022/seed-3``; in a sweep ``point-2/seed-3``)
scenario the scenario's name
seed     the run's seed
draw     the design point (a sweep's grid point, 0, 1, …); ``<NA>`` where there is none
output   a summary field, dotted for places (``by_destination.KZ``; see docs/outputs.md)
value    its value (people, days, 0–1 … as the output registry says); NaN when it did not
         happen (the war's end within the run)
======== ==============================================================================

so results of different experiments can be stacked, filtered and pivoted with the same code.
``to_xarray()`` gives the daily series of the runs as a ``DataArray`` with dimensions
``day × output × run``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TIDY_COLUMNS", "tidy_runs", "series_cube"]

TIDY_COLUMNS = ("run", "scenario", "seed", "draw", "output", "value")


def tidy_runs(runs: Iterable[tuple[str, str, int, int | None, Mapping[str, Any]]]) -> pd.DataFrame:
    """The tidy table of ``(run, scenario, seed, draw, summary)`` tuples: numeric summary fields
    only (nested mappings as dotted names, flags as 0/1)."""
    import pandas as pd

    from exitwave.experiments.ensembles import flatten_summary

    rows = []
    for run, scenario, seed, draw, summary in runs:
        for output, value in flatten_summary(dict(summary)).items():
            if output in ("seed", "scale", "runtime_s"):
                continue  # settings and timings, not outcomes
            rows.append((run, scenario, int(seed), draw, output, float(value)))
    frame = pd.DataFrame(rows, columns=list(TIDY_COLUMNS))
    return frame.astype({"run": "string", "scenario": "string", "seed": "int64", "draw": "Int64",
                         "output": "string", "value": "float64"})


def series_cube(frames: Mapping[str, pd.DataFrame], name: str = "people") -> Any:
    """Daily series of several runs (run name → ``series.parquet`` frame, one row per date) as an
    ``xarray.DataArray`` with dimensions ``day × output × run``; a column missing from a run
    (a place it never used) is 0."""
    import numpy as np
    import xarray as xr

    if not frames:
        raise ValueError("no runs with daily series")
    columns = sorted(set().union(*[f.columns for f in frames.values()]))
    first = next(iter(frames.values()))
    stack = np.stack([f.reindex(columns=columns, fill_value=0.0).to_numpy(dtype=float) for f in frames.values()],
                     axis=-1)
    return xr.DataArray(stack, dims=("day", "output", "run"), name=name,
                        coords={"day": first.index.to_numpy(), "output": columns, "run": list(frames)})
