"""Sweeps: a grid over scenario fields by their dotted path, a few seeds per point.

``--param behaviour.patience_days=2,4,8 --param front.captor_credibility=0.3,0.9`` runs the six
combinations, each on the same seeds (common random numbers across points).

With ``out`` a sweep is resumable: every run is written as ``runs/point-<i>-seed-<s>/`` as it
finishes, and a later sweep with the same settings into the same folder reads the finished runs
back and runs only the rest (after Ctrl-C, say). A run depends only on its grid point and seed, so
a resumed sweep equals an uninterrupted one. The settings are stored as ``sweep.json``; a sweep
with other settings into that folder is refused, never mixed in. When the runs are done the folder
also holds ``sweep.csv`` (one row per grid point, median [5–95 %]) and ``runs.csv`` (the tidy
table, :mod:`exitwave.experiments.tidy`), each written atomically.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.errors import InputError
from exitwave.experiments.ensembles import band_table, flatten_summary
from exitwave.experiments.executors import (
    RunOutcome,
    RunSpec,
    check_or_write_manifest,
    finished_runs,
    make_executor,
    remove_stale_temporaries,
    write_atomically,
)
from exitwave.scenario.load import load_scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sweep", "sweep", "parse_param"]


def _value(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text.strip()


def parse_param(text: str) -> tuple[str, list[Any]]:
    """``path=v1,v2,…`` → (path, [values])."""
    if "=" not in text:
        raise InputError("--param", text, "expected PATH=VALUE[,VALUE…], e.g. behaviour.patience_days=2,4,8")
    path, values = text.split("=", 1)
    items = [_value(v) for v in values.split(",") if v.strip()]
    if not path.strip() or not items:
        raise InputError("--param", text, "expected PATH=VALUE[,VALUE…]")
    return path.strip(), items


@dataclass
class Sweep:
    grid: list[dict[str, Any]]
    summaries: dict[tuple[int, int], dict[str, Any]]  # (point, seed) -> summary
    failures: dict[tuple[int, int], str]
    seeds: list[int]
    out: Path | None = None

    def __repr__(self) -> str:
        names = ", ".join(self.grid[0]) if self.grid else "nothing"
        failed = f", {len(self.failures)} failed" if self.failures else ""
        return (f"Sweep(over {names}: {len(self.grid)} points × {len(self.seeds)} seeds, {len(self.summaries)} "
                f"runs{failed}; .to_frame(), .to_tidy(), .plot())")

    def to_tidy(self) -> pd.DataFrame:
        """One row per run and output: ``run, scenario, seed, draw, output, value``; ``draw`` is
        the grid point (its values: ``self.grid[draw]``). The same columns as every
        experiment's (:mod:`exitwave.experiments.tidy`)."""
        from exitwave.experiments.tidy import tidy_runs

        return tidy_runs((f"point-{i}/seed-{seed}", str(summary["scenario"]), seed, i, summary)
                         for (i, seed), summary in sorted(self.summaries.items()))

    def to_frame(self, fields: tuple[str, ...] = ("departed", "mobilized", "protected",
                                                  "force_strength", "deserted", "surrendered")) -> pd.DataFrame:
        """One row per grid point: its values and the median [5–95 %] of each field."""
        import pandas as pd

        rows = []
        for i, point in enumerate(self.grid):
            flats = [flatten_summary(self.summaries[(i, s)]) for s in self.seeds if (i, s) in self.summaries]
            bands = band_table(flats) if flats else {}
            row: dict[str, Any] = dict(point)
            for f in fields:
                if f in bands and "median" in bands[f]:
                    row[f"{f}.median"] = bands[f]["median"]
                    row[f"{f}.p5"], row[f"{f}.p95"] = bands[f]["p5"], bands[f]["p95"]
            row["runs"] = len(flats)
            rows.append(row)
        return pd.DataFrame(rows)

    def plot(self, field: str = "departed", ax: Any = None) -> Any:
        import matplotlib.pyplot as plt

        frame = self.to_frame((field,))
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        labels = [", ".join(f"{k.split('.')[-1]}={v}" for k, v in p.items()) for p in self.grid]
        y = frame[f"{field}.median"].to_numpy()
        err = np.vstack([y - frame[f"{field}.p5"], frame[f"{field}.p95"] - y])
        ax.errorbar(range(len(y)), y, yerr=err, fmt="o")
        ax.set_xticks(range(len(y)), labels, rotation=30, ha="right")
        ax.set_ylabel(field)
        return ax

    def write_tables(self) -> None:
        """``sweep.csv`` (one row per grid point) and ``runs.csv`` (the tidy table) in ``out``,
        each written atomically (a reader never sees half a file)."""
        assert self.out is not None
        frame, tidy = self.to_frame(), self.to_tidy()
        write_atomically(self.out / "sweep.csv", lambda p: frame.to_csv(p, index=False))
        write_atomically(self.out / "runs.csv", lambda p: tidy.to_csv(p, index=False))


def _label(point: int, seed: int) -> str:
    return f"point-{point}-seed-{seed}"


def _sweep(scenario: str, params: dict[str, list[Any]], n: int = 3, *, seed: int = 1,
          scale: float | None = None, days: int | None = None, out: str | Path | None = None,
          workers: int = 1, scheduler: str | None = None, dask: bool = False,
          progress: Callable[[int, int], None] | None = None) -> Sweep:
    from exitwave.engine import check_runs
    from exitwave.results import read_summary

    names = list(params)
    grid = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*params.values())]
    seeds = list(range(seed, seed + n))
    for k, point in enumerate(grid):  # every point validates before anything runs
        if k == 0:  # the world, the seeds, --scale and --days too
            check_runs(scenario, seeds=seeds, scale=scale, days=days, overrides=point)
        else:
            load_scenario(scenario, overrides=point)
    out_path = Path(out) if out is not None else None
    summaries: dict[tuple[int, int], dict[str, Any]] = {}
    if out_path is not None:
        # resume safety: a folder made with other settings is refused before any run (a file or a
        # read-only folder too)
        settings = {"scenario": str(scenario), "params": {k: list(v) for k, v in params.items()},
                    "first_seed": seed, "n": n, "scale": scale, "days": days}
        check_or_write_manifest(out_path / "sweep.json", settings, "a sweep")
        remove_stale_temporaries(out_path / "runs")
        done = finished_runs(out_path / "runs")
        for i in range(len(grid)):
            for s in seeds:
                if _label(i, s) in done:
                    summaries[(i, s)] = read_summary(out_path / "runs" / _label(i, s) / "summary.json")
    specs = [RunSpec(scenario=scenario, seed=s, label=_label(i, s), scale=scale, days=days,
                     overrides=tuple(point.items()),
                     run_dir=str(out_path / "runs") if out_path is not None else None)
             for i, point in enumerate(grid) for s in seeds if (i, s) not in summaries]
    total = len(grid) * len(seeds)
    finished = len(summaries)
    if progress is not None and finished:
        progress(finished, total)
    failures: dict[tuple[int, int], str] = {}
    executor = make_executor(workers=workers, scheduler=scheduler, dask=dask) if specs else None
    try:
        for outcome in executor.run(specs) if executor is not None else []:
            _collect(outcome, summaries, failures)
            finished += 1
            if progress is not None:
                progress(finished, total)
    finally:
        if executor is not None:
            executor.close()
    result = Sweep(grid=grid, summaries=dict(sorted(summaries.items())), failures=failures, seeds=seeds,
                   out=out_path)
    if out_path is not None and result.summaries:
        result.write_tables()
    return result


def _collect(outcome: RunOutcome, summaries: dict[tuple[int, int], dict[str, Any]],
             failures: dict[tuple[int, int], str]) -> None:
    index = int(outcome.spec.label.split("-")[1])
    key = (index, outcome.spec.seed)
    if outcome.ok and outcome.summary is not None:
        summaries[key] = outcome.summary
    else:
        failures[key] = outcome.error or "failed"


def sweep(scenario: str, params: dict[str, list[Any]], n: int = 3, *,
          progress: Callable[[int, int], None] | bool | None = None, **options: Any) -> Sweep:
    """Run every point of the grid ``params`` (dotted path → values) on seeds ``seed …
    seed+n−1``. Options: ``seed``, ``scale``, ``days``, ``out`` (a folder: the sweep is then
    resumable, see the module's docstring), ``workers``, ``scheduler``, ``dask``. ``progress``: a callable told ``(done, total)``, ``False`` for silence, or by
    default a progress bar on stderr (plain lines when stderr is not a terminal)."""
    from exitwave.progress import runs_bar

    total = n * int(np.prod([len(v) for v in params.values()]))
    with runs_bar(progress, total, f"sweep {scenario}", counts=True) as report:
        return _sweep(scenario, params, n, progress=report, **options)
