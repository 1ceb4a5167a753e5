"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

A run is described by a small :class:`RunSpec` (scenario name or path, overrides, seed, size,
where to write). Workers load the scenario and the world themselves — no pickled worlds — and
write their run directory atomically, so results are identical per seed whatever the executor,
and an interrupted experiment loses at most the runs that were in flight.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from exitwave.errors import InputError

__all__ = ["RunSpec", "RunOutcome", "execute", "Executor", "make_executor"]


@dataclass(frozen=True)
class RunSpec:
    """One run to do. ``run_dir`` is the folder its run directory goes into (``None``: keep it
    in memory only) and ``label`` the run directory's exact name."""

    scenario: str
    seed: int
    label: str
    overrides: tuple[tuple[str, Any], ...] = ()
    scale: float | None = None
    days: int | None = None
    run_dir: str | None = None
    keep_series: bool = False
    group: str = ""  # bookkeeping for the caller (e.g. which scenario of a comparison)
    threads: int | None = None  # numba threads in the worker (None: leave as is)


@dataclass
class RunOutcome:
    spec: RunSpec
    summary: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0
    series: Any = None  # the daily series (pandas) when spec.keep_series
    skipped: bool = False  # found finished on disk (resume)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def execute(spec: RunSpec) -> RunOutcome:
    """Run one spec (in whatever process this is); never raises."""
    started = time.perf_counter()
    try:
        if spec.threads is not None:
            # several workers on one machine: split the cores instead of oversubscribing them
            import numba

            numba.set_num_threads(max(1, min(spec.threads, getattr(numba.config, "NUMBA_NUM_THREADS", 1))))
        from exitwave.engine import Simulation
        from exitwave.scenario.load import load_scenario, resolve_scenario_path

        source = resolve_scenario_path(spec.scenario)
        scenario = load_scenario(spec.scenario, overrides=dict(spec.overrides) or None)
        results = Simulation(scenario, seed=spec.seed, scale=spec.scale, days=spec.days,
                             source=source).run()
        if spec.run_dir is not None:
            results.save(spec.run_dir, name=spec.label)
        return RunOutcome(spec=spec, summary=results.summary, seconds=time.perf_counter() - started,
                          series=results.series if spec.keep_series else None)
    except Exception as error:  # noqa: BLE001 - a failed run is reported, never fatal to the others
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return RunOutcome(spec=spec, error=detail, seconds=time.perf_counter() - started)


class Executor:
    """Runs specs and yields outcomes as they finish."""

    name = "in-process"
    workers = 1

    def run(self, specs: Iterable[RunSpec]) -> Iterator[RunOutcome]:
        for spec in specs:
            yield execute(spec)

    def close(self) -> None:
        pass


class LocalProcesses(Executor):
    """A pool of local worker processes (spawned: each loads exitwave once)."""

    name = "local processes"

    def __init__(self, workers: int) -> None:
        import multiprocessing

        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def run(self, specs: Iterable[RunSpec]) -> Iterator[RunOutcome]:
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        futures = [self.pool.submit(execute, replace(spec, threads=threads)) for spec in specs]
        for future in as_completed(futures):
            yield future.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """Dask distributed: a running scheduler (``tcp://host:8786``) or a LocalCluster."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int = 2) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        self.workers = len(self.client.scheduler_info().get("workers", {})) or workers
        self.name = f"dask ({scheduler or 'local cluster'})"

    def run(self, specs: Iterable[RunSpec]) -> Iterator[RunOutcome]:
        from distributed import as_completed as dask_completed

        threads = max(1, (os.cpu_count() or 1) // self.workers) if self.cluster is not None else None
        futures = [self.client.submit(execute, replace(spec, threads=threads), pure=False) for spec in specs]
        for future in dask_completed(futures):
            yield future.result()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(workers: int = 1, scheduler: str | None = None, dask: bool = False) -> Executor:
    """Local processes by default (in-process for one worker); Dask when asked."""
    if scheduler or dask:
        return DaskExecutor(scheduler, workers=max(1, workers))
    if workers > 1:
        return LocalProcesses(workers)
    return Executor()


def finished_runs(folder: Path) -> set[str]:
    """Names of complete run directories in ``folder`` (hidden temporary folders are not)."""
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / "summary.json").is_file()}


def check_or_write_manifest(path: Path, manifest: dict[str, Any], what: str) -> None:
    """Resume safety: the settings an experiment folder was made with, stored as ``path`` on the
    first run; a later run into the same folder with other settings is refused (it would mix runs
    made with different settings). ``what`` names the experiment in the message."""
    import json

    from exitwave.results import ensure_folder

    ensure_folder(path.parent)  # --out a file or a read-only folder: refused before any run
    if path.exists():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InputError(str(path), "", f"unreadable settings of {what} ({error}); use another --out") from None
        if previous != manifest:
            differing = sorted(k for k in set(manifest) | set(previous) if previous.get(k) != manifest.get(k))
            raise InputError(str(path), ", ".join(differing),
                             f"this folder holds {what} made with other settings; "
                             "use another --out or the same settings to resume")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, path)


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through ``write(temporary path)`` and an atomic rename: a reader (or a
    resumed experiment) sees the old file or the whole new one, never half of it."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(temp)
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def remove_stale_temporaries(folder: Path) -> int:
    """Remove temporary folders left by runs that were killed mid-write (not ours: other pids)."""
    import shutil

    removed = 0
    if folder.is_dir():
        for p in folder.iterdir():
            if p.name.startswith(".") and ".tmp-" in p.name:
                pid = p.name.rsplit(".tmp-", 1)[1]
                if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
                    continue
                shutil.rmtree(p, ignore_errors=True)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


ProgressHook = Callable[[RunOutcome], None]
