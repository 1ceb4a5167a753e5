"""The front: force generation, attrition, wounded burden, morale, desertion and surrender.

Units are groups of **men**: a unit's strength, its casualties, desertions and surrenders, its
morale and its memory of precedent are computed on men, so the front's dynamics do not depend on
how many men an agent stands for. Soldiers are still agents (status SOLDIER, their unit a column),
and the agents are the accounting: every man is in one status every day.

* **Force generation.** Men mobilized (reported, found in hiding, detained at the border) and
  paid volunteers train for ``training_days`` (``recruit_training_days``) and then join the front.
  Volunteers are drawn from men at home at ``contract_recruits`` a day, weighted by
  ``exp(recruit_means_weight · (1 − means)) · callup_weight^recruit_region_weight`` — so who
  fights, like who leaves, emerges from selection. The initial force is drawn the same way at the
  start and spread evenly over ``ceil(initial_strength / unit_size)`` units.
* **Men-level draws.** Each day, for unit u with N_u men (``strength``), with keyed binomial draws
  (:mod:`exitwave.kernels.binomial`, one uniform per unit and kind of draw):
  casualties ``C_u ~ Bin(e_u·N_u, 1 − exp(−c(t)))`` (e_u the share not tied up caring), c the casualty rate of the day's intensity (Dupuy:
  ~2.8 % a day in heavy combat); killed ``K_u ~ Bin(C_u, killed_share)`` (1 : 3 killed : wounded),
  wounded ``W_u = C_u − K_u``; desertions ``D_u ~ Bin(N_u − C_u, 1 − exp(−h_d,u))``; surrenders
  ``S_u ~ Bin(N_u − C_u − D_u, 1 − exp(−h_s,u))``; hotline contacts (``hotline_contacts`` men a day)
  spread over the units in proportion to the men still at their post, each converting with
  ``hotline_conversion`` × credibility / reference (Ukrainian figures: ~220 of 26,000 contacts).
  The front's counters (killed, wounded, deserted, surrendered, hotline) count these men.
* **Accounting.** Units are gathered in accounting groups of adjacent units holding at least
  ``GROUP_AGENTS`` agents (one unit each when a unit holds that many). For each group g and outcome
  k, the men-level count accumulates in ``M_gk``; the agents moved to that status so far are kept
  at ``floor(M_gk / scale + θ_gk)``, θ_gk a uniform drawn once per run: unbiased (the mean over θ is
  ``M_gk / scale``) and never more than one agent away from the men-level count. The agents moved
  each day are drawn among the group's fit soldiers by keyed uniforms, uniformly without
  replacement and without a sort (:func:`exitwave.kernels.front.pick_carriers`). Arriving agents (trained
  men, the wounded who return) add ``scale`` men each: recruits to the group furthest below
  establishment, the returning wounded to their own group, and within a group the men go to the
  units furthest below establishment (water-filling), so a unit is never swollen by one agent.
* **Wounded.** The wounded are in care for ``recovery_days``, each tying up ``carers_per_wounded``
  men of his unit; then ``return_to_duty_share`` return to their group and the rest are discharged.
  *Soldier-days lost to care* add up the wounded man's own days and his carers'.
* **Morale** of unit u, m_u ∈ [0, 1]:
  ``m ← m + ρ·(m_target − m) − a_k·K_u/N_u − a_w·W_u/N_u`` with
  ``m_target = morale_base + pay_morale − a_home·H(t) − a_c·100·x_u``: H is the share of the
  sending country's men who left in the last 30 days (news of departures at home), x_u the unit's
  excess exits (below).
* **Desertion and surrender.** A unit's own hazards per soldier (:func:`own_hazards`), from its
  own state. Surrender is a choice that needs an opportunity: ``h⁰_s = o_u · σ(v_u)``, o_u the men
  with a chance to surrender (``surrender_opportunity`` × c(t)/c_active; every man of a unit
  overrun that day, chance ``overrun_rate`` × c(t)/c_active; carers excluded), σ(v_u) the share
  who take it (:func:`surrender_choice`: credibility of good treatment against punishment at
  home, morale, being overrun). Desertion: ``h⁰_d = d0 · exp(b·(morale_base − m_u)) ·
  exp(−k·(coercion − 0.5)) · (1 + e·refuge(t))``, refuge the protection a deserter can reach
  that day through open routes and the asylum policies of the day (:func:`deserter_refuge`,
  from the compiled schedule).
* **Carers.** Each unit keeps its wounded in care (men); ``carers_per_wounded`` men each are held
  away from the line (no casualties, no chance to surrender) and the burden lowers the morale
  target (``morale_care_impact``).
* **Contagion of excess exits** (:func:`contagion_hazard`; Lehmann & Zhukov 2019: precedent raises
  surrender). The unit remembers its exits per man, ``E_u ← E_u·e^(−1/τ) + (D_u + S_u)/N_u``, and
  the exits its own hazards expected, ``Ê_u`` (the same with the expected count); the excess
  ``x_u = E_u − Ê_u`` (signed: a chance shortfall offsets a chance surplus) adds
  ``λ_u = (1 − e^(−1/τ))·(n_unit·x_u + n_nbr·(x_(u−1) + x_(u+1))/2 + n_army·x_army)`` to the hazard,
  shared between desertion and surrender as the own hazards are. Steady fighting, however heavy,
  raises the own hazards and its exits are expected: it switches no contagion on. The kernel sums
  to one over the days, so the n are branching ratios and the spectral radius of the excitation
  matrix is ``n_unit + n_nbr + n_army`` (:func:`branching_ratio`): below 1 every cascade dies out
  (the schema refuses 1 or more; ``exitwave validate`` prints it with :func:`stability_verdict`).
* **Dated shocks** (``front.shocks``): on its date a ``surrender`` or ``desertion`` shock takes a
  share of the fit men of a sector (the first ``units`` share of the units) at once — exits beyond
  the own rates, so contagion acts on them; a ``morale`` shock moves the sector's morale.
* **Scale limit.** The men-level dynamics hold at any scale; the accounting needs a front of at
  least ``GROUP_AGENTS`` agents (``front_scale_problem``): a scale above ``max(initial_strength,
  unit_size) / GROUP_AGENTS`` men per agent is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.errors import InputError
from exitwave.kernels import front as front_kernels
from exitwave.kernels.binomial import binomial, split_binomial
from exitwave.kernels.front import N_PARAMETERS, pick_carriers, unit_draws
from exitwave.kernels.heap import heap_remove
from exitwave.kernels.selection import draw_order
from exitwave.modules.protocol import Module
from exitwave.outputs import Output
from exitwave.random import Stream, key_for, uniform
from exitwave.scenario.schema import Front, FrontShock
from exitwave.state import Calendar, State
from exitwave.vocabulary import CASE_BY_CASE, CLOSED, GRANT, Status

if TYPE_CHECKING:
    from exitwave.modules.events import Schedule
    from exitwave.results import Tally
    from exitwave.scenario.schema import Scenario
    from exitwave.world import World

__all__ = ["Force", "unit_hazards", "own_hazards", "contagion_hazard", "decay_memory", "branching_ratio",
           "excitation_matrix", "stability_verdict", "stability_line", "NEAR_CRITICAL", "FrontState",
           "INTENSITIES", "GROUP_AGENTS", "front_scale_problem", "check_front_scale", "water_fill"]

INTENSITIES = ("quiet", "active", "heavy")
_HOME_WINDOW_DAYS = 30
GROUP_AGENTS = 10
"""Agents an accounting group of units holds at least (one unit when a unit holds that many); the
smallest front accepted holds this many agents."""
_MEN_LEVEL = ("drawn on the units' men each day; the status column (agents) follows within one agent "
              "per accounting group of units")
_UNIT_STREAMS = (Stream.OVERRUN, Stream.CASUALTY, Stream.KILLED_SHARE, Stream.DESERTION, Stream.SURRENDER)
OUTCOMES = ((Status.KILLED, "killed"), (Status.WOUNDED, "wounded"), (Status.DESERTED, "deserted"),
            (Status.SURRENDERED, "surrendered"))


@dataclass
class FrontState:
    """Per-unit arrays (men, not agents) and front totals."""

    strength: np.ndarray  # men per unit
    morale: np.ndarray
    memory: np.ndarray  # decayed desertions + surrenders per man of the unit
    expected: np.ndarray  # the same for the exits the unit's own hazards expected
    army_memory: float
    army_expected: float
    intensity: np.ndarray  # [day] index into INTENSITIES
    casualty_rate: np.ndarray  # [day] per day


def front_scale_problem(front: Front, scale: float) -> str | None:
    """Why ``scale`` men per agent is too coarse for ``front`` (``None`` when it is fine).

    The units' dynamics are computed on men at any scale, but the agents are the accounting: a
    front of fewer than :data:`GROUP_AGENTS` agents would put its whole force, its deserters and
    its dead in a handful of agents (below one, in none). The front's size is its initial
    strength, at least one unit (``front.unit_size``).
    """
    size = max(front.initial_strength, front.unit_size)
    limit = size / GROUP_AGENTS
    if scale <= limit:
        return None
    return (f"expected at most {limit:,.0f} men per agent with this front (front.initial_strength "
            f"{front.initial_strength:,}, front.unit_size {front.unit_size:,}: a front of at least "
            f"{GROUP_AGENTS} agents); got {scale:g}, a front of {size / scale:.2g} agents")


def check_front_scale(scenario: Scenario, file: str, field: str = "population.scale") -> None:
    """Raise :class:`InputError` when the scenario's scale is too coarse for its front."""
    if scenario.front is None:
        return
    problem = front_scale_problem(scenario.front, scenario.population.scale)
    if problem is not None:
        raise InputError(file, field, problem)


def water_fill(level: np.ndarray, weight: np.ndarray, segment: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Spread ``total[s]`` over the items of each segment s, lowest level first.

    Item i holds ``level[i] · weight[i]`` (men per unit of establishment × units); the additions
    raise the lowest items of each segment to one common level, so that they add up to the
    segment's total. Returns the additions per item (≥ 0).
    """
    n_segments = total.size
    order = np.lexsort((level, segment))
    lv, w, sg = level[order], weight[order], segment[order]
    starts = np.searchsorted(sg, np.arange(n_segments))
    cw, cr = np.cumsum(w), np.cumsum(w * lv)
    before_w = np.concatenate(([0.0], cw))[starts]
    before_r = np.concatenate(([0.0], cr))[starts]
    within_w, within_r = cw - before_w[sg], cr - before_r[sg]
    # cost of raising the items before i (and i) to level lv_i; non-decreasing within a segment
    cost = lv * within_w - within_r
    filled = cost < total[sg]
    count = np.bincount(sg[filled], minlength=n_segments)
    rank = np.arange(sg.size) - starts[sg]
    filled = rank < count[sg]
    last = np.maximum(starts + count - 1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        common = np.where(count > 0, (total + within_r[last]) / within_w[last], 0.0)
    add = np.where(filled, w * np.maximum(common[sg] - lv, 0.0), 0.0)
    out = np.empty_like(add)
    out[order] = add
    return out


def _largest_remainder(quota: np.ndarray, total: int) -> np.ndarray:
    """Integers adding up to ``total`` with each within one of ``quota`` (ties: lower index)."""
    base = np.floor(quota).astype(np.int64)
    short = total - int(base.sum())
    if short > 0:
        base[np.argsort(-(quota - base), kind="stable")[:short]] += 1
    elif short < 0:
        base[np.argsort(quota - base, kind="stable")[: -short]] -= 1
    return np.maximum(base, 0)


def decay_memory(memory: np.ndarray, memory_days: float) -> np.ndarray:
    """One day of exponential forgetting (time constant ``memory_days``)."""
    return memory * np.exp(-1.0 / memory_days)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the logistic function, without overflow


def surrender_choice(front: Front, morale: np.ndarray, overrun: np.ndarray | float = 0.0,
                     credibility: float | None = None) -> np.ndarray:
    """Share of the men with an opportunity to surrender who take it (a logistic choice).

    The log-odds weigh the captor's credibility of good treatment (``credibility_effect`` per unit
    above ``credibility_reference``) against the punishment at home (``coercion_effect`` per unit
    of ``coercion`` above 0.5: surrender is a crime in the sending state), the unit's morale
    (``morale_hazard_weight`` per unit below ``morale_base``) and being overrun (+
    ``overrun_surrender_logodds``: the alternative is death or capture anyway). At the reference
    the share is ``surrender_rate / surrender_opportunity``.
    """
    credibility = front.captor_credibility if credibility is None else credibility
    reference = front.surrender_rate / front.surrender_opportunity
    if reference <= 0.0:  # nobody ever chooses to surrender
        return np.zeros(np.shape(morale))
    logit = (np.log(reference) - np.log1p(-reference)
             + front.credibility_effect * (credibility - front.credibility_reference)
             - front.coercion_effect * (front.coercion - 0.5)
             + front.morale_hazard_weight * (front.morale_base - morale)
             + front.overrun_surrender_logodds * overrun)
    return _sigmoid(logit)


def own_hazards(front: Front, morale: np.ndarray, casualty_rate: float, refuge: float = 0.0,
                overrun: np.ndarray | float = 0.0, exposed: np.ndarray | float = 1.0,
                credibility: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(desertion, surrender) hazard per day for a soldier of each unit from the unit's own state,
    without contagion: what the unit is expected to lose whatever its neighbours do.

    Desertion: ``desertion_rate`` at the reference, raised by low morale, lowered by punishment
    (``coercion``), raised by ``refuge`` — the probability of protection a deserter can actually
    reach (:func:`deserter_refuge`) — with ``deserter_asylum_effect`` per unit of it.
    Surrender: the men who have an opportunity — contact with the enemy, ``surrender_opportunity``
    a day in active combat, scaled by the day's casualty rate; every man of a unit that is
    ``overrun`` (1) — times the share of them who choose to (:func:`surrender_choice`).
    ``exposed``: the share of each unit's men at the line (carers are not).
    """
    morale_factor = np.exp(front.morale_hazard_weight * (front.morale_base - morale))
    desertion = (front.desertion_rate * morale_factor
                 * np.exp(-front.coercion_effect * (front.coercion - 0.5))
                 * (1.0 + front.deserter_asylum_effect * refuge))
    combat = casualty_rate / max(front.casualty_rate.active, 1e-12)
    contact = front.surrender_opportunity * combat
    opportunity = np.minimum(contact + (1.0 - contact) * overrun, 1.0) * exposed
    surrender = opportunity * surrender_choice(front, morale, overrun, credibility)
    return desertion, surrender


def deserter_refuge(schedule: Schedule, world: World, front: Front) -> np.ndarray:
    """Per day: the best probability of protection a deserter can reach, 0–1.

    A crossing is reachable when the sending state has not closed it and the country behind it
    has not closed its entry; what it is worth is that country's protection of a deserter —
    its recognition rate under ``case_by_case``; under ``grant`` 1 when the grant extends to
    deserters (``front.deserter_asylum``) and ``front.deserter_recognition`` (case by case)
    otherwise; 0 under ``refuse`` — (a transit state: the same over its relocation key), times
    the chance of not being detained there (a draft office or an exit ban on wanted men).
    """
    days = schedule.asylum.shape[0]
    grant = np.where(front.deserter_asylum, schedule.recognition, front.deserter_recognition)
    protection = np.select([schedule.asylum == GRANT, schedule.asylum == CASE_BY_CASE],
                           [grant, schedule.recognition], 0.0)
    relocated = np.einsum("dtc,dc->dt", schedule.relocation, protection)
    protection = np.where(schedule.transit_only, relocated, protection)
    country = world.crossing_country.astype(np.int64)
    worth = protection[:, country] * (schedule.entry[:, country] != CLOSED)
    worth = worth * ~schedule.exit_closed
    worth = worth * (1.0 - np.maximum(schedule.draft_office, schedule.exit_ban[:, None]))
    return worth.max(axis=1) if worth.shape[1] else np.zeros(days)


def contagion_hazard(front: Front, excess: np.ndarray, army_excess: float) -> np.ndarray:
    """Extra exit hazard per day of each unit from recent exits beyond the expected ones.

    ``excess``: per unit, (exits − expected exits) per man, each remembered with the kernel
    e^(−k/memory_days) (the memory); ``army_excess`` the same over the whole army. One excess exit
    per man in unit v sets off, over its memory, ``contagion_unit`` excess exits per man in v,
    ``contagion_neighbours / 2`` in each of its two neighbours on the line and ``contagion_army``
    spread over the army: the kernel is normalised so that these are branching ratios.
    """
    neighbours = 0.5 * (np.roll(excess, 1) + np.roll(excess, -1))
    weight = -np.expm1(-1.0 / front.memory_days)  # the exponential kernel sums to 1 over the days
    return weight * (front.contagion_unit * excess + front.contagion_neighbours * neighbours
                     + front.contagion_army * army_excess)


def unit_hazards(front: Front, morale: np.ndarray, excess: np.ndarray, army_excess: float,
                 casualty_rate: float, **own: Any) -> tuple[np.ndarray, np.ndarray]:
    """(desertion, surrender) hazard per day for a soldier of each unit: the unit's own hazards
    plus the contagion of excess exits, shared between desertion and surrender as the own
    hazards are (all to desertion where the unit has none). Never below zero. ``own``: the
    keywords of :func:`own_hazards` (refuge, overrun, exposed)."""
    desertion, surrender = own_hazards(front, morale, casualty_rate, **own)
    own_total = desertion + surrender
    extra = contagion_hazard(front, excess, army_excess)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(own_total > 0.0, desertion / own_total, 1.0)
    total = np.maximum(own_total + extra, 0.0)
    return total * share, total * (1.0 - share)


def branching_ratio(front: Front) -> float:
    """Spectral radius of the excitation kernel: excess exits set off, over all units and days, by
    one excess exit per man of a unit.

    The kernel matrix is ``B = contagion_unit·I + contagion_neighbours·(S + Sᵀ)/2 +
    contagion_army·1wᵀ`` (S the shift along the ring of units, w the units' shares of the army's
    men): non-negative with every row summing to the same value, so its spectral radius is that
    sum. Below 1 every cascade dies out, with ``1 / (1 − ratio)`` exits in all per excess exit.
    """
    return front.contagion_unit + front.contagion_neighbours + front.contagion_army


def excitation_matrix(front: Front, strength: np.ndarray) -> np.ndarray:
    """B[u, v]: excess exits per man of unit u set off by one excess exit per man of unit v, read off
    :func:`contagion_hazard` by feeding it one unit at a time (``strength``: men per unit)."""
    n = strength.size
    total_memory = 1.0 / -np.expm1(-1.0 / front.memory_days)  # Σ_k e^(−k/memory_days)
    matrix = np.empty((n, n))
    for v in range(n):
        impulse = np.zeros(n)
        impulse[v] = 1.0
        matrix[:, v] = contagion_hazard(front, impulse, strength[v] / strength.sum()) * total_memory
    return matrix


NEAR_CRITICAL = 0.8
"""Branching ratios from this value up to 1 are near-critical: one excess exit sets off ≥ 4 more."""


def stability_verdict(ratio: float) -> str:
    """``stable`` below :data:`NEAR_CRITICAL`, ``near-critical`` below 1, ``runaway`` at 1 and above."""
    if ratio >= 1.0:
        return "runaway"
    return "near-critical" if ratio >= NEAR_CRITICAL else "stable"


def stability_line(front: Front) -> str:
    """One sentence for ``exitwave validate``: the branching ratio and its verdict."""
    ratio = branching_ratio(front)
    verdict = stability_verdict(ratio)
    tail = ("every cascade dies out" if ratio < 1 else "a cascade never dies out")
    amplification = f", {1 / (1 - ratio):.2g} exits in all per unexpected exit" if ratio < 1 else ""
    return (f"front contagion: branching ratio {ratio:.3g} (unit {front.contagion_unit:g} + neighbouring "
            f"units {front.contagion_neighbours:g} + army {front.contagion_army:g}) — {verdict}: "
            f"{tail}{amplification}")


def hazard_parameters(front: Front) -> np.ndarray:
    """The front's parameters as the vector :func:`exitwave.kernels.front.unit_draws` reads."""
    k = front_kernels
    par = np.empty(N_PARAMETERS)
    par[k.P_DESERTION_RATE] = front.desertion_rate
    par[k.P_MORALE_BASE] = front.morale_base
    par[k.P_MORALE_WEIGHT] = front.morale_hazard_weight
    par[k.P_COERCION] = front.coercion
    par[k.P_COERCION_EFFECT] = front.coercion_effect
    par[k.P_ASYLUM_EFFECT] = front.deserter_asylum_effect
    par[k.P_CASUALTY_ACTIVE] = front.casualty_rate.active
    par[k.P_OPPORTUNITY] = front.surrender_opportunity
    par[k.P_SURRENDER_RATE] = front.surrender_rate
    par[k.P_CREDIBILITY_EFFECT] = front.credibility_effect
    par[k.P_CREDIBILITY_REFERENCE] = front.credibility_reference
    par[k.P_OVERRUN_LOGODDS] = front.overrun_surrender_logodds
    par[k.P_MEMORY_DAYS] = front.memory_days
    par[k.P_CONTAGION_UNIT] = front.contagion_unit
    par[k.P_CONTAGION_NEIGHBOURS] = front.contagion_neighbours
    par[k.P_CONTAGION_ARMY] = front.contagion_army
    par[k.P_KILLED_SHARE] = front.killed_share
    par[k.P_CARERS] = front.carers_per_wounded
    return par


class Force(Module):
    name = "force"
    reads = ("crossed_today", "war_end_day")
    writes = ("unit", "front")
    updates = ("key", "heap")  # a volunteer leaves the decision heap of men at home
    outputs = (
        Output("initial_force", "force at the start", "people", kind="counter", summary=False),
        Output("recruited", "volunteers recruited", "people", kind="counter"),
        Output("killed", "killed", "people", kind="counter", good="lower",
               description=_MEN_LEVEL),
        Output("wounded", "wounded", "people", kind="counter", good="lower",
               description=_MEN_LEVEL),
        Output("returned_to_duty", "wounded returned to duty", "people", kind="counter", summary=False),
        Output("deserters_returned", "deserters back at the front (amnesty)", "people", kind="counter",
               description="deserters at large who came back on the day of an amnesty shock"),
        Output("prisoners_exchanged", "prisoners exchanged", "people", kind="counter",
               description="prisoners who came back on the day of an exchange shock (some return to the "
                           "front, the rest are discharged)"),
        Output("deserted", "deserted", "people", kind="counter",
               description=_MEN_LEVEL),
        Output("surrendered", "surrendered", "people", kind="counter",
               description=_MEN_LEVEL + "; hotline surrenders included"),
        Output("hotline_contacts", "surrender hotline contacts", "people", kind="counter"),
        Output("hotline_surrenders", "surrendered through the hotline", "people", kind="counter"),
        Output("soldier_days_lost_to_care", "days of front duty lost to the wounded and their carers",
               "soldier-days",
               kind="counter", good="lower",
               description="each day: the wounded in care × (1 + carers per wounded)"),
        Output("force_strength", "soldiers at the front (at end)", "people",
               description="men in status SOLDIER on the last day"),
        Output("fighting_strength", "soldiers at the front less their carers (at end)", "people", scaling="none",
               description="men of the units on the last day, less carers_per_wounded men for each of "
                           "their wounded in care"),
        Output("overrun_units", "units overrun", "units", scaling="none",
               description="unit-days on which a unit was overrun (every man then has the chance to "
                           "surrender)"),
        Output("mobilized_in_training", "mobilized or recruited, in training (at end)", "people"),
        Output("wounded_in_care", "wounded in care (at end)", "people", good="lower"),
        Output("desertion_share_per_month", "desertions per soldier per month", "share 0–1/month",
               scaling="none", description="deserted ÷ mean strength of the units in men ÷ months of the run"),
        Output("mean_morale", "mean morale at end (0–1)", "morale 0–1", scaling="none", series=True,
               series_label="mean morale (0–1)",
               description="strength-weighted mean morale of the units (series: daily; summary: last day)"),
    )

    def init(self, state: State) -> None:
        self.front = state.scenario.front
        # the agents in status SOLDIER and the accounting group of each (struct of arrays: the
        # daily accounting reads them in order, without gathers over the population)
        # (buffers grown by doubling, the first n_soldiers entries in use)
        self.roll = np.empty(0, np.int64)
        self.roll_group = np.empty(0, np.int64)
        self.n_soldiers = 0
        state.unit = np.full(state.n, -1, np.int32)
        self.recoveries = Calendar()
        self.training = Calendar()
        self.men_days = 0.0  # the units' men, summed over the days
        if self.front is None:
            return
        f, sc = self.front, state.scenario
        self.scale = float(state.pop.scale)
        check_front_scale(sc, sc.name)
        n_units = max(1, int(np.ceil(f.initial_strength / f.unit_size)))
        intensity = np.full(state.n_days, INTENSITIES.index(f.default_intensity), np.int8)
        for phase in sorted(f.phases, key=lambda p: p.from_):
            intensity[max(0, sc.time.day_of(phase.from_)):] = INTENSITIES.index(phase.intensity)
        rates = np.array([f.casualty_rate.quiet, f.casualty_rate.active, f.casualty_rate.heavy])
        # the initial force spread evenly over the units, in whole men
        men = np.full(n_units, float(f.initial_strength // n_units))
        men[: f.initial_strength % n_units] += 1.0
        state.front = FrontState(strength=men, morale=np.full(n_units, f.morale_initial),
                                 memory=np.zeros(n_units), expected=np.zeros(n_units), army_memory=0.0,
                                 army_expected=0.0, intensity=intensity,
                                 casualty_rate=rates[intensity])
        # accounting groups: adjacent units holding at least GROUP_AGENTS agents between them
        per_group = max(1, int(np.ceil(GROUP_AGENTS * self.scale / f.unit_size - 1e-9)))
        self.n_groups = max(1, n_units // per_group)
        self.group = (np.arange(n_units) * self.n_groups) // n_units
        self.group_units = np.bincount(self.group, minlength=self.n_groups).astype(np.float64)
        self.group_first = np.searchsorted(self.group, np.arange(self.n_groups))
        self.theta = uniform(state.seed, Stream.FRONT_ROUNDING, 0,
                             np.arange(self.n_groups * len(OUTCOMES))).reshape(self.n_groups, len(OUTCOMES))
        self.men_out = np.zeros((self.n_groups, len(OUTCOMES)))  # men-level outcomes so far
        self.moved = np.zeros((self.n_groups, len(OUTCOMES)), np.int64)  # agents moved for them
        # the protection a deserter can reach, day by day, from the routes and policies compiled
        self.refuge = deserter_refuge(state.schedule, state.world, f)
        self.hazard_parameters = hazard_parameters(f)
        # wounded in care per unit, in men, by the day they fall out of care (a ring of days)
        self.care_days = max(1, int(np.ceil(f.recovery_days)))
        self.care_ring = np.zeros((self.care_days, n_units))
        self.overruns = 0
        self.shocks: dict[int, list[FrontShock]] = {}
        for shock in f.shocks:
            if 0 <= sc.time.day_of(shock.date) < state.n_days:
                self.shocks.setdefault(sc.time.day_of(shock.date), []).append(shock)
        # the captor's credibility day by day (dated changes hold from their day on)
        self.credibility = np.full(state.n_days, f.captor_credibility)
        for shock in sorted(f.shocks, key=lambda s: s.date):
            if shock.kind == "credibility":
                self.credibility[max(0, sc.time.day_of(shock.date)):] = shock.size
        self.balance = np.zeros(n_units)  # shift of each unit's morale target (strategic balance)
        for shock in f.shocks:  # a change of the balance dated before the run holds from its start
            if shock.kind == "balance" and sc.time.day_of(shock.date) < 0:
                self.balance[self._sector(shock.units)] += shock.size
        self.recruit_order = self._recruit_order(state)
        self.recruit_cursor = 0
        self.recruit_carry = 0.0
        self.hotline_carry = 0.0
        self.home_departures = np.zeros(_HOME_WINDOW_DAYS)
        self.men = float(state.n)
        wanted = int(round(f.initial_strength / self.scale))
        first = self._recruit(state, wanted)
        state.transition(first, Status.SOLDIER)
        if first.size < wanted:  # fewer men at home than the force asked for: the units hold them
            men *= first.size / wanted
        # the initial agents go to the groups in proportion to their men
        men_g = np.bincount(self.group, weights=men, minlength=self.n_groups)
        counts = _largest_remainder(men_g / max(men_g.sum(), 1e-12) * first.size, first.size)
        self._enlist(first, self._label(state, first, counts))
        state.count("initial_force", float(first.size))

    def summarize(self, state: State, tally: Tally) -> dict[str, Any]:
        if self.front is None:
            return {}
        months = state.n_days / (365.25 / 12)
        mean_strength = self.men_days / max(state.n_days, 1)
        morale = tally.recorder.morale[~np.isnan(tally.recorder.morale)]
        return {
            "force_strength": int(tally.final[Status.SOLDIER]),
            "fighting_strength": self._fighting_strength(state),
            "overrun_units": self.overruns,
            "mobilized_in_training": int(tally.final[Status.MOBILIZED]),
            "wounded_in_care": int(tally.final[Status.WOUNDED]),
            **tally.counters(self.outputs),
            "desertion_share_per_month": round(tally.counter("deserted") / max(mean_strength, 1.0) / months, 6),
            "mean_morale": round(float(morale[-1]), 4) if morale.size else None,
        }

    def _fighting_strength(self, state: State) -> int:
        f, front = self.front, self._front_state(state)
        assert f is not None
        carers = np.minimum(f.carers_per_wounded * self.care_ring.sum(axis=0), front.strength)
        return int(round(float((front.strength - carers).sum())))

    @staticmethod
    def _front_state(state: State) -> FrontState:
        assert state.front is not None  # created in init when the scenario has a front
        return state.front

    # -- recruitment ------------------------------------------------------------------------
    def _recruit_order(self, state: State) -> np.ndarray:
        f, pop = self.front, state.pop
        assert f is not None
        status_ok = np.zeros(len(Status), np.bool_)
        status_ok[Status.AT_HOME] = True
        wanted = (f.initial_strength + f.contract_recruits * state.n_days) / pop.scale * 1.5 + 64
        return draw_order(int(wanted), key_for(state.seed, Stream.RECRUIT, 0), state.status,
                          status_ok, pop.age, 0, f.recruit_age_max, pop.reservist, False, pop.means,
                          f.recruit_means_weight, pop.region, state.world.region_callup_weight,
                          f.recruit_region_weight)

    def _recruit(self, state: State, n: int) -> np.ndarray:
        """The next ``n`` men in recruitment order who are still at home."""
        taken: list[np.ndarray] = []
        while n > 0 and self.recruit_cursor < self.recruit_order.size:
            chunk = self.recruit_order[self.recruit_cursor: self.recruit_cursor + n]
            self.recruit_cursor += chunk.size
            chunk = chunk[state.status[chunk] == Status.AT_HOME]
            taken.append(chunk)
            n -= chunk.size
        men = state.take(taken)
        heap = state.heap
        heap_remove(men, state.decision_group, state.key, heap.start, heap.size, heap.slots, heap.pos)
        return men

    # -- arrivals: agents in, men in --------------------------------------------------------
    def _label(self, state: State, agents: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Put ``counts[g]`` of ``agents`` (in order) in group g, round the group's units; returns
        the group of each agent."""
        groups = np.repeat(np.arange(self.n_groups), counts)
        rank = np.arange(agents.size) - np.repeat(np.cumsum(counts) - counts, counts)
        state.unit[agents] = self.group_first[groups] + rank % self.group_units[groups].astype(np.int64)
        return groups

    def _enlist(self, agents: np.ndarray, groups: np.ndarray) -> None:
        """Add agents just made SOLDIER, and their accounting groups, to the front's roll."""
        end = self.n_soldiers + agents.size
        if end > self.roll.size:
            capacity = max(2 * self.roll.size, end, 1024)
            self.roll = np.concatenate([self.soldiers, np.empty(capacity - self.n_soldiers, np.int64)])
            self.roll_group = np.concatenate([self.soldier_group, np.empty(capacity - self.n_soldiers, np.int64)])
        self.roll[self.n_soldiers: end] = agents
        self.roll_group[self.n_soldiers: end] = groups
        self.n_soldiers = end

    @property
    def soldiers(self) -> np.ndarray:
        """The agents in status SOLDIER, in the order they joined (a view of the roll)."""
        return self.roll[: self.n_soldiers]

    @property
    def soldier_group(self) -> np.ndarray:
        """The accounting group of each of :attr:`soldiers` (a view)."""
        return self.roll_group[: self.n_soldiers]

    def _add_men(self, state: State, agents_per_group: np.ndarray) -> None:
        """Each arriving agent brings ``scale`` men to its group; within the group they go to the
        units furthest below establishment."""
        front = self._front_state(state)
        total = agents_per_group * self.scale
        front.strength += water_fill(front.strength, np.ones_like(front.strength), self.group, total)

    def _arrive(self, state: State, men: np.ndarray) -> None:
        """Trained men join the groups furthest below establishment (water-filling in men)."""
        if not men.size:
            return
        front = self._front_state(state)
        men_g = np.bincount(self.group, weights=front.strength, minlength=self.n_groups)
        quota = water_fill(men_g / self.group_units, self.group_units, np.zeros(self.n_groups, np.int64),
                           np.array([men.size * self.scale])) / self.scale
        counts = _largest_remainder(quota, men.size)
        self._enlist(men, self._label(state, men, counts))
        self._add_men(state, counts.astype(np.float64))

    # -- the day ----------------------------------------------------------------------------
    def step(self, state: State, day: int) -> None:
        new = state.take(state.newly_mobilized)
        f = self.front
        if f is None:
            return
        self.home_departures[day % _HOME_WINDOW_DAYS] = state.crossed_today.sum()
        if new.size:
            state.due_day[new] = day + f.training_days
            self.training.add(day + f.training_days, new)
        # Training and recovery go on after the war has ended; recruitment and fighting stop.
        at_war = state.war_end_day is None
        if at_war:
            self._contract_recruitment(state, day)
        ready = self.training.pop(day)
        ready = ready[(state.status[ready] == Status.MOBILIZED) & (state.due_day[ready] == day)]
        if ready.size:
            state.transition(ready, Status.SOLDIER)
            self._arrive(state, ready)
        self._recover(state, day)
        for index, shock in enumerate(self.shocks.get(day, [])):
            if shock.kind in ("amnesty", "exchange"):
                self._return(state, day, index, shock)
        if at_war:
            self._fight(state, day)
        # wounded burden: the wounded man's own day and his carers'
        in_care = state.status_counts[Status.WOUNDED]
        state.count("soldier_days_lost_to_care", float(in_care) * (1.0 + f.carers_per_wounded))
        self.men_days += float(self._front_state(state).strength.sum())

    def _return(self, state: State, day: int, index: int, shock: FrontShock) -> None:
        """An amnesty (deserters at large come back to the front) or an exchange of prisoners
        (``exchanged_return_share`` of those exchanged go back to the front, the rest are
        discharged); each agent is drawn with a keyed uniform, the returning bring their men to
        the units furthest below establishment."""
        f = self.front
        assert f is not None
        status = Status.DESERTED if shock.kind == "amnesty" else Status.SURRENDERED
        pool = np.flatnonzero(state.status == status)
        back = pool[uniform(state.seed, Stream.FRONT_RETURN, day * 64 + index, pool) < shock.size]
        if shock.kind == "exchange":
            state.count("prisoners_exchanged", float(back.size))
            duty = uniform(state.seed, Stream.EXCHANGE_DUTY, day * 64 + index, back) < f.exchanged_return_share
            state.transition(back[~duty], Status.DISCHARGED)
            back = back[duty]
        else:
            state.count("deserters_returned", float(back.size))
        state.transition(back, Status.SOLDIER)
        self._arrive(state, back)

    def _contract_recruitment(self, state: State, day: int) -> None:
        f = self.front
        assert f is not None
        self.recruit_carry += f.contract_recruits / state.pop.scale
        n = int(self.recruit_carry)
        self.recruit_carry -= n
        men = self._recruit(state, n)
        if men.size:
            state.count("recruited", float(men.size))
            state.transition(men, Status.MOBILIZED)
            # recruits train for their own, shorter course
            state.take(state.newly_mobilized)
            state.due_day[men] = day + f.recruit_training_days
            self.training.add(day + f.recruit_training_days, men)

    def _recover(self, state: State, day: int) -> None:
        f = self.front
        assert f is not None
        healed = self.recoveries.pop(day)
        healed = healed[(state.status[healed] == Status.WOUNDED) & (state.due_day[healed] == day)]
        if not healed.size:
            return
        back = uniform(state.seed, Stream.RECOVERY, day, healed) < f.return_to_duty_share
        returning = healed[back]
        state.transition(returning, Status.SOLDIER)
        # they rejoin their own group (their own unit when a unit is a group), with their men
        groups = self.group[state.unit[returning]]
        self._add_men(state, np.bincount(groups, minlength=self.n_groups).astype(np.float64))
        self._enlist(returning, groups)
        discharged = healed[~back]
        state.transition(discharged, Status.DISCHARGED)
        state.unit[discharged] = -1
        state.count("returned_to_duty", float(returning.size))

    def _fight(self, state: State, day: int) -> None:
        f, front = self.front, self._front_state(state)
        assert f is not None
        seed, scale = state.seed, self.scale
        strength = front.strength
        rate = float(front.casualty_rate[day])
        shocks = self.shocks.get(day, [])
        # the wounded of each unit still in care, and the men tied up caring for them: away from
        # the line (no casualties, no chance to surrender), free to desert
        self.care_ring[day % self.care_days] = 0.0
        in_care = self.care_ring.sum(axis=0)
        # units overrun today (an army-wide chance a unit-day, scaled by the day's combat)
        combat = rate / max(f.casualty_rate.active, 1e-12)
        overrun_chance = min(f.overrun_rate * combat, 1.0)
        for shock in shocks:
            if shock.kind == "morale":  # news of the day moves the sector's morale at once
                sector = self._sector(shock.units)
                front.morale[sector] = np.clip(front.morale[sector] + shock.size, 0.0, 1.0)
            elif shock.kind == "balance":  # the war's prospects as the men see them, for good
                self.balance[self._sector(shock.units)] += shock.size
        credibility = float(self.credibility[day])
        # attrition (casualties among the men at the line, killed among them), then desertion and
        # surrender among the men still fit under their own hazards and the contagion of excess
        # exits, each from its own stream (so one lever does not reshuffle the others), and what
        # the units' own hazards expected of them: one pass over the units (see unit_draws)
        keys = np.array([key_for(seed, stream, day) for stream in _UNIT_STREAMS], np.uint64)
        overrun, fit, killed, wounded, deserted, surrendered, expected = unit_draws(
            keys, self.hazard_parameters, strength, in_care, front.morale, front.memory - front.expected,
            front.army_memory - front.army_expected, rate, overrun_chance, float(self.refuge[day]), credibility)
        # surrender hotline: contacts among the men still at their post
        self.hotline_carry += f.hotline_contacts
        n_contacts = int(self.hotline_carry)
        self.hotline_carry -= n_contacts
        at_post = fit - deserted - surrendered
        n_contacts = min(n_contacts, int(at_post.sum()))
        if n_contacts:
            contacts = split_binomial(seed, Stream.HOTLINE, day, n_contacts, at_post.astype(np.float64))
            # a caller still needs contact with the enemy to surrender, and weighs credibility as
            # every man does (the conversion is the Ukrainian figure at the reference)
            choice = surrender_choice(f, np.array([f.morale_base]), credibility=credibility)
            reference = surrender_choice(f, np.array([f.morale_base]), credibility=f.credibility_reference)
            p_conv = min(1.0, f.hotline_conversion * float(choice[0] / max(reference[0], 1e-300)) * min(combat, 1.0))
            converts = binomial(seed, Stream.HOTLINE_CONVERSION, day, contacts, p_conv)
            surrendered = surrendered + converts
            expected = expected + contacts * p_conv  # the hotline's steady flow is no precedent
            state.count("hotline_contacts", n_contacts / scale)
            state.count("hotline_surrenders", float(converts.sum()) / scale)
        for index, shock in enumerate(shocks):
            if shock.kind in ("surrender", "desertion"):  # a sector gives up at once
                at_post = fit - deserted - surrendered
                in_sector = np.zeros(at_post.size, np.bool_)
                in_sector[self._sector(shock.units)] = True
                gone = binomial(seed, Stream.FRONT_SHOCK, day * 64 + index, np.where(in_sector, at_post, 0),
                                shock.size)
                if shock.kind == "surrender":
                    surrendered = surrendered + gone
                else:
                    deserted = deserted + gone
        outcomes = np.stack([killed, wounded, deserted, surrendered], axis=1).astype(np.float64)
        for (_, counter), column in zip(OUTCOMES, outcomes.T, strict=True):
            state.count(counter, float(column.sum()) / scale)

        # memory of exits and of expected exits (per man), then morale, from the men-level counts
        men = np.maximum(strength, 1e-9)
        exits = outcomes[:, 2] + outcomes[:, 3]
        front.memory = decay_memory(front.memory, f.memory_days) + exits / men
        front.expected = decay_memory(front.expected, f.memory_days) + expected / men
        army_men = max(float(strength.sum()), 1e-9)
        forget = float(np.exp(-1.0 / f.memory_days))
        front.army_memory = front.army_memory * forget + float(exits.sum()) / army_men
        front.army_expected = front.army_expected * forget + float(expected.sum()) / army_men
        home_news = self.home_departures.sum() / self.men
        target = (f.morale_base + f.pay_morale - f.morale_home_news_impact * home_news
                  - f.morale_contagion_impact * 100.0 * (front.memory - front.expected)
                  - f.morale_care_impact * in_care / men + self.balance)
        front.morale = np.clip(front.morale + f.morale_recovery * (target - front.morale)
                               - f.morale_killed_impact * outcomes[:, 0] / men
                               - f.morale_wounded_impact * outcomes[:, 1] / men, 0.0, 1.0)
        front.strength = np.maximum(strength - outcomes.sum(axis=1), 0.0)
        self.care_ring[day % self.care_days] = outcomes[:, 1]  # out of care in recovery_days
        self.overruns += int(overrun.sum())
        self._account(state, day, outcomes)

    def _sector(self, share: float) -> slice:
        """The units of a shock's sector: the first ``ceil(share · units)`` units on the line."""
        n_units = self.group.size
        return slice(0, max(1, int(np.ceil(share * n_units - 1e-9))))

    def _account(self, state: State, day: int, outcomes: np.ndarray) -> None:
        """Move agents to KILLED, WOUNDED, DESERTED, SURRENDERED as the men-level counts say."""
        for k in range(len(OUTCOMES)):
            self.men_out[:, k] += np.bincount(self.group, weights=outcomes[:, k], minlength=self.n_groups)
        due = np.floor(self.men_out / self.scale + self.theta).astype(np.int64) - self.moved
        if not due.any():
            return
        if self.soldiers.size != state.status_counts[Status.SOLDIER]:
            # only the front makes or unmakes soldiers; should another module have moved one, the
            # roll is filtered against the status column (a pass with a gather per soldier)
            keep = state.status[self.soldiers] == Status.SOLDIER
            roll, roll_group = self.soldiers[keep], self.soldier_group[keep]
            self.n_soldiers = roll.size
            self.roll[: roll.size], self.roll_group[: roll.size] = roll, roll_group
        available = np.bincount(self.soldier_group, minlength=self.n_groups)
        need = due.sum(axis=1)
        for g in np.flatnonzero(need > available):  # too few agents: the rest waits (rare)
            due[g] = _largest_remainder(due[g] * (available[g] / need[g]), int(available[g]))
        # each group's carriers drawn among its fit soldiers without replacement (keyed uniforms,
        # no sort), its outcomes dealt to them in a keyed random order
        n_kept, chosen, outcome = pick_carriers(
            key_for(state.seed, Stream.FRONT_PICK, day),
            key_for(state.seed, Stream.FRONT_PICK_OUTCOME, day),
            self.soldiers, self.soldier_group, available, np.ascontiguousarray(due))
        self.n_soldiers = n_kept
        f = self.front
        assert f is not None
        for k, (status, _) in enumerate(OUTCOMES):
            agents = chosen[outcome == k]
            state.transition(agents, status)
            if status == Status.WOUNDED:
                back = day + int(np.ceil(f.recovery_days))
                state.due_day[agents] = back
                self.recoveries.add(back, agents)
            else:
                state.unit[agents] = -1
        self.moved += due
