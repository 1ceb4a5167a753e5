"""Calibration on a world's window (Russia: 21 Sep – 2 Oct 2022): ABC-SMC (pyabc) gives a posterior, not a point.

The model is run from the scenario's start to the end of the calibration window at a modest scale;
its values for the targets (``targets.py``) are compared with the observations on a log scale,
each residual divided by the target's uncertainty; the distance is the root mean square of those.
ABC-SMC (Del Moral et al.; pyabc) shrinks the tolerance over generations. Priors are uniform over
the parameters' registry ranges. Every model evaluation draws its seed from pyabc's seeded random
state, so calibrating twice with the same seed gives the same posterior (single-core sampler; with
``workers`` > 1 or a Dask scheduler, runs go through pyabc's Dask sampler and the order of
evaluations — hence the posterior's exact particles — may differ).

``optuna`` (if installed) gives a fast point estimate instead; its result has no posterior.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.calibration.targets import (
    CALIBRATION_END,
    CALIBRATION_START,
    Target,
    calibration_window,
    load_targets,
    model_values,
    targets_file,
)
from exitwave.errors import InputError
from exitwave.registry import parameters

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Calibration", "calibrate", "DEFAULT_PARAMETERS", "simulate_targets", "distance",
           "effective_sample_size", "LOW_ESS", "KERNEL_SCALE"]

DEFAULT_PARAMETERS = (
    "behaviour.threat_weight",
    "behaviour.regional_threat_share",
    "behaviour.route_distance_exponent",
    "behaviour.cost_weight",
    "behaviour.no_passport_cost",
    "behaviour.route_capacity_exponent",
    "behaviour.callup_news_half_life_days",
    "behaviour.patience_days",
    "behaviour.people_per_vehicle",
    "behaviour.visa_holder_odds",
    "behaviour.land_capacity_factor",
    "behaviour.switch_probability",
    "behaviour.retry_resistance",
    "behaviour.transit_share",
    "behaviour.onward_rate",
)
_PER_DAY = {p.name for p in parameters() if p.unit == "per day"}


def _override(name: str, value: float) -> Any:
    return f"{float(value)!r} per day" if name in _PER_DAY else float(value)


def simulate_targets(scenario: str, values: dict[str, float], targets: list[Target], seed: int,
                     scale: float, end: dt.date = CALIBRATION_END) -> np.ndarray:
    """Run the scenario to the end of the window (``end``) with ``values`` and return its target values."""
    from exitwave.engine import Simulation
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    sc = load_scenario(scenario, overrides={k: _override(k, v) for k, v in values.items()})
    days = (end - sc.time.start).days + 1
    sim = Simulation(sc, seed=seed, scale=scale, days=days, source=resolve_scenario_path(scenario))
    results = sim.run()
    return model_values(targets, results.series, sim.world, sim.scenario.behaviour.people_per_vehicle)


def distance(simulated: np.ndarray, targets: list[Target]) -> float:
    """Root mean square of log-scale residuals over their uncertainties.

    A simulated count below zero (an ``exits`` target is entries minus the change of the stock,
    which men arriving onward from a third country can make negative at coarse scales) counts
    as zero: it would otherwise make the distance NaN, and pyABC rejects a NaN distance always,
    which would bias the posterior against draws with onward arrivals."""
    observed = np.array([t.observed for t in targets])
    sd = np.array([t.sd for t in targets])
    z = (np.log1p(np.maximum(simulated, 0.0)) - np.log1p(observed)) / sd
    return float(np.sqrt(np.mean(z**2)))



LOW_ESS = 10.0
"""Below this effective sample size a posterior's parameter draws barely vary: intervals drawn
from it leave out most of the calibrated parameters' uncertainty."""


KERNEL_SCALE = 2.0
"""How much wider than pyABC's default the ABC-SMC perturbation kernel is (a factor on its
covariance). With 15 parameters and uniform priors the default kernel (Silverman's rule) leaves
gaps between the particles; a particle accepted in a gap gets an importance weight prior/proposal
many times the others', and the weights collapse onto a few particles. Measured on russia-2022
(150 particles, 1 agent = 2,000 men, seed 1): the effective sample size after the first
perturbation was 11 of 150 with the default kernel (1.3 with pyABC's local kernel) and 54 of 150
with the covariance doubled; docs/calibration.md has the figures."""


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of weighted particles, (Σw)² / Σw²: the number of equally
    weighted particles that would carry as much information (1 when one particle holds all the
    weight, the number of particles when all weigh the same)."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w ** 2).sum()) if w.size and (w ** 2).sum() > 0 else 0.0

@dataclass
class Calibration:
    scenario: str
    names: list[str]
    bounds: dict[str, tuple[float, float]]
    posterior: pd.DataFrame  # particles, one column per parameter, plus "weight"
    targets: list[Target]
    history: list[dict[str, Any]] = field(default_factory=list)  # per generation
    seconds: float = 0.0
    method: str = "abc-smc"
    seed: int = 1
    scale: float = 500.0
    window: tuple[dt.date, dt.date] = (CALIBRATION_START, CALIBRATION_END)  # the world's window

    def median(self) -> dict[str, float]:
        """Weighted posterior median of each parameter."""
        w = self.posterior["weight"].to_numpy()
        out = {}
        for name in self.names:
            x = self.posterior[name].to_numpy()
            order = np.argsort(x)
            cdf = np.cumsum(w[order]) / w.sum()
            out[name] = float(x[order][np.searchsorted(cdf, 0.5)])
        return out

    def identifiability(self) -> dict[str, dict[str, float | str]]:
        """Posterior sd over prior sd per parameter; below 0.5 the data constrain it."""
        w = self.posterior["weight"].to_numpy() / self.posterior["weight"].sum()
        out: dict[str, dict[str, float | str]] = {}
        for name in self.names:
            lo, hi = self.bounds[name]
            x = self.posterior[name].to_numpy()
            mean = float((w * x).sum())
            sd = float(math.sqrt(max((w * (x - mean) ** 2).sum(), 0.0)))
            ratio = sd / ((hi - lo) / math.sqrt(12))
            out[name] = {"posterior_sd": sd, "prior_sd": (hi - lo) / math.sqrt(12), "ratio": ratio,
                         "verdict": f"constrained by the {self.window[1].year} data" if ratio < 0.5 else "remains an assumption"}
        return out

    def draw(self, k: int, seed: int) -> list[dict[str, float]]:
        """``k`` parameter sets resampled from the posterior by weight."""
        rng = np.random.default_rng(seed)
        w = self.posterior["weight"].to_numpy()
        rows = rng.choice(len(w), size=k, p=w / w.sum())
        return [{n: float(self.posterior[n].iloc[r]) for n in self.names} for r in rows]


def calibrate(scenario: str, *, method: str = "abc-smc", budget: int = 400, population: int = 40,
              kernel_scale: float = KERNEL_SCALE,
              names: list[str] | tuple[str, ...] = DEFAULT_PARAMETERS, seed: int = 1,
              scale: float = 1000.0, targets_path: Path | None = None, workers: int = 1,
              scheduler: str | None = None, observed: np.ndarray | None = None,
              log: Any = None, db: Path | None = None,
              progress: Callable[[dict[str, Any]], None] | None = None) -> Calibration:
    """Fit ``names`` to the window's targets; ``observed`` replaces the data (for recovery tests).

    ``kernel_scale``: the perturbation kernel's covariance is this many times pyABC's (Silverman's
    rule on the weighted particles); see ``KERNEL_SCALE``.

    ``db``: pyabc's database (SQLite), kept. Every finished generation is in it, so a calibration
    stopped by Ctrl-C resumes from its last finished generation when called again with the same
    ``db`` and settings (a database of other settings is refused); a finished one is read back.
    On one core each generation's random numbers are seeded from ``(seed, generation)``, so a
    resumed calibration gives the same posterior as an uninterrupted one. ``progress`` is told
    ``{"generation", "evaluations", "accepted", "population", "epsilon", "simulations"}`` after
    every simulation (ABC-SMC on one core).
    """
    from exitwave.engine import check_runs
    from exitwave.scenario.load import load_scenario, resolve_scenario_path
    from exitwave.world import load_world

    sc = load_scenario(scenario)
    source = resolve_scenario_path(scenario)
    world = load_world(sc.world, relative_to=source.parent)
    window = calibration_window(world)  # the world's window (Russia 2022 when it names none)
    days = (window[1] - sc.time.start).days + 1
    if days < 1:
        raise InputError(str(source), "time.start", f"expected a start on or before the end of the "
                                                    f"calibration window ({window[1]}); got {sc.time.start}")
    check_runs(sc, seeds=[seed], scale=scale, days=days, source=source)  # bad options fail before any run
    if population < 1:
        raise InputError("--population", "", f"expected at least 1 particle; got {population}")
    if not (math.isfinite(kernel_scale) and kernel_scale > 0):
        raise InputError("--kernel-scale", "", f"expected a positive number; got {kernel_scale}")
    least = population if method == "abc-smc" else 1  # ABC-SMC's first generation runs them all
    if budget < least:
        raise InputError("--budget", "", f"expected at least {least} simulations"
                         + (f" (--population: the first generation runs {population})" if least > 1 else "")
                         + f"; got {budget}")
    targets = load_targets(targets_path or targets_file(world), world)
    if observed is not None:
        targets = [Target(t.target_id, t.quantity, t.unit, t.date_from, t.date_to, t.statistic,
                          float(v), t.baseline_per_day, t.reliability, t.note) for t, v in zip(targets, observed, strict=True)]
    registry = {p.name: p for p in parameters()}
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise InputError("--param", unknown[0], "expected a parameter of the registry (docs/parameters.md)")
    bounds = {n: (registry[n].low, registry[n].high) for n in names}
    started = time.perf_counter()
    if method == "optuna":
        return _optuna(scenario, list(names), bounds, targets, budget, seed, scale, started, window)
    if method != "abc-smc":
        raise InputError("--method", "method", f"expected abc-smc or optuna, got {method!r}")

    import logging

    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("ABC.History").setLevel(logging.WARNING)
    logging.getLogger("Sampler").setLevel(logging.WARNING)
    obs = {"y": np.array([t.observed for t in targets])}

    def model(p: dict[str, float]) -> dict[str, np.ndarray]:
        # pyabc draws from numpy's global random state, seeded below: so does the model's seed
        run_seed = int(np.random.randint(1, 2**31 - 1))  # noqa: NPY002
        values = {n: float(p[n]) for n in names}
        return {"y": simulate_targets(scenario, values, targets, run_seed, scale, window[1])}

    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", lo, hi - lo) for n, (lo, hi) in bounds.items()})
    client = None
    if scheduler or workers > 1:
        # Dask, also on one machine: pyabc's own multicore sampler forks, and forking a process
        # whose numba thread pool has run corrupts memory. Dask's workers are spawned.
        from distributed import Client, LocalCluster

        client = Client(scheduler) if scheduler else Client(LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None))
        sampler: Any = pyabc.sampler.DaskDistributedSampler(dask_client=client)
    else:
        sampler = _GenerationSeeded(seed, progress, population)
    np.random.seed(seed)  # noqa: NPY002 - pyabc samples from the legacy global state
    abc = pyabc.ABCSMC(model, prior, lambda x, y: distance(x["y"], targets), population_size=population,
                       transitions=pyabc.MultivariateNormalTransition(scaling=kernel_scale), sampler=sampler)
    folder = tempfile.mkdtemp(prefix="exitwave-abc-")
    manifest = {"scenario": str(scenario), "parameters": list(names), "seed": seed, "scale": scale,
                "population": population, "kernel_scale": kernel_scale, "budget": budget,
                "observed": [float(v) for v in obs["y"]],
                "sampler": "dask" if client is not None else "single-core"}
    try:
        history = _run_or_resume(abc, db if db is not None else Path(folder) / "abc.db", obs, manifest, budget)
        frame, weights = history.get_distribution()
        frame = frame[list(names)].copy()
        frame["weight"] = weights
        populations = history.get_all_populations()
        generations = [{"t": int(r.t), "epsilon": float(r.epsilon), "samples": int(r.samples),
                        "acceptance_rate": float(population / r.samples) if r.samples else float("nan"),
                        # where the importance weights collapse, generation by generation
                        "ess": effective_sample_size(np.asarray(history.get_distribution(t=int(r.t))[1]))}
                       for r in populations.itertuples() if r.t >= 0]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if client is not None:
            client.close()
    return Calibration(scenario=scenario, names=list(names), bounds=bounds, posterior=frame.reset_index(drop=True),
                       targets=targets, history=generations, seconds=time.perf_counter() - started,
                       method=method, seed=seed, scale=scale, window=window)


MAX_GENERATIONS = 30



class _GenerationSeeded:  # a pyabc SingleCoreSampler, built lazily (pyabc is imported late)
    def __new__(cls, seed: int, progress: Callable[[dict[str, Any]], None] | None, population: int) -> Any:
        import pyabc

        class Sampler(pyabc.sampler.SingleCoreSampler):
            """pyabc's single-core sampler, reseeded at the start of every generation from
            ``(seed, generation)``: a generation's draws do not depend on whether the process ran
            the generations before it or read them back from the database (resume). It reports
            every evaluation and acceptance to ``progress``."""

            def sample_until_n_accepted(self, n: int, simulate_one: Any, t: int, **kwargs: Any) -> Any:
                np.random.seed(generation_seed(seed, t))  # noqa: NPY002 - pyabc's global state
                counts = {"generation": t, "evaluations": 0, "accepted": 0, "population": n}

                def counted() -> Any:
                    particle = simulate_one()
                    counts["evaluations"] += 1
                    counts["accepted"] += int(bool(getattr(particle, "accepted", False)))
                    if progress is not None:
                        progress(dict(counts))
                    return particle

                return super().sample_until_n_accepted(n, counted, t, **kwargs)

        return Sampler()


def generation_seed(seed: int, generation: int) -> int:
    """The seed of one ABC-SMC generation (``generation`` −1: pyabc's calibration sample)."""
    return int(np.random.SeedSequence([seed, generation + 1]).generate_state(1)[0])


def _run_or_resume(abc: Any, db: Path, obs: dict[str, Any], manifest: dict[str, Any], budget: int) -> Any:
    """Run ABC-SMC into ``db``, or continue the run already there (same settings), or read a
    finished one back. ``<db>.json`` records the settings and whether the run finished."""
    db = Path(db)
    record = db.with_name(db.name + ".json")
    url = f"sqlite:///{db}"
    if db.is_file() and record.is_file():
        stored = json.loads(record.read_text())
        if stored.get("settings") != json.loads(json.dumps(manifest)):
            raise InputError(str(db), "settings", "this database belongs to another calibration; use another "
                                                  "--out or delete it to start again")
        history = abc.load(url, 1, obs)
        if stored.get("finished"):
            return history
        t0 = history.max_t + 1
    else:
        if db.exists():
            db.unlink()  # a database without its settings record: never trusted, started again
        db.parent.mkdir(parents=True, exist_ok=True)
        _write_json(record, {"settings": manifest, "finished": False})
        abc.new(url, obs)
        t0 = 0
    history = abc.run(max_total_nr_simulations=budget, max_nr_populations=max(1, MAX_GENERATIONS - t0),
                      min_acceptance_rate=0.02)
    _write_json(record, {"settings": manifest, "finished": True})
    return history


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(temp, path)


def _optuna(scenario: str, names: list[str], bounds: dict[str, tuple[float, float]], targets: list[Target],
            budget: int, seed: int, scale: float, started: float,
            window: tuple[dt.date, dt.date] = (CALIBRATION_START, CALIBRATION_END)) -> Calibration:
    try:
        import optuna
    except ImportError as err:
        raise InputError("--method", "optuna", "optuna is not installed (pip install optuna)") from err
    import pandas as pd

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: Any) -> float:
        values = {n: trial.suggest_float(n, *bounds[n]) for n in names}
        return distance(simulate_targets(scenario, values, targets, seed, scale, window[1]), targets)

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=budget)
    best = pd.DataFrame([study.best_params])
    best["weight"] = 1.0
    return Calibration(scenario=scenario, names=names, bounds=bounds, posterior=best, targets=targets,
                       history=[{"t": 0, "epsilon": float(study.best_value), "samples": budget}],
                       seconds=time.perf_counter() - started, method="optuna", seed=seed, scale=scale,
                       window=window)


def write_atomically(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write files into ``folder`` via a temporary sibling folder renamed into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    temp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    if temp.exists():
        shutil.rmtree(temp)
    temp.mkdir()
    try:
        for name, content in files.items():
            path = temp / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(temp, folder)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return folder


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, default=lambda o: o.isoformat() if isinstance(o, dt.date) else str(o)) + "\n"
