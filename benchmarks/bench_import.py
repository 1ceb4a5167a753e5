"""Import-time benchmark: how long a fresh interpreter takes to get at exitwave.

Each measurement runs in a new ``python`` process (nothing cached in ``sys.modules``), times
the statement with ``time.perf_counter`` inside that process (so interpreter start-up is not
counted), and repeats it ``--repeat`` times; the median is reported. Statements:

* ``import exitwave`` — the package itself (target ≤ 0.3 s);
* ``import exitwave; exitwave.load_scenario`` — the lazy attribute that pulls in the scenario
  schema (pydantic, yaml) (target ≤ 0.3 s);
* ``import exitwave; exitwave.Simulation`` — the engine (numpy, numba kernels); information only;
* ``import exitwave; exitwave.load_scenario('russia-2022')`` — import plus parsing and validating
  the bundled scenario; information only.

Usage::

    .venv/bin/python benchmarks/bench_import.py [--repeat 7] [--importtime]

``--importtime`` also prints the slowest modules of one ``python -X importtime`` run of each
statement (cumulative microseconds), to show what an import spends its time on.
Independent of pytest; prints a table and one JSON line (``BENCH_IMPORT {...}``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

TARGET_S = 0.3

STATEMENTS = {
    "import exitwave": "import exitwave",
    "exitwave.load_scenario": "import exitwave; exitwave.load_scenario",
    "exitwave.Simulation": "import exitwave; exitwave.Simulation",
    "load_scenario('russia-2022')": "import exitwave; exitwave.load_scenario('russia-2022')",
}
TARGETS = {"import exitwave": TARGET_S, "exitwave.load_scenario": TARGET_S}

_TIMER = (
    "import time as _t; _s = _t.perf_counter()\n"
    "{stmt}\n"
    "print(repr(_t.perf_counter() - _s))\n"
)


def time_once(stmt: str, python: str) -> float:
    """Seconds ``stmt`` takes in a fresh interpreter (start-up excluded)."""
    out = subprocess.run([python, "-c", _TIMER.format(stmt=stmt)], check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def process_once(stmt: str, python: str) -> float:
    """Wall seconds of a whole ``python -c stmt`` process, start-up included."""
    import time

    started = time.perf_counter()
    subprocess.run([python, "-c", stmt], check=True, capture_output=True)
    return time.perf_counter() - started


def importtime_top(stmt: str, python: str, top: int) -> list[tuple[int, str]]:
    """The ``top`` modules with the largest cumulative import time (µs) in one run."""
    out = subprocess.run([python, "-X", "importtime", "-c", stmt], check=True,
                         capture_output=True, text=True)
    rows: list[tuple[int, str]] = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, self_us, cumulative_us, name = (part.strip() for part in
                                           line.replace("import time:", "|").split("|"))
        del self_us
        rows.append((int(cumulative_us), name.strip()))
    rows.sort(reverse=True)
    return rows[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="fresh interpreters per statement")
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure")
    parser.add_argument("--importtime", action="store_true",
                        help="also show the slowest modules from python -X importtime")
    parser.add_argument("--top", type=int, default=15, help="rows of --importtime output")
    args = parser.parse_args(argv)

    # One throw-away run so .pyc files exist and the OS file cache is warm.
    for stmt in STATEMENTS.values():
        time_once(stmt, args.python)

    record: dict[str, object] = {"repeat": args.repeat, "python": args.python}
    baseline = statistics.median(process_once("pass", args.python) for _ in range(args.repeat))
    record["interpreter_startup_s"] = round(baseline, 4)
    print(f"{'statement':<30} {'median s':>9} {'min s':>8} {'max s':>8} {'target':>7}  met")
    all_met = True
    for label, stmt in STATEMENTS.items():
        samples = [time_once(stmt, args.python) for _ in range(args.repeat)]
        median = statistics.median(samples)
        target = TARGETS.get(label)
        met = None if target is None else median <= target
        all_met &= met is not False
        print(f"{label:<30} {median:9.3f} {min(samples):8.3f} {max(samples):8.3f} "
              f"{'' if target is None else f'{target:.2f}':>7}  {'' if met is None else met}")
        record[label] = {"median_s": round(median, 4), "min_s": round(min(samples), 4),
                         "max_s": round(max(samples), 4), "target_s": target, "met": met}
    print(f"(interpreter start-up alone, not included above: {baseline:.3f} s)")
    if args.importtime:
        for label, stmt in STATEMENTS.items():
            print(f"\nslowest imports for {label!r} (cumulative ms, one run):")
            for cumulative_us, name in importtime_top(stmt, args.python, args.top):
                print(f"  {cumulative_us / 1000:8.1f}  {name}")
    record["targets_met"] = all_met
    print("BENCH_IMPORT " + json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
