"""Daily aggregates and the conservation check.

Everything is recorded in agents and converted to people (× scale) when the results are built.
"""

from __future__ import annotations

import numpy as np

from exitwave.state import ABROAD_STATUSES, State, Status

__all__ = ["Recorder", "ConservationError", "COUNTERS"]

COUNTERS = ("summonses", "reported", "went_into_hiding", "found_in_hiding", "detained_at_border", "no_route",
            "gave_up", "switched_crossing", "turned_back_entry", "turned_back_exit_closed",
            "asylum_applications", "recognised", "refused", "moved_on", "returned",
            "hostile_admitted", "hostile_detected", "initial_force", "recruited", "killed", "wounded",
            "returned_to_duty", "deserted", "surrendered", "hotline_contacts", "hotline_surrenders",
            "soldier_days_lost_to_care")


class ConservationError(AssertionError):
    """Someone was lost or counted twice."""


class Recorder:
    """Collects one row per day; checks that every man is in exactly one status."""

    def __init__(self, state: State, full_check_every: int = 0) -> None:
        n_days, w = state.n_days, state.world
        self.status = np.zeros((n_days, len(Status)))
        self.crossed = np.zeros((n_days, w.n_crossings))
        self.queue = np.zeros((n_days, w.n_crossings))
        self.stock = np.zeros((n_days, w.n_countries))
        self.departed_from = np.zeros((n_days, w.n_regions))  # cumulative crossings out by home region
        self.screening = np.zeros((n_days, w.n_countries))
        self.counters = np.zeros((n_days, len(COUNTERS)))
        self.access = np.zeros(n_days)
        self.morale = np.full(n_days, np.nan)
        cells = state.pop.region.astype(np.int64) * 4 + state.route_class
        self.class_share = (np.bincount(cells, minlength=w.n_regions * 4) / state.n).reshape(w.n_regions, 4)
        self.full_check_every = full_check_every
        self.problems: list[str] = []

    def record(self, state: State, day: int) -> None:
        self.status[day] = state.status_counts
        self.crossed[day] = state.crossed_today
        self.queue[day] = state.queues.sizes
        self.stock[day] = state.stock
        self.departed_from[day] = state.departed_by_region
        self.screening[day] = state.screening_queues.sizes
        self.counters[day] = [state.counters.get(name, 0.0) for name in COUNTERS]
        self.access[day] = float((state.access * self.class_share).sum())
        front = state.front
        if front is not None and front.strength.sum() > 0:
            self.morale[day] = float(np.average(front.morale, weights=front.strength))
        self.check(state, day, full=bool(self.full_check_every) and day % self.full_check_every == 0)

    def check(self, state: State, day: int, full: bool = False) -> None:
        """Conservation: counts sum to the population and agree with every active set."""
        counts = state.status_counts
        found: list[str] = []
        if counts.sum() != state.n or counts.min() < 0:
            found.append(f"status counts sum to {counts.sum()} for {state.n} men")
        expected = {
            Status.QUEUED: int(state.queues.sizes.sum()),
            Status.SCREENING: int(state.screening_queues.sizes.sum()),
            Status.SUMMONED: state.summoned.size,
            Status.HIDING: state.hiding.size,
        }
        for status, size in expected.items():
            if counts[status] != size:
                found.append(f"{status.name}: {counts[status]} by status, {size} in its active set")
        abroad = counts[list(ABROAD_STATUSES)].sum()
        if abs(state.stock.sum() - abroad) > 0.5:
            found.append(f"{abroad} men abroad by status, {state.stock.sum():.0f} by country")
        if full:
            actual = np.bincount(state.status, minlength=len(Status))
            if not np.array_equal(actual, counts):
                found.append(f"status column {actual.tolist()} != tracked counts {counts.tolist()}")
        if found:
            self.problems += [f"day {day}: {text}" for text in found]
