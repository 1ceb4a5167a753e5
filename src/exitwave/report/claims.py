"""The claims audit: each claim of the asylum argument against the model's paired difference.

A verdict is never given without an interval: *supported* when the 5–95 % band of the paired
difference (proposal − status quo, same seeds) lies on the claimed side of zero, *contradicted*
when it lies on the other side, *undetermined at this uncertainty* when it straddles zero, and *not supported (no difference)*
when the proposal changes nothing on any seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from exitwave.experiments.comparison import Comparison

__all__ = ["Claim", "CLAIMS", "audit"]


@dataclass(frozen=True)
class Claim:
    code: str
    text: str
    output: str
    direction: int  # +1: the claim says the proposal raises it; −1: lowers it
    against: str = "status quo"  # or "proposal" (C10 compares the exit closure with the proposal)


CLAIMS = (
    Claim("C1", "Offering asylum makes many more men leave.", "departed", +1),
    Claim("C2", "Departures reduce the men available to the army (mobilization shortfall).", "mobilization_shortfall", +1),
    Claim("C2", "Departures reduce the army's strength.", "force_strength", -1),
    Claim("C3", "Defection abroad lowers the morale of the men at the front.", "mean_morale", -1),
    Claim("C4", "Desertion spreads.", "deserted", +1),
    Claim("C4", "Surrender spreads.", "surrendered", +1),
    Claim("C7", "Therefore the war ends sooner.", "war_end_day", -1),
    Claim("C8", "Screening keeps infiltrators out (no more hostile agents admitted).", "hostile_admitted", -1),
    Claim("C10", "Russia closing its exits undoes the effect on departures.", "departed", -1, against="proposal"),
)


@dataclass
class Verdict:
    claim: Claim
    baseline: str
    scenario: str
    median: float
    p5: float
    p95: float
    verdict: str
    leading: list[str]


def _verdict(direction: int, p5: float, p95: float) -> str:
    if p5 == 0.0 and p95 == 0.0:
        return "not supported (no difference)"
    if direction > 0:
        return "supported" if p5 > 0 else "contradicted" if p95 < 0 else "undetermined at this uncertainty"
    return "supported" if p95 < 0 else "contradicted" if p5 > 0 else "undetermined at this uncertainty"


def audit(comparison: Comparison, leading: dict[str, list[str]] | None = None) -> list[Verdict]:
    """Verdicts for every claim the comparison can test. The first scenario is the status quo,
    the second the proposal; a third (if any) is the proposal answered by an exit closure."""
    keys = [key for key, _ in comparison.fields]
    names = comparison.names
    out = []
    for claim in CLAIMS:
        if claim.output not in keys:
            continue
        if claim.against == "proposal":
            if len(names) < 3:
                continue
            base, other = names[1], names[2]
        else:
            if len(names) < 2:
                continue
            base, other = names[0], names[1]
        j = keys.index(claim.output)
        diff = comparison.values[other][:, j] - comparison.values[base][:, j]
        if np.isnan(diff).any():
            continue
        p5, p50, p95 = (float(x) for x in np.percentile(diff, [5, 50, 95]))
        if claim.output == "hostile_admitted":
            verdict = "supported" if p95 <= 0 else _verdict(-1, p5, p95)
        else:
            verdict = _verdict(claim.direction, p5, p95)
        out.append(Verdict(claim, base, other, p50, p5, p95, verdict, (leading or {}).get(claim.output, [])))
    return out
