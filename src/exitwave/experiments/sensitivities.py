"""Global sensitivity analysis with SALib: which assumption carries a conclusion.

Parameters vary over their ranges in the registry (``docs/parameters.md``) — by default every
continuous behaviour and front parameter whose range is not a single point — or over a user list.
For each headline output the table gives, for ``sobol``, first-order and total indices with 95 %
confidence intervals (Saltelli sampling, ``N·(D+2)`` runs); for ``morris``, the elementary
effects' μ* (with its confidence interval) and σ (``r·(D+1)`` runs). Every run uses the same seed
(common random numbers), so the indices measure the parameters, not noise.

With ``versus`` (a baseline scenario) every design point is run twice — the scenario and the
baseline, with the same parameter values and the same seed — and the indices are those of the
*paired difference* (scenario − baseline): which assumptions decide the size of a policy's
effect, rather than the level of an output. The claims audit of the report uses these.

Sampling and analysis are plain functions of a matrix of outputs, so the same code path is tested
on the Ishigami function, whose indices are known analytically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.errors import InputError, all_problems
from exitwave.outputs import outcome_value
from exitwave.registry import parameters

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sensitivity", "sensitivity", "default_parameters", "sample", "analyze", "runs_needed", "OUTPUTS", "read_table"]

OUTPUTS = ("departed", "mobilization_shortfall", "protected", "returned", "force_strength",
           "killed", "deserted", "surrendered", "war_end_day", "mean_morale", "hostile_admitted")
_INTEGER_OR_FIXED = {"population.age_min", "population.age_max", "population.contacts_per_person",
                     "mobilization.waves[].summons_days", "mobilization.waves[].age_max",
                     "front.initial_strength", "front.unit_size", "front.training_days",
                     "front.recruit_training_days", "front.recruit_age_max", "front.deserter_asylum",
                     "front.credibility_reference",
                     # ranges of per-run draws: they come in low/high pairs that must stay ordered
                     "front.war_end.loss_threshold_low", "front.war_end.loss_threshold_high",
                     "front.war_end.morale_threshold_low", "front.war_end.morale_threshold_high"}
_RATES_PER_DAY = {p.name for p in parameters() if p.unit == "per day"}


def default_parameters() -> list[str]:
    """Continuous behaviour, mobilization and front parameters with a real range."""
    return [p.name for p in parameters()
            if p.low < p.high and p.name not in _INTEGER_OR_FIXED and "[]" not in p.name
            and p.name.split(".")[0] in ("behaviour", "front", "mobilization")]


def problem_for(names: list[str]) -> dict[str, Any]:
    registry = {p.name: p for p in parameters()}
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise InputError("--param", unknown[0], "expected a parameter of the registry "
                         "(see docs/parameters.md)")
    return {"num_vars": len(names), "names": list(names),
            "bounds": [[registry[n].low, registry[n].high] for n in names]}


def sample(method: str, problem: dict[str, Any], n: int, seed: int = 1) -> np.ndarray:
    """Parameter matrix (runs × parameters) for ``sobol`` or ``morris``."""
    if method == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(problem, n, calc_second_order=False, seed=seed))
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, n, num_levels=4, seed=seed))
    raise InputError("--method", "method", f"expected sobol or morris, got {method!r}")


def analyze(method: str, problem: dict[str, Any], x: np.ndarray, y: np.ndarray,
            seed: int = 1) -> dict[str, np.ndarray]:
    """Indices for one output vector ``y`` (one value per row of ``x``)."""
    if method == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        return {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]}
    from SALib.analyze import morris

    res = morris.analyze(problem, x, y, num_levels=4, seed=seed)
    return {"mu_star": np.asarray(res["mu_star"]), "mu_star_conf": np.asarray(res["mu_star_conf"]),
            "sigma": np.asarray(res["sigma"])}


def _override_value(name: str, value: float) -> Any:
    if name in _RATES_PER_DAY:
        return f"{float(value)!r} per day"
    return float(value)


@dataclass
class Sensitivity:
    method: str
    problem: dict[str, Any]
    x: np.ndarray
    outputs: dict[str, np.ndarray]  # output name -> values per run (NaN for failed runs)
    indices: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    failures: int = 0
    scenario: str = ""
    versus: str | None = None  # baseline: outputs are paired differences scenario − versus

    def to_frame(self) -> pd.DataFrame:
        """One row per (output, parameter), sorted by importance within each output."""
        import pandas as pd

        rows = []
        key = "ST" if self.method == "sobol" else "mu_star"
        for output, idx in self.indices.items():
            for j, name in enumerate(self.problem["names"]):
                rows.append({"output": output, "parameter": name,
                             **{k: float(v[j]) for k, v in idx.items()}})
        frame = pd.DataFrame(rows)
        if frame.empty:
            return frame
        frame["rank"] = frame.groupby("output")[key].rank(ascending=False, method="first").astype(int)
        return frame.sort_values(["output", "rank"]).set_index(["output", "parameter"])

    def save(self, path: str | Path, meta: dict[str, Any]) -> Path:
        """Write the indices as ``path`` (CSV: scenario, versus, output, parameter, indices, rank)
        and ``meta`` (command, budget, date …) as the JSON beside it, each atomically. This is the
        file format that ``exitwave report --sensitivity`` reads (:func:`read_table`)."""
        import json
        import os

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        table = self.to_frame().reset_index()
        table.insert(0, "versus", self.versus or "")
        table.insert(0, "scenario", self.scenario)
        for target, write in ((path, lambda t: table.to_csv(t, index=False)),
                              (path.with_suffix(".json"), lambda t: t.write_text(json.dumps(meta, indent=2) + "\n"))):
            temp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            write(temp)
            os.replace(temp, target)
        return path

    def leading(self, output: str, k: int = 3) -> list[str]:
        """The ``k`` parameters that carry most of ``output``'s variation."""
        frame = self.to_frame()
        if output not in frame.index.get_level_values(0):
            return []
        return list(frame.loc[output].index[:k])

    def plot(self, output: str, ax: Any = None, k: int = 10) -> Any:
        import matplotlib.pyplot as plt

        frame = self.to_frame().loc[output].head(k)[::-1]
        key = "ST" if self.method == "sobol" else "mu_star"
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.4 * len(frame) + 1))
        ax.barh(frame.index, frame[key], xerr=frame[f"{key}_conf"])
        ax.set_xlabel("total index" if self.method == "sobol" else "μ* (elementary effect)")
        ax.set_title(f"{output}: leading parameters ({self.method})")
        return ax


def runs_needed(method: str, n: int, n_parameters: int, versus: str | None = None) -> int:
    """Number of simulations a design costs: ``N·(D+2)`` (Sobol) or ``r·(D+1)`` (Morris), twice
    that with a baseline."""
    points = n * (n_parameters + 2) if method == "sobol" else n * (n_parameters + 1)
    return points * (2 if versus else 1)


def _sensitivity(scenario: str, method: str = "morris", n: int = 4, *, names: list[str] | None = None,
                outputs: tuple[str, ...] = OUTPUTS, seed: int = 1, scale: float | None = 2000.0,
                days: int | None = None, versus: str | None = None, workers: int = 1,
                scheduler: str | None = None, dask: bool = False,
                progress: Callable[[int, int], None] | None = None,
                checkpoint: str | Path | None = None) -> Sensitivity:
    """Run the scenario over a SALib design and compute indices per headline output.

    ``scale`` is men per agent and ``days`` the run length (days). With ``versus`` (a baseline
    scenario name or path) each design point also runs the baseline with the same parameter
    values and seed, and the indices are those of the paired difference scenario − baseline
    (in the output's own unit: people, days, morale on 0–1).

    ``checkpoint`` (a ``.jsonl`` file) makes the design resumable: every finished run's outputs
    are appended to it as they arrive, and a later call with the same settings reads them back
    and runs only the rest (after Ctrl-C, say). Every run depends only on its design point and
    the seed, so a resumed analysis equals an uninterrupted one. A checkpoint of other settings
    is refused (``InputError``), never mixed in.
    """
    from exitwave.engine import check_runs
    from exitwave.experiments.executors import RunSpec, make_executor

    if n < 1:
        raise InputError("-n", "", f"expected at least 1 {'trajectory' if method == 'morris' else 'base sample'}; "
                                    f"got {n}")
    for arm in (scenario, versus):  # bad input (files, world, seed, scale, days) fails before any run
        if arm is not None:
            check_runs(arm, seeds=[seed], scale=scale, days=days)
    names = names or default_parameters()
    problem = problem_for(names)
    x = sample(method, problem, n, seed=seed)
    arms = [("a", scenario)] + ([("b", versus)] if versus is not None else [])
    specs = [RunSpec(scenario=path, seed=seed, label=f"{arm}-{i}", scale=scale, days=days,
                     overrides=tuple((name, _override_value(name, row[j])) for j, name in enumerate(names)))
             for i, row in enumerate(x) for arm, path in arms]
    raw = {arm: {o: np.full(len(x), np.nan) for o in outputs} for arm, _ in arms}
    failures = 0
    settings = {"scenario": str(scenario), "versus": None if versus is None else str(versus), "method": method,
                "n": n, "parameters": list(names), "outputs": list(outputs), "seed": seed, "scale": scale,
                "days": days}
    finished = _read_checkpoint(Path(checkpoint), settings) if checkpoint is not None else {}
    for label, values in finished.items():
        arm, index = label.split("-")
        if values is None:
            failures += 1
        else:
            for o in outputs:
                raw[arm][o][int(index)] = np.nan if values[o] is None else float(values[o])
    todo = [spec for spec in specs if spec.label not in finished]
    done = len(specs) - len(todo)
    if progress is not None and done:
        progress(done, len(specs))
    log = _open_checkpoint(Path(checkpoint), settings) if checkpoint is not None else None
    executor = make_executor(workers=workers, scheduler=scheduler, dask=dask)
    try:
        for outcome in executor.run(todo):
            arm, index = outcome.spec.label.split("-")
            i = int(index)
            record: dict[str, float | None] | None = None
            if outcome.ok and outcome.summary is not None:
                for o in outputs:
                    # an output that may not happen (the war's end) is censored at the run's end
                    raw[arm][o][i] = outcome_value(outcome.summary, o)
                record = {o: None if np.isnan(raw[arm][o][i]) else float(raw[arm][o][i]) for o in outputs}
            else:
                failures += 1
            if log is not None:  # one line per run, flushed: a kill loses at most the run in flight
                log.write(json.dumps({"run": outcome.spec.label, "outputs": record}) + "\n")
                log.flush()
                os.fsync(log.fileno())
            done += 1
            if progress is not None:
                progress(done, len(specs))
    finally:
        executor.close()
        if log is not None:
            log.close()
    values = raw["a"] if versus is None else {o: raw["a"][o] - raw["b"][o] for o in outputs}
    result = Sensitivity(method=method, problem=problem, x=x, outputs=values, failures=failures,
                         scenario=scenario, versus=versus)
    for o, y in values.items():
        if np.isnan(y).any() or np.nanstd(y) == 0:
            continue  # failed runs or a constant output: no indices
        result.indices[o] = analyze(method, problem, x, y, seed=seed)
    return result


def _read_checkpoint(path: Path, settings: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """Runs finished in an earlier call (label → outputs, ``None`` for a failed run); a torn last
    line (a kill mid-write) is ignored. Other settings: refused."""
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        header = json.loads(lines[0]) if lines else {}
    except json.JSONDecodeError:
        header = {}
    if header.get("settings") != json.loads(json.dumps(settings)):
        raise InputError(str(path), "settings", "this checkpoint belongs to another sensitivity analysis "
                         f"({header.get('settings')}); use another --out or delete it to start again")
    finished: dict[str, dict[str, Any] | None] = {}
    for line in lines[1:]:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # the line being written when the process was killed
        finished[str(entry["run"])] = entry["outputs"]
    return finished


def _open_checkpoint(path: Path, settings: dict[str, Any]) -> Any:
    """The checkpoint, opened for appending (created with its settings line when new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or not path.read_text(encoding="utf-8").strip():
        path.write_text(json.dumps({"settings": settings}) + "\n", encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
        if not text.endswith("\n"):  # drop a torn last line before appending
            path.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")
    return path.open("a", encoding="utf-8")


def read_table(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A table written by :meth:`Sensitivity.save`: the indices and the JSON beside it (empty when
    absent; ``scenario`` and ``versus`` then come from the CSV's columns)."""
    import json

    import pandas as pd

    expected = "a table from `exitwave sensitivity … --out FILE.csv`"
    try:
        frame = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        problem = " ".join(str(error).split())[:200]
        raise InputError(str(path), "--sensitivity", f"cannot read it as CSV ({problem}); expected {expected}") from None
    columns = ["output", "parameter"]
    sobol = "ST" in frame.columns
    columns += ["ST", "ST_conf", "S1", "S1_conf"] if sobol else ["mu_star", "mu_star_conf"]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(str(path), ", ".join(missing), f"required column is missing; expected {expected}")
    problems: list[InputError] = []  # every bad cell at once, each on its own line
    for column in columns[2:]:
        values = pd.to_numeric(frame[column], errors="coerce")
        for row in frame.index[values.isna() & frame[column].notna()]:
            problems.append(InputError(str(path), f"row {int(row) + 2}, column {column}",
                                       f"expected a number, got {str(frame[column].iloc[row])[:40]!r}"))
        frame[column] = values
    if problems:
        raise all_problems(problems)
    frame["output"] = frame["output"].astype(str)
    frame["parameter"] = frame["parameter"].astype(str)
    meta_path = path.with_suffix(".json")
    meta: dict[str, Any] = {}
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            raise InputError(str(meta_path), "", "malformed JSON; expected the settings written beside "
                                                 "the sensitivity table (delete it to go without)") from None
        if not isinstance(meta, dict):
            raise InputError(str(meta_path), "", "expected a JSON object of the sensitivity run's settings")
    if "versus" in frame.columns and not meta.get("versus"):
        versus = frame["versus"].dropna()
        if len(versus) and str(versus.iloc[0]):
            meta.setdefault("versus", str(versus.iloc[0]))
            meta.setdefault("scenario", str(frame["scenario"].iloc[0]))
    return frame, meta


def sensitivity(scenario: str, method: str = "morris", n: int = 4, *, names: list[str] | None = None,
                versus: str | None = None, progress: Callable[[int, int], None] | bool | None = None,
                **options: Any) -> Sensitivity:
    """Run the scenario over a SALib design and compute indices per headline output (see
    :func:`_sensitivity` for the options: ``outputs``, ``seed``, ``scale``, ``days``, ``workers``,
    ``scheduler``, ``dask``, ``checkpoint``). ``progress``: a callable told ``(done, total)``,
    ``False`` for silence, or by default a progress bar on stderr (plain lines when stderr is not
    a terminal)."""
    from exitwave.progress import runs_bar

    total = runs_needed(method, n, len(names or default_parameters()), versus) if n >= 1 else 0
    with runs_bar(progress, total, f"{method} sensitivity of {scenario}", counts=True) as report:
        return _sensitivity(scenario, method, n, names=names, versus=versus, progress=report, **options)
