"""Compare scenarios on the same seeds (common random numbers), with intervals.

Every scenario is run with seeds ``seed … seed + n − 1``. Because all randomness is keyed by
``(seed, stream, day, agent)``, run *i* of every scenario sees the same men and the same draws:
the paired difference between two scenarios on one seed is the policy's effect, not noise. The
table reports, per headline output, each scenario's median with a 5–95 % band over seeds and
the paired difference from the first scenario with its band; a difference whose band excludes
zero is flagged as distinguishable.

Headline outputs adapt to the world: the destinations and the crossing shown are those that
matter most in the reference scenario's first run; front outputs appear when it has a front. Which
outputs are headline outputs, and their labels, come from the output registry
(:mod:`exitwave.outputs`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.errors import InputError, RunError
from exitwave.outputs import headline_fields, headline_value
from exitwave.scenario.load import load_scenario, resolve_scenario_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Comparison", "compare", "headline_fields", "headline_value"]

@dataclass
class Comparison:
    """Headline numbers per scenario and seed, and paired differences."""

    names: list[str]
    seeds: list[int]
    fields: list[tuple[str, str]]
    values: dict[str, np.ndarray]  # scenario -> [seed, field]
    summaries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    run_dirs: list[Path] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"Comparison({' vs '.join(self.names)}: {len(self.seeds)} seeds each, {len(self.fields)} "
                f"headline outputs; .to_frame(), .to_tidy(), .to_xarray(), .plot())")

    def to_tidy(self) -> pd.DataFrame:
        """One row per run and output: ``run, scenario, seed, draw, output, value`` (the same
        columns as every experiment's, see :mod:`exitwave.experiments.tidy`). From the runs'
        summaries; a comparison read back with :meth:`load` has only its headline outputs."""
        import pandas as pd

        from exitwave.experiments.tidy import TIDY_COLUMNS, tidy_runs

        if self.summaries:
            return tidy_runs((f"{name}/seed-{seed}", name, seed, None, summary)
                             for name in self.names for seed, summary in zip(self.seeds, self.summaries[name],
                                                                            strict=True))
        rows = [(f"{name}/seed-{seed}", name, seed, None, key, float(self.values[name][i, j]))
                for name in self.names for i, seed in enumerate(self.seeds) for j, (key, _) in enumerate(self.fields)]
        return pd.DataFrame(rows, columns=list(TIDY_COLUMNS)).astype(
            {"run": "string", "scenario": "string", "seed": "int64", "draw": "Int64", "output": "string",
             "value": "float64"})

    def to_xarray(self) -> Any:
        """Daily series of every run (kept with ``out_dir``) as an ``xarray.DataArray``,
        dimensions ``day × output × run`` (runs named ``scenario/seed-k``)."""
        import pandas as pd

        from exitwave.experiments.tidy import series_cube

        if not self.run_dirs:
            raise ValueError("daily series are kept only with compare(..., out_dir=...)")
        frames = {f"{path.parent.name}/{path.name}": pd.read_parquet(path / "series.parquet")
                  for path in self.run_dirs}
        return series_cube(frames)

    def plot(self, ax: Any = None) -> Any:
        """Paired differences from the first scenario in % of its median, with 5–95 % bars, one
        colour per scenario, on a linear axis. Outputs whose status-quo median is 0 cannot be
        shown as a percentage and are left out (named in the axis label)."""
        import matplotlib.pyplot as plt

        frame = self.to_frame()
        base = self.names[0]
        scale = frame[f"{base}.median"].to_numpy(dtype=float)
        keep = np.abs(scale) > 0
        left_out = [label for label, k in zip(frame["label"], keep, strict=True) if not k]
        frame, scale = frame[keep], scale[keep]
        others = self.names[1:]
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 0.45 * len(frame) * max(1, len(others)) ** 0.5 + 2.0))
        y = np.arange(len(frame))[::-1].astype(float)
        step = 0.7 / max(len(others), 1)
        for k, name in enumerate(others):
            mid = frame[f"{name}.diff_median"].to_numpy(dtype=float) / np.abs(scale) * 100
            lo = frame[f"{name}.diff_p5"].to_numpy(dtype=float) / np.abs(scale) * 100
            hi = frame[f"{name}.diff_p95"].to_numpy(dtype=float) / np.abs(scale) * 100
            offset = y + 0.35 - step * (k + 0.5)
            ax.errorbar(mid, offset, xerr=[np.maximum(mid - lo, 0), np.maximum(hi - mid, 0)], fmt="o", ms=4,
                        capsize=2, label=name)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(y, list(frame["label"]), fontsize=9)
        note = f"; not shown (status quo 0): {', '.join(left_out)}" if left_out else ""
        ax.set_xlabel(f"paired difference from {base}, % of its median (median and 5–95 % over seeds){note}",
                      fontsize=9)
        ax.grid(axis="x", alpha=0.25)
        ax.legend(fontsize=8, loc="best")
        return ax

    def save(self, folder: str | Path) -> Path:
        """Write ``comparison.json`` (names, seeds, fields, values per seed) into ``folder``."""
        import json
        import os

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        payload = {"names": self.names, "seeds": self.seeds, "fields": [list(f) for f in self.fields],
                   "values": {k: v.tolist() for k, v in self.values.items()},
                   "run_dirs": [str(p) for p in self.run_dirs]}
        path = folder / "comparison.json"
        temp = folder / f".comparison.json.tmp-{os.getpid()}"
        temp.write_text(json.dumps(payload, indent=1) + "\n")
        os.replace(temp, path)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> Comparison:
        import json

        path = Path(folder) / "comparison.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(names=[str(n) for n in data["names"]], seeds=[int(s) for s in data["seeds"]],
                       fields=[(str(k), str(label)) for k, label in data["fields"]],
                       values={str(k): np.array(v, dtype=np.float64) for k, v in data["values"].items()},
                       run_dirs=[Path(p) for p in data.get("run_dirs", [])])
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise InputError(str(path), "", f"expected a comparison written by `exitwave compare … --out DIR` "
                                            f"({type(error).__name__}: {str(error)[:120]})") from None

    def to_frame(self) -> pd.DataFrame:
        """One row per headline output; per scenario the median and 5–95 % band, and for every
        scenario after the first the paired difference from the first with its band."""
        import pandas as pd

        rows = []
        base = self.values[self.names[0]]
        for j, (key, label) in enumerate(self.fields):
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


def compare(scenarios: list[Any], n: int = 8, **options: Any) -> Comparison:
    """Run every scenario on seeds ``seed … seed+n−1`` and pair the results.

    ``scenarios``: bundled names, YAML paths or :class:`~exitwave.scenario.schema.Scenario`
    objects (an edited scenario, whatever its name; its world is a bundled name or an absolute
    path). Options as :func:`_compare`: ``seed``, ``scale``, ``days``, ``out_dir``, ``workers``,
    ``scheduler``, ``dask``, ``progress``.
    """
    import tempfile

    from exitwave.results import scenario_yaml
    from exitwave.scenario.schema import Scenario

    if not any(isinstance(s, Scenario) for s in scenarios):
        return _compare(list(scenarios), n, **options)
    # Workers load scenarios from files: an object is written to a short, content-named file
    # (never a file named after the scenario, which may be longer than a file name can be).
    with tempfile.TemporaryDirectory(prefix="exitwave-scenarios-") as folder:
        paths = []
        for s in scenarios:
            if isinstance(s, Scenario):
                text = scenario_yaml(s)
                path = Path(folder) / f"scenario-{hashlib.sha256(text.encode()).hexdigest()[:12]}.yaml"
                path.write_text(text, encoding="utf-8")
                paths.append(str(path))
            else:
                paths.append(s)
        return _compare(paths, n, **options)


def _compare(scenarios: list[str], n: int = 8, *, seed: int = 1, scale: float | None = None,
            days: int | None = None, out_dir: str | Path | None = None, workers: int = 1,
            scheduler: str | None = None, dask: bool = False, war_end: str = "scenario",
            progress: Callable[[str, int], None] | bool | None = None) -> Comparison:
    """Run every scenario on seeds ``seed … seed+n−1`` and pair the results.

    With ``out_dir`` every run directory is kept as ``<out_dir>/<scenario>/seed-<k>`` and the
    table as ``comparison.json``; runs already there are read back instead of redone.
    ``war_end``: ``scenario`` (each scenario's own war-end rule) or ``off`` (the war outlasts the
    run in every scenario with a front: ``front.war_end.rule: none``).
    ``progress``: a callable told ``(scenario, seed)`` after every run, ``False`` for silence, or
    by default a progress bar on stderr (plain lines when stderr is not a terminal).
    """
    from exitwave.engine import check_runs
    from exitwave.experiments.executors import (
        RunSpec,
        check_or_write_manifest,
        remove_stale_temporaries,
    )
    from exitwave.modules.termination import war_end_overrides
    from exitwave.progress import runs_bar
    from exitwave.results import child_path
    from exitwave.world import load_world

    loaded = [(resolve_scenario_path(s), load_scenario(s)) for s in scenarios]
    # --war-end off: the override is part of the scenario (its content, hashed below) and of each run
    overrides = [war_end_overrides(sc, war_end) for _, sc in loaded]
    loaded = [(path, load_scenario(s, overrides=o) if o else sc)
              for s, (path, sc), o in zip(scenarios, loaded, overrides, strict=True)]
    seeds = list(range(seed, seed + n))
    for path, sc in loaded:  # bad options fail here, before any run
        check_runs(sc, seeds=seeds, scale=scale, days=days, source=path)
    names = [sc.name for _, sc in loaded]
    if len(set(names)) != len(names):
        names = [f"{i}:{name}" for i, name in enumerate(names)]
    # a run folder per scenario, named after it and always inside out_dir (child_path checks)
    folders = {name: str(child_path(Path(out_dir), name.replace(":", "-"))) if out_dir is not None else None
               for name in names}
    if out_dir is not None:
        # resume safety: the same scenarios (content, not just names) and settings, or a refusal
        manifest = {"scenarios": {name: hashlib.sha256(sc.model_dump_json().encode()).hexdigest()[:16]
                                  for name, (_, sc) in zip(names, loaded, strict=True)},
                    "first_seed": seed, "scale": scale, "days": days}
        check_or_write_manifest(Path(out_dir) / "compare.json", manifest, "a comparison")
        for folder in folders.values():
            remove_stale_temporaries(Path(str(folder)))  # left by a run killed mid-write
    specs = [RunSpec(scenario=str(path), seed=s, label=f"seed-{s}", scale=scale, days=days, group=name,
                     run_dir=folders[name], overrides=tuple(sorted(o.items())))
             for name, (path, _), o in zip(names, loaded, overrides, strict=True) for s in seeds]
    collected: dict[tuple[str, int], dict[str, Any]] = {}
    failures: list[str] = []
    with runs_bar(progress, len(specs), f"compare {' vs '.join(names)}") as report:
        _run_specs(specs, collected, failures, report, workers, scheduler, dask)
    if failures:
        raise RunError(f"{len(failures)} of {len(specs)} runs failed (the others are kept in --out, if "
                       f"given, and are not rerun on resume):\n" + "\n".join(f"  {f}" for f in failures))
    summaries = {name: [collected[(name, s)] for s in seeds] for name in names}
    eu: set[str] = set()
    country_names: dict[str, str] = {}
    for path, scenario in loaded:
        world = load_world(scenario.world, relative_to=path.parent)
        eu |= {iso for iso, member in zip(world.country_ids, world.country_eu, strict=True) if member}
        country_names.update(zip(world.country_ids, world.country_names, strict=True))
        country_names.update(zip(world.crossing_ids, world.crossing_names, strict=True))
    fields = headline_fields(summaries[names[0]][0], country_names)
    values = {name: np.array([[headline_value(summary, key, eu) for key, _ in fields]
                              for summary in summaries[name]], dtype=np.float64) for name in names}
    run_dirs = [Path(spec.run_dir) / spec.label for spec in specs if spec.run_dir is not None]
    result = Comparison(names=names, seeds=seeds, fields=fields, values=values, summaries=summaries,
                        run_dirs=run_dirs)
    if out_dir is not None:
        result.save(out_dir)
    return result


def _run_specs(specs: list[Any], collected: dict[tuple[str, int], dict[str, Any]], failures: list[str],
               progress: Callable[[str, int], None] | None, workers: int, scheduler: str | None,
               dask: bool) -> None:
    """Run ``specs`` (reading back those already in their run folders) into ``collected``."""
    from exitwave.experiments.executors import make_executor
    from exitwave.results import read_summary

    todo = []
    for spec in specs:  # resume: runs already written into out_dir are read back, not redone
        done = Path(spec.run_dir) / spec.label / "summary.json" if spec.run_dir is not None else None
        if done is not None and done.is_file():
            collected[(spec.group, spec.seed)] = read_summary(done)
            if progress is not None:
                progress(spec.group, spec.seed)
        else:
            todo.append(spec)
    executor = make_executor(workers=workers, scheduler=scheduler, dask=dask)
    try:
        for outcome in executor.run(todo):
            name = outcome.spec.group
            if outcome.ok:
                assert outcome.summary is not None
                collected[(name, outcome.spec.seed)] = outcome.summary
            else:
                failures.append(f"{name} seed {outcome.spec.seed}: {outcome.error}")
            if progress is not None:
                progress(name, outcome.spec.seed)
    finally:
        executor.close()
