"""War end: pluggable rules; the output is a distribution of end dates over seeds, never one date.

* ``breakpoint`` (Helmbold 1971: battles end well before annihilation, mostly at 10–40 % losses):
  a loss threshold L and a morale threshold M are drawn once per run, uniformly in their ranges;
  the army stops on the first day its strength falls below (1 − L) × its peak strength, or its
  mean morale below M.
* ``hazard`` (Slantchev 2004; COW wars: median 139 days, mean 408): a log-logistic baseline hazard
  in the war's age a (days since ``war_start``), ``h0(a) = (β/α)(a/α)^(β−1) / (1 + (a/α)^β)``,
  shifted by morale and strength: ``h(a) = h0(a) · exp(k_m·(morale_base − m̄) + k_s·(1 −
  strength/peak))``. The war ends on the first day the cumulative hazard since the run's start
  reaches an exponential draw made once per run.
* ``none``: the war outlasts the run.

When the war ends (``war_end_day`` is set), the front stops: the force module reads it and stops
casualties, desertion, surrender and recruitment.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.random import Stream, uniform
from exitwave.state import State
from exitwave.vocabulary import Status

if TYPE_CHECKING:
    from exitwave.results import Tally

__all__ = ["Termination", "loglogistic_cdf", "loglogistic_cumulative_hazard",
           "day_hazard"]


def loglogistic_cumulative_hazard(age_days: np.ndarray | float, median: float, shape: float) -> np.ndarray:
    """H(a) = ln(1 + (a/α)^β)."""
    a = np.maximum(np.asarray(age_days, dtype=np.float64), 0.0) / median
    return np.log1p(a**shape)


def day_hazard(age_days: float, median: float, shape: float) -> float:
    """Baseline hazard accumulated over one day of war starting at ``age_days`` (exact)."""
    return float(loglogistic_cumulative_hazard(age_days + 1.0, median, shape)
                 - loglogistic_cumulative_hazard(age_days, median, shape))


def loglogistic_cdf(age_days: np.ndarray | float, median: float, shape: float) -> np.ndarray:
    a = np.maximum(np.asarray(age_days, dtype=np.float64), 0.0) / median
    return a**shape / (1.0 + a**shape)


class Termination(Module):
    name = "termination"
    reads = ("front",)
    writes = ("war_end_day", "war_end_thresholds")
    outputs = (
        Output("war_end_day", "war-end day (censored at run end)", "days", scaling="none", may_not_happen=True,
               censor="days", description="day of the run on which the war ended; null when it outlasted "
               "the run"),
        Output("war_end_date", "war-end date", "date", scaling="none", may_not_happen=True),
        Output("war_end_rule", "war-end rule", "name", scaling="none"),
        Output("war_end_thresholds", "war-end threshold drawn: {key}", "mixed", family=True, scaling="none",
               description="the thresholds drawn once per run (loss share, morale, hazard draw)"),
    )

    def init(self, state: State) -> None:
        state.war_end_day = None
        state.war_end_thresholds = {}
        front = state.scenario.front
        self.rule = front.war_end.rule if front is not None else "none"
        if front is None or self.rule == "none":
            return
        w = front.war_end
        u = uniform(state.seed, Stream.WAR_END, 0, np.arange(3))
        self.loss_threshold = w.loss_threshold_low + (w.loss_threshold_high - w.loss_threshold_low) * u[0]
        self.morale_threshold = w.morale_threshold_low + (w.morale_threshold_high - w.morale_threshold_low) * u[1]
        self.resistance = -np.log1p(-u[2])
        self.cumulative = 0.0
        self.peak = 0.0
        self.war_age0 = (state.scenario.time.start - w.war_start).days
        state.war_end_thresholds = {"loss": float(self.loss_threshold), "morale": float(self.morale_threshold),
                                    "hazard_draw": float(self.resistance)}

    def summarize(self, state: State, tally: Tally) -> dict[str, Any]:
        front = state.scenario.front
        if front is None:
            return {}
        end = state.war_end_day
        return {
            "war_end_day": end,
            "war_end_date": (state.scenario.time.start + dt.timedelta(days=end)).isoformat() if end is not None else None,
            "war_end_rule": front.war_end.rule,
            "war_end_thresholds": state.war_end_thresholds,
        }

    def step(self, state: State, day: int) -> None:
        front = state.scenario.front
        if front is None or self.rule == "none" or state.war_end_day is not None:
            return
        strength = float(state.status_counts[Status.SOLDIER])
        self.peak = max(self.peak, strength)
        fs = state.front
        assert fs is not None  # the force module creates it when the scenario has a front
        morale = float(np.average(fs.morale, weights=fs.strength)) if fs.strength.sum() > 0 else 0.0
        w = front.war_end
        if self.rule == "breakpoint":
            ended = strength < (1.0 - self.loss_threshold) * self.peak or morale < self.morale_threshold
        else:
            shift = np.exp(w.morale_effect * (front.morale_base - morale)
                           + w.strength_effect * (1.0 - strength / max(self.peak, 1e-9)))
            self.cumulative += day_hazard(self.war_age0 + day, w.median_days, w.shape) * shift
            ended = self.cumulative >= self.resistance
        if ended:
            state.war_end_day = day
