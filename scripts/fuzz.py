"""Long (nightly) mode of the exitwave fuzzer: generated scenarios and worlds through ``exitwave run``.

    python scripts/fuzz.py --scenarios 1000 --worlds 500 --json fuzz.json

Every case must end in a clean input error (exit 2, one line) or a sound run (conserved, finite,
non-negative outputs); tracebacks, crashes, hangs (no answer in 60 s), other exit codes and
invalid outputs are findings, printed and written to ``--json``. Exit code 1 when there is any
finding. The short mode runs in the test suite (tests/test_fuzzing.py); see docs/hardening.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

from exitwave.fuzzing import CASE_TIMEOUT_S, OUTCOMES, Tally, Worker, scenario_cases, world_cases


def fuzz(strategy, n: int, worker: Worker, tally: Tally, seed: int, label: str) -> None:
    """Run ``n`` cases drawn from ``strategy`` (Hypothesis, generation only, no shrinking)."""
    done = [0]

    @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def one(case) -> None:
        outcome = worker.run(case)
        tally.add(case, outcome)
        done[0] += 1
        if outcome.kind not in ("clean_error", "sound_run"):
            print(f"[{label} {done[0]}] {outcome.kind}: {case.what}\n    {outcome.detail[-600:]}", flush=True)
        elif done[0] % 50 == 0:
            print(f"[{label} {done[0]}/{n}] {dict(tally.counts)}", flush=True)

    # a fixed seed per run: the same command reproduces the same cases
    from hypothesis import seed as hypothesis_seed

    hypothesis_seed(seed)(one)()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=1000, help="generated scenarios")
    parser.add_argument("--worlds", type=int, default=500, help="generated worlds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=CASE_TIMEOUT_S, help="seconds a case may take")
    parser.add_argument("--json", type=Path, help="write the figures and findings here")
    args = parser.parse_args(argv)
    start = time.monotonic()
    tallies = {"scenarios": Tally(), "worlds": Tally()}
    worker = Worker(timeout_s=args.timeout)
    try:
        if args.scenarios:
            fuzz(scenario_cases(), args.scenarios, worker, tallies["scenarios"], args.seed, "scenario")
        if args.worlds:
            fuzz(world_cases(), args.worlds, worker, tallies["worlds"], args.seed + 1, "world")
    finally:
        worker.close()
    wall = time.monotonic() - start
    report = {"wall_s": round(wall, 1), "seed": args.seed, "timeout_s": args.timeout}
    for name, tally in tallies.items():
        report[name] = {"cases": sum(tally.counts.values()),
                        **{kind: tally.counts.get(kind, 0) for kind in OUTCOMES}}
    report["findings"] = [f for t in tallies.values() for f in t.findings]
    summary = {k: v for k, v in report.items() if k != "findings"}
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if any(t.bad for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
