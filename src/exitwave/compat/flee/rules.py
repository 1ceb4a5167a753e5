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
    is computed once per day per path (:func:`path_weights`), with each origin's running sums
    (:func:`cumulative_weights`). Flee reads a camp's occupancy at the moment an agent chooses, so
    ``cap`` must be live; but it is exactly 1 until a camp passes its buffer. The kernel counts, per
    origin, the paths ending in a location inside its buffer (updated when a count crosses the
    buffer, which is rare); an origin with none picks from the running sums (one short scan, the
    same path bit for bit), the others scan their paths reading ``cap`` live.

One day (Flee 3.1 ``Ecosystem.evolve``, :func:`step_day`)
    Pass 1, every agent not on a link: leave with the location's move chance c; an agent without a
    planned path draws one; it then steps onto the path's next link unless that link is closed or
    the path ends in a camp at least half-way through its buffer (then it forgets the path and
    stays). Pass 2, every agent on a link: advance ``max_move_speed`` km (``max_walk_speed`` on
    its first link with ``start_on_foot``, or with the link's ``walk_probability``); past the end
    it arrives — or goes back to the start if the link was closed while it was on it — and, if it
    has moved less than today's speed, evolves again at once (Flee's chained moves).

Waiting times
    Flee draws Bernoulli(c) for every agent at a location every day. Here the day of an agent's
    next success is drawn once, when it is first needed: ``today + floor(log(1 - u) / log(1 - c))``
    — geometric, the same distribution as the daily draws — and redrawn after each attempt to
    leave, after every move, and for every agent at a location whose c changes (memoryless, so
    exact). Pass 1 then visits only the agents whose day has come (a branch-free compaction of
    the agent order), and pass 2 only the agents on a link, both in agent order as Flee.

Randomness: every draw is ``uniform_at(key(seed, stream, day), agent × 1024 + hop)`` from
:mod:`exitwave.random`, so a run is a pure function of its seed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from exitwave.random import uniform_at

__all__ = ["build_paths", "path_weights", "cumulative_weights", "step_day", "mark_bounced", "recount",
           "reset_wake", "spawn_weights", "spawn", "record", "cap_multiplier", "log_stay"]

HOPS = 1024  # draws reserved per agent per day and stream (chained moves count up)
NEVER = 2**31 - 1  # the wake day (int32) of an agent at a location it never leaves


def build_paths(n_locations: int, link_from: np.ndarray, link_to: np.ndarray, link_km: np.ndarray,
                marker: np.ndarray, awareness: int) -> dict[str, np.ndarray]:
    """Enumerate every origin's candidate paths (CSR by origin, in Flee's order).

    Returns ``ptr`` (per origin), ``end`` (destination location), ``km`` (path length, km),
    ``link_ptr``/``links`` (the path's directed links, CSR), ``first_link``, ``origin`` (each
    path's origin) and ``end_ptr``/``end_paths`` (the paths ending at each location, CSR).
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
    ptr_a = np.array(ptr, np.int64)
    end_a = np.array(ends, np.int32)
    return {"ptr": ptr_a, "end": end_a, "km": np.array(kms, np.float64),
            "link_ptr": link_ptr_a, "links": links_a,
            "first_link": links_a[link_ptr_a[:-1]] if ends else np.zeros(0, np.int32),
            "origin": np.repeat(np.arange(n_locations, dtype=np.int32), np.diff(ptr_a)),
            "end_ptr": np.concatenate([[0], np.cumsum(np.bincount(end_a, minlength=n_locations))]).astype(np.int64),
            "end_paths": np.argsort(end_a, kind="stable").astype(np.int32)}


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


@njit(cache=True)
def cumulative_weights(path_ptr: np.ndarray, base: np.ndarray, valid: np.ndarray, cum: np.ndarray,
                       loc_total: np.ndarray, loc_valid: np.ndarray, loc_last: np.ndarray) -> None:
    """Per origin, the running sum of today's weights over its valid paths (``cum``; an invalid path
    repeats the previous sum), their total, how many are valid and the last with a positive weight
    (-1 if none). A choice whose destinations are all below their capacity buffer (capacity factor
    exactly 1) picks the first path with ``cum > u × total`` — the same path, bit for bit, as the
    live scan, which adds the same weights in the same order."""
    for loc in range(path_ptr.size - 1):
        acc = 0.0
        n_valid = 0
        last = -1
        for p in range(path_ptr[loc], path_ptr[loc + 1]):
            if valid[p]:
                n_valid += 1
                if base[p] > 0.0:
                    acc += base[p]
                    last = p
            cum[p] = acc
        loc_total[loc] = acc
        loc_valid[loc] = n_valid
        loc_last[loc] = last


def log_stay(chance: np.ndarray) -> np.ndarray:
    """``log(1 - chance)`` where 0 < chance < 1 (else 0): the geometric waiting time's parameter."""
    between = (chance > 0.0) & (chance < 1.0)
    return np.where(between, np.log1p(-np.where(between, chance, 0.0)), 0.0)


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


@njit(cache=True)
def _choose(loc: int, u: float, path_ptr: np.ndarray, path_end: np.ndarray, base: np.ndarray,
            valid: np.ndarray, count: np.ndarray, capacity: np.ndarray, buffer: float,
            weight_power: float, uniform_choice: bool) -> int:
    """The path an agent at ``loc`` picks with uniform ``u``, every capacity factor read live (-1:
    none valid). The reference choice: :func:`step_day` inlines the same scan (its live branch)
    so that its hot loop calls no helper taking arrays; the tests check both against Flee's
    weights."""
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


@njit(cache=True)
def _hot_shift(x: int, delta: int, end_ptr: np.ndarray, end_paths: np.ndarray, path_origin: np.ndarray,
               loc_hot: np.ndarray) -> None:
    """Location ``x`` entered (``delta`` 1) or left (-1) its capacity buffer: the origins of the paths
    that end there count it (called only on a crossing, which is rare)."""
    for k in range(end_ptr[x], end_ptr[x + 1]):
        loc_hot[path_origin[end_paths[k]]] += delta


@njit(cache=True, boundscheck=False)
def _pass(first: bool, t: int, todo: np.ndarray, m: int,
          a_loc: np.ndarray, a_link: np.ndarray, a_on_link: np.ndarray, a_moved: np.ndarray,
          a_places: np.ndarray, a_recent: np.ndarray, a_path: np.ndarray, a_hop: np.ndarray,
          a_bounce: np.ndarray, a_wake: np.ndarray,
          count: np.ndarray, link_count: np.ndarray, chance: np.ndarray, geo_lnq: np.ndarray,
          town: np.ndarray, camp: np.ndarray, capacity: np.ndarray,
          link_open: np.ndarray, link_from: np.ndarray, link_to: np.ndarray, link_km: np.ndarray,
          link_speed: np.ndarray, link_walk: np.ndarray, link_forced: np.ndarray,
          loc_link_ptr: np.ndarray, loc_links: np.ndarray, link_path: np.ndarray,
          path_ptr: np.ndarray, path_end: np.ndarray, path_link_ptr: np.ndarray, path_links: np.ndarray,
          path_origin: np.ndarray, end_ptr: np.ndarray, end_paths: np.ndarray,
          base: np.ndarray, valid: np.ndarray, cum: np.ndarray, loc_total: np.ndarray,
          loc_valid: np.ndarray, loc_last: np.ndarray, loc_hot: np.ndarray,
          buffer: float, weight_power: float, uniform_choice: bool, forced_redirection: bool,
          max_move_speed: float, max_walk_speed: float, start_on_foot: bool, avoid_short_stints: bool,
          live_weights: bool, key_move: np.uint64, key_route: np.uint64, key_walk: np.uint64, key_wake: np.uint64) -> int:
    """One of Flee's two passes over the agents ``todo[:m]`` (in agent order; ``first``: departures
    of agents whose day to leave is today or not drawn yet; else travel of agents on a link, with
    chained moves). One function with one departure site, so the hot loop calls no helper that
    takes arrays."""
    arrivals = 0
    for j in range(m):
        i = todo[j]
        depart = False
        hop = 0  # draw index of the current decision (pass 1: 0; chained moves: 1, 2, …)
        if first:
            # Flee leaves a location with probability c each day. Instead of a Bernoulli(c) every
            # day, the day of the next success is drawn once (geometric: the same distribution) and
            # redrawn after each attempt or when c changes; agents waiting for it are not in todo
            wake = a_wake[i]
            if wake < 0:
                c = chance[a_loc[i]]
                if c >= 1.0:
                    wake = t
                elif c <= 0.0:
                    wake = NEVER
                else:
                    u = uniform_at(key_wake, i * HOPS)
                    if u < c:  # floor(log(1 - u) / log(1 - c)) is 0: leaves today (no log needed)
                        wake = t
                    else:
                        x = np.log1p(-u) / geo_lnq[a_loc[i]]
                        wake = t + (int(x) if x < NEVER - t else NEVER - t)
                if wake > t:
                    a_wake[i] = wake
                    continue
            a_wake[i] = -1
            depart = True
        else:
            hop = 1
        draw = 0
        while True:
            if depart:
                # --- step onto the next link of the agent's path (drawing a path if it has none)
                depart = False
                loc = a_loc[i]
                p = a_path[i]
                if p < 0:
                    if forced_redirection:  # Flee 2: an open forced link whose end is not full
                        for k in range(loc_link_ptr[loc], loc_link_ptr[loc + 1]):
                            e = loc_links[k]
                            end = link_to[e]
                            if link_open[e] and link_forced[e] and link_path[e] >= 0 and \
                                    cap_multiplier(count[end], capacity[end], buffer) > 0.000001:
                                p = link_path[e]
                                break
                    if p < 0:
                        u = uniform_at(key_route, i * HOPS + draw)
                        p0 = path_ptr[loc]
                        p1 = path_ptr[loc + 1]
                        if loc_hot[loc] == 0 and not (uniform_choice or live_weights):
                            # no destination in its capacity buffer: today's cumulative weights
                            if loc_valid[loc] > 0:
                                total = loc_total[loc]
                                if total > 0.0:
                                    target = u * total
                                    p = loc_last[loc]
                                    for q in range(p0, p1):
                                        if cum[q] > target:
                                            p = q
                                            break
                                else:
                                    kk = min(int(u * loc_valid[loc]), loc_valid[loc] - 1)
                                    for q in range(p0, p1):
                                        if valid[q]:
                                            if kk == 0:
                                                p = q
                                                break
                                            kk -= 1
                        else:
                            # live weights: capacity factors read now (Flee reads occupancy per choice)
                            total = 0.0
                            n_valid = 0
                            for q in range(p0, p1):
                                if valid[q]:
                                    n_valid += 1
                                    if not uniform_choice:
                                        end = path_end[q]
                                        w = base[q]
                                        if capacity[end] >= 1.0:
                                            cf = cap_multiplier(count[end], capacity[end], buffer)
                                            w *= cf if weight_power == 1.0 else cf ** weight_power
                                        total += w
                            if n_valid > 0:
                                if total > 0.0:
                                    target = u * total
                                    acc = 0.0
                                    for q in range(p0, p1):
                                        if valid[q]:
                                            end = path_end[q]
                                            w = base[q]
                                            if capacity[end] >= 1.0:
                                                cf = cap_multiplier(count[end], capacity[end], buffer)
                                                w *= cf if weight_power == 1.0 else cf ** weight_power
                                            if w > 0.0:
                                                acc += w
                                                p = q
                                                if acc > target:
                                                    break
                                else:  # all weights zero: equal weights (Flee's fallback)
                                    kk = min(int(u * n_valid), n_valid - 1)
                                    for q in range(p0, p1):
                                        if valid[q]:
                                            if kk == 0:
                                                p = q
                                                break
                                            kk -= 1
                    if p < 0:
                        break  # nowhere to go: stay
                    a_path[i] = p
                    a_hop[i] = 0
                k = path_link_ptr[p] + a_hop[i]
                e = path_links[k]
                if not link_open[e] or link_from[e] != loc:
                    # the planned link is closed (or the agent was sent back): another open link to
                    # the same place, else forget the path and stay (Flee's take_next_step)
                    target_loc = link_to[e]
                    e = -1
                    for kk in range(loc_link_ptr[loc], loc_link_ptr[loc + 1]):
                        f = loc_links[kk]
                        if link_open[f] and link_to[f] == target_loc:
                            e = f
                            break
                    if e < 0:
                        a_path[i] = -1
                        break
                dest = path_end[p]
                if camp[dest] and cap_multiplier(count[dest], capacity[dest], buffer) < 0.5:
                    a_path[i] = -1  # the destination camp is nearly full: stay, plan afresh next time
                    break
                if k + 1 >= path_link_ptr[p + 1]:
                    a_path[i] = -1
                else:
                    a_hop[i] += 1
                before = count[loc]
                count[loc] = before - 1
                if capacity[loc] >= 1.0 and before > buffer * capacity[loc] >= before - 1:
                    _hot_shift(loc, -1, end_ptr, end_paths, path_origin, loc_hot)
                link_count[e] += 1
                a_link[i] = e
                a_on_link[i] = 0.0
                if first:
                    break
            # --- travel along the link
            e = a_link[i]
            speed = link_speed[e] if link_speed[e] == link_speed[e] else max_move_speed
            if a_places[i] == 1 and start_on_foot:
                speed = max_walk_speed
            if link_walk[e] > 0.0 and uniform_at(key_walk, i * HOPS + min(hop, HOPS - 1)) < link_walk[e]:
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
            bounced = a_bounce[i]
            if bounced:  # the link was closed while the agent was on it: back to its start
                a_bounce[i] = False
                dest = link_from[e]
            else:
                dest = link_to[e]
                arrivals += 1
            a_loc[i] = dest
            before = count[dest]
            count[dest] = before + 1
            if capacity[dest] >= 1.0 and before <= buffer * capacity[dest] < before + 1:
                _hot_shift(dest, 1, end_ptr, end_paths, path_origin, loc_hot)
            if bounced or a_moved[i] >= speed:
                break
            c = chance[dest]
            if avoid_short_stints and town[dest] and (a_recent[i] + a_moved[i] / max_move_speed) / 2.0 < 0.5:
                c = 1.0  # Flee 2's short-stint rule: a town is left at once
            draw = min(hop, HOPS - 1)
            hop += 1
            if c < 1.0 and not uniform_at(key_move, i * HOPS + draw) < c:
                break
            depart = True
        if not first:
            if avoid_short_stints:
                a_recent[i] = (a_recent[i] + a_moved[i] / max_move_speed) / 2.0 if max_move_speed > 0 else 0.0
            a_moved[i] = 0.0
    return arrivals


@njit(cache=True, boundscheck=False)
def step_day(t: int, n: int, todo: np.ndarray,
             a_loc: np.ndarray, a_link: np.ndarray, a_on_link: np.ndarray, a_moved: np.ndarray,
             a_places: np.ndarray, a_recent: np.ndarray, a_path: np.ndarray, a_hop: np.ndarray,
             a_bounce: np.ndarray, a_wake: np.ndarray,
             count: np.ndarray, link_count: np.ndarray, chance: np.ndarray, geo_lnq: np.ndarray,
             town: np.ndarray, camp: np.ndarray, capacity: np.ndarray,
             link_open: np.ndarray, link_from: np.ndarray, link_to: np.ndarray, link_km: np.ndarray,
             link_speed: np.ndarray, link_walk: np.ndarray, link_forced: np.ndarray,
             loc_link_ptr: np.ndarray, loc_links: np.ndarray, link_path: np.ndarray,
             path_ptr: np.ndarray, path_end: np.ndarray, path_link_ptr: np.ndarray, path_links: np.ndarray,
             path_origin: np.ndarray, end_ptr: np.ndarray, end_paths: np.ndarray,
             base: np.ndarray, valid: np.ndarray, cum: np.ndarray, loc_total: np.ndarray,
             loc_valid: np.ndarray, loc_last: np.ndarray, loc_hot: np.ndarray,
             buffer: float, weight_power: float, uniform_choice: bool, forced_redirection: bool,
             max_move_speed: float, max_walk_speed: float, start_on_foot: bool, avoid_short_stints: bool,
             live_weights: bool, key_move: np.uint64, key_route: np.uint64, key_walk: np.uint64, key_wake: np.uint64) -> int:
    """Move agents ``0 … n-1`` through day ``t`` (see the module docstring); returns the number of
    arrivals at the end of a link. ``todo`` is scratch space (at least ``n`` int32); ``chance`` is
    each location's move chance today and ``geo_lnq`` ``log(1 - chance)`` (:func:`log_stay`);
    ``base``/``valid``/``cum``/``loc_*`` come from :func:`path_weights` and
    :func:`cumulative_weights`; ``a_wake`` is -1 (not drawn) or the day an agent at a location
    will next leave it; ``live_weights`` forces the live scan at every choice (a check)."""
    loc_hot[:] = 0  # paths of each origin that end in a location inside its capacity buffer
    for q in range(path_end.size):
        x = path_end[q]
        if capacity[x] >= 1.0 and count[x] > buffer * capacity[x]:
            loc_hot[path_origin[q]] += 1
    m = 0
    for i in range(n):  # branch-free: agents at a location whose day to leave is today or undrawn
        todo[m] = i
        m += (a_link[i] < 0) & (a_wake[i] <= t)
    _pass(True, t, todo, m, a_loc, a_link, a_on_link, a_moved, a_places, a_recent, a_path, a_hop,
          a_bounce, a_wake, count, link_count, chance, geo_lnq, town, camp, capacity,
          link_open, link_from, link_to, link_km, link_speed, link_walk, link_forced,
          loc_link_ptr, loc_links, link_path, path_ptr, path_end, path_link_ptr, path_links,
          path_origin, end_ptr, end_paths, base, valid, cum, loc_total, loc_valid, loc_last,
          loc_hot, buffer, weight_power, uniform_choice, forced_redirection, max_move_speed,
          max_walk_speed, start_on_foot, avoid_short_stints, live_weights, key_move, key_route, key_walk,
          key_wake)
    m = 0
    for i in range(n):  # agents on a link
        todo[m] = i
        m += a_link[i] >= 0
        if avoid_short_stints and a_link[i] < 0:
            a_recent[i] = a_recent[i] / 2.0
    arrivals = _pass(False, t, todo, m, a_loc, a_link, a_on_link, a_moved, a_places, a_recent, a_path, a_hop,
                          a_bounce, a_wake, count, link_count, chance, geo_lnq, town, camp, capacity,
                          link_open, link_from, link_to, link_km, link_speed, link_walk, link_forced,
                          loc_link_ptr, loc_links, link_path, path_ptr, path_end, path_link_ptr, path_links,
                          path_origin, end_ptr, end_paths, base, valid, cum, loc_total, loc_valid, loc_last,
                          loc_hot, buffer, weight_power, uniform_choice, forced_redirection, max_move_speed,
                          max_walk_speed, start_on_foot, avoid_short_stints, live_weights, key_move, key_route,
                          key_walk, key_wake)
    return arrivals


@njit(cache=True)
def spawn_weights(conflict: np.ndarray, pop: np.ndarray, time_of_conflict: np.ndarray, decay: np.ndarray,
                  when: int, cumulative: np.ndarray) -> float:
    """Running sums of the spawn weights (population × intensity × decay of the 30-day block since
    the conflict began, Flee's ``get_conflict_decay``; 0 outside conflict zones) into
    ``cumulative``; returns the total."""
    acc = 0.0
    last = decay.size - 1
    for x in range(conflict.size):
        if conflict[x] > 0.0:
            block = min(max(int((when - time_of_conflict[x]) / 30.0), 0), last)
            w = pop[x] * conflict[x] * decay[block]
            if w > 0.0:
                acc += w
        cumulative[x] = acc
    return acc


@njit(cache=True)
def spawn(n: int, k: int, a_loc: np.ndarray, count: np.ndarray, born: np.ndarray, cumulative: np.ndarray,
          key_spawn: np.uint64) -> None:
    """Place new agents ``n … n+k-1``: agent ``i`` starts at the first location whose cumulative
    spawn weight exceeds ``uniform_at(key_spawn, i) × total``; adds them to ``count`` and ``born``."""
    total = cumulative[-1]
    last = cumulative.size - 1
    for i in range(n, n + k):
        loc = min(np.searchsorted(cumulative, uniform_at(key_spawn, i) * total, side="right"), last)
        a_loc[i] = loc
        count[loc] += 1
        born[loc] += 1


@njit(cache=True)
def record(t: int, n: int, count: np.ndarray, link_count: np.ndarray, camp_idx: np.ndarray,
           simulated: np.ndarray, on_links: np.ndarray) -> bool:
    """Day ``t``'s agents per camp and on links; whether agents at locations plus agents on links
    equal the ``n`` agents and no count is negative (conservation)."""
    for c in range(camp_idx.size):
        simulated[t, c] = count[camp_idx[c]]
    at = 0
    ok = True
    for x in range(count.size):
        at += count[x]
        ok &= count[x] >= 0
    on = 0
    for e in range(link_count.size):
        on += link_count[e]
        ok &= link_count[e] >= 0
    on_links[t] = on
    return ok and at + on == n


@njit(cache=True)
def reset_wake(n: int, a_loc: np.ndarray, a_link: np.ndarray, a_wake: np.ndarray, changed: np.ndarray) -> None:
    """Forget the drawn departure day of agents at locations whose move chance changed today (the
    geometric waiting time is memoryless, so redrawing it under the new chance is exact)."""
    for i in range(n):
        if a_link[i] < 0 and changed[a_loc[i]]:
            a_wake[i] = -1


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
