"""Daily aggregates and the conservation check.

Everything is recorded in agents and converted to people (× scale) when the results are built.
The counters recorded are the ones the run's modules declare (the output registry); a State
field of a module that is not in the run keeps its empty default and is recorded as zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from exitwave.kernels.heap import group_sizes
from exitwave.state import State
from exitwave.vocabulary import ABROAD_STATUSES, GROUPS_PER_REGION, N_ROUTE_CLASSES, Status

__all__ = ["Recorder", "ConservationError"]

_COUNT_FROM = 1_000_000
"""From this many agents whole-population counts go through a numba pass (np.bincount first
copies a small-integer column to intp)."""


def _status_counts(status: np.ndarray) -> np.ndarray:
    """Men per status (np.bincount of the status column, minlength the number of statuses)."""
    if status.size >= _COUNT_FROM:
        try:
            return group_sizes(status, len(Status))
        except ValueError:  # a value beyond the statuses: np.bincount shows it
            pass
    return np.bincount(status, minlength=len(Status))


class ConservationError(AssertionError):
    """Someone was lost or counted twice."""


class Recorder:
    """Collects one row per day; checks that every man is in exactly one status."""

    def __init__(self, state: State, counters: Sequence[str], full_check_every: int = 0) -> None:
        n_days, w = state.n_days, state.world
        self.counter_names = tuple(counters)
        self.status = np.zeros((n_days, len(Status)))
        self.crossed = np.zeros((n_days, w.n_crossings))
        self.queue = np.zeros((n_days, w.n_crossings))
        self.stock = np.zeros((n_days, w.n_countries))
        self.departed_from = np.zeros((n_days, w.n_regions))  # cumulative crossings out by home region
        self.screening = np.zeros((n_days, w.n_countries))
        self.counters = np.zeros((n_days, len(self.counter_names)))
        self.access = np.zeros(n_days)
        self.morale = np.full(n_days, np.nan)
        if state.n >= _COUNT_FROM:  # cells are decision groups without the reservist bit
            counts = group_sizes(state.decision_group, w.n_regions * GROUPS_PER_REGION)
            cell_counts = counts.reshape(w.n_regions * N_ROUTE_CLASSES, 2).sum(axis=1)
        else:
            cells = state.pop.region.astype(np.int64) * N_ROUTE_CLASSES + state.route_class
            cell_counts = np.bincount(cells, minlength=w.n_regions * N_ROUTE_CLASSES)
        self.class_share = (cell_counts
                            / state.n).reshape(w.n_regions, N_ROUTE_CLASSES)
        self.full_check_every = full_check_every
        self.problems: list[str] = []

    def record(self, state: State, day: int) -> None:
        self.status[day] = state.status_counts
        # fields of a module not in the run are empty: their rows stay zero
        if state.crossed_today.size:
            self.crossed[day] = state.crossed_today
            self.departed_from[day] = state.departed_by_region
            self.access[day] = float((state.access * self.class_share).sum())
        if len(state.queues):
            self.queue[day] = state.queues.sizes
        if state.stock.size:
            self.stock[day] = state.stock
        if len(state.screening_queues):
            self.screening[day] = state.screening_queues.sizes
        self.counters[day] = [state.counters.get(name, 0.0) for name in self.counter_names]
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
        if state.stock.size and abs(state.stock.sum() - abroad) > 0.5:
            found.append(f"{abroad} men abroad by status, {state.stock.sum():.0f} by country")
        if full:
            actual = _status_counts(state.status)
            if not np.array_equal(actual, counts):
                found.append(f"status column {actual.tolist()} != tracked counts {counts.tolist()}")
        if found:
            self.problems += [f"day {day}: {text}" for text in found]
