"""Flee 3.1 and exitwave's flee ruleset head to head on the same Flee case, same machine.

    python benchmarks/flee_head_to_head.py --case mali --seeds 5 --flee-seeds 3

Each run is its own child process, so its peak RSS (``os.wait4``'s ``ru_maxrss``) is its own.
Flee is driven the way its 3.1 ``runscripts/run.py`` drives a validation case (conflicts.csv,
``insert_day0``, registration corrections, spawning from the refugee total, closures, one
``evolve`` per day); both are scored with Flee's ARD (:mod:`exitwave.compat.flee.metrics`).
Printed per simulator: the day loop's process CPU time (``time.process_time`` in the worker) and
wall time, agent-steps (agents present summed over the days) per CPU-second and per wall-second,
peak RSS, ARD and rescaled ARD (mean ± sd over seeds), and the load average before and after.
Every worker runs single-threaded (``NUMBA_NUM_THREADS=1``, ``OMP_NUM_THREADS=1``), so CPU time
is the cost of one core and the CPU-based rate is robust to other jobs on the machine; wall times
are not. exitwave's numba compile/cache-load time is reported separately. Needs the optional
``flee`` package (``pip install -e '.[bench]'``) unless ``--flee-seeds 0`` (exitwave alone).
Installs nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(os.environ.get("EXITWAVE_FLEE_DATA", Path(__file__).resolve().parents[1] / "examples" / "flee"))
CASES = {"mali": ("input/mali", "validation/mali2012"), "burundi": ("input/burundi", "validation/burundi2015")}


def _paths(case: str) -> tuple[Path, Path, Path]:
    inp, val = CASES[case]
    return DATA / inp, DATA / val, DATA / "simsetting-mali2012.yml"


def worker_flee(case: str, seed: int) -> dict:
    """One Flee 3.1 run (the loop of Flee 3.1's runscripts/run.py, scored with Flee's ARD)."""
    import random

    import numpy as np
    from flee import InputGeography, flee, spawning  # type: ignore[import-not-found]
    from flee.datamanager import handle_refugee_data, read_period  # type: ignore[import-not-found]
    from flee.SimulationSettings import SimulationSettings  # type: ignore[import-not-found]

    from exitwave.compat.flee.metrics import ard

    inp, val, settings = _paths(case)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - Flee 3.1 draws from the legacy global generator
    start_date, end_time = read_period.read_conflict_period(str(inp / "sim_period.csv"))
    SimulationSettings.ReadFromYML(str(settings))
    SimulationSettings.ConflictInputFile = str(inp / "conflicts.csv")
    e = flee.Ecosystem()
    ig = InputGeography.InputGeography()
    ig.ReadConflictInputCSV(SimulationSettings.ConflictInputFile)
    ig.ReadLocationsFromCSV(str(inp / "locations.csv"))
    ig.ReadLinksFromCSV(str(inp / "routes.csv"))
    ig.ReadClosuresFromCSV(str(inp / "closures.csv"))
    e, lm = ig.StoreInputGeographyInEcosystem(e)
    d = handle_refugee_data.RefugeeTable(csvformat="generic", data_directory=str(val), start_date=start_date,
                                         data_layout="data_layout.csv",
                                         population_scaledown_factor=SimulationSettings.optimisations["PopulationScaleDownFactor"])
    d.ReadL1Corrections(str(inp / "registration_corrections.csv"))
    camps = e.get_camp_names()
    for name in camps:
        spawning.add_initial_refugees(e, d, lm[name])
    sim = np.zeros((end_time, len(camps)))
    obs = np.zeros((end_time, len(camps)))
    steps = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    for t in range(end_time):
        ig.AddNewConflictZones(e, t)
        spawning.spawn_daily_displaced(e, t, d)
        spawning.refresh_spawn_weights(e)
        e.enact_border_closures(t)
        steps += len(e.agents)
        e.evolve()
        for c, name in enumerate(camps):
            sim[t, c] = lm[name].numAgents
            obs[t, c] = d.get_field(name, t)
    loop_cpu = time.process_time() - cpu_started
    loop = time.perf_counter() - started
    normal, rescaled, _ = ard(sim, obs, camps)
    return {"simulator": "flee 3.1", "seed": seed, "loop_s": loop, "loop_cpu_s": loop_cpu, "agent_steps": steps,
            "agents": len(e.agents), "ard": normal, "ard_rescaled": rescaled}


def worker_exitwave(case: str, seed: int) -> dict:
    from exitwave.compat.flee.reader import read_case
    from exitwave.compat.flee.simulate import run_case, warm_up

    jit = warm_up()
    inp, val, settings = _paths(case)
    started = time.perf_counter()
    world, flee_settings, validation = read_case(inp, val, settings)
    result = run_case(world, flee_settings, validation, seed=seed)
    loop = result.timings["loop_s"]
    return {"simulator": "exitwave", "seed": seed, "loop_s": loop, "loop_cpu_s": result.timings["loop_cpu_s"],
            "movement_cpu_s": result.timings["movement_cpu_s"], "total_s": time.perf_counter() - started,
            "jit_s": jit, "agent_steps": result.agent_steps, "agents": result.agents, "ard": result.ard,
            "ard_rescaled": result.ard_rescaled}


def _child(simulator: str, case: str, seed: int) -> dict:
    """Run one worker in a fresh interpreter; its peak RSS from os.wait4."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        target = handle.name
    command = [sys.executable, __file__, "--worker", simulator, "--case", case, "--seed", str(seed),
               "--result", target]
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")  # one core each: CPU time is comparable
    started = time.perf_counter()
    with open(os.devnull, "wb") as devnull:  # Flee prints a line per location and closure
        proc = subprocess.Popen(command, stdout=devnull, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        _, status, usage = os.wait4(proc.pid, 0)
        stderr = proc.stderr.read().decode(errors="replace")
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{simulator} seed {seed} failed:\n{stderr[-3000:]}")
    result = json.loads(Path(target).read_text())
    Path(target).unlink()
    result["process_s"] = time.perf_counter() - started
    result["peak_rss_mb"] = usage.ru_maxrss / 1024.0  # Linux: kB
    return result


def _stat(values: list[float], fmt: str) -> str:
    if len(values) < 2:
        return format(values[0], fmt)
    return f"{format(statistics.mean(values), fmt)} ± {format(statistics.stdev(values), fmt)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=sorted(CASES), default="mali")
    parser.add_argument("--seeds", type=int, default=5, help="exitwave seeds (1 … N)")
    parser.add_argument("--flee-seeds", type=int, default=None, help="Flee seeds (default: --seeds)")
    parser.add_argument("--json-out", type=Path, default=None, help="write every run's numbers here")
    parser.add_argument("--worker", choices=("flee", "exitwave"), help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker_flee(args.case, args.seed) if args.worker == "flee" else worker_exitwave(args.case, args.seed)
        args.result.write_text(json.dumps(result))
        return
    flee_seeds = args.flee_seeds if args.flee_seeds is not None else args.seeds
    if flee_seeds > 0:  # --flee-seeds 0 measures exitwave alone and does not need Flee
        try:
            import flee  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            raise SystemExit("Flee is not installed: pip install -e '.[bench]' (flee==3.1)") from None
    runs: dict[str, list[dict]] = {"exitwave": [], "flee": []}
    load_before = os.getloadavg()
    for seed in range(1, args.seeds + 1):
        runs["exitwave"].append(_child("exitwave", args.case, seed))
        r = runs["exitwave"][-1]
        print(f"exitwave seed {seed}: loop {r['loop_cpu_s']:.2f} s CPU, {r['loop_s']:.2f} s wall, ARD {r['ard']:.3f}",
              file=sys.stderr)
    for seed in range(1, flee_seeds + 1):
        runs["flee"].append(_child("flee", args.case, seed))
        r = runs["flee"][-1]
        print(f"flee seed {seed}: loop {r['loop_cpu_s']:.1f} s CPU, {r['loop_s']:.1f} s wall, ARD {r['ard']:.3f}",
              file=sys.stderr)
    load_after = os.getloadavg()
    first = (runs["exitwave"] or runs["flee"])[0]
    print(f"\n{args.case}: {first['agents']:,} agents at the end (full population), "
          f"{first['agent_steps']:,} agent-steps; load average (1, 5, 15 min) before "
          f"{', '.join(f'{x:.1f}' for x in load_before)}, after {', '.join(f'{x:.1f}' for x in load_after)}\n")
    print("| simulator | seeds | loop CPU (s) | loop wall (s) | agent-steps per CPU-s | agent-steps per wall-s "
          "| peak RSS (MB) | ARD | ARD rescaled |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, label in (("flee", "Flee 3.1"), ("exitwave", "exitwave flee ruleset")):
        rs = runs[name]
        if not rs:
            continue
        cpu_rate = [r["agent_steps"] / r["loop_cpu_s"] for r in rs]
        rate = [r["agent_steps"] / r["loop_s"] for r in rs]
        print(f"| {label} | {len(rs)} | {_stat([r['loop_cpu_s'] for r in rs], '.2f')} | "
              f"{_stat([r['loop_s'] for r in rs], '.2f')} | {_stat(cpu_rate, ',.0f')} | {_stat(rate, ',.0f')} | "
              f"{_stat([r['peak_rss_mb'] for r in rs], '.0f')} | {_stat([r['ard'] for r in rs], '.3f')} | "
              f"{_stat([r['ard_rescaled'] for r in rs], '.3f')} |")
    if runs["flee"] and runs["exitwave"]:
        for what, key in (("CPU-s", "loop_cpu_s"), ("wall-s", "loop_s")):
            speedup = statistics.mean(r["agent_steps"] / r[key] for r in runs["exitwave"]) / \
                statistics.mean(r["agent_steps"] / r[key] for r in runs["flee"])
            print(f"speed-up (agent-steps per {what}): {speedup:.0f}×")
    if runs["exitwave"]:
        print(f"exitwave numba compile or cache load: {_stat([r['jit_s'] for r in runs['exitwave']], '.2f')} s "
              "per process (not in the loop time)")
    if args.json_out:
        args.json_out.write_text(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()
