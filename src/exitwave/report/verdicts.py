"""Probabilistic verdicts with materiality, from the runs of an audit (:mod:`exitwave.experiments.audit`).

Each audited claim is tested on a **paired effect**: the difference of one output between two
variants of the same draw and seed (proposal − status quo, or, for contagion, the status quo −
the status quo without contagion). Over all (draw, seed) pairs the audit reports

* the probability the claim holds (share of pairs with an effect in the claimed direction) and
  the probability it holds by at least its threshold of practical importance;
* the median effect with its 90 % interval (5–95 %), absolute and relative to the status quo;
* the share of the effect's variance that comes from the parameters (between draws) rather than
  from the seeds (within a draw): a one-way variance decomposition;
* the same effect with each named mechanism off (ablations) and with each lever alone;
* where the claim fails: a shallow classification tree (CART) over the draws' parameter values.

The verdict compares the 90 % interval [q5, q95] of the effect *in the claimed direction* with the
claim's **threshold of practical importance** τ (:data:`AUDITED`, each with its reason):

=====================  ===========================================================================
verdict                rule
=====================  ===========================================================================
supported              q5 ≥ τ: in the claimed direction and large enough to matter, over all the
                       uncertainty
supported but small    0 < q5 and q95 < τ: in the claimed direction, but too small to matter
not supported          −τ < q5 and q95 < τ (and not the line above): no effect that matters
                       either way — or the effect is 0 in every run
contradicted           q95 < 0: the opposite of the claim
undecided              anything else: the interval is too wide to say (it reaches past τ on one
                       side and to 0 or below on the other)
=====================  ===========================================================================

Claims of the form "no more than" (C8: no more hostile agents admitted) are *supported* when
q95 ≤ τ and some hostile agent was admitted in some run, *contradicted* when q5 > τ, *not
supported* when no hostile agent was admitted in any run of either scenario (nothing to
screen), and *undecided* otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AuditedClaim", "AUDITED", "VERDICTS", "SEED_VERDICTS", "verdict_of", "judge", "failure_regions",
           "audited_claim", "materiality", "judge_on_seeds", "comparison_scale", "seed_claims", "plain_summary",
           "plain_summaries"]

VERDICTS = {
    "supported": "in the claimed direction and large enough to matter, over all the uncertainty",
    "supported but small": "in the claimed direction, but smaller than what would matter",
    "not supported": "no effect that matters either way",
    "contradicted": "the opposite of the claim",
    "undecided": "the interval is too wide to say (interval too wide)",
}
"""The verdict words and what each means in a sentence."""


@dataclass(frozen=True)
class AuditedClaim:
    """A claim the audit tests on a paired effect of ``output`` (``direction`` +1: the claim says
    the effect is positive). The threshold of practical importance is ``relative`` × the status
    quo's median of ``relative_to`` (default: the output itself) or, when ``relative`` is 0,
    ``absolute`` in the output's unit (``absolute_agents``: that many agents, in people)."""

    code: str
    text: str
    output: str
    direction: int
    noun: str
    reason: str
    relative: float = 0.0
    relative_to: str = ""
    absolute: float = 0.0
    absolute_agents: float = 0.0
    kind: str = "effect"  # "effect", or "at most" (no more than the status quo)
    base: str = "status-quo"  # the variant the effect is measured from
    other: str = "proposal"  # the variant measured

    def threshold(self, sq_median: dict[str, float], scale: float) -> float:
        if self.relative:
            return self.relative * abs(sq_median.get(self.relative_to or self.output, np.nan))
        if self.absolute_agents:
            return self.absolute_agents * scale
        return self.absolute

    def threshold_text(self) -> str:
        if self.relative:
            of = f"status quo's {self.relative_to.replace('_', ' ')}" if self.relative_to else "status quo"
            return f"{self.relative:.0%} of the {of}"
        if self.absolute_agents:
            return f"{self.absolute_agents:g} agent (the model's resolution)"
        return f"{self.absolute:g}"


AUDITED = (
    AuditedClaim("C1", "Offering asylum makes many more men leave.", "departed", +1, "departures",
                 "estimates of the 2022 exodus differ by more than ±5 % (roughly 500 k to 1 M), so a smaller "
                 "change could not be told apart in the data", relative=0.05),
    AuditedClaim("C2", "Departures reduce the men available to the army (mobilization shortfall).",
                 "mobilization_shortfall", +1, "men short of the call-up",
                 "the call-up summoned 1.3 men per man wanted: a shortfall under 1 % of the men mobilized is "
                 "absorbed by that slack", relative=0.01, relative_to="mobilized"),
    AuditedClaim("C2", "Departures reduce the army's strength.", "force_strength", -1, "soldiers at the front",
                 "1 % of the army is about five days of its casualties at the active rate (0.2 %/day): "
                 "less would not change what the army can do", relative=0.01),
    AuditedClaim("C3", "Defection abroad lowers the morale of the men at the front.", "mean_morale", -1,
                 "mean morale at the front",
                 "0.05 on the 0–1 scale moves the desertion hazard by about 16 % (hazard weight 3); a "
                 "smaller change is within the day-to-day swings of morale", absolute=0.05),
    AuditedClaim("C4", "Desertion is contagious (the status quo with vs without contagion).", "deserted", +1,
                 "desertions", "a tenth more desertions is the smallest change a surge would need to be "
                 "visible in counts as noisy as these", relative=0.10, base="status-quo.no-contagion",
                 other="status-quo"),
    AuditedClaim("C4", "Surrender is contagious (the status quo with vs without contagion).", "surrendered", +1,
                 "surrenders", "as for desertions: a tenth more", relative=0.10, base="status-quo.no-contagion",
                 other="status-quo"),
    AuditedClaim("C4", "The proposal raises desertion.", "deserted", +1, "desertions",
                 "a tenth more desertions", relative=0.10),
    AuditedClaim("C4", "The proposal raises surrender.", "surrendered", +1, "surrenders",
                 "a tenth more surrenders", relative=0.10),
    AuditedClaim("C7", "Therefore the war ends sooner.", "war_end_day", -1, "the war's end day",
                 "two weeks: no forecast of a war's end is finer than that", absolute=14.0),
    AuditedClaim("C8", "Screening keeps infiltrators out: no more hostile agents admitted than under the "
                 "status quo.", "hostile_admitted", -1, "hostile agents admitted",
                 "one agent is the model's resolution; more than that is a real increase", absolute_agents=1.0,
                 kind="at most"),
)
"""The claims an audit tests, each with its threshold of practical importance and the reason."""


def verdict_of(q5: float, q95: float, tau: float, all_zero: bool = False) -> str:
    """The verdict word for the 90 % interval [q5, q95] of the effect in the claimed direction."""
    if all_zero:
        return "not supported"
    if q5 >= tau:
        return "supported"
    if q5 > 0 and q95 < tau:
        return "supported but small"
    if q95 < 0:
        return "contradicted"
    if q5 > -tau and q95 < tau:
        return "not supported"
    return "undecided"


def _at_most_verdict(q5: float, q95: float, tau: float, anything: bool) -> str:
    if not anything:
        return "not supported"
    if q95 <= tau:
        return "supported"
    if q5 > tau:
        return "contradicted"
    return "undecided"


def _fmt(value: float, unit: str, signed: bool = False) -> str:
    from exitwave.outputs import format_value

    return format_value(value, signed, unit)


def _rel(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    return f"{value:+.1%}".replace("-", "−")


def _pairs(table: pd.DataFrame, base: str, other: str, output: str) -> pd.DataFrame:
    """Matched (draw, seed) rows of two variants: columns a, b, d = b − a, and the parameters."""
    a = table[table["variant"] == base].set_index(["draw", "seed"])
    b = table[table["variant"] == other].set_index(["draw", "seed"])
    joined = a[[output]].rename(columns={output: "a"}).join(b[[output]].rename(columns={output: "b"}), how="inner")
    params = [c for c in table.columns if c.startswith("param:")]
    joined = joined.join(a[params])
    joined = joined.dropna(subset=["a", "b"])
    joined["d"] = joined["b"] - joined["a"]
    return joined


def _variance_share(pairs: pd.DataFrame) -> float | None:
    """Share of the effect's variance between draws (parameters) rather than within (seeds)."""
    counts = pairs.groupby(level="draw")["d"].count()
    if counts.empty or counts.min() < 2 or len(counts) < 2:
        return None
    k = float(counts.min())
    within = float(pairs.groupby(level="draw")["d"].var(ddof=1).mean())
    between = max(0.0, float(pairs.groupby(level="draw")["d"].mean().var(ddof=1)) - within / k)
    total = between + within
    return None if total <= 0 else between / total


def _effect(pairs: pd.DataFrame, claim: AuditedClaim, tau: float) -> dict[str, Any]:
    d = pairs["d"].to_numpy()
    e = claim.direction * d
    a = pairs["a"].to_numpy()
    q5, q50, q95 = (float(x) for x in np.percentile(d, [5, 50, 95]))
    e5, e95 = (float(x) for x in np.percentile(e, [5, 95]))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(a != 0, d / np.abs(a), np.nan)
    rel = rel[np.isfinite(rel)]
    sq = float(np.median(a))
    if claim.kind == "at most":
        verdict = _at_most_verdict(float(np.percentile(d, 5)), float(np.percentile(d, 95)), tau,
                                   bool((pairs[["a", "b"]].to_numpy() > 0).any()))
        holds = float(np.mean(d <= tau))
        material = holds
    else:
        verdict = verdict_of(e5, e95, tau, all_zero=bool(np.all(d == 0)))
        holds = float(np.mean(e > 0))
        material = float(np.mean(e >= tau))
    return {"n": int(d.size), "p_holds": holds, "p_material": material, "median": q50, "p5": q5, "p95": q95,
            "status_quo_median": sq, "relative": q50 / abs(sq) if sq else float("nan"),
            "relative_p5": float(np.percentile(rel, 5)) if rel.size else float("nan"),
            "relative_p95": float(np.percentile(rel, 95)) if rel.size else float("nan"),
            "parameter_share": _variance_share(pairs), "verdict": verdict}


def failure_regions(pairs: pd.DataFrame, fails: np.ndarray, max_depth: int = 2) -> dict[str, Any]:
    """Where a claim fails: the leaves of a shallow CART tree (scikit-learn) over the draws'
    parameter values in which most runs fail, as parameter ranges with coverage (share of all
    failures inside) and density (share of runs inside that fail)."""
    params = [c for c in pairs.columns if c.startswith("param:")]
    n_fail = int(fails.sum())
    if n_fail == 0:
        return {"fails": 0, "n": int(fails.size), "regions": [], "text": f"fails in none of the {fails.size} runs"}
    if n_fail == fails.size:
        return {"fails": n_fail, "n": int(fails.size), "regions": [], "text": f"fails in all {fails.size} runs"}
    if not params or n_fail < 2 or fails.size - n_fail < 2:
        return {"fails": n_fail, "n": int(fails.size), "regions": [],
                "text": f"fails in {n_fail} of {fails.size} runs (too few to locate)"}
    from sklearn.tree import DecisionTreeClassifier

    x = pairs[params].to_numpy(dtype=np.float64)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(2, fails.size // 10), random_state=0)
    tree.fit(x, fails.astype(int))
    t = tree.tree_
    regions: list[dict[str, Any]] = []

    def walk(node: int, conditions: list[str]) -> None:
        if t.children_left[node] == -1:
            inside = tree.apply(x) == node
            density = float(fails[inside].mean()) if inside.any() else 0.0
            if conditions and density >= 0.6:
                regions.append({"conditions": conditions, "density": density,
                                "coverage": float(fails[inside].sum() / n_fail), "runs": int(inside.sum())})
            return
        name = params[t.feature[node]].removeprefix("param:")
        cut = float(t.threshold[node])
        walk(int(t.children_left[node]), [*conditions, f"{name} ≤ {cut:.4g}"])
        walk(int(t.children_right[node]), [*conditions, f"{name} > {cut:.4g}"])

    walk(0, [])
    regions.sort(key=lambda r: -r["coverage"])
    if regions:
        text = "; ".join(f"{' and '.join(r['conditions'])} (fails in {r['density']:.0%} of the {r['runs']} runs "
                         f"there; {r['coverage']:.0%} of all failures)" for r in regions)
    else:
        text = f"fails in {n_fail} of {fails.size} runs, in no region of the parameters a shallow tree can find"
    return {"fails": n_fail, "n": int(fails.size), "regions": regions, "text": text}


def _sentence(claim: AuditedClaim, effect: dict[str, Any], unit: str, tau: float, proposal: str) -> str:
    d = effect["median"]
    who = "Contagion" if claim.base.endswith("no-contagion") else f"The proposal ({proposal})"
    if d > 0:
        change = f"raises {claim.noun} by {_fmt(d, unit)}"
    elif d < 0:
        change = f"lowers {claim.noun} by {_fmt(-d, unit)}"
    else:
        change = f"leaves {claim.noun} unchanged"
    rel = f" ({_rel(effect['relative'])})" if np.isfinite(effect["relative"]) and d else ""
    band = f"90 %: {_fmt(effect['p5'], unit, True)} … {_fmt(effect['p95'], unit, True)}"
    verdict = effect["verdict"]
    if verdict == "not supported" and np.all(np.array([effect["p5"], effect["p95"]]) == 0):
        tail = "no run shows any difference"
        if claim.kind == "at most":
            tail = "no hostile agent was admitted in any run: there was nothing to screen at this scale"
    elif claim.kind == "at most":
        tail = {"supported": "no more than the status quo in 95 % of runs",
                "contradicted": "more than under the status quo",
                "undecided": "the interval is too wide to say",
                "not supported": "no hostile agent was admitted in any run"}[verdict]
    else:
        tail = {"supported": f"as claimed, and more than the {_fmt(tau, unit)} that would matter",
                "supported but small": f"as claimed, but less than the {_fmt(tau, unit)} that would matter",
                "not supported": f"no change that matters either way (threshold {_fmt(tau, unit)})",
                "contradicted": "the opposite of the claim",
                "undecided": "the interval is too wide to say"}[verdict]
    return f"{who} {change}{rel} [{band}]; as claimed in {effect['p_holds']:.0%} of {effect['n']} runs — {tail}."


def judge(table: pd.DataFrame, info: dict[str, Any], failures: list[str] | None = None) -> dict[str, Any]:
    """Verdicts of every audited claim from the tidy run table of an audit."""
    from exitwave.outputs import registry

    reg = registry()
    scale = float(info.get("scale") or 1.0)
    roles: dict[str, dict[str, str]] = info.get("roles", {})
    variants = set(table["variant"]) if len(table) else set()
    sq_rows = table[table["variant"] == "status-quo"]
    sq_median = {k: float(np.nanmedian(sq_rows[k])) for k in sq_rows.columns
                 if k not in ("variant", "draw", "seed") and not k.startswith("param:") and sq_rows[k].notna().any()}
    proposal = str(info.get("proposal", "proposal"))
    claims = []
    for claim in AUDITED:
        unit = reg.get(claim.output).unit if claim.output in reg else "people"
        row: dict[str, Any] = {"code": claim.code, "text": claim.text, "output": claim.output,
                               "direction": claim.direction, "base": claim.base, "other": claim.other,
                               "reason": claim.reason, "threshold_rule": claim.threshold_text(), "unit": unit}
        missing = [v for v in (claim.base, claim.other) if v not in variants]
        if missing:
            row.update(verdict="not tested here", summary=f"not tested: it needs the variant {missing[0]} "
                       "(an audit with ablations, of scenarios that have that mechanism).")
            claims.append(row)
            continue
        if table[claim.output].isna().all():
            row.update(verdict="not tested here", summary=f"not tested: these scenarios have no {claim.noun} "
                       "(no front).")
            claims.append(row)
            continue
        pairs = _pairs(table, claim.base, claim.other, claim.output)
        if len(pairs) < 2:
            row.update(verdict="not tested here", summary="not tested: fewer than 2 paired runs")
            claims.append(row)
            continue
        tau = claim.threshold(sq_median, scale)
        tau = tau if np.isfinite(tau) and tau > 0 else scale
        effect = _effect(pairs, claim, tau)
        row.update(effect, threshold=tau, summary=_sentence(claim, effect, unit, tau, proposal))
        e = claim.direction * pairs["d"].to_numpy()
        fails = (pairs["d"].to_numpy() > tau) if claim.kind == "at most" else (e <= 0)
        row["failure"] = failure_regions(pairs, fails)
        # carriers: the same effect with a mechanism off, and each lever alone
        ablations, levers = {}, {}
        if claim.base == "status-quo" and claim.other == "proposal":
            for name, role in roles.items():
                if role.get("kind") == "ablation" and name.startswith("proposal."):
                    base_name = "status-quo." + name.split(".", 1)[1]
                    p = _pairs(table, base_name, name, claim.output)
                    if len(p) >= 2:
                        eff = _effect(p, claim, tau)
                        ablations[role["of"]] = _carrier(eff, effect)
                elif role.get("kind") == "lever":
                    p = _pairs(table, "status-quo", name, claim.output)
                    if len(p) >= 2:
                        eff = _effect(p, claim, tau)
                        levers[role["of"]] = _carrier(eff, effect)
        row["ablations"], row["levers"] = ablations, levers
        row["carried_by"] = (_carriers_text(ablations, levers) if effect["median"] != 0 or not (ablations or levers)
                             else "the median effect is 0: nothing to carry")
        claims.append(row)
    return {"audit": info, "claims": claims, "failures": failures or [],
            "verdict_words": VERDICTS, "summary": headline_summary(claims, proposal, str(info.get("baseline", "")))}


def _carrier(effect: dict[str, Any], full: dict[str, Any]) -> dict[str, Any]:
    share = effect["median"] / full["median"] if full["median"] else float("nan")
    return {"median": effect["median"], "p5": effect["p5"], "p95": effect["p95"], "relative": effect["relative"],
            "verdict": effect["verdict"], "p_holds": effect["p_holds"], "share_of_effect": share}


def _carriers_text(ablations: dict[str, dict[str, Any]], levers: dict[str, dict[str, Any]]) -> str:
    parts = []
    kept = [(m, a["share_of_effect"]) for m, a in ablations.items()
            if a["share_of_effect"] is not None and np.isfinite(a["share_of_effect"])]
    lost = [(m, x) for m, x in kept if x <= 0.75]
    if lost:
        def without(share: float) -> str:
            if share < 0:
                return "without it the effect reverses"
            return "without it the effect vanishes" if share == 0 else f"without it {share:.0%} of the effect is left"
        parts.append("mechanisms: " + ", ".join(f"{m} ({without(x)})" for m, x in sorted(lost, key=lambda t: t[1])))
    elif ablations:
        parts.append("no single mechanism carries it (each ablation keeps ≥ 75 % of the effect)")
    lead = [(lv, a["share_of_effect"]) for lv, a in levers.items()
            if a["share_of_effect"] is not None and np.isfinite(a["share_of_effect"])]
    lead = [(lv, x) for lv, x in lead if abs(x) >= 0.25]
    if lead:
        parts.append("levers: " + ", ".join(f"{lv} alone gives {x:.0%} of it"
                                             for lv, x in sorted(lead, key=lambda t: -abs(t[1]))))
    elif levers:
        parts.append("no single lever gives a quarter of it alone")
    return "; ".join(parts)


def _people_change(noun: str, more: str, fewer: str, claim: dict[str, Any]) -> str:
    d = claim["median"]
    rel = f" ({_rel(claim['relative'])})" if claim.get("relative") is not None and np.isfinite(claim["relative"]) else ""
    if d > 0:
        return f"{more} {_fmt(d, 'people')} {noun}{rel}"
    if d < 0:
        return f"{fewer} {_fmt(-d, 'people')} {noun}{rel}"
    return f"leaves {noun} unchanged"


def headline_summary(claims: list[dict[str, Any]], proposal: str, baseline: str,
                     basis: str = "medians over all parameter draws and seeds", verdicts: bool = True) -> str:
    """A plain-language paragraph: what the proposal does to departures and to the army (medians
    over ``basis``), then the claims under each verdict word (what is material, what is too
    small to matter, what is uncertain)."""
    by = {(c["code"], c["output"]): c for c in claims}
    parts = []
    c1 = by.get(("C1", "departed"))
    army = by.get(("C2", "force_strength"))
    if c1 and "median" in c1:
        sentence = f"Against {baseline}, {proposal} " + _people_change("departures", "adds", "removes", c1)
        if army and "median" in army:
            sentence += ", and the army at the front " + (
                _people_change("men", "gains", "loses", army).replace("leaves men unchanged", "is unchanged"))
        parts.append(f"{sentence} ({basis}).")
    if not verdicts:
        return " ".join(parts)
    words: dict[str, list[str]] = {}
    for c in claims:
        words.setdefault(c["verdict"], []).append(f"{c['code']} ({c['output'].replace('_', ' ')})")
    order = ["supported", "supported but small", "not supported", *SEED_VERDICTS.values(), "contradicted",
             "undecided", "not tested here"]
    listed = [f"{w.capitalize()}: {', '.join(dict.fromkeys(words[w]))}." for w in order if w in words]
    parts += listed
    return " ".join(parts)


# --- the same thresholds on the seeds of one comparison (fixed parameters) ------------------------

SEED_VERDICTS = {"undecided": "undetermined at this uncertainty",
                 "no difference": "not supported (no difference)",
                 "not supported": "not supported (no change that matters)"}
"""The audit's words as the fixed-parameter claims table says them: over seeds alone an
interval too wide to say is *undetermined at this uncertainty* (more seeds or the audit may
settle it), and *not supported* says whether nothing changed at all or nothing that matters."""


def audited_claim(output: str) -> AuditedClaim | None:
    """The audit's claim on the proposal's effect on ``output`` (status quo → proposal), which
    holds that output's threshold of practical importance; ``None`` when the audit has none."""
    return next((c for c in AUDITED if c.output == output and (c.base, c.other) == ("status-quo", "proposal")),
                None)


def materiality(claim: AuditedClaim, sq_median: dict[str, float], scale: float) -> float:
    """The claim's threshold of practical importance τ (in the output's unit) for a status quo
    whose medians are ``sq_median``, at ``scale`` men per agent; one agent when it cannot be
    computed (as in :func:`judge`)."""
    tau = claim.threshold(sq_median, scale)
    return tau if np.isfinite(tau) and tau > 0 else scale


def judge_on_seeds(claim: AuditedClaim, before: np.ndarray, after: np.ndarray, tau: float,
                   direction: int | None = None) -> dict[str, Any]:
    """The audit's verdict on a paired effect over the seeds of one comparison (``after`` −
    ``before``, seed by seed, at fixed parameters): :func:`verdict_of` against ``tau``, in the
    words of :data:`SEED_VERDICTS`. Returns the effect (median, 5–95 %, relative to ``before``'s
    median, ``p_holds``) with ``verdict`` and ``threshold`` (τ). ``direction`` overrides the
    claim's (a claim stated about another edit)."""
    from dataclasses import replace

    import pandas as pd

    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    index = pd.MultiIndex.from_arrays([np.zeros(before.size, dtype=np.int64), np.arange(before.size)],
                                      names=["draw", "seed"])
    pairs = pd.DataFrame({"a": before, "b": after}, index=index)
    pairs["d"] = pairs["b"] - pairs["a"]
    judged = claim if direction is None else replace(claim, direction=direction)
    effect = _effect(pairs, judged, tau)
    verdict = effect["verdict"]
    if verdict == "not supported" and bool(np.all(pairs["d"].to_numpy() == 0)):
        verdict = "no difference"
    effect["verdict"] = SEED_VERDICTS.get(verdict, verdict)
    effect["threshold"] = tau
    return effect


def comparison_scale(comparison: Any) -> float:
    """Men per agent of a comparison's runs (1 when no run says)."""
    from exitwave.report.claims import _summaries

    for name in comparison.names:
        for summary in _summaries(comparison, name):
            if summary.get("scale"):
                return float(summary["scale"])
    return 1.0


def seed_claims(comparison: Any, other: str) -> list[dict[str, Any]]:
    """The audit's claims on the effect of ``other`` against the comparison's first scenario,
    judged over the seeds (:func:`judge_on_seeds`) with the audit's thresholds of practical
    importance: one row per claim whose output the comparison has, shaped like :func:`judge`'s."""
    from exitwave.outputs import registry

    reg = registry()
    keys = [key for key, _ in comparison.fields]
    base = comparison.names[0]
    sq = {key: float(np.nanmedian(comparison.values[base][:, j])) for j, key in enumerate(keys)}
    scale = comparison_scale(comparison)
    rows = []
    for claim in AUDITED:
        if (claim.base, claim.other) != ("status-quo", "proposal") or claim.output not in keys:
            continue
        j = keys.index(claim.output)
        before, after = comparison.values[base][:, j], comparison.values[other][:, j]
        if before.size < 2 or np.isnan(before).any() or np.isnan(after).any():
            continue
        effect = judge_on_seeds(claim, before, after, materiality(claim, sq, scale))
        unit = reg.get(claim.output).unit if claim.output in reg else "people"
        rows.append({"code": claim.code, "text": claim.text, "output": claim.output, "unit": unit, **effect})
    return rows


def plain_summaries(comparison: Any) -> list[tuple[str, str]]:
    """The plain-language summary of a comparison, one ``(scenario, paragraph)`` per scenario after
    the first: what the proposal (the second scenario) does to departures and to the army, in
    people and in % of the status quo (medians over the seeds), then which claims hold by a margin
    that matters (the audit's thresholds), which hold but too little to matter, and which are
    uncertain; then one sentence on the effects of each further scenario. The report and the
    dashboard open with it and ``exitwave compare`` prints it above its table."""
    names = comparison.names
    basis = f"medians over {len(comparison.seeds)} seeds at fixed parameters; exitwave audit varies them too"
    paragraphs = [(other, headline_summary(seed_claims(comparison, other), other, names[0], basis,
                                           verdicts=k == 1))
                  for k, other in enumerate(names) if k > 0 and other != names[0]]
    return [(name, p) for name, p in paragraphs if p]  # without the claimed outputs there is nothing to say


def plain_summary(comparison: Any) -> list[str]:
    """The paragraphs of :func:`plain_summaries`, without the scenario names."""
    return [paragraph for _, paragraph in plain_summaries(comparison)]
