"""War-end prior: how often the war ends early in the multi-year scenario, under two priors.

Usage::

    .venv/bin/python benchmarks/war_end_prior.py                       # the table in docs/model.md
    .venv/bin/python benchmarks/war_end_prior.py --seeds 1-20 --scale 20000 --workers 2

Each seed is one run of ``--scenario`` (default ``russia-2022-to-2025``) up to ``--until``
(default 31 Aug 2024) under each prior of the ``hazard`` rule: the earlier one fitted to the
Correlates of War median and mean (median 139 days, shape 1.39) and the current default (median
333 days, shape 0.435, fitted to interstate wars since 1946; see ``exitwave.modules.termination``).
Everything else is the scenario's own (the morale and strength shifts of the hazard included).
The third row switches off the hazard's morale and strength shifts (``morale_effect`` and
``strength_effect`` 0). The table gives, per prior, the share of seeds whose war ended before
1 Jan 2023 and on or before ``--until``, next to the baseline prior alone (no shift, closed form),
so one can see how much of an early end the front's own collapse adds.

Independent of pytest. Prints a Markdown table and, with ``--json-out``, every run's war-end date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

PRIORS = {"COW (median 139 d, shape 1.39)": {"median_days": 139.0, "shape": 1.39},
          "UCDP/CSIS (median 333 d, shape 0.435)": {"median_days": 333.0, "shape": 0.435},
          "UCDP/CSIS, without the morale and strength shifts": {"median_days": 333.0, "shape": 0.435,
                                                                "morale_effect": 0.0, "strength_effect": 0.0}}


def _one(job: tuple[str, str, dict[str, float], int, float, int]) -> dict[str, Any]:
    from exitwave import Simulation, load_scenario

    scenario, label, prior, seed, scale, days = job
    sc = load_scenario(scenario, overrides={"front.war_end": {"rule": "hazard", **prior}})
    summary = Simulation(sc, seed=seed, scale=scale, days=days).run().summary
    return {"prior": label, "seed": seed, "war_end_date": summary["war_end_date"],
            "days_at_war": summary["days_at_war"]}


def _closed_form(scenario: str, prior: dict[str, float], date: dt.date) -> float:
    """P(the war ends before ``date`` | it lasted to the run's start), baseline hazard only."""
    from exitwave import load_scenario
    from exitwave.modules.termination import loglogistic_cdf

    sc = load_scenario(scenario)
    assert sc.front is not None
    start = sc.time.start
    war_start = sc.front.war_end.war_start
    age0, age1 = (start - war_start).days, (date - war_start).days
    m, b = prior["median_days"], prior["shape"]
    return float(1 - (1 - loglogistic_cdf(age1, m, b)) / (1 - loglogistic_cdf(age0, m, b)))


def _seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="russia-2022-to-2025")
    parser.add_argument("--seeds", default="1-10", help="e.g. 1-10 or 1,2,3")
    parser.add_argument("--scale", type=float, default=20_000.0, help="men per agent")
    parser.add_argument("--until", default="2024-08-31", help="last date of the runs (ISO)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--priors", default="", help="comma-separated row numbers (1-based) to run; default all")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    from exitwave import load_scenario

    until = dt.date.fromisoformat(args.until)
    start = load_scenario(args.scenario).time.start
    days = (until - start).days + 1
    seeds = _seeds(args.seeds)
    chosen = [int(k) for k in args.priors.split(",")] if args.priors else range(1, len(PRIORS) + 1)
    priors = {label: prior for k, (label, prior) in enumerate(PRIORS.items(), 1) if k in chosen}
    jobs = [(args.scenario, label, prior, s, args.scale, days) for label, prior in priors.items() for s in seeds]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(_one, jobs))
    new_year = dt.date(2023, 1, 1)
    print(f"{args.scenario}: {len(seeds)} seeds, 1 agent = {args.scale:g} men, runs to {until}\n")
    print(f"| prior | ended before {new_year} | ended by {until} | baseline prior alone: before {new_year} "
          f"/ by {until} |")
    print("|---|---:|---:|---:|")
    for label, prior in priors.items():
        ends = [dt.date.fromisoformat(r["war_end_date"]) if r["war_end_date"] else None
                for r in rows if r["prior"] == label]
        early = sum(e is not None and e < new_year for e in ends)
        by = sum(e is not None for e in ends)
        print(f"| {label} | {early} of {len(ends)} | {by} of {len(ends)} | "
              f"{_closed_form(args.scenario, prior, new_year):.0%} / "
              f"{_closed_form(args.scenario, prior, until + dt.timedelta(days=1)):.0%} |")
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
