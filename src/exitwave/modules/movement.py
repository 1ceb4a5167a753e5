"""Movement: route choice, travel, crossings with daily capacity and FIFO queues.

Route choice follows Flee's form (Suleimenova et al. 2017): a man of region ``r`` and route class
``k`` (passport × can afford to fly) picks crossing ``c`` with probability proportional to

    reach_k(c, t) · value_c(t) · capacity_c^γ · exp(−wait_c(t) / wait_tolerance) / (distance_rc + d0)^α

``reach`` is 0 where he cannot pass (no international passport where one is needed, air travel
he cannot afford, a closed exit or entry, an entry or visa fee above ``means × fee_budget_usd``:
a choice each man makes for himself, so the group's ``access`` does not see fees) and the
visa-holding share (× ``visa_holder_odds``:
leavers are better travelled than men at large) where a visa is needed;
``value`` rises with the destination's asylum prospects; ``wait`` is the queue in days of
capacity; ``capacity^γ`` makes a major crossing better known than a minor one (γ =
``route_capacity_exponent``, an assumption). The same table, summed over crossings and divided by the all-open sum, is the
``access`` term of the decision hazard.

A man reaches his crossing after the world's door-to-crossing travel time (road distance ÷ the
mode's speed). A trip to a land crossing takes at most ``domestic_flight_days``: a man whose road
trip would take longer (Siberia and the Far East to the Volga, Urals and Caucasus crossings: 8–11
days at 600 km/day) flies to an airport near the crossing and drives the rest; 0 switches this off.

A crossing passes at most ``capacity_per_day − background_per_day`` leavers a day (ordinary
travellers use the rest), first come first served. Men wait
up to a patience drawn per man (exponential, mean ``patience_days``), then switch crossing
(probability ``switch_probability``) or go home. A man who gives up has just seen what queues
cost: he switches only to a crossing whose wait today (queue ÷ capacity) is within a fresh draw of
his patience, and goes home if there is none; at home he needs ``retry_resistance`` times a fresh
resistance before he sets out again (decision). So a queue does not re-fill itself from the men
it turned away. At the head of the queue: an exit closure turns
everyone back; an exit ban or a draft office detains summoned men with a probability; the
destination's entry regime admits, asks for a visa, or turns back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit

from exitwave.capacity import DailyCapacity
from exitwave.households import draw_ids, first_of_household, rest_of_household, shared_route_rows
from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.population import largest_remainder
from exitwave.random import Stream, exponential, uniform
from exitwave.state import Calendar, FifoQueues, State
from exitwave.vocabulary import (
    AIR,
    CLASS_CAN_FLY,
    CLASS_HAS_PASSPORT,
    CLOSED,
    N_ROUTE_CLASSES,
    ROAD,
    VISA,
    Status,
)

if TYPE_CHECKING:
    from exitwave.results import Tally

__all__ = ["Movement", "route_table", "leaver_capacity", "travel_days"]

_POS_BITS = 40  # queue positions below 2**40 (men who ever joined one crossing's queue)
_POS_MASK = (1 << _POS_BITS) - 1


def leaver_capacity(state: State, day: int) -> np.ndarray:
    """People a day each crossing passes for leavers on ``day``: the scheduled capacity less
    ordinary traffic (dated changes from the world's ``capacity.csv``), land crossings scaled by
    ``land_capacity_factor`` (their capacities were derived from reported peaks: a prior around
    them, calibrated on the window, not a copy of a target)."""
    w = state.world
    factor = np.where(w.crossing_mode == AIR, 1.0, state.scenario.behaviour.land_capacity_factor)
    return np.asarray(state.schedule.exit_capacity[day], dtype=np.float64) * factor


def travel_days(state: State) -> np.ndarray:
    """Whole days from each region to each crossing [region, crossing]: the world's travel times
    (road distance ÷ speed of the crossing's mode), those to land crossings capped at
    ``domestic_flight_days`` (a longer trip is flown to an airport near the crossing and driven
    the rest; 0: by road all the way)."""
    w = state.world
    days = w.region_crossing_days.astype(np.int64)
    cap = state.scenario.behaviour.domestic_flight_days
    if cap > 0:
        land = w.crossing_mode != AIR
        days[:, land] = np.minimum(days[:, land], max(1, int(np.ceil(cap))))
    return days


def _opportunity(km: np.ndarray, capacity: np.ndarray, distance_exponent: float,
                 capacity_exponent: float) -> np.ndarray:
    """Attraction of each crossing from each region: km^-a × (capacity/1000)^b.

    Only ratios within a region's row matter (the route draw and ``access`` divide by the row's
    sum). With extreme exponents the plain product under- or overflows (every route 0 or inf,
    then NaN access); such rows are computed in logs and scaled so their largest entry is 1.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # such rows are redone below
        distance = np.power(km, -distance_exponent)
        prominence = np.power(np.maximum(capacity, 0.0) / 1000.0, capacity_exponent)
        opportunity = distance * prominence[None, :]
    total = opportunity.sum(axis=1)
    bad = ~(np.isfinite(total) & (total > 0))
    if bad.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            log_cap = np.where(capacity > 0, np.log(np.maximum(capacity, 0.0) / 1000.0), -np.inf)
            log_prominence = np.where(capacity > 0, capacity_exponent * log_cap,
                                      0.0 if capacity_exponent == 0 else -np.inf)
            logs = -distance_exponent * np.log(km[bad]) + log_prominence[None, :]
            top = logs.max(axis=1, keepdims=True)
            rows = np.where(np.isfinite(top), np.exp(logs - np.where(np.isfinite(top), top, 0.0)), 0.0)
        opportunity[bad] = np.nan_to_num(rows, nan=0.0)
    return opportunity


def route_table(state: State, day: int, queue_people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(weight[region, class, crossing], access[region, class]) for ``day``, given the people
    queueing at each crossing."""
    w, b, s = state.world, state.scenario.behaviour, state.schedule
    capacity = leaver_capacity(state, day)  # people/day
    passport, fly = CLASS_HAS_PASSPORT, CLASS_CAN_FLY
    dest = w.crossing_country.astype(np.int64)
    needs_passport = w.crossing_passport_required | ~w.country_internal_passport_ok[dest]
    is_air = w.crossing_mode == AIR
    reach = np.ones((N_ROUTE_CLASSES, w.n_crossings))
    reach[~passport[:, None] & needs_passport[None, :]] = 0.0
    reach[~fly[:, None] & is_air[None, :]] = 0.0
    entry = s.entry[day, dest]
    reach[:, entry == CLOSED] = 0.0
    visa = entry == VISA
    reach[:, visa] *= np.minimum(1.0, w.country_visa_share[dest[visa]] * b.visa_holder_odds)[None, :]
    reach[:, s.exit_closed[day]] = 0.0
    # A holding point (an embassy) takes men in while it passes nobody; they wait for release.
    holding = w.crossing_holding
    reach[:, (capacity <= 0) & ~holding] = 0.0
    asylum_open = s.asylum[day, dest] > 0
    value = 1.0 + b.asylum_value * s.recognition[day, dest] * asylum_open
    wait_days = np.where(holding, 0.0, queue_people / np.maximum(capacity, 1.0))
    # How well known a route is: its capacity today (a holding point: its capacity at release).
    known = np.where(holding, s.capacity.max(axis=0), s.capacity[day]) if holding.any() else s.capacity[day]
    opportunity = _opportunity(w.region_crossing_km + b.route_distance_offset_km, known,
                               b.route_distance_exponent, b.route_capacity_exponent)
    weight = (reach * value * np.exp(-wait_days / b.wait_tolerance_days))[None, :, :] * opportunity[:, None, :]
    total = opportunity.sum(axis=1)[:, None]
    # a region no crossing attracts at all (every crossing without capacity) has no access
    access = np.divide(weight.sum(axis=2), total, out=np.zeros(weight.shape[:2]), where=total > 0)
    return weight, access


@njit(cache=True)
def _joins(queued: float, per_day: float, patience: np.ndarray) -> np.ndarray:
    """In arrival order: True for a man who joins (the wait ahead of him, queue ÷ capacity, is
    within his patience); the queue grows with each man who joins."""
    out = np.zeros(patience.size, np.bool_)
    for i in range(patience.size):
        if per_day > 0.0 and queued / per_day <= patience[i]:
            out[i] = True
            queued += 1.0
    return out


def _choose(weight_rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw; -1 where a row has no positive weight."""
    cumulative = np.cumsum(weight_rows, axis=1)
    total = cumulative[:, -1]
    pick = (cumulative < (u * total)[:, None]).sum(axis=1)
    pick = np.minimum(pick, weight_rows.shape[1] - 1)
    pick[total <= 0] = -1
    return pick


class Movement(Module):
    name = "movement"
    reads = ("leaving", "depart_day", "summoned_day")
    writes = ("crossing", "country", "queues", "access", "crossed", "crossed_today", "departed_by_region",
              "newly_abroad", "entering_country", "turned_home")
    updates = ("hiding",)  # a summoned man turned back goes into hiding
    outputs = (
        Output("departed", "departed (crossed out)", "people", series=True, series_label="departed (cumulative)",
               description="men who crossed out, cumulative (a man who left twice counts twice)"),
        Output("departed_daily", "departures per day", "people/day", kind="series"),
        Output("by_crossing", "crossed at {key}", "people", family=True),
        Output("crossed", "crossed at {key} per day", "people/day", kind="series", family=True),
        Output("by_region", "departed from {key}", "people", family=True, description="by home region"),
        Output("departed_from", "departed from {key}, cumulative", "people", kind="series", family=True),
        Output("peak_queue", "peak queue at {key}", "people", family=True, good="lower"),
        Output("queue_length", "queue at {key}", "people", kind="series", family=True, good="lower"),
        Output("peak_queue_vehicles", "peak queue at {key} (vehicles)", "vehicles", family=True, good="lower",
               description="road crossings: people ÷ people per vehicle"),
        Output("access", "route access (0 = all closed, 1 = as open as at the start)", "share 0–1",
               kind="series", scaling="none", description="population-weighted route opportunity"),
        Output("turned_back", "turned back at the border", "people",
               description="by the destination's entry regime or by an exit closure"),
        Output("detained_at_border", "summoned men detained at the border", "people", kind="counter"),
        Output("no_route", "decided to leave but had no route", "people", kind="counter", summary=False),
        Output("gave_up", "gave up waiting and went home", "people", kind="counter",
               description="counted at each attempt: a man who decides again, sets out and gives up "
                           "again counts again (a count of abandoned trips, not of distinct men)"),
        Output("balked", "saw a queue longer than he would wait and did not join it", "people", kind="counter",
               summary=False, description="then switched crossing or went home"),
        Output("switched_crossing", "switched to another crossing", "people", kind="counter", summary=False),
        Output("turned_back_entry", "turned back by the destination", "people", kind="counter", summary=False),
        Output("turned_back_exit_closed", "turned back by an exit closure", "people", kind="counter",
               summary=False),
    )

    def init(self, state: State) -> None:
        w = state.world
        state.crossing = np.full(state.n, -1, np.int16)
        state.country = np.full(state.n, -1, np.int16)
        state.queues = FifoQueues(w.n_crossings)
        state.newly_abroad, state.entering_country, state.turned_home = [], [], []
        # When each queued man's patience runs out: (crossing << _POS_BITS | queue position)
        self.patience = Calendar()
        self.arrivals = Calendar()  # men due at a crossing
        self.queue_people = np.zeros(w.n_crossings)
        state.crossed = np.zeros(w.n_crossings)
        state.crossed_today = np.zeros(w.n_crossings)
        state.departed_by_region = np.zeros(w.n_regions)
        self.capacity = DailyCapacity(w.n_crossings)
        self.capacity_today = leaver_capacity(state, 0)
        self.travel_days = travel_days(state)
        self.route_class = state.route_class
        self.route_weight, state.access = route_table(state, 0, self.queue_people)

    def summarize(self, state: State, tally: Tally) -> dict[str, Any]:
        w, recorder = state.world, tally.recorder
        crossed_total = state.crossed.sum()
        departed = tally.people(crossed_total)
        by_crossing = (largest_remainder(departed, state.crossed) if crossed_total
                       else np.zeros(w.n_crossings, np.int64))
        peak = recorder.queue.max(axis=0) if state.n_days else np.zeros(w.n_crossings)
        road = w.crossing_mode == ROAD
        return {
            "departed": departed,
            "by_crossing": {cid: int(by_crossing[c]) for c, cid in enumerate(w.crossing_ids) if state.crossed[c] > 0},
            "by_region": {rid: tally.people(state.departed_by_region[r]) for r, rid in enumerate(w.region_ids)
                          if state.departed_by_region[r] > 0},
            "peak_queue": {cid: tally.people(peak[c]) for c, cid in enumerate(w.crossing_ids) if peak[c] > 0},
            "peak_queue_vehicles": {cid: int(round(peak[c] * tally.scale / state.scenario.behaviour.people_per_vehicle))
                                    for c, cid in enumerate(w.crossing_ids) if road[c] and peak[c] > 0},
            **tally.counters(self.outputs),
            "turned_back": tally.counter("turned_back_entry") + tally.counter("turned_back_exit_closed"),
        }

    # -- helpers ---------------------------------------------------------------------------
    def _send(self, state: State, agents: np.ndarray, day: int, stream_day: int,
              exclude: np.ndarray | None = None, max_wait_days: np.ndarray | None = None) -> np.ndarray:
        """Pick a crossing for each man and schedule his arrival; returns men with no route.
        ``max_wait_days``: per man, the longest wait (days of capacity, today's queues) he accepts."""
        if not agents.size:
            return agents
        region = state.pop.region[agents]
        rows = self.route_weight[region, self.route_class[agents]].copy()
        if max_wait_days is not None:
            rows *= self._wait_days(state)[None, :] <= max_wait_days[:, None]
        fee = state.schedule.visa_fee[min(day, state.n_days - 1), state.world.crossing_country]
        if fee.any():  # a crossing into a country whose fee he cannot pay is no option for him
            budget = state.pop.means[agents].astype(np.float64) * state.scenario.behaviour.fee_budget_usd
            rows *= fee[None, :] <= budget[:, None]
        if exclude is not None:
            rows[np.arange(agents.size), exclude] = 0.0
        rows = shared_route_rows(state.pop, agents, rows)  # a household takes one route
        pick = _choose(rows, uniform(state.seed, Stream.ROUTE, stream_day, draw_ids(state.pop, agents)))
        stuck = pick < 0
        go, pick = agents[~stuck], pick[~stuck]
        state.crossing[go] = pick
        arrive = day + self.travel_days[state.pop.region[go], pick]
        state.due_day[go] = arrive
        self.arrivals.add_many(arrive, go)
        return agents[stuck]

    def _wait_days(self, state: State) -> np.ndarray:
        """Days of waiting at each crossing's queue now (a holding point: none, men wait for release)."""
        per_day = np.maximum(self.capacity_today, 0.0) / state.pop.scale  # agents/day
        wait = np.divide(state.queues.sizes, per_day, out=np.full(per_day.size, np.inf), where=per_day > 0)
        return np.where(state.world.crossing_holding, 0.0, wait)

    def _go_home(self, state: State, agents: np.ndarray, counter: str) -> None:
        """Back home: summoned men go into hiding, the others may decide again."""
        if not agents.size:
            return
        state.crossing[agents] = -1
        summoned = state.summoned_day[agents] >= 0
        state.transition(agents[summoned], Status.HIDING)
        state.hiding = np.concatenate([state.hiding, agents[summoned]])
        state.transition(agents[~summoned], Status.AT_HOME)
        state.turned_home.append(agents[~summoned])
        state.count(counter, float(agents.size))

    def _give_up(self, state: State, quitters: np.ndarray, day: int, stream_day: int,
                 counter: str | None = None) -> None:
        """Men who will not wait here: they switch crossing (``switch_probability``) to one whose
        wait today is within a fresh draw of their patience, or go home (none, or no switch)."""
        if not quitters.size:
            return
        b = state.scenario.behaviour
        if counter:
            state.count(counter, float(quitters.size))
        switch = uniform(state.seed, Stream.SWITCH, stream_day, draw_ids(state.pop, quitters)) < b.switch_probability
        movers = quitters[switch]
        state.transition(movers, Status.TRAVELLING)
        patience = (exponential(state.seed, Stream.PATIENCE, stream_day + 600_000, draw_ids(state.pop, movers))
                    * b.patience_days)
        stuck = self._send(state, movers, day, stream_day + 200_000, exclude=state.crossing[movers].astype(np.int64),
                           max_wait_days=patience)
        state.count("switched_crossing", float(movers.size - stuck.size))
        self._go_home(state, stuck, "gave_up")
        self._go_home(state, quitters[~switch], "gave_up")

    # -- the day ---------------------------------------------------------------------------
    def step(self, state: State, day: int) -> None:
        w, _s, b = state.world, state.schedule, state.scenario.behaviour
        leaving = state.take(state.leaving)
        self._go_home(state, self._send(state, leaving, day, day), "no_route")
        self.capacity_today = leaver_capacity(state, day)  # people/day for leavers, today's schedule

        arriving = self.arrivals.pop(day)
        arriving = arriving[(state.status[arriving] == Status.TRAVELLING) & (state.due_day[arriving] == day)]
        if arriving.size:
            state.transition(arriving, Status.QUEUED)
            # a household draws alike: it stands together in the queue and waits as long
            order = np.argsort(uniform(state.seed, Stream.QUEUE_ORDER, day, draw_ids(state.pop, arriving)),
                               kind="stable")
            arriving = arriving[order]
            patience = exponential(state.seed, Stream.PATIENCE, day, draw_ids(state.pop, arriving)) * b.patience_days
            where = state.crossing[arriving]
            if w.crossing_holding.any():  # at a holding point men wait for the release date
                patience[w.crossing_holding[where]] = state.n_days + 1
            state.due_day[arriving] = day + np.ceil(patience).astype(np.int64)
            by_crossing = np.argsort(where, kind="stable")
            arriving, where, patience = arriving[by_crossing], where[by_crossing], patience[by_crossing]
            cuts = np.searchsorted(where, np.arange(w.n_crossings + 1))
            tags: list[np.ndarray] = []
            joined: list[np.ndarray] = []
            balked: list[np.ndarray] = []
            for c in range(w.n_crossings):
                if cuts[c + 1] > cuts[c]:
                    men = arriving[cuts[c]:cuts[c + 1]]
                    # A man who sees a queue longer than he would wait does not join it (he balks):
                    # the queue a crossing can hold is its capacity times its arrivals' patience.
                    per_day = max(self.capacity_today[c], 0.0) / state.pop.scale
                    if w.crossing_holding[c]:  # a holding point admits all: its occupants wait for release
                        joins = np.ones(men.size, np.bool_)
                    else:
                        joins = _joins(float(state.queues.sizes[c]), per_day, patience[cuts[c]:cuts[c + 1]])
                        joins = first_of_household(state.pop, men, joins)
                    balked.append(men[~joins])
                    men = men[joins]
                    if men.size:
                        positions = state.queues.push(c, men)
                        tags.append((c << _POS_BITS) | positions)
                        joined.append(men)
            if tags:
                self.patience.add_many(state.due_day[np.concatenate(joined)], np.concatenate(tags))
            self._give_up(state, State.take(balked), day, stream_day=day + 400_000, counter="balked")

        # Men whose patience runs out today, by crossing and in queue order (some have left).
        tired = np.sort(self.patience.pop(day))
        tired_cuts = np.searchsorted(tired >> _POS_BITS, np.arange(w.n_crossings + 1))
        state.crossed_today = np.zeros(w.n_crossings)
        for c in range(w.n_crossings):
            if state.queues.sizes[c]:
                self._serve(state, c, day, tired[tired_cuts[c]:tired_cuts[c + 1]] & _POS_MASK)
        self.queue_people[:] = state.queues.sizes * state.pop.scale
        self.route_weight, state.access = route_table(state, min(day + 1, state.n_days - 1), self.queue_people)

    def _serve(self, state: State, c: int, day: int, tired: np.ndarray) -> None:
        """Serve crossing ``c``; ``tired``: queue positions of the men whose patience runs out
        today (increasing; those already served or gone are skipped)."""
        w, s, b = state.world, state.schedule, state.scenario.behaviour
        if s.exit_closed[day, c] and not w.crossing_holding[c]:  # a holding point keeps its occupants till release
            self._go_home(state, state.queues.clear(c), "turned_back_exit_closed")
            return
        n_served = self.capacity.take(c, float(self.capacity_today[c]), state.pop.scale,
                                      int(state.queues.sizes[c]))
        served = state.queues.pop(c, n_served)
        together = rest_of_household(state, served, c)  # a household is served whole, on credit
        if together:
            served = np.concatenate([served, state.queues.pop(c, together)])
            self.capacity.carry[c] -= together

        # Patience: those still waiting past their limit switch crossing or go home.
        quitters = state.queues.remove(c, tired) if tired.size else tired
        self._give_up(state, quitters, day, stream_day=day)
        if not served.size:
            return

        # At the head of the queue: the sending state's checks, then the destination's.
        summoned = (state.summoned_day[served] >= 0) & (state.status[served] == Status.QUEUED)
        detain_p = 1.0 - (1.0 - s.exit_ban[day]) * (1.0 - s.draft_office[day, c])
        detained = summoned & (uniform(state.seed, Stream.DRAFT_OFFICE, day, served) < detain_p)
        if detained.any():
            state.transition(served[detained], Status.MOBILIZED)
            state.crossing[served[detained]] = -1
            state.count("detained_at_border", float(detained.sum()))
        served = served[~detained]
        country = int(w.crossing_country[c])
        regime = s.entry[day, country]
        if regime == CLOSED:
            admitted = np.zeros(served.size, bool)
        elif regime == VISA:
            # Those who chose this crossing under a visa regime hold a visa; others may not.
            chose_under_visa = s.entry[np.clip(state.depart_day[served], 0, None), country] == VISA
            has_visa = (uniform(state.seed, Stream.VISA, country, draw_ids(state.pop, served))
                        < min(1.0, w.country_visa_share[country] * b.visa_holder_odds))
            admitted = chose_under_visa | has_visa
        else:
            admitted = np.ones(served.size, bool)
        self._go_home(state, served[~admitted], "turned_back_entry")
        crossed = served[admitted]
        if crossed.size:
            state.crossed[c] += crossed.size
            state.crossed_today[c] += crossed.size
            np.add.at(state.departed_by_region, state.pop.region[crossed], 1.0)
            state.crossing[crossed] = -1
            state.country[crossed] = country
            state.transition(crossed, Status.TRAVELLING)  # reception places them today
            state.entering_country.append(crossed)
            state.newly_abroad.append(crossed)
