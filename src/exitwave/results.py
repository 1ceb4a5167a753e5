"""Results: daily series and a summary, in people; saved as a run directory, atomically.

A run directory holds ``scenario.yaml`` (the resolved scenario), ``series.parquet`` (one row per
day), ``summary.json`` and ``provenance.json``. It is written into a hidden temporary folder
beside its final place and renamed into place, so a failed or interrupted run leaves nothing
half-written.
"""

from __future__ import annotations

import datetime as dt
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

from exitwave.population import largest_remainder
from exitwave.recorder import COUNTERS, Recorder
from exitwave.scenario.schema import Scenario
from exitwave.state import ABROAD_STATUSES, State, Status

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Results", "build_results", "write_run"]


@dataclass
class Results:
    """What a run produced. Counts are people (agents × scale), rounded to whole people."""

    scenario: Scenario
    summary: dict[str, Any]
    series: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)

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


def build_results(state: State, recorder: Recorder, runtime: float, timings: dict[str, float],
                  source: str | None = None) -> Results:
    import pandas as pd

    sc, w, scale = state.scenario, state.world, state.pop.scale
    dates = pd.date_range(sc.time.start, periods=state.n_days, freq="D", name="date").as_unit("s")
    columns: dict[str, np.ndarray] = {}
    for status in Status:
        columns[f"status.{status.name.lower()}"] = recorder.status[:, status] * scale
    crossed_daily = recorder.crossed.sum(axis=1) * scale
    columns["departed_daily"] = crossed_daily
    columns["departed"] = np.cumsum(crossed_daily)
    for i, name in enumerate(COUNTERS):
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

    population = _people(state.n, scale)
    final_counts = largest_remainder(population, state.status_counts.astype(np.float64))
    crossed_total = state.crossed.sum()
    departed = _people(crossed_total, scale)
    by_crossing_people = largest_remainder(departed, state.crossed) if crossed_total else np.zeros(w.n_crossings, np.int64)
    quota = sum(wave.quota for wave in sc.mobilization.waves)
    counters = {name: _people(state.counters.get(name, 0.0), scale) for name in COUNTERS}
    # everyone who was ever mobilized: reported, found in hiding or detained at the border
    mobilized = counters["reported"] + counters["found_in_hiding"] + counters["detained_at_border"]
    road = np.isin(w.crossing_mode, [0])
    summary: dict[str, Any] = {
        "scenario": sc.name,
        "seed": sc.seed,
        "scale": scale,
        "start": sc.time.start.isoformat(),
        "days": state.n_days,
        "agents": state.n,
        "population": population,
        "final_state_counts": {s.name.lower(): int(final_counts[s]) for s in Status},
        "departed": departed,
        "by_destination": {iso: _people(state.stock[k], scale) for k, iso in enumerate(w.country_ids)
                           if state.stock[k] > 0},
        "by_crossing": {cid: int(by_crossing_people[c]) for c, cid in enumerate(w.crossing_ids)
                        if state.crossed[c] > 0},
        "by_region": {rid: _people(state.departed_by_region[r], scale) for r, rid in enumerate(w.region_ids)
                      if state.departed_by_region[r] > 0},
        "peak_queue": {cid: _people(recorder.queue[:, c].max(), scale) for c, cid in enumerate(w.crossing_ids)
                       if recorder.queue[:, c].max() > 0},
        "peak_queue_vehicles": {cid: int(round(recorder.queue[:, c].max() * scale / sc.behaviour.people_per_vehicle))
                                for c, cid in enumerate(w.crossing_ids)
                                if road[c] and recorder.queue[:, c].max() > 0},
        "mobilized": mobilized,
        "mobilization_quota": quota,
        "mobilization_shortfall": max(0, quota - mobilized),
        "hiding": int(final_counts[Status.HIDING]),
        "returned": counters["returned"],
        "detained_at_border": counters["detained_at_border"],
        "summonses": counters["summonses"],
        "gave_up": counters["gave_up"],
        "turned_back": counters["turned_back_entry"] + counters["turned_back_exit_closed"],
        "asylum_applications": counters["asylum_applications"],
        "protected": int(final_counts[Status.PROTECTED]),
        "relocated": {iso: _people(state.relocated[k], scale) for k, iso in enumerate(w.country_ids)
                      if state.relocated[k] > 0},
        "hostile_admitted": counters["hostile_admitted"],
        "hostile_detected": counters["hostile_detected"],
        "conservation_ok": not recorder.problems,
        "conservation_problems": recorder.problems[:10],
        "runtime_s": round(runtime, 3),
    }
    summary["composition"] = _composition(state)
    if sc.front is not None:
        summary.update(_front_summary(state, recorder, counters, final_counts))
    provenance = {
        "exitwave_version": exitwave_version(),
        "git_commit": git_commit(),
        "seed": sc.seed,
        "scenario_source": source,
        "world": str(w.folder),
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


# Men who ended the run abroad, and men the army took (mobilized or recruited, whatever became
# of them since). Claim C11 (critics): the men who leave are not the men Russia recruits.
_RECRUIT_STATUSES = (Status.MOBILIZED, Status.SOLDIER, Status.WOUNDED, Status.KILLED, Status.DESERTED,
                     Status.SURRENDERED, Status.DISCHARGED)


def _composition(state: State) -> dict[str, Any]:
    """Who left and who was taken, by means and home region (claim C11).

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
    group_of[list(_RECRUIT_STATUSES)] = 1
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


def _front_summary(state: State, recorder: Recorder, counters: dict[str, int],
                   final_counts: np.ndarray) -> dict[str, Any]:
    sc = state.scenario
    assert sc.front is not None
    soldiers = recorder.status[:, Status.SOLDIER] * state.pop.scale
    months = state.n_days / (365.25 / 12)
    mean_strength = float(soldiers.mean()) if soldiers.size else 0.0
    end = state.war_end_day
    morale = recorder.morale[~np.isnan(recorder.morale)]
    return {
        "force_strength": int(final_counts[Status.SOLDIER]),
        "mobilized_in_training": int(final_counts[Status.MOBILIZED]),
        "killed": counters["killed"],
        "wounded": counters["wounded"],
        "wounded_in_care": int(final_counts[Status.WOUNDED]),
        "soldier_days_lost_to_care": counters["soldier_days_lost_to_care"],
        "deserted": counters["deserted"],
        "surrendered": counters["surrendered"],
        "recruited": counters["recruited"],
        "hotline_contacts": counters["hotline_contacts"],
        "hotline_surrenders": counters["hotline_surrenders"],
        "desertion_share_per_month": round(counters["deserted"] / max(mean_strength, 1.0) / months, 6),
        "mean_morale": round(float(morale[-1]), 4) if morale.size else None,
        "war_end_day": end,
        "war_end_date": (sc.time.start + dt.timedelta(days=end)).isoformat() if end is not None else None,
        "war_end_rule": sc.front.war_end.rule,
        "war_end_thresholds": state.war_end_thresholds,
    }


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


def fresh_name(out_dir: Path, base: str) -> str:
    """``base``, or ``base-2``, ``base-3`` … : the first name not yet taken in ``out_dir``."""
    name, suffix = base, 1
    while (out_dir / name).exists():
        suffix += 1
        name = f"{base}-{suffix}"
    return name


def write_folder(out_dir: Path, fill: Callable[[Path], None], name: str) -> Path:
    """Create ``out_dir/name`` atomically: ``fill`` writes its files into a hidden temporary
    folder, which is renamed into place only when ``fill`` returns (and removed if it raises).
    An existing folder of that name is an error."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / name
    if final.exists():
        raise FileExistsError(f"{final} already exists")
    temp = out_dir / f".{final.name}.tmp-{os.getpid()}"
    try:
        temp.mkdir()
        fill(temp)
        os.replace(temp, final)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return final
