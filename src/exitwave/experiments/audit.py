"""The claims audit: verdicts over all the uncertainty, with materiality, ablations and levers.

An audit runs the status quo and a proposal on **draws** of the model's parameters — the
calibration posterior where one is bundled for the status quo (``data/calibration/<name>/``),
and a Latin hypercube over the registry ranges (``data/parameters.csv``) of every other
parameter the scenarios use — and, for every draw, on ``seeds`` seeds. Draw *i* with seed *s* is
run in every variant with the same parameter values and the same random numbers (common random
numbers), so the paired difference is the policy's effect at those parameters.

Variants beside the status quo and the proposal:

* **ablations** — both the status quo and the proposal with one named mechanism switched off by
  parameter overrides (:data:`MECHANISMS`): contagion, deserter asylum, the war's end, morale
  channels. The effect with the mechanism off says whether a claim survives without it.
* **levers** — the status quo plus one lever of the proposal alone (entry, asylum, screening,
  relocation), derived from the proposal's differences from the status quo
  (:func:`lever_scenarios`). The effect of each lever alone says which lever carries a claim.

Everything is written into one folder, resumably (a run finished on disk is read back, never
redone; a folder made with other settings is refused): ``runs/<variant>/draw-<i>-seed-<s>/``,
``draws.csv`` (the parameter values of every draw), ``runs.parquet`` and ``runs.csv`` (one tidy
row per run: variant, draw, seed, parameter values, claimed outputs) and ``audit.json`` (the
verdicts, :mod:`exitwave.report.verdicts`), which the report reads.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from exitwave.experiments.executors import RunOutcome

__all__ = ["MECHANISMS", "LEVERS", "AUDIT_OUTPUTS", "AuditPlan", "plan_audit", "parameter_draws",
           "lever_scenarios", "run_audit", "load_audit"]

STATUS_QUO, PROPOSAL = "status-quo", "proposal"

AUDIT_OUTPUTS = ("departed", "mobilized", "mobilization_shortfall", "recruited", "force_strength",
                 "mean_morale", "deserted", "surrendered", "war_end_day", "hostile_admitted")
"""Summary outputs every audit run keeps in the tidy table (the claims are tested on them)."""

MECHANISMS: dict[str, tuple[str, dict[str, Any]]] = {
    "contagion": ("desertion and surrender do not spread (unit, neighbour and army-wide contagion "
                  "and its morale term set to 0)",
                  {"front.contagion_unit": 0.0, "front.contagion_neighbours": 0.0, "front.contagion_army": 0.0,
                   "front.morale_contagion_impact": 0.0}),
    "deserter asylum": ("no asylum offered to deserters (front.deserter_asylum off)",
                        {"front.deserter_asylum": False}),
    "war end": ("the war does not end within the run (front.war_end.rule = none)",
                {"front.war_end.rule": "none"}),
    "morale channels": ("morale moves nothing and news from home do not move it "
                        "(morale_hazard_weight, war_end.morale_effect and morale_home_news_impact set to 0)",
                        {"front.morale_hazard_weight": 0.0, "front.war_end.morale_effect": 0.0,
                         "front.morale_home_news_impact": 0.0}),
}
"""Named mechanisms and the parameter overrides that switch each off (applied after the draw)."""

LEVERS: dict[str, tuple[str, ...]] = {
    "entry": ("entry", "visa_fee_usd"),
    "asylum": ("asylum", "recognition_rate"),
    "screening": ("transit_only", "screening_capacity_per_day", "detection_probability"),
    "relocation": ("relocation_key", "coalition"),
}
"""Policy fields of each lever; a proposal's other differences from the status quo go to the lever
named in :data:`LEVER_OF_PATH` or to ``other``."""

LEVER_OF_PATH = {"front.deserter_asylum": "asylum", "front.captor_credibility": "captor credibility"}

_POLICY_KEEP = ("country", "from", "until", "label")


# -- parameter draws ---------------------------------------------------------------------------
def dotted_value(data: Any, dotted: str) -> Any:
    """The value at a dotted path (``front.coercion``) of nested mappings, or None where absent."""
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _posterior(baseline: str) -> pd.DataFrame | None:
    """The bundled calibration posterior of ``baseline`` (a bundled name), if there is one."""
    import pandas as pd

    from exitwave.report.html import BUNDLED_CALIBRATION

    if "/" in baseline or baseline.endswith((".yaml", ".yml")):
        return None
    path = BUNDLED_CALIBRATION.parent / baseline / "posterior.csv"
    return pd.read_csv(path) if path.is_file() else None


def posterior_note(baseline: str) -> str | None:
    """A warning when the bundled posterior that the draws of ``baseline``'s calibrated
    parameters come from is nearly one particle (effective sample size below
    :data:`~exitwave.calibration.abc.LOW_ESS`); None when it is larger or there is none."""
    from exitwave.calibration.abc import LOW_ESS, effective_sample_size

    posterior = _posterior(baseline)
    if posterior is None or "weight" not in posterior:
        return None
    ess = effective_sample_size(posterior["weight"].to_numpy())
    if ess >= LOW_ESS:
        return None
    return (f"the bundled posterior of {baseline} has an effective sample size of {ess:.1f} (of "
            f"{len(posterior)} particles): its calibrated parameters barely vary between draws, so the "
            "intervals leave out their uncertainty")


def drawn_parameters(baseline: dict[str, Any], proposal: dict[str, Any], calibrated: set[str]) -> list[Any]:
    """Registry parameters the audit varies: a range (low < high), used by the scenarios (present
    in the status quo's resolved fields), not a policy lever and not set differently by the
    proposal (a lever), not a per-item field (``waves[]``), not calibrated (the posterior gives those)."""
    from exitwave.registry import parameters

    out = []
    for p in parameters():
        if p.low >= p.high or "[]" in p.name or p.name in calibrated:
            continue
        if "lever" in p.source or "lever" in p.note:
            continue
        value = dotted_value(baseline, p.name)
        if value is None or isinstance(value, bool) or dotted_value(proposal, p.name) != value:
            continue
        out.append(p)
    return out


def _as_override(p: Any, value: float, template: Any) -> Any:
    from exitwave.calibration.abc import _override

    if isinstance(template, int):
        integer = int(round(value))
        if p.name == "population.contacts_per_person":  # contacts come in cycle pairs
            integer = max(2, 2 * int(round(value / 2)))
        return integer
    if isinstance(template, str) and template.endswith("per day"):
        return f"{float(value)!r} per day"
    return _override(p.name, value)


def parameter_draws(baseline: dict[str, Any], proposal: dict[str, Any], baseline_name: str, n: int,
                    seed: int) -> tuple[list[dict[str, Any]], list[str]]:
    """``n`` parameter sets (overrides by dotted path) and the names of the calibrated ones.

    Calibrated parameters are resampled from the posterior by weight; every other varied
    parameter (:func:`drawn_parameters`) comes from a Latin hypercube over its registry range.
    Pairs of bounds (``…_low`` / ``…_high``) are kept ordered.
    """
    from scipy.stats import qmc

    posterior = _posterior(baseline_name)
    calibrated = [c for c in (posterior.columns if posterior is not None else []) if c != "weight"]
    varied = drawn_parameters(baseline, proposal, set(calibrated))
    rng = np.random.default_rng(seed)
    unit = qmc.LatinHypercube(d=max(1, len(varied)), seed=rng).random(n)
    rows = []
    if posterior is not None:
        w = posterior["weight"].to_numpy()
        rows = list(rng.choice(len(w), size=n, p=w / w.sum()))
    draws = []
    for i in range(n):
        values: dict[str, Any] = {}
        for j, p in enumerate(varied):
            values[p.name] = _as_override(p, p.low + unit[i, j] * (p.high - p.low), dotted_value(baseline, p.name))
        for name in calibrated:
            assert posterior is not None
            values[name] = _as_override_name(name, float(posterior[name].iloc[rows[i]]), dotted_value(baseline, name))
        for name in list(values):
            if name.endswith("_low") and (high := name[:-4] + "_high") in values:
                lo, hi = _number(values[name]), _number(values[high])
                if lo > hi:
                    values[name], values[high] = values[high], values[name]
        # ties within region and age band plus within region across bands cannot exceed all ties
        age, region = "population.homophily_region_age", "population.homophily_region"
        if age in values and region in values and values[age] + values[region] > 1:
            values[region] = 1.0 - values[age]
        draws.append(values)
    return draws, calibrated


def _as_override_name(name: str, value: float, template: Any) -> Any:
    from exitwave.registry import parameters

    p = next((p for p in parameters() if p.name == name), None)
    if p is None:
        from exitwave.calibration.abc import _override

        return _override(name, value)
    return _as_override(p, value, template)


def _number(value: Any) -> float:
    return float(str(value).split()[0])


# -- variants --------------------------------------------------------------------------------
def _resolved(name: str) -> tuple[Path, dict[str, Any]]:
    """A scenario's source path and its fields as a file would hold them (world path absolute)."""
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    path = resolve_scenario_path(name)
    data = load_scenario(name).model_dump(mode="json", by_alias=True, exclude_none=True)
    world = data.get("world")
    if isinstance(world, str) and not Path(world).is_absolute() and (path.parent / world).is_dir():
        data["world"] = os.path.normpath((path.parent / world).absolute())
    return path, data


def resolved_fields(name: str) -> dict[str, Any]:
    """A scenario's fields as a file would hold them, ``extends`` resolved (world path absolute)."""
    return _resolved(name)[1]


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if not path and key in ("name", "description", "seed", "policies"):
                continue
            out += _differences(a.get(key), b.get(key), f"{path}{key}.")
        return out
    return [] if a == b else [path.rstrip(".")]


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def lever_scenarios(baseline: dict[str, Any], proposal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The status quo plus each lever of the proposal alone, as scenario fields.

    A lever is a group of policy fields (:data:`LEVERS`): the proposal's policies that the status
    quo lacks are cut down to that group's fields (policies left with none are dropped); other
    fields the proposal changes (``front.deserter_asylum``) join the lever :data:`LEVER_OF_PATH`
    names, or ``other``. Only levers the proposal uses are returned.
    """
    base_policies = baseline.get("policies", [])
    added = [p for p in proposal.get("policies", []) if p not in base_policies]
    removed = [p for p in base_policies if p not in proposal.get("policies", [])]
    paths = _differences(baseline, proposal)
    out: dict[str, dict[str, Any]] = {}
    for lever, fields in LEVERS.items():
        cut = []
        for policy in added:
            kept = {k: v for k, v in policy.items() if k in fields}
            if kept:
                cut.append({**{k: v for k, v in policy.items() if k in _POLICY_KEEP}, **kept})
        extra = [p for p in paths if LEVER_OF_PATH.get(p) == lever]
        if not cut and not extra:
            continue
        data = copy.deepcopy(baseline)
        data["policies"] = [p for p in base_policies] + cut
        for p in extra:
            _set(data, p, dotted_value(proposal, p))
        out[lever] = data
    other = [p for p in paths if p not in LEVER_OF_PATH and p not in ("time.days", "time.end")]
    named = {LEVER_OF_PATH[p] for p in paths if p in LEVER_OF_PATH} - set(LEVERS)
    for lever in sorted(named):
        data = copy.deepcopy(baseline)
        for p in paths:
            if LEVER_OF_PATH.get(p) == lever:
                _set(data, p, dotted_value(proposal, p))
        out[lever] = data
    if other or removed:
        data = copy.deepcopy(baseline)
        data["policies"] = [p for p in base_policies if p not in removed]
        for p in other:
            _set(data, p, dotted_value(proposal, p))
        if data != baseline:
            out["other"] = data
    return out


@dataclass
class AuditPlan:
    """What an audit runs: variants (name → scenario fields plus overrides), draws and seeds."""

    proposal: str
    baseline: str
    draws: list[dict[str, Any]]
    calibrated: list[str]
    seeds: list[int]
    scale: float | None
    days: int | None
    variants: dict[str, dict[str, Any]]  # name -> scenario fields
    switches: dict[str, dict[str, Any]]  # name -> overrides applied after the draw (ablations)
    roles: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> {kind, of}

    def manifest(self) -> dict[str, Any]:
        digest = {name: hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]
                  for name, data in self.variants.items()}
        return {"proposal": self.proposal, "baseline": self.baseline, "draws": len(self.draws),
                "seeds": self.seeds, "scale": self.scale, "days": self.days, "variants": digest,
                "switches": {k: {p: str(v) for p, v in s.items()} for k, s in self.switches.items()},
                "draw_values": hashlib.sha256(json.dumps(self.draws, sort_keys=True, default=str)
                                              .encode()).hexdigest()[:16]}


def plan_audit(proposal: str, baseline: str = "russia-2022", *, draws: int = 16, seeds: int = 2,
               seed: int = 1, scale: float | None = None, days: int | None = None,
               ablations: bool = True, levers: bool = True) -> AuditPlan:
    """The variants, draws and seeds of an audit (nothing runs)."""
    if draws < 2:
        raise InputError("--draws", "draws", "expected at least 2 parameter draws (an interval needs several)")
    if seeds < 1:
        raise InputError("--seeds", "seeds", "expected at least 1 seed per draw")
    _, base = _resolved(baseline)
    _, prop = _resolved(proposal)
    if _differences(base, prop) == [] and base.get("policies") == prop.get("policies"):
        note = "the proposal equals the status quo: every difference will be 0"
    else:
        note = ""
    parameter_sets, calibrated = parameter_draws(base, prop, baseline, draws, seed)
    variants = {STATUS_QUO: base, PROPOSAL: prop}
    switches: dict[str, dict[str, Any]] = {}
    roles = {STATUS_QUO: {"kind": "status quo", "of": ""}, PROPOSAL: {"kind": "proposal", "of": note}}
    if ablations:
        for mechanism, (_, overrides) in MECHANISMS.items():
            # a mechanism whose switch the scenarios do not use (no front) is not ablated
            if not all(dotted_value(prop, p.rsplit(".", 1)[0]) is not None for p in overrides):
                continue
            slug = mechanism.replace(" ", "-")
            for name, data in ((f"{STATUS_QUO}.no-{slug}", base), (f"{PROPOSAL}.no-{slug}", prop)):
                variants[name] = data
                switches[name] = dict(overrides)
                roles[name] = {"kind": "ablation", "of": mechanism}
    if levers:
        for lever, data in lever_scenarios(base, prop).items():
            name = f"lever.{lever.replace(' ', '-')}"
            variants[name] = data
            roles[name] = {"kind": "lever", "of": lever}
    return AuditPlan(proposal=proposal, baseline=baseline, draws=parameter_sets, calibrated=calibrated,
                     seeds=list(range(seed, seed + seeds)), scale=scale, days=days, variants=variants,
                     switches=switches, roles=roles)


# -- running ------------------------------------------------------------------------------------
def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def _check_draws(plan: AuditPlan, files: dict[str, Path]) -> None:
    """Every draw must make a valid scenario of every variant, and a valid run of the status quo
    and the proposal at the audit's scale (a drawn front too small for ``--scale`` is refused
    here, before any run, not in every worker)."""
    from exitwave.engine import check_runs
    from exitwave.scenario.load import load_scenario

    for name, path in files.items():
        for i, draw in enumerate(plan.draws):
            overrides = {**draw, **plan.switches.get(name, {})}
            try:
                if name in (STATUS_QUO, PROPOSAL):
                    check_runs(str(path), seeds=plan.seeds, scale=plan.scale, days=plan.days, overrides=overrides)
                else:
                    load_scenario(path, overrides=overrides)
            except InputError as error:
                raise InputError(str(path), error.field,
                                 f"draw {i} of the parameters is refused: {error.expected}") from None


def run_audit(plan: AuditPlan, out: str | Path, *, workers: int = 1, scheduler: str | None = None,
              dask: bool = False, progress: Callable[[RunOutcome], None] | None = None,
              total: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Run (or resume) the audit into ``out`` and write ``runs.parquet``, ``runs.csv``,
    ``draws.csv`` and ``audit.json``; returns the audit (as written)."""
    import yaml

    from exitwave.engine import check_runs
    from exitwave.experiments.executors import (
        RunSpec,
        check_or_write_manifest,
        finished_runs,
        make_executor,
        remove_stale_temporaries,
    )
    from exitwave.report.verdicts import judge

    out = Path(out)
    check_or_write_manifest(out / "audit-manifest.json", plan.manifest(), "an audit")
    folder = out / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for name, data in plan.variants.items():
        path = folder / f"{name}.yaml"
        if not path.is_file():
            _write_atomically(path, yaml.safe_dump({**data, "name": name.replace(".", "-")}, sort_keys=False))
        files[name] = path
    _check_draws(plan, files)
    for path in files.values():
        check_runs(str(path), seeds=plan.seeds, scale=plan.scale, days=plan.days)
    specs: list[RunSpec] = []
    done_summaries: dict[tuple[str, int, int], dict[str, Any]] = {}
    for name, path in files.items():
        runs = out / "runs" / name
        remove_stale_temporaries(runs)
        done = finished_runs(runs)
        for i, draw in enumerate(plan.draws):
            overrides = {**draw, **plan.switches.get(name, {})}
            for s in plan.seeds:
                label = f"draw-{i}-seed-{s}"
                if label in done:
                    done_summaries[(name, i, s)] = json.loads((runs / label / "summary.json").read_text())
                    continue
                specs.append(RunSpec(scenario=str(path), seed=s, label=label, scale=plan.scale, days=plan.days,
                                     overrides=tuple(sorted(overrides.items())), run_dir=str(runs),
                                     group=f"{name}|{i}"))
    if total is not None:
        total(len(done_summaries), len(done_summaries) + len(specs))
    failures: list[str] = []
    executor = make_executor(workers=workers, scheduler=scheduler, dask=dask) if specs else None
    try:
        for outcome in executor.run(specs) if executor is not None else []:
            variant, index = outcome.spec.group.split("|")
            if outcome.ok:
                assert outcome.summary is not None
                done_summaries[(variant, int(index), outcome.spec.seed)] = outcome.summary
            else:
                failures.append(f"{variant} draw {index} seed {outcome.spec.seed}: {outcome.error}")
            if progress is not None:
                progress(outcome)
    finally:
        if executor is not None:
            executor.close()
    table = _tidy(plan, done_summaries)
    table.to_parquet(out / f".runs.parquet.tmp-{os.getpid()}")
    os.replace(out / f".runs.parquet.tmp-{os.getpid()}", out / "runs.parquet")
    _write_atomically(out / "runs.csv", table.to_csv(index=False))
    _write_atomically(out / "draws.csv", _draws_frame(plan).to_csv(index_label="draw"))
    scale = _scale(plan, done_summaries)
    result = _finite(judge(table, plan_info(plan, scale), failures=failures))
    _write_atomically(out / "audit.json", json.dumps(result, indent=1, default=_jsonable, allow_nan=False) + "\n")
    return result


def _finite(value: Any) -> Any:
    """NaN and infinities as ``None`` (strict JSON: an undefined relative effect is null)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _scale(plan: AuditPlan, summaries: dict[tuple[str, int, int], dict[str, Any]]) -> float:
    for summary in summaries.values():
        if "scale" in summary:
            return float(summary["scale"])
    return float(plan.scale or 1.0)


def plan_info(plan: AuditPlan, scale: float) -> dict[str, Any]:
    """What audit.json says about how the audit was made."""
    from exitwave import __version__

    return {"proposal": _short(plan.proposal), "baseline": _short(plan.baseline), "draws": len(plan.draws),
            "seeds": plan.seeds, "scale": scale, "days": plan.days, "calibrated": plan.calibrated,
            "varied": sorted({k for d in plan.draws for k in d} - set(plan.calibrated)),
            "roles": plan.roles,
            "mechanisms": {m: text for m, (text, _) in MECHANISMS.items()},
            "exitwave": __version__}


def _short(name: str) -> str:
    """A scenario's name for sentences: a bundled name, or a file's stem."""
    return Path(name).stem if name.endswith((".yaml", ".yml")) else name


def _draws_frame(plan: AuditPlan) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([{k: _number(v) for k, v in d.items()} for d in plan.draws])


def _tidy(plan: AuditPlan, summaries: dict[tuple[str, int, int], dict[str, Any]]) -> pd.DataFrame:
    """One row per finished run: variant, draw, seed, the draw's parameter values, the outputs."""
    import pandas as pd

    from exitwave.outputs import outcome_value

    draws = _draws_frame(plan)
    rows = []
    for (name, i, s), summary in sorted(summaries.items()):
        row: dict[str, Any] = {"variant": name, "draw": i, "seed": s}
        row.update({f"param:{k}": v for k, v in draws.iloc[i].items()})
        for key in AUDIT_OUTPUTS:
            row[key] = outcome_value(summary, key) if key in summary else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def load_audit(folder: str | Path) -> dict[str, Any]:
    """``audit.json`` of an audit folder (``exitwave audit … --out DIR``)."""
    path = Path(folder) / "audit.json" if Path(folder).is_dir() else Path(folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(str(path), "", f"expected the audit.json of `exitwave audit … --out DIR` ({error})"
                         ) from None
    if not isinstance(data, dict) or "claims" not in data:
        raise InputError(str(path), "claims", "expected the audit.json of `exitwave audit … --out DIR`")
    return data
