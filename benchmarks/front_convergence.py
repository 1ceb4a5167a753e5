"""Front convergence: one front scenario run at several scales (men per agent), side by side.

Usage::

    .venv/bin/python benchmarks/front_convergence.py                      # the table in docs/model.md
    .venv/bin/python benchmarks/front_convergence.py --scales 50,400 --seeds 1,2 --days 180
    .venv/bin/python benchmarks/front_convergence.py --json-out runs/front-convergence.json

Each (scale, seed) is one run of ``--scenario`` (default ``russia-2022-to-2025``) for ``--days``
days with the war-end rule off (``front.war_end.rule: none``, so the war-end draw does not stop the
front at different days at different scales), in a pool of ``--workers`` processes. The table
gives, per scale, the mean over the seeds of the front's outputs (desertions per soldier per
month, deserted, surrendered, killed, force at the end, mean morale at the end) and the wall time
of one run (``runtime_s``, after a numba warm-up in each worker). A front whose results do not
depend on the agent scale gives the same row at every scale, up to noise.

Independent of pytest. Prints a Markdown table and, with ``--json-out``, writes every run's
numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

FIELDS = ("desertion_share_per_month", "deserted", "surrendered", "killed", "force_strength", "mean_morale")


def _warm(scenario: str) -> None:
    from exitwave import Simulation, load_scenario

    Simulation(load_scenario(scenario), scale=20_000, days=30).run()


def _one(scenario: str, scale: float, seed: int, days: int) -> dict[str, Any]:
    from exitwave import Simulation, load_scenario

    loaded = load_scenario(scenario, overrides={"front.war_end": {"rule": "none"}})
    summary = Simulation(loaded, scale=scale, seed=seed, days=days).run().summary
    unit_size = loaded.front.unit_size if loaded.front is not None else float("nan")
    return {"scale": scale, "seed": seed, "days": days, "agents_per_unit": unit_size / scale,
            "runtime_s": summary["runtime_s"], **{key: summary[key] for key in FIELDS}}


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table: one line per scale, means over the seeds."""
    lines = ["| men per agent | agents per unit | desertion %/month | deserted | surrendered | killed | "
             "force at end | morale at end | s per run |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for scale in sorted({r["scale"] for r in rows}):
        group = [r for r in rows if r["scale"] == scale]

        def mean(key: str, group: list[dict[str, Any]] = group) -> float:
            return statistics.fmean(float(r[key]) for r in group)

        lines.append(f"| 1:{scale:g} | {group[0]['agents_per_unit']:g} | "
                     f"{100 * mean('desertion_share_per_month'):.2f} | {mean('deserted'):,.0f} | "
                     f"{mean('surrendered'):,.0f} | {mean('killed'):,.0f} | {mean('force_strength'):,.0f} | "
                     f"{mean('mean_morale'):.3f} | {mean('runtime_s'):.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="russia-2022-to-2025")
    parser.add_argument("--scales", default="10,20,50,100,200,400,1000",
                        help="men per agent, comma-separated (default %(default)s)")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated (default %(default)s)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(args.scenario, scale, seed, args.days) for scale in scales for seed in seeds]
    jobs.sort(key=lambda job: job[1])  # the finest scales (the longest runs) first
    with ProcessPoolExecutor(args.workers, initializer=_warm, initargs=(args.scenario,)) as pool:
        futures = [pool.submit(_one, *job) for job in jobs]
        rows = []
        for future in futures:
            rows.append(future.result())
            row = rows[-1]
            print(f"1:{row['scale']:g} seed {row['seed']}: {row['runtime_s']:.1f} s", file=sys.stderr, flush=True)
    print(f"{args.scenario}, {args.days} days, war end off, seeds {args.seeds} (means)\n")
    print(table(rows))
    if args.json_out is not None:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
