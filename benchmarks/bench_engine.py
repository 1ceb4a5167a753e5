"""Engine benchmark: one measured ``Simulation(...).run()`` with a time and memory breakdown.

Usage::

    .venv/bin/python benchmarks/bench_engine.py                       # full scale, 365 days
    .venv/bin/python benchmarks/bench_engine.py --scale 100 --days 365
    .venv/bin/python benchmarks/bench_engine.py --scale 10 --profile prof.out

What it does:

1. A warm-up run in a child process at a small scale (``--warmup-scale 2000``, ``--warmup-days``
   = ``--days``) so numba's on-disk cache (``cache=True`` kernels) is compiled before anything is
   timed. A few days would not do: nobody gets abroad before the decree, so the contact and
   heap-update kernels would still be compiled inside the measured run.
2. The measured run in a fresh child process, so ``ru_maxrss`` is the peak RSS of that run
   alone (interpreter, imports, world, population, state, modules, results included).
3. Prints agents, days, wall time (total and split: imports, scenario load, world/schedule,
   population synthesis, State allocation, module init, per-module step seconds from
   ``Results.provenance["seconds"]``, recorder, building the Results), agent-days per second,
   peak RSS in MB, and one JSON line starting with ``BENCH_ENGINE``. The split comes from the
   engine's own timings plus thin wrappers the harness puts around the engine's first module
   ``init``, its ``Recorder`` and ``build_results`` (in the child process only).

The machine is small and may be shared: the parent counts the CPU seconds other processes used
while the child ran (``other_cpu_s``, from /proc/stat) and warns when that is noticeable;
``--wait-idle SECONDS`` waits for a quiet machine first and ``--retries N`` reruns a disturbed
measurement. ``--repeat N`` runs N measured children and reports the median.

``--cold`` measures with an empty numba cache (what a first run after install pays).
``--profile FILE`` runs the measured run under cProfile and writes the stats to FILE (and prints
the top entries); profiling adds overhead, so time a run without it. For a sampling profile use
``py-spy record -f raw -o out.txt -- .venv/bin/python benchmarks/bench_engine.py --in-process
--no-warmup ...``. ``--in-process`` skips the child process (peak RSS is then the whole
benchmark process). Independent of pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_TAG = "BENCH_ENGINE "
_CHILD_TAG = "BENCH_CHILD "
TARGET_WALL_S = 30.0  # full scale x 365 days
TARGET_RSS_MB = 4096.0


def _rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS so far) of this process in MB, from /proc when available."""
    now = peak = float("nan")
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return now, peak


def _maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    kb = resource.getrusage(who).ru_maxrss  # kilobytes on Linux, bytes on macOS
    return kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024


def _instrument(marks: dict[str, float]) -> Any:
    """Wrap engine internals (in this process only) to time what the engine does not report:
    the first module init (so State allocation can be split off), the recorder, and building
    the Results. Returns a function that undoes the wrapping. Missing hooks are skipped, so the
    benchmark keeps working if the engine changes."""
    import exitwave.engine as engine

    undo: list[Any] = []

    def first_init(cls: Any) -> None:
        original = cls.__dict__.get("init")
        if original is None:
            return

        def init(self: Any, state: Any) -> None:
            marks.setdefault("first_init_at", time.perf_counter())
            original(self, state)

        cls.init = init
        undo.append(lambda: setattr(cls, "init", original))

    for cls in getattr(engine, "MODULES", ())[:1]:
        first_init(cls)

    recorder_cls = getattr(engine, "Recorder", None)
    if recorder_cls is not None:
        in_record = [False]

        class TimedRecorder(recorder_cls):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                t0 = time.perf_counter()
                super().__init__(*args, **kwargs)
                marks["recorder_init_s"] = time.perf_counter() - t0

            def record(self, *args: Any, **kwargs: Any) -> None:
                t0 = time.perf_counter()
                in_record[0] = True
                try:
                    super().record(*args, **kwargs)
                finally:
                    in_record[0] = False
                marks["record_s"] += time.perf_counter() - t0

            def check(self, *args: Any, **kwargs: Any) -> None:
                if in_record[0]:
                    super().check(*args, **kwargs)
                    return
                t0 = time.perf_counter()
                super().check(*args, **kwargs)
                marks["final_check_s"] += time.perf_counter() - t0

        engine.Recorder = TimedRecorder  # type: ignore[misc]
        undo.append(lambda: setattr(engine, "Recorder", recorder_cls))

    build = getattr(engine, "build_results", None)
    if build is not None:
        def timed_build(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            out = build(*args, **kwargs)
            marks["results_s"] = time.perf_counter() - t0
            return out

        engine.build_results = timed_build
        undo.append(lambda: setattr(engine, "build_results", build))

    def restore() -> None:
        for fn in reversed(undo):
            fn()

    return restore


def measure(scenario: str, scale: float, days: int, seed: int | None,
            profile: str | None = None, progress_every: int = 0) -> dict[str, Any]:
    """Run one simulation in this process and return its record."""
    t0 = time.perf_counter()
    import exitwave
    from exitwave.engine import Simulation

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    sc = exitwave.load_scenario(scenario)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = Simulation(sc, seed=seed, scale=scale, days=days)
    t_sim = time.perf_counter() - t0

    marks: dict[str, float] = {"record_s": 0.0, "final_check_s": 0.0}
    restore = _instrument(marks)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done == 1:
            marks["rss_after_day1_mb"], marks["peak_after_day1_mb"] = _rss_mb()
        if progress_every and (done % progress_every == 0 or done == total):
            now, peak = _rss_mb()
            print(f"  day {done}/{total}  {time.perf_counter() - started:7.1f} s  "
                  f"rss {now:.0f} MB  peak {peak:.0f} MB", file=sys.stderr, flush=True)

    try:
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            results = sim.run(progress=progress)
            profiler.disable()
            profiler.dump_stats(profile)
        else:
            results = sim.run(progress=progress)
    finally:
        restore()
    t_run = time.perf_counter() - started

    seconds: dict[str, float] = dict(results.provenance["seconds"])
    agents = int(results.summary["agents"])
    n_days = int(results.summary["days"])
    build_pop = seconds.get("build.population", 0.0)
    init = seconds.get("build.modules_init", 0.0)
    steps = {k.split(".", 1)[1]: v for k, v in seconds.items() if k.startswith("step.")}
    step_total = sum(steps.values())
    # State allocation and decision_groups(): from run() start to the first module init,
    # less population synthesis (timed by the engine itself).
    state_alloc = marks.get("first_init_at", started) - started - build_pop
    split = {
        "import": t_import,
        "load_scenario": t_load,
        "world_and_schedule": t_sim,
        "population": build_pop,
        "state_alloc_and_groups": max(state_alloc, 0.0),
        "modules_init": init,
        "steps": step_total,
        "recorder": marks["record_s"] + marks["final_check_s"] + marks.get("recorder_init_s", 0.0),
        "results": marks.get("results_s", 0.0),
    }
    accounted = sum(v for k, v in split.items()
                    if k not in ("import", "load_scenario", "world_and_schedule"))
    split["other"] = max(t_run - accounted, 0.0)  # loop overhead, progress callback
    rss_now, rss_peak = _rss_mb()
    return {
        "scenario": scenario, "scale_requested": scale, "scale": results.summary["scale"],
        "seed": results.summary["seed"], "agents": agents, "days": n_days,
        "wall_s": round(t_import + t_load + t_sim + t_run, 3),
        "run_s": round(t_run, 3),
        "split_s": {k: round(v, 3) for k, v in split.items()},
        "step_s": {k: round(v, 3) for k, v in steps.items()},
        "agent_days_per_s": round(agents * n_days / t_run, 1),
        "step_agent_days_per_s": round(agents * n_days / step_total, 1) if step_total else None,
        "peak_rss_mb": round(_maxrss_mb(), 1),
        "rss_end_mb": round(rss_now, 1),
        "peak_rss_after_day1_mb": round(marks.get("peak_after_day1_mb", float("nan")), 1),
        "departed": results.summary["departed"],
        "conservation_ok": results.summary["conservation_ok"],
        "engine_runtime_s": results.summary["runtime_s"],
        "peak_rss_check_mb": round(rss_peak, 1),
        "git_commit": results.provenance.get("git_commit"),
        "exitwave_path": str(Path(exitwave.__file__).parent),
    }


def _child_cmd(args: argparse.Namespace, scale: float, days: int, profile: str | None,
               progress_every: int) -> list[str]:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--scenario", args.scenario,
           "--scale", repr(scale), "--days", str(days), "--progress-every", str(progress_every)]
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    if profile:
        cmd += ["--profile", profile]
    return cmd


def _busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy (all CPUs, from /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return float("nan")
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _disturbed(record: dict[str, Any]) -> bool:
    """True when other processes used a noticeable share of the CPUs during the run."""
    return bool(record.get("other_cpu_s", 0.0) > max(1.0, 0.1 * record.get("child_cpu_s", 1.0)))


def wait_idle(max_wait_s: float, quiet_s: int = 5, busy_cpus: float = 0.3) -> bool:
    """Wait until the machine's CPUs have been idle (< ``busy_cpus`` busy) ``quiet_s`` seconds."""
    deadline = time.monotonic() + max_wait_s
    quiet = 0
    while time.monotonic() < deadline:
        before = _busy_cpu_s()
        time.sleep(1.0)
        quiet = quiet + 1 if _busy_cpu_s() - before < busy_cpus else 0
        if quiet >= quiet_s:
            return True
    return False


def _run_child(cmd: list[str], timeout: float | None) -> dict[str, Any]:
    busy0, own0 = _busy_cpu_s(), _children_cpu_s()
    started = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=timeout, check=False)
    elapsed = time.perf_counter() - started
    own = _children_cpu_s() - own0
    other = _busy_cpu_s() - busy0 - own
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed with exit code {proc.returncode} "
                         f"(negative = killed by signal; -9 is usually the OOM killer)")
    for line in proc.stdout.splitlines():
        if line.startswith(_CHILD_TAG):
            record: dict[str, Any] = json.loads(line[len(_CHILD_TAG):])
            record["process_wall_s"] = round(elapsed, 3)
            record["child_cpu_s"] = round(own, 2)
            # CPU used by everything else on the machine meanwhile: > a few seconds means the
            # timings were disturbed by other work (the machine has only a few cores).
            record["other_cpu_s"] = round(max(other, 0.0), 2)
            return record
    raise SystemExit("benchmark child printed no record")


def _machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = float("nan")
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    import numba
    import numpy

    return {"cpus": os.cpu_count(), "cpu_model": model, "mem_gb": round(mem_gb, 1),
            "python": sys.version.split()[0], "numpy": numpy.__version__,
            "numba": numba.__version__, "numba_threads": getattr(numba.config, "NUMBA_NUM_THREADS", None)}


def _print(record: dict[str, Any]) -> None:
    split = record["split_s"]
    print(f"exitwave {record['exitwave_path']}  commit {record['git_commit']}")
    print(f"scenario {record['scenario']}  scale {record['scale_requested']:g} "
          f"(actual {record['scale']:.4f})  seed {record['seed']}")
    print(f"agents {record['agents']:,}  days {record['days']}  "
          f"departed {record['departed']:,} people  conservation_ok {record['conservation_ok']}")
    print(f"wall total {record['wall_s']:.2f} s  (Simulation.run {record['run_s']:.2f} s; "
          f"child process {record.get('process_wall_s', float('nan')):.2f} s)")
    if len(record.get("repeat_run_s", [])) > 1:
        print(f"  (median of {len(record['repeat_run_s'])} runs; Simulation.run seconds: "
              f"{', '.join(f'{t:.2f}' for t in record['repeat_run_s'])})")
    for key, value in split.items():
        print(f"  {key:<24} {value:9.3f} s")
    for key, value in record["step_s"].items():
        print(f"    step.{key:<19} {value:9.3f} s  ({value / max(record['days'], 1) * 1000:.2f} ms/day)")
    print(f"agent-days/s {record['agent_days_per_s']:,.0f} (whole run)  "
          f"{(record['step_agent_days_per_s'] or 0):,.0f} (daily steps only)")
    print(f"peak RSS {record['peak_rss_mb']:.0f} MB  (after day 1: "
          f"{record['peak_rss_after_day1_mb']:.0f} MB; at end: {record['rss_end_mb']:.0f} MB)")
    if "child_cpu_s" in record:
        print(f"load average before/after: {record['loadavg_before'][0]:.2f} / "
              f"{record['loadavg_after'][0]:.2f} (1-min; {record['machine']['cpus']} CPUs); "
              f"child CPU {record.get('child_cpu_s', float('nan')):.1f} s, other processes' "
              f"CPU meanwhile {record.get('other_cpu_s', float('nan')):.1f} s")
        if _disturbed(record):
            print("warning: other processes used the CPUs during the measured run; "
                  "its timings are inflated")
    if record["scale_requested"] == 1 and record["days"] >= 365:
        ok_t = record["run_s"] <= TARGET_WALL_S
        ok_m = record["peak_rss_mb"] <= TARGET_RSS_MB
        print(f"targets: run ≤ {TARGET_WALL_S:.0f} s {'met' if ok_t else 'NOT met'}; "
              f"peak RSS ≤ {TARGET_RSS_MB / 1024:.0f} GB {'met' if ok_m else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="russia-2022", help="bundled name or YAML path")
    parser.add_argument("--scale", type=float, default=1.0, help="people per agent (1 = full)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    parser.add_argument("--warmup-scale", type=float, default=2000.0)
    parser.add_argument("--warmup-days", type=int, default=None,
                        help="default: --days (a few days would not reach every kernel: "
                             "nobody gets abroad before the decree, so the contact kernels "
                             "would still compile inside the measured run)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the numba warm-up run")
    parser.add_argument("--cold", action="store_true",
                        help="measure with an empty numba cache (fresh NUMBA_CACHE_DIR, no "
                             "warm-up): shows what JIT compilation costs a first run")
    parser.add_argument("--in-process", action="store_true",
                        help="measure in this process instead of a fresh child")
    parser.add_argument("--profile", default=None, metavar="FILE",
                        help="run the measured run under cProfile, write stats to FILE")
    parser.add_argument("--progress-every", type=int, default=0, metavar="DAYS",
                        help="print progress and RSS to stderr every DAYS days")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measured runs (fresh child each); the median by run time is shown")
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                        help="before each measured run, wait up to SECONDS for 5 idle seconds")
    parser.add_argument("--retries", type=int, default=0,
                        help="rerun a measured run that other processes disturbed, up to N times")
    parser.add_argument("--timeout", type=float, default=None, help="seconds for the child")
    parser.add_argument("--json-out", default=None, help="also append the JSON record here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        record = measure(args.scenario, args.scale, args.days, args.seed, args.profile,
                         args.progress_every)
        print(_CHILD_TAG + json.dumps(record), flush=True)
        return 0

    if args.warmup_days is None:
        args.warmup_days = args.days
    if args.cold:
        import tempfile

        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="exitwave-bench-numba-")
        args.no_warmup = True
        args.in_process = False
    warmup_s = None
    if not args.no_warmup:
        started = time.perf_counter()
        if args.in_process:
            measure(args.scenario, args.warmup_scale, args.warmup_days, args.seed)
        else:
            _run_child(_child_cmd(args, args.warmup_scale, args.warmup_days, None, 0), args.timeout)
        warmup_s = round(time.perf_counter() - started, 3)
    load_before = os.getloadavg()
    records = []
    for _ in range(max(args.repeat, 1)):
        if args.in_process:
            records.append(measure(args.scenario, args.scale, args.days, args.seed, args.profile,
                                   args.progress_every))
        else:
            cmd = _child_cmd(args, args.scale, args.days, args.profile, args.progress_every)
            for attempt in range(args.retries + 1):
                if args.wait_idle and not wait_idle(args.wait_idle):
                    print("warning: the machine did not go idle; measuring anyway",
                          file=sys.stderr)
                record = _run_child(cmd, args.timeout)
                record["attempts"] = attempt + 1
                if not _disturbed(record):
                    break
                print(f"measured run disturbed by other processes ({record['other_cpu_s']} CPU "
                      f"s); {'retrying' if attempt < args.retries else 'keeping it'}",
                      file=sys.stderr)
            records.append(record)
    # Report the run with the median Simulation.run time; keep every run's time.
    records.sort(key=lambda r: r["run_s"])
    record = records[(len(records) - 1) // 2]
    record["repeat_run_s"] = [r["run_s"] for r in records]
    record["warmup_s"] = warmup_s
    record["loadavg_before"] = [round(x, 2) for x in load_before]
    record["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    record["machine"] = _machine()
    record["date"] = time.strftime("%Y-%m-%d")
    record["command"] = " ".join(["benchmarks/bench_engine.py", *(argv or sys.argv[1:])])
    record["in_process"] = args.in_process
    record["cold_numba_cache"] = args.cold
    _print(record)
    if args.profile:
        import pstats

        print(f"\ncProfile (cumulative, top 25) written to {args.profile}:")
        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(25)
        print("cProfile (own time, top 25):")
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)
    line = _TAG + json.dumps(record)
    print(line)
    if args.json_out:
        with open(args.json_out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
