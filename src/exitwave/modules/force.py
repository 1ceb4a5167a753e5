"""The front: force generation, attrition, wounded burden, morale, desertion and surrender.

Soldiers are agents (status SOLDIER, their unit a column), so conservation covers them.

* **Force generation.** Men mobilized (reported, found in hiding, detained at the border) and
  paid volunteers train for ``training_days`` (``recruit_training_days``) and then join the unit
  furthest below its establishment. Volunteers are drawn from men at home at
  ``contract_recruits`` a day, weighted by ``exp(recruit_means_weight · (1 − means)) ·
  callup_weight^recruit_region_weight`` — so who fights, like who leaves, emerges from selection.
  The initial force is drawn the same way at the start.
* **Attrition.** Each day a soldier becomes a casualty with probability 1 − exp(−c(t)), c the
  casualty rate of the day's intensity (Dupuy: ~2.8 % a day in heavy combat); a share
  ``killed_share`` dies (1 : 3 killed : wounded), the rest are wounded and in care for
  ``recovery_days``, each tying up ``carers_per_wounded`` soldiers; then ``return_to_duty_share``
  return to their unit and the rest are discharged. *Soldier-days lost to care* add up the
  wounded man's own days and his carers'.
* **Morale** of unit u, m_u ∈ [0, 1]:
  ``m ← m + ρ·(m_target − m) − a_k·killed_u/strength_u − a_w·wounded_u/strength_u`` with
  ``m_target = morale_base + pay_morale − a_home·H(t) − a_c·100·E_u``: H is the share of the
  sending country's men who left in the last 30 days (news of departures at home), E_u the unit's
  recent desertions and surrenders per soldier (decaying with ``memory_days``) beyond what the
  baseline rates alone keep in memory — precedent is the unusual, so a unit without shocks stays
  at its baseline.
* **Desertion and surrender** hazards per soldier of unit u:
  ``h_d = d0 · exp(b·(morale_base − m_u)) · X_u · exp(−k·(coercion − 0.5)) · (1 + e·deserter_asylum)``
  ``h_s = s0 · (credibility / credibility_ref) · exp(b·(morale_base − m_u)) · X_u · c(t)/c_active``
  with the self-exciting term ``X_u = 1 + c_unit·100·E_u + c_nbr·100·E_neighbours + c_army·100·E_army``
  (recent precedent raises surrender and desertion: Lehmann & Zhukov 2019). Neighbours are the
  adjacent units on the line. Coercion (punishment) lowers desertion (Epstein's term); the
  captor's credibility of good treatment gates surrender (Reiter & Stam; Ferguson).
* **Surrender hotline**: ``hotline_contacts`` soldiers a day contact it; each surrenders with
  ``hotline_conversion`` × credibility / reference (Ukrainian figures: ~220 of 26,000 contacts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.kernels.heap import heap_remove
from exitwave.kernels.selection import selection_keys
from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.random import Stream, stream_key, uniform
from exitwave.scenario.schema import Front
from exitwave.state import Calendar, State
from exitwave.vocabulary import Status

if TYPE_CHECKING:
    from exitwave.results import Tally

__all__ = ["Force", "unit_hazards", "decay_memory", "precedent", "usual_memory", "FrontState",
           "INTENSITIES"]

INTENSITIES = ("quiet", "active", "heavy")
_HOME_WINDOW_DAYS = 30


@dataclass
class FrontState:
    """Per-unit arrays and front totals (people where noted; agents otherwise)."""

    strength: np.ndarray  # agents per unit
    morale: np.ndarray
    memory: np.ndarray  # decayed desertions + surrenders per soldier
    army_memory: float
    intensity: np.ndarray  # [day] index into INTENSITIES
    casualty_rate: np.ndarray  # [day] per day


def decay_memory(memory: np.ndarray, memory_days: float) -> np.ndarray:
    """One day of exponential forgetting (time constant ``memory_days``)."""
    return memory * np.exp(-1.0 / memory_days)


def usual_memory(front: Front) -> float:
    """The memory a unit holds in steady state from baseline desertion and surrender alone."""
    return (front.desertion_rate + front.surrender_rate) / (1.0 - np.exp(-1.0 / front.memory_days))


def precedent(front: Front, memory: np.ndarray | float) -> np.ndarray:
    """Recent exits beyond the usual flow, per soldier: what counts as precedent."""
    return np.maximum(np.asarray(memory, dtype=np.float64) - usual_memory(front), 0.0)


def unit_hazards(front: Front, morale: np.ndarray, memory: np.ndarray, army_memory: float,
                 casualty_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(desertion, surrender) hazard per day for a soldier of each unit."""
    own = precedent(front, memory)
    neighbours = 0.5 * (np.roll(own, 1) + np.roll(own, -1))
    excitation = (1.0 + 100.0 * (front.contagion_unit * own + front.contagion_neighbours * neighbours
                                 + front.contagion_army * precedent(front, army_memory)))
    morale_factor = np.exp(front.morale_hazard_weight * (front.morale_base - morale))
    desertion = (front.desertion_rate * morale_factor * excitation
                 * np.exp(-front.coercion_effect * (front.coercion - 0.5))
                 * (1.0 + front.deserter_asylum_effect * front.deserter_asylum))
    combat = casualty_rate / max(front.casualty_rate.active, 1e-12)
    surrender = (front.surrender_rate * (front.captor_credibility / front.credibility_reference)
                 * morale_factor * excitation * combat)
    return desertion, surrender


class Force(Module):
    name = "force"
    reads = ("crossed_today", "war_end_day")
    writes = ("unit", "front")
    updates = ("key", "heap")  # a volunteer leaves the decision heap of men at home
    outputs = (
        Output("initial_force", "force at the start", "people", kind="counter", summary=False),
        Output("recruited", "volunteers recruited", "people", kind="counter"),
        Output("killed", "killed", "people", kind="counter", good="lower"),
        Output("wounded", "wounded", "people", kind="counter", good="lower"),
        Output("returned_to_duty", "wounded returned to duty", "people", kind="counter", summary=False),
        Output("deserted", "deserted", "people", kind="counter"),
        Output("surrendered", "surrendered", "people", kind="counter"),
        Output("hotline_contacts", "surrender hotline contacts", "people", kind="counter"),
        Output("hotline_surrenders", "surrendered through the hotline", "people", kind="counter"),
        Output("soldier_days_lost_to_care", "soldier-days lost to the care of the wounded", "people·days",
               kind="counter", good="lower",
               description="each day: the wounded in care × (1 + carers per wounded)"),
        Output("force_strength", "soldiers at the front (at end)", "people",
               description="men in status SOLDIER on the last day"),
        Output("mobilized_in_training", "mobilized or recruited, in training (at end)", "people"),
        Output("wounded_in_care", "wounded in care (at end)", "people", good="lower"),
        Output("desertion_share_per_month", "desertions per soldier per month", "share 0–1/month",
               scaling="none", description="deserted ÷ mean strength ÷ months of the run"),
        Output("mean_morale", "mean morale at end (0–1)", "morale 0–1", scaling="none", series=True,
               series_label="mean morale (0–1)",
               description="strength-weighted mean morale of the units (series: daily; summary: last day)"),
    )

    def init(self, state: State) -> None:
        self.front = state.scenario.front
        self.soldiers = np.empty(0, np.int64)  # SOLDIER (lazily filtered)
        state.unit = np.full(state.n, -1, np.int32)
        self.recoveries = Calendar()
        self.training = Calendar()
        if self.front is None:
            return
        f, sc = self.front, state.scenario
        n_units = max(1, int(np.ceil(f.initial_strength / f.unit_size)))
        intensity = np.full(state.n_days, INTENSITIES.index(f.default_intensity), np.int8)
        for phase in sorted(f.phases, key=lambda p: p.from_):
            intensity[max(0, sc.time.day_of(phase.from_)):] = INTENSITIES.index(phase.intensity)
        rates = np.array([f.casualty_rate.quiet, f.casualty_rate.active, f.casualty_rate.heavy])
        state.front = FrontState(strength=np.zeros(n_units), morale=np.full(n_units, f.morale_initial),
                                 memory=np.zeros(n_units), army_memory=0.0, intensity=intensity,
                                 casualty_rate=rates[intensity])
        self.establishment = f.unit_size / state.pop.scale
        self.recruit_order = self._recruit_order(state)
        self.recruit_cursor = 0
        self.recruit_carry = 0.0
        self.hotline_carry = 0.0
        self.home_departures = np.zeros(_HOME_WINDOW_DAYS)
        self.men = float(state.n)
        first = self._recruit(state, int(round(f.initial_strength / state.pop.scale)))
        state.transition(first, Status.SOLDIER)
        self.soldiers = first
        self._assign(state, first)
        state.count("initial_force", float(first.size))

    def summarize(self, state: State, tally: Tally) -> dict[str, Any]:
        if self.front is None:
            return {}
        soldiers = tally.recorder.status[:, Status.SOLDIER] * tally.scale
        months = state.n_days / (365.25 / 12)
        mean_strength = float(soldiers.mean()) if soldiers.size else 0.0
        morale = tally.recorder.morale[~np.isnan(tally.recorder.morale)]
        return {
            "force_strength": int(tally.final[Status.SOLDIER]),
            "mobilized_in_training": int(tally.final[Status.MOBILIZED]),
            "wounded_in_care": int(tally.final[Status.WOUNDED]),
            **tally.counters(self.outputs),
            "desertion_share_per_month": round(tally.counter("deserted") / max(mean_strength, 1.0) / months, 6),
            "mean_morale": round(float(morale[-1]), 4) if morale.size else None,
        }

    @staticmethod
    def _front_state(state: State) -> FrontState:
        assert state.front is not None  # created in init when the scenario has a front
        return state.front

    # -- recruitment ------------------------------------------------------------------------
    def _recruit_order(self, state: State) -> np.ndarray:
        f, pop = self.front, state.pop
        assert f is not None
        status_ok = np.zeros(len(Status), np.bool_)
        status_ok[Status.AT_HOME] = True
        candidates, keys = selection_keys(
            np.uint64(stream_key(state.seed, Stream.RECRUIT, 0)), state.status, status_ok, pop.age,
            0, f.recruit_age_max, pop.reservist, False, pop.means, f.recruit_means_weight,
            pop.region, state.world.region_callup_weight, f.recruit_region_weight)
        wanted = (f.initial_strength + f.contract_recruits * state.n_days) / pop.scale * 1.5 + 64
        if wanted < candidates.size:
            pick = np.argpartition(keys, int(wanted))[: int(wanted)]
            candidates, keys = candidates[pick], keys[pick]
        return candidates[np.argsort(keys, kind="stable")]

    def _recruit(self, state: State, n: int) -> np.ndarray:
        """The next ``n`` men in recruitment order who are still at home."""
        taken: list[np.ndarray] = []
        while n > 0 and self.recruit_cursor < self.recruit_order.size:
            chunk = self.recruit_order[self.recruit_cursor: self.recruit_cursor + n]
            self.recruit_cursor += chunk.size
            chunk = chunk[state.status[chunk] == Status.AT_HOME]
            taken.append(chunk)
            n -= chunk.size
        men = state.take(taken)
        heap = state.heap
        heap_remove(men, state.decision_group, state.key, heap.start, heap.size, heap.slots, heap.pos)
        return men

    def _assign(self, state: State, men: np.ndarray) -> None:
        """Send men to the units furthest below establishment (fill the emptiest first)."""
        if not men.size:
            return
        front = self._front_state(state)
        deficit = self.establishment - front.strength
        units = np.arange(front.strength.size)
        # water-filling: repeat the unit order until every man has a place
        order = units[np.argsort(-deficit, kind="stable")]
        slots = np.resize(order, men.size)
        state.unit[men] = slots
        np.add.at(front.strength, slots, 1.0)

    # -- the day ----------------------------------------------------------------------------
    def step(self, state: State, day: int) -> None:
        new = state.take(state.newly_mobilized)
        f = self.front
        if f is None:
            return
        self.home_departures[day % _HOME_WINDOW_DAYS] = state.crossed_today.sum()
        if new.size:
            state.due_day[new] = day + f.training_days
            self.training.add(day + f.training_days, new)
        # Training and recovery go on after the war has ended; recruitment and fighting stop.
        at_war = state.war_end_day is None
        if at_war:
            self._contract_recruitment(state, day)
        ready = self.training.pop(day)
        ready = ready[(state.status[ready] == Status.MOBILIZED) & (state.due_day[ready] == day)]
        if ready.size:
            state.transition(ready, Status.SOLDIER)
            self._assign(state, ready)
            self.soldiers = np.concatenate([self.soldiers, ready])
        self._recover(state, day)
        if at_war:
            self._fight(state, day)
        # wounded burden: the wounded man's own day and his carers'
        in_care = state.status_counts[Status.WOUNDED]
        state.count("soldier_days_lost_to_care", float(in_care) * (1.0 + f.carers_per_wounded))

    def _contract_recruitment(self, state: State, day: int) -> None:
        f = self.front
        assert f is not None
        self.recruit_carry += f.contract_recruits / state.pop.scale
        n = int(self.recruit_carry)
        self.recruit_carry -= n
        men = self._recruit(state, n)
        if men.size:
            state.count("recruited", float(men.size))
            state.transition(men, Status.MOBILIZED)
            # recruits train for their own, shorter course
            state.take(state.newly_mobilized)
            state.due_day[men] = day + f.recruit_training_days
            self.training.add(day + f.recruit_training_days, men)

    def _recover(self, state: State, day: int) -> None:
        f, front = self.front, self._front_state(state)
        assert f is not None
        healed = self.recoveries.pop(day)
        healed = healed[(state.status[healed] == Status.WOUNDED) & (state.due_day[healed] == day)]
        if not healed.size:
            return
        back = uniform(state.seed, Stream.RECOVERY, day, healed) < f.return_to_duty_share
        returning = healed[back]
        state.transition(returning, Status.SOLDIER)
        np.add.at(front.strength, state.unit[returning], 1.0)
        self.soldiers = np.concatenate([self.soldiers, returning])
        discharged = healed[~back]
        state.transition(discharged, Status.DISCHARGED)
        state.unit[discharged] = -1
        state.count("returned_to_duty", float(returning.size))

    def _fight(self, state: State, day: int) -> None:
        f, front = self.front, self._front_state(state)
        assert f is not None
        soldiers = self.soldiers[state.status[self.soldiers] == Status.SOLDIER]
        n_units = front.strength.size
        if not soldiers.size:
            self.soldiers = soldiers
            return
        unit = state.unit[soldiers]
        strength = np.maximum(np.bincount(unit, minlength=n_units).astype(np.float64), 1e-9)
        rate = float(front.casualty_rate[day])
        # attrition
        p_cas = -np.expm1(-rate)
        u = uniform(state.seed, Stream.CASUALTY, day, soldiers)
        killed = u < p_cas * f.killed_share
        wounded = ~killed & (u < p_cas)
        # desertion and surrender (own streams, so one lever does not reshuffle the others)
        h_d, h_s = unit_hazards(f, front.morale, front.memory, front.army_memory, rate)
        fit = ~(killed | wounded)
        deserts = fit & (uniform(state.seed, Stream.DESERTION, day, soldiers) < -np.expm1(-h_d[unit]))
        surrenders = fit & ~deserts & (uniform(state.seed, Stream.SURRENDER, day, soldiers)
                                       < -np.expm1(-h_s[unit]))
        # surrender hotline: contacts among soldiers still at their post
        self.hotline_carry += f.hotline_contacts / state.pop.scale
        n_contacts = int(self.hotline_carry)
        self.hotline_carry -= n_contacts
        if n_contacts:
            pick = np.flatnonzero(fit & ~deserts & ~surrenders)
            if pick.size:
                keys = uniform(state.seed, Stream.HOTLINE, day, soldiers[pick])
                first = np.argpartition(keys, n_contacts - 1)[:n_contacts] if n_contacts < keys.size else np.arange(keys.size)
                contacts = pick[first]
                p_conv = f.hotline_conversion * f.captor_credibility / f.credibility_reference
                converts = uniform(state.seed, Stream.HOTLINE, day + 500_000, soldiers[contacts]) < p_conv
                surrenders[contacts[converts]] = True
                state.count("hotline_contacts", float(contacts.size))
                state.count("hotline_surrenders", float(converts.sum()))

        for mask, status, counter in ((killed, Status.KILLED, "killed"), (wounded, Status.WOUNDED, "wounded"),
                                      (deserts, Status.DESERTED, "deserted"),
                                      (surrenders, Status.SURRENDERED, "surrendered")):
            men = soldiers[mask]
            state.transition(men, status)
            state.count(counter, float(men.size))
        hurt = soldiers[wounded]
        if hurt.size:
            state.due_day[hurt] = day + int(np.ceil(f.recovery_days))
            self.recoveries.add(day + int(np.ceil(f.recovery_days)), hurt)

        def per_unit(mask: np.ndarray) -> np.ndarray:
            return np.bincount(unit[mask], minlength=n_units).astype(np.float64)

        killed_u, wounded_u = per_unit(killed), per_unit(wounded)
        exits_u = per_unit(deserts) + per_unit(surrenders)
        # memory of precedent, then morale
        front.memory = decay_memory(front.memory, f.memory_days) + exits_u / strength
        # (the memory is in exits per soldier; precedent() subtracts the usual flow)
        front.army_memory = (front.army_memory * np.exp(-1.0 / f.memory_days)
                             + exits_u.sum() / strength.sum())
        home_news = self.home_departures.sum() / self.men
        target = (f.morale_base + f.pay_morale - f.morale_home_news_impact * home_news
                  - f.morale_contagion_impact * 100.0 * precedent(f, front.memory))
        front.morale = np.clip(front.morale + f.morale_recovery * (target - front.morale)
                               - f.morale_killed_impact * killed_u / strength
                               - f.morale_wounded_impact * wounded_u / strength, 0.0, 1.0)
        left = killed | wounded | deserts | surrenders
        state.unit[soldiers[killed | deserts | surrenders]] = -1
        self.soldiers = soldiers[~left]
        front.strength = np.bincount(state.unit[self.soldiers], minlength=n_units).astype(np.float64)
