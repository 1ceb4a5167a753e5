"""Mobilization: a quota-driven call-up, summonses, exemptions and enforcement against men in hiding.

A wave has a **target** (``quota`` men), a **pace** (the state plans to have mobilized
``quota × min(1, days since the decree / pace_days)`` men by each day) and an **enforcement
capacity** (``capacity_per_day``: the most summonses its draft offices can serve a day). Every
day of the decree (``summons_days`` from ``date``) the state compares its plan with what it has:
men mobilized since the wave began plus men still within their response time. It serves
``oversummons`` summonses per missing man, up to its capacity. Men who flee, hide or are
exempt are not there to count, so the state issues further summonses to replace them
(``replacement_summonses``: every summons beyond the first round of ``quota × oversummons``)
until the quota is met or the decree ends. Whether the quota is met is an emergent result
(``mobilization_shortfall``) that exit policies move: a man who cannot leave reports or hides.

Who is summoned: men at home who are eligible (reservists if the wave says so, ages 18 to
``age_max``), regions weighted by ``callup_weight`` (poorer and minority regions were
over-represented in 2022) when ``allocation: weighted``, or drawn in proportion to their
reservist pool. The order is fixed by weighted sampling without replacement (exponential keys);
men gone by their turn are skipped, and a fresh order is drawn among the men still eligible when
a wave's order runs out.

When a summons is served:

* with probability ``exempt_share`` the man is released at once (medical category, deferment):
  he stays at home and is never summoned again;
* otherwise he is **willing** with probability ``1 − unwilling_share`` and reports as summoned
  (``reported_willing``);
* an **unwilling** man is handed to the decision module (``summoned``): he may leave, hide, or
  report at the deadline (MODEL.md §3). Men in hiding are found with ``enforcement_rate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.kernels.heap import heap_remove
from exitwave.kernels.selection import draw_order
from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.random import Stream, key_for, uniform
from exitwave.state import State
from exitwave.vocabulary import RECRUIT_STATUSES, Status

if TYPE_CHECKING:
    from exitwave.results import Tally

__all__ = ["Mobilization", "MOBILIZED_COUNTERS"]

_ELIGIBLE = (Status.AT_HOME, Status.RETURNED)
#: Statuses the state counts towards a wave's quota: due to respond, or mobilized (whatever came after).
_COUNTED = np.zeros(len(Status), np.bool_)
_COUNTED[[Status.SUMMONED, *RECRUIT_STATUSES]] = True
#: Counters whose sum is every man ever mobilized (not volunteers), in agents.
MOBILIZED_COUNTERS = ("reported", "reported_willing", "found_in_hiding", "detained_at_border")
# Sub-streams of Stream.SUMMONS (the wave orders use sub-keys below 1,000,000).
_EXEMPT_DRAW, _WILLING_DRAW, _REORDER = 1_000_000, 2_000_000, 1000


class Mobilization(Module):
    name = "mobilization"
    writes = ("summoned_day", "summoned", "hiding")
    updates = ("key", "heap")  # a summoned man leaves the decision heap of men at home
    outputs = (
        Output("summonses", "summonses issued", "people", kind="counter",
               description="summonses served, exempt men included"),
        Output("replacement_summonses", "replacement summonses", "people", kind="counter",
               description="summonses beyond the first round (quota × oversummons), issued to replace men "
                           "who fled, hid or were exempt"),
        Output("exempted", "summoned men released as exempt", "people", kind="counter",
               description="unfit or deferred when the summons was served (exempt_share)"),
        Output("reported_willing", "summoned men who reported willingly", "people", kind="counter",
               summary=False),
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
        self.rounds = [0] * len(self.waves)
        self.cursor = [0] * len(self.waves)
        self.carry = [0.0] * len(self.waves)
        self.issued = [0.0] * len(self.waves)  # summonses served per wave (agents)
        self.served: list[list[np.ndarray]] = [[] for _ in self.waves]  # men served a summons, per wave
        self.exempt = np.zeros(state.n, np.bool_)  # released when summoned: never summoned again

    def summarize(self, state: State, tally: Tally) -> dict[str, Any]:
        quota = sum(wave.quota for wave in state.scenario.mobilization.waves)
        # everyone who was ever mobilized: reported, found in hiding or detained at the border
        mobilized = sum(tally.counter(name) for name in MOBILIZED_COUNTERS)
        return {
            "mobilized": mobilized,
            "mobilization_quota": quota,
            "mobilization_shortfall": max(0, quota - mobilized),
            "hiding": int(tally.final[Status.HIDING]),
            **tally.counters(self.outputs),
        }

    # -- who is next -------------------------------------------------------------------------
    def _candidates(self, state: State, wave_index: int, wanted: int) -> np.ndarray:
        wave = self.waves[wave_index]
        pop = state.pop
        status_ok = np.zeros(len(Status), np.bool_)
        status_ok[list(_ELIGIBLE)] = True
        weighted = wave.allocation == "weighted"
        sub_key = wave_index + _REORDER * self.rounds[wave_index]
        order = draw_order(wanted, key_for(state.seed, Stream.SUMMONS, sub_key),
                           state.status, status_ok, pop.age, 18, wave.age_max, pop.reservist,
                           wave.reservists_only, pop.means, 0.0, pop.region,
                           state.world.region_callup_weight, 1.0 if weighted else 0.0,
                           state.summoned_day, self.exempt)  # each man is summoned once
        self.rounds[wave_index] += 1
        return order

    def _next_men(self, state: State, i: int, n_today: int) -> list[np.ndarray]:
        """Up to ``n_today`` eligible men in wave ``i``'s order (a fresh order when it runs out)."""
        wave = self.waves[i]
        issued: list[np.ndarray] = []
        while n_today > 0:
            order = self.order[i]
            if order is None or self.cursor[i] >= order.size:
                if order is not None and order.size == 0:
                    break  # nobody eligible is left
                wanted = int(np.ceil(wave.quota * wave.oversummons / state.pop.scale * 1.5)) + 16
                self.order[i] = order = self._candidates(state, i, wanted)
                self.cursor[i] = 0
                if order.size == 0:
                    break
            chunk = order[self.cursor[i]: self.cursor[i] + n_today]
            self.cursor[i] += chunk.size
            chunk = chunk[np.isin(state.status[chunk], _ELIGIBLE) & (state.summoned_day[chunk] < 0)
                          & ~self.exempt[chunk]]
            issued.append(chunk)
            n_today -= chunk.size
        return issued

    # -- the day ---------------------------------------------------------------------------------
    def step(self, state: State, day: int) -> None:
        m = state.scenario.mobilization
        for i, wave in enumerate(self.waves):
            d0 = self.start_day[i]
            if not d0 <= day < d0 + wave.summons_days:
                continue
            scale = state.pop.scale
            pace = min(wave.pace_days, wave.summons_days)  # a plan longer than the decree is cut to it
            planned = wave.quota / scale * min(1.0, (day - d0 + 1) / pace)
            # men the state counts on: mobilized from this wave (whatever became of them since), or
            # summoned and still due to respond; men who fled, hide or were exempt are missing
            served = State.take(self.served[i]) if self.served[i] else np.empty(0, np.int64)
            self.served[i] = [served]
            have = float(np.count_nonzero(_COUNTED[state.status[served]]))
            want = min(max(0.0, planned - have) * wave.oversummons, wave.capacity_per_day / scale)
            n_today = int(want + self.carry[i])
            self.carry[i] += want - n_today  # fractions of an agent carry over to the next day
            summoned = state.take(self._next_men(state, i, n_today))
            if not summoned.size:
                continue
            first_round = wave.quota * wave.oversummons / scale
            replacements = max(0.0, self.issued[i] + summoned.size - max(first_round, self.issued[i]))
            self.issued[i] += summoned.size
            state.count("summonses", float(summoned.size))
            state.count("replacement_summonses", replacements)
            self.served[i].append(summoned)
            exempt = uniform(state.seed, Stream.SUMMONS, _EXEMPT_DRAW + day, summoned) < m.exempt_share
            self.exempt[summoned[exempt]] = True
            state.count("exempted", float(exempt.sum()))
            summoned = summoned[~exempt]
            heap = state.heap
            heap_remove(summoned, state.decision_group, state.key, heap.start, heap.size,
                        heap.slots, heap.pos)
            state.summoned_day[summoned] = day
            unwilling = uniform(state.seed, Stream.SUMMONS, _WILLING_DRAW + day, summoned) < m.unwilling_share
            willing = summoned[~unwilling]
            state.transition(willing, Status.MOBILIZED)  # they report as summoned
            state.count("reported_willing", float(willing.size))
            summoned = summoned[unwilling]
            state.transition(summoned, Status.SUMMONED)
            state.due_day[summoned] = day + int(np.ceil(m.response_days))
            state.summoned = np.concatenate([state.summoned, summoned])
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
