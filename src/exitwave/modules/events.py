"""Scheduled scenario events, compiled once into day-by-day tables.

Policies (entry regime, asylum, screening, relocation), countermeasures (draft offices, exit ban,
exit closure), call-up news and news shocks are all known in advance, so the run compiles them
before day 0 (so bad input fails before any work) into arrays indexed by ``[day, country]`` or
``[day, crossing]``, the State's ``schedule``; modules read today's row. The codes in the tables
are those of :mod:`exitwave.vocabulary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from exitwave.errors import InputError
from exitwave.scenario.schema import COUNTRY_GROUPS, Scenario
from exitwave.vocabulary import ASYLUM_POLICIES, ENTRY_REGIMES
from exitwave.world import World

__all__ = ["Schedule", "compile_schedule", "relocation_key"]


@dataclass
class Schedule:
    """Day-indexed tables (``day`` from 0 to ``n_days - 1``)."""

    entry: np.ndarray  # int8 [day, country]: 0 open, 1 visa, 2 closed
    asylum: np.ndarray  # int8 [day, country]: 0 refuse, 1 case by case, 2 grant
    recognition: np.ndarray  # float [day, country]
    transit_only: np.ndarray  # bool [day, country]
    screening_capacity: np.ndarray  # people/day [day, country]
    detection: np.ndarray  # float [day, country]
    relocation: np.ndarray  # float [day, country (transit), country (destination)] weights
    visa_fee: np.ndarray  # USD [day, country]: entry or visa fee a man pays to enter
    draft_office: np.ndarray  # float [day, crossing]: detention probability of summoned men
    exit_closed: np.ndarray  # bool [day, crossing]: closed by the state, a transit country or its dates
    exit_ban: np.ndarray  # float [day]: detention probability of summoned men at any crossing
    callup_news: np.ndarray  # float [day]: call-up news intensity (1 on a wave's first day)
    urgency: np.ndarray  # float [day]
    capacity: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # people/day [day, crossing]
    exit_capacity: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # for leavers [day, crossing]
    # bool [day]: a call-up decree has ended (a wave's date + its ``summons_days``) and none runs:
    # the event men abroad answer by coming home (reception)
    callup_over: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


def relocation_key(world: World, members: list[int], kind: str) -> np.ndarray:
    """Shares of relocated people per country.

    ``eu2015``: the Commission's 2015 key — 40 % population, 40 % GDP, 10 % unemployment (higher
    unemployment, lower share), 10 % past asylum effort (not in the world tables, so spread
    evenly: an assumption). ``population``: by population alone.
    """
    weights = np.zeros(world.n_countries)
    if not members:
        return weights
    idx = np.array(members)
    pop = world.country_population[idx]
    pop_share = pop / pop.sum() if pop.sum() > 0 else np.full(idx.size, 1 / idx.size)
    if kind == "population":
        weights[idx] = pop_share
        return weights
    gdp = world.country_gdp[idx]
    gdp_share = gdp / gdp.sum() if gdp.sum() > 0 else pop_share
    inverse_unemployment = 1.0 / np.maximum(world.country_unemployment[idx], 0.5)
    unemployment_share = inverse_unemployment / inverse_unemployment.sum()
    even = np.full(idx.size, 1.0 / idx.size)
    weights[idx] = 0.4 * pop_share + 0.4 * gdp_share + 0.1 * unemployment_share + 0.1 * even
    return weights / weights.sum()


def _span(scenario: Scenario, start, until) -> tuple[int, int]:
    n = scenario.time.n_days
    a = 0 if start is None else max(0, scenario.time.day_of(start))
    b = n if until is None else min(n, scenario.time.day_of(until) + 1)
    return min(a, n), max(min(a, n), b)


def _countries(world: World, name: str, source: str, field_path: str) -> list[int]:
    members = world.country_group(name)
    if not members:
        raise InputError(source, field_path,
                         f"unknown country {name!r}: expected an ISO2 code from the world's "
                         f"countries.csv or one of {', '.join(COUNTRY_GROUPS)}")
    return members


def compile_schedule(scenario: Scenario, world: World, source: str = "scenario") -> Schedule:
    """Check the scenario against the world and compile its dated events."""
    n, n_c, n_x = scenario.time.n_days, world.n_countries, world.n_crossings
    entry = np.repeat(world.country_entry[None, :].astype(np.int8), n, axis=0)
    asylum = np.zeros((n, n_c), np.int8)
    recognition = np.zeros((n, n_c))
    transit = np.zeros((n, n_c), bool)
    screening = np.zeros((n, n_c))
    detection = np.zeros((n, n_c))
    relocation = np.zeros((n, n_c, n_c))
    visa_fee = np.zeros((n, n_c))
    for i, policy in enumerate(scenario.policies):
        members = _countries(world, policy.country, source, f"policies[{i}].country")
        a, b = _span(scenario, policy.from_, policy.until)
        if policy.entry is not None:
            entry[a:b, members] = ENTRY_REGIMES.index(policy.entry)
        if policy.asylum is not None:
            asylum[a:b, members] = ASYLUM_POLICIES.index(policy.asylum)
            rate = policy.recognition_rate
            if rate is None:
                rate = {"grant": 1.0, "refuse": 0.0}.get(policy.asylum)
            if rate is None:
                raise InputError(source, f"policies[{i}].recognition_rate",
                                 "case_by_case needs a recognition_rate between 0 and 1")
            recognition[a:b, members] = rate
        elif policy.recognition_rate is not None:
            recognition[a:b, members] = policy.recognition_rate
        if policy.transit_only is not None:
            transit[a:b, members] = policy.transit_only
        if policy.screening_capacity_per_day is not None:
            screening[a:b, members] = policy.screening_capacity_per_day
        if policy.detection_probability is not None:
            detection[a:b, members] = policy.detection_probability
        if policy.visa_fee_usd is not None:
            visa_fee[a:b, members] = policy.visa_fee_usd
        if policy.relocation_key is not None or policy.coalition is not None:
            coalition: list[int] = []
            for j, name in enumerate(policy.coalition or ["EU"]):
                coalition += _countries(world, name, source, f"policies[{i}].coalition[{j}]")
            coalition = sorted(set(coalition) - set(members))
            key = relocation_key(world, coalition, policy.relocation_key or "eu2015")
            relocation[a:b, members, :] = key[None, None, :]

    # Never relocate into a transit state (it would screen people again): drop those and
    # renormalise what is left of each key.
    relocation[np.broadcast_to(transit[:, None, :], relocation.shape)] = 0.0
    totals = relocation.sum(axis=2, keepdims=True)
    np.divide(relocation, totals, out=relocation, where=totals > 0)

    draft = np.zeros((n, n_x))
    closed = np.zeros((n, n_x), bool)
    ban = np.zeros(n)
    cm = scenario.countermeasures
    for i, office in enumerate(cm.draft_offices):
        if office.crossing not in world.crossing_ids:
            raise InputError(source, f"countermeasures.draft_offices[{i}].crossing",
                             f"unknown crossing {office.crossing!r}: expected an id from the "
                             f"world's crossings.csv")
        a, b = _span(scenario, office.from_, None)
        draft[a:b, world.crossing_index(office.crossing)] = office.detention_probability
    if cm.exit_ban_summoned is not None:
        a, b = _span(scenario, cm.exit_ban_summoned.from_, None)
        ban[a:b] = cm.exit_ban_summoned.detention_probability
    closures = [("countermeasures.exit_closure", cm.exit_closure)] if cm.exit_closure is not None else []
    closures += [(f"countermeasures.exit_closures[{i}]", c) for i, c in enumerate(cm.exit_closures)]
    for where, closure in closures:
        a, b = _span(scenario, closure.from_, closure.until)
        ids = closure.crossings or world.crossing_ids
        for j, cid in enumerate(ids):
            if cid not in world.crossing_ids:
                raise InputError(source, f"{where}.crossings[{j}]", f"unknown crossing {cid!r}")
            closed[a:b, world.crossing_index(cid)] = True
    # The world's own dates: a crossing outside its open_from..open_until is shut, and so is a
    # route while any country it passes through closes its entry.
    for c in range(n_x):
        start, until = world.crossing_open_from[c:c + 1], world.crossing_open_until[c:c + 1]
        if start and start[0] is not None:
            closed[:_span(scenario, start[0], None)[0], c] = True
        if until and until[0] is not None:
            closed[_span(scenario, None, until[0])[1]:, c] = True
        via = world.crossing_via[c] if c < len(world.crossing_via) else []
        if via:
            closed[:, c] |= (entry[:, via] == ENTRY_REGIMES.index("closed")).any(axis=1)
    capacity = np.repeat(world.crossing_capacity[None, :], n, axis=0)
    background = np.repeat(world.crossing_background[None, :], n, axis=0)
    for c, changed, value, base in world.capacity_changes:
        first = _span(scenario, changed, None)[0]
        capacity[first:, c] = value
        background[first:, c] = base

    days = np.arange(n, dtype=np.float64)
    news = np.zeros(n)
    callup_active = np.zeros(n, bool)
    callup_ended = np.zeros(n, bool)
    half_life = scenario.behaviour.callup_news_half_life_days
    for wave in scenario.mobilization.waves:
        d0 = scenario.time.day_of(wave.date)
        since = days - d0
        news = np.maximum(news, np.where(since >= 0, 0.5 ** (since / half_life), 0.0))
        callup_active |= (since >= 0) & (since < wave.summons_days)
        callup_ended |= since >= wave.summons_days
    urgency = np.zeros(n)
    for shock in scenario.news:
        since = days - scenario.time.day_of(shock.date)
        urgency += np.where(since >= 0, shock.urgency * 0.5 ** (since / shock.half_life_days), 0.0)
    return Schedule(entry=entry, asylum=asylum, recognition=recognition, transit_only=transit,
                    screening_capacity=screening, detection=detection, relocation=relocation, visa_fee=visa_fee,
                    draft_office=draft, exit_closed=closed, exit_ban=ban, callup_news=news,
                    urgency=urgency, capacity=capacity, exit_capacity=np.maximum(capacity - background, 0.0),
                    callup_over=callup_ended & ~callup_active)
