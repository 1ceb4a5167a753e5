"""One self-contained HTML report: opens offline, every plot embedded as an inline PNG.

The page is laid out by the Jinja2 templates in ``templates/`` (:mod:`exitwave.report.render`,
autoescaped); this module gathers what each section shows.

Sections: what was given (scenario summary); the claims audit (when the inputs pair a status quo
with a proposal); headline outputs with intervals; policy comparison panels (paired differences);
daily series with bands; a map of flows through the crossings on bundled country outlines (no
tile server); the calibration fit; sensitivity (Sobol indices of the paired differences); the
parameter registry with sources. The file is written atomically and references nothing outside
itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from exitwave.errors import InputError
from exitwave.outputs import (
    HEADLINE_NOTE,
    format_value,
    headline_fields,
    headline_table,
    headline_value,
    table_notes,
)
from exitwave.registry import parameters
from exitwave.report.claims import NOT_TESTED, audit
from exitwave.report.figures import (
    band_figures,
    calibration_figure,
    flow_difference_figure,
    flow_map_figure,
    forest_figure,
    png_bytes,
    run_world,
    sensitivity_figure,
    series_by_group,
)
from exitwave.report.inputs import ReportInputs, read_inputs
from exitwave.report.render import Markup, render
from exitwave.report.war_end import war_end_section

__all__ = ["build_report", "BUNDLED_SENSITIVITY", "BUNDLED_CALIBRATION", "load_sensitivity", "Sensitivity"]

_DATA = Path(str(resources.files("exitwave") / "data"))
BUNDLED_SENSITIVITY = _DATA / "sensitivity" / "sobol-asylum-coalition-vs-russia-2022.csv"
BUNDLED_CALIBRATION = _DATA / "calibration" / "russia-2022"
BUNDLED_AUDIT = _DATA / "audit" / "asylum-coalition-vs-russia-2022" / "audit.json"
SOBOL_MAX_WIDTH = 0.1
"""A Sobol total index names a carrier only when it lies in [0, 1] and its 95 % interval is at most this wide."""
CLAIMED_OUTPUTS = ("departed", "mobilization_shortfall", "force_strength", "mean_morale", "deserted",
                   "surrendered", "war_end_day", "hostile_admitted")

@dataclass
class Sensitivity:
    """Indices read from ``exitwave sensitivity --out FILE.csv`` (and its ``.json`` provenance)."""

    path: Path
    frame: Any  # pandas DataFrame: output, parameter, indices, rank
    meta: dict[str, Any]
    bundled: bool

    @property
    def pair(self) -> tuple[str, str] | None:
        """(status quo, proposal) scenario names when the indices are of a paired difference."""
        versus = self.meta.get("versus")
        scenario = self.meta.get("scenario")
        if not versus or not scenario:
            return None
        return Path(str(versus)).stem, Path(str(scenario)).stem

    @property
    def is_sobol(self) -> bool:
        return "ST" in self.frame.columns

    def leading(self, k: int = 3) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for output, part in self.frame.groupby("output"):
            out[str(output)] = list(part.sort_values("rank")["parameter"].head(k))
        return out

    def resolved(self, output: str, parameter: str) -> bool:
        """Whether a parameter's index for ``output`` is resolved (Morris: always; Sobol:
        :func:`sobol_resolved`)."""
        row = self.frame[(self.frame["output"] == output) & (self.frame["parameter"] == parameter)]
        if row.empty or not self.is_sobol:
            return not row.empty
        return sobol_resolved(row.iloc[0]["ST"], row.iloc[0]["ST_conf"])

    def describe(self, output: str, parameter: str) -> str:
        row = self.frame[(self.frame["output"] == output) & (self.frame["parameter"] == parameter)]
        if row.empty:
            return parameter
        r = row.iloc[0]
        if self.is_sobol:
            if not sobol_resolved(r["ST"], r["ST_conf"]):
                return (f"{parameter} (ST {r['ST']:.2f} ± {r['ST_conf']:.2f}: unresolved, not resolved at "
                        f"N = {self.meta.get('n', '?')} samples)")
            unresolved = "; interval reaches 0" if r["ST"] - r["ST_conf"] <= 0 else ""
            return f"{parameter} (ST {r['ST']:.2f} ± {r['ST_conf']:.2f}{unresolved})"
        return f"{parameter} (μ* {_num(r['mu_star'])})"


def sobol_resolved(st: float, conf: float) -> bool:
    """A total index is resolved when it lies in [0, 1] (as the true index must) and its 95 %
    interval (± ``conf``) is at most :data:`SOBOL_MAX_WIDTH` wide; otherwise the sample is too
    small to name it a carrier."""
    return bool(0.0 <= st <= 1.0 and 2 * conf <= SOBOL_MAX_WIDTH)


def load_sensitivity(path: Path, bundled: bool = False) -> Sensitivity:
    """Read a sensitivity CSV and, when present, the JSON beside it (command, budget, date)."""
    from exitwave.experiments.sensitivities import read_table

    frame, meta = read_table(path)
    return Sensitivity(path, frame, meta, bundled)


def _choose_audit(path: Path | None, inputs: ReportInputs) -> tuple[dict[str, Any] | None, Path | None]:
    """The audit the report shows: ``--audit DIR``, else the bundled one when the comparison is its
    pair (russia-2022, asylum-coalition); with the folder it came from (``None``: the bundled one)."""
    from exitwave.experiments.audit import load_audit

    if path is not None:
        return load_audit(path), path
    comparison = inputs.comparison
    if comparison is None or len(comparison.names) < 2 or not BUNDLED_AUDIT.is_file():
        return None, None
    bundled = load_audit(BUNDLED_AUDIT)
    pair = (bundled["audit"].get("baseline"), bundled["audit"].get("proposal"))
    if pair == (comparison.names[0], comparison.names[1]):
        return bundled, None
    return None, None


def _choose_sensitivity(path: Path | None, inputs: ReportInputs) -> Sensitivity | None:
    if path is not None:
        return load_sensitivity(path)
    comparison = inputs.comparison
    if comparison is None or len(comparison.names) < 2 or not BUNDLED_SENSITIVITY.is_file():
        return None
    bundled = load_sensitivity(BUNDLED_SENSITIVITY, bundled=True)
    return bundled if bundled.pair == (comparison.names[0], comparison.names[1]) else None


def build_report(inputs: Path | list[Path], out: Path, sensitivity_csv: Path | None = None, *,
                 calibration_dir: Path | None = BUNDLED_CALIBRATION, war_end_off: Path | None = None,
                 audit_dir: Path | None = None) -> Path:
    """Write the report for a comparison folder (``exitwave compare … --out DIR``), ensemble
    folders (``exitwave ensemble … --out DIR``) or run folders; see :mod:`exitwave.report.inputs`.

    ``sensitivity_csv`` (from ``exitwave sensitivity --out``) names the parameters behind each
    claim; without it the bundled Sobol result is used when the comparison is its pair
    (russia-2022, asylum-coalition). ``calibration_dir`` holds ``fit.csv`` (default: the bundled
    calibration of russia-2022; ``None`` leaves the section out). ``war_end_off``: a folder of the
    same scenarios and seeds run with ``--war-end off``, for the section on the war's end
    (:mod:`exitwave.report.war_end`). ``audit_dir`` is an audit folder
    (``exitwave audit … --out DIR``); without it the bundled audit is shown when the comparison is
    its pair. A plain-language summary opens the report: the comparison's effects and
    verdicts (:func:`exitwave.report.verdicts.plain_summary`), then the audit's.
    """
    from exitwave.report.exports import Exports
    from exitwave.results import check_folder

    folders = [Path(inputs)] if isinstance(inputs, str | Path) else [Path(p) for p in inputs]
    if Path(out).is_dir():
        raise InputError(str(out), "--out", "expected the path of an HTML file, got a folder")
    check_folder(Path(out).parent)  # before the work, not when the report is written (made then)
    given = read_inputs(folders)
    war_end = war_end_section(given, read_inputs([Path(war_end_off)]) if war_end_off is not None else None)
    with Exports(out) as exports:
        page = _page(given, sensitivity_csv, calibration_dir, exports, war_end, audit_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
        temp = out.with_name(f".{out.name}.tmp")
        try:
            temp.write_text(page, encoding="utf-8")
            temp.replace(out)
        finally:
            if temp.exists():
                temp.unlink()
        exports.publish()
    return out



@dataclass(frozen=True)
class Figure:
    """A figure as the page embeds it: its description (titles, units, legend) and the PNG in base64."""

    alt: str
    data: str


def _png(fig: Any, dpi: int = 90) -> Figure:
    from exitwave.report.exports import active
    from exitwave.report.figures import figure_description, tight_box

    words = figure_description(fig) or "plot"  # titles, units, legend: read before png_bytes closes it
    box = tight_box(fig)  # measured once for the page's PNG and the exports
    collector = active()
    if collector is not None:  # the report's exports: this figure as PNG and SVG too
        collector.figure(fig, box)
    return Figure(words, base64.b64encode(png_bytes(fig, dpi, box)).decode())


def _num(value: Any) -> str:
    value = float(value)
    if value != value:
        return "–"
    if abs(value) < 10 and value != round(value):
        return f"{value:.3f}"
    return f"{value:,.0f}"


def _scenarios(inputs: ReportInputs) -> list[dict[str, str]]:
    """One row per scenario: name, runs and seeds, scale, period, description and policies."""
    import yaml

    rows = []
    for name, runs in inputs.groups.items():
        summaries = inputs.summaries[name]
        s0 = summaries[0]
        seeds = sorted(int(s["seed"]) for s in summaries)
        text = ""
        path = runs[0] / "scenario.yaml"
        if path.is_file():
            data = yaml.safe_load(path.read_text()) or {}
            text = str(data.get("description") or "")
            labels = sorted({str(p.get("label")) for p in data.get("policies") or [] if p.get("label")})
            if labels:
                text += " Policies: " + "; ".join(labels) + "."
        runs_text = f"{len(seeds)} (seeds {seeds[0]}–{seeds[-1]})" if len(seeds) > 1 else f"1 (seed {seeds[0]})"
        rows.append({"name": name, "runs": runs_text, "scale": f"{float(s0['scale']):g} men",
                     "period": f"{s0['days']} days from {s0['start']}", "text": text})
    return rows


def _claims(inputs: ReportInputs, sens: Sensitivity | None) -> dict[str, Any]:
    """The claims audit on the comparison's runs (:func:`exitwave.report.claims.audit`)."""
    from exitwave.report.claims import verdict_class

    comparison = inputs.comparison
    if comparison is None or len(comparison.names) < 2:
        return {"paired": False, "reason": inputs.unpaired_reason}
    leading = sens.leading() if sens is not None else None
    verdicts = audit(comparison, leading, include_untested=True, leading_pair=sens.pair if sens else None)
    rows: list[dict[str, Any]] = []
    for v in verdicts:
        claim = v.claim
        row: dict[str, Any] = {"code": claim.code, "text": claim.text, "tested": v.tested, "note": v.note,
                               "verdict": NOT_TESTED if not v.tested else v.verdict}
        if v.tested:
            against = ("level" if claim.against in ("within", "composition") else
                       "share" if claim.output == "front_share" else "difference")
            threshold = f" (threshold {claim.threshold:g})" if claim.threshold else ""
            if v.material is not None:
                threshold += f" (matters beyond {format_value(v.material, unit=claim.unit)})"
            row.update(against=against, output=claim.output, baseline=v.baseline, scenario=v.scenario,
                       band=f"{_num(v.median)} [{_num(v.p5)} … {_num(v.p95)}]", threshold=threshold,
                       css=verdict_class(v.verdict), named=[], carriers="missing")
            if v.leading and sens is not None:
                named = [p for p in v.leading if sens.resolved(claim.output, p)]
                row["carriers"] = "named" if named else "unresolved"
                row["named"] = [sens.describe(claim.output, p) for p in (named or v.leading)]
            elif claim.against in ("within", "composition", "none") or claim.output == "front_share":
                row["carriers"] = "derived"
        rows.append(row)
    return {"paired": True, "base": comparison.names[0], "seeds": len(comparison.seeds), "rows": rows,
            "levels_file": sens.path.name if sens is not None and sens.pair is None else None,
            "n": sens.meta.get("n", "?") if sens is not None else "?", "max_width": f"{SOBOL_MAX_WIDTH:g}"}


def _signed(value: Any, unit: str) -> str:
    return format_value(value, True, unit)


def _audit(result: dict[str, Any] | None, folder: Path | None) -> dict[str, Any] | None:
    """Verdicts over the parameter draws and seeds (``exitwave audit``), with materiality,
    carriers by ablation and by lever, and where each claim fails; ``folder`` ``None``: bundled."""
    from exitwave.report.claims import verdict_class

    if result is None:
        return None
    info = result["audit"]
    rows = []
    for c in result["claims"]:
        row: dict[str, Any] = {"code": c["code"], "text": c["text"], "summary": c["summary"],
                               "carried_by": c.get("carried_by") or "", "verdict": c["verdict"],
                               "tested": "median" in c}
        if "median" in c:
            unit = c["unit"]
            row.update(
                css=verdict_class(c["verdict"]), p_holds=f"{c['p_holds']:.0%}",
                effect=f"{_signed(c['median'], unit)} [{_signed(c['p5'], unit)} … {_signed(c['p95'], unit)}]",
                relative="–" if c.get("relative") is None else f"{c['relative']:+.1%}",
                relative_band=("" if c.get("relative_p5") is None else
                               f"[{c['relative_p5']:+.0%} … {c['relative_p95']:+.0%}]"),
                reason=c["reason"], threshold_rule=c["threshold_rule"],
                share="–" if c.get("parameter_share") is None else f"{c['parameter_share']:.0%}",
                ablations=[{"mechanism": m, "median": _signed(a["median"], unit), "verdict": a["verdict"],
                            "css": verdict_class(a["verdict"])} for m, a in c.get("ablations", {}).items()],
                levers=[{"lever": lv, "median": _signed(a["median"], unit),
                         "share": "" if a.get("share_of_effect") is None else f" ({a['share_of_effect']:.0%})"}
                        for lv, a in c.get("levers", {}).items()],
                failure=c.get("failure", {}).get("text", "–"))
        rows.append(row)
    return {"bundled": folder is None, "path": folder, "proposal": info.get("proposal"),
            "baseline": info.get("baseline"), "draws": info.get("draws"), "seeds": len(info.get("seeds", [])),
            "scale": info.get("scale"), "days": info.get("days"), "calibrated": len(info.get("calibrated", [])),
            "varied": len(info.get("varied", [])), "rows": rows,
            "words": list(result.get("verdict_words", {}).items()), "failures": result.get("failures") or []}


def _headline(inputs: ReportInputs) -> dict[str, Any]:
    """The headline table: the shared text table of a comparison (:func:`headline_table`), else
    medians [5–95 %] per group of runs, not paired."""
    comparison = inputs.comparison
    if comparison is not None and len(comparison.names) >= 2:
        table = headline_table(comparison)
        return {"paired": True, "columns": [str(c) for c in table.columns],
                "rows": [(label, [(v, False) for v in row]) for label, row in table.iterrows()],
                "note": HEADLINE_NOTE,
                "notes": table_notes([k for k, _ in comparison.fields], inputs.summaries)}
    first = next(iter(inputs.summaries.values()))[0]
    fields = headline_fields(first, {})
    rows = []
    for key, label in fields:
        if key == "dest.EU":
            continue
        cells = []
        for name in inputs.groups:
            values = np.array([headline_value(s, key, set()) for s in inputs.summaries[name]], dtype=float)
            if np.isnan(values).all():
                cells.append(("–", False))
            elif len(values) < 2:
                cells.append((_num(values[0]), True))
            else:
                p5, p50, p95 = np.nanpercentile(values, [5, 50, 95])
                cells.append((f"{_num(p50)} [{_num(p5)}–{_num(p95)}]", False))
        rows.append((label, cells))
    return {"paired": False, "columns": list(inputs.groups), "rows": rows, "reason": inputs.unpaired_reason,
            "notes": table_notes([k for k, _ in fields], inputs.summaries)}


def _headline_section(inputs: ReportInputs) -> str:
    """The headline section alone, as HTML (the same table as the command line and the dashboard)."""
    return str(render("headline.html.j2", headline=_headline(inputs)))


def _policy(inputs: ReportInputs) -> dict[str, Any] | None:
    """Forest plots of the paired differences from the first scenario, one per other scenario."""
    comparison = inputs.comparison
    if comparison is None or len(comparison.names) < 2:
        return None
    from exitwave.outputs import output_of_key, registry

    frame = comparison.to_frame()
    base = comparison.names[0]
    reg = registry()
    goods = [reg.get(output_of_key(key)).good if output_of_key(key) in reg else None for key, _ in comparison.fields]
    figures = []
    for name in comparison.names[1:]:
        cols = [f"{name}.diff_median", f"{name}.diff_p5", f"{name}.diff_p95", f"{base}.median"]
        numbers = frame[cols].to_numpy(dtype=float)
        rows = [(label, float(mid), float(lo), float(hi), float(scale))
                for (_, label), (mid, lo, hi, scale) in zip(comparison.fields, numbers, strict=True)]
        figures.append(_png(forest_figure(rows, f"{name} − {base}", goods)))
    return {"base": base, "figures": figures}


def _calibration(folder: Path) -> dict[str, Any] | None:
    """The calibration fit of ``folder`` (``fit.csv``, ``calibration.json``), or ``None``."""
    import pandas as pd

    if not (folder / "fit.csv").is_file():
        return None
    fit = pd.read_csv(folder / "fit.csv")
    info = json.loads((folder / "calibration.json").read_text()) if (folder / "calibration.json").is_file() else {}
    rows = [{"target": r["target"], "unit": r["unit"],
             "dates": r["from"] if r["from"] == r["to"] else f"{r['from']} – {r['to']}",
             "observed": _num(r["observed"]), "band": f"{_num(r['median'])} [{_num(r['p5'])}–{_num(r['p95'])}]",
             "inside": bool(r["inside_90"]), "reliability": r["reliability"]} for _, r in fit.iterrows()]
    return {"scenario": info.get("scenario", "?"), "window": info.get("window", ["?", "?"]),
            "simulations": info.get("simulations", "?"), "scale": info.get("scale", "?"),
            "command": info.get("command", ""), "draws": info.get("predictive_draws", "?"),
            "inside": int(fit["inside_90"].astype(bool).sum()), "rows": rows,
            "figure": _png(calibration_figure(fit))}


def _sensitivity(sens: Sensitivity | None, inputs: ReportInputs) -> dict[str, Any] | None:
    """The sensitivity indices, their budget and provenance, and the leading parameters per output."""
    if sens is None:
        return None
    meta = sens.meta
    budget = {"method": meta.get("method", "?"), "n": meta.get("n", "?"),
              "parameters": len(meta.get("parameters", [])), "runs": meta.get("runs", "?"),
              "scale": meta.get("scale", "?"), "seed": meta.get("seed", "?"),
              "created": meta.get("created_utc", "?"), "wall_s": meta.get("wall_s", "?"),
              "command": meta.get("command", "")} if meta else None
    context: dict[str, Any] = {
        "versus": meta.get("versus"), "scenario": meta.get("scenario") if meta.get("versus") else meta.get("scenario", "?"),
        "bundled": sens.bundled, "file": sens.path.name, "budget": budget, "vague": [], "above_one": [],
        "is_sobol": sens.is_sobol, "figure": None, "n": meta.get("n", "?"), "max_width": f"{SOBOL_MAX_WIDTH:g}"}
    if sens.is_sobol:
        frame = sens.frame
        resolved = frame[frame["ST"] - frame["ST_conf"] > 0].groupby("output")["parameter"].count()
        claimed = [o for o in CLAIMED_OUTPUTS if (frame["output"] == o).any()]
        context["vague"] = [o for o in claimed if int(resolved.get(o, 0)) == 0]
        context["above_one"] = sorted({str(o) for o in frame.loc[frame["ST"] > 1.0, "output"]})
    pair = sens.pair
    context["other_pair"] = inputs.comparison is not None and pair is not None and pair[0] not in inputs.comparison.names
    if sens.is_sobol:
        fig = sensitivity_figure(sens.frame, list(CLAIMED_OUTPUTS))
        if fig is not None:
            context["figure"] = _png(fig)
        context["unresolved"] = sum(not sobol_resolved(r["ST"], r["ST_conf"]) for _, r in sens.frame.iterrows())
        context["indices"] = len(sens.frame)
    key, conf = ("ST", "ST_conf") if sens.is_sobol else ("mu_star", "mu_star_conf")
    rows = []
    for output, part in sens.frame.groupby("output"):
        cells = [{"parameter": r["parameter"],
                  "index": f"{key} {_num(r[key])} ± {_num(r[conf])}"
                           + (f", S1 {_num(r['S1'])} ± {_num(r['S1_conf'])}" if sens.is_sobol else ""),
                  "unresolved": sens.is_sobol and not sobol_resolved(r["ST"], r["ST_conf"])}
                 for _, r in part.sort_values("rank").head(3).iterrows()]
        rows.append((output, cells))
    context["rows"] = rows
    return context


def _plain_words(given: ReportInputs, audited: dict[str, Any] | None) -> list[str]:
    """The plain-language summary that opens the report: the comparison's effects and verdicts
    (:func:`exitwave.report.verdicts.plain_summary`, as ``exitwave compare`` prints it), then the
    audit's over all the uncertainty."""
    from exitwave.report.verdicts import plain_summary

    words = []
    if given.comparison is not None and len(given.comparison.names) >= 2:
        words += plain_summary(given.comparison)
    if audited is not None:
        words.append(f"Over the parameters' uncertainty too (the audit below): {audited['summary']}")
    return words


def _page(given: ReportInputs, sensitivity_csv: Path | None, calibration_dir: Path | None, exports: Any,
          war_end: str, audit_dir: Path | None) -> str:
    """The report's HTML (figures and tables also go to ``exports``); ``war_end``: the section on
    the war's end (:func:`exitwave.report.war_end.war_end_section`)."""
    from exitwave.outputs import headline_numbers

    sens = _choose_sensitivity(sensitivity_csv, given)
    audited, audit_folder = _choose_audit(audit_dir, given)
    first_run = next(iter(given.groups.values()))[0]
    world = run_world(first_run)
    groups = series_by_group(given.groups)
    summary0 = given.summaries[next(iter(given.summaries))][0]
    kind = {"comparison": "a comparison folder", "ensembles": "ensemble or run folders, paired by seed",
            "runs": "ensemble or run folders, not paired"}[given.kind]
    toc = [("summary", "Scenarios"), ("claims", "Claims audit"), ("audit", "Claims over the uncertainty"),
           ("headline", "Headline outputs")]
    if given.paired:
        toc.append(("policy", "Policy comparison"))
    if war_end:
        toc.append(("war-end", "War end"))
    toc += [("series", "Daily series"), ("map", "Flow map")]
    if calibration_dir is not None and (calibration_dir / "fit.csv").is_file():
        toc.append(("calibration", "Calibration fit"))
    toc += [("sensitivity", "Sensitivity"), ("registry", "Parameter registry"), ("exports", "Exports")]
    context: dict[str, Any] = {
        "kind": kind, "sources": [str(f) for f in given.sources], "scale": f"{summary0.get('scale', float('nan')):g}",
        "days": summary0.get("days", "?"), "start": summary0.get("start", "?"),
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "toc": toc,
        "plain": _plain_words(given, audited), "plain_details": "audit" if audited is not None else "claims",
        "scenarios": _scenarios(given), "claims": _claims(given, sens), "audit": _audit(audited, audit_folder),
        "headline": _headline(given), "war_end": Markup(war_end)}
    # the figures in the order the page shows them (the exports are numbered in this order)
    context["policy"] = _policy(given)
    context["series"] = [_png(fig) for fig in band_figures(groups, world)]
    maps = []
    flow_map = flow_map_figure(groups, world)
    if flow_map is not None:
        maps.append(_png(flow_map, dpi=80))
    names = list(groups)
    for other in names[1:4]:  # where each proposal moves people, compared with the status quo
        difference = flow_difference_figure(groups, world, names[0], other)
        if difference is not None:
            maps.append(_png(difference, dpi=80))
    context["maps"] = maps
    context["calibration"] = _calibration(calibration_dir) if calibration_dir is not None else None
    context["sensitivity"] = _sensitivity(sens, given)
    context["registry"] = [{"name": p.name, "unit": p.unit, "default": f"{p.default:g}",
                            "range": f"{p.low:g} – {p.high:g}", "source": p.source} for p in parameters()]
    exports.page_tables(str(render("report.html.j2", exports=None, **context)))
    if given.comparison is not None and len(given.comparison.names) >= 2:
        exports.extra_table("headline-numbers", headline_numbers(given.comparison))
    links = {"folder": exports.final.name, "tables": list(exports.tables), "figures": list(exports.figures)}
    return str(render("report.html.j2", exports=links, **context))
