"""Run a dashboard comparison and save it atomically under ``runs/dashboard/<timestamp>``.

The runs are made by :func:`exitwave.experiments.comparison.compare` (common random numbers) in a
hidden staging folder beside the final one; only when every run has finished is the folder
renamed into place and its ``comparison.json`` rewritten (atomically, by
:meth:`~exitwave.experiments.comparison.Comparison.save`) with the final run paths. A failed or
interrupted comparison leaves no folder that ``exitwave report`` could mistake for a result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exitwave.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from exitwave.experiments.comparison import Comparison
    from exitwave.report.claims import Verdict

__all__ = ["Chart", "charts", "claims_table", "headline_notes", "headline_table", "new_folder", "plain_summaries",
           "run_comparison", "write_report"]


def new_folder(parent: Path, now: dt.datetime | None = None) -> Path:
    """A fresh ``parent/<UTC timestamp>`` path (``20240101-120000``, ``…-2`` if taken); not created."""
    from exitwave.results import fresh_name

    return parent / fresh_name(parent, (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S"))


def run_comparison(scenarios: list[str | Scenario], *, seeds: int, scale: float, days: int,
                   parent: Path, seed: int = 1,
                   progress: Callable[[str, int], None] | None = None) -> tuple[Comparison, Path]:
    """Compare ``scenarios`` (the first is the baseline) on ``seeds`` seeds and save the result.

    A scenario is a bundled name or file path, or an edited :class:`Scenario` (written into the
    folder's ``inputs/`` first; its ``world`` must be a bundled name or an absolute path).
    ``scale`` is men per agent, ``days`` days per run; ``progress(name, seed)`` is called as each
    run completes. Returns the comparison and its folder ``parent/<timestamp>``.
    """
    from exitwave.experiments.comparison import compare
    from exitwave.results import child_path, scenario_yaml, write_folder

    made: list[tuple[Path, Comparison]] = []

    def fill(staging: Path) -> None:
        sources: list[str] = []
        for item in scenarios:
            if isinstance(item, Scenario):
                inputs = staging / "inputs"
                inputs.mkdir(exist_ok=True)
                path = child_path(inputs, f"{item.name}.yaml")  # never outside the folder
                path.write_text(scenario_yaml(item), encoding="utf-8")
                sources.append(str(path))
            else:
                sources.append(item)
        made.append((staging, compare(sources, n=seeds, seed=seed, scale=scale, days=days, out_dir=staging,
                                      progress=progress)))

    final = write_folder(parent, fill, new_folder(parent).name)
    staging, result = made[0]
    result.run_dirs = [final / Path(p).relative_to(staging) for p in result.run_dirs]
    result.save(final)
    return result, final


def write_report(folder: Path) -> Path:
    """Write ``folder/report.html`` (the same report as ``exitwave report folder``)."""
    from exitwave.report import build_report

    return build_report(folder, folder / "report.html")


def _people(value: object, signed: bool = False) -> str:
    from exitwave.outputs import format_value

    return format_value(value, signed)


def headline_table(comparison: Comparison) -> pd.DataFrame:
    """Headline outputs as text: :func:`exitwave.outputs.headline_table` (as in the CLI and the report)."""
    from exitwave.outputs import headline_table as render

    return render(comparison)


def headline_notes(folder: Path, comparison: Comparison) -> list[str]:
    """The notes printed under the headline table (the war-end rule and its source), from the
    comparison's run folders."""
    from exitwave.outputs import table_notes
    from exitwave.report.inputs import read_inputs

    return table_notes([key for key, _ in comparison.fields], read_inputs([folder]).summaries)


def claims_table(verdicts: list[Verdict]) -> pd.DataFrame:
    """The claims audit as text: claim, what tests it, paired difference [5–95 %], verdict."""
    import pandas as pd

    rows = [{"claim": f"{v.claim.code} {v.claim.text}",
             "tested by": f"{v.claim.output}: {v.scenario} − {v.baseline}",
             "Δ median [5–95 %]": f"{_people(v.median, True)} [{_people(v.p5, True)} … {_people(v.p95, True)}]",
             "verdict": v.verdict} for v in verdicts]
    return pd.DataFrame(rows, columns=["claim", "tested by", "Δ median [5–95 %]", "verdict"])


@dataclass(frozen=True)
class Chart:
    """A chart of the result: its kind (``difference``, ``daily``, ``map``), a caption and the
    Altair chart (kept in the session, drawn by ``st.altair_chart`` without recomputing)."""

    kind: str
    caption: str
    chart: Any


def charts(comparison: Comparison) -> list[Chart]:
    """The report's figures as interactive charts (:mod:`exitwave.dashboard.charts`): the paired
    differences of the headline outputs for each scenario after the first, the daily series with
    their bands (and the 2022 observations) and the map of people crossed at each crossing."""
    from exitwave.dashboard.charts import (
        daily_panels,
        difference_chart,
        difference_frame,
        flow_chart,
        flow_frame,
        panel_chart,
    )
    from exitwave.report.figures import run_world, series_by_scenario

    names, base = comparison.names, comparison.names[0]
    out = [Chart("difference", f"{name} − {base}", difference_chart(difference_frame(comparison, name),
                                                                    f"{name} − {base}"))
           for name in names[1:]]
    groups = series_by_scenario(comparison)
    world = run_world(Path(comparison.run_dirs[0])) if comparison.run_dirs else None
    # run folders are named after the scenario (":" written "-"): back to the comparison's names
    folder_of = {name.replace(":", "-"): name for name in names}
    groups = {folder_of.get(k, k): v for k, v in groups.items()}
    shown = [n for n in names if n in groups]
    out += [Chart("daily", panel.title, panel_chart(panel, shown)) for panel in daily_panels(groups, world)]
    if world is not None:
        flows = flow_frame(groups, world)
        if len(flows):
            out.append(Chart("map", "People crossed at each crossing (median over seeds)", flow_chart(flows, shown)))
    return out


def plain_summaries(comparison: Comparison) -> list[tuple[str, str]]:
    """The report's plain-language summary (:func:`exitwave.report.verdicts.plain_summaries`) of each
    scenario after the first against the first: (scenario, paragraph), judged over the seeds with
    the audit's thresholds of practical importance."""
    from exitwave.report.verdicts import plain_summaries as summaries

    return summaries(comparison)
