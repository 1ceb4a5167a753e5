"""Throughput of ensembles on each executor: runs per minute, 1→2 worker efficiency, overhead.

    .venv/bin/python benchmarks/bench_experiments.py --scale 100 --days 109 -n 8

For 1 and 2 workers, on local processes and on a Dask LocalCluster, it runs an ensemble of ``n``
seeds (in-process for one local worker) and reports wall time, runs per minute, the executor's
overhead per run (wall time × workers / runs minus the mean time inside a run) and the efficiency
from 1 to 2 workers (speed-up / 2). Results vary with the machine's load: run it on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time

from exitwave.experiments import ensemble


def measure(label: str, n: int, scale: float, days: int, workers: int, dask: bool) -> dict:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = ensemble("russia-2022", n=n, seed=101, scale=scale, days=days, out=out,
                          workers=workers, dask=dask)
        wall = time.perf_counter() - started
    inside = sum(s["runtime_s"] for s in result.summaries.values()) / max(len(result.summaries), 1)
    return {"executor": label, "workers": workers, "runs": len(result.summaries), "wall_s": round(wall, 2),
            "runs_per_minute": round(60 * len(result.summaries) / wall, 2),
            "mean_run_s": round(inside, 2),
            "overhead_per_run_s": round(wall * workers / max(len(result.summaries), 1) - inside, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--days", type=int, default=109)
    parser.add_argument("-n", type=int, default=8)
    args = parser.parse_args()
    # warm numba's on-disk cache so no configuration pays compilation
    ensemble("russia-2022", n=2, scale=20000, days=5)
    rows = []
    for label, dask in (("local", False), ("dask", True)):
        for workers in (1, 2):
            row = measure(label, args.n, args.scale, args.days, workers, dask)
            rows.append(row)
            print(json.dumps(row), flush=True)
    for label in ("local", "dask"):
        one, two = (r for r in rows if r["executor"] == label)
        print(f"{label}: efficiency 1→2 workers = {one['wall_s'] / two['wall_s'] / 2:.0%}")
    print(json.dumps({"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                      "scale": args.scale, "days": args.days, "n": args.n}))


if __name__ == "__main__":
    main()
