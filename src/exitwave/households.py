"""Households that move together (optional in the world format: world.yaml ``households:``).

Agents of a region are grouped into households at synthesis (:func:`assign_households`): a seeded
shuffle of the region's agents cut into households whose sizes follow the world's
``adults_per_household`` shares. A household is named by its lowest agent id (``Population.household``;
an agent alone is his own household). Then:

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

from exitwave.random import Stream, uniform

if TYPE_CHECKING:
    from exitwave.population import Population
    from exitwave.state import State

__all__ = ["assign_households", "draw_ids", "with_household_at_home", "first_of_household",
           "shared_route_rows", "rest_of_household"]


def assign_households(seed: int, region_start: np.ndarray, region_size: np.ndarray,
                      shares: dict[int, float]) -> np.ndarray:
    """Household id (its lowest agent id) of every agent: within each region, agents in a seeded
    random order are cut into households of 1, 2, … adults, with the share of the region's agents
    living in households of ``k`` adults proportional to ``k × shares[k]`` (``shares``: share of
    households with ``k`` adults). Agents left over (fewer than a household) live alone."""
    from exitwave.population import largest_remainder

    n = int(region_size.sum())
    household = np.arange(n, dtype=np.int32)
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
        for lo, hi in zip(first.tolist(), ends.tolist(), strict=True):
            members = agents[lo:hi]
            household[members] = members.min()
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
    households = np.unique(pop.household[deciders])
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
