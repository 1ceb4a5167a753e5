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

The kernels' arguments
    A few ``typing.NamedTuple`` containers of numpy arrays (numba passes them as tuples):
    :class:`Network` (locations, directed links, paths; the live ``town``/``camp``/``link_open``),
    :class:`RouteWeights` (today's path weights and per-origin sums), :class:`Agents` (the agent
    columns), :class:`Occupancy` (agents per location and per link), :class:`Today` (the day, its
    move chances and random keys) and :class:`Rules` (the movement settings). The hot loop reads
    each field into a local once.

Randomness: every draw is ``uniform_at(key(seed, stream, day), agent × 1024 + hop)`` from
:mod:`exitwave.random`, so a run is a pure function of its seed.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from exitwave.random import key_for, uniform_at

if TYPE_CHECKING:
    from exitwave.compat.flee.reader import MoveRules

__all__ = ["FleeStream", "Network", "RouteWeights", "Agents", "Occupancy", "Today", "Rules", "build_network", "build_paths",
           "path_weights", "cumulative_weights", "step_day", "mark_bounced", "recount", "reset_wake",
           "spawn_weights", "spawn", "record", "cap_multiplier", "log_stay"]

HOPS = 1024  # draws reserved per agent per day and stream (chained moves count up)
NEVER = 2**31 - 1  # the wake day (int32) of an agent at a location it never leaves


class FleeStream(IntEnum):
    """Random streams of the flee ruleset (numbered apart from :class:`exitwave.random.Stream`)."""

    SPAWN = 101
    MOVE = 102
    ROUTE = 103
    WALK = 104
    WAKE = 105


class Network(NamedTuple):
    """A case's graph as the kernels read it: locations, directed links and candidate paths.

    Locations are numbered as in ``locations.csv``; route ``r`` of ``routes.csv`` is the directed
    links ``2r`` (name1 → name2) and ``2r+1`` (back); paths are each origin's candidates
    (:func:`build_paths`), grouped by origin. Built by :func:`build_network`. ``town``, ``camp`` and
    ``link_open`` (and ``link_forced``) change during a run (conflicts, closures): in place, so the
    kernels always read the live values.

    Per location: ``town`` (bool: the short-stint rule applies), ``camp`` (bool: agents do not set
    out for it once it is half-way through its capacity buffer), ``capacity`` (float64, agents;
    -1: unlimited), ``loc_link_ptr``/``loc_links`` (int64 [location + 1] / int32: the links leaving
    each location, grouped by location).

    Per directed link: ``link_open`` (bool), ``link_from``/``link_to`` (int32, locations),
    ``link_km`` (float64, km), ``link_speed`` (float64, km per day; NaN: ``max_move_speed``),
    ``link_walk`` (float64, probability per move of walking at ``max_walk_speed``), ``link_forced``
    (bool, forced redirection), ``link_path`` (int64, the path made of this link alone; -1 none).

    Per path: ``path_ptr`` (int64 [location + 1]: each origin's paths are ``path_ptr[x] …
    path_ptr[x+1]-1``), ``path_end`` (int32, destination), ``path_km`` (float64, km),
    ``path_link_ptr``/``path_links`` (int64 [path + 1] / int32: the path's links in order),
    ``path_origin`` (int32), ``end_ptr``/``end_paths`` (int64 [location + 1] / int32: the paths
    ending at each location)."""

    town: np.ndarray
    camp: np.ndarray
    capacity: np.ndarray
    loc_link_ptr: np.ndarray
    loc_links: np.ndarray
    link_open: np.ndarray
    link_from: np.ndarray
    link_to: np.ndarray
    link_km: np.ndarray
    link_speed: np.ndarray
    link_walk: np.ndarray
    link_forced: np.ndarray
    link_path: np.ndarray
    path_ptr: np.ndarray
    path_end: np.ndarray
    path_km: np.ndarray
    path_link_ptr: np.ndarray
    path_links: np.ndarray
    path_origin: np.ndarray
    end_ptr: np.ndarray
    end_paths: np.ndarray

    @property
    def n_locations(self) -> int:
        return int(self.town.size)

    @property
    def n_links(self) -> int:
        return int(self.link_from.size)

    @property
    def n_paths(self) -> int:
        return int(self.path_end.size)


class RouteWeights(NamedTuple):
    """Today's route weights (:func:`path_weights`, :func:`cumulative_weights`) and what the fast
    choice reads. Weights are dimensionless (Flee's ``calculateLinkWeight``).

    Per path: ``base`` (float64: the weight without the capacity factor), ``valid`` (bool: all its
    links open today), ``cum`` (float64: the running sum of ``base`` over the origin's valid paths
    up to this one). Per origin: ``total`` (float64: the sum of its valid weights), ``n_valid``
    (int64: its valid paths), ``last`` (int64: its last valid path with a positive weight; -1
    none), ``hot`` (int64: its paths that end in a location inside its capacity buffer, kept by
    :func:`step_day`)."""

    base: np.ndarray
    valid: np.ndarray
    cum: np.ndarray
    total: np.ndarray
    n_valid: np.ndarray
    last: np.ndarray
    hot: np.ndarray

    @classmethod
    def empty(cls, network: Network) -> RouteWeights:
        P, L = network.n_paths, network.n_locations
        return cls(base=np.zeros(P), valid=np.zeros(P, bool), cum=np.zeros(P), total=np.zeros(L),
                   n_valid=np.zeros(L, np.int64), last=np.zeros(L, np.int64), hot=np.zeros(L, np.int64))


class Agents(NamedTuple):
    """The agents as columns (index = agent, in order of spawning; room for every agent of the run).

    ``loc`` (int32: the location it is at, or left if on a link), ``link`` (int32: the link it is
    on; -1 at a location), ``km_on_link`` (float64, km travelled on that link), ``km_today``
    (float64, km moved today), ``places`` (int32: locations visited, 1 at the start),
    ``recent`` (float64: Flee's running mean of the daily distance in units of
    ``max_move_speed``, for the short-stint rule), ``path`` (int32: the planned path; -1 none),
    ``hop`` (int32: the path's next link, counted from 0), ``bounce`` (bool: its link closed while
    it was on it, so it goes back to the start), ``wake`` (int32: the day it next leaves its
    location; -1 not drawn, :data:`NEVER`), ``todo`` (int32: the kernel's scratch list of agents)."""

    loc: np.ndarray
    link: np.ndarray
    km_on_link: np.ndarray
    km_today: np.ndarray
    places: np.ndarray
    recent: np.ndarray
    path: np.ndarray
    hop: np.ndarray
    bounce: np.ndarray
    wake: np.ndarray
    todo: np.ndarray

    @classmethod
    def empty(cls, capacity: int) -> Agents:
        """Columns for ``capacity`` agents, all at location 0 with nothing planned."""
        return cls(loc=np.zeros(capacity, np.int32), link=np.full(capacity, -1, np.int32),
                   km_on_link=np.zeros(capacity), km_today=np.zeros(capacity),
                   places=np.ones(capacity, np.int32), recent=np.zeros(capacity),
                   path=np.full(capacity, -1, np.int32), hop=np.zeros(capacity, np.int32),
                   bounce=np.zeros(capacity, bool), wake=np.full(capacity, -1, np.int32),
                   todo=np.zeros(capacity, np.int32))


class Occupancy(NamedTuple):
    """Agents at each location (``location``, int64 [location]) and on each directed link
    (``link``, int64 [link]), kept current by every kernel that moves or adds agents."""

    location: np.ndarray
    link: np.ndarray

    @classmethod
    def empty(cls, network: Network) -> Occupancy:
        return cls(location=np.zeros(network.n_locations, np.int64), link=np.zeros(network.n_links, np.int64))


class Today(NamedTuple):
    """What a day of movement draws on besides the network: ``day`` (days since the start),
    ``chance`` (float64 [location], probability per day of leaving), ``log_stay``
    (``log(1 - chance)``, :func:`log_stay`) and the day's random keys of the streams ``move``
    (chained moves), ``route`` (route choice), ``walk`` (walking on a link) and ``wake`` (the
    departure day), each a ``uint64`` for :func:`exitwave.random.uniform_at`."""

    day: int
    chance: np.ndarray
    log_stay: np.ndarray
    key_move: np.uint64
    key_route: np.uint64
    key_walk: np.uint64
    key_wake: np.uint64

    @classmethod
    def of(cls, seed: int, day: int, chance: np.ndarray, log_stay: np.ndarray) -> Today:
        """Day ``day`` of a run with ``seed``: its keys are ``stream_key(seed, stream, day)``."""
        return cls(day=day, chance=chance, log_stay=log_stay,
                   key_move=key_for(seed, FleeStream.MOVE, day),
                   key_route=key_for(seed, FleeStream.ROUTE, day),
                   key_walk=key_for(seed, FleeStream.WALK, day),
                   key_wake=key_for(seed, FleeStream.WAKE, day))


class Rules(NamedTuple):
    """The movement settings the kernels read (Flee's ``move_rules``; :meth:`of`)."""

    capacity_buffer: float  # share of capacity (dimensionless) from which a camp's factor falls
    weight_softening: float  # added to every location score (dimensionless)
    softening: float  # km added to every path length
    distance_power: float  # exponent on the softened path length
    weight_power: float  # exponent on each route weight
    uniform_choice: bool  # awareness_level 0: a uniformly random open neighbour
    forced_redirection: bool  # Flee 2's rule: an open forced link whose end is not full is taken
    max_move_speed: float  # km per day
    max_walk_speed: float  # km per day on foot
    start_on_foot: bool  # the first link is walked
    avoid_short_stints: bool  # a town is left at once after a short stint (Flee 2)
    live_weights: bool  # read every capacity factor at every choice (a check of the fast path)

    @classmethod
    def of(cls, m: MoveRules, live_weights: bool = False) -> Rules:
        """The kernels' settings from ``m`` (after ``use_v1_rules``, see
        :meth:`~exitwave.compat.flee.reader.FleeSettings.effective_move_rules`)."""
        return cls(capacity_buffer=float(m.capacity_buffer), weight_softening=float(m.weight_softening),
                   softening=float(m.softening), distance_power=float(m.distance_power),
                   weight_power=float(m.weight_power), uniform_choice=m.awareness_level == 0,
                   forced_redirection=bool(m.forced_redirection), max_move_speed=float(m.max_move_speed),
                   max_walk_speed=float(m.max_walk_speed), start_on_foot=bool(m.start_on_foot),
                   avoid_short_stints=bool(m.avoid_short_stints), live_weights=bool(live_weights))


def build_network(n_locations: int, link_from: np.ndarray, link_to: np.ndarray, link_km: np.ndarray,
                  awareness: int, *, marker: np.ndarray | None = None, town: np.ndarray | None = None,
                  camp: np.ndarray | None = None, capacity: np.ndarray | None = None,
                  link_speed: np.ndarray | None = None, link_walk: np.ndarray | None = None,
                  link_forced: np.ndarray | None = None) -> Network:
    """The :class:`Network` of ``n_locations`` locations and the directed links ``link_from[e] →
    link_to[e]`` of ``link_km[e]`` km, all open, with every origin's paths of up to ``awareness``
    links (:func:`build_paths`; ``marker`` locations do not count). Absent: no towns, camps or
    markers, no capacities, every link at ``max_move_speed``, never walked, not forced. The
    arrays are copied (and typed as the kernels expect)."""
    L, E = n_locations, len(link_from)

    def column(values: np.ndarray | None, dtype: type, fill: float, size: int) -> np.ndarray:
        if values is None:
            return np.full(size, fill, dtype)
        return np.array(values, dtype)  # a copy: the network owns its arrays

    link_from_a = column(link_from, np.int32, 0, E)
    link_to_a = column(link_to, np.int32, 0, E)
    link_km_a = column(link_km, np.float64, 0.0, E)
    marker_a = column(marker, np.bool_, False, L)
    paths = build_paths(L, link_from_a, link_to_a, link_km_a, marker_a, awareness)
    link_path = np.full(E, -1, np.int64)  # the one-link path of each link
    one = np.flatnonzero(np.diff(paths["link_ptr"]) == 1)
    link_path[paths["links"][paths["link_ptr"][one]]] = one
    return Network(
        town=column(town, np.bool_, False, L), camp=column(camp, np.bool_, False, L),
        capacity=column(capacity, np.float64, -1.0, L),
        loc_link_ptr=np.concatenate([[0], np.cumsum(np.bincount(link_from_a, minlength=L))]).astype(np.int64),
        loc_links=np.argsort(link_from_a, kind="stable").astype(np.int32),
        link_open=np.ones(E, bool), link_from=link_from_a, link_to=link_to_a, link_km=link_km_a,
        link_speed=column(link_speed, np.float64, np.nan, E), link_walk=column(link_walk, np.float64, 0.0, E),
        link_forced=column(link_forced, np.bool_, False, E), link_path=link_path,
        path_ptr=paths["ptr"], path_end=paths["end"], path_km=paths["km"], path_link_ptr=paths["link_ptr"],
        path_links=paths["links"], path_origin=paths["origin"], end_ptr=paths["end_ptr"],
        end_paths=paths["end_paths"])


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
def path_weights(score: np.ndarray, network: Network, rules: Rules, weights: RouteWeights) -> None:
    """Today's weight of every path without the capacity factor (``weights.base``) from each
    location's ``score``, and whether all its links are open (``weights.valid``)."""
    path_end, path_km, path_link_ptr = network.path_end, network.path_km, network.path_link_ptr
    base, valid = weights.base, weights.valid
    for p in range(path_end.size):
        ok = True
        for k in range(path_link_ptr[p], path_link_ptr[p + 1]):
            if not network.link_open[network.path_links[k]]:
                ok = False
                break
        valid[p] = ok
        w = (rules.weight_softening + score[path_end[p]]) / (rules.softening + path_km[p]) ** rules.distance_power
        base[p] = w ** rules.weight_power if rules.weight_power != 1.0 else w


@njit(cache=True)
def cumulative_weights(network: Network, weights: RouteWeights) -> None:
    """Per origin, the running sum of today's weights over its valid paths (``cum``; an invalid path
    repeats the previous sum), their total, how many are valid and the last with a positive weight
    (-1 if none). A choice whose destinations are all below their capacity buffer (capacity factor
    exactly 1) picks the first path with ``cum > u × total`` — the same path, bit for bit, as the
    live scan, which adds the same weights in the same order."""
    path_ptr = network.path_ptr
    base, valid, cum = weights.base, weights.valid, weights.cum
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
        weights.total[loc] = acc
        weights.n_valid[loc] = n_valid
        weights.last[loc] = last


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
def _choose(loc: int, u: float, network: Network, weights: RouteWeights, occupancy: Occupancy,
            rules: Rules) -> int:
    """The path an agent at ``loc`` picks with uniform ``u``, every capacity factor read live (-1:
    none valid). The reference choice: :func:`step_day` inlines the same scan (its live branch)
    so that its hot loop calls no helper; the tests check both against Flee's weights."""
    path_end, capacity, count = network.path_end, network.capacity, occupancy.location
    base, valid = weights.base, weights.valid
    buffer, weight_power = rules.capacity_buffer, rules.weight_power
    p0 = network.path_ptr[loc]
    p1 = network.path_ptr[loc + 1]
    total = 0.0
    n_valid = 0
    for p in range(p0, p1):
        if valid[p]:
            n_valid += 1
            if not rules.uniform_choice:
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
    that end there (``Network.end_ptr``, ``end_paths``, ``path_origin``) count it in ``loc_hot``
    (``RouteWeights.hot``; called only on a crossing, which is rare). It takes arrays, not the
    containers: LLVM then keeps it out of line, and the hot loop compiles as before."""
    for k in range(end_ptr[x], end_ptr[x + 1]):
        loc_hot[path_origin[end_paths[k]]] += delta


@njit(cache=True, boundscheck=False)
def _pass(first: bool, m: int, agents: Agents, occupancy: Occupancy, network: Network,
          weights: RouteWeights, today: Today, rules: Rules) -> int:
    """One of Flee's two passes over the agents ``agents.todo[:m]`` (in agent order; ``first``:
    departures of agents whose day to leave is today or not drawn yet; else travel of agents on a
    link, with chained moves). One function with one departure site, so the hot loop calls no
    helper that takes arrays (but :func:`_hot_shift`, when a camp crosses its buffer)."""
    # every field as a local, read once: reading the containers' fields inside the loop made it
    # ~30 % slower (measured on Mali 2012)
    t, chance, geo_lnq = today.day, today.chance, today.log_stay
    key_move, key_route, key_walk, key_wake = today.key_move, today.key_route, today.key_walk, today.key_wake
    todo, a_loc, a_link, a_on_link, a_moved = agents.todo, agents.loc, agents.link, agents.km_on_link, agents.km_today
    a_places, a_recent, a_path, a_hop = agents.places, agents.recent, agents.path, agents.hop
    a_bounce, a_wake = agents.bounce, agents.wake
    count, link_count = occupancy.location, occupancy.link
    town, camp, capacity = network.town, network.camp, network.capacity
    loc_link_ptr, loc_links, link_path = network.loc_link_ptr, network.loc_links, network.link_path
    link_open, link_from, link_to, link_km = network.link_open, network.link_from, network.link_to, network.link_km
    link_speed, link_walk, link_forced = network.link_speed, network.link_walk, network.link_forced
    path_ptr, path_end, path_link_ptr, path_links = network.path_ptr, network.path_end, network.path_link_ptr, \
        network.path_links
    path_origin, end_ptr, end_paths = network.path_origin, network.end_ptr, network.end_paths
    base, valid, cum = weights.base, weights.valid, weights.cum
    loc_total, loc_valid, loc_last, loc_hot = weights.total, weights.n_valid, weights.last, weights.hot
    buffer, weight_power, uniform_choice = rules.capacity_buffer, rules.weight_power, rules.uniform_choice
    forced_redirection, live_weights = rules.forced_redirection, rules.live_weights
    max_move_speed, max_walk_speed = rules.max_move_speed, rules.max_walk_speed
    start_on_foot, avoid_short_stints = rules.start_on_foot, rules.avoid_short_stints
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
def step_day(n: int, agents: Agents, occupancy: Occupancy, network: Network, weights: RouteWeights,
             today: Today, rules: Rules) -> int:
    """Move agents ``0 … n-1`` through day ``today.day`` (see the module docstring); returns the
    number of arrivals at the end of a link. ``weights`` come from :func:`path_weights` and
    :func:`cumulative_weights` (``weights.hot`` is recomputed here); ``occupancy`` is updated."""
    t, buffer, count = today.day, rules.capacity_buffer, occupancy.location
    path_end, path_origin, capacity, hot = network.path_end, network.path_origin, network.capacity, weights.hot
    hot[:] = 0  # paths of each origin that end in a location inside its capacity buffer
    for q in range(path_end.size):
        x = path_end[q]
        if capacity[x] >= 1.0 and count[x] > buffer * capacity[x]:
            hot[path_origin[q]] += 1
    todo, a_link, a_wake, a_recent = agents.todo, agents.link, agents.wake, agents.recent
    m = 0
    for i in range(n):  # branch-free: agents at a location whose day to leave is today or undrawn
        todo[m] = i
        m += (a_link[i] < 0) & (a_wake[i] <= t)
    _pass(True, m, agents, occupancy, network, weights, today, rules)
    m = 0
    for i in range(n):  # agents on a link
        todo[m] = i
        m += a_link[i] >= 0
        if rules.avoid_short_stints and a_link[i] < 0:
            a_recent[i] = a_recent[i] / 2.0
    return _pass(False, m, agents, occupancy, network, weights, today, rules)


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
def spawn(n: int, k: int, agents: Agents, occupancy: Occupancy, born: np.ndarray, cumulative: np.ndarray,
          key_spawn: np.uint64) -> None:
    """Place new agents ``n … n+k-1``: agent ``i`` starts at the first location whose cumulative
    spawn weight exceeds ``uniform_at(key_spawn, i) × total``; adds them to ``occupancy`` and
    ``born`` (per location)."""
    total = cumulative[-1]
    last = cumulative.size - 1
    for i in range(n, n + k):
        loc = min(np.searchsorted(cumulative, uniform_at(key_spawn, i) * total, side="right"), last)
        agents.loc[i] = loc
        occupancy.location[loc] += 1
        born[loc] += 1


@njit(cache=True)
def record(t: int, n: int, occupancy: Occupancy, camp_idx: np.ndarray, simulated: np.ndarray,
           on_links: np.ndarray) -> bool:
    """Day ``t``'s agents per camp (``simulated[t]``) and on links (``on_links[t]``); whether agents
    at locations plus agents on links equal the ``n`` agents and no count is negative
    (conservation)."""
    count, link_count = occupancy.location, occupancy.link
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
def reset_wake(n: int, agents: Agents, changed: np.ndarray) -> None:
    """Forget the drawn departure day of agents at locations whose move chance changed today (the
    geometric waiting time is memoryless, so redrawing it under the new chance is exact)."""
    for i in range(n):
        if agents.link[i] < 0 and changed[agents.loc[i]]:
            agents.wake[i] = -1


@njit(cache=True)
def mark_bounced(n: int, agents: Agents, closed_now: np.ndarray) -> None:
    """Agents on a link that closes today will be sent back to its start when they reach its end
    (Flee keeps them on the orphaned, closed link object even if the link reopens)."""
    for i in range(n):
        e = agents.link[i]
        if e >= 0 and closed_now[e]:
            agents.bounce[i] = True


@njit(cache=True)
def recount(n: int, agents: Agents, n_locations: int, n_links: int) -> tuple:
    """Full count of agents per location and per link from the agent columns (conservation check)."""
    at = np.zeros(n_locations, np.int64)
    on = np.zeros(n_links, np.int64)
    for i in range(n):
        if agents.link[i] >= 0:
            on[agents.link[i]] += 1
        else:
            at[agents.loc[i]] += 1
    return at, on
