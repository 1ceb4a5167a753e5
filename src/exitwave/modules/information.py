"""Information: each man who gets abroad raises his contacts' exposure and may persuade them.

Event-driven: only the contacts of today's new arrivals abroad are touched, never all edges.
Three channels, all through the same contact list:

* **Odds** (hazard rule): each contact abroad multiplies a man's leave hazard by
  ``network_odds_per_contact_abroad`` (Massey & Aysa 2005 report ~2.5 for a sibling abroad; a
  general contact is weaker). A count, not a signal: it scales the baseline and cannot by itself
  make an exodus accelerate when the baseline is small.
* **Threshold** (threshold rule): a man at home leaves once the share of his contacts abroad
  reaches his own threshold, drawn per man (Granovetter 1978; Watts 2002).
* **Revelation** (the informational cascade, either rule): a contact's safe arrival reveals what
  a man at home could not see — that the crossing works now, that one is safe on the other side,
  and, as the exodus grows, that those who stay behind are no longer punished for it (Lohmann
  1994 on Leipzig 1989; Kuran 1991 on preference falsification; Hirschman 1993 on exit in the
  GDR). Each tie from a new arrival to a man at home persuades him with probability

      p = cascade_persuasion · min(1, access_{r,k}(t)^access_weight)
          · ((1 − s) + s · protection_c(t)) · (1 + cascade_exodus_weight · 100 · abroad(t))

  where ``access`` is the route opportunity of his region and class (0 while every route is
  shut: news of a success is no use then), ``protection_c`` the recognition rate of the country
  the contact reached (0 where it refuses asylum; ``s`` = ``cascade_safety_weight``) and
  ``abroad`` the share of the population that has got out. A persuaded man sets out after an
  exponential delay (mean ``cascade_delay_days``: telling, deciding, packing). Each tie is an
  independent trial, so on a random graph with mean excess degree ``κ`` (``k − 1`` for the
  engine's random ``k``-regular graph) the persuasion spreads as a branching process: the
  exodus feeds itself (a global cascade) only when ``κ · p > 1`` (Kempe, Kleinberg & Tardos
  2003; Newman 2002), and below that it multiplies the baseline by at most ``1 / (1 − κ p)``.
"""

from __future__ import annotations

import numpy as np

from exitwave.kernels.contagion import notify_contacts
from exitwave.kernels.heap import raise_hazard
from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.population import contacts
from exitwave.random import Stream, exponential, uniform
from exitwave.state import Calendar, State
from exitwave.vocabulary import Status

__all__ = ["Information", "persuasion_probability", "cascade_reproduction_number"]


def persuasion_probability(persuasion: float, access: np.ndarray, access_weight: float,
                           protection: np.ndarray, safety_weight: float, exodus_weight: float,
                           abroad_share: float) -> np.ndarray:
    """Probability (0–1) that one contact's arrival abroad persuades a man at home to leave.

    ``access``: his route access (share 0–1, may exceed 1 where asylum raises a route's value);
    ``protection``: recognition rate (0–1) in the country the contact reached; ``abroad_share``:
    share (0–1) of the population already abroad. The other arguments are the ``behaviour``
    parameters of the same names (module docstring).
    """
    reach = np.minimum(1.0, np.power(np.maximum(access, 0.0), access_weight))
    safety = (1.0 - safety_weight) + safety_weight * protection
    momentum = 1.0 + exodus_weight * 100.0 * abroad_share
    return np.clip(persuasion * reach * safety * momentum, 0.0, 1.0)


def cascade_reproduction_number(persuasion: float, contacts_per_person: int) -> float:
    """Men one arrival abroad persuades in a population all at home with every route open (the
    branching factor ``(k − 1) · p`` of the engine's random ``k``-regular contact graph; > 1: a
    self-feeding exodus)."""
    return float((contacts_per_person - 1) * persuasion)


class Information(Module):
    name = "information"
    reads = ("newly_abroad", "access", "country", "route_class")
    writes = ("contacts_abroad", "threshold_fired")
    updates = ("key", "heap")  # a contact abroad raises his leave hazard: his trigger level moves
    outputs = (
        Output("persuaded", "men persuaded to leave by a contact's safe arrival abroad", "people",
               kind="counter", summary=False,
               description="informational cascade: counted when persuaded; each sets out after a "
                           "delay if still at home (behaviour.cascade_persuasion)"),
    )

    def init(self, state: State) -> None:
        b = state.scenario.behaviour
        state.contacts_abroad = np.zeros(state.n, np.uint8)
        state.threshold_fired = []
        self.degree = np.broadcast_to(np.float32(state.pop.degree), (state.n,))
        self.threshold_rule = b.decision_rule == "threshold"
        self.odds = 1.0 if self.threshold_rule else b.network_odds_per_contact_abroad
        self.fired = np.empty(0, dtype=np.int64)
        self.cascade = b.cascade_persuasion > 0.0
        self.due = Calendar()  # persuaded men by the day they set out
        self.arrived = 0  # agents who have got abroad so far (the exodus term)

    def step(self, state: State, day: int) -> None:
        due = self.due.pop(day)
        if due.size:
            state.threshold_fired.append(due)  # decision checks they are still at home
        arrived = state.take(state.newly_abroad)
        if arrived.size == 0:
            return
        self.arrived += arrived.size
        offsets, neighbours = contacts(state.pop, arrived)
        if self.fired.size < neighbours.size + 1:
            self.fired = np.empty(2 * neighbours.size + 1, dtype=np.int64)
        n_fired, touched = notify_contacts(offsets, neighbours, state.contacts_abroad,
                                           state.pop.threshold, self.degree, state.status,
                                           int(Status.AT_HOME), self.fired)
        if self.threshold_rule:
            if n_fired:
                state.threshold_fired.append(self.fired[:n_fired].copy())
        elif self.odds != 1.0:
            heap = state.heap
            raise_hazard(touched, self.odds, state.decision_group, heap.level, state.key,
                         heap.start, heap.slots, heap.pos)
        if self.cascade:
            self._persuade(state, day, arrived, offsets, touched)

    def _persuade(self, state: State, day: int, arrived: np.ndarray, offsets: np.ndarray,
                  touched: np.ndarray) -> None:
        """Each tie from a new arrival to a man at home: persuaded with :func:`persuasion_probability`."""
        b = state.scenario.behaviour
        sched = state.schedule
        teller = np.repeat(arrived, np.diff(offsets))
        home = state.status[touched] == Status.AT_HOME
        if not home.any():
            return
        men, teller = touched[home], teller[home]
        reached = state.country[teller].astype(np.int64)
        protection = np.where(reached >= 0, sched.recognition[day, np.maximum(reached, 0)]
                              * (sched.asylum[day, np.maximum(reached, 0)] > 0), 0.0)
        access = state.access[state.pop.region[men], state.route_class[men]]
        p = persuasion_probability(b.cascade_persuasion, access, b.access_weight, protection,
                                   b.cascade_safety_weight, b.cascade_exodus_weight,
                                   self.arrived / state.n)
        # One draw per tie: key by the teller and the slot of the tie in his list, so the draws
        # do not depend on how today's arrivals happen to be ordered.
        slot = np.arange(touched.size) - np.repeat(offsets[:-1], np.diff(offsets))
        tie = teller * 64 + slot[home]
        persuaded = uniform(state.seed, Stream.CASCADE, day, tie) < p
        if not persuaded.any():
            return
        men = men[persuaded]
        state.count("persuaded", float(men.size))
        delay = exponential(state.seed, Stream.CASCADE, day + 1_000_000, tie[persuaded]) * b.cascade_delay_days
        self.due.add_many(day + np.floor(delay).astype(np.int64), men)
        today = self.due.pop(day)
        if today.size:
            state.threshold_fired.append(today)
