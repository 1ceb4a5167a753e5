"""Route choice on a tiny graph equals Flee's analytic weights; sampled agents follow them."""

from __future__ import annotations

import numpy as np
import pytest

from exitwave.compat.flee import rules
from exitwave.compat.flee.reader import MoveRules

# Flee-test-style graph: A (conflict zone, home country) — B (town), C (camp abroad), D (town);
# B — D. Distances in km.
NAMES = ["A", "B", "C", "D"]
ROUTES = [(0, 1, 10.0), (0, 2, 20.0), (0, 3, 50.0), (1, 3, 15.0)]
SCORE = np.array([0.25, 1.0, 2.0 * 1.5, 1.0])  # conflict_weight; 1; camp_weight × foreign_weight; 1
SOFTENING = 10.0


def _network(awareness: int = 1, capacity: np.ndarray | None = None) -> rules.Network:
    """The test graph; C is a camp."""
    link_from = np.array([x for a, b, _ in ROUTES for x in (a, b)], np.int32)
    link_to = np.array([x for a, b, _ in ROUTES for x in (b, a)], np.int32)
    km = np.array([d for *_, d in ROUTES for _ in range(2)])
    return rules.build_network(4, link_from, link_to, km, awareness, camp=np.array([False, False, True, False]),
                               capacity=capacity)


def _rules(speed: float = 360.0) -> rules.Rules:
    """Flee's defaults (softening 10 km, distance and weight powers 1, buffer 0.9) at ``speed`` km/day."""
    move = MoveRules(max_move_speed=speed, max_walk_speed=speed)
    assert move.softening == SOFTENING
    return rules.Rules.of(move)


def _weights(net: rules.Network) -> rules.RouteWeights:
    weights = rules.RouteWeights.empty(net)
    rules.path_weights(SCORE, net, _rules(), weights)
    rules.cumulative_weights(net, weights)
    return weights


def _analytic(awareness: int) -> dict[tuple[str, ...], float]:
    """Flee's weights from A, by hand: score(end) / (softening + path km)."""
    if awareness == 1:
        w = {("B",): 1.0 / 20, ("C",): 3.0 / 30, ("D",): 1.0 / 60}
    else:  # two links: A→B→D and A→D→B join the one-link paths
        w = {("B",): 1.0 / 20, ("B", "D"): 1.0 / 35, ("C",): 3.0 / 30, ("D",): 1.0 / 60, ("D", "B"): 1.0 / 75}
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


def _route(net: rules.Network, p: int) -> tuple[str, ...]:
    links = net.path_links[net.path_link_ptr[p]:net.path_link_ptr[p + 1]]
    return tuple(NAMES[int(net.link_to[e])] for e in links)


@pytest.mark.parametrize("awareness", [1, 2])
def test_choice_probabilities_equal_the_analytic_weights(awareness: int) -> None:
    net = _network(awareness)
    weights = _weights(net)
    expected = _analytic(awareness)
    assert sorted(_route(net, p) for p in range(net.path_ptr[0], net.path_ptr[1])) == sorted(expected)
    # the measure of u in [0, 1) that picks each path is its probability (grid of 20,000 u)
    k = 20_000
    picks: dict[tuple[str, ...], int] = {}
    occupancy = rules.Occupancy.empty(net)
    for u in (np.arange(k) + 0.5) / k:
        p = rules._choose(0, u, net, weights, occupancy, _rules())
        picks[_route(net, p)] = picks.get(_route(net, p), 0) + 1
    for route, prob in expected.items():
        assert picks[route] / k == pytest.approx(prob, abs=2.0 / k)


def test_capacity_factor_and_closed_links() -> None:
    assert rules.cap_multiplier(50, 100.0, 0.75) == 1.0
    assert rules.cap_multiplier(75, 100.0, 0.75) == 1.0
    assert rules.cap_multiplier(90, 100.0, 0.75) == pytest.approx(1.0 - 15.0 / 25.0)
    assert rules.cap_multiplier(100, 100.0, 0.75) == 0.0
    assert rules.cap_multiplier(10**6, -1.0, 0.75) == 1.0
    net = _network(capacity=np.array([-1.0, -1.0, 100.0, -1.0]))
    net.link_open[2] = False  # A → C closed
    weights = _weights(net)
    occupancy = rules.Occupancy.empty(net)
    occupancy.location[2] = 95
    chosen = {rules._choose(0, u, net, weights, occupancy, _rules()) for u in np.linspace(0, 0.999, 500)}
    assert {_route(net, p) for p in chosen} == {("B",), ("D",)}


def _day(t: int, seed: int, n: int, agents: rules.Agents, occupancy: rules.Occupancy, chance: np.ndarray,
         speed: float = 1.0) -> None:
    """One step_day of ``n`` agents that all start at A (location 0) on the test graph."""
    net = _network()
    weights = _weights(net)
    rules.step_day(n, agents, occupancy, net, weights, rules.Today.of(seed, t, chance, rules.log_stay(chance)),
                   _rules(speed))


def _at_a(n: int) -> tuple[rules.Agents, rules.Occupancy]:
    agents = rules.Agents.empty(n)
    occupancy = rules.Occupancy.empty(_network())
    occupancy.location[0] = n
    return agents, occupancy


def test_sampled_agents_follow_the_weights() -> None:
    """200,000 agents at A leave in one day (move chance 1, 1 km/day so nobody arrives)."""
    n = 200_000
    net = _network()
    agents, occupancy = _at_a(n)
    count, link_count = occupancy
    _day(0, 7, n, agents, occupancy, np.ones(4))
    assert count.sum() + link_count.sum() == n and count[0] == 0
    expected = _analytic(1)
    for dest, name in ((1, "B"), (2, "C"), (3, "D")):
        share = link_count[(net.link_from == 0) & (net.link_to == dest)].sum() / n
        p = expected[(name,)]
        assert abs(share - p) < 5 * np.sqrt(p * (1 - p) / n)
    assert (np.bincount(agents.link, minlength=net.n_links) == link_count).all()


def test_waiting_times_are_daily_bernoulli_draws() -> None:
    """Agents at A leave with chance c each day (drawn as geometric waiting times): the number
    leaving on day d is Binomial(still there, c); when c changes, those still there follow the new
    c from that day (the waiting times are redrawn)."""
    n = 200_000
    agents, occupancy = _at_a(n)
    count, link_count = occupancy
    a_link, a_wake = agents.link, agents.wake
    for t, c in enumerate([0.2, 0.2, 0.2, 0.6, 0.6, 0.01]):
        chance = np.array([c, 1.0, 1.0, 1.0])
        if t in (3, 5):  # the move chance at A changed today
            rules.reset_wake(n, agents, np.array([True, False, False, False]))
        staying = int(count[0])
        _day(t, 11, n, agents, occupancy, chance)
        left = staying - int(count[0])
        assert abs(left - staying * c) < 5 * np.sqrt(staying * c * (1 - c)), (t, left, staying)
        assert count.sum() + link_count.sum() == n
        # agents still at A wait for a day after today, or have not drawn one (never: all drew)
        at_a = a_link < 0
        assert (a_wake[at_a] > t).all() and (a_wake[~at_a] == -1).all()


def test_a_location_never_left_keeps_its_agents() -> None:
    n = 1000
    agents, occupancy = _at_a(n)
    for t in range(3):
        _day(t, 5, n, agents, occupancy, np.array([0.0, 1.0, 1.0, 1.0]))
    assert occupancy.location[0] == n and (agents.wake == rules.NEVER).all()
