"""Open exploration: policy levers and uncertain parameters sampled together.

In the manner of the EMA Workbench's open exploration, every run of an exploration draws the
policy **levers** and the model's **uncertain parameters** at once, so the runs cover the space of
decisions *and* of what we do not know, and the trade-offs between outputs show across both.

* **Levers** (:func:`levers_for`) are what a government decides: the share of asylum claims the
  EU and NATO states grant from the call-up, whether they open entry, whether the sending state
  closes its exits two weeks after the call-up, and the registry's policy levers
  (``data/parameters.csv``, note "policy lever": the captor's credibility, asylum for deserters,
  coercion at the front). Levers a scenario cannot use (no front, say) are left out.
* **Uncertain parameters** are drawn exactly as the claims audit draws them
  (:func:`exitwave.experiments.audit.parameter_draws`): the calibration posterior for the
  calibrated ones where one is bundled, a Latin hypercube over the registry ranges for every other
  parameter the scenario uses.

Levers come from their own Latin hypercube (an on/off lever is *on* in the upper half of its
stratum), seeded from ``seed``; every run uses the same ``seed`` (common random numbers), so the
differences between runs come from the levers and the parameters, not from noise.

Three outputs frame the trade-off (:data:`TRADEOFF`): men who left (departures), soldiers at the
front at the end (army strength) and asylum applications lodged abroad — the absorption burden
on the hosts, counted in applications because exitwave has no fiscal module (the OECD puts a
first year at about EUR 10,000 per application; ``data/sources/destinations/reception_costs.csv``).
Which lever or parameter moves each of them most is measured by Spearman's rank correlation over
the runs, with a 95 % interval (Fisher's z with the Fieller–Hartley–Pearson variance 1.06/(n − 3)).

With ``out`` everything goes into one folder, resumably (the audit's pattern: a run finished on
disk is read back, never redone; a folder made with other settings is refused):
``runs/draw-<i>/`` (each run), ``explore.json`` (the settings), ``draws.csv`` (every lever and
parameter value per draw), ``runs.parquet`` and ``runs.csv`` (the tidy table,
:mod:`exitwave.experiments.tidy`), ``influence.csv`` (the rank correlations) and ``tradeoff.png``
/ ``tradeoff.svg`` (the figure), each written atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.errors import InputError
from exitwave.experiments.audit import dotted_value

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from exitwave.experiments.executors import RunOutcome

__all__ = ["TRADEOFF", "Lever", "Exploration", "explore", "levers_for", "rank_correlation"]

TRADEOFF = ("departed", "force_strength", "asylum_applications")
"""The outputs whose trade-off an exploration draws: departures, army strength, absorption."""

CLOSURE_DELAY_DAYS = 14
"""Days from the call-up to the exit closure of the ``exit_closure`` lever (as in the bundled
``asylum-coalition-exits-closed``: offer on 21 September 2022, exits closed on 5 October)."""


@dataclass(frozen=True)
class Lever:
    """A policy lever: what it is called, its unit and range; ``switch`` levers are on or off."""

    name: str
    label: str
    unit: str
    low: float = 0.0
    high: float = 1.0
    switch: bool = False

    def value(self, unit_draw: float) -> float:
        """The lever's value for a draw in [0, 1) of the Latin hypercube (1.0/0.0 for a switch)."""
        if self.switch:
            return 1.0 if unit_draw >= 0.5 else 0.0
        return self.low + unit_draw * (self.high - self.low)


#: The policy levers that are scenario edits rather than registry parameters.
_POLICY_LEVERS = (
    Lever("coalition_recognition", "share of asylum claims EU and NATO states grant from the call-up", "share 0–1"),
    Lever("coalition_open_entry", "EU and NATO states open entry from the call-up", "on/off", switch=True),
    Lever("exit_closure", f"exits closed {CLOSURE_DELAY_DAYS} days after the call-up", "on/off", switch=True),
)
#: Words for the registry's policy levers (their names are dotted scenario paths).
_LEVER_WORDS = {"front.captor_credibility": "captor's credibility of good treatment",
                "front.deserter_asylum": "asylum offered to deserters",
                "front.coercion": "coercion of soldiers by their own side"}


def _call_up(fields: dict[str, Any]) -> dt.date:
    """The first call-up's date (the scenario's start when it has none): when policy levers act."""
    waves = dotted_value(fields, "mobilization.waves") or []
    dates = [dt.date.fromisoformat(str(w["date"])) for w in waves if "date" in w]
    return min(dates) if dates else dt.date.fromisoformat(str(dotted_value(fields, "time.start")))


def _registry_levers(fields: dict[str, Any]) -> list[Lever]:
    from exitwave.registry import parameters

    out = []
    for p in parameters():
        if not p.note.startswith("policy lever") or dotted_value(fields, p.name) is None:
            continue
        switch = isinstance(dotted_value(fields, p.name), bool)
        out.append(Lever(p.name, _LEVER_WORDS.get(p.name, p.name), "on/off" if switch else p.unit,
                         p.low, p.high, switch))
    return out


def lever_overrides(levers: Sequence[Lever], values: Sequence[float], fields: dict[str, Any]) -> dict[str, Any]:
    """The scenario overrides (dotted paths) that set ``levers`` to ``values`` on a scenario with
    resolved ``fields``. Policies are appended to the scenario's own (a later policy wins field
    by field), dated from the call-up."""
    overrides: dict[str, Any] = {}
    start = _call_up(fields).isoformat()
    added: list[dict[str, Any]] = []
    for lever, value in zip(levers, values, strict=True):
        if lever.name == "coalition_recognition":
            added += [{"country": group, "from": start, "asylum": "case_by_case", "recognition_rate": float(value),
                       "label": "explore: coalition recognition rate"} for group in ("EU", "NATO")]
        elif lever.name == "coalition_open_entry":
            if value:  # off: the scenario's own entry rules
                added += [{"country": group, "from": start, "entry": "open", "label": "explore: open entry"}
                          for group in ("EU", "NATO")]
        elif lever.name == "exit_closure":
            closes = _call_up(fields) + dt.timedelta(days=CLOSURE_DELAY_DAYS)
            overrides["countermeasures.exit_closure"] = {"from": closes.isoformat()} if value else None
        elif lever.switch:
            overrides[lever.name] = bool(value)
        else:
            overrides[lever.name] = float(value)
    if added:
        overrides["policies"] = list(fields.get("policies", [])) + added
    return overrides


def levers_for(scenario: str, names: Sequence[str] | None = None) -> list[Lever]:
    """The levers an exploration of ``scenario`` varies: ``names`` (lever names, see
    :data:`_POLICY_LEVERS` and the registry's policy levers), or by default every lever the
    scenario can use (a lever whose edit the scenario refuses — no front, no EU in its world — is
    left out). An unknown or unusable name in ``names`` is an :class:`InputError`."""
    from exitwave.engine import check_runs
    from exitwave.experiments.audit import resolved_fields

    fields = resolved_fields(scenario)
    policy_levers = list(_POLICY_LEVERS)
    if not dotted_value(fields, "mobilization.waves"):  # no call-up: the policy levers act from the start
        policy_levers = [replace(lever, label=lever.label.replace("the call-up", "the start"))
                         for lever in policy_levers]
    known = {lever.name: lever for lever in (*policy_levers, *_registry_levers(fields))}
    if names is not None:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise InputError("--lever", unknown[0], f"expected one of {', '.join(known)}")
    chosen = []
    for lever in known.values() if names is None else [known[n] for n in names]:
        try:
            check_runs(scenario, seeds=[1], overrides=lever_overrides([lever], [lever.high], fields))
        except InputError:
            if names is not None:
                raise
            continue
        chosen.append(lever)
    return chosen


# -- influence ---------------------------------------------------------------------------------
def rank_correlation(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Spearman's rank correlation of ``x`` and ``y`` (NaN pairs dropped) with a ``level``
    interval from Fisher's z and the variance 1.06/(n − 3) (Fieller, Hartley & Pearson 1957);
    NaN when either is constant, and a NaN interval below 4 pairs."""
    from scipy.stats import norm, spearmanr

    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan, math.nan, math.nan
    rho = float(spearmanr(x, y).statistic)
    if len(x) < 4 or not math.isfinite(rho):
        return rho, math.nan, math.nan
    z = math.atanh(min(max(rho, -0.999999), 0.999999))
    half = float(norm.ppf(0.5 + level / 2)) * math.sqrt(1.06 / (len(x) - 3))
    return rho, math.tanh(z - half), math.tanh(z + half)


# -- the result ---------------------------------------------------------------------------------
@dataclass
class Exploration:
    """An exploration's design and runs (in memory or on disk) and what they show."""

    scenario: str
    seed: int
    levers: list[Lever]
    parameters: list[str]  # uncertain parameters varied (dotted names)
    calibrated: list[str]  # those of them drawn from the calibration posterior
    design: pd.DataFrame  # one row per draw: lever and parameter values (numbers; switches 0/1)
    summaries: dict[int, dict[str, Any]]  # draw -> the run's summary
    failures: dict[int, str] = field(default_factory=dict)
    outputs: tuple[str, ...] = TRADEOFF
    out: Path | None = None

    def __repr__(self) -> str:
        failed = f", {len(self.failures)} failed" if self.failures else ""
        where = f", in {self.out}" if self.out is not None else ""
        return (f"Exploration({self.scenario}: {len(self.summaries)} of {len(self.design)} runs{failed}, "
                f"{len(self.levers)} levers × {len(self.parameters)} parameters{where}; "
                ".influence(), .outcomes(), .to_tidy(), .plot())")

    def to_tidy(self) -> pd.DataFrame:
        """One row per run and output: ``run, scenario, seed, draw, output, value``; ``draw``
        indexes :attr:`design` (the same columns as every experiment's)."""
        from exitwave.experiments.tidy import tidy_runs

        return tidy_runs((f"{summary['scenario']}/draw-{i}", str(summary["scenario"]), self.seed, i, summary)
                         for i, summary in sorted(self.summaries.items()))

    def outcomes(self) -> pd.DataFrame:
        """One row per finished run (index: draw), one column per trade-off output (people; an
        output that may not happen is censored as in every table)."""
        import pandas as pd

        from exitwave.outputs import outcome_value

        rows = {i: {o: outcome_value(s, o) for o in self.outputs} for i, s in sorted(self.summaries.items())}
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(self.outputs)).rename_axis("draw")

    def factor_label(self, name: str) -> str:
        """A lever or parameter in words (a parameter is named by its dotted path)."""
        for lever in self.levers:
            if lever.name == name:
                return lever.label
        return name

    def influence(self, top: int | None = None, level: float = 0.95) -> pd.DataFrame:
        """Per output, every lever and parameter by the size of its rank correlation with it:
        ``output, factor, label, kind (lever or parameter), rho, low, high, runs, rank``; with
        ``top`` only the first ``top`` per output. A factor or output that did not vary is left out."""
        import pandas as pd

        outcomes = self.outcomes()
        design = self.design.loc[outcomes.index]
        lever_names = {lever.name for lever in self.levers}
        rows = []
        for output in self.outputs:
            y = outcomes[output].to_numpy(dtype=float)
            found = []
            for name in design.columns:
                rho, low, high = rank_correlation(design[name].to_numpy(dtype=float), y, level)
                if math.isfinite(rho):
                    found.append({"output": output, "factor": name, "label": self.factor_label(name),
                                  "kind": "lever" if name in lever_names else "parameter", "rho": rho,
                                  "low": low, "high": high, "runs": int(np.isfinite(y).sum())})
            found.sort(key=lambda r: -abs(float(r["rho"])))
            for rank, row in enumerate(found[:top] if top is not None else found, start=1):
                rows.append({**row, "rank": rank})
        columns = ["output", "factor", "label", "kind", "rho", "low", "high", "runs", "rank"]
        return pd.DataFrame(rows, columns=columns)

    def influence_table(self, top: int = 3) -> pd.DataFrame:
        """What moves each output most, as text for people: one row per lever or parameter that is
        among the ``top`` of an output or is an output's strongest lever (strongest first), one
        column per output (label and unit), each cell ``ρ [low … high]`` (95 %)."""
        import pandas as pd

        from exitwave.outputs import registry

        reg = registry()
        ranked = self.influence()
        chosen: list[str] = []
        for output in self.outputs:
            mine = ranked[ranked["output"] == output]
            levers = mine[mine["kind"] == "lever"]
            for name in [*mine["factor"].head(top), *levers["factor"].head(1)]:
                if name not in chosen:
                    chosen.append(name)
        size = ranked.assign(size=ranked["rho"].abs()).groupby("factor")["size"].max()
        chosen.sort(key=lambda name: -float(size[name]))
        lever_names = {lever.name for lever in self.levers}
        rows: dict[str, dict[str, str]] = {}
        for name in chosen:
            row = {}
            for output in self.outputs:
                found = ranked[(ranked["output"] == output) & (ranked["factor"] == name)]
                column = f"{reg.label(output)}, {reg.get(output).unit}"
                row[column] = "–" if found.empty else _rho_text(*found[["rho", "low", "high"]].iloc[0])
            rows[f"{self.factor_label(name)} (lever)" if name in lever_names else name] = row
        columns = [f"{reg.label(o)}, {reg.get(o).unit}" for o in self.outputs]
        return pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("lever or parameter")

    def strongest_lever(self) -> str | None:
        """The lever with the largest mean absolute rank correlation over the outputs."""
        frame = self.influence()
        levers = frame[frame["kind"] == "lever"]
        if levers.empty:
            return None
        return str(levers.assign(size=levers["rho"].abs()).groupby("factor")["size"].mean().idxmax())

    def plot(self, colour: str | None = None) -> Figure:
        """The trade-off: one panel per pair of outputs, each point a run, coloured by the lever
        ``colour`` (by default the lever that moves the outputs most). Axes in the outputs' words
        and units (the output registry)."""
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.ticker import FuncFormatter

        from exitwave.outputs import registry

        reg = registry()
        outcomes = self.outcomes()
        colour = colour or self.strongest_lever() or (self.levers[0].name if self.levers else None)
        if colour is not None and colour not in self.design.columns:
            raise InputError("--colour", colour, f"expected a lever or parameter of this exploration: "
                                                 f"{', '.join(self.design.columns[:8])}…")
        values = self.design.loc[outcomes.index, colour].to_numpy(dtype=float) if colour else None
        lever = next((lv for lv in self.levers if lv.name == colour), None)
        pairs = [(a, b) for k, a in enumerate(self.outputs) for b in self.outputs[k + 1:]]
        fig = Figure(figsize=(4.8 * len(pairs), 4.9), layout="constrained")
        axes = fig.subplots(1, len(pairs), squeeze=False)[0]
        scatter = None
        for ax, (x_name, y_name) in zip(axes, pairs, strict=True):
            x, y = outcomes[x_name].to_numpy(dtype=float), outcomes[y_name].to_numpy(dtype=float)
            if values is None:
                ax.scatter(x, y, s=22, color="#1f5fa8", alpha=0.8, edgecolors="none")
            elif lever is not None and lever.switch:
                for state, tint, word in ((0.0, "#d68910", "off"), (1.0, "#1f5fa8", "on")):
                    chosen = values == state
                    ax.scatter(x[chosen], y[chosen], s=22, color=tint, alpha=0.85, edgecolors="none", label=word)
            else:
                scatter = ax.scatter(x, y, c=values, cmap="viridis", s=22, alpha=0.9, edgecolors="none")
            for axis, name in ((ax.xaxis, x_name), (ax.yaxis, y_name)):
                unit = reg.get(name).unit
                axis.set_major_formatter(FuncFormatter(lambda v, _p, unit=unit: _tick(v, unit)))
                axis.set_label_text(f"{reg.label(name)} ({unit})", fontsize=10)
            ax.grid(alpha=0.25)
            ax.tick_params(labelsize=9)
        if scatter is not None and colour is not None:
            unit = lever.unit if lever is not None else self._unit(colour)
            fig.colorbar(scatter, ax=list(axes), shrink=0.9, label=f"{self.factor_label(colour)} ({unit})")
        elif lever is not None and lever.switch:
            handles = [Line2D([], [], ls="", marker="o", color=tint, label=word)
                       for tint, word in (("#1f5fa8", "on"), ("#d68910", "off"))]
            fig.legend(handles=handles, title=lever.label, loc="outside lower center", ncol=2, frameon=False)
        kind = "lever" if lever is not None else "parameter"
        coloured = f"; colour: {self.factor_label(colour)} ({kind})" if colour else ""
        fig.suptitle(f"{self.scenario}: trade-offs over {len(outcomes)} runs, levers and uncertain parameters "
                     f"sampled together{coloured}", fontsize=11)
        return fig

    @staticmethod
    def _unit(parameter: str) -> str:
        from exitwave.registry import parameters

        return next((p.unit for p in parameters() if p.name == parameter), "")

    def write(self, out: str | Path | None = None) -> Path:
        """Write ``draws.csv``, ``runs.parquet``, ``runs.csv``, ``influence.csv``, ``tradeoff.png``
        and ``tradeoff.svg`` into ``out`` (default: the exploration's folder), each atomically."""
        from exitwave.experiments.executors import write_atomically

        folder = Path(out) if out is not None else self.out
        if folder is None:
            raise ValueError("no folder to write into: give out")
        folder.mkdir(parents=True, exist_ok=True)
        tidy = self.to_tidy()
        write_atomically(folder / "draws.csv", lambda p: self.design.to_csv(p, index_label="draw"))
        write_atomically(folder / "runs.parquet", lambda p: tidy.to_parquet(p, index=False))
        write_atomically(folder / "runs.csv", lambda p: tidy.to_csv(p, index=False))
        write_atomically(folder / "influence.csv", lambda p: self.influence().to_csv(p, index=False))
        if self.summaries:
            fig = self.plot()
            write_atomically(folder / "tradeoff.png",
                             lambda p: fig.savefig(p, format="png", dpi=150, bbox_inches="tight"))
            write_atomically(folder / "tradeoff.svg", lambda p: fig.savefig(p, format="svg", bbox_inches="tight"))
        return folder


def _rho_text(rho: float, low: float, high: float) -> str:
    """``+0.62 [+0.40 … +0.78]`` (a true minus sign; no interval where there is none)."""
    def signed(x: float) -> str:
        return f"{x:+.2f}".replace("-", "−")

    return signed(rho) + ("" if math.isnan(low) else f" [{signed(low)} … {signed(high)}]")


def _tick(value: float, unit: str) -> str:
    """A tick label in the tables' words (12k, 1.2M; no "1e6" offset)."""
    from exitwave.outputs import format_value

    return format_value(value, unit=unit).replace(".0k", "k").replace(".00M", "M")


# -- running ------------------------------------------------------------------------------------
def _number(value: Any) -> float:
    """An override as a number (``'0.02 per day'`` → 0.02, flags 0/1)."""
    if isinstance(value, bool):
        return float(value)
    return float(str(value).split()[0])


def _plan(scenario: str, n: int, seed: int, levers: Sequence[str] | None,
          parameters: Sequence[str] | None) -> tuple[list[Lever], list[dict[str, Any]], list[str], list[dict[str, Any]]]:
    """The levers, the parameter draws, the calibrated names and each draw's overrides."""
    from scipy.stats import qmc

    from exitwave.experiments.audit import parameter_draws, resolved_fields

    if n < 2:
        raise InputError("-n", str(n), "expected at least 2 samples (a trade-off needs several runs)")
    fields = resolved_fields(scenario)
    chosen = levers_for(scenario, levers)
    draws, calibrated = parameter_draws(fields, fields, scenario, n, seed)
    drawn = list(draws[0]) if draws else []
    if parameters is not None:
        unknown = [p for p in parameters if p not in drawn]
        if unknown:
            raise InputError("--param", unknown[0], "expected a registry parameter with a range that the scenario "
                                                    "uses and that is not a lever (docs/parameters.md)")
        draws = [{k: v for k, v in d.items() if k in parameters} for d in draws]
    unit = qmc.LatinHypercube(d=max(1, len(chosen)), seed=np.random.default_rng([seed, 1])).random(n)
    lever_values = [[lever.value(unit[i, j]) for j, lever in enumerate(chosen)] for i in range(n)]
    overrides = [{**draws[i], **lever_overrides(chosen, lever_values[i], fields)} for i in range(n)]
    design_rows = [{**{lever.name: lever_values[i][j] for j, lever in enumerate(chosen)},
                    **{k: _number(v) for k, v in draws[i].items()}} for i in range(n)]
    return chosen, design_rows, [c for c in calibrated if c in (parameters or drawn)], overrides


def _explore(scenario: str, n: int = 32, *, seed: int = 1, scale: float | None = None, days: int | None = None,
             levers: Sequence[str] | None = None, parameters: Sequence[str] | None = None,
             outputs: tuple[str, ...] = TRADEOFF, out: str | Path | None = None, workers: int = 1,
             scheduler: str | None = None, dask: bool = False,
             progress: Callable[[RunOutcome], None] | None = None) -> Exploration:
    import pandas as pd

    from exitwave.engine import check_runs
    from exitwave.experiments.executors import (
        RunOutcome,
        RunSpec,
        check_or_write_manifest,
        finished_runs,
        make_executor,
        remove_stale_temporaries,
    )
    from exitwave.outputs import registry
    from exitwave.results import read_summary

    unknown = [o for o in outputs if o not in registry()]
    if unknown:
        raise InputError("outputs", unknown[0], "expected an output of the registry (docs/outputs.md)")
    chosen, design_rows, calibrated, overrides = _plan(scenario, n, seed, levers, parameters)
    for i, draw in enumerate(overrides):  # a draw the scenario refuses fails here, before any run
        try:
            check_runs(scenario, seeds=[seed], scale=scale, days=days, overrides=draw)
        except InputError as error:
            raise InputError(error.file, error.field, f"draw {i} of the levers and parameters is refused: "
                                                      f"{error.expected}") from None
    design = pd.DataFrame(design_rows).rename_axis("draw")
    out_path = Path(out) if out is not None else None
    summaries: dict[int, dict[str, Any]] = {}
    done: set[str] = set()
    if out_path is not None:
        digest = hashlib.sha256(json.dumps(overrides, sort_keys=True, default=str).encode()).hexdigest()[:16]
        settings = {"scenario": str(scenario), "n": n, "seed": seed, "scale": scale, "days": days,
                    "levers": [lever.name for lever in chosen], "parameters": [c for c in design.columns
                                                                               if c not in {lv.name for lv in chosen}],
                    "outputs": list(outputs), "design": digest}
        check_or_write_manifest(out_path / "explore.json", settings, "an exploration")
        remove_stale_temporaries(out_path / "runs")
        done = finished_runs(out_path / "runs")
    specs = []
    for i, draw in enumerate(overrides):
        label = f"draw-{i}"
        if label in done:
            assert out_path is not None
            summaries[i] = read_summary(out_path / "runs" / label / "summary.json")
            if progress is not None:
                progress(RunOutcome(spec=RunSpec(scenario, seed, label), summary=summaries[i], skipped=True))
            continue
        specs.append(RunSpec(scenario=scenario, seed=seed, label=label, scale=scale, days=days,
                             overrides=tuple(sorted(draw.items())),
                             run_dir=str(out_path / "runs") if out_path is not None else None))
    failures: dict[int, str] = {}
    executor = make_executor(workers=workers, scheduler=scheduler, dask=dask) if specs else None
    try:
        for outcome in executor.run(specs) if executor is not None else []:
            i = int(outcome.spec.label.split("-")[1])
            if outcome.ok and outcome.summary is not None:
                summaries[i] = outcome.summary
            else:
                failures[i] = outcome.error or "failed"
            if progress is not None:
                progress(outcome)
    finally:
        if executor is not None:
            executor.close()
    result = Exploration(scenario=scenario, seed=seed, levers=chosen,
                         parameters=[c for c in design.columns if c not in {lv.name for lv in chosen}],
                         calibrated=calibrated, design=design, summaries=dict(sorted(summaries.items())),
                         failures=failures, outputs=tuple(outputs), out=out_path)
    if out_path is not None:
        result.write()
    return result


def explore(scenario: str, n: int = 32, *, progress: Callable[[RunOutcome], None] | bool | None = None,
            **options: Any) -> Exploration:
    """Run ``n`` draws of the levers and uncertain parameters of ``scenario`` together (see the
    module's docstring). Options: ``seed`` (of the design and of every run), ``scale`` (men per
    agent), ``days``, ``levers`` (lever names; default every lever the scenario can use),
    ``parameters`` (registry names; default every uncertain parameter the audit draws),
    ``outputs`` (default :data:`TRADEOFF`), ``out`` (a folder: resumable, files written there),
    ``workers``, ``scheduler``, ``dask``. ``progress``: a callable told every
    :class:`~exitwave.experiments.executors.RunOutcome`, ``False`` for silence, or by default a
    progress bar on stderr (plain lines when stderr is not a terminal)."""
    from exitwave.progress import runs_bar

    with runs_bar(progress, n, f"explore {scenario}") as report:
        return _explore(scenario, n, progress=report, **options)
