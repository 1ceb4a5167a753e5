"""Ensembles: one scenario over many seeds, with medians and 5–95 % bands.

Each run's directory is named by its seed (``runs/seed-7``) and written atomically, so running the
same command into the same folder again skips finished runs — also after the process was killed
mid-run — and never duplicates or loses one. The aggregates (``ensemble.parquet``: per date and
series the median, 5 % and 95 % quantiles; ``ensemble_summary.json``: the same per summary field)
are recomputed from the run directories on disk and written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.experiments.executors import (
    RunOutcome,
    RunSpec,
    check_or_write_manifest,
    finished_runs,
    make_executor,
    remove_stale_temporaries,
    write_atomically,
)
from exitwave.outputs import registry
from exitwave.results import read_summary

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Ensemble", "ensemble", "flatten_summary", "band_table"]

QUANTILES = (5, 50, 95)


def flatten_summary(summary: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric fields of a summary, nested mappings as dotted keys (``by_destination.KZ``); an
    output that may not happen (registry: ``may_not_happen``, the war's end) is NaN when it did not."""
    flat: dict[str, float] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool | int | float):
            flat[name] = float(value)
        elif value is None and _may_not_happen(name):
            flat[name] = float("nan")
        elif isinstance(value, dict):
            flat.update(flatten_summary(value, prefix=f"{name}."))
    return flat


def _may_not_happen(name: str) -> bool:
    output = registry().find(name)
    return output is not None and output.may_not_happen and output.censor is not None


def band_table(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per field: median, p5, p95, mean and n over runs (a missing nested key counts as 0)."""
    keys = sorted({k for row in rows for k in row})
    out: dict[str, dict[str, float]] = {}
    for key in keys:
        nested = "." in key
        values = np.array([row.get(key, 0.0 if nested else np.nan) for row in rows], dtype=np.float64)
        finite = values[~np.isnan(values)]
        if not finite.size:
            out[key] = {"n": 0}
            continue
        p5, p50, p95 = np.percentile(finite, QUANTILES)
        out[key] = {"median": float(p50), "p5": float(p5), "p95": float(p95),
                    "mean": float(finite.mean()), "n": int(finite.size)}
    return out


@dataclass
class Ensemble:
    """An ensemble's runs (on disk or in memory) and their aggregates."""

    scenario: str
    seeds: list[int]
    summaries: dict[int, dict[str, Any]]
    failures: dict[int, str] = field(default_factory=dict)
    out: Path | None = None
    series: dict[int, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        where = f", in {self.out}" if self.out is not None else ""
        failed = f", {len(self.failures)} failed" if self.failures else ""
        return (f"Ensemble({self.scenario}: {len(self.summaries)} of {len(self.seeds)} runs{failed}{where}; "
                ".summary_bands(), .to_frame(), .to_tidy(), .to_xarray(), .plot())")

    def to_tidy(self) -> pd.DataFrame:
        """One row per run and output: ``run, scenario, seed, draw, output, value`` (the same
        columns as every experiment's, see :mod:`exitwave.experiments.tidy`)."""
        from exitwave.experiments.tidy import tidy_runs

        name = str(next(iter(self.summaries.values()))["scenario"]) if self.summaries else self.scenario
        return tidy_runs((f"{name}/seed-{seed}", name, seed, None, summary)
                         for seed, summary in sorted(self.summaries.items()))

    def to_xarray(self) -> Any:
        """Daily series of every run as an ``xarray.DataArray``, dimensions ``day × output ×
        run`` (runs named ``seed-k``)."""
        from exitwave.experiments.tidy import series_cube

        return series_cube({f"seed-{seed}": self._series(seed) for seed in sorted(self.summaries)})

    def summary_bands(self) -> dict[str, dict[str, float]]:
        rows = [flatten_summary(self.summaries[s]) for s in sorted(self.summaries)]
        bands = band_table(rows)
        # the share of runs in which the war ended (war_end_day: null when it outlasted the run)
        ends = [self.summaries[s].get("war_end_day") for s in sorted(self.summaries)]
        if any("war_end_day" in self.summaries[s] for s in self.summaries):
            bands["war_ended_share"] = {"mean": float(np.mean([e is not None for e in ends])),
                                        "n": len(ends)}
        return bands

    def to_frame(self) -> pd.DataFrame:
        """Daily bands: columns (series, statistic) with statistic in p5, median, p95."""
        import pandas as pd

        frames = [self._series(s) for s in sorted(self.summaries)]
        columns = sorted(set().union(*[f.columns for f in frames]))
        stack = np.stack([f.reindex(columns=columns, fill_value=0.0).to_numpy() for f in frames])
        p5, p50, p95 = np.nanpercentile(stack, QUANTILES, axis=0)
        index = frames[0].index
        parts = {"p5": p5, "median": p50, "p95": p95}
        data = {(col, stat): parts[stat][:, j] for j, col in enumerate(columns) for stat in parts}
        frame = pd.DataFrame(data, index=index)
        frame.columns = pd.MultiIndex.from_tuples(list(data), names=["series", "statistic"])
        return frame

    def _series(self, seed: int) -> pd.DataFrame:
        import pandas as pd

        if seed in self.series:
            return self.series[seed]
        if self.out is None:
            raise ValueError("series of this run were not kept")
        return pd.read_parquet(self.out / "runs" / f"seed-{seed}" / "series.parquet")

    def plot(self, columns: list[str] | None = None, ax: Any = None) -> Any:
        """Median lines with 5–95 % bands (matplotlib)."""
        import matplotlib.pyplot as plt

        frame = self.to_frame()
        columns = columns or ["departed", "status.mobilized", "status.queued"]
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4.5))
        for column in columns:
            ax.plot(frame.index, frame[(column, "median")], label=column)
            ax.fill_between(frame.index, frame[(column, "p5")], frame[(column, "p95")], alpha=0.25)
        ax.set_ylabel("people")
        ax.set_title(f"{self.scenario}: median and 5–95 % band over {len(self.summaries)} seeds")
        ax.legend()
        return ax

    def write_aggregates(self) -> None:
        assert self.out is not None
        frame = self.to_frame()
        flat = frame.copy()
        flat.columns = ["|".join(map(str, column)) for column in frame.columns]
        write_atomically(self.out / "ensemble.parquet", lambda p: flat.to_parquet(p))
        payload = {"scenario": self.scenario, "seeds": self.seeds, "runs_ok": len(self.summaries),
                   "failures": {str(k): v for k, v in self.failures.items()},
                   "fields": self.summary_bands()}
        write_atomically(self.out / "ensemble_summary.json",
                          lambda p: p.write_text(json.dumps(payload, indent=2) + "\n"))


def _ensemble(scenario: str, n: int = 20, *, seed: int = 1, scale: float | None = None,
             days: int | None = None, overrides: dict[str, Any] | None = None,
             out: str | Path | None = None, workers: int = 1, scheduler: str | None = None,
             dask: bool = False, progress: Callable[[RunOutcome], None] | None = None,
             war_end: str = "scenario") -> Ensemble:
    """Run ``scenario`` on seeds ``seed … seed+n−1``; resumable when ``out`` is given.

    ``war_end``: ``scenario`` (its own war-end rule) or ``off`` (``front.war_end.rule: none`` when
    it has a front: the war outlasts the run); recorded with the overrides in ``ensemble.json``.
    """
    from exitwave.engine import check_runs
    from exitwave.modules.termination import war_end_overrides
    from exitwave.scenario.load import load_scenario

    if war_end != "scenario":
        overrides = {**(overrides or {}), **war_end_overrides(load_scenario(scenario, overrides=overrides),
                                                              war_end)}

    seeds = list(range(seed, seed + n))
    # bad input (the file, the world, the seeds, --scale, --days) fails here, before any run
    check_runs(scenario, seeds=seeds, scale=scale, days=days, overrides=overrides)
    out_path = Path(out) if out is not None else None
    done: set[str] = set()
    if out_path is not None:
        manifest = {"scenario": scenario, "first_seed": seed, "scale": scale, "days": days,
                    "overrides": overrides or {}}
        check_or_write_manifest(out_path / "ensemble.json", manifest, "an ensemble")
        runs = out_path / "runs"
        remove_stale_temporaries(runs)
        done = finished_runs(runs)
    result = Ensemble(scenario=scenario, seeds=seeds, summaries={}, out=out_path)
    todo = []
    for s in seeds:
        label = f"seed-{s}"
        if label in done:
            assert out_path is not None
            summary = read_summary(out_path / "runs" / label / "summary.json")
            result.summaries[s] = summary
            if progress is not None:
                progress(RunOutcome(spec=RunSpec(scenario, s, label), summary=summary, skipped=True))
            continue
        todo.append(RunSpec(scenario=scenario, seed=s, label=label,
                            overrides=tuple(sorted((overrides or {}).items())), scale=scale, days=days,
                            run_dir=str(out_path / "runs") if out_path is not None else None,
                            keep_series=out_path is None))
    executor = make_executor(workers=workers, scheduler=scheduler, dask=dask) if todo else None
    try:
        for outcome in executor.run(todo) if executor is not None else []:
            seed_of = outcome.spec.seed
            if outcome.ok:
                assert outcome.summary is not None
                result.summaries[seed_of] = outcome.summary
                if outcome.series is not None:
                    result.series[seed_of] = outcome.series
            else:
                result.failures[seed_of] = outcome.error or "failed"
            if progress is not None:
                progress(outcome)
    finally:
        if executor is not None:
            executor.close()
    result.summaries = dict(sorted(result.summaries.items()))
    if out_path is not None and result.summaries:
        result.write_aggregates()
    return result


def ensemble(scenario: str, n: int = 20, *, progress: Callable[[RunOutcome], None] | bool | None = None,
             **options: Any) -> Ensemble:
    """Run ``scenario`` on seeds ``seed … seed+n−1``; resumable when ``out`` is given.

    Options: ``seed``, ``scale``, ``days``, ``overrides``, ``out``, ``workers``, ``scheduler``,
    ``dask``. ``progress``: a callable told every :class:`RunOutcome`, ``False`` for silence, or
    by default a progress bar on stderr (plain lines when stderr is not a terminal).
    """
    from exitwave.progress import runs_bar

    with runs_bar(progress, n, f"ensemble {scenario}") as report:
        return _ensemble(scenario, n, progress=report, **options)
