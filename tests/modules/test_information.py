"""The informational cascade (modules/information.py) against branching-process results, and
its one qualitative claim: after a border opens, the exodus accelerates only through it.

On the engine's contact graph (``k/2`` random cycles: a random ``k``-regular graph when every
layer spans everyone) each tie from an arrival abroad persuades a man at home independently with
probability ``p``. This is bond percolation: from a few seeds the expected number persuaded is
``s · k p / (1 − (k − 1) p)`` below the threshold ``(k − 1) p = 1``, and above it a share
``S = 1 − (1 − p + p u)^k`` with ``u = (1 − p + p u)^(k−1)`` of everyone ends up persuaded
(Newman 2002; Kempe, Kleinberg & Tardos 2003).
"""

from __future__ import annotations

import numpy as np
import pytest

from exitwave.modules.information import (
    Information,
    cascade_reproduction_number,
    persuasion_probability,
)
from exitwave.state import State
from exitwave.testing import hand_abroad, tiny_run
from exitwave.vocabulary import Status

K = 12
MIXED = {"population.homophily_region_age": 0.0, "population.homophily_region": 0.0,
         "population.contacts_per_person": K, "behaviour.cascade_safety_weight": 0.0,
         "behaviour.cascade_delay_days": 1.0}


def percolation_share(p: float, k: int) -> float:
    """Share of a random k-regular graph reached by a global outbreak of bond percolation."""
    u = 0.0
    for _ in range(100_000):
        nxt = (1 - p + p * u) ** (k - 1)
        if abs(nxt - u) < 1e-13:
            break
        u = nxt
    return 1 - (1 - p + p * u) ** k


def persuaded_from(seeds: int, p: float, men: int = 20_000, seed: int = 3) -> int:
    """Men persuaded, in all generations, from ``seeds`` arrivals abroad (every route open:
    the stand-in access is 1; the persuaded are handed abroad the day they set out)."""
    run = tiny_run(modules=[Information], men=men, days=400, seed=seed,
                   overrides={**MIXED, "behaviour.cascade_persuasion": p})
    state = run.state
    hand_abroad(state, np.arange(seeds) * (men // seeds), "XB")
    total = 0
    for _ in range(399):
        run.step()
        fired = np.unique(State.take(state.threshold_fired))
        fired = fired[state.status[fired] == Status.AT_HOME]
        total += fired.size
        if fired.size:
            hand_abroad(state, fired, "XB")
        elif not state.newly_abroad and not run.module("information").due._days:
            break
    return total


def test_persuasion_needs_an_open_route_and_is_a_probability() -> None:
    args = dict(access_weight=1.0, protection=np.array([1.0, 1.0, 0.0]), safety_weight=0.5,
                exodus_weight=0.0, abroad_share=0.0)
    p = persuasion_probability(0.2, np.array([0.0, 1.0, 1.0]), **args)
    assert p.tolist() == pytest.approx([0.0, 0.2, 0.1])  # shut routes reveal nothing; refusal halves it
    many = persuasion_probability(0.9, np.ones(3), **{**args, "exodus_weight": 1.0, "abroad_share": 0.05})
    assert (many <= 1.0).all() and many[0] == 1.0
    assert cascade_reproduction_number(0.1, 12) == pytest.approx(1.1)


@pytest.mark.parametrize("p", [0.03, 0.06])
def test_below_the_cascade_condition_the_persuaded_are_a_finite_multiple(p: float) -> None:
    seeds = 200
    r = cascade_reproduction_number(p, K)
    assert r < 1
    expected = seeds * K * p / (1 - r)
    got = persuaded_from(seeds, p)
    assert got == pytest.approx(expected, rel=0.25), (got, expected)


def test_above_the_cascade_condition_a_share_of_everyone_is_persuaded() -> None:
    p, men = 0.15, 20_000
    assert cascade_reproduction_number(p, K) > 1
    share = persuaded_from(20, p, men=men) / men
    assert share == pytest.approx(percolation_share(p, K), abs=0.04)


def test_the_cascade_condition_separates_the_regimes() -> None:
    men = 20_000
    below, above = persuaded_from(20, 0.8 / (K - 1), men=men), persuaded_from(20, 1.3 / (K - 1), men=men)
    assert below < 0.02 * men < 0.2 * men < above


# --- the synthetic exodus ----------------------------------------------------------------------
WEEKS_EARLY, WEEKS_LATE = slice(2, 6), slice(8, 12)  # the border opens on day 14 (week 2)


def weekly_departures(persuasion: float, contacts: int = 12, men: int = 20_000) -> np.ndarray:
    """Weekly departures in the example world without a call-up: every exit closed for the first
    two weeks, then open, a small baseline (0.2 %/year) and the cascade term."""
    days = 84
    run = tiny_run(men=men, days=days, overrides={
        "mobilization.waves": [], "news": [], "policies": [],
        "countermeasures": {"exit_closure": {"from": "2030-03-01", "until": "2030-03-14"}},
        "behaviour.baseline_leave_rate": "0.2 per year", "behaviour.cascade_persuasion": persuasion,
        "behaviour.cascade_delay_days": 5.0, "behaviour.cascade_safety_weight": 0.0,
        "population.contacts_per_person": contacts})
    state = run.state
    gone = np.zeros(days + 1)
    for d in range(days):
        run.step()
        gone[d + 1] = (state.depart_day >= 0).sum()
    return np.add.reduceat(np.diff(gone), np.arange(0, days, 7))


def growth(weeks: np.ndarray) -> float:
    """Departures in weeks 8–11 over weeks 2–5 (1 = flat)."""
    return float(weeks[WEEKS_LATE].sum() / weeks[WEEKS_EARLY].sum())


def test_a_border_opening_accelerates_the_exodus_only_through_the_cascade() -> None:
    on, off = weekly_departures(0.2), weekly_departures(0.0)
    assert on[:2].sum() == off[:2].sum() == 0  # exits closed: nobody gets out
    assert growth(on) > 2.5, on  # measured 3.1: departures triple within two months
    assert growth(off) < 1.6, off  # measured 1.2: the baseline alone stays flat
    assert on[WEEKS_LATE].sum() > 3 * off[WEEKS_LATE].sum()


def test_the_acceleration_depends_on_the_network() -> None:
    dense, sparse = weekly_departures(0.2, contacts=12), weekly_departures(0.2, contacts=6)
    assert growth(dense) > 1.5 * growth(sparse), (dense, sparse)
