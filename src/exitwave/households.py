"""Households that move together (optional in the world format: world.yaml ``households:``).

Agents of a region are grouped into households at synthesis (:func:`assign_households`): a seeded
shuffle of the region's agents cut into households whose sizes follow the world's
``adults_per_household`` shares. The world counts households in people, the run in agents: with
``p`` people per agent a household of ``s`` adults spans ``s/p`` agents, rounded stochastically
(down or up, with the chance of up the fraction, so the mean is kept) and at least 1
(:func:`agents_per_household`). At scale 1 a household is the family; at ``p`` at least the
largest household every household lies within one agent, which already moves its ``p`` people
together, and the run is exactly the run without households. A household is named by its lowest
agent id (``Population.household``; an agent alone is his own household). Then:

* decision: when one member decides to leave, every member at home leaves with him that day
  (:func:`with_household_at_home`);
* movement: the household picks one crossing (one a member cannot pass is no option for it),
  arrives, queues, waits and gives up together, and is served whole (:func:`rest_of_household`),
  and the destination admits or turns back all of it;
* reception: the draws abroad (applying, asylum decision, onward moves, returns) are made once
  per household (:func:`draw_ids`), so the household stays together there too.

A summoned man detained at the border, or a hostile agent caught in screening, is the one
exception: that happens to him alone. Without households every function here returns its input,
so a world without them gives the results it gave before households existed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from exitwave.arrays import unique
from exitwave.random import Stream, uniform

if TYPE_CHECKING:
    from exitwave.population import Population
    from exitwave.state import State

__all__ = ["assign_households", "agents_per_household", "draw_ids", "with_household_at_home", "first_of_household",
           "shared_route_rows", "rest_of_household"]


def agents_per_household(shares: dict[int, float], people_per_agent: float) -> dict[int, float]:
    """Share of households by their size in agents, from ``shares`` (share of households by
    adults) at ``people_per_agent``: a household of ``s`` adults spans ``x = s/p`` agents, that is
    ``floor(x)`` agents with chance ``1 − frac(x)`` and ``floor(x) + 1`` with chance ``frac(x)``
    (stochastic rounding, which keeps the mean ``s/p``), and at least 1. At ``p = 1`` this is
    ``shares`` itself; at ``p`` no smaller than the largest household it is ``{1: 1.0}``."""
    if people_per_agent == 1.0:
        return dict(shares)
    out: dict[int, float] = {}
    for adults, share in sorted(shares.items()):
        x = adults / people_per_agent
        low = int(np.floor(x))
        up = x - low
        for agents, chance in ((low, 1.0 - up), (low + 1, up)):
            if chance > 0.0:
                out[max(agents, 1)] = out.get(max(agents, 1), 0.0) + share * chance
    return out


def assign_households(seed: int, region_start: np.ndarray, region_size: np.ndarray,
                      shares: dict[int, float], people_per_agent: float = 1.0) -> np.ndarray:
    """Household id (its lowest agent id) of every agent: within each region, agents in a seeded
    random order are cut into households of 1, 2, … agents, with the share of the region's agents
    living in households of ``k`` agents proportional to ``k × r[k]``, where ``r`` is
    :func:`agents_per_household` of ``shares`` (share of households with ``k`` adults) at
    ``people_per_agent``. Agents left over (fewer than a household) live alone."""
    from exitwave.population import largest_remainder

    n = int(region_size.sum())
    household = np.arange(n, dtype=np.int32)
    shares = agents_per_household(shares, people_per_agent)
    if max(shares) <= 1:  # every household within one agent: every agent is his own household
        return household
    sizes = np.array(sorted(shares), dtype=np.int64)
    weights = np.array([k * shares[int(k)] for k in sizes])
    for start, size in zip(region_start.tolist(), region_size.tolist(), strict=True):
        if size <= 1:
            continue
        agents = start + np.argsort(uniform(seed, Stream.HOUSEHOLD, 0, np.arange(start, start + size)),
                                    kind="stable")
        in_size = largest_remainder(size, weights)
        count = in_size // sizes  # whole households of each size
        cut = np.repeat(sizes, count)
        ends = np.cumsum(cut)
        first = ends - cut
        if cut.size:  # each household named by its lowest member (one pass over all households)
            members = agents[: ends[-1]]
            household[members] = np.repeat(np.minimum.reduceat(members, first), cut).astype(np.int32)
    return household


def draw_ids(pop: Population, agents: np.ndarray) -> np.ndarray:
    """The ids random draws are made with: the household's id (members draw alike), or the
    agent's own id when the world has no households."""
    return pop.household[agents].astype(np.int64) if pop.households else agents


def first_of_household(pop: Population, agents: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` with each agent's replaced by that of the first of his household in ``agents``
    (so a household shares one outcome: joining a queue, a route)."""
    if not pop.households or agents.size < 2:
        return values
    household = pop.household[agents]
    _, first, back = np.unique(household, return_index=True, return_inverse=True)
    return values[first[back]]


def shared_route_rows(pop: Population, agents: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Route weights [agent, crossing] a household travelling together uses: the first member's
    row, zero where any member travelling with him cannot pass."""
    if not pop.households or agents.size < 2:
        return rows
    household = pop.household[agents]
    _, first, back = np.unique(household, return_index=True, return_inverse=True)
    blocked = np.zeros((first.size, rows.shape[1]), bool)
    np.logical_or.at(blocked, back, rows <= 0)
    return np.where(blocked[back], 0.0, rows[first[back]])


def with_household_at_home(state: State, deciders: np.ndarray) -> np.ndarray:
    """``deciders`` and every member of their households who is at home (sorted, unique)."""
    pop = state.pop
    if not pop.households or not deciders.size:
        return deciders
    households = unique(pop.household[deciders])
    lo = np.searchsorted(pop.household_sorted, households, side="left")
    hi = np.searchsorted(pop.household_sorted, households, side="right")
    counts = hi - lo
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    members = pop.household_order[np.repeat(lo, counts) + offsets]
    from exitwave.vocabulary import Status

    members = members[state.status[members] == Status.AT_HOME]
    return np.union1d(deciders, members)


def rest_of_household(state: State, served: np.ndarray, crossing: int) -> int:
    """Members of the last served man's household still queued at ``crossing`` behind him: a
    household is served whole, so these are served too (they stand next in the queue)."""
    pop = state.pop
    if not pop.households or not served.size:
        return 0
    household = pop.household[served[-1]]
    lo = np.searchsorted(pop.household_sorted, household, side="left")
    hi = np.searchsorted(pop.household_sorted, household, side="right")
    members = pop.household_order[lo:hi]
    from exitwave.vocabulary import Status

    waiting = (state.status[members] == Status.QUEUED) & (state.crossing[members] == crossing)
    waiting &= ~np.isin(members, served)
    return int(waiting.sum())
