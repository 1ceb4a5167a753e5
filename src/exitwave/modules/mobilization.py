"""Mobilization: call-up waves, summonses, and enforcement against men in hiding.

A wave sends ``quota × oversummons`` summonses over ``summons_days`` from its date, to men at
home who are eligible (reservists if the wave says so, ages 18 to ``age_max``). Regions are
weighted by ``callup_weight`` (poorer and minority regions were over-represented in 2022) when
``allocation: weighted``, or drawn in proportion to their reservist pool. The order in which men
are summoned is fixed when the wave starts (weighted sampling without replacement by
exponential keys); men who have left by the time their turn comes are skipped. Whether the
quota is met is an outcome (``mobilization shortfall``), not an input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.kernels.heap import heap_remove
from exitwave.kernels.selection import selection_keys
from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.random import Stream, stream_key, uniform
from exitwave.state import State
from exitwave.vocabulary import Status

if TYPE_CHECKING:
    from exitwave.results import Tally

__all__ = ["Mobilization"]

_ELIGIBLE = (Status.AT_HOME, Status.RETURNED)


class Mobilization(Module):
    name = "mobilization"
    writes = ("summoned_day", "summoned", "hiding")
    updates = ("key", "heap")  # a summoned man leaves the decision heap of men at home
    outputs = (
        Output("summonses", "summonses issued", "people", kind="counter"),
        Output("found_in_hiding", "found in hiding and mobilized", "people", kind="counter", summary=False),
        Output("mobilized", "mobilized", "people", description="men ever mobilized: reported, found in "
               "hiding or detained at the border (not volunteers)"),
        Output("mobilization_quota", "call-up quota", "people", description="sum of the waves' quotas"),
        Output("mobilization_shortfall", "mobilization shortfall", "people",
               description="quota − mobilized, at least 0: the call-up's unmet part"),
        Output("hiding", "hiding at end", "people", description="summoned men in hiding on the last day"),
    )

    def init(self, state: State) -> None:
        sc = state.scenario
        state.summoned_day = np.full(state.n, -1, np.int32)
        state.summoned = np.empty(0, np.int64)
        state.hiding = np.empty(0, np.int64)
        self.waves = list(sc.mobilization.waves)
        self.start_day = [sc.time.day_of(w.date) for w in self.waves]
        self.order: list[np.ndarray | None] = [None] * len(self.waves)
        self.cursor = [0] * len(self.waves)
        self.carry = [0.0] * len(self.waves)

    def summarize(self, state: State, tally: Tally) -> dict[str, Any]:
        quota = sum(wave.quota for wave in state.scenario.mobilization.waves)
        # everyone who was ever mobilized: reported, found in hiding or detained at the border
        mobilized = tally.counter("reported") + tally.counter("found_in_hiding") + tally.counter("detained_at_border")
        return {
            "mobilized": mobilized,
            "mobilization_quota": quota,
            "mobilization_shortfall": max(0, quota - mobilized),
            "hiding": int(tally.final[Status.HIDING]),
            **tally.counters(self.outputs),
        }

    def _candidates(self, state: State, wave_index: int) -> np.ndarray:
        wave = self.waves[wave_index]
        pop = state.pop
        status_ok = np.zeros(len(Status), np.bool_)
        status_ok[list(_ELIGIBLE)] = True
        weighted = wave.allocation == "weighted"
        men, keys = selection_keys(np.uint64(stream_key(state.seed, Stream.SUMMONS, wave_index)),
                                   state.status, status_ok, pop.age, 18, wave.age_max, pop.reservist,
                                   wave.reservists_only, pop.means, 0.0, pop.region,
                                   state.world.region_callup_weight, 1.0 if weighted else 0.0)
        wanted = int(np.ceil(wave.quota * wave.oversummons / pop.scale * 1.5)) + 16
        if wanted < men.size:
            pick = np.argpartition(keys, wanted)[:wanted]
            men, keys = men[pick], keys[pick]
        return men[np.argsort(keys, kind="stable")]

    def step(self, state: State, day: int) -> None:
        for i, wave in enumerate(self.waves):
            d0 = self.start_day[i]
            if not d0 <= day < d0 + wave.summons_days:
                continue
            if self.order[i] is None:
                self.order[i] = self._candidates(state, i)
            order = self.order[i]
            assert order is not None
            self.carry[i] += wave.quota * wave.oversummons / wave.summons_days / state.pop.scale
            n_today = int(self.carry[i])
            self.carry[i] -= n_today
            issued: list[np.ndarray] = []
            while n_today > 0 and self.cursor[i] < order.size:
                chunk = order[self.cursor[i]: self.cursor[i] + n_today]
                self.cursor[i] += chunk.size
                chunk = chunk[np.isin(state.status[chunk], _ELIGIBLE)]
                issued.append(chunk)
                n_today -= chunk.size
            summoned = state.take(issued)
            if summoned.size:
                heap = state.heap
                heap_remove(summoned, state.decision_group, state.key, heap.start, heap.size,
                            heap.slots, heap.pos)
                state.transition(summoned, Status.SUMMONED)
                state.summoned_day[summoned] = day
                response = state.scenario.mobilization.response_days
                state.due_day[summoned] = day + int(np.ceil(response))
                state.summoned = np.concatenate([state.summoned, summoned])
                state.count("summonses", float(summoned.size))
        self._enforce(state, day)

    def _enforce(self, state: State, day: int) -> None:
        hiding = state.hiding[state.status[state.hiding] == Status.HIDING]
        if not hiding.size:
            state.hiding = hiding
            return
        rate = state.scenario.mobilization.enforcement_rate
        found = uniform(state.seed, Stream.ENFORCEMENT, day, hiding) < -np.expm1(-rate)
        state.transition(hiding[found], Status.MOBILIZED)
        state.count("found_in_hiding", float(found.sum()))
        state.hiding = hiding[~found]
