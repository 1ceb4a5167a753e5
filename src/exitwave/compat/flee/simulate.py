"""The day loop of a Flee case under Flee 3.1's rules (the order of Flee's ``run.py``).

Each day ``t``:

1. **conflicts** — a location whose ``conflicts.csv`` intensity rises above 0 becomes a conflict
   zone (move chance ``conflict_movechance``, conflict date ``t``); one whose intensity falls
   from 1 to 0 becomes a town again.
2. **spawning** — the day's new refugees are the rise of the observed refugee total (Flee's
   ``get_daily_difference`` with its debt rule: a fall is carried as a debt against later rises);
   with ``insert_day0`` each camp starts with its day-0 observation and nobody spawns on day 0.
   Each new refugee starts at a conflict zone drawn with weight population × intensity × decay
   (``conflict_spawn_decay`` per 30 days since the conflict began).
3. **closures** — ``closures.csv`` actions whose start (or end) is ``t`` are applied (undone).
4. **movement** — :func:`exitwave.compat.flee.rules.step_day`.
5. **record** — agents in every camp; conservation: agents at locations plus agents on links
   equal the agents spawned, every day, and a full recount from the agent columns at the end
   (and every ``full_check_every`` days).

Counts are agents; with ``population_fraction`` f, populations and observations are multiplied by
f first (Flee's ``hasten`` is f = 1/hasten), and outputs in people divide by f.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np

from exitwave.compat.flee import rules
from exitwave.compat.flee.metrics import ard
from exitwave.compat.flee.reader import FleeSettings, FleeWorld, Kind, Validation
from exitwave.errors import InputError, RunError
from exitwave.random import stream_key

__all__ = ["FleeRun", "run_case", "FleeStream", "spawn_schedule", "warm_up"]


class FleeStream(IntEnum):
    """Random streams of the flee ruleset (numbered apart from :class:`exitwave.random.Stream`)."""

    SPAWN = 101
    MOVE = 102
    ROUTE = 103
    WALK = 104
    WAKE = 105


@dataclass
class FleeRun:
    """What a run produced: daily camp series (agents) and the ARD."""

    camps: list[str]
    dates: list[dt.date]
    simulated: np.ndarray        # int64 [day, camp], agents in the camp after the day's moves
    observed: np.ndarray         # int64 [day, camp], observations × population_fraction
    total_agents: np.ndarray     # int64 [day], agents in the simulation
    on_links: np.ndarray         # int64 [day], agents travelling
    refugees_raw: np.ndarray     # int64 [day], cumulative observed total × fraction (Flee's refugees_raw)
    seed: int
    population_fraction: float
    ard: float
    ard_rescaled: float
    ard_by_camp: dict[str, float]
    agent_steps: int
    timings: dict[str, float] = field(default_factory=dict)
    conservation_ok: bool = True

    @property
    def agents(self) -> int:
        return int(self.total_agents[-1]) if self.total_agents.size else 0

    def series(self) -> Any:
        """One row per day: ``<camp> sim`` and ``<camp> data`` in people, totals (pandas)."""
        import pandas as pd

        f = self.population_fraction
        columns: dict[str, Any] = {"day": np.arange(len(self.dates))}
        for c, camp in enumerate(self.camps):
            columns[f"{camp} sim"] = np.round(self.simulated[:, c] / f, 3)
            columns[f"{camp} data"] = np.round(self.observed[:, c] / f, 3)
        columns["refugees in camps (simulation)"] = np.round(self.simulated.sum(axis=1) / f, 3)
        columns["refugees in camps (UNHCR)"] = np.round(self.observed.sum(axis=1) / f, 3)
        columns["total refugees (simulation)"] = np.round(self.total_agents / f, 3)
        columns["travelling (simulation)"] = np.round(self.on_links / f, 3)
        columns["raw UNHCR refugee count"] = np.round(self.refugees_raw / f, 3)
        frame = pd.DataFrame(columns, index=pd.Index([d.isoformat() for d in self.dates], name="date"))
        return frame


def decay_factor(decay: list[float] | None, since: np.ndarray) -> np.ndarray:
    """Flee's ``get_conflict_decay``: the multiplier of the 30-day block ``since`` days after the
    conflict began (the last one afterwards; 1 without a decay list)."""
    if not decay:
        return np.ones(since.shape)
    block = np.minimum(np.trunc(since / 30.0).astype(np.int64), len(decay) - 1)
    block = np.maximum(block, 0)  # negative spans truncate toward 0 in Flee: block 0
    return np.asarray(decay, np.float64)[block]


def spawn_schedule(total: np.ndarray, insert_day0: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New refugees per day from the daily observed total (Flee's ``spawn_daily_displaced``):
    the day's rise minus the debt; a fall becomes the debt; the debt is forgiven once a day spawns.
    Returns (new refugees, cumulative raw total, debt), each per day."""
    n = total.size
    new = np.zeros(n, np.int64)
    raw = np.zeros(n, np.int64)
    debt_out = np.zeros(n, np.int64)
    debt = 0
    cumulative = 0
    for t in range(n):
        diff = int(total[0]) if t == 0 else int(total[t]) - int(total[t - 1])
        refs = diff - debt
        cumulative += diff
        if insert_day0 and t == 0:
            refs = 0
        if refs < 0:
            debt = -refs
            refs = 0
        elif debt > 0:
            debt = 0
        new[t] = refs
        raw[t] = cumulative
        debt_out[t] = debt
    return new, raw, debt_out


class _Case:
    """Arrays of one case prepared for the kernels."""

    def __init__(self, world: FleeWorld, settings: FleeSettings, validation: Validation,
                 fraction: float, n_days: int) -> None:
        m = settings.effective_move_rules()
        self.m = m
        self.settings = settings
        self.world = world
        L = world.n_locations
        kind = world.kind
        self.camp = np.isin(kind, [Kind.CAMP, Kind.IDPCAMP])
        self.idp = kind == Kind.IDPCAMP
        self.town = kind == Kind.TOWN
        self.marker = kind == Kind.MARKER
        self.conflict = np.where(kind == Kind.CONFLICT, world.conflict_intensity, -1.0)
        self.time_of_conflict = np.full(L, -1, np.int64)
        mc = np.ones(L)
        mc[kind == Kind.TOWN] = m.default_movechance
        mc[kind == Kind.CONFLICT] = m.conflict_movechance
        mc[kind == Kind.CAMP] = m.camp_movechance
        mc[kind == Kind.IDPCAMP] = m.idpcamp_movechance
        auto = (mc < 0.005) & ~self.camp  # Flee: a location hardly ever left is a camp
        self.camp |= auto
        self.town &= ~auto
        self.movechance = mc
        scaled = np.floor(world.population * fraction).astype(np.int64)
        self.pop = np.where(self.camp, 0, scaled).astype(np.int64)
        self.capacity = np.where(self.camp, scaled * m.capacity_scaling, -1.0).astype(np.float64)
        size = np.maximum(np.where(self.camp, scaled, self.pop), 0).astype(np.float64)
        self.pop_factor = (size / m.movechance_pop_base) ** m.movechance_pop_scale_factor
        # directed links: 2r = name1→name2, 2r+1 = name2→name1
        r = world.n_routes
        self.link_from = np.empty(2 * r, np.int32)
        self.link_to = np.empty(2 * r, np.int32)
        self.link_from[0::2], self.link_to[0::2] = world.route_a, world.route_b
        self.link_from[1::2], self.link_to[1::2] = world.route_b, world.route_a
        self.link_km = np.repeat(world.route_km, 2)
        self.link_speed = np.repeat(world.route_speed, 2)
        self.link_walk = np.repeat(world.route_walk, 2)
        self.link_forced = np.zeros(2 * r, bool)
        self.link_forced[0::2] = world.route_forced == 1
        self.link_forced[1::2] = world.route_forced == 2
        self.link_open = np.ones(2 * r, bool)
        order = np.argsort(self.link_from, kind="stable")
        self.loc_links = order.astype(np.int32)
        self.loc_link_ptr = np.concatenate([[0], np.cumsum(np.bincount(self.link_from, minlength=L))]).astype(np.int64)
        paths = rules.build_paths(L, self.link_from, self.link_to, self.link_km, self.marker, m.awareness_level)
        self.path_ptr, self.path_end, self.path_km = paths["ptr"], paths["end"], paths["km"]
        self.path_link_ptr, self.path_links = paths["link_ptr"], paths["links"]
        self.path_origin, self.end_ptr, self.end_paths = paths["origin"], paths["end_ptr"], paths["end_paths"]
        self.link_path = np.full(2 * r, -1, np.int64)  # the one-link path of each link
        one = np.flatnonzero(np.diff(self.path_link_ptr) == 1)
        self.link_path[self.path_links[self.path_link_ptr[one]]] = one
        self.base = np.zeros(self.path_end.size)
        self.valid = np.zeros(self.path_end.size, bool)
        self.cum = np.zeros(self.path_end.size)
        self.loc_total = np.zeros(L)
        self.loc_valid = np.zeros(L, np.int64)
        self.loc_last = np.zeros(L, np.int64)
        self.loc_hot = np.zeros(L, np.int64)
        self.index = world.index()
        # conflicts.csv, or (without it) the conflict dates of locations.csv
        if world.conflict_names:
            if world.conflicts.shape[0] < n_days:
                raise InputError(str(world.folder / "conflicts.csv"), "day",
                                 f"a row for every simulated day 0 … {n_days - 1}, got {world.conflicts.shape[0]} rows")
            self.conflict_cols = np.array([self.index[n] for n in world.conflict_names], np.int64)
            self.conflict_table = world.conflicts
        else:
            cz = np.flatnonzero(world.file_kind == Kind.CONFLICT)
            self.conflict_cols = cz.astype(np.int64)
            self.conflict_table = np.zeros((n_days, cz.size))
            for j, i in enumerate(cz):
                d = int(world.conflict_date[i])
                if 0 <= d < n_days:
                    self.conflict_table[d:, j] = world.conflict_intensity[i]


def _stream_keys(seed: int, day: int) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    return (np.uint64(stream_key(seed, int(FleeStream.MOVE), day)),
            np.uint64(stream_key(seed, int(FleeStream.ROUTE), day)),
            np.uint64(stream_key(seed, int(FleeStream.WALK), day)),
            np.uint64(stream_key(seed, int(FleeStream.WAKE), day)))



def run_case(world: FleeWorld, settings: FleeSettings, validation: Validation, seed: int = 1,
             population_fraction: float | None = None, n_days: int | None = None,
             full_check_every: int = 0, live_weights: bool = False) -> FleeRun:
    """Run a Flee case under Flee 3.1's rules; same seed ⇒ identical results.

    ``live_weights`` reads every capacity factor at every choice (the reference scan) instead of
    using today's cumulative weights at locations none of whose destinations is inside its capacity
    buffer; the results are identical, only slower (a check of the fast path)."""
    started = time.perf_counter()
    fraction = population_fraction if population_fraction is not None else 1.0 / settings.optimisations.hasten
    if not 0.0 < fraction <= 1.0:
        raise InputError("--population-fraction", "", f"a fraction in (0, 1], got {fraction}")
    if n_days is None:
        n_days = settings.number_of_steps if settings.number_of_steps > 0 else world.n_days
    case = _Case(world, settings, validation, fraction, n_days)
    m, sr = case.m, settings.spawn_rules
    camps = [name for name, is_camp in zip(world.names, case.camp, strict=True) if is_camp]
    for camp in camps:
        if camp not in validation.camps:
            raise InputError(str(validation.folder / "data_layout.csv"), camp,
                             f"a row for camp {camp!r} (Flee needs an observed series for every camp)")
    camp_idx = np.array([case.index[c] for c in camps], np.int64)
    observed = np.stack([validation.daily(c, n_days, fraction) for c in camps], axis=1) if camps \
        else np.zeros((n_days, 0), np.int64)
    total = validation.daily("total", n_days, fraction)
    new, raw, _ = spawn_schedule(total, sr.insert_day0)
    day0 = observed[0].clip(min=0) if sr.insert_day0 else np.zeros(len(camps), np.int64)
    capacity_agents = int(day0.sum() + new.sum())

    # agent columns
    a_loc = np.zeros(capacity_agents, np.int32)
    a_link = np.full(capacity_agents, -1, np.int32)
    a_on_link = np.zeros(capacity_agents)
    a_moved = np.zeros(capacity_agents)
    a_places = np.ones(capacity_agents, np.int32)
    a_recent = np.zeros(capacity_agents)
    a_path = np.full(capacity_agents, -1, np.int32)
    a_hop = np.zeros(capacity_agents, np.int32)
    a_bounce = np.zeros(capacity_agents, bool)
    a_wake = np.full(capacity_agents, -1, np.int32)  # the day an agent next leaves its location
    todo = np.zeros(capacity_agents, np.int32)  # the kernel's scratch list of agents
    L, E = world.n_locations, case.link_from.size
    count = np.zeros(L, np.int64)
    link_count = np.zeros(E, np.int64)
    n = 0
    for c, k in enumerate(day0):  # Flee's add_initial_refugees, camp by camp
        a_loc[n:n + k] = camp_idx[c]
        count[camp_idx[c]] += k
        n += int(k)

    simulated = np.zeros((n_days, len(camps)), np.int64)
    total_agents = np.zeros(n_days, np.int64)
    on_links = np.zeros(n_days, np.int64)
    agent_steps = 0
    score = np.ones(L)
    fw, cw, kw = m.foreign_weight, m.camp_weight, m.conflict_weight
    decay = sr.conflict_spawn_decay
    table, cols = case.conflict_table, case.conflict_cols
    problems: list[str] = []
    born = np.zeros(L, np.int64)
    cumulative = np.zeros(L)
    decay_blocks = np.asarray(decay if decay else [1.0], np.float64)
    chance_before: np.ndarray | None = None
    geo_lnq = np.zeros(L)
    prepared = time.perf_counter()
    prepared_cpu = time.process_time()
    move_time = 0.0
    move_cpu = 0.0
    for t in range(n_days):
        # 1. conflicts
        changed = False
        for j, i in enumerate(cols):
            v = table[t, j]
            before = table[t - 1, j] if t > 0 else 0.0
            if v > 1e-6 and (t == 0 or before < 1e-6):
                case.movechance[i] = m.conflict_movechance
                case.conflict[i] = v
                case.town[i] = False
                case.time_of_conflict[i] = t
                changed = True
            elif v < 1e-6 and t > 0 and before == 1.0:
                case.movechance[i] = m.default_movechance
                case.conflict[i] = -1.0
                case.town[i] = True
                changed = True
        # 2. spawning
        k = int(new[t])
        if k > 0:
            when = t if changed else max(t - 1, 0)
            if rules.spawn_weights(case.conflict, case.pop, case.time_of_conflict, decay_blocks, when,
                                   cumulative) <= 0.0:
                raise RunError(f"day {t}: {k} refugees to spawn but no conflict zone with a population")
            born[:] = 0
            rules.spawn(n, k, a_loc, count, born, cumulative,
                        np.uint64(stream_key(seed, int(FleeStream.SPAWN), t)))
            if sr.take_from_population:
                case.pop -= np.where(case.conflict > 0.0, born, 0)
                if (case.pop < 0).any():
                    raise RunError(f"day {t}: more refugees spawned than the conflict zones' population")
            n += k
        # 3. closures
        closed_now = _enact_closures(case, t)
        if closed_now is not None:
            rules.mark_bounced(n, a_link, closed_now, a_bounce)
        # 4. movement: today's scores and path weights, then the kernel
        score[:] = 1.0
        score[world.foreign] *= fw
        score[case.camp] *= cw
        hot = case.conflict > 0.0
        if hot.any():
            since = (t - case.time_of_conflict[hot]).astype(np.float64)
            score[hot] *= kw ** (decay_factor(decay, since) * case.conflict[hot])
        if m.use_pop_for_loc_weight:
            score[~case.camp] *= np.minimum(1.0, case.pop[~case.camp]) ** m.pop_power_for_loc_weight
        rules.path_weights(score, case.path_end, case.path_km, case.path_link_ptr, case.path_links,
                           case.link_open, m.weight_softening, m.softening, m.distance_power,
                           m.weight_power, case.base, case.valid)
        rules.cumulative_weights(case.path_ptr, case.base, case.valid, case.cum, case.loc_total, case.loc_valid,
                                 case.loc_last)
        chance = case.movechance * case.pop_factor
        if chance_before is None or not np.array_equal(chance, chance_before):
            geo_lnq = rules.log_stay(chance)
            if chance_before is not None:
                rules.reset_wake(n, a_loc, a_link, a_wake, chance != chance_before)
            chance_before = chance
        keys = _stream_keys(seed, t)
        t0 = time.perf_counter()
        c0 = time.process_time()
        rules.step_day(t, n, todo, a_loc, a_link, a_on_link, a_moved, a_places, a_recent, a_path, a_hop, a_bounce,
                       a_wake, count, link_count, chance, geo_lnq, case.town, case.camp,
                       case.capacity, case.link_open, case.link_from, case.link_to, case.link_km,
                       case.link_speed, case.link_walk, case.link_forced, case.loc_link_ptr,
                       case.loc_links, case.link_path, case.path_ptr, case.path_end, case.path_link_ptr,
                       case.path_links, case.path_origin, case.end_ptr, case.end_paths, case.base, case.valid,
                       case.cum, case.loc_total, case.loc_valid, case.loc_last, case.loc_hot,
                       m.capacity_buffer, m.weight_power, m.awareness_level == 0, m.forced_redirection,
                       m.max_move_speed, m.max_walk_speed, m.start_on_foot, m.avoid_short_stints, live_weights,
                       *keys)
        move_time += time.perf_counter() - t0
        move_cpu += time.process_time() - c0
        agent_steps += n
        # 5. record and check
        total_agents[t] = n
        if not rules.record(t, n, count, link_count, camp_idx, simulated, on_links):
            problems.append(f"day {t}: {count.sum()} at locations + {on_links[t]} on links != {n} agents")
        if full_check_every and t % full_check_every == 0:
            problems += _full_check(n, a_loc, a_link, count, link_count, t)
    problems += _full_check(n, a_loc, a_link, count, link_count, n_days - 1)
    if problems:
        raise RunError("conservation failed: " + "; ".join(problems[:5]))
    normal, rescaled, by_camp = ard(simulated, observed, camps)
    finished = time.perf_counter()
    finished_cpu = time.process_time()
    return FleeRun(camps=camps, dates=[world.start_date + dt.timedelta(days=d) for d in range(n_days)],
                   simulated=simulated, observed=observed, total_agents=total_agents, on_links=on_links,
                   refugees_raw=raw, seed=seed, population_fraction=fraction, ard=normal,
                   ard_rescaled=rescaled, ard_by_camp=by_camp, agent_steps=agent_steps,
                   timings={"prepare_s": prepared - started, "loop_s": finished - prepared,
                            "movement_s": move_time, "total_s": finished - started,
                             "loop_cpu_s": finished_cpu - prepared_cpu, "movement_cpu_s": move_cpu})


def _full_check(n: int, a_loc: np.ndarray, a_link: np.ndarray, count: np.ndarray, link_count: np.ndarray,
                t: int) -> list[str]:
    at, on = rules.recount(n, a_loc, a_link, count.size, link_count.size)
    out = []
    if not np.array_equal(at, count):
        out.append(f"day {t}: location counts disagree with the agent columns")
    if not np.array_equal(on, link_count):
        out.append(f"day {t}: link counts disagree with the agent columns")
    return out


def _set_links(case: _Case, links: np.ndarray, open_: bool, closed_now: np.ndarray) -> None:
    if not open_:
        closed_now[links[case.link_open[links]]] = True
    case.link_open[links] = open_


def _enact_closures(case: _Case, t: int) -> np.ndarray | None:
    """Apply today's closures (Flee's ``enact_border_closures``); returns the links closed today."""
    world, m = case.world, case.m
    closed_now = np.zeros(case.link_from.size, bool)
    touched = False
    country = np.array(world.country)
    for c in world.closures:
        for action_day, undo in ((c.start, False), (c.end, True)):
            if t != action_day:
                continue
            touched = True
            if c.kind == "country":
                a = country[case.link_from]
                b = country[case.link_to]
                links = np.flatnonzero(((a == c.name1) & (b == c.name2)) | ((a == c.name2) & (b == c.name1)))
                _set_links(case, links, undo, closed_now)
            elif c.kind == "location":
                i = case.index[c.name1]
                links = np.flatnonzero((case.link_from == i) | (case.link_to == i))
                _set_links(case, links, undo, closed_now)
            elif c.kind == "link":
                i, j = case.index[c.name1], case.index[c.name2]
                links = np.flatnonzero(((case.link_from == i) & (case.link_to == j))
                                       | ((case.link_from == j) & (case.link_to == i)))
                _set_links(case, links, undo, closed_now)
            elif c.kind in ("camp", "idpcamp"):
                i = case.index[c.name1]
                if not undo:  # Flee's close_camp: the camp becomes a town
                    case.movechance[i] = m.default_movechance
                    case.camp[i] = case.idp[i] = False
                    case.conflict[i] = -1.0
                    case.town[i] = True
                else:  # open_camp
                    idp = c.kind == "idpcamp"
                    case.movechance[i] = m.idpcamp_movechance if idp else m.camp_movechance
                    case.camp[i] = True
                    case.idp[i] = idp
                    case.conflict[i] = -1.0
                    case.town[i] = False
            elif c.kind == "remove_forced_redirection":
                i, j = case.index[c.name1], case.index[c.name2]
                links = np.flatnonzero((case.link_from == i) & (case.link_to == j))
                case.link_forced[links] = undo
    return closed_now if touched and closed_now.any() else None


def warm_up() -> float:
    """Compile (or load from numba's cache) the kernels on a two-location case; returns seconds."""
    started = time.perf_counter()
    link_from = np.array([0, 1], np.int32)
    link_to = np.array([1, 0], np.int32)
    km = np.array([50.0, 50.0])
    paths = rules.build_paths(2, link_from, link_to, km, np.zeros(2, bool), 1)
    P = paths["end"].size
    base, valid, cum = np.zeros(P), np.zeros(P, bool), np.zeros(P)
    loc_total, loc_valid, loc_last, loc_hot = np.zeros(2), np.zeros(2, np.int64), np.zeros(2, np.int64), \
        np.zeros(2, np.int64)
    rules.path_weights(np.ones(2), paths["end"], paths["km"], paths["link_ptr"], paths["links"],
                       np.ones(2, bool), 0.0, 10.0, 1.0, 1.0, base, valid)
    rules.cumulative_weights(paths["ptr"], base, valid, cum, loc_total, loc_valid, loc_last)
    n = 4
    a_link = np.full(n, -1, np.int32)
    a_wake = np.full(n, -1, np.int32)
    count = np.array([n, 0], np.int64)
    link_count = np.zeros(2, np.int64)
    chance = np.array([0.05, 1.0])
    rules.step_day(0, n, np.zeros(n, np.int32), np.zeros(n, np.int32), a_link, np.zeros(n), np.zeros(n),
                   np.ones(n, np.int32), np.zeros(n), np.full(n, -1, np.int32), np.zeros(n, np.int32), np.zeros(n, bool), a_wake,
                   count, link_count, chance, rules.log_stay(chance), np.ones(2, bool), np.zeros(2, bool),
                   np.full(2, -1.0), np.ones(2, bool), link_from, link_to, km, np.full(2, np.nan), np.zeros(2),
                   np.zeros(2, bool), np.array([0, 1, 2], np.int64), np.array([0, 1], np.int32),
                   np.array([0, 1], np.int64), paths["ptr"], paths["end"], paths["link_ptr"], paths["links"],
                   paths["origin"], paths["end_ptr"], paths["end_paths"], base, valid, cum, loc_total, loc_valid,
                   loc_last, loc_hot, 0.9, 1.0, False, False, 200.0, 35.0, False, False, False,
                   *_stream_keys(1, 0))
    rules.reset_wake(n, np.zeros(n, np.int32), a_link, a_wake, np.zeros(2, bool))
    rules.spawn_weights(np.ones(2), np.ones(2, np.int64), np.zeros(2, np.int64), np.ones(1), 0, np.zeros(2))
    rules.spawn(0, 2, np.zeros(n, np.int32), count, np.zeros(2, np.int64), np.array([1.0, 2.0]), np.uint64(1))
    rules.record(0, n, count, link_count, np.array([1], np.int64), np.zeros((1, 1), np.int64), np.zeros(1, np.int64))
    rules.mark_bounced(n, a_link, np.zeros(2, bool), np.zeros(n, bool))
    rules.recount(n, np.zeros(n, np.int32), a_link, 2, 2)
    return time.perf_counter() - started
