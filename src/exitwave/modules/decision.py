"""Decision: leave, hide or comply.

A man at home leaves with the daily hazard (MODEL.md §3)

    h_i(t) = h0 · exp(w_threat·threat_g(t) + w_urgency·urgency(t)) · access_{r,c}(t)^w_access
             · exp(−w_cost·(1 − means_i) − w_passport·(1 − passport_i) − w_age·(age_i − 30)/10)
             · odds^(contacts abroad)

with ``threat_g = news(t) · ((1 − s) + s · callup_weight_r) · (1 or non_reservist_threat)``,
where ``g`` is his decision group (region, passport, can fly, reservist) and ``access`` the
route opportunity of his region and class (movement). The first factor is shared by the group,
the rest is his own, so each group keeps a heap of trigger levels and a day costs only the men
who decide (next-reaction method; :mod:`exitwave.kernels.heap`). With ``decision_rule:
threshold`` the network term is replaced by Granovetter's rule (leave once the share of contacts
abroad reaches one's threshold).

A summoned man chooses within ``response_days``: leave (same hazard with a large threat), hide
(``hide_rate``), or report (when the deadline passes). Men in hiding may still leave.
"""

from __future__ import annotations

import numpy as np

from exitwave.arrays import unique
from exitwave.households import with_household_at_home
from exitwave.kernels.heap import heap_build_all, heap_insert, heap_remove, pop_due
from exitwave.kernels.selection import initial_trigger_keys
from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.random import Stream, exponential, key_for, uniform
from exitwave.state import DecisionHeap, State
from exitwave.vocabulary import (
    GROUPS_PER_REGION,
    Status,
    group_region,
    group_reservist,
    group_route_class,
)

__all__ = ["Decision", "individual_weight"]


def individual_weight(state: State, agents: np.ndarray) -> np.ndarray:
    """His own hazard multiplier: cost of leaving, age and contacts abroad (dimensionless)."""
    b = state.scenario.behaviour
    pop = state.pop
    log_w = (-b.cost_weight * (1.0 - pop.means[agents].astype(np.float64))
             - b.no_passport_cost * (~pop.passport[agents])
             - b.age_weight * (pop.age[agents].astype(np.float64) - 30.0) / 10.0)
    if b.decision_rule == "hazard":
        log_w += np.log(b.network_odds_per_contact_abroad) * state.contacts_abroad[agents]
    if pop.households:  # a household leaves at the mean of its members' hazards (one decision)
        log_w -= np.log(pop.household_adults[agents].astype(np.float64))
    return np.exp(log_w)


class Decision(Module):
    name = "decision"
    reads = ("contacts_abroad", "threshold_fired", "turned_home", "access")
    writes = ("key", "heap", "depart_day", "attempts", "leaving")
    updates = ("summoned", "hiding")  # summoned men hide, report or leave
    outputs = (
        Output("went_into_hiding", "summoned men who went into hiding", "people", kind="counter", summary=False),
        Output("reported", "summoned men who reported", "people", kind="counter", summary=False),
    )

    def init(self, state: State) -> None:
        b = state.scenario.behaviour
        w = state.world
        pop = state.pop
        self.n_groups = w.n_regions * GROUPS_PER_REGION
        group_ids = np.arange(self.n_groups)
        self.group_region = group_region(group_ids)
        self.group_class = group_route_class(group_ids)
        self.group_reservist = group_reservist(group_ids)
        self.callup_weight = w.region_callup_weight / max(float(w.region_callup_weight.mean()), 1e-12)
        state.key = np.zeros(state.n, np.float64)
        state.depart_day = np.full(state.n, -1, np.int32)
        state.attempts = np.zeros(state.n, np.uint8)
        state.leaving = []
        state.heap = heap = DecisionHeap.allocate(state.decision_group, self.n_groups)
        # At the start every man is at home and nobody is abroad: one fused pass draws all keys.
        if not (state.status == Status.AT_HOME).all() or state.contacts_abroad.any():
            raise RuntimeError("the decision module must start from a population all at home")
        initial_trigger_keys(key_for(state.seed, Stream.RESISTANCE, 0), pop.means,
                             pop.passport, pop.age, b.cost_weight, b.no_passport_cost, b.age_weight,
                             state.key)
        if pop.households:  # his hazard counts 1/k towards his household of k adults: key × k
            state.key *= pop.household_adults
        heap_build_all(state.decision_group, state.key, heap.start, heap.size, heap.slots, heap.pos)
        self.out = np.empty(1024, dtype=np.int64)
        self.h0 = b.baseline_leave_rate

    def group_hazard(self, state: State, day: int, summoned: bool = False) -> np.ndarray:
        """Shared part of the daily hazard per decision group (per day)."""
        b = state.scenario.behaviour
        sched = state.schedule
        if summoned:
            threat = np.full(self.n_groups, b.summoned_threat)
        else:
            # National call-up news reaches everyone; part of the threat follows the region's
            # call-up intensity; men without military experience feel it less.
            regional = b.regional_threat_share
            exposure = (1 - regional) + regional * self.callup_weight[self.group_region]
            experience = np.where(self.group_reservist == 1, 1.0, b.non_reservist_threat)
            threat = sched.callup_news[day] * exposure * experience
        access = state.access[self.group_region, self.group_class]
        return (self.h0 * np.exp(b.threat_weight * threat + b.urgency_weight * sched.urgency[day])
                * np.power(access, b.access_weight))

    def step(self, state: State, day: int) -> None:
        heap = state.heap
        b = state.scenario.behaviour
        leaving: list[np.ndarray] = []
        # Men back home (turned back, gave up) get a fresh resistance and rejoin their heap.
        back = state.take(state.turned_home)
        back = back[state.status[back] == Status.AT_HOME]
        if back.size:
            attempt = state.attempts[back].astype(np.int64)
            # A man back from the border has learnt what it costs (days in a queue, money): he needs
            # retry_resistance times a fresh resistance before he sets out again.
            fresh = exponential(state.seed, Stream.RESISTANCE, 0, back * 256 + attempt) * b.retry_resistance
            state.key[back] = heap.level[state.decision_group[back]] + fresh / individual_weight(state, back)
            heap_insert(back, state.decision_group, state.key, heap.start, heap.size, heap.slots, heap.pos)
        # Men at home: advance each group's cumulative hazard, pop the triggers it passed.
        heap.level += self.group_hazard(state, day)
        if self.out.size < state.n // 50 + 1024:
            self.out = np.empty(min(state.n, max(2 * self.out.size, state.n // 50 + 1024)), np.int64)
        while True:
            n = pop_due(heap.level, state.key, heap.start, heap.size, heap.slots, heap.pos, self.out)
            leaving.append(self.out[:n].copy())
            if n < self.out.size:
                break
            self.out = np.empty(min(state.n, 2 * self.out.size), np.int64)
        fired = state.take(state.threshold_fired)
        if fired.size:
            fired = unique(fired[state.status[fired] == Status.AT_HOME])
            if state.pop.households:  # a persuaded member carries his household of k with chance 1/k
                agree = uniform(state.seed, Stream.HOUSEHOLD, day + 1, fired) * state.pop.household_adults[fired] < 1.0
                fired = fired[agree]
            heap_remove(fired, state.decision_group, state.key, heap.start, heap.size, heap.slots, heap.pos)
            leaving.append(fired)
        # Summoned men and men in hiding: leave, hide, or report at the deadline.
        leaving.append(self._summoned_choice(state, day))
        go = state.take(leaving)
        if go.size:
            go = unique(go)
            # A household leaves together: its members at home go with the one who decided.
            pulled = (np.setdiff1d(with_household_at_home(state, go), go, assume_unique=True)
                      if state.pop.households else go[:0])
            pulled = pulled[heap.pos[pulled] >= 0]
            if pulled.size:
                heap_remove(pulled, state.decision_group, state.key, heap.start, heap.size, heap.slots, heap.pos)
                go = np.union1d(go, pulled)
            state.transition(go, Status.TRAVELLING)
            state.depart_day[go] = day
            state.attempts[go] = np.minimum(state.attempts[go].astype(np.int64) + 1, 255)
            state.leaving.append(go)

    def _summoned_choice(self, state: State, day: int) -> np.ndarray:
        m = state.scenario.mobilization
        summoned = state.summoned[state.status[state.summoned] == Status.SUMMONED]
        hiding = state.hiding[state.status[state.hiding] == Status.HIDING]
        shared = self.group_hazard(state, day, summoned=True)
        leave: list[np.ndarray] = []
        if summoned.size:
            h = shared[state.decision_group[summoned]] * individual_weight(state, summoned)
            p_leave = -np.expm1(-h)
            p_hide = -np.expm1(-m.hide_rate)
            u = uniform(state.seed, Stream.SUMMONED_CHOICE, day, summoned)
            goes = u < p_leave
            hides = ~goes & (u < p_leave + (1 - p_leave) * p_hide)
            reports = ~goes & ~hides & (state.due_day[summoned] <= day)
            leave.append(summoned[goes])
            state.transition(summoned[hides], Status.HIDING)
            state.count("went_into_hiding", float(hides.sum()))
            state.transition(summoned[reports], Status.MOBILIZED)
            state.count("reported", float(reports.sum()))
            state.hiding = np.concatenate([hiding, summoned[hides]])
            state.summoned = summoned[~(goes | hides | reports)]
        else:
            state.summoned = summoned
            state.hiding = hiding
        hiding = state.hiding
        if hiding.size:
            h = shared[state.decision_group[hiding]] * individual_weight(state, hiding)
            goes = uniform(state.seed, Stream.SUMMONED_CHOICE, day + 100_000, hiding) < -np.expm1(-h)
            leave.append(hiding[goes])
            state.hiding = hiding[~goes]
        return state.take(leave)
