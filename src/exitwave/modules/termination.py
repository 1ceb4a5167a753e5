"""War end: pluggable rules; the output is a distribution of end dates over seeds, never one date.

* ``breakpoint`` (Helmbold 1971: battles end well before annihilation, mostly at 10–40 % losses):
  a loss threshold L and a morale threshold M are drawn once per run, uniformly in their ranges;
  the army stops on the first day its strength falls below (1 − L) × its peak strength, or its
  mean morale below M.
* ``hazard``: a log-logistic baseline hazard in the war's age a (days since ``war_start``),
  ``h0(a) = (β/α)(a/α)^(β−1) / (1 + (a/α)^β)``, shifted by morale and strength:
  ``h(a) = h0(a) · exp(k_m·(morale_base − m̄) + k_s·(1 − strength/peak))``. The war ends on the
  first day the cumulative hazard since the run's start reaches an exponential draw made once per
  run, so the draw is conditional on the war having lasted until the run's start.
  The default prior (median α = 333 days, shape β = 0.435) is fitted to the durations of interstate
  wars since 1946 (UCDP conflict termination data as summarised by Jensen, CSIS 2022: 26 % end
  within 30 days, 51 % within a year, and those that pass a year last over a decade on average —
  the fit gives a median of about 12 years for them). With β < 1 the hazard falls with the war's
  age: a war that has lasted is likely to last longer. Bennett & Stam (1996) find no duration
  dependence within a war once its circumstances are known; the falling hazard here is the
  population-level reading of that finding (wars differ, and the long ones are the ones left).
* ``none``: the war outlasts the run (``--war-end off`` on the command line sets it for every
  scenario with a front).

When the war ends (``war_end_day`` is set), the front stops: the force module reads it and stops
casualties, desertion, surrender and recruitment. Because that freezes the front's totals, the
module also reports the front **while the war goes on** (:data:`AT_WAR_COUNTERS`): each front
counter per month of war (``per_month_at_war.*``), desertion and surrender per soldier-month of
war, and strength and morale on the last day of war — rates that do not shrink because a seed's
war ended early. The prior and its source are a summary field (``war_end_prior``) printed under
every table that shows a war-end date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.random import Stream, uniform
from exitwave.scenario.schema import WarEnd
from exitwave.state import State
from exitwave.vocabulary import Status

if TYPE_CHECKING:
    from exitwave.results import Tally
    from exitwave.scenario.schema import Front, Scenario

__all__ = ["Termination", "loglogistic_cdf", "loglogistic_cumulative_hazard", "day_hazard", "prior_text",
           "WAR_END_CHOICES", "war_end_overrides", "AT_WAR_COUNTERS", "HAZARD_SOURCE", "BREAKPOINT_SOURCE"]

HAZARD_SOURCE = ("fitted to interstate wars since 1946 (UCDP, in Jensen, CSIS 2022: 26 % end within 30 days, "
                 "51 % within a year, those past a year last over a decade on average); no duration "
                 "dependence within a war, Bennett & Stam 1996")
BREAKPOINT_SOURCE = "Helmbold 1971 (1,080 battles: most end at 10–40 % losses)"
# the prior HAZARD_SOURCE describes: the schema's defaults (median days, shape)
_HAZARD_DEFAULTS = (WarEnd.model_fields["median_days"].default, WarEnd.model_fields["shape"].default)

#: The front's counters reported per month of war (``per_month_at_war.*``), when the run has them.
AT_WAR_COUNTERS = ("recruited", "killed", "wounded", "deserted", "surrendered", "hotline_surrenders")
_MONTH = 365.25 / 12

#: ``--war-end`` on the command line: each scenario's own rule, or none (the war outlasts the run).
WAR_END_CHOICES = ("scenario", "off")


def war_end_overrides(scenario: Scenario, war_end: str) -> dict[str, Any]:
    """Scenario overrides for ``--war-end``: ``off`` sets ``front.war_end.rule`` to ``none`` in a
    scenario with a front (one without a front has no war to end and is left as it is)."""
    if war_end not in WAR_END_CHOICES:
        raise ValueError(f"expected one of {', '.join(WAR_END_CHOICES)}, got {war_end!r}")
    if war_end == "off" and scenario.front is not None:
        return {"front.war_end.rule": "none"}
    return {}


def prior_text(front: Front | None) -> str:
    """The war-end rule, its parameters and its source, in words (printed wherever a war-end date is)."""
    if front is None:
        return "no front: no war to end"
    w = front.war_end
    if w.rule == "none":
        return "war end off (rule none): the war outlasts the run and the front is never frozen"
    if w.rule == "breakpoint":
        return (f"war end by breakpoint: the army stops below {1 - w.loss_threshold_high:.0%}–"
                f"{1 - w.loss_threshold_low:.0%} of its peak strength or when its mean morale falls below "
                f"{w.morale_threshold_low:g}–{w.morale_threshold_high:g} (thresholds drawn once per run); "
                f"source: {BREAKPOINT_SOURCE}")
    source = (HAZARD_SOURCE if (w.median_days, w.shape) == _HAZARD_DEFAULTS
              else "scenario's own values (the default prior is " + HAZARD_SOURCE + ")")
    shift = ("" if w.morale_effect == 0 and w.strength_effect == 0 else
             f", raised by low morale (×exp({w.morale_effect:g}·Δmorale)) and lost strength "
             f"(×exp({w.strength_effect:g}·share lost); assumption)")
    since = w.war_start.isoformat() if w.war_start is not None else "(no war_start)"
    return (f"war end by hazard: log-logistic in the war's age since {since}, median "
            f"{w.median_days:g} days, shape {w.shape:g}{shift}; source: {source}")


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
               censor="days", note_field="war_end_prior",
               description="day of the run on which the war ended; null when it outlasted the run"),
        Output("war_end_date", "war-end date", "date", scaling="none", may_not_happen=True,
               note_field="war_end_prior"),
        Output("war_end_rule", "war-end rule", "name", scaling="none"),
        Output("war_end_thresholds", "war-end threshold drawn: {key}", "mixed", family=True, scaling="none",
               description="the thresholds drawn once per run (loss share, morale, hazard draw)"),
        Output("war_end_prior", "war-end rule and its source", "text", scaling="none",
               description="the rule, its parameters and their source in words; printed under every table "
               "that shows a war-end date"),
        Output("days_at_war", "days of the run at war", "days", scaling="none",
               description="days on which the front fought: to the war's end, or the whole run when the war "
               "outlasted it"),
        Output("per_month_at_war", "{key} per month of war", "people/month", family=True,
               description="the front counter divided by the months of the run at war (days_at_war): the "
               "front while the war goes on, not shrunk by an early war end"),
        Output("desertion_share_per_month_at_war", "desertions per soldier per month of war", "share 0–1/month",
               scaling="none", description="deserted ÷ mean soldiers at the front over the days at war ÷ "
               "months at war"),
        Output("surrender_share_per_month_at_war", "surrenders per soldier per month of war", "share 0–1/month",
               scaling="none", description="surrendered ÷ mean soldiers at the front over the days at war ÷ "
               "months at war"),
        Output("force_strength_last_day_at_war", "soldiers at the front on the last day of war", "people",
               description="men in status SOLDIER on the last day at war (the run's last day when the war "
               "outlasted it)"),
        Output("mean_morale_last_day_at_war", "mean morale on the last day of war (0–1)", "morale 0–1",
               scaling="none", description="strength-weighted mean morale of the units on the last day at war"),
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
        # the hazard rule needs war_start (the schema refuses a hazard front without one); the
        # breakpoint rule does not look at the war's age
        self.war_age0 = (state.scenario.time.start - w.war_start).days if w.war_start is not None else 0
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
            "war_end_prior": prior_text(front),
            **self._at_war(state, tally),
        }

    @staticmethod
    def _at_war(state: State, tally: Tally) -> dict[str, Any]:
        """The front while the war goes on: counters per month of war, shares per soldier-month of
        war, strength and morale on the last day of war (from the daily record)."""
        rec = tally.recorder
        # the force fights on the day the war ends (termination runs after it), not after
        days = state.n_days if state.war_end_day is None else min(state.war_end_day + 1, state.n_days)
        months = days / _MONTH
        last = days - 1
        scale = tally.scale
        soldiers = float(rec.status[:days, Status.SOLDIER].mean()) * scale
        counts = {name: float(rec.counters[last, rec.counter_names.index(name)]) * scale
                  for name in AT_WAR_COUNTERS if name in rec.counter_names}
        morale = rec.morale[last]

        def share(name: str) -> float | None:
            return round(counts[name] / soldiers / months, 6) if name in counts and soldiers > 0 else None

        return {
            "days_at_war": days,
            "per_month_at_war": {name: round(value / months, 1) for name, value in counts.items()},
            "desertion_share_per_month_at_war": share("deserted"),
            "surrender_share_per_month_at_war": share("surrendered"),
            "force_strength_last_day_at_war": tally.people(float(rec.status[last, Status.SOLDIER])),
            "mean_morale_last_day_at_war": None if np.isnan(morale) else round(float(morale), 4),
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
