"""Flee 3.1's movement rules as numba kernels over struct-of-arrays agents.

The graph
    Every route of ``routes.csv`` is two directed links (``2r``: name1 → name2, ``2r+1``: back).
    A *path* is a sequence of directed links from an origin, as Flee's ``calculateLinkWeight``
    enumerates them: simple paths of up to ``awareness_level`` links (markers do not count toward
    the depth and are never a destination). Paths are built once; a path is *valid* on a day when
    all its links are open.

The route weight (Flee 3.1 ``moving.calculateLinkWeight``)
    ``w = ((weight_softening + score(end)) / (softening + km(path))^distance_power × cap(end))^weight_power``
    with ``score = foreign_weight [abroad] × camp_weight [camp] ×
    conflict_weight^(intensity × decay)`` [conflict zone], and ``cap`` falling linearly from 1 at
    ``capacity_buffer × capacity`` agents to 0 at capacity (camps only). The part without ``cap``
    is computed once per day per path (:func:`path_weights`); ``cap`` is read live, because Flee
    reads each camp's occupancy at the moment an agent chooses. A choice costs O(paths at the
    location) — O(degree) at awareness 1.

One day (Flee 3.1 ``Ecosystem.evolve``, :func:`step_day`)
    Pass 1, every agent not on a link: leave with the location's move chance; an agent without a
    planned path draws one; it then steps onto the path's next link unless that link is closed or
    the path ends in a camp at least half-way through its buffer (then it forgets the path and
    stays). Pass 2, every agent on a link: advance ``max_move_speed`` km (``max_walk_speed`` on
    its first link with ``start_on_foot``, or with the link's ``walk_probability``); past the end
    it arrives — or goes back to the start if the link was closed while it was on it — and, if it
    has moved less than today's speed, evolves again at once (Flee's chained moves).

Randomness: every draw is ``uniform_at(key(seed, stream, day), agent × 1024 + hop)`` from
:mod:`exitwave.random`, so a run is a pure function of its seed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from exitwave.random import uniform_at

__all__ = ["build_paths", "path_weights", "step_day", "mark_bounced", "recount", "cap_multiplier"]

HOPS = 1024  # draws reserved per agent per day and stream (chained moves count up)


def build_paths(n_locations: int, link_from: np.ndarray, link_to: np.ndarray, link_km: np.ndarray,
                marker: np.ndarray, awareness: int) -> dict[str, np.ndarray]:
    """Enumerate every origin's candidate paths (CSR by origin, in Flee's order).

    Returns ``ptr`` (per origin), ``end`` (destination location), ``km`` (path length, km),
    ``link_ptr``/``links`` (the path's directed links, CSR) and ``first_link``.
    """
    depth = max(awareness, 1)
    out_links: list[list[int]] = [[] for _ in range(n_locations)]
    for e in range(link_from.size):
        out_links[int(link_from[e])].append(e)
    ptr = [0]
    ends: list[int] = []
    kms: list[float] = []
    link_ptr = [0]
    links: list[int] = []

    def walk(link: int, prior: float, visited: list[int], step: int, trail: list[int]) -> None:
        end = int(link_to[link])
        km = prior + float(link_km[link])
        trail = [*trail, link]
        if not marker[end]:
            ends.append(end)
            kms.append(km)
            links.extend(trail)
            link_ptr.append(len(links))
        else:
            step -= 1  # markers do not count toward the awareness depth
        if depth > step:
            for nxt in out_links[end]:
                if int(link_to[nxt]) not in visited:
                    walk(nxt, km, [*visited, end], step + 1, trail)

    for origin in range(n_locations):
        for link in out_links[origin]:
            walk(link, 0.0, [origin], 1, [])
        ptr.append(len(ends))
    link_ptr_a = np.array(link_ptr, np.int64)
    links_a = np.array(links, np.int32)
    return {"ptr": np.array(ptr, np.int64), "end": np.array(ends, np.int32), "km": np.array(kms, np.float64),
            "link_ptr": link_ptr_a, "links": links_a,
            "first_link": links_a[link_ptr_a[:-1]] if ends else np.zeros(0, np.int32)}


@njit(cache=True)
def path_weights(score: np.ndarray, path_end: np.ndarray, path_km: np.ndarray, path_link_ptr: np.ndarray,
                 path_links: np.ndarray, link_open: np.ndarray, weight_softening: float, softening: float,
                 distance_power: float, weight_power: float, base: np.ndarray, valid: np.ndarray) -> None:
    """Today's weight of every path without the capacity factor, and whether all its links are open."""
    for p in range(path_end.size):
        ok = True
        for k in range(path_link_ptr[p], path_link_ptr[p + 1]):
            if not link_open[path_links[k]]:
                ok = False
                break
        valid[p] = ok
        w = (weight_softening + score[path_end[p]]) / (softening + path_km[p]) ** distance_power
        base[p] = w ** weight_power if weight_power != 1.0 else w


@njit(cache=True, inline="always")
def cap_multiplier(count: int, capacity: float, buffer: float) -> float:
    """Flee's capacity factor: 1 below ``buffer × capacity`` agents, 0 at capacity, linear between
    (1 for locations without a capacity)."""
    if capacity < 1.0:
        return 1.0
    if count <= buffer * capacity:
        return 1.0
    if count >= capacity:
        return 0.0
    return 1.0 - (count - buffer * capacity) / (capacity * (1.0 - buffer))


@njit(cache=True, inline="always")
def _choose(loc: int, u: float, path_ptr: np.ndarray, path_end: np.ndarray, base: np.ndarray,
            valid: np.ndarray, count: np.ndarray, capacity: np.ndarray, buffer: float,
            weight_power: float, uniform_choice: bool) -> int:
    p0 = path_ptr[loc]
    p1 = path_ptr[loc + 1]
    total = 0.0
    n_valid = 0
    for p in range(p0, p1):
        if valid[p]:
            n_valid += 1
            if not uniform_choice:
                end = path_end[p]
                w = base[p]
                if capacity[end] >= 1.0:
                    c = cap_multiplier(count[end], capacity[end], buffer)
                    w *= c if weight_power == 1.0 else c ** weight_power
                total += w
    if n_valid == 0:
        return -1
    if total > 0.0:
        target = u * total
        acc = 0.0
        last = -1
        for p in range(p0, p1):
            if valid[p]:
                end = path_end[p]
                w = base[p]
                if capacity[end] >= 1.0:
                    c = cap_multiplier(count[end], capacity[end], buffer)
                    w *= c if weight_power == 1.0 else c ** weight_power
                if w > 0.0:
                    acc += w
                    last = p
                    if acc > target:
                        return p
        return last
    k = min(int(u * n_valid), n_valid - 1)  # all weights zero: equal weights (Flee's fallback)
    for p in range(p0, p1):
        if valid[p]:
            if k == 0:
                return p
            k -= 1
    return -1


@njit(cache=True, inline="always")
def _depart(i: int, hop: int,
            a_loc: np.ndarray, a_link: np.ndarray, a_on_link: np.ndarray, a_path: np.ndarray, a_hop: np.ndarray,
            count: np.ndarray, link_count: np.ndarray,
            camp: np.ndarray, capacity: np.ndarray, link_open: np.ndarray, link_from: np.ndarray,
            link_to: np.ndarray, link_forced: np.ndarray, loc_link_ptr: np.ndarray, loc_links: np.ndarray,
            link_path: np.ndarray,
            path_ptr: np.ndarray, path_end: np.ndarray, path_link_ptr: np.ndarray, path_links: np.ndarray,
            base: np.ndarray, valid: np.ndarray, buffer: float, weight_power: float, uniform_choice: bool,
            forced_redirection: bool, key_route: np.uint64) -> None:
    """Step onto the next link of the agent's path (drawing a path first if it has none)."""
    loc = a_loc[i]
    if a_path[i] < 0:
        p = -1
        if forced_redirection:  # Flee 2: an open forced link whose end is not full is taken at once
            for k in range(loc_link_ptr[loc], loc_link_ptr[loc + 1]):
                e = loc_links[k]
                end = link_to[e]
                if link_open[e] and link_forced[e] and link_path[e] >= 0 and \
                        cap_multiplier(count[end], capacity[end], buffer) > 0.000001:
                    p = link_path[e]
                    break
        if p < 0:
            p = _choose(loc, uniform_at(key_route, i * HOPS + hop), path_ptr, path_end, base, valid,
                        count, capacity, buffer, weight_power, uniform_choice)
        if p < 0:
            return
        a_path[i] = p
        a_hop[i] = 0
    p = a_path[i]
    k = path_link_ptr[p] + a_hop[i]
    e = path_links[k]
    if not link_open[e] or link_from[e] != loc:
        # the planned link is closed (or the agent was sent back): take another open link to the
        # same place, else forget the path and stay (Flee's take_next_step)
        target = link_to[e]
        e = -1
        for kk in range(loc_link_ptr[loc], loc_link_ptr[loc + 1]):
            f = loc_links[kk]
            if link_open[f] and link_to[f] == target:
                e = f
                break
        if e < 0:
            a_path[i] = -1
            return
    dest = path_end[p]
    if camp[dest] and cap_multiplier(count[dest], capacity[dest], buffer) < 0.5:
        a_path[i] = -1  # the destination camp is nearly full: stay and plan afresh next time
        return
    if k + 1 >= path_link_ptr[p + 1]:
        a_path[i] = -1
    else:
        a_hop[i] += 1
    count[loc] -= 1
    link_count[e] += 1
    a_link[i] = e
    a_on_link[i] = 0.0


@njit(cache=True)
def step_day(n: int,
             a_loc: np.ndarray, a_link: np.ndarray, a_on_link: np.ndarray, a_moved: np.ndarray,
             a_places: np.ndarray, a_recent: np.ndarray, a_path: np.ndarray, a_hop: np.ndarray,
             a_bounce: np.ndarray,
             count: np.ndarray, link_count: np.ndarray, movechance: np.ndarray, town: np.ndarray,
             camp: np.ndarray, capacity: np.ndarray,
             link_open: np.ndarray, link_from: np.ndarray, link_to: np.ndarray, link_km: np.ndarray,
             link_speed: np.ndarray, link_walk: np.ndarray, link_forced: np.ndarray,
             loc_link_ptr: np.ndarray, loc_links: np.ndarray, link_path: np.ndarray,
             path_ptr: np.ndarray, path_end: np.ndarray, path_link_ptr: np.ndarray, path_links: np.ndarray,
             base: np.ndarray, valid: np.ndarray,
             buffer: float, weight_power: float, uniform_choice: bool, forced_redirection: bool,
             max_move_speed: float, max_walk_speed: float, start_on_foot: bool, avoid_short_stints: bool,
             key_move: np.uint64, key_route: np.uint64, key_walk: np.uint64) -> int:
    """Move agents ``0 … n-1`` through one day (see the module docstring); returns the number of
    arrivals at the end of a link."""
    arrivals = 0
    for i in range(n):  # pass 1: departures
        if a_link[i] < 0 and uniform_at(key_move, i * HOPS) < movechance[a_loc[i]]:
            _depart(i, 0, a_loc, a_link, a_on_link, a_path, a_hop, count, link_count,
                    camp, capacity, link_open, link_from, link_to, link_forced, loc_link_ptr,
                    loc_links, link_path, path_ptr, path_end, path_link_ptr, path_links, base, valid,
                    buffer, weight_power, uniform_choice, forced_redirection, key_route)
    for i in range(n):  # pass 2: travel along links, chained moves
        if a_link[i] < 0:
            if avoid_short_stints:
                a_recent[i] = a_recent[i] / 2.0
            continue
        hop = 1
        while a_link[i] >= 0:
            e = a_link[i]
            speed = link_speed[e] if link_speed[e] == link_speed[e] else max_move_speed
            if a_places[i] == 1 and start_on_foot:
                speed = max_walk_speed
            if link_walk[e] > 0.0 and uniform_at(key_walk, i * HOPS + hop) < link_walk[e]:
                speed = max_walk_speed
            a_on_link[i] += speed
            a_moved[i] += speed
            if a_on_link[i] <= link_km[e]:
                break
            a_places[i] += 1
            a_moved[i] += link_km[e] - a_on_link[i]
            link_count[e] -= 1
            a_link[i] = -1
            a_on_link[i] = 0.0
            if a_bounce[i]:  # the link was closed while the agent was on it: back to its start
                a_bounce[i] = False
                a_loc[i] = link_from[e]
                count[link_from[e]] += 1
                break
            dest = link_to[e]
            a_loc[i] = dest
            count[dest] += 1
            arrivals += 1
            if a_moved[i] >= speed:
                break
            chance = movechance[dest]
            if avoid_short_stints and town[dest] and (a_recent[i] + a_moved[i] / max_move_speed) / 2.0 < 0.5:
                chance = 1.0  # Flee 2's short-stint rule: a town is left at once
            h = min(hop, HOPS - 1)
            hop += 1
            if uniform_at(key_move, i * HOPS + h) >= chance:
                break
            _depart(i, h, a_loc, a_link, a_on_link, a_path, a_hop, count,
                    link_count, camp, capacity, link_open, link_from, link_to,
                    link_forced, loc_link_ptr, loc_links, link_path, path_ptr, path_end, path_link_ptr,
                    path_links, base, valid, buffer, weight_power, uniform_choice, forced_redirection,
                    key_route)
        if avoid_short_stints:
            a_recent[i] = (a_recent[i] + a_moved[i] / max_move_speed) / 2.0 if max_move_speed > 0 else 0.0
        a_moved[i] = 0.0
    return arrivals


@njit(cache=True)
def mark_bounced(n: int, a_link: np.ndarray, closed_now: np.ndarray, a_bounce: np.ndarray) -> None:
    """Agents on a link that closes today will be sent back to its start when they reach its end
    (Flee keeps them on the orphaned, closed link object even if the link reopens)."""
    for i in range(n):
        e = a_link[i]
        if e >= 0 and closed_now[e]:
            a_bounce[i] = True


@njit(cache=True)
def recount(n: int, a_loc: np.ndarray, a_link: np.ndarray, n_locations: int, n_links: int) -> tuple:
    """Full count of agents per location and per link from the agent columns (conservation check)."""
    at = np.zeros(n_locations, np.int64)
    on = np.zeros(n_links, np.int64)
    for i in range(n):
        if a_link[i] >= 0:
            on[a_link[i]] += 1
        else:
            at[a_loc[i]] += 1
    return at, on
