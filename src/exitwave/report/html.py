"""One self-contained HTML report: opens offline, every plot embedded as an inline PNG.

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
import html
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from exitwave.errors import InputError
from exitwave.outputs import (
    HEADLINE_NOTE,
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

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#1d2433;line-height:1.45;padding:0 1rem}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #e3e7ef;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.6rem 0}
th,td{border-bottom:1px solid #e3e7ef;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f7fb}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.supported{color:#17663a;font-weight:600}.contradicted{color:#a11d2b;font-weight:600}
.undetermined{color:#8a6100;font-weight:600}.untested{color:#5a6478;font-style:italic}
.note{color:#5a6478;font-size:.9rem}.small{color:#8a6100;font-weight:600}
.lead{background:#f5f7fb;border-left:4px solid #1d2433;padding:.6rem 1rem}
nav{background:#f5f7fb;border-radius:4px;padding:.5rem 1rem;font-size:.9rem}nav a{margin-right:1rem}
img{max-width:100%;border:1px solid #e3e7ef;border-radius:4px;margin:.4rem 0}
code{background:#f5f7fb;padding:0 .2rem;border-radius:3px}
"""


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


#: Printed on A4: every table whole (cells wrap instead of running off the page, rows never split
#: across pages), figures scaled to the page, no navigation bar.
_PRINT_CSS = """
@media print{@page{size:A4;margin:12mm 10mm}
body{max-width:none;margin:0;padding:0;font-size:9pt}nav{display:none}
table{width:100%;table-layout:auto;font-size:7pt;page-break-inside:auto}
th,td{padding:.15rem .25rem;word-break:break-word;overflow-wrap:anywhere}
td.num{white-space:normal}tr{page-break-inside:avoid;break-inside:avoid}thead{display:table-header-group}
img{max-width:100%;page-break-inside:avoid;break-inside:avoid}h2{page-break-after:avoid;break-after:avoid}
.exports{display:none}}
"""


def _png(fig: Any, dpi: int = 90) -> str:
    from exitwave.report.exports import active

    collector = active()
    if collector is not None:  # the report's exports: this figure as PNG and SVG too
        collector.figure(fig)
    from exitwave.report.figures import figure_description

    words = html.escape(figure_description(fig) or "plot", quote=True)  # titles, units, legend: read before png_bytes closes it
    return f'<img alt="{words}" title="{words}" src="data:image/png;base64,{base64.b64encode(png_bytes(fig, dpi)).decode()}">'


def _num(value: Any) -> str:
    value = float(value)
    if value != value:
        return "–"
    if abs(value) < 10 and value != round(value):
        return f"{value:.3f}"
    return f"{value:,.0f}"


def _e(text: Any) -> str:
    return html.escape(str(text))


def _scenario_rows(inputs: ReportInputs) -> list[str]:
    import yaml

    rows = ["<table><tr><th>scenario</th><th>runs</th><th>1 agent =</th><th>period</th>"
            "<th>what it is</th></tr>"]
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
        seed_text = f"{len(seeds)} (seeds {seeds[0]}–{seeds[-1]})" if len(seeds) > 1 else f"1 (seed {seeds[0]})"
        rows.append(f"<tr><td><b>{_e(name)}</b></td><td>{seed_text}</td><td>{float(s0['scale']):g} men</td>"
                    f"<td>{_e(s0['days'])} days from {_e(s0['start'])}</td><td>{_e(text)}</td></tr>")
    rows.append("</table>")
    return rows


def _claims_section(inputs: ReportInputs, sens: Sensitivity | None) -> list[str]:
    parts = ["<h2 id='claims'>Claims audit</h2>"]
    comparison = inputs.comparison
    if comparison is None or len(comparison.names) < 2:
        parts.append(f"<p class='note'>No claims audit: {_e(inputs.unpaired_reason)}. The audit needs a status "
                     "quo and a proposal run on the same seeds, e.g. <code>exitwave compare russia-2022 "
                     "asylum-coalition asylum-coalition-exits-closed -n 8 --out DIR</code>, or two ensembles "
                     "with the same seeds, scale and days.</p>")
        parts.append("<table id='claims-table'><tr><th>claim</th><th>verdict</th></tr>"
                     "<tr><td>all claims</td><td class='untested'>not tested here (no paired comparison)</td>"
                     "</tr></table>")
        return parts
    leading = sens.leading() if sens is not None else None
    verdicts = audit(comparison, leading, include_untested=True, leading_pair=sens.pair if sens else None)
    parts.append(f"<p class='note'>Status quo <b>{_e(comparison.names[0])}</b>; each row gives the tested "
                 "quantity's median over seeds and its 5–95 % band (for a difference: the other scenario "
                 f"minus the first on the same seeds, {len(comparison.seeds)} seeds).</p>")
    if sens is not None and sens.pair is None:
        parts.append(f"<p class='note'>The parameters named below come from <code>{_e(sens.path.name)}</code>, "
                     "an analysis of the outputs' levels, not of the paired difference: they say what moves "
                     "an output, not what decides the policy's effect on it (use <code>--versus</code>).</p>")
    parts.append("<table id='claims-table'><tr><th>claim</th><th>tested by</th><th>median [5–95 %]</th>"
                 "<th>verdict</th><th>parameters that carry it (sensitivity index ± 95 % CI)</th></tr>")
    for v in verdicts:
        claim = v.claim
        if not v.tested:
            parts.append(f"<tr><td><b>{claim.code}</b> {_e(claim.text)}</td><td colspan='2' class='note'>"
                         f"{_e(v.note)}</td><td class='untested'>{NOT_TESTED}</td><td></td></tr>")
            continue
        css = {"supported": "supported", "contradicted": "contradicted"}.get(v.verdict, "undetermined")
        if claim.against in ("within", "composition"):
            tested = f"<code>{claim.output}</code> in {_e(v.baseline)}"
        elif claim.output == "front_share":
            tested = f"<code>{claim.output}</code> of {_e(v.scenario)} − {_e(v.baseline)}"
        else:
            tested = f"Δ <code>{claim.output}</code>: {_e(v.scenario)} − {_e(v.baseline)}"
        if v.note:
            tested += f"<br><span class='note'>{_e(v.note)}</span>"
        threshold = f" (threshold {claim.threshold:g})" if claim.threshold else ""
        if v.leading and sens is not None:
            named = [p for p in v.leading if sens.resolved(claim.output, p)]
            carriers = "; ".join(f"<code>{_e(sens.describe(claim.output, p))}</code>" for p in named) or (
                f"<span class='note'>not resolved at N = {_e(sens.meta.get('n', '?'))} samples (total indices "
                f"outside [0, 1] or intervals wider than {SOBOL_MAX_WIDTH:g}): "
                + ", ".join(f"<code>{_e(sens.describe(claim.output, p))}</code>" for p in v.leading) + "</span>")
        elif claim.against in ("within", "composition", "none") or claim.output == "front_share":
            carriers = "<span class='note'>derived quantity: no Sobol analysis</span>"
        else:
            carriers = (f"<span class='note'>no sensitivity result for this pair: <code>exitwave sensitivity "
                        f"{_e(v.scenario)} --versus {_e(v.baseline)} --method sobol --out FILE.csv</code>, then "
                        f"<code>--sensitivity FILE.csv</code></span>")
        parts.append(f"<tr><td><b>{claim.code}</b> {_e(claim.text)}</td><td>{tested}</td>"
                     f"<td class='num'>{_num(v.median)} [{_num(v.p5)} … {_num(v.p95)}]{threshold}</td>"
                     f"<td class='{css}'>{_e(v.verdict)}</td><td>{carriers}</td></tr>")
    parts.append("</table><p class='note'>Supported: the band lies on the claimed side of the threshold (zero for a "
                 "difference). Contradicted: on the other side. Undetermined: it straddles it at this ensemble "
                 "size and uncertainty — an honest verdict. Not tested here: these inputs cannot test it; the row "
                 "says what would. The rules are in <code>docs/report.md</code>.</p>")
    return parts


def _choose_audit(path: Path | None, inputs: ReportInputs) -> tuple[dict[str, Any] | None, str]:
    """The audit the report shows: ``--audit DIR``, else the bundled one when the comparison is its
    pair (russia-2022, asylum-coalition); with where it came from."""
    from exitwave.experiments.audit import load_audit

    if path is not None:
        return load_audit(path), f"<code>{_e(path)}</code>"
    comparison = inputs.comparison
    if comparison is None or len(comparison.names) < 2 or not BUNDLED_AUDIT.is_file():
        return None, ""
    bundled = load_audit(BUNDLED_AUDIT)
    pair = (bundled["audit"].get("baseline"), bundled["audit"].get("proposal"))
    if pair == (comparison.names[0], comparison.names[1]):
        return bundled, "the bundled audit (<code>data/audit/</code>)"
    return None, ""


def _signed(value: Any, unit: str) -> str:
    from exitwave.outputs import format_value

    return format_value(value, True, unit)


def _audit_section(result: dict[str, Any] | None, origin: str) -> list[str]:
    """Verdicts over the parameter draws and seeds (``exitwave audit``), with materiality,
    carriers by ablation and by lever, and where each claim fails."""
    parts = ["<h2 id='audit'>Claims over all the uncertainty</h2>"]
    if result is None:
        parts.append("<p class='note'>No audit over the parameters for these scenarios. Run <code>exitwave audit "
                     "PROPOSAL --baseline STATUS_QUO --draws 16 --seeds 2 --out DIR</code> and pass "
                     "<code>--audit DIR</code>.</p>")
        return parts
    info = result["audit"]
    parts.append(f"<p class='note'>From {origin}: <b>{_e(info.get('proposal'))}</b> against "
                 f"<b>{_e(info.get('baseline'))}</b> on {_e(info.get('draws'))} parameter draws × "
                 f"{len(info.get('seeds', []))} seeds at 1 agent = {_e(info.get('scale'))} men"
                 + (f", {_e(info['days'])} days" if info.get("days") else "")
                 + f". Draws: the calibration posterior for {len(info.get('calibrated', []))} parameters and a Latin "
                 f"hypercube over the registry ranges of {len(info.get('varied', []))} others; each draw and seed "
                 "is run in every variant on the same random numbers. P(holds): share of paired runs with an "
                 "effect in the claimed direction. Effect: median [90 % interval]. Relative: to the status "
                 "quo's value. From parameters: the share of the effect's variance between draws (the rest is "
                 "seeds). Verdict: the 90 % interval against the threshold of practical importance (hover "
                 "for its reason); the words are explained below the table.</p>")
    parts.append("<table id='audit-table'><tr><th>claim</th><th>verdict</th><th>P(holds)</th>"
                 "<th>effect, median [90 %]</th><th>relative</th><th>threshold</th><th>from parameters</th>"
                 "<th>without a mechanism</th><th>each lever alone</th><th>where it fails</th></tr>")
    css = {"supported": "supported", "contradicted": "contradicted", "supported but small": "small",
           "not supported": "undetermined", "undecided": "undetermined"}
    for c in result["claims"]:
        carried = f"<br><span class='note'>Carried by: {_e(c['carried_by'])}.</span>" if c.get("carried_by") else ""
        head = (f"<td><b>{_e(c['code'])}</b> {_e(c['text'])}<br><span class='note'>{_e(c['summary'])}</span>"
                f"{carried}</td>")
        if "median" not in c:
            parts.append(f"<tr>{head}<td class='untested'>{_e(c['verdict'])}</td><td colspan='8'></td></tr>")
            continue
        unit = c["unit"]
        rel = "–" if c.get("relative") is None else f"{c['relative']:+.1%}"
        rel_band = ("" if c.get("relative_p5") is None else
                    f"<br><span class='note'>[{c['relative_p5']:+.0%} … {c['relative_p95']:+.0%}]</span>")
        share = "–" if c.get("parameter_share") is None else f"{c['parameter_share']:.0%}"
        ablations = "<br>".join(
            f"{_e(m)}: {_signed(a['median'], unit)} <span class='{css.get(a['verdict'], 'undetermined')}'>"
            f"{_e(a['verdict'])}</span>" for m, a in c.get("ablations", {}).items()) or "–"
        levers = "<br>".join(
            f"{_e(lv)}: {_signed(a['median'], unit)}"
            + ("" if a.get("share_of_effect") is None else f" ({a['share_of_effect']:.0%})")
            for lv, a in c.get("levers", {}).items()) or "–"
        failure = _e(c.get("failure", {}).get("text", "–"))
        parts.append(f"<tr>{head}<td class='{css.get(c['verdict'], 'undetermined')}'>{_e(c['verdict'])}</td>"
                     f"<td class='num'>{c['p_holds']:.0%}</td>"
                     f"<td class='num'>{_signed(c['median'], unit)} [{_signed(c['p5'], unit)} … "
                     f"{_signed(c['p95'], unit)}]</td><td class='num'>{rel}{rel_band}</td>"
                     f"<td title='{_e(c['reason'])}'>{_e(c['threshold_rule'])}<br><span class='note'>"
                     f"{_e(c['reason'])}</span></td><td class='num'>{share}</td><td>{ablations}</td>"
                     f"<td>{levers}</td><td class='note'>{failure}</td></tr>")
    parts.append("</table>")
    words = result.get("verdict_words", {})
    parts.append("<p class='note'>" + " ".join(f"<b>{_e(w)}</b>: {_e(t)}." for w, t in words.items())
                 + " Without a mechanism: the same paired effect with that mechanism switched off in both "
                 "scenarios, and its verdict (does the claim survive?). Each lever alone: the status quo plus "
                 "that lever of the proposal, and its share of the full effect. Where it fails: a shallow "
                 "classification tree over the draws' parameters. See <code>docs/report.md</code>.</p>")
    if result.get("failures"):
        parts.append(f"<p class='note'>{len(result['failures'])} runs failed and are left out: "
                     f"{_e(result['failures'][0])}</p>")
    return parts


def _headline_section(inputs: ReportInputs) -> list[str]:
    parts = ["<h2 id='headline'>Headline outputs</h2>"]
    comparison = inputs.comparison
    if comparison is not None and len(comparison.names) >= 2:
        table = headline_table(comparison)
        parts.append("<table><tr><th>output</th>" + "".join(f"<th>{_e(c)}</th>" for c in table.columns) + "</tr>")
        for label, row in table.iterrows():
            parts.append(f"<tr><td>{_e(label)}</td>" + "".join(f"<td class='num'>{_e(v)}</td>" for v in row) + "</tr>")
        parts.append(f"</table><p class='note'>{_e(HEADLINE_NOTE)}</p>")
        parts += [f"<p class='note'>{_e(n)}</p>" for n in table_notes([k for k, _ in comparison.fields],
                                                                       inputs.summaries)]
        return parts
    first = next(iter(inputs.summaries.values()))[0]
    fields = headline_fields(first, {})
    parts.append("<table><tr><th>output</th>" + "".join(f"<th>{_e(n)}</th>" for n in inputs.groups) + "</tr>")
    for key, label in fields:
        cells = []
        for name in inputs.groups:
            values = np.array([headline_value(s, key, set()) for s in inputs.summaries[name]], dtype=float)
            if key == "dest.EU" or np.isnan(values).all():
                cells.append("<td class='num'>–</td>")
            elif len(values) < 2:
                cells.append(f"<td class='num'>{_num(values[0])} <span class='note'>(one run: no interval)</span></td>")
            else:
                p5, p50, p95 = np.nanpercentile(values, [5, 50, 95])
                cells.append(f"<td class='num'>{_num(p50)} [{_num(p5)}–{_num(p95)}]</td>")
        if key != "dest.EU":
            parts.append(f"<tr><td>{_e(label)}</td>{''.join(cells)}</tr>")
    parts.append("</table><p class='note'>Median [5–95 %] over the runs given; the scenarios are not paired "
                 f"({_e(inputs.unpaired_reason)}), so no differences are shown.</p>")
    parts += [f"<p class='note'>{_e(n)}</p>" for n in table_notes([k for k, _ in fields], inputs.summaries)]
    return parts


def _forest_section(inputs: ReportInputs) -> list[str]:
    comparison = inputs.comparison
    if comparison is None or len(comparison.names) < 2:
        return []
    frame = comparison.to_frame()
    base = comparison.names[0]
    parts = ["<h2 id='policy'>Policy comparison</h2><p class='note'>Paired difference of each headline output from "
             f"{_e(base)} (median and 5–95 % over seeds), in % of {_e(base)}'s median, on a linear axis; green: "
             "better, red: worse (by the output registry's direction for the output), blue: changed where which "
             "way is better depends on the goal, grey: the band straddles zero.</p>"]
    from exitwave.outputs import output_of_key, registry

    reg = registry()
    goods = [reg.get(output_of_key(key)).good if output_of_key(key) in reg else None for key, _ in comparison.fields]
    for name in comparison.names[1:]:
        cols = [f"{name}.diff_median", f"{name}.diff_p5", f"{name}.diff_p95", f"{base}.median"]
        numbers = frame[cols].to_numpy(dtype=float)
        rows = [(label, float(mid), float(lo), float(hi), float(scale))
                for (_, label), (mid, lo, hi, scale) in zip(comparison.fields, numbers, strict=True)]
        parts.append(_png(forest_figure(rows, f"{name} − {base}", goods)))
    return parts


def _calibration_section(folder: Path) -> list[str]:
    import pandas as pd

    if not (folder / "fit.csv").is_file():
        return []
    fit = pd.read_csv(folder / "fit.csv")
    info = json.loads((folder / "calibration.json").read_text()) if (folder / "calibration.json").is_file() else {}
    window = info.get("window", ["?", "?"])
    inside = int(fit["inside_90"].astype(bool).sum())
    parts = ["<h2 id='calibration'>Calibration fit</h2>",
             f"<p class='note'>The behaviour parameters of the bundled scenarios are the posterior medians of "
             f"an ABC-SMC calibration of <code>{_e(info.get('scenario', '?'))}</code> on the window "
             f"<b>{_e(window[0])} to {_e(window[1])}</b> only ({_e(info.get('simulations', '?'))} simulations, "
             f"1 agent = {_e(info.get('scale', '?'))} men; <code>{_e(info.get('command', ''))}</code>). Below: each "
             f"target's observation against the posterior predictive median and 5–95 % band "
             f"({_e(info.get('predictive_draws', '?'))} draws). {inside} of {len(fit)} targets lie inside the "
             "band; the misses are structural (Kazakh capacities, visa holding, the timing of the draft offices), "
             "see <code>docs/calibration.md</code>.</p>", _png(calibration_figure(fit))]
    parts.append("<table><tr><th>target</th><th>dates</th><th>observed</th><th>model median [5–95 %]</th>"
                 "<th>inside</th><th>reliability</th></tr>")
    for _, r in fit.iterrows():
        dates = r["from"] if r["from"] == r["to"] else f"{r['from']} – {r['to']}"
        parts.append(f"<tr><td>{_e(r['target'])} ({_e(r['unit'])})</td><td>{_e(dates)}</td>"
                     f"<td class='num'>{_num(r['observed'])}</td><td class='num'>{_num(r['median'])} "
                     f"[{_num(r['p5'])}–{_num(r['p95'])}]</td><td>{'yes' if r['inside_90'] else '<b>no</b>'}</td>"
                     f"<td>{_e(r['reliability'])}</td></tr>")
    parts.append("</table>")
    return parts


def _sensitivity_section(sens: Sensitivity | None, inputs: ReportInputs) -> list[str]:
    parts = ["<h2 id='sensitivity'>Sensitivity</h2>"]
    if sens is None:
        parts.append("<p class='note'>No sensitivity result for these scenarios. Run <code>exitwave sensitivity "
                     "PROPOSAL --versus STATUS_QUO --method sobol --out FILE.csv</code> and pass "
                     "<code>--sensitivity FILE.csv</code>.</p>")
        return parts
    meta = sens.meta
    what = (f"the paired difference <b>{_e(meta.get('scenario'))} − {_e(meta.get('versus'))}</b>"
            if meta.get("versus") else f"the outputs of <b>{_e(meta.get('scenario', '?'))}</b>")
    origin = "the bundled result (<code>data/sensitivity/</code>)" if sens.bundled else f"<code>{_e(sens.path.name)}</code>"
    budget = (f"{_e(meta.get('method', '?'))}, N = {_e(meta.get('n', '?'))}, {_e(len(meta.get('parameters', [])))} "
              f"parameters, {_e(meta.get('runs', '?'))} runs at 1 agent = {_e(meta.get('scale', '?'))} men, seed "
              f"{_e(meta.get('seed', '?'))}, made {_e(meta.get('created_utc', '?'))}, {_e(meta.get('wall_s', '?'))} s; "
              f"<code>{_e(meta.get('command', ''))}</code>") if meta else "no provenance file beside it"
    parts.append(f"<p class='note'>Indices of {what}, from {origin}: {budget}. Parameters vary over their registry "
                 "ranges; every run uses one seed (common random numbers). The budget is modest: read the 95 % "
                 "confidence intervals — an index whose interval reaches zero is not distinguishable from "
                 "zero, and S1 &gt; ST happens by sampling error at this N. At this scale a few agents carry "
                 "the front's outputs (surrenders, desertions), so their indices are the noisiest.</p>")
    if sens.is_sobol:
        frame = sens.frame
        resolved = frame[frame["ST"] - frame["ST_conf"] > 0].groupby("output")["parameter"].count()
        claimed = [o for o in CLAIMED_OUTPUTS if (frame["output"] == o).any()]
        vague = [o for o in claimed if int(resolved.get(o, 0)) == 0]
        above_one = sorted({str(o) for o in frame.loc[frame["ST"] > 1.0, "output"]})
        if vague or above_one:
            parts.append("<p class='note'><b>At this budget:</b> "
                         + (f"no parameter's ST interval excludes zero for {', '.join(vague)} (the ranking there is "
                            "indicative only); " if vague else "")
                         + (f"some ST estimates exceed 1 for {', '.join(above_one)} (impossible for the true index: "
                            "sampling error on a discontinuous output). " if above_one else "")
                         + "A larger N narrows the intervals.</p>")
    pair = sens.pair
    if inputs.comparison is not None and pair is not None and pair[0] not in inputs.comparison.names:
        parts.append("<p class='note'><b>Note:</b> these indices are for another pair of scenarios than the "
                     "comparison's status quo.</p>")
    if sens.is_sobol:
        fig = sensitivity_figure(sens.frame, list(CLAIMED_OUTPUTS))
        if fig is not None:
            parts.append("<p class='note'>Bars: total index ST with its 95 % confidence interval; dots: first-order "
                         "index S1. Six leading parameters per claimed output.</p>")
            parts.append(_png(fig))
    key, conf = ("ST", "ST_conf") if sens.is_sobol else ("mu_star", "mu_star_conf")
    if sens.is_sobol:
        bad = sum(not sobol_resolved(r["ST"], r["ST_conf"]) for _, r in sens.frame.iterrows())
        parts.append(f"<p class='note'><b>Unresolved</b> marks a total index outside [0, 1] or with a 95 % interval "
                     f"wider than {SOBOL_MAX_WIDTH:g}: not resolved at N = {_e(meta.get('n', '?'))} samples "
                     f"({bad} of {len(sens.frame)} indices). Such a parameter is not named as a carrier; the claims "
                     "audit's ablations and levers say what carries each effect instead.</p>")
    parts.append("<table><tr><th>output</th><th>#1</th><th>#2</th><th>#3</th></tr>")
    for output, part in sens.frame.groupby("output"):
        top = part.sort_values("rank").head(3)
        cells = "".join(f"<td><code>{_e(r['parameter'])}</code> {key} {_num(r[key])} ± {_num(r[conf])}"
                        + (f", S1 {_num(r['S1'])} ± {_num(r['S1_conf'])}" if sens.is_sobol else "")
                        + (" <span class='small'>unresolved</span>"
                           if sens.is_sobol and not sobol_resolved(r["ST"], r["ST_conf"]) else "") + "</td>"
                        for _, r in top.iterrows())
        parts.append(f"<tr><td><code>{_e(output)}</code></td>{cells}</tr>")
    parts.append("</table>")
    return parts


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
    its pair. The audit's plain-language summary opens the report.
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


def _exports_section(exports: Any, given: ReportInputs) -> list[str]:
    """Links to the exported tables and figures (relative: they lie beside the report)."""
    from exitwave.outputs import headline_numbers

    if given.comparison is not None and len(given.comparison.names) >= 2:
        exports.extra_table("headline-numbers", headline_numbers(given.comparison))
    folder = exports.final.name

    def links(paths: list[Path]) -> str:
        return ", ".join(f"<a href='{_e(folder)}/{_e(p.parent.name)}/{_e(p.name)}'>{_e(p.name)}</a>" for p in paths)

    return ["<h2 id='exports'>Exports</h2><div class='exports'><p class='note'>Beside this file, in "
            f"<code>{_e(folder)}/</code>: every table as CSV and Parquet (the cells as shown; "
            "<code>headline-numbers</code> holds the headline table's numbers), every figure as PNG and SVG.</p>",
            f"<p><b>Tables:</b> {links(exports.tables)}</p><p><b>Figures:</b> {links(exports.figures)}</p></div>"]


def _page(given: ReportInputs, sensitivity_csv: Path | None, calibration_dir: Path | None, exports: Any,
          war_end: list[str], audit_dir: Path | None) -> str:
    """The report's HTML (figures and tables also go to ``exports``); ``war_end``: the section on
    the war's end (:func:`exitwave.report.war_end.war_end_section`)."""
    sens = _choose_sensitivity(sensitivity_csv, given)
    audited, audit_origin = _choose_audit(audit_dir, given)
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
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>exitwave report</title>"
             f"<style>{_CSS}{_PRINT_CSS}</style></head><body>",
             "<h1>exitwave — claims audit and policy comparison</h1>",
             f"<p class='note'>From {kind}: {', '.join(_e(f) for f in given.sources)}. "
             f"1 agent = {summary0.get('scale', float('nan')):g} men; {_e(summary0.get('days', '?'))} days from "
             f"{_e(summary0.get('start', '?'))}. Generated {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}. "
             "Every number is a median over seeds with its 5–95 % band; Δ is the paired difference on the "
             "same seeds (common random numbers).</p>",
             "<nav>" + "".join(f"<a href='#{a}'>{_e(t)}</a>" for a, t in toc) + "</nav>",
             *([f"<p class='lead' id='plain-summary'><b>In plain words.</b> {_e(audited['summary'])} "
                f"<a href='#audit'>Details</a>.</p>"] if audited is not None else []),
             "<h2 id='summary'>Scenarios</h2>"]
    parts += _scenario_rows(given)
    parts += _claims_section(given, sens)
    parts += _audit_section(audited, audit_origin)
    parts += _headline_section(given)
    parts += _forest_section(given)
    parts += war_end
    parts.append("<h2 id='series'>Daily series</h2><p class='note'>Median and 5–95 % band over seeds, one colour "
                 "per scenario. Departures by destination count people through the crossings into each "
                 "country (their first country abroad).</p>")
    parts += [_png(fig) for fig in band_figures(groups, world)]
    parts.append("<h2 id='map'>Flows through the crossings</h2><p class='note'>People crossed over the run (median "
                 "over seeds) at each crossing, on Natural Earth country outlines (bundled, public domain; no tile "
                 "server); lines run from each crossing to the capital of the country it leads into, dashed for air "
                 "routes (drawn from their airport); squares: destination capitals, with the people who entered "
                 "through these crossings. One panel per scenario, on one scale.</p>")
    flow_map = flow_map_figure(groups, world)
    if flow_map is not None:
        parts.append(_png(flow_map, dpi=80))
    names = list(groups)
    for other in names[1:4]:  # where each proposal moves people, compared with the status quo
        difference = flow_difference_figure(groups, world, names[0], other)
        if difference is not None:
            parts.append(_png(difference, dpi=80))
    if calibration_dir is not None:
        parts += _calibration_section(calibration_dir)
    parts += _sensitivity_section(sens, given)
    parts.append("<h2 id='registry'>Parameter registry</h2><table><tr><th>parameter</th><th>unit</th>"
                 "<th>default</th><th>range</th><th>source</th></tr>")
    for p in parameters():
        parts.append(f"<tr><td><code>{_e(p.name)}</code></td><td>{_e(p.unit)}</td>"
                     f"<td class='num'>{p.default:g}</td><td class='num'>{p.low:g} – {p.high:g}</td>"
                     f"<td>{_e(p.source)}</td></tr>")
    parts.append("</table>")
    exports.page_tables("\n".join(parts))
    parts += _exports_section(exports, given)
    parts.append("</body></html>")
    return "\n".join(parts)
