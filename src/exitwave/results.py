"""Results: daily series and a summary, in people; saved as a run directory, atomically.

A run directory holds ``scenario.yaml`` (the resolved scenario), ``series.parquet`` (one row per
day), ``summary.json`` and ``provenance.json``. It is written into a hidden temporary folder
beside its final place and renamed into place, so a failed or interrupted run leaves nothing
half-written.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from exitwave.errors import InputError, RunError
from exitwave.outputs import Output, OutputRegistry, registry
from exitwave.population import largest_remainder
from exitwave.recorder import Recorder
from exitwave.scenario.schema import Scenario
from exitwave.state import State
from exitwave.vocabulary import ABROAD_STATUSES, RECRUIT_STATUSES, Status

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Results", "Tally", "build_results", "child_path", "write_run"]


@dataclass
class Results:
    """What a run produced. Counts are people (agents × scale), rounded to whole people."""

    scenario: Scenario
    summary: dict[str, Any]
    series: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        from exitwave.outputs import format_value

        s = self.summary
        return (f"Results({s.get('scenario')}, seed {s.get('seed')}, {s.get('days')} days from {s.get('start')}, "
                f"1 agent = {s.get('scale', float('nan')):g} men: departed {format_value(s.get('departed'))}; "
                f".summary, .to_frame(), .to_xarray(), .plot(), .save())")

    def to_xarray(self) -> Any:
        """Daily series as an ``xarray.DataArray`` with dimensions ``day × output × run`` (one run)."""
        from exitwave.experiments.tidy import series_cube

        return series_cube({f"{self.summary.get('scenario')}/seed-{self.summary.get('seed')}": self.series})

    def to_frame(self) -> pd.DataFrame:
        """Daily series, one row per date; columns such as ``status.abroad``,
        ``queue_length.upper_lars``, ``crossed.upper_lars``, ``abroad.KZ`` (people)."""
        return self.series.copy()

    def plot(self, columns: list[str] | None = None, ax: Any = None) -> Any:
        """Plot daily series (matplotlib, imported only when plotting)."""
        import matplotlib.pyplot as plt

        frame = self.series
        columns = columns or ["departed", "status.mobilized", "status.hiding", "status.queued"]
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4.5))
        frame[columns].plot(ax=ax)
        ax.set_ylabel("people")
        ax.set_title(f"{self.scenario.name} (seed {self.scenario.seed}, 1 agent = {self.summary['scale']:.0f} men)")
        return ax

    def save(self, out_dir: str | Path = "runs", name: str | None = None) -> Path:
        """Write the run directory under ``out_dir`` atomically; returns its path."""
        return write_run(self, Path(out_dir), name)

    @classmethod
    def load(cls, run_dir: str | Path) -> Results:
        import pandas as pd

        run_dir = Path(run_dir)
        series = pd.read_parquet(run_dir / "series.parquet")
        series.index = pd.DatetimeIndex(series.index, freq="D", name="date").as_unit("s")
        scenario = Scenario.model_validate(yaml.safe_load((run_dir / "scenario.yaml").read_text()))
        return cls(scenario=scenario,
                   summary=json.loads((run_dir / "summary.json").read_text()),
                   series=series,
                   provenance=json.loads((run_dir / "provenance.json").read_text()))


def _people(agents: float, scale: float) -> int:
    return int(round(float(agents) * scale))


class Tally:
    """What a module needs to write its summary fields: the final state and the daily record,
    in people. Passed to each module's ``summarize(state, tally)``."""

    def __init__(self, state: State, recorder: Recorder) -> None:
        self.state, self.recorder, self.scale = state, recorder, state.pop.scale
        self.population = _people(state.n, self.scale)
        #: men per status on the last day, whole people summing to the population
        self.final = largest_remainder(self.population, state.status_counts.astype(np.float64))

    def people(self, agents: float) -> int:
        """Agents (or agent-days) as whole people (× men per agent)."""
        return _people(agents, self.scale)

    def counter(self, name: str) -> int:
        """A cumulative counter at the end of the run, in people."""
        return _people(self.state.counters.get(name, 0.0), self.scale)

    def counters(self, outputs: tuple[Output, ...]) -> dict[str, int]:
        """The summary fields of the counters among ``outputs`` (those with ``summary=True``)."""
        return {o.name: self.counter(o.name) for o in outputs if o.kind == "counter" and o.summary}


def build_results(state: State, recorder: Recorder, runtime: float, timings: dict[str, float],
                  source: str | None = None, modules: tuple[Any, ...] | list[Any] = (),
                  outputs: OutputRegistry | None = None) -> Results:
    """Series and summary of a finished run, in people; every field is checked against the
    output registry (an unregistered field is an error, not a silent extra)."""
    import pandas as pd

    sc, w, scale = state.scenario, state.world, state.pop.scale
    outputs = outputs or registry()
    dates = pd.date_range(sc.time.start, periods=state.n_days, freq="D", name="date").as_unit("s")
    columns: dict[str, np.ndarray] = {}
    for status in Status:
        columns[f"status.{status.name.lower()}"] = recorder.status[:, status] * scale
    crossed_daily = recorder.crossed.sum(axis=1) * scale
    columns["departed_daily"] = crossed_daily
    columns["departed"] = np.cumsum(crossed_daily)
    for i, name in enumerate(recorder.counter_names):
        columns[name] = recorder.counters[:, i] * scale
    columns["access"] = recorder.access
    if sc.front is not None:
        columns["mean_morale"] = recorder.morale
    for c, cid in enumerate(w.crossing_ids):
        columns[f"crossed.{cid}"] = recorder.crossed[:, c] * scale
        columns[f"queue_length.{cid}"] = recorder.queue[:, c] * scale
    for r, rid in enumerate(w.region_ids):
        columns[f"departed_from.{rid}"] = recorder.departed_from[:, r] * scale
    for k, iso in enumerate(w.country_ids):
        columns[f"abroad.{iso}"] = recorder.stock[:, k] * scale
        if recorder.screening[:, k].any():
            columns[f"screening_queue.{iso}"] = recorder.screening[:, k] * scale
    series = pd.DataFrame(columns, index=dates).round(3)

    tally = Tally(state, recorder)
    summary: dict[str, Any] = {
        "scenario": sc.name,
        "seed": sc.seed,
        "scale": scale,
        "start": sc.time.start.isoformat(),
        "days": state.n_days,
        "agents": state.n,
        "population": tally.population,
        "final_state_counts": {s.name.lower(): int(tally.final[s]) for s in Status},
    }
    for module in modules:
        summarize = getattr(module, "summarize", None)
        if summarize is not None:
            summary.update(summarize(state, tally))
    summary.update({
        "conservation_ok": not recorder.problems,
        "conservation_problems": recorder.problems[:10],
        "runtime_s": round(runtime, 3),
        "composition": _composition(state),
    })
    unregistered = outputs.unregistered([*summary, *series.columns])
    if unregistered:
        raise RunError(f"outputs not in the registry: {', '.join(unregistered[:5])} — declare them in the "
                       "module that produces them (docs/architecture.md, 'Outputs')")
    provenance = {
        "exitwave_version": exitwave_version(),
        "git_commit": git_commit(),
        "seed": sc.seed,
        "scenario_source": source,
        "world": str(w.folder),
        "modules": [m.name for m in modules],
        "host": platform.node(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "numba": _numba_version(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "duration_s": round(runtime, 3),
        "seconds": {k: round(v, 4) for k, v in timings.items()},
    }
    return Results(scenario=sc, summary=summary, series=series, provenance=provenance)


def _composition(state: State) -> dict[str, Any]:
    """Who left and who was taken, by means and home region (claim C11: the men who leave are
    not the men Russia recruits). Leavers: men abroad at the end; recruits: men the army took
    (mobilized or recruited), whatever became of them since.

    ``means_percentile``: mean percentile (0–100) of the men's ability to pay within the whole
    male population; ``by_region``: share of the group from each home region; ``regional_overlap``:
    1 − total variation distance between the two regional distributions (1 = same regions).
    """
    pop = state.pop
    # percentile of each man's means, from a fixed stride of the population (deterministic, cheap)
    reference = np.sort(pop.means[:: max(1, pop.n // 200_000)])
    # one pass over the status column (a lookup table; np.isin would scan it once per group)
    group_of = np.full(len(Status), -1, np.int8)
    group_of[list(ABROAD_STATUSES)] = 0
    group_of[list(RECRUIT_STATUSES)] = 1
    group = group_of[state.status]
    regions = state.world.region_ids
    out: dict[str, Any] = {}
    shares = {}
    for k, name in enumerate(("leavers", "recruits")):
        members = np.flatnonzero(group == k)
        men = members.size
        counts = np.bincount(pop.region[members].astype(np.int64), minlength=len(regions)).astype(np.float64)
        shares[name] = counts / max(men, 1)
        percentile = 100.0 * np.searchsorted(reference, pop.means[members]) / reference.size
        out[name] = {"people": _people(men, pop.scale),
                     "means_percentile": round(float(percentile.mean()), 2) if men else None,
                     "by_region": {regions[r]: round(float(shares[name][r]), 4)
                                   for r in np.argsort(-shares[name])[:10] if shares[name][r] > 0}}
    both = out["leavers"]["people"] > 0 and out["recruits"]["people"] > 0
    out["regional_overlap"] = round(1.0 - 0.5 * float(np.abs(shares["leavers"] - shares["recruits"]).sum()), 4) \
        if both else None
    out["means_gap"] = round(out["leavers"]["means_percentile"] - out["recruits"]["means_percentile"], 2) \
        if both else None
    return out


def exitwave_version() -> str:
    """The installed exitwave version (for provenance)."""
    from exitwave import __version__

    return __version__


def _numba_version() -> str:
    import numba

    return str(numba.__version__)


def git_commit() -> str | None:
    """The commit of the source tree exitwave runs from, or ``None`` outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def scenario_yaml(scenario: Scenario) -> str:
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_run(results: Results, out_dir: Path, name: str | None = None) -> Path:
    """Write a run directory atomically: a temporary folder renamed into place.

    Without ``name`` the folder is ``<scenario>-<UTC time>-s<seed>`` (with a suffix if taken).
    With ``name`` it is exactly that, and an existing run of that name is an error: experiments
    name runs by seed so that a resumed experiment never writes a run twice.
    """
    def fill(temp: Path) -> None:
        (temp / "scenario.yaml").write_text(scenario_yaml(results.scenario), encoding="utf-8")
        results.series.to_parquet(temp / "series.parquet")
        (temp / "summary.json").write_text(json.dumps(results.summary, indent=2) + "\n", encoding="utf-8")
        (temp / "provenance.json").write_text(json.dumps(results.provenance, indent=2) + "\n", encoding="utf-8")

    if name is None:
        name = fresh_name(out_dir, f"{results.scenario.name}-{utc_stamp()}-s{results.scenario.seed}")
    return write_folder(out_dir, fill, name)


def utc_stamp() -> str:
    """The current UTC time as it appears in folder names (``20261125T214141``)."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")


def child_path(out_dir: Path, name: str) -> Path:
    """``out_dir/name``, checked to be a folder directly inside ``out_dir``: ``name`` is one plain
    path component (not ``.``, ``..``, hidden, absolute, with a separator or a control character),
    so nothing derived from a scenario's name is ever written outside ``out_dir``.

    The scenario schema already refuses such names; this is the writer's own guard.
    """
    plain = (bool(name) and not name.startswith(".") and "/" not in name and os.sep not in name
             and not (os.altsep and os.altsep in name) and name.isprintable() and len(name) <= 255)
    final = out_dir / name
    if not plain or final.resolve().parent != out_dir.resolve():
        raise InputError(str(out_dir), "name", f"expected a folder name inside {out_dir} (one plain path "
                                               f"component, not hidden), got {name[:80]!r}")
    return final


def fresh_name(out_dir: Path, base: str) -> str:
    """``base``, or ``base-2``, ``base-3`` … : the first name not yet taken in ``out_dir``."""
    child_path(out_dir, base)
    name, suffix = base, 1
    while (out_dir / name).exists():
        suffix += 1
        name = f"{base}-{suffix}"
    return name


def write_folder(out_dir: Path, fill: Callable[[Path], None], name: str) -> Path:
    """Create ``out_dir/name`` atomically: ``fill`` writes its files into a hidden temporary
    folder, which is renamed into place only when ``fill`` returns (and removed if it raises).
    An existing folder of that name is an error."""
    final = child_path(out_dir, name)
    created = ensure_folder(out_dir)
    if final.exists():
        raise FileExistsError(f"{final} already exists")
    temp = out_dir / f".{final.name}.tmp-{os.getpid()}"
    try:
        try:
            temp.mkdir()
        except OSError as error:
            raise InputError(str(out_dir), "--out", f"expected a folder this user can write in "
                                                    f"({error.strerror})") from None
        try:
            fill(temp)
            os.replace(temp, final)
        except OSError as error:
            # a full disk (ENOSPC) or a file size limit (EFBIG) while writing: the run itself
            # was fine, its folder cannot be written; nothing half-written is left behind
            raise RunError(f"could not write {final} ({error.strerror or error}); nothing was written "
                           f"there") from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        remove_empty_folders(created)  # a failed write leaves no trace, not even an empty --out
        raise
    return final


def missing_folders(out_dir: Path) -> list[Path]:
    """``out_dir`` and those of its parents that do not exist yet, outermost first."""
    missing = []
    folder = out_dir
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing[::-1]


def check_folder(out_dir: Path) -> None:
    """Refuse, as :func:`ensure_folder` would, an ``out_dir`` that is a file or that this user
    cannot create or write in, but create nothing: a command that checks its ``--out`` before its
    work and fails leaves no empty folder behind (:class:`InputError` naming ``out_dir``)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(str(out_dir), "--out", "expected a folder, got a file")
    missing = missing_folders(out_dir)
    if not missing:
        if not os.access(out_dir, os.W_OK | os.X_OK):
            raise InputError(str(out_dir), "--out", "expected a folder this user can write in (permission denied)")
        return
    existing = missing[0].parent
    if not existing.is_dir():  # a file (or a broken link) where a parent folder should be
        raise InputError(str(out_dir), "--out", f"expected a folder that can be created "
                                                f"({os.strerror(errno.ENOTDIR)})")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(str(out_dir), "--out", f"expected a folder that can be created "
                                                f"({os.strerror(errno.EACCES)})")


def ensure_folder(out_dir: Path) -> list[Path]:
    """Create ``out_dir`` (and its parents) for output, or raise :class:`InputError` naming it
    (a file of that name, a read-only parent). Returns the folders it created, outermost first
    (for :func:`remove_empty_folders` when what was to go in them fails)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(str(out_dir), "--out", "expected a folder, got a file")
    missing = missing_folders(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        remove_empty_folders(missing)
        raise InputError(str(out_dir), "--out", f"expected a folder that can be created "
                                                f"({error.strerror or error})") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        remove_empty_folders(missing)
        raise InputError(str(out_dir), "--out", "expected a folder this user can write in (permission denied)")
    return missing


def remove_empty_folders(created: list[Path]) -> None:
    """Remove the folders ``created`` (outermost first) that are still empty, innermost first;
    one that holds anything (another process's run) is kept, and so are its parents."""
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return


SUMMARY_KEYS: dict[str, type | tuple[type, ...]] = {"scenario": str, "seed": int, "scale": (int, float),
                                                    "start": str, "days": int}
"""Fields every ``summary.json`` has, with their JSON types (what readers rely on)."""


def read_summary(path: Path) -> dict[str, Any]:
    """Read a run's ``summary.json``; a missing, unreadable, malformed or foreign file is an
    :class:`InputError` naming it (a report, a diff or a resumed experiment never shows a
    traceback for it)."""
    expected = "the summary.json of a run written by `exitwave run` (delete the run folder to redo it)"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "", f"file not found; expected {expected}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(str(path), "", f"cannot read file ({getattr(error, 'strerror', None) or error}); "
                                        f"expected {expected}") from None
    try:
        summary = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as error:
        where = f"line {error.lineno}, column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        raise InputError(str(path), where, f"malformed JSON; expected {expected}") from None
    if not isinstance(summary, dict):
        raise InputError(str(path), "", f"expected a JSON object, got {type(summary).__name__}; expected {expected}")
    for key, kind in SUMMARY_KEYS.items():
        if key not in summary:
            raise InputError(str(path), key, f"required field is missing; expected {expected}")
        if isinstance(summary[key], bool) or not isinstance(summary[key], kind):
            raise InputError(str(path), key, f"expected {getattr(kind, '__name__', 'a number')}, got "
                                             f"{type(summary[key]).__name__}; expected {expected}")
    return summary
