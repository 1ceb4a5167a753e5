"""Route choice on a tiny graph equals Flee's analytic weights; sampled agents follow them."""

from __future__ import annotations

import numpy as np
import pytest

from exitwave.compat.flee import rules
from exitwave.random import stream_key

# Flee-test-style graph: A (conflict zone, home country) — B (town), C (camp abroad), D (town);
# B — D. Distances in km.
NAMES = ["A", "B", "C", "D"]
ROUTES = [(0, 1, 10.0), (0, 2, 20.0), (0, 3, 50.0), (1, 3, 15.0)]
SCORE = np.array([0.25, 1.0, 2.0 * 1.5, 1.0])  # conflict_weight; 1; camp_weight × foreign_weight; 1
SOFTENING = 10.0


def _graph() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    link_from = np.array([x for a, b, _ in ROUTES for x in (a, b)], np.int32)
    link_to = np.array([x for a, b, _ in ROUTES for x in (b, a)], np.int32)
    km = np.array([d for *_, d in ROUTES for _ in range(2)])
    return link_from, link_to, km


def _paths(awareness: int) -> tuple[dict, np.ndarray, np.ndarray]:
    link_from, link_to, km = _graph()
    paths = rules.build_paths(4, link_from, link_to, km, np.zeros(4, bool), awareness)
    base = np.zeros(paths["end"].size)
    valid = np.zeros(paths["end"].size, bool)
    rules.path_weights(SCORE, paths["end"], paths["km"], paths["link_ptr"], paths["links"],
                       np.ones(km.size, bool), 0.0, SOFTENING, 1.0, 1.0, base, valid)
    return paths, base, valid


def _analytic(awareness: int) -> dict[tuple[str, ...], float]:
    """Flee's weights from A, by hand: score(end) / (softening + path km)."""
    if awareness == 1:
        w = {("B",): 1.0 / 20, ("C",): 3.0 / 30, ("D",): 1.0 / 60}
    else:  # two links: A→B→D and A→D→B join the one-link paths
        w = {("B",): 1.0 / 20, ("B", "D"): 1.0 / 35, ("C",): 3.0 / 30, ("D",): 1.0 / 60, ("D", "B"): 1.0 / 75}
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


def _route(paths: dict, p: int) -> tuple[str, ...]:
    link_to = _graph()[1]
    links = paths["links"][paths["link_ptr"][p]:paths["link_ptr"][p + 1]]
    return tuple(NAMES[int(link_to[e])] for e in links)


@pytest.mark.parametrize("awareness", [1, 2])
def test_choice_probabilities_equal_the_analytic_weights(awareness: int) -> None:
    paths, base, valid = _paths(awareness)
    expected = _analytic(awareness)
    assert sorted(_route(paths, p) for p in range(paths["ptr"][0], paths["ptr"][1])) == sorted(expected)
    # the measure of u in [0, 1) that picks each path is its probability (grid of 20,000 u)
    k = 20_000
    picks: dict[tuple[str, ...], int] = {}
    count = np.zeros(4, np.int64)
    capacity = np.full(4, -1.0)
    for u in (np.arange(k) + 0.5) / k:
        p = rules._choose(0, u, paths["ptr"], paths["end"], base, valid, count, capacity, 0.9, 1.0, False)
        picks[_route(paths, p)] = picks.get(_route(paths, p), 0) + 1
    for route, prob in expected.items():
        assert picks[route] / k == pytest.approx(prob, abs=2.0 / k)


def test_capacity_factor_and_closed_links() -> None:
    assert rules.cap_multiplier(50, 100.0, 0.75) == 1.0
    assert rules.cap_multiplier(75, 100.0, 0.75) == 1.0
    assert rules.cap_multiplier(90, 100.0, 0.75) == pytest.approx(1.0 - 15.0 / 25.0)
    assert rules.cap_multiplier(100, 100.0, 0.75) == 0.0
    assert rules.cap_multiplier(10**6, -1.0, 0.75) == 1.0
    link_from, link_to, km = _graph()
    paths = rules.build_paths(4, link_from, link_to, km, np.zeros(4, bool), 1)
    base = np.zeros(paths["end"].size)
    valid = np.zeros(paths["end"].size, bool)
    open_ = np.ones(km.size, bool)
    open_[2] = False  # A → C closed
    rules.path_weights(SCORE, paths["end"], paths["km"], paths["link_ptr"], paths["links"], open_, 0.0,
                       SOFTENING, 1.0, 1.0, base, valid)
    count = np.array([0, 0, 95, 0], np.int64)
    capacity = np.array([-1.0, -1.0, 100.0, -1.0])
    chosen = {rules._choose(0, u, paths["ptr"], paths["end"], base, valid, count, capacity, 0.9, 1.0, False)
              for u in np.linspace(0, 0.999, 500)}
    assert {_route(paths, p) for p in chosen} == {("B",), ("D",)}


def _day(t: int, seed: int, n: int, a_link: np.ndarray, a_wake: np.ndarray, count: np.ndarray,
         link_count: np.ndarray, chance: np.ndarray, speed: float = 1.0) -> None:
    """One step_day of ``n`` agents that all start at A (location 0) on the test graph."""
    link_from, link_to, km = _graph()
    paths, base, valid = _paths(1)
    L, P = 4, paths["end"].size
    cum, loc_total = np.zeros(P), np.zeros(L)
    loc_valid, loc_last, loc_hot = np.zeros(L, np.int64), np.zeros(L, np.int64), np.zeros(L, np.int64)
    rules.cumulative_weights(paths["ptr"], base, valid, cum, loc_total, loc_valid, loc_last)
    order = np.argsort(link_from, kind="stable").astype(np.int32)
    ptr = np.concatenate([[0], np.cumsum(np.bincount(link_from, minlength=L))]).astype(np.int64)
    link_path = np.full(km.size, -1, np.int64)
    link_path[paths["links"]] = np.arange(P)
    keys = [np.uint64(stream_key(seed, s, t)) for s in (102, 103, 104, 105)]
    rules.step_day(t, n, np.zeros(n, np.int32), np.zeros(n, np.int32), a_link, np.zeros(n), np.zeros(n),
                   np.ones(n, np.int32), np.zeros(n), np.full(n, -1, np.int32), np.zeros(n, np.int32),
                   np.zeros(n, bool), a_wake, count, link_count, chance, rules.log_stay(chance), np.zeros(L, bool),
                   np.array([False, False, True, False]), np.full(L, -1.0), np.ones(km.size, bool), link_from,
                   link_to, km, np.full(km.size, np.nan), np.zeros(km.size), np.zeros(km.size, bool), ptr, order,
                   link_path, paths["ptr"], paths["end"], paths["link_ptr"], paths["links"], paths["origin"],
                   paths["end_ptr"], paths["end_paths"], base, valid, cum, loc_total, loc_valid, loc_last, loc_hot,
                   0.9, 1.0, False, False, speed, speed, False, False, False, *keys)


def test_sampled_agents_follow_the_weights() -> None:
    """200,000 agents at A leave in one day (move chance 1, 1 km/day so nobody arrives)."""
    n = 200_000
    link_from, link_to, km = _graph()
    a_link = np.full(n, -1, np.int32)
    count = np.array([n, 0, 0, 0], np.int64)
    link_count = np.zeros(km.size, np.int64)
    _day(0, 7, n, a_link, np.full(n, -1, np.int32), count, link_count, np.ones(4))
    assert count.sum() + link_count.sum() == n and count[0] == 0
    expected = _analytic(1)
    for dest, name in ((1, "B"), (2, "C"), (3, "D")):
        share = link_count[(link_from == 0) & (link_to == dest)].sum() / n
        p = expected[(name,)]
        assert abs(share - p) < 5 * np.sqrt(p * (1 - p) / n)
    assert (np.bincount(a_link, minlength=km.size) == link_count).all()


def test_waiting_times_are_daily_bernoulli_draws() -> None:
    """Agents at A leave with chance c each day (drawn as geometric waiting times): the number
    leaving on day d is Binomial(still there, c); when c changes, those still there follow the new
    c from that day (the waiting times are redrawn)."""
    n = 200_000
    a_link = np.full(n, -1, np.int32)
    a_wake = np.full(n, -1, np.int32)
    count = np.array([n, 0, 0, 0], np.int64)
    link_count = np.zeros(8, np.int64)
    a_loc = np.zeros(n, np.int32)
    for t, c in enumerate([0.2, 0.2, 0.2, 0.6, 0.6, 0.01]):
        chance = np.array([c, 1.0, 1.0, 1.0])
        if t in (3, 5):  # the move chance at A changed today
            rules.reset_wake(n, a_loc, a_link, a_wake, np.array([True, False, False, False]))
        staying = int(count[0])
        _day(t, 11, n, a_link, a_wake, count, link_count, chance)
        left = staying - int(count[0])
        assert abs(left - staying * c) < 5 * np.sqrt(staying * c * (1 - c)), (t, left, staying)
        assert count.sum() + link_count.sum() == n
        # agents still at A wait for a day after today, or have not drawn one (never: all drew)
        at_a = a_link < 0
        assert (a_wake[at_a] > t).all() and (a_wake[~at_a] == -1).all()


def test_a_location_never_left_keeps_its_agents() -> None:
    n = 1000
    a_link = np.full(n, -1, np.int32)
    a_wake = np.full(n, -1, np.int32)
    count = np.array([n, 0, 0, 0], np.int64)
    link_count = np.zeros(8, np.int64)
    for t in range(3):
        _day(t, 5, n, a_link, a_wake, count, link_count, np.array([0.0, 1.0, 1.0, 1.0]))
    assert count[0] == n and (a_wake == rules.NEVER).all()
