"""Posterior predictive checks and the forecast beyond the calibration window.

Runs are drawn from the posterior (parameters resampled by weight, each with its own seed). For
every target the fit report gives the observation, the 5–95 % band of the posterior predictive
and whether the observation falls inside it. The forecast runs the same draws to the end of
2022 and tabulates cumulative departures by destination, weekly entries into the EU and returns
home — to be held against later observations that are deliberately not in the bundled data.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.calibration.abc import (
    LOW_ESS,
    Calibration,
    _json,
    _override,
    effective_sample_size,
    write_atomically,
)
from exitwave.calibration.targets import Target, load_validation, model_values, target_kind

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

__all__ = ["ess_sentence", "predictive_runs", "fit_table", "forecast_table", "validation_table", "coverage_by_kind",
           "write_calibration"]

FORECAST_END = dt.date(2022, 12, 31)


def forecast_end(cal: Calibration) -> dt.date:
    """Last day of the forecast: the end of the calibration window's year (2022 for Russia)."""
    return dt.date(cal.window[1].year, 12, 31)


def window_text(cal: Calibration) -> str:
    """The window in words: ``21 Sep – 2 Oct 2022``."""
    a, b = cal.window
    first = f"{a.day} {a:%b}" + ("" if a.year == b.year else f" {a.year}")
    return f"{first} – {b.day} {b:%b %Y}"


def predictive_runs(cal: Calibration, k: int, seed: int, end: dt.date | None = None) -> list[tuple[Any, Any, float]]:
    """(series, world) of ``k`` runs drawn from the posterior, from the start to ``end``
    (default: :func:`forecast_end`)."""
    end = end or forecast_end(cal)
    from exitwave.engine import Simulation
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    out = []
    for i, values in enumerate(cal.draw(k, seed)):
        sc = load_scenario(cal.scenario, overrides={n: _override(n, v) for n, v in values.items()})
        days = (end - sc.time.start).days + 1
        sim = Simulation(sc, seed=seed * 1000 + i, scale=cal.scale, days=days,
                         source=resolve_scenario_path(cal.scenario))
        out.append((sim.run().series, sim.world, sim.scenario.behaviour.people_per_vehicle))
    return out


def fit_table(cal: Calibration, runs: list[tuple[Any, Any, float]]) -> pd.DataFrame:
    return _band_table(cal.targets, runs, end=cal.window[1])


def validation_table(observations: list[Target], runs: list[tuple[Any, Any, float]]) -> pd.DataFrame:
    """The forecast (the same posterior draws, run past the window) against later observations."""
    return _band_table(observations, runs, end=None)


def coverage_by_kind(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per kind of quantity (entries, exits, stock …): observations, inside the 90 % band, share."""
    out: dict[str, dict[str, float]] = {}
    for kind, rows in table.groupby(table["quantity"].map(target_kind), sort=True):
        out[str(kind)] = {"targets": int(len(rows)), "inside_90": int(rows["inside_90"].sum()),
                          "coverage_90": float(rows["inside_90"].mean())}
    return out


def _band_table(targets: list[Target], runs: list[tuple[Any, Any, float]], end: dt.date | None) -> pd.DataFrame:
    import pandas as pd

    values = np.array([model_values(targets, series.loc[:str(end)] if end else series, world, ppv)
                       for series, world, ppv in runs])
    p5, p50, p95 = np.percentile(values, [5, 50, 95], axis=0)
    rows = []
    for j, t in enumerate(targets):
        rows.append({"target": t.target_id, "quantity": t.quantity, "unit": t.unit,
                     "from": t.date_from.isoformat(), "to": t.date_to.isoformat(),
                     "observed": t.observed, "reliability": t.reliability,
                     "median": float(p50[j]), "p5": float(p5[j]), "p95": float(p95[j]),
                     "inside_90": bool(p5[j] <= t.observed <= p95[j])})
    return pd.DataFrame(rows)


def forecast_table(runs: list[tuple[Any, Any, float]]) -> pd.DataFrame:
    import pandas as pd

    series0, world, _ = runs[0]
    weekly = []
    for series, w, _ in runs:
        frame = {}
        for k, iso in enumerate(w.country_ids):
            columns = [f"crossed.{cid}" for c, cid in enumerate(w.crossing_ids) if w.crossing_country[c] == k]
            if columns:
                frame[f"cumulative_entries.{iso}"] = series[columns].sum(axis=1).cumsum()
        eu_cols = [f"crossed.{cid}" for c, cid in enumerate(w.crossing_ids) if w.country_eu[w.crossing_country[c]]]
        frame["weekly_entries.EU"] = series[eu_cols].sum(axis=1).rolling(7, min_periods=1).sum()
        frame["returned"] = series["returned"]
        frame["departed"] = series["departed"]
        weekly.append(pd.DataFrame(frame).resample("W-SUN").last())
    stack = np.stack([f.to_numpy() for f in weekly])
    p5, p50, p95 = np.percentile(stack, [5, 50, 95], axis=0)
    index = weekly[0].index
    rows = []
    for j, column in enumerate(weekly[0].columns):
        if p95[:, j].max() < 1:
            continue
        for i, date in enumerate(index):
            rows.append({"week_ending": date.date().isoformat(), "quantity": column,
                         "median": float(p50[i, j]), "p5": float(p5[i, j]), "p95": float(p95[i, j])})
    return pd.DataFrame(rows)


def _plots(fit: pd.DataFrame, forecast: pd.DataFrame, cal: Calibration) -> tuple[bytes, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 0.35 * len(fit) + 1.5))
    y = np.arange(len(fit))
    ax.hlines(y, fit["p5"], fit["p95"], lw=6, alpha=0.4, label="posterior predictive 5–95 %")
    ax.plot(fit["median"], y, "|", ms=12, color="C0")
    ax.plot(fit["observed"], y, "o", color="C3", label="observed")
    ax.set_yticks(y, fit["target"])
    ax.set_xscale("log")
    ax.legend(loc="lower right")
    ax.set_title(f"Calibration targets, {window_text(cal)}")
    fig.tight_layout()
    fit_png = io.BytesIO()
    fig.savefig(fit_png, format="png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for quantity in ("departed", "returned", "weekly_entries.EU"):
        part = forecast[forecast["quantity"] == quantity]
        if part.empty:
            continue
        dates = np.array(part["week_ending"], dtype="datetime64[D]")
        ax.plot(dates, part["median"], label=quantity)
        ax.fill_between(dates, part["p5"], part["p95"], alpha=0.25)
    window_end: Any = np.datetime64(cal.window[1])  # matplotlib takes dates on a date axis
    ax.axvline(window_end, color="k", ls="--", lw=1)
    ax.text(window_end, ax.get_ylim()[1] * 0.95, " end of calibration window", va="top")
    ax.set_ylabel("people")
    ax.set_title("Forecast from the posterior (median and 5–95 %)")
    ax.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    forecast_png = io.BytesIO()
    fig.savefig(forecast_png, format="png", dpi=110)
    plt.close(fig)
    return fit_png.getvalue(), forecast_png.getvalue()


def _scenario_yaml(cal: Calibration, command: str) -> str:
    import yaml

    from exitwave.scenario.load import resolve_scenario_path
    from exitwave.scenario.schema import safe_name

    median = cal.median()
    overrides: dict[str, Any] = {}
    for name, value in median.items():
        section, key = name.split(".", 1)
        overrides.setdefault(section, {})[key] = _override(name, round(value, 6))
    bundled = "/" not in cal.scenario and not cal.scenario.endswith((".yaml", ".yml"))
    body = {"extends": cal.scenario if bundled else str(resolve_scenario_path(cal.scenario).resolve()),
            "name": safe_name(cal.scenario.replace("\\", "/").split("/")[-1].removesuffix(".yaml")
                              .removesuffix(".yml"), "-calibrated"),
            **overrides}
    header = (f"# Posterior median of an ABC-SMC calibration on {window_text(cal)} ({cal.method}).\n"
              f"# Made by: {command}\n# Posterior samples: posterior.csv; fit: fit_report.md\n")
    return header + yaml.safe_dump(body, sort_keys=False)


def _generations_table(history: list[dict[str, Any]]) -> list[str]:
    """The ABC-SMC generations as Markdown rows: tolerance, simulations, acceptance and the
    effective sample size, which shows the generation where the importance weights collapse."""
    if not history:
        return []
    rows = ["| generation | tolerance | simulations | acceptance | effective sample size |", "|---|---|---|---|---|"]
    for g in history:
        ess = g.get("ess")
        rows.append(f"| {g['t']} | {g['epsilon']:.3g} | {g['samples']} | {g['acceptance_rate']:.0%} | "
                    f"{'–' if ess is None else f'{ess:.1f}'} |")
    return rows


def ess_sentence(ess: float, particles: int) -> str:
    """The posterior's effective sample size in words, with a warning when it is too small for
    its draws to carry the calibrated parameters' uncertainty (:data:`~exitwave.calibration.abc.LOW_ESS`)."""
    text = f"Effective sample size of the posterior: {ess:.1f} of {particles} particles (Kish)."
    if ess < LOW_ESS:
        text += (" **Too small to trust as a distribution**: draws from it (the predictive bands here, "
                 "`exitwave audit`, `exitwave explore`) nearly always take the same particle, so their "
                 "intervals leave out the calibrated parameters' uncertainty; calibrate with more particles.")
    return text


def write_calibration(cal: Calibration, out: Path, k: int = 20, seed: int = 1, command: str = "",
                      validation_path: Path | None = None) -> dict[str, Any]:
    """Run the posterior predictive and forecast; write every output into ``out`` atomically.

    ``validation_path`` (default: the world's ``validation.csv``, if it has one): observations after
    the window that the calibration never read; the forecast is held against them
    (``validation.csv`` in ``out``, a section of the report, coverage in ``calibration.json``).
    """
    import hashlib

    from exitwave.scenario.load import load_scenario, resolve_scenario_path
    from exitwave.world import load_world

    runs = predictive_runs(cal, k, seed)
    fit = fit_table(cal, runs)
    if validation_path is None:
        sc = load_scenario(cal.scenario)
        world = load_world(sc.world, relative_to=resolve_scenario_path(cal.scenario).parent)
        candidate = world.folder / "validation.csv"
        validation_path = candidate if candidate.is_file() else None
    else:
        world = runs[0][1]
    validation = None
    if validation_path is not None:
        validation = validation_table(load_validation(validation_path, world), runs)
    forecast = forecast_table(runs)
    fit_png, forecast_png = _plots(fit, forecast, cal)
    ident = cal.identifiability()
    coverage = float(fit["inside_90"].mean())
    last = cal.history[-1] if cal.history else {}
    by_kind = coverage_by_kind(fit)
    validation_summary: dict[str, Any] | None = None if validation is None else {
        "file": str(validation_path), "read_by_calibration": False,
        "sha256": hashlib.sha256(validation_path.read_bytes()).hexdigest() if validation_path else None,
        "observations": int(len(validation)), "coverage_90": float(validation["inside_90"].mean()),
        "coverage_by_kind": coverage_by_kind(validation)}
    ess = (effective_sample_size(cal.posterior["weight"].to_numpy()) if "weight" in cal.posterior
           else float(len(cal.posterior)))
    summary: dict[str, Any] = {
        "scenario": cal.scenario, "method": cal.method, "seed": cal.seed, "scale": cal.scale,
        "window": [cal.window[0].isoformat(), cal.window[1].isoformat()], "seconds": round(cal.seconds, 1),
        "simulations": int(sum(g.get("samples", 0) for g in cal.history)),
        "generations": len(cal.history), "final_epsilon": last.get("epsilon"),
        "final_acceptance_rate": last.get("acceptance_rate"),
        "coverage_90": coverage, "coverage_by_kind": by_kind, "validation": validation_summary,
        "posterior_median": cal.median(), "identifiability": ident,
        "posterior_particles": int(len(cal.posterior)), "posterior_ess": ess,
        "history": cal.history, "predictive_draws": k, "command": command,
    }
    lines = [f"# Calibration of `{cal.scenario}`", "",
             f"Method {cal.method}; {summary['simulations']} simulations in {summary['generations']} "
             f"generations ({summary['seconds']} s at 1 agent = {cal.scale:g} men); final tolerance "
             f"{summary['final_epsilon']}; {coverage:.0%} of targets inside the 90 % posterior predictive band.",
             "", ess_sentence(ess, len(cal.posterior)), "", *_generations_table(cal.history),
             "", "## Targets", "", "| target | observed | median | 5–95 % | inside | reliability |",
             "|---|---|---|---|---|---|"]
    for r in fit.itertuples():
        lines.append(f"| {r.target} ({r.unit}) | {r.observed:,.0f} | {r.median:,.0f} | {r.p5:,.0f}–{r.p95:,.0f} | "
                     f"{'yes' if r.inside_90 else '**no**'} | {r.reliability} |")
    lines += ["", "Coverage by kind of target:", "", "| kind | targets | inside the 90 % band |", "|---|---|---|"]
    for kind, c in by_kind.items():
        lines.append(f"| {kind} | {c['targets']} | {c['inside_90']} ({c['coverage_90']:.0%}) |")
    lines += ["", "## Parameters", "", "| parameter | prior range | posterior median | sd ratio | verdict |",
              "|---|---|---|---|---|"]
    for name, info in ident.items():
        lo, hi = cal.bounds[name]
        lines.append(f"| `{name}` | {lo:g} – {hi:g} | {cal.median()[name]:.4g} | {info['ratio']:.2f} | {info['verdict']} |")
    lines += ["", "A ratio is the posterior standard deviation over the prior's. Parameters whose ratio "
              f"stays near 1 are not constrained by the {cal.window[1].year} window: they remain assumptions, and the "
              "sensitivity analysis shows whether a conclusion depends on them.", "",
              "![fit](fit.png)", "", f"## Forecast to the end of {forecast_end(cal).year}", "",
              f"Not fitted to anything after {cal.window[1].day} {cal.window[1]:%B %Y}; hold it against "
              "later observations.", "",
              "![forecast](forecast.png)", ""]
    if validation is not None and validation_summary is not None:
        v = validation_summary
        lines += ["## Forecast against later observations", "",
                  f"`{validation_path}` (never read by the calibration): {v['coverage_90']:.0%} of "
                  f"{v['observations']} observations inside the 90 % band of the forecast.", "",
                  "| observation | to | observed | forecast median | 5–95 % | inside | reliability |",
                  "|---|---|---|---|---|---|---|"]
        for r in validation.itertuples():
            lines.append(f"| {r.target} ({r.quantity}) | {r.to} | {r.observed:,.0f} | {r.median:,.0f} | "
                         f"{r.p5:,.0f}–{r.p95:,.0f} | {'yes' if r.inside_90 else '**no**'} | {r.reliability} |")
        lines += ["", "| kind | observations | inside the 90 % band |", "|---|---|---|"]
        for kind, c in v["coverage_by_kind"].items():
            lines.append(f"| {kind} | {c['targets']} | {c['inside_90']} ({c['coverage_90']:.0%}) |")
        lines.append("")
    files: dict[str, str | bytes] = {
        "calibrated.yaml": _scenario_yaml(cal, command),
        "posterior.csv": cal.posterior.to_csv(index=False),
        "fit.csv": fit.to_csv(index=False),
        "forecast.csv": forecast.to_csv(index=False),
        **({"validation.csv": validation.to_csv(index=False)} if validation is not None else {}),
        "calibration.json": _json(summary),
        "fit_report.md": "\n".join(lines),
        "fit.png": fit_png,
        "forecast.png": forecast_png,
    }
    write_atomically(out, files)
    return summary
