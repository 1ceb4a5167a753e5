"""Daily capacities in whole agents: the shared arithmetic of every first-come-first-served server.

A crossing that passes 1,000 people a day at 1 agent = 300 men serves 3 agents one day and 4 the
next: the fraction carries over. An idle server banks at most one agent, so capacity cannot be
saved up while nobody waits.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DailyCapacity"]


class DailyCapacity:
    """Fractional daily capacity of ``n`` servers (crossings, screening desks)."""

    def __init__(self, n: int) -> None:
        self.carry = np.zeros(n)

    def take(self, server: int, people_per_day: float, scale: float, waiting: int) -> int:
        """Agents server ``server`` handles today with ``waiting`` agents in its queue."""
        self.carry[server] += people_per_day / scale
        served = min(int(self.carry[server]), waiting)
        self.carry[server] -= served
        if served == waiting:
            self.carry[server] = min(self.carry[server], 1.0)
        return served
