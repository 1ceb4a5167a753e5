"""One self-contained HTML report: opens offline, every plot embedded as an inline PNG.

Sections: what was compared; the claims audit; headline outputs with intervals; daily series with
bands per scenario; a map of flows through the crossings (drawn from the world's coordinates, no
tile server); the parameter registry with sources.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from pathlib import Path
from typing import Any

from exitwave.experiments.comparison import Comparison
from exitwave.registry import parameters
from exitwave.report.claims import audit
from exitwave.report.figures import band_figures, flow_map_figure, series_by_scenario

__all__ = ["build_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#1d2433;line-height:1.45;padding:0 1rem}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #e3e7ef;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.6rem 0}
th,td{border-bottom:1px solid #e3e7ef;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f7fb}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.supported{color:#17663a;font-weight:600}.contradicted{color:#a11d2b;font-weight:600}
.undetermined{color:#8a6100;font-weight:600}.note{color:#5a6478;font-size:.9rem}
img{max-width:100%;border:1px solid #e3e7ef;border-radius:4px;margin:.4rem 0}
code{background:#f5f7fb;padding:0 .2rem;border-radius:3px}
"""


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _num(value: Any) -> str:
    value = float(value)
    if abs(value) < 10 and value != round(value):
        return f"{value:.3f}"
    return f"{value:,.0f}"


def _sensitivity_leading(path: Path | None) -> dict[str, list[str]]:
    if path is None or not path.exists():
        return {}
    import pandas as pd

    frame = pd.read_csv(path)
    out: dict[str, list[str]] = {}
    for output, part in frame.groupby("output"):
        out[str(output)] = list(part.sort_values("rank")["parameter"].head(3))
    return out


def build_report(comparison_dir: Path, out: Path, sensitivity_csv: Path | None = None) -> Path:
    """Write the report for a comparison folder (``exitwave compare … --out DIR``)."""
    from exitwave.scenario.load import load_scenario
    from exitwave.world import load_world

    comparison = Comparison.load(comparison_dir)
    frame = comparison.to_frame()
    leading = _sensitivity_leading(sensitivity_csv)
    verdicts = audit(comparison, leading)
    groups = series_by_scenario(comparison)
    world = None
    for run_dir in comparison.run_dirs[:1]:
        scenario = load_scenario(str(Path(run_dir) / "scenario.yaml"))
        world = load_world(scenario.world, relative_to=Path(run_dir))
    summary0 = json.loads((Path(comparison.run_dirs[0]) / "summary.json").read_text()) if comparison.run_dirs else {}
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>exitwave report</title>"
             f"<style>{_CSS}</style></head><body>",
             "<h1>exitwave — claims audit and policy comparison</h1>",
             f"<p class='note'>Scenarios: {', '.join(html.escape(n) for n in comparison.names)}; "
             f"{len(comparison.seeds)} seeds each (common random numbers); "
             f"1 agent = {summary0.get('scale', float('nan')):.0f} men; "
             f"{summary0.get('days', '?')} days from {summary0.get('start', '?')}. Generated "
             f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}. Every number is a median over seeds "
             f"with its 5–95 % band; Δ is the paired difference on the same seeds.</p>"]
    parts.append("<h2 id='claims'>Claims audit</h2><table id='claims-table'><tr><th>claim</th><th>tested by</th>"
                 "<th>Δ median [5–95 %]</th><th>verdict</th><th>parameters that carry it</th></tr>")
    for v in verdicts:
        css = {"supported": "supported", "contradicted": "contradicted"}.get(v.verdict, "undetermined")
        carriers = ", ".join(f"<code>{html.escape(p)}</code>" for p in v.leading) or \
            "<span class='note'>run <code>exitwave sensitivity … --out</code> and pass <code>--sensitivity</code></span>"
        parts.append(f"<tr><td><b>{v.claim.code}</b> {html.escape(v.claim.text)}</td>"
                     f"<td><code>{v.claim.output}</code>: {html.escape(v.scenario)} − {html.escape(v.baseline)}</td>"
                     f"<td class='num'>{_num(v.median)} [{_num(v.p5)} … {_num(v.p95)}]</td>"
                     f"<td class='{css}'>{v.verdict}</td><td>{carriers}</td></tr>")
    parts.append("</table><p class='note'>Supported: the band lies on the claimed side of zero. "
                 "Contradicted: on the other side. Undetermined: it straddles zero at this ensemble size "
                 "and uncertainty — an honest verdict.</p>")
    parts.append("<h2>Headline outputs</h2><table><tr><th>output</th>")
    parts += [f"<th>{html.escape(n)}</th>" for n in comparison.names]
    parts += [f"<th>Δ {html.escape(n)}</th>" for n in comparison.names[1:]]
    parts.append("</tr>")
    for key, label in comparison.fields:
        row = frame.loc[key]
        cells = [f"<td class='num'>{_num(row[f'{n}.median'])} [{_num(row[f'{n}.p5'])}–{_num(row[f'{n}.p95'])}]</td>"
                 for n in comparison.names]
        cells += [f"<td class='num'>{_num(row[f'{n}.diff_median'])} [{_num(row[f'{n}.diff_p5'])} … "
                  f"{_num(row[f'{n}.diff_p95'])}]{' *' if row[f'{n}.distinguishable'] else ''}</td>"
                  for n in comparison.names[1:]]
        parts.append(f"<tr><td>{html.escape(label)}</td>{''.join(cells)}</tr>")
    parts.append("</table><p class='note'>* the band of the paired difference excludes zero.</p>")
    plots = [_png(fig) for fig in band_figures(groups)]
    if plots:
        parts.append("<h2>Daily series</h2><p class='note'>Median and 5–95 % band over seeds.</p>")
        parts += plots
    if world is not None:
        parts.append("<h2>Flows through the crossings</h2><p class='note'>People crossed over the run "
                     "(median over seeds), at each crossing's coordinates; grey: regional capitals by "
                     "population.</p>")
        flow_map = flow_map_figure(groups, world)
        if flow_map is not None:
            parts.append(_png(flow_map))
    parts.append("<h2>Parameter registry</h2><table><tr><th>parameter</th><th>unit</th><th>default</th>"
                 "<th>range</th><th>source</th></tr>")
    for p in parameters():
        parts.append(f"<tr><td><code>{html.escape(p.name)}</code></td><td>{html.escape(p.unit)}</td>"
                     f"<td class='num'>{p.default:g}</td><td class='num'>{p.low:g} – {p.high:g}</td>"
                     f"<td>{html.escape(p.source)}</td></tr>")
    parts.append("</table></body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.tmp")
    temp.write_text("\n".join(parts), encoding="utf-8")
    temp.replace(out)
    return out
