"""The GDR 1989 window fit and forecast shown in docs/gdr-1989.md.

1. Fit ``behaviour.baseline_leave_rate`` alone on January – April 1989 (the world's calibration
   window): bisection on log h0 so that the mean over ``--seeds`` runs matches the January – April
   target of ``targets.csv``. Nothing after 30 April is used.
2. Forecast the whole of 1989 with the fitted h0 over ``--seeds`` seeds, with and without the
   cascade term, and hold it against the published checks of ``observed.csv`` (5–95 % band of the
   runs: the seed spread only, not parameter uncertainty).

    PYTHONPATH=src python benchmarks/gdr_1989.py --scale 200 --seeds 5 > /tmp/gdr.md
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from exitwave.calibration.targets import calibration_window, load_targets, targets_file
from exitwave.engine import Simulation
from exitwave.scenario.load import load_scenario


def departures(h0_per_year: float, seed: int, scale: float, days: int | None = None,
               cascade: bool = True) -> pd.Series:
    """Daily departures into West Germany (people) of one run."""
    overrides: dict[str, object] = {"behaviour.baseline_leave_rate": f"{h0_per_year!r} per year"}
    if not cascade:
        overrides["behaviour.cascade_persuasion"] = 0.0
    sc = load_scenario("gdr-1989", overrides=overrides)
    series = Simulation(sc, seed=seed, scale=scale, days=days).run().series
    return series[[c for c in series.columns if c.startswith("crossed.")]].sum(axis=1)


def fit(scale: float, seeds: list[int]) -> tuple[float, float, float]:
    """(h0 per year, model Jan–Apr, observed Jan–Apr) by bisection on log h0."""
    sc = load_scenario("gdr-1989")
    sim = Simulation(sc, scale=scale, days=1)
    start, end = calibration_window(sim.world)
    target = next(t for t in load_targets(targets_file(sim.world), sim.world) if t.date_from == start)
    days = (end - sc.time.start).days + 1
    lo, hi = math.log(1e-4), math.log(1.0)
    model = 0.0
    for _ in range(12):
        mid = 0.5 * (lo + hi)
        model = float(np.mean([departures(math.exp(mid), s, scale, days).loc[str(start):str(end)].sum()
                               for s in seeds]))
        lo, hi = (mid, hi) if model < target.observed else (lo, mid)
    return math.exp(0.5 * (lo + hi)), model, target.observed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=200.0)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    h0, fitted, observed = fit(args.scale, seeds[:2])
    runs = {c: [departures(h0, s, args.scale, cascade=c) for s in seeds] for c in (True, False)}
    world = Path(__file__).resolve().parents[1] / "src" / "exitwave" / "data" / "worlds" / "gdr-1989"
    print(f"fitted baseline_leave_rate: {h0:.4g} per year (January – April: model {fitted:,.0f}, "
          f"observed {observed:,.0f}); scale {args.scale:g}, {len(seeds)} seeds\n")
    print("| month | with cascade: median (5–95 %) | without cascade: median |")
    print("|---|---|---|")
    for month in range(1, 13):
        a = dt.date(1989, month, 1)
        b = (dt.date(1989, month + 1, 1) if month < 12 else dt.date(1990, 1, 1)) - dt.timedelta(days=1)
        on = [float(r.loc[str(a):str(b)].sum()) for r in runs[True]]
        off = [float(r.loc[str(a):str(b)].sum()) for r in runs[False]]
        p5, p50, p95 = np.percentile(on, [5, 50, 95])
        print(f"| {a:%b} | {p50:,.0f} ({p5:,.0f}–{p95:,.0f}) | {np.median(off):,.0f} |")
    print("\n| check | dates | published | with cascade: median (5–95 %) | inside | without cascade |")
    print("|---|---|---|---|---|---|")
    inside = 0
    with (world / "observed.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        on = [float(r.loc[row["date_from"]:row["date_to"]].sum()) for r in runs[True]]
        off = [float(r.loc[row["date_from"]:row["date_to"]].sum()) for r in runs[False]]
        p5, p50, p95 = np.percentile(on, [5, 50, 95])
        ok = p5 <= float(row["emigrants"]) <= p95
        inside += ok
        print(f"| {row['check_id']} | {row['date_from']} – {row['date_to']} | {float(row['emigrants']):,.0f} | "
              f"{p50:,.0f} ({p5:,.0f}–{p95:,.0f}) | {'yes' if ok else '**no**'} | {np.median(off):,.0f} |")
    print(f"\ncoverage: {inside} of {len(rows)} checks inside the 5–95 % band")


if __name__ == "__main__":
    main()
