"""The report's section on the war's end: the front with and without it, and while the war goes on.

The war-end rule stops the front on the day the war ends, so a front total also measures how long
the war lasted. This section sets, per scenario with a front, three views of the same outputs side
by side:

* **with war end** — the runs as given (each scenario's own rule; the totals stop when it ends),
  with the share of seeds in which the war ended within the run;
* **without war end** — the same scenarios on the same seeds with the rule off (``--war-end off``:
  the war outlasts the run), read from a second folder (``exitwave report DIR --war-end-off
  DIR_OFF``); left empty, with the command that fills it, when none is given;
* **while at war** — from the runs as given: each counter per month of war, desertion per
  soldier-month of war, strength and morale on the last day of war (``per_month_at_war.*`` and
  the other outputs of :mod:`exitwave.modules.termination`).

The war-end rule and its source are printed under the table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from exitwave.experiments.ensembles import flatten_summary
from exitwave.outputs import format_value, registry, table_notes
from exitwave.report.inputs import ReportInputs
from exitwave.report.render import render

__all__ = ["FRONT_ROWS", "war_end_section", "war_end_rows"]

#: (output, its counterpart while at war) for each row of the table.
FRONT_ROWS = (
    ("killed", "per_month_at_war.killed"),
    ("deserted", "per_month_at_war.deserted"),
    ("surrendered", "per_month_at_war.surrendered"),
    ("desertion_share_per_month", "desertion_share_per_month_at_war"),
    ("force_strength", "force_strength_last_day_at_war"),
    ("mean_morale", "mean_morale_last_day_at_war"),
)


def _band(summaries: list[dict[str, Any]], key: str) -> str:
    """``median [p5–p95]`` of ``key`` over the runs (a single run: its value), in the output's unit."""
    values = np.array([flatten_summary(s).get(key, np.nan) for s in summaries], dtype=float)
    values = values[~np.isnan(values)]
    if not values.size:
        return "–"
    output = registry().find(key)
    unit = output.unit if output is not None else "people"
    if values.size == 1:
        return format_value(values[0], unit=unit)
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return f"{format_value(p50, unit=unit)} [{format_value(p5, unit=unit)}–{format_value(p95, unit=unit)}]"


def war_end_rows(given: ReportInputs, off: ReportInputs | None) -> list[dict[str, str]]:
    """The table as text: one row per scenario with a front and output (scenario, output, with war
    end, without war end, while at war), then one row per scenario for the war's end itself."""
    reg = registry()
    rows: list[dict[str, str]] = []
    for name, summaries in given.summaries.items():
        if "force_strength" not in summaries[0]:
            continue  # no front: no war to end
        others = off.summaries.get(name) if off is not None else None
        ended = [s.get("war_end_day") is not None for s in summaries]
        days_at_war = _band(summaries, "days_at_war")
        rows.append({"scenario": name, "output": "war ended within the run (share of seeds)",
                     "with": f"{np.mean(ended):.0%} of {len(ended)}; days at war {days_at_war}",
                     "without": (f"{np.mean([s.get('war_end_day') is not None for s in others]):.0%} of "
                                 f"{len(others)}" if others else "–"),
                     "at_war": ""})
        for output, at_war in FRONT_ROWS:
            if output not in summaries[0]:
                continue
            per = " /month" if at_war.startswith("per_month_at_war.") else ""
            rows.append({"scenario": name, "output": reg.label(output),
                         "with": _band(summaries, output),
                         "without": _band(others, output) if others else "–",
                         "at_war": (_band(summaries, at_war) + per) if at_war in flatten_summary(summaries[0])
                         else "–"})
    return rows


def war_end_section(given: ReportInputs, off: ReportInputs | None) -> str:
    """HTML of the section (``id='war-end'``, template ``war_end.html.j2``); empty when no
    scenario has a front."""
    rows = war_end_rows(given, off)
    if not rows:
        return ""
    summaries = {**given.summaries, **({f"{k} (war end off)": v for k, v in off.summaries.items()} if off else {})}
    return str(render("war_end.html.j2", rows=rows, off=off is not None,
                      notes=table_notes(["war_end_day"], summaries)))
