"""The claims audit: each claim of the asylum argument (``CLAIMS.md``, C1–C12) against the model.

Most claims are tested by a **paired difference** (proposal − status quo on the same seeds) of one
headline output. A few are tested otherwise:

* **C5** (a wounded soldier costs more than a dead one): within the status quo, soldier-days
  lost per wounded man (care, carers and the discharged, to the end of the run) over soldier-days
  lost per killed man (to the end of the run), one ratio per seed; the threshold is 1.
* **C6** (captor credibility): the paired difference in surrenders between the status quo and a
  scenario of the comparison that changes *only* ``front.captor_credibility`` (such as the bundled
  ``captor-credibility``); without one, the row says what to run.
* **C10** (Russia closes its exits): the third scenario (the proposal with an exit closure)
  against the proposal.
* **C12** (the front cannot reach asylum): the share of the proposal's loss of soldiers that runs
  through the front (more deserted and surrendered) rather than the home front (fewer mobilized
  and recruited), one share per seed; the critics' claim is supported when it stays below ½.
* **C11** (critics: leavers are not recruits): within the status quo, the mean means percentile
  of the men abroad at the end minus that of the men the army took (summary ``composition``), one
  gap per seed; the note gives the regional overlap of the two groups (1 = same regions).
* **C9** is not modelled: its row says so.

A verdict is never given without an interval. A ratio or share (C5, C11, C12) is judged on the
5–95 % band over seeds: *supported* when it lies on the claimed side of the threshold,
*contradicted* when on the other side, *undetermined at this uncertainty* when it straddles it.
A difference is judged as the audit judges it (:func:`exitwave.report.verdicts.judge_on_seeds`),
against the audit's threshold of practical importance τ for its output: *supported* only when
the band lies beyond τ in the claimed direction, *supported but small* when on the claimed side
but within τ, *not supported (no change that matters)* when within ±τ, *not supported (no
difference)* when the proposal changes nothing on any seed, *contradicted* when on the other
side of zero, *undetermined at this uncertainty* otherwise. A claim the inputs cannot test gets
*not tested here* and no numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from exitwave.experiments.comparison import Comparison

__all__ = ["Claim", "CLAIMS", "NOT_TESTED", "Verdict", "audit", "credibility_only", "edited_levers",
           "follow_edit", "verdict_class"]

NOT_TESTED = "not tested here"


@dataclass(frozen=True)
class Claim:
    """One testable statement.

    ``output`` is the headline output (or derived quantity) it is tested on; ``direction`` +1
    when the claim says the quantity is above ``threshold`` (for a difference: the proposal raises
    it), −1 when below. ``against`` names the comparison: ``status quo`` (proposal − status quo),
    ``proposal`` (exit closure − proposal), ``credibility`` (credibility-only scenario − status
    quo), ``within`` (a ratio within the status quo) or ``none`` (not testable: ``how`` says why).
    """

    code: str
    text: str
    output: str
    direction: int
    against: str = "status quo"
    threshold: float = 0.0
    unit: str = "people"
    how: str = ""
    neutral: str = ""  # the claim as a statement about any edit: "departures rise"
    concerns: frozenset[str] = frozenset()  # the levers whose edit it is about (see edited_levers)


_EXIT = frozenset({"entry", "asylum", "exit closure", "countermeasures", "mobilization", "other"})
"""Edits that change who leaves, and so everything downstream of departures."""

CLAIMS = (
    Claim("C1", "Offering asylum makes many more men leave.", "departed", +1, neutral="departures rise",
          concerns=_EXIT),
    Claim("C2", "Departures reduce the men available to the army (mobilization shortfall).",
          "mobilization_shortfall", +1, neutral="the call-up falls further short", concerns=_EXIT),
    Claim("C2", "Departures reduce the army's strength.", "force_strength", -1,
          neutral="the army at the front is smaller", concerns=_EXIT | {"front"}),
    Claim("C3", "Defection abroad lowers the morale of the men at the front.", "mean_morale", -1,
          unit="morale 0–1", neutral="morale at the front is lower", concerns=_EXIT | {"front"}),
    Claim("C4", "Desertion spreads.", "deserted", +1, neutral="more men desert",
          concerns=_EXIT | {"front", "captor credibility"}),
    Claim("C4", "Surrender spreads.", "surrendered", +1, neutral="more men surrender",
          concerns=_EXIT | {"front", "captor credibility"}),
    Claim("C5", "A wounded soldier costs the army more than a dead one (soldier-days lost per casualty).",
          "wounded_to_killed_cost_ratio", +1, against="within", threshold=1.0, unit="ratio",
          how="needs a scenario with a front (wounded and killed) and runs with their daily series"),
    Claim("C6", "Surrender is more likely when captors are known to treat prisoners well.", "surrendered", +1,
          against="credibility", neutral="more men surrender", concerns=frozenset({"captor credibility"}),
          how="add a scenario that changes only front.captor_credibility, e.g. `exitwave compare "
              "russia-2022 asylum-coalition asylum-coalition-exits-closed captor-credibility -n 8 --out DIR`"),
    Claim("C7", "Therefore the war ends sooner.", "war_end_day", -1, unit="days", neutral="the war ends sooner",
          concerns=_EXIT | {"front", "captor credibility"}),
    Claim("C8", "Screening keeps infiltrators out (no more hostile agents admitted).", "hostile_admitted", -1,
          neutral="fewer hostile agents are admitted",
          concerns=frozenset({"entry", "asylum", "screening", "relocation"})),
    Claim("C9", "Absorbing them need not burden the hosts' budgets.", "fiscal_cost", -1, against="none",
          how="not modelled: exitwave has no fiscal module (reception costs vs labour-market return); "
              "data/sources/destinations/reception_costs.csv holds the inputs one would need"),
    Claim("C10", "Russia closing its exits undoes the effect on departures.", "departed", -1, against="proposal",
          how="needs a third scenario: the proposal with an exit closure (asylum-coalition-exits-closed)"),
    Claim("C10", "Russia closing its exits gives the army back its men.", "force_strength", +1, against="proposal",
          how="needs a third scenario: the proposal with an exit closure (asylum-coalition-exits-closed)"),
    Claim("C11", "The men who leave are not the men Russia recruits: leavers are better off (means "
          "percentile of leavers − of recruits, status quo).", "means_gap", +1, against="composition",
          unit="percentile points",
          how="needs runs whose summary.json has `composition` (exitwave 0.1 runs made after it was added)"),
    Claim("C12", "Soldiers at the front cannot reach asylum: most of the effect runs through the home front "
          "(share through the front below ½).", "front_share", -1, threshold=0.5, unit="share",
          neutral="most of the army's loss runs through the home front", concerns=_EXIT,
          how="needs a scenario with a front in which the proposal lowers the army's intake or strength"),
)


@dataclass
class Verdict:
    """The audit of one claim: the tested quantity's median and 5–95 % band, and the verdict."""

    claim: Claim
    baseline: str
    scenario: str
    median: float
    p5: float
    p95: float
    verdict: str
    leading: list[str]
    note: str = ""
    material: float | None = None  # a difference's threshold of practical importance (the audit's), its unit


    @property
    def tested(self) -> bool:
        return self.verdict != NOT_TESTED


def verdict_class(verdict: str) -> str:
    """The report's CSS class for a verdict word (either vocabulary: this table's or the audit's)."""
    if verdict == NOT_TESTED:
        return "untested"
    return {"supported": "supported", "contradicted": "contradicted",
            "supported but small": "small"}.get(verdict, "undetermined")


def _verdict(direction: int, p5: float, p95: float, threshold: float = 0.0) -> str:
    if threshold == 0.0 and p5 == 0.0 and p95 == 0.0:
        return "not supported (no difference)"
    lo, hi = p5 - threshold, p95 - threshold
    if direction > 0:
        return "supported" if lo > 0 else "contradicted" if hi < 0 else "undetermined at this uncertainty"
    return "supported" if hi < 0 else "contradicted" if lo > 0 else "undetermined at this uncertainty"


def _runs(comparison: Comparison, name: str) -> list[Path]:
    folder = name.replace(":", "-")
    return [Path(d) for d in comparison.run_dirs if Path(d).parent.name == folder]


def _summaries(comparison: Comparison, name: str) -> list[dict[str, Any]]:

    if comparison.summaries.get(name):
        return comparison.summaries[name]
    from exitwave.results import read_summary

    return [read_summary(d / "summary.json") for d in _runs(comparison, name)
            if (d / "summary.json").is_file()]


def _scenario(comparison: Comparison, name: str) -> dict[str, Any] | None:
    import yaml

    runs = _runs(comparison, name)
    if not runs or not (runs[0] / "scenario.yaml").is_file():
        return None
    data = yaml.safe_load((runs[0] / "scenario.yaml").read_text())
    return data if isinstance(data, dict) else None


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if not path and key in ("name", "description", "seed"):
                continue
            out += _differences(a.get(key), b.get(key), f"{path}{key}.")
        return out
    return [] if a == b else [path.rstrip(".")]


_POLICY_LEVERS = {"entry": "entry", "visa_fee_usd": "entry", "asylum": "asylum", "recognition_rate": "asylum",
                  "transit_only": "screening", "screening_capacity_per_day": "screening",
                  "detection_probability": "screening", "relocation_key": "relocation", "coalition": "relocation"}


def edited_levers(base: dict[str, Any] | None, other: dict[str, Any] | None) -> set[str]:
    """What ``other`` changes relative to ``base`` (scenario fields), in levers: ``entry``,
    ``asylum``, ``screening``, ``relocation`` (from the policies' fields), ``exit closure``,
    ``countermeasures``, ``captor credibility``, ``front``, ``mobilization``, ``other``."""
    if base is None or other is None:
        return set()
    levers: set[str] = set()
    before = base.get("policies") or []
    after = other.get("policies") or []
    for policy in [p for p in after if p not in before] + [p for p in before if p not in after]:
        fields = {_POLICY_LEVERS[k] for k in policy if k in _POLICY_LEVERS}
        levers |= fields or {"other"}
    for path in _differences({k: v for k, v in base.items() if k != "policies"},
                             {k: v for k, v in other.items() if k != "policies"}):
        if path.startswith("countermeasures.exit_closure"):
            levers.add("exit closure")
        elif path.startswith("countermeasures"):
            levers.add("countermeasures")
        elif path == "front.captor_credibility":
            levers.add("captor credibility")
        elif path == "front.deserter_asylum":
            levers.add("asylum")
        elif path.startswith("front"):
            levers.add("front")
        elif path.startswith("mobilization"):
            levers.add("mobilization")
        elif not path.startswith(("time", "population.scale")):
            levers.add("other")
    return levers


def follow_edit(comparison: Comparison, verdicts: list[Verdict],
                scenarios: dict[str, dict[str, Any]] | None = None) -> list[Verdict]:
    """The verdicts an edit is about, phrased as "proposal vs baseline: <what the claim says>".

    Kept: rows of a comparison between two different scenarios (never a scenario minus itself)
    whose claim concerns a lever the proposal changes (:func:`edited_levers`); the claim's text
    becomes its neutral statement on its own quantity (an edit that closes a border is asked
    whether "departures rise", not whether "offering asylum makes many more men leave").
    Claims tested within the status quo (C5, C11) concern no edit and are left out. The
    scenarios' fields come from the run directories, or from ``scenarios`` (name → fields) for a
    comparison kept in memory.
    """
    from dataclasses import replace

    names = comparison.names
    if len(names) < 2:
        return []
    def fields(name: str) -> dict[str, Any] | None:
        return (scenarios or {}).get(name) or _scenario(comparison, name)

    base = fields(names[0])
    kept = []
    for v in verdicts:
        if v.claim.against in ("within", "composition", "none") or not v.scenario or v.scenario == v.baseline:
            continue
        if v.claim.against == "proposal":
            continue  # the exit-closure claim needs the bundled third scenario, not an edit
        other = fields(v.scenario)
        if other is not None and base is not None and other == base:
            continue
        levers = edited_levers(base, other)
        if not levers & v.claim.concerns:
            continue
        text = f"{v.scenario} vs {v.baseline}: {v.claim.neutral or v.claim.text}"
        kept.append(replace(v, claim=replace(v.claim, text=text)))
    return kept


def credibility_only(comparison: Comparison) -> tuple[str, float, float] | None:
    """The first scenario after the status quo that differs from it only in
    ``front.captor_credibility``: (name, its credibility, the status quo's), or ``None``."""
    base = _scenario(comparison, comparison.names[0])
    if base is None or "front" not in base:
        return None
    for name in comparison.names[1:]:
        other = _scenario(comparison, name)
        if other is not None and _differences(base, other) == ["front.captor_credibility"]:
            return name, float(other["front"]["captor_credibility"]), float(base["front"]["captor_credibility"])
    return None


def _c5_ratios(comparison: Comparison, name: str) -> np.ndarray:
    """Per seed: soldier-days lost per wounded man over soldier-days lost per killed man."""
    import pandas as pd

    ratios = []
    for run_dir, summary in zip(_runs(comparison, name), _summaries(comparison, name), strict=False):
        path = run_dir / "series.parquet"
        if not path.is_file() or not summary.get("wounded") or not summary.get("killed"):
            continue
        series = pd.read_parquet(path, columns=["status.killed", "status.discharged"])
        per_wounded = (summary["soldier_days_lost_to_care"] + series["status.discharged"].sum()) / summary["wounded"]
        per_killed = series["status.killed"].sum() / summary["killed"]
        if per_killed > 0:
            ratios.append(per_wounded / per_killed)
    return np.array(ratios, dtype=np.float64)


def _c11_gaps(comparison: Comparison, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Per seed: means-percentile gap (leavers − recruits) and regional overlap, from ``composition``."""
    gaps, overlaps = [], []
    for summary in _summaries(comparison, name):
        composition = summary.get("composition") or {}
        if composition.get("means_gap") is None:
            return np.array([]), np.array([])
        gaps.append(composition["means_gap"])
        overlaps.append(composition["regional_overlap"])
    return np.array(gaps, dtype=np.float64), np.array(overlaps, dtype=np.float64)


def _c12_shares(comparison: Comparison, base: str, other: str) -> np.ndarray:
    """Per seed: the share of the proposal's loss of soldiers that runs through the front."""
    shares = []
    for a, b in zip(_summaries(comparison, base), _summaries(comparison, other), strict=False):
        if "deserted" not in a or "deserted" not in b:
            return np.array([])
        home = (a["mobilized"] - b["mobilized"]) + (a.get("recruited", 0) - b.get("recruited", 0))
        front = (b["deserted"] - a["deserted"]) + (b["surrendered"] - a["surrendered"])
        if home + front > 0:
            shares.append(front / (home + front))
    return np.array(shares, dtype=np.float64)


def audit(comparison: Comparison, leading: dict[str, list[str]] | None = None, *,
          include_untested: bool = False, leading_pair: tuple[str, str] | None = None) -> list[Verdict]:
    """Verdicts for every claim the comparison can test. The first scenario is the status quo,
    the second the proposal; a third (if any) is the proposal answered by an exit closure.

    ``leading`` maps an output to the parameters that carry its paired difference (from a Sobol
    analysis); with ``leading_pair`` = (status quo, proposal) they are attached only to the rows
    of that pair. With ``include_untested`` every claim of :data:`CLAIMS` gets a row: those the
    comparison cannot test say *not tested here* and, in ``note``, what is missing.
    """
    keys = [key for key, _ in comparison.fields]
    names = comparison.names
    credibility = credibility_only(comparison) if len(names) >= 2 else None
    proposal = next((n for n in names[1:] if credibility is None or n != credibility[0]), None)
    closure = next((n for n in names[2:] if n != proposal and (credibility is None or n != credibility[0])), None)
    from functools import cache

    from exitwave.report.verdicts import (
        audited_claim,
        comparison_scale,
        judge_on_seeds,
        materiality,
    )

    @cache
    def sq_median() -> dict[str, float]:
        return {key: float(np.nanmedian(comparison.values[names[0]][:, j])) for j, key in enumerate(keys)}

    @cache
    def scale() -> float:
        return comparison_scale(comparison)

    out = []
    for claim in CLAIMS:
        base, other, note = names[0], proposal or "", ""
        values: np.ndarray | None = None
        pair: tuple[np.ndarray, np.ndarray] | None = None  # (before, after) of a difference, seed by seed
        difference = claim.against in ("status quo", "proposal", "credibility") and claim.output != "front_share"
        if claim.against == "none":
            values = None
        elif claim.against == "within":
            values = _c5_ratios(comparison, base)
            other = base
            note = "soldier-days lost per wounded man (care, carers, discharge) ÷ per killed man, to the run's end"
        elif claim.against == "credibility":
            if credibility is not None and claim.output in keys:
                other = credibility[0]
                note = (f"only front.captor_credibility differs: {credibility[2]:g} → {credibility[1]:g}")
                j = keys.index(claim.output)
                pair = comparison.values[base][:, j], comparison.values[other][:, j]
                if credibility[1] < credibility[2]:
                    pair = pair[1], pair[0]
                    note += " (sign flipped: credibility was lowered)"
                values = pair[1] - pair[0]
        elif claim.against == "composition":
            values, overlap = _c11_gaps(comparison, base)
            other = base
            if overlap.size:
                note = (f"regional overlap of leavers and recruits (1 = same regions): median {np.median(overlap):.2f} "
                        f"[{np.percentile(overlap, 5):.2f} … {np.percentile(overlap, 95):.2f}]")
        elif claim.output == "front_share":
            if proposal is not None:
                values = _c12_shares(comparison, base, proposal)
                note = "(more deserted + surrendered) ÷ (that + fewer mobilized + fewer recruited), per seed"
        else:
            if claim.against == "proposal":
                base, other = proposal or "", closure or ""
            if base and other and claim.output in keys:
                j = keys.index(claim.output)
                pair = comparison.values[base][:, j], comparison.values[other][:, j]
                values = pair[1] - pair[0]
        if values is not None and (values.size < 2 or np.isnan(values).any()):
            values = None
        if values is None:
            if include_untested:
                why = claim.how or (f"the comparison has no {claim.output} output" if other else
                                    "needs a proposal scenario beside the status quo")
                out.append(Verdict(claim, base, other, float("nan"), float("nan"), float("nan"), NOT_TESTED, [],
                                   why))
            continue
        p5, p50, p95 = (float(x) for x in np.percentile(values, [5, 50, 95]))
        # C8 too: no difference on any seed (often: no hostile agent reached a border at this
        # scale) is "no difference", never "supported"
        verdict = _verdict(claim.direction, p5, p95, claim.threshold)
        material = None
        judged = audited_claim(claim.output) if difference else None
        if judged is not None and pair is not None:
            # a difference is "supported" only when it is large enough to matter: the audit's
            # threshold of practical importance for this output, on the status quo's medians
            tau = materiality(judged, sq_median(), scale())
            verdict = judge_on_seeds(judged, *pair, tau, direction=claim.direction)["verdict"]
            material = tau
        carriers: list[str] = []
        if claim.against in ("status quo", "proposal", "credibility") and claim.output != "front_share" \
                and (leading_pair is None or (base, other) == leading_pair):
            carriers = list((leading or {}).get(claim.output, []))
        out.append(Verdict(claim, base, other, p50, p5, p95, verdict, carriers, note, material))
    return out
