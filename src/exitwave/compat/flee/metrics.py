"""Flee's validation metric: the averaged relative difference (ARD).

For each day ``t``, the absolute differences between simulated and observed refugees summed over
the camps, divided by the observed refugees in camps (at least 1); then the mean over the days
(Flee's ``plot_flee_output``: ``abs_diff / max(refugees in camps (UNHCR), 1)``). The *rescaled*
variant first multiplies each camp's simulated count by observed-in-camps / simulated-in-camps of
that day (0 on a day with nobody simulated in camps), so it scores the distribution over camps
only. Differences are rounded to 4 decimals, as Flee's ``abs_diffs`` does.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ard"]


def ard(simulated: np.ndarray, observed: np.ndarray, camps: list[str] | None = None
        ) -> tuple[float, float, dict[str, float]]:
    """ARD and rescaled ARD of ``simulated`` against ``observed`` (both ``[day, camp]``, same units),
    and each camp's share of the (normal) ARD, which sum to it."""
    sim = np.asarray(simulated, np.float64)
    obs = np.asarray(observed, np.float64)
    if sim.shape != obs.shape or sim.ndim != 2 or sim.shape[0] == 0:
        raise ValueError(f"simulated {sim.shape} and observed {obs.shape} must be equal [day, camp] arrays")
    in_camps_obs = obs.sum(axis=1)
    in_camps_sim = sim.sum(axis=1)
    ratio = np.divide(in_camps_obs, in_camps_sim, out=np.zeros_like(in_camps_obs), where=in_camps_sim > 0)
    rescaled = sim * ratio[:, None]
    denominator = np.maximum(in_camps_obs, 1.0)[:, None]
    diff = np.round(np.abs(sim - obs), 4) / denominator
    diff_rescaled = np.round(np.abs(rescaled - obs), 4) / denominator
    by_camp = diff.mean(axis=0)
    names = camps if camps is not None else [str(c) for c in range(sim.shape[1])]
    return (float(diff.sum(axis=1).mean()), float(diff_rescaled.sum(axis=1).mean()),
            {name: float(v) for name, v in zip(names, by_camp, strict=True)})
