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
from typing import Any

import numpy as np

from exitwave.compat.flee import rules
from exitwave.compat.flee.metrics import ard
from exitwave.compat.flee.reader import FleeSettings, FleeWorld, Kind, MoveRules, Validation
from exitwave.compat.flee.rules import FleeStream
from exitwave.errors import InputError, RunError
from exitwave.random import key_for

__all__ = ["FleeRun", "run_case", "FleeStream", "spawn_schedule", "warm_up"]


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
        camp = np.isin(kind, [Kind.CAMP, Kind.IDPCAMP])
        self.idp = kind == Kind.IDPCAMP
        town = kind == Kind.TOWN
        self.conflict = np.where(kind == Kind.CONFLICT, world.conflict_intensity, -1.0)
        self.time_of_conflict = np.full(L, -1, np.int64)
        mc = np.ones(L)
        mc[kind == Kind.TOWN] = m.default_movechance
        mc[kind == Kind.CONFLICT] = m.conflict_movechance
        mc[kind == Kind.CAMP] = m.camp_movechance
        mc[kind == Kind.IDPCAMP] = m.idpcamp_movechance
        auto = (mc < 0.005) & ~camp  # Flee: a location hardly ever left is a camp
        camp |= auto
        town &= ~auto
        self.movechance = mc
        scaled = np.floor(world.population * fraction).astype(np.int64)
        self.pop = np.where(camp, 0, scaled).astype(np.int64)
        size = np.maximum(np.where(camp, scaled, self.pop), 0).astype(np.float64)
        self.pop_factor = (size / m.movechance_pop_base) ** m.movechance_pop_scale_factor
        # directed links: 2r = name1→name2, 2r+1 = name2→name1
        r = world.n_routes
        link_from = np.empty(2 * r, np.int32)
        link_to = np.empty(2 * r, np.int32)
        link_from[0::2], link_to[0::2] = world.route_a, world.route_b
        link_from[1::2], link_to[1::2] = world.route_b, world.route_a
        link_forced = np.zeros(2 * r, bool)
        link_forced[0::2] = world.route_forced == 1
        link_forced[1::2] = world.route_forced == 2
        # the network owns town, camp, link_open and link_forced: conflicts and closures change them there
        self.network = rules.build_network(
            L, link_from, link_to, np.repeat(world.route_km, 2), m.awareness_level, marker=kind == Kind.MARKER,
            town=town, camp=camp, capacity=np.where(camp, scaled * m.capacity_scaling, -1.0),
            link_speed=np.repeat(world.route_speed, 2), link_walk=np.repeat(world.route_walk, 2),
            link_forced=link_forced)
        self.weights = rules.RouteWeights.empty(self.network)
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
    net, weights = case.network, case.weights
    camps = [name for name, is_camp in zip(world.names, net.camp, strict=True) if is_camp]
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

    agents = rules.Agents.empty(capacity_agents)
    occupancy = rules.Occupancy.empty(net)
    move_rules = rules.Rules.of(m, live_weights)
    L = world.n_locations
    n = 0
    for c, k in enumerate(day0):  # Flee's add_initial_refugees, camp by camp
        agents.loc[n:n + k] = camp_idx[c]
        occupancy.location[camp_idx[c]] += k
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
                net.town[i] = False
                case.time_of_conflict[i] = t
                changed = True
            elif v < 1e-6 and t > 0 and before == 1.0:
                case.movechance[i] = m.default_movechance
                case.conflict[i] = -1.0
                net.town[i] = True
                changed = True
        # 2. spawning
        k = int(new[t])
        if k > 0:
            when = t if changed else max(t - 1, 0)
            if rules.spawn_weights(case.conflict, case.pop, case.time_of_conflict, decay_blocks, when,
                                   cumulative) <= 0.0:
                raise RunError(f"day {t}: {k} refugees to spawn but no conflict zone with a population")
            born[:] = 0
            rules.spawn(n, k, agents, occupancy, born, cumulative,
                        key_for(seed, FleeStream.SPAWN, t))
            if sr.take_from_population:
                case.pop -= np.where(case.conflict > 0.0, born, 0)
                if (case.pop < 0).any():
                    raise RunError(f"day {t}: more refugees spawned than the conflict zones' population")
            n += k
        # 3. closures
        closed_now = _enact_closures(case, t)
        if closed_now is not None:
            rules.mark_bounced(n, agents, closed_now)
        # 4. movement: today's scores and path weights, then the kernel
        score[:] = 1.0
        score[world.foreign] *= fw
        score[net.camp] *= cw
        hot = case.conflict > 0.0
        if hot.any():
            since = (t - case.time_of_conflict[hot]).astype(np.float64)
            score[hot] *= kw ** (decay_factor(decay, since) * case.conflict[hot])
        if m.use_pop_for_loc_weight:
            score[~net.camp] *= np.minimum(1.0, case.pop[~net.camp]) ** m.pop_power_for_loc_weight
        rules.path_weights(score, net, move_rules, weights)
        rules.cumulative_weights(net, weights)
        chance = case.movechance * case.pop_factor
        if chance_before is None or not np.array_equal(chance, chance_before):
            geo_lnq = rules.log_stay(chance)
            if chance_before is not None:
                rules.reset_wake(n, agents, chance != chance_before)
            chance_before = chance
        today = rules.Today.of(seed, t, chance, geo_lnq)
        t0 = time.perf_counter()
        c0 = time.process_time()
        rules.step_day(n, agents, occupancy, net, weights, today, move_rules)
        move_time += time.perf_counter() - t0
        move_cpu += time.process_time() - c0
        agent_steps += n
        # 5. record and check
        total_agents[t] = n
        if not rules.record(t, n, occupancy, camp_idx, simulated, on_links):
            problems.append(f"day {t}: {occupancy.location.sum()} at locations + {on_links[t]} on links != {n} agents")
        if full_check_every and t % full_check_every == 0:
            problems += _full_check(n, agents, occupancy, t)
    problems += _full_check(n, agents, occupancy, n_days - 1)
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


def _full_check(n: int, agents: rules.Agents, occupancy: rules.Occupancy, t: int) -> list[str]:
    at, on = rules.recount(n, agents, occupancy.location.size, occupancy.link.size)
    out = []
    if not np.array_equal(at, occupancy.location):
        out.append(f"day {t}: location counts disagree with the agent columns")
    if not np.array_equal(on, occupancy.link):
        out.append(f"day {t}: link counts disagree with the agent columns")
    return out


def _set_links(net: rules.Network, links: np.ndarray, open_: bool, closed_now: np.ndarray) -> None:
    if not open_:
        closed_now[links[net.link_open[links]]] = True
    net.link_open[links] = open_


def _enact_closures(case: _Case, t: int) -> np.ndarray | None:
    """Apply today's closures (Flee's ``enact_border_closures``); returns the links closed today."""
    world, m, net = case.world, case.m, case.network
    closed_now = np.zeros(net.n_links, bool)
    touched = False
    country = np.array(world.country)
    for c in world.closures:
        for action_day, undo in ((c.start, False), (c.end, True)):
            if t != action_day:
                continue
            touched = True
            if c.kind == "country":
                a = country[net.link_from]
                b = country[net.link_to]
                links = np.flatnonzero(((a == c.name1) & (b == c.name2)) | ((a == c.name2) & (b == c.name1)))
                _set_links(net, links, undo, closed_now)
            elif c.kind == "location":
                i = case.index[c.name1]
                links = np.flatnonzero((net.link_from == i) | (net.link_to == i))
                _set_links(net, links, undo, closed_now)
            elif c.kind == "link":
                i, j = case.index[c.name1], case.index[c.name2]
                links = np.flatnonzero(((net.link_from == i) & (net.link_to == j))
                                       | ((net.link_from == j) & (net.link_to == i)))
                _set_links(net, links, undo, closed_now)
            elif c.kind in ("camp", "idpcamp"):
                i = case.index[c.name1]
                if not undo:  # Flee's close_camp: the camp becomes a town
                    case.movechance[i] = m.default_movechance
                    net.camp[i] = case.idp[i] = False
                    case.conflict[i] = -1.0
                    net.town[i] = True
                else:  # open_camp
                    idp = c.kind == "idpcamp"
                    case.movechance[i] = m.idpcamp_movechance if idp else m.camp_movechance
                    net.camp[i] = True
                    case.idp[i] = idp
                    case.conflict[i] = -1.0
                    net.town[i] = False
            elif c.kind == "remove_forced_redirection":
                i, j = case.index[c.name1], case.index[c.name2]
                links = np.flatnonzero((net.link_from == i) & (net.link_to == j))
                net.link_forced[links] = undo
    return closed_now if touched and closed_now.any() else None


def warm_up() -> float:
    """Compile (or load from numba's cache) the kernels on a two-location case; returns seconds.
    The arrays are built as :func:`run_case` builds them, so the kernels get the same types."""
    started = time.perf_counter()
    net = rules.build_network(2, np.array([0, 1]), np.array([1, 0]), np.array([50.0, 50.0]), 1,
                              town=np.ones(2, bool))
    move_rules = rules.Rules.of(MoveRules(max_move_speed=200.0))
    weights = rules.RouteWeights.empty(net)
    rules.path_weights(np.ones(2), net, move_rules, weights)
    rules.cumulative_weights(net, weights)
    n = 4
    agents = rules.Agents.empty(n)
    occupancy = rules.Occupancy.empty(net)
    occupancy.location[0] = n
    chance = np.array([0.05, 1.0])
    rules.step_day(n, agents, occupancy, net, weights, rules.Today.of(1, 0, chance, rules.log_stay(chance)), move_rules)
    rules.reset_wake(n, agents, np.zeros(2, bool))
    rules.spawn_weights(np.ones(2), np.ones(2, np.int64), np.zeros(2, np.int64), np.ones(1), 0, np.zeros(2))
    rules.spawn(0, 2, agents, occupancy, np.zeros(2, np.int64), np.array([1.0, 2.0]), np.uint64(1))
    rules.record(0, n, occupancy, np.array([1], np.int64), np.zeros((1, 1), np.int64), np.zeros(1, np.int64))
    rules.mark_bounced(n, agents, np.zeros(2, bool))
    rules.recount(n, agents, 2, 2)
    return time.perf_counter() - started
