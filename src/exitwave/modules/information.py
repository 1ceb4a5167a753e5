"""Information: each man who gets abroad raises his contacts' exposure.

Event-driven: only the contacts of today's new arrivals abroad are touched, never all edges.
Under the smooth hazard rule each contact abroad multiplies a man's leave hazard by
``network_odds_per_contact_abroad`` (Massey & Aysa 2005 report ~2.5 for a sibling abroad; a
general contact is weaker). Under the threshold rule a man at home leaves once the share of his
contacts abroad reaches his threshold (Granovetter 1978; Watts 2002).
"""

from __future__ import annotations

import numpy as np

from exitwave.kernels.contagion import notify_contacts
from exitwave.kernels.heap import raise_hazard
from exitwave.modules.protocol import Module
from exitwave.population import contacts
from exitwave.state import State
from exitwave.vocabulary import Status

__all__ = ["Information"]


class Information(Module):
    name = "information"
    reads = ("newly_abroad",)
    writes = ("contacts_abroad", "threshold_fired")
    updates = ("key", "heap")  # a contact abroad raises his leave hazard: his trigger level moves

    def init(self, state: State) -> None:
        state.contacts_abroad = np.zeros(state.n, np.uint8)
        state.threshold_fired = []
        self.degree = np.broadcast_to(np.float32(state.pop.degree), (state.n,))
        self.threshold_rule = state.scenario.behaviour.decision_rule == "threshold"
        self.odds = 1.0 if self.threshold_rule else state.scenario.behaviour.network_odds_per_contact_abroad
        self.fired = np.empty(0, dtype=np.int64)

    def step(self, state: State, day: int) -> None:
        arrived = state.take(state.newly_abroad)
        if arrived.size == 0:
            return
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
