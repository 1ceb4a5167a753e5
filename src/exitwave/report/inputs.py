"""What a report is made from: a comparison folder, ensemble folders or run folders.

* a **comparison folder** (``exitwave compare A B … --out DIR``: ``comparison.json``) — scenarios
  paired on common random numbers; the claims audit compares its first (status quo) and second
  (proposal) scenarios, and a third (the proposal answered by an exit closure) for C10;
* an **ensemble folder** (``exitwave ensemble S --out DIR``: ``ensemble.json`` and ``runs/``);
* a **run folder** (``exitwave run``: ``summary.json``, ``series.parquet``, ``scenario.yaml``).

Several ensemble or run folders are grouped by scenario name, in the order given. When every
group has the same seeds, scale, length and start, the runs are paired (same seed = same men and
same draws), so they form a comparison and get a claims audit; otherwise the report gives a
scenario summary with intervals over the runs given and says why there is no audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from exitwave.errors import InputError
from exitwave.experiments.comparison import Comparison, headline_fields, headline_value

__all__ = ["ReportInputs", "read_inputs", "folder_kind"]

EXPECTED = ("expected a comparison folder (comparison.json, from `exitwave compare A B --out DIR`), "
            "an ensemble folder (ensemble.json, from `exitwave ensemble S --out DIR`) or a run folder "
            "(summary.json and series.parquet, from `exitwave run`)")


@dataclass
class ReportInputs:
    """Run folders by scenario and, when they are paired, the comparison they make."""

    kind: str  # "comparison", "ensembles" (paired ensembles or runs) or "runs" (not paired)
    sources: list[Path]
    groups: dict[str, list[Path]]
    summaries: dict[str, list[dict[str, Any]]]
    comparison: Comparison | None = None
    unpaired_reason: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def paired(self) -> bool:
        return self.comparison is not None and len(self.comparison.names) >= 2


def folder_kind(folder: Path) -> str:
    """``comparison``, ``ensemble`` or ``run``; an :class:`InputError` for anything else."""
    if not folder.is_dir():
        raise InputError(str(folder), "", "no such folder; " + EXPECTED)
    if (folder / "comparison.json").is_file():
        return "comparison"
    if (folder / "ensemble.json").is_file() and (folder / "runs").is_dir():
        return "ensemble"
    if (folder / "summary.json").is_file() and (folder / "series.parquet").is_file():
        return "run"
    raise InputError(str(folder), "", EXPECTED)


def _resolve_run_dirs(folder: Path, comparison: Comparison) -> list[Path]:
    """Run folders of a comparison: as recorded, or relative to the comparison folder when the
    recorded paths were relative to another working directory."""
    out = []
    for run_dir in comparison.run_dirs:
        path = Path(run_dir)
        if not (path / "summary.json").is_file():
            path = folder / path.parent.name / path.name
        if not (path / "summary.json").is_file():
            raise InputError(str(folder / "comparison.json"), "run_dirs",
                             f"run folder {run_dir} is missing; re-run the comparison with --out {folder}")
        out.append(path)
    return out


def _summary(run_dir: Path) -> dict[str, Any]:
    from exitwave.results import read_summary

    return read_summary(run_dir / "summary.json")


def read_inputs(folders: list[Path]) -> ReportInputs:
    """Read and classify the folders; raises :class:`InputError` (CLI exit 2) for a folder that is
    none of the three kinds, or for an empty ensemble."""
    if not folders:
        raise InputError("report", "", "expected at least one folder; " + EXPECTED)
    kinds = [(Path(f), folder_kind(Path(f))) for f in folders]
    if len(kinds) == 1 and kinds[0][1] == "comparison":
        folder = kinds[0][0]
        comparison = Comparison.load(folder)
        comparison.run_dirs = _resolve_run_dirs(folder, comparison)
        groups: dict[str, list[Path]] = {}
        for run_dir in comparison.run_dirs:
            groups.setdefault(run_dir.parent.name, []).append(run_dir)
        # comparison names may carry an index prefix ("0:x") when names repeat; folders use "0-x"
        by_folder = {name.replace(":", "-"): name for name in comparison.names}
        groups = {by_folder.get(k, k): v for k, v in groups.items()}
        summaries = {name: [_summary(d) for d in dirs] for name, dirs in groups.items()}
        comparison.summaries = summaries
        return ReportInputs("comparison", [folder], groups, summaries, comparison)
    groups = {}
    for folder, kind in kinds:
        if kind == "comparison":
            raise InputError(str(folder), "", "a comparison folder makes a report on its own; "
                             "pass it alone, or pass ensemble or run folders together")
        if kind == "ensemble":
            runs = sorted((p for p in (folder / "runs").iterdir()
                           if p.is_dir() and not p.name.startswith(".") and (p / "summary.json").is_file()),
                          key=lambda p: _summary(p)["seed"])
            if not runs:
                raise InputError(str(folder), "runs", "the ensemble has no finished run")
        else:
            runs = [folder]
        for run_dir in runs:
            name = str(_summary(run_dir)["scenario"])
            groups.setdefault(name, []).append(run_dir)
    summaries = {name: [_summary(d) for d in dirs] for name, dirs in groups.items()}
    paired, reason = _pair(groups, summaries)
    kind = "ensembles" if paired is not None else "runs"
    return ReportInputs(kind, [f for f, _ in kinds], groups, summaries, paired, reason)


def _pair(groups: dict[str, list[Path]],
          summaries: dict[str, list[dict[str, Any]]]) -> tuple[Comparison | None, str]:
    """A comparison of the groups when their runs are paired (same seeds and settings), else why not."""
    from exitwave.report.figures import run_world

    names = list(groups)
    if len(names) < 2:
        return None, "one scenario only: a claims audit needs a status quo and a proposal"
    seeds = [sorted(int(s["seed"]) for s in summaries[n]) for n in names]
    if any(s != seeds[0] for s in seeds) or len(set(seeds[0])) != len(seeds[0]):
        return None, "the scenarios were run on different seeds, so their runs are not paired"
    for key in ("scale", "days", "start"):
        values = {str(s[key]) for n in names for s in summaries[n]}
        if len(values) > 1:
            return None, f"the runs differ in {key} ({', '.join(sorted(values))}), so they are not comparable"
    if len(seeds[0]) < 2:
        return None, "one seed per scenario: an interval needs an ensemble"
    for name in names:
        order = np.argsort([int(s["seed"]) for s in summaries[name]])
        summaries[name] = [summaries[name][i] for i in order]
        groups[name] = [groups[name][i] for i in order]
    run_dir = groups[names[0]][0]
    world = run_world(run_dir)
    eu = {iso for iso, member in zip(world.country_ids, world.country_eu, strict=True) if member}
    place_names = {**dict(zip(world.country_ids, world.country_names, strict=True)),
                   **dict(zip(world.crossing_ids, world.crossing_names, strict=True))}
    fields = headline_fields(summaries[names[0]][0], place_names)
    table = {n: np.array([[headline_value(s, key, eu) for key, _ in fields] for s in summaries[n]])
             for n in names}
    comparison = Comparison(names=names, seeds=seeds[0], fields=fields, values=table, summaries=summaries,
                            run_dirs=[d for n in names for d in groups[n]])
    return comparison, ""
