"""The status quo's 2022 aftermath: queues, departures, stocks abroad, returns and mobilization.

Runs the bundled ``russia-2022`` scenario (its calibrated values) over several seeds to the end of
2022 and prints the figures docs/calibration.md quotes: queued at the border on the days around
the peak, departures, men in Kazakhstan and Georgia, returns and men mobilized — means over seeds
with the lowest and highest seed. ``--set name=value`` overrides one scenario field (a mechanism
switched off, another value of an assumption), so a before/after pair is two commands.

    PYTHONPATH=src python benchmarks/aftermath.py --seeds 8 --scale 200
    PYTHONPATH=src python benchmarks/aftermath.py --set behaviour.domestic_flight_days=0
    PYTHONPATH=src python benchmarks/aftermath.py --end 2023-03-31 --set behaviour.stay_limits=none
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd
import yaml

from exitwave.calibration.targets import quantity_series
from exitwave.engine import Simulation
from exitwave.scenario.load import load_scenario, resolve_scenario_path
from exitwave.world import World

QUEUE_DAYS = ("2022-09-24", "2022-09-26", "2022-09-28", "2022-10-02", "2022-10-06", "2022-10-10")
LEVEL_DAYS = {"departed": ("2022-10-02", "2022-11-30"),
              "abroad.KZ": ("2022-11-30", "2022-12-31", "2023-01-31", "2023-03-31"),
              "abroad.GE": ("2022-11-30", "2022-12-31", "2023-03-31"),
              "abroad.TR": ("2022-11-30", "2022-12-31", "2023-03-31"),
              "returned": ("2022-10-28", "2022-11-30", "2022-12-31", "2023-03-31"),
              "visa_runs": ("2022-12-31", "2023-03-31"), "stay_limit_exits": ("2022-12-31", "2023-03-31"),
              "residence_permits": ("2022-12-31", "2023-03-31"),
              "mobilized": ("2022-10-04", "2022-10-28", "2022-11-04")}


def figures(series: pd.DataFrame, world: World) -> dict[str, float]:
    """One run's figures (people) from its daily series."""
    queue = series[[c for c in series.columns if c.startswith("queue_length.")]].sum(axis=1)
    out = {f"queued {d}": float(queue.loc[d]) for d in QUEUE_DAYS}
    window = queue.loc["2022-09-21":"2022-10-15"]
    out["highest queue to 15 Oct"] = float(window.max())
    out["day of the highest queue (days after 21 Sep)"] = float((window.idxmax() - pd.Timestamp("2022-09-21")).days)
    series = series.assign(mobilized=quantity_series(series, "mobilized", world, 1.0))  # men ever mobilized
    last = series.index[-1]
    for column, days in LEVEL_DAYS.items():
        for d in days:
            if pd.Timestamp(d) <= last:  # the figures of the days the run reaches (--end)
                out[f"{column} {d}"] = float(series[column].loc[d]) if column in series else float("nan")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--scale", type=float, default=200.0)
    parser.add_argument("--scenario", default="russia-2022")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2022, 12, 31),
                        help="last day of the runs (YYYY-MM-DD; default 2022-12-31)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override a scenario field, e.g. behaviour.domestic_flight_days=0")
    args = parser.parse_args()
    # values as a scenario file writes them ("0.05 per day" for a rate), parsed by the schema
    overrides = dict(item.split("=", 1) for item in args.set)
    scenario = load_scenario(args.scenario, overrides={k: yaml.safe_load(v) for k, v in overrides.items()})
    days = (args.end - scenario.time.start).days + 1
    rows = []
    started = time.perf_counter()
    for seed in range(1, args.seeds + 1):
        sim = Simulation(scenario, seed=seed, scale=args.scale, days=days, source=resolve_scenario_path(args.scenario))
        rows.append(figures(sim.run().series, sim.world))
    table = pd.DataFrame(rows)
    print(f"{args.scenario} {' '.join(args.set)}: {args.seeds} seeds at 1 agent = {args.scale:g} men, "
          f"{time.perf_counter() - started:.0f} s")
    print("| figure | mean | lowest seed | highest seed |\n|---|---|---|---|")
    for column in table.columns:
        values = table[column].to_numpy()
        print(f"| {column} | {np.mean(values):,.0f} | {np.min(values):,.0f} | {np.max(values):,.0f} |")


if __name__ == "__main__":
    main()
