"""Reception abroad: transit screening, relocation, asylum, onward moves and returns home.

On entering a country a man is placed by that country's policy of the day:

* ``transit_only`` (e.g. the Baltic states under a coalition proposal): he waits for security
  screening (``screening_capacity_per_day``, first come first served). A hostile agent is
  caught with ``detection_probability`` and sent back; everyone else is relocated to a
  coalition member drawn by the relocation key (EU 2015: population 40 %, GDP 40 %,
  unemployment 10 %, past effort 10 %).
* asylum ``grant`` or ``case_by_case``: he applies (always under ``grant``; with
  ``asylum_application_share`` otherwise) and is decided after ``asylum_processing_days``:
  protected with the recognition rate, otherwise he stays without protection.
* otherwise he stays on whatever entry terms he came in on.

Onward moves: a man who crosses from home into a country with rows in ``onward.csv`` is passing
through with probability ``transit_share`` (Finland's 80 % transiting onward; calibrated on the
window's Kazakh and Georgian exits), otherwise he came to stay. Men passing through and without
protection move on at ``onward_rate`` to a destination drawn by the rows' shares (normalised:
they say *where* men go, not *whether*); a man moves on at most once — the country he moves to
is his destination. Everyone may go home (``return_rate``, per day); protected men at
``protected_return_factor`` times that rate. Returns answer the end of the call-up: once every
decree has ended (a wave's date + ``summons_days``: 28 Oct 2022 in the bundled data) the return
rate is ``return_after_callup_factor`` times higher, and every man abroad redraws his next move
that day. Next moves are drawn from competing exponential clocks, so a day costs only the men
whose event falls on it.

Host countries' stay rules (countries.csv ``stay_limit_days``, ``visa_runs``, ``visa_runs_until``;
switch: ``behaviour.stay_limits``): a man without protection may stay ``stay_limit_days`` on one
entry (Kazakhstan 90, Georgia 365 for Russians in 2022). When his stay runs out — a third clock
beside moving on and going home, fixed at his day of entry + the limit — he holds a residence
permit with ``residence_permit_share`` (and stays, no longer bound); otherwise, where a brief exit
restarts the count (a visa run; Kazakhstan until 26 Jan 2023), he makes one and stays another
term; otherwise he must leave: home with ``stay_limit_return_share``, else onward by the country's
``onward.csv`` rows (home where it has none or the destination's entry is closed).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.arrays import unique
from exitwave.capacity import DailyCapacity
from exitwave.households import draw_ids
from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.random import Stream, exponential, uniform
from exitwave.state import Calendar, FifoQueues, State
from exitwave.vocabulary import CLOSED, REFUSE, Status

if TYPE_CHECKING:
    from exitwave.results import Tally

__all__ = ["Reception"]

_ONWARD, _RETURN, _STAY_ENDS = 1, 2, 3


class Reception(Module):
    name = "reception"
    reads = ("entering_country",)
    writes = ("screening_queues", "stock", "relocated")
    updates = ("country",)  # relocation and onward moves change the country a man is in
    outputs = (
        Output("by_destination", "in {key} at end", "people", family=True,
               description="men abroad on the last day, by the country they are in"),
        Output("abroad", "in {key}", "people", kind="series", family=True),
        Output("screening_queue", "waiting for screening in {key}", "people", kind="series", family=True,
               good="lower"),
        Output("relocated", "relocated to {key}", "people", family=True,
               description="cleared in a transit state and relocated by the coalition's key"),
        Output("protected", "granted protection (at end)", "people", good="higher",
               description="men with asylum or another protection status on the last day"),
        Output("asylum_applications", "asylum applications", "people", kind="counter"),
        Output("recognised", "asylum granted", "people", kind="counter", summary=False, good="higher"),
        Output("refused", "asylum refused", "people", kind="counter", summary=False),
        Output("moved_on", "moved on to another country", "people", kind="counter", summary=False),
        Output("stay_limit_exits", "left at the end of an allowed stay", "people", kind="counter",
               description="men without protection or residence permit whose allowed stay in a host "
                           "country ran out and who could not restart it with a visa run: home or onward"),
        Output("visa_runs", "visa runs", "people", kind="counter",
               description="brief exits that restarted an allowed stay (each counted once per run)"),
        Output("residence_permits", "residence permits at a stay limit", "people", kind="counter",
               description="men who held a residence permit when their allowed stay ran out and stayed on"),
        Output("returned", "returned home", "people", kind="counter"),
        Output("hostile_admitted", "infiltrators admitted", "people", kind="counter", good="lower",
               description="hostile agents (infiltrators) admitted to an EU or NATO country"),
        Output("hostile_detected", "infiltrators caught in screening", "people", kind="counter", good="higher"),
    )

    def init(self, state: State) -> None:
        w = state.world
        self.country_arrivals = Calendar()  # men due in a country (relocated or moving on)
        self.abroad_events = Calendar()  # asylum decisions, onward moves, returns
        state.screening_queues = FifoQueues(w.n_countries)
        state.stock = np.zeros(w.n_countries)
        state.relocated = np.zeros(w.n_countries)
        self.screening = DailyCapacity(w.n_countries)
        self.onward_total = w.onward_share.sum(axis=1)
        # where men go from each transit country: the rows' shares normalised (whether they move
        # on at all is transit_share, one behavioural parameter, not a per-country settle share)
        self.onward_cdf = np.cumsum(np.divide(w.onward_share, self.onward_total[:, None],
                                              out=np.zeros_like(w.onward_share),
                                              where=self.onward_total[:, None] > 0), axis=1)
        self.event_kind = np.zeros(state.n, dtype=np.uint8)
        self.settled = np.zeros(state.n, dtype=bool)  # came to stay (or arrived onward): no onward moves
        eu_or_nato = w.country_eu | w.country_nato
        self.guarded = eu_or_nato
        # a hostile agent is admitted once: relocation or an onward move between guarded
        # countries after he was cleared is not a second admission
        self.admitted = np.zeros(state.n, dtype=bool)
        # host countries' stay rules: the allowed stay per country (days; inf = no limit) and the
        # last day a visa run restarts it (-1: never); per man the day his stay began and whether
        # he holds a residence permit (allocated only where some country limits stays)
        limit = w.country_stay_limit_days if w.country_stay_limit_days.size else np.zeros(w.n_countries)
        self.stay_limit = np.where(limit > 0, limit, np.inf)
        if state.scenario.behaviour.stay_limits == "none":
            self.stay_limit[:] = np.inf
        self.limits_on = bool(np.isfinite(self.stay_limit).any())
        runs = w.country_visa_runs if w.country_visa_runs.size else np.ones(w.n_countries, bool)
        until: list[dt.date | None] = w.country_visa_runs_until or [None] * w.n_countries
        self.visa_run_last_day = np.array([-1 if not ran else state.n_days if last is None else state.scenario.time.day_of(last)
                                           for ran, last in zip(runs, until, strict=True)], dtype=np.int64)
        size = state.n if self.limits_on else 0
        # day of entry (or of the last visa run); two bytes a man while the run's days fit
        self.stay_since = np.zeros(size, dtype=np.int16 if state.n_days < 2**15 else np.int32)
        self.resident = np.zeros(size, dtype=bool)

    def summarize(self, state: State, tally: Tally) -> dict[str, Any]:
        w = state.world
        return {
            "by_destination": {iso: tally.people(state.stock[k]) for k, iso in enumerate(w.country_ids)
                               if state.stock[k] > 0},
            "protected": int(tally.final[Status.PROTECTED]),
            "relocated": {iso: tally.people(state.relocated[k]) for k, iso in enumerate(w.country_ids)
                          if state.relocated[k] > 0},
            **tally.counters(self.outputs),
        }

    def step(self, state: State, day: int) -> None:
        if state.schedule.callup_over[day] and (day == 0 or not state.schedule.callup_over[day - 1]):
            self._callup_ended(state, day)
        entering = state.take(state.entering_country)
        if entering.size:  # from home: passing through, or come to stay
            passing = (uniform(state.seed, Stream.ONWARD_CHOICE, day + 500_000, draw_ids(state.pop, entering))
                       < state.scenario.behaviour.transit_share)  # a household passes through together
            self.settled[entering] = ~passing
        relocated_or_onward = self.country_arrivals.pop(day)
        relocated_or_onward = relocated_or_onward[
            (state.status[relocated_or_onward] == Status.TRAVELLING)
            & (state.due_day[relocated_or_onward] == day)]
        self.settled[relocated_or_onward] = True  # at his destination
        self._arrive(state, np.concatenate([entering, relocated_or_onward]), day)
        self._screen(state, day)
        self._abroad_events(state, day)

    def _callup_ended(self, state: State, day: int) -> None:
        """The call-up is over: every man abroad redraws his next move at the new return rate
        (the clocks are memoryless, so a redraw is exact; the events drawn before are dropped
        because their ``due_day`` no longer matches)."""
        abroad = np.flatnonzero(state.status == Status.ABROAD)
        protected = np.flatnonzero(state.status == Status.PROTECTED)
        self._stay(state, abroad, day, protected=False)
        self._stay(state, protected, day, protected=True)

    # -- arrivals ---------------------------------------------------------------------------
    def _arrive(self, state: State, agents: np.ndarray, day: int) -> None:
        if not agents.size:
            return
        s, b = state.schedule, state.scenario.behaviour
        country = state.country[agents].astype(np.int64)
        np.add.at(state.stock, country, 1.0)
        if self.limits_on:
            self.stay_since[agents] = day
        transit = s.transit_only[day, country]
        screened = agents[transit]
        if screened.size:
            state.transition(screened, Status.SCREENING)
            where = country[transit]
            for k in unique(where):
                state.screening_queues.push(k, screened[where == k])
        rest, rest_country = agents[~transit], country[~transit]
        self._admit_hostile(state, rest[self.guarded[rest_country]])
        policy = s.asylum[day, rest_country]
        applies = policy > REFUSE
        case_by_case = policy == 1
        if case_by_case.any():
            u = uniform(state.seed, Stream.APPLY, day, draw_ids(state.pop, rest))
            applies &= ~case_by_case | (u < b.asylum_application_share)
        applicants = rest[applies]
        if applicants.size:
            state.transition(applicants, Status.ASYLUM_PENDING)
            due = day + int(np.ceil(b.asylum_processing_days))
            state.due_day[applicants] = due
            self.event_kind[applicants] = 0
            self.abroad_events.add(due, applicants)
            state.count("asylum_applications", float(applicants.size))
        self._stay(state, rest[~applies], day, protected=False)

    def _admit_hostile(self, state: State, agents: np.ndarray) -> None:
        """Count the hostile agents among ``agents`` (men entering a guarded country) who were
        not admitted before."""
        new = agents[state.pop.hostile[agents] & ~self.admitted[agents]]
        self.admitted[new] = True
        state.count("hostile_admitted", float(new.size))

    def _stay(self, state: State, agents: np.ndarray, day: int, protected: bool) -> None:
        """Status ABROAD or PROTECTED, with the next move drawn from competing clocks."""
        if not agents.size:
            return
        b = state.scenario.behaviour
        state.transition(agents, Status.PROTECTED if protected else Status.ABROAD)
        country = state.country[agents].astype(np.int64)
        onward_rate = 0.0 if protected else b.onward_rate
        return_rate = b.return_rate * (b.protected_return_factor if protected else 1.0)
        if state.schedule.callup_over[day]:  # no more summonses at home: a reason to go back
            return_rate *= b.return_after_callup_factor
        t_onward = np.full(agents.size, np.inf)
        ids = draw_ids(state.pop, agents)  # a household moves on or goes home together
        movers = (self.onward_total[country] > 0) & ~self.settled[agents]
        if onward_rate > 0 and movers.any():
            t_onward[movers] = exponential(state.seed, Stream.ABROAD_EVENT, day, ids[movers]) / onward_rate
        t_return = (exponential(state.seed, Stream.ABROAD_EVENT, day + 300_000, ids) / return_rate
                    if return_rate > 0 else np.full(agents.size, np.inf))
        # the allowed stay runs out on a fixed day: entry (or last visa run) + the country's limit
        t_limit = np.full(agents.size, np.inf)
        if self.limits_on and not protected:
            bound = ~self.resident[agents]
            ends = self.stay_since[agents].astype(np.float64) + self.stay_limit[country]
            t_limit[bound] = np.maximum(ends[bound] - day - 1, 0.0)
        first = np.minimum(np.minimum(t_onward, t_return), t_limit)
        due = day + 1 + np.floor(first)
        scheduled = due < state.n_days
        self.event_kind[agents] = np.where(t_limit <= first, _STAY_ENDS,
                                           np.where(t_onward < t_return, _ONWARD, _RETURN))
        state.due_day[agents] = np.where(scheduled, due, -1).astype(np.int64)
        self.abroad_events.add_many(due[scheduled].astype(np.int64), agents[scheduled])

    # -- screening in transit countries ------------------------------------------------------
    def _screen(self, state: State, day: int) -> None:
        s, w = state.schedule, state.world
        for k in range(w.n_countries):
            waiting = int(state.screening_queues.sizes[k])
            if not waiting:
                continue
            n = self.screening.take(k, s.screening_capacity[day, k], state.pop.scale, waiting)
            done = state.screening_queues.pop(k, n)
            if not done.size:
                continue
            hostile = state.pop.hostile[done]
            caught = hostile & (uniform(state.seed, Stream.SCREENING, day, done) < s.detection[day, k])
            state.count("hostile_detected", float(caught.sum()))
            self._admit_hostile(state, done[hostile & ~caught])
            self._leave_country(state, done[caught], k)
            self._return_home(state, done[caught])
            cleared = done[~caught]
            key = s.relocation[day, k]
            if key.sum() <= 0:  # no coalition to relocate to: they stay, unprotected
                self._stay(state, cleared, day, protected=False)
                continue
            u = uniform(state.seed, Stream.RELOCATION, day, draw_ids(state.pop, cleared))
            target = np.minimum(np.searchsorted(np.cumsum(key) / key.sum(), u, side="right"), key.size - 1)
            np.add.at(state.relocated, target, 1.0)
            self._travel(state, cleared, k, target, day)

    # -- asylum decisions, onward moves and returns (all scheduled abroad events) -----------
    def _abroad_events(self, state: State, day: int) -> None:
        due = self.abroad_events.pop(day)
        # unique: a man redrawn when the call-up ended may have had his old event on the same day
        due = unique(due[state.due_day[due] == day])
        if not due.size:
            return
        s = state.schedule
        # Split before acting: a man decided today gets his next event drawn, not run now.
        settled = due[np.isin(state.status[due], (Status.ABROAD, Status.PROTECTED))]
        pending = due[state.status[due] == Status.ASYLUM_PENDING]
        if pending.size:
            country = state.country[pending].astype(np.int64)
            granted = uniform(state.seed, Stream.ASYLUM, day, draw_ids(state.pop, pending)) < s.recognition[day, country]
            state.count("recognised", float(granted.sum()))
            state.count("refused", float((~granted).sum()))
            self._stay(state, pending[granted], day, protected=True)
            self._stay(state, pending[~granted], day, protected=False)
        if not settled.size:
            return
        kind = self.event_kind[settled]
        self._leave_country(state, settled[kind == _RETURN], None)
        self._return_home(state, settled[kind == _RETURN])
        movers = settled[kind == _ONWARD]
        if movers.size:
            # Moving on from a transit country to a destination drawn by onward.csv's shares.
            target, open_entry = self._onward_target(state, movers, day)
            self._stay(state, movers[~open_entry], day, protected=False)
            self._move_on(state, movers[open_entry], target[open_entry], day)
        self._stay_ends(state, settled[kind == _STAY_ENDS], day)

    def _stay_ends(self, state: State, agents: np.ndarray, day: int) -> None:
        """Men whose allowed stay ran out today: a residence permit, a visa run, or leave."""
        if not agents.size:
            return
        b = state.scenario.behaviour
        ids = draw_ids(state.pop, agents)  # a household shares its permit and its way out
        permit = uniform(state.seed, Stream.STAY_LIMIT, day, ids) < b.residence_permit_share
        self.resident[agents[permit]] = True
        state.count("residence_permits", float(permit.sum()))
        self._stay(state, agents[permit], day, protected=False)
        agents, ids = agents[~permit], ids[~permit]
        country = state.country[agents].astype(np.int64)
        runs = day <= self.visa_run_last_day[country]
        self.stay_since[agents[runs]] = day
        state.count("visa_runs", float(runs.sum()))
        self._stay(state, agents[runs], day, protected=False)
        leaving, ids, country = agents[~runs], ids[~runs], country[~runs]
        if not leaving.size:
            return
        state.count("stay_limit_exits", float(leaving.size))
        onward = ((uniform(state.seed, Stream.STAY_LIMIT, day + 300_000, ids) >= b.stay_limit_return_share)
                  & (self.onward_total[country] > 0))
        movers = leaving[onward]
        target, open_entry = self._onward_target(state, movers, day)
        home = np.concatenate([leaving[~onward], movers[~open_entry]])
        self._leave_country(state, home, None)
        self._return_home(state, home)
        self._move_on(state, movers[open_entry], target[open_entry], day)

    def _onward_target(self, state: State, movers: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Each mover's destination drawn by his country's onward.csv shares, and whether its
        entry is open today."""
        origin = state.country[movers].astype(np.int64)
        u = uniform(state.seed, Stream.ONWARD_CHOICE, day, draw_ids(state.pop, movers))
        target = np.minimum((self.onward_cdf[origin] < u[:, None]).sum(axis=1), state.world.n_countries - 1)
        return target, state.schedule.entry[day, target] != CLOSED

    def _move_on(self, state: State, movers: np.ndarray, target: np.ndarray, day: int) -> None:
        if not movers.size:
            return
        origin = state.country[movers].astype(np.int64)
        for k in unique(origin):
            self._travel(state, movers[origin == k], int(k), target[origin == k], day)
        state.count("moved_on", float(movers.size))

    # -- helpers ----------------------------------------------------------------------------
    def _leave_country(self, state: State, agents: np.ndarray, country: int | None) -> None:
        if agents.size:
            where = state.country[agents].astype(np.int64) if country is None else np.full(agents.size, country)
            np.add.at(state.stock, where, -1.0)

    def _travel(self, state: State, agents: np.ndarray, origin: int, target: np.ndarray, day: int) -> None:
        if not agents.size:
            return
        state.transition(agents, Status.TRAVELLING)
        np.add.at(state.stock, np.full(agents.size, origin), -1.0)
        state.country[agents] = target
        arrive = day + state.world.country_country_days[origin, target].astype(np.int64)
        state.due_day[agents] = arrive
        self.country_arrivals.add_many(arrive, agents)

    def _return_home(self, state: State, agents: np.ndarray) -> None:
        if not agents.size:
            return
        state.transition(agents, Status.RETURNED)
        state.country[agents] = -1
        state.count("returned", float(agents.size))
