"""Each mechanism module alone (or with the minimum it reads) on a few hundred men.

Built with :mod:`exitwave.testing`: the fictional Ruritanian call-up (``examples/``), about 300
to 1,000 agents, no full Simulation. The test plays the other modules through the State's
hand-off lists, and every test checks conservation (each man in exactly one status, counts in
agreement with the queues and sets). Each test runs in milliseconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from exitwave.kernels.heap import heap_remove
from exitwave.modules import (
    DEFAULT_MODULES,
    Decision,
    Force,
    Information,
    Mobilization,
    Movement,
    Reception,
    Termination,
)
from exitwave.modules.decision import individual_weight
from exitwave.modules.protocol import ModuleError
from exitwave.outputs import registry
from exitwave.population import contacts, men_by_age
from exitwave.state import State
from exitwave.testing import (
    STAND_INS,
    TinyRun,
    assert_conserved,
    hand_abroad,
    hand_leaving,
    module_fields,
    step,
    tiny_run,
    tiny_state,
)
from exitwave.vocabulary import ABROAD_STATUSES, Status

# Ruritania-callup: day 0 is 2030-03-01; the wave's first day (and the call-up news) is day 7.
WAVE_DAY = 7


def _count(state: State, status: Status, men: np.ndarray | None = None) -> int:
    column = state.status if men is None else state.status[men]
    return int((column == status).sum())


def _within(observed: float, p: np.ndarray, sds: float = 4.0) -> bool:
    """``observed`` successes are within ``sds`` standard deviations of Bernoulli(p) trials."""
    return abs(observed - p.sum()) <= sds * float(np.sqrt((p * (1 - p)).sum())) + 1.0


# --- the small state itself --------------------------------------------------------------------
def test_tiny_run_has_the_men_asked_for_and_only_the_counters_of_its_modules() -> None:
    run = tiny_run(modules=[Movement], men=300, days=10)
    state = run.state
    assert state.n == 300 and state.n_days == 10
    world_men = men_by_age(state.world, state.scenario.population.age_min, state.scenario.population.age_max).sum()
    assert state.n * state.pop.scale == pytest.approx(world_men)
    assert state.counter_names == frozenset(registry([Movement]).counters())
    state.count("gave_up", 1.0)  # a movement counter
    with pytest.raises(KeyError, match="summonses"):
        state.count("summonses", 1.0)  # mobilization's, not in this run
    assert [m.name for m in run.modules] == ["movement"]
    assert_conserved(state)


def test_every_module_field_has_a_stand_in_sized_for_the_men() -> None:
    assert set(STAND_INS) == set(module_fields())
    state = tiny_state(modules=[], men=200)
    for name in ("contacts_abroad", "key", "depart_day", "attempts", "summoned_day", "crossing", "country",
                 "unit"):
        assert getattr(state, name).shape == (state.n,), name
    assert state.queues.sizes.shape == (state.world.n_crossings,)
    assert state.access.shape == (state.world.n_regions, 4)
    assert state.heap.pos.shape == (state.n,) and (state.heap.pos == -1).all()


def test_given_instances_are_initialised_and_stepped_in_order() -> None:
    calls: list[str] = []

    class Probe:
        reads: tuple[str, ...] = ("leaving",)
        writes: tuple[str, ...] = ()
        updates: tuple[str, ...] = ()

        def __init__(self, name: str) -> None:
            self.name = name

        def init(self, state: State) -> None:
            calls.append(f"init {self.name}")

        def step(self, state: State, day: int) -> None:
            calls.append(f"{self.name} {day}")

    first, second = Probe("first"), Probe("second")
    state = tiny_state(modules=[first, second], days=3)
    step(state, [first, second], 0)
    assert calls == ["init first", "init second", "first 0", "second 0"]


def test_tiny_run_checks_its_module_list_and_its_days() -> None:
    with pytest.raises(ModuleError, match="movement"):
        tiny_run(modules=[Movement, Movement])
    run = tiny_run(modules=[Movement], days=2)
    run.step(2)
    with pytest.raises(ValueError, match="2 days"):
        run.step()


def test_the_whole_default_list_runs_on_a_tiny_state() -> None:
    run = tiny_run(modules=DEFAULT_MODULES, men=300, days=30)
    for _ in range(30):
        run.step()
        assert run.problems() == []
    assert run.state.counters["summonses"] > 0


# --- movement ----------------------------------------------------------------------------------
def _leavers(run: TinyRun, k: int) -> np.ndarray:
    """``k`` men with an international passport (every crossing is open to them)."""
    return np.flatnonzero(run.state.pop.passport)[:k]


def test_movement_leavers_travel_queue_and_cross_within_capacity() -> None:
    run = tiny_run(modules=[Movement], men=300, days=13)
    state, world = run.state, run.state.world
    men = hand_leaving(state, _leavers(run, 60), day=0)
    per_day = world.exit_capacity / state.pop.scale  # agents a crossing may pass a day
    crossed = np.zeros(world.n_crossings)
    queued_at_most = 0
    for day in range(13):
        run.step()
        assert_conserved(state, day)
        crossed += state.crossed_today
        # fractional capacity carries over, and an idle crossing banks at most one agent
        assert (crossed <= per_day * (day + 1) + 1 + 1e-9).all(), (day, crossed)
        queued_at_most = max(queued_at_most, _count(state, Status.QUEUED))
    assert queued_at_most > 10  # capacity binds: 60 men against ~1.2 agents a day
    assert state.crossed.sum() == crossed.sum() > 0
    # who crossed is handed to reception and information, in that country, and nobody else
    over = State.take(state.entering_country)
    assert sorted(over.tolist()) == sorted(State.take(state.newly_abroad).tolist())
    assert over.size == crossed.sum() and np.isin(over, men).all()
    assert (state.country[over] == world.crossing_country[state.crossed > 0][0]).any()
    assert (state.country[over] >= 0).all() and (state.country[np.setdiff1d(men, over)] == -1).all()
    assert state.departed_by_region.sum() == crossed.sum()
    # everyone else is still travelling, queueing, or back home (and handed back to decision)
    home = State.take(state.turned_home)
    assert _count(state, Status.AT_HOME, men) == np.unique(home).size == home.size
    gone_home = sum(state.counters[c] for c in ("no_route", "gave_up", "turned_back_entry",
                                                 "turned_back_exit_closed"))
    assert gone_home == home.size
    assert (_count(state, Status.TRAVELLING, men) + _count(state, Status.QUEUED, men) + home.size
            == men.size)  # the men who crossed are TRAVELLING until reception places them


def test_movement_men_balk_at_a_queue_longer_than_they_would_wait() -> None:
    """No artificial backlog: a crossing holds at most its capacity times its arrivals' patience."""
    patience = 2.0
    run = tiny_run(modules=[Movement], men=300, days=8, overrides={
        "behaviour.patience_days": patience, "behaviour.switch_probability": 0.0})
    state, world = run.state, run.state.world
    hand_leaving(state, _leavers(run, 200), day=0)
    per_day = world.exit_capacity / state.pop.scale
    for day in range(8):
        run.step()
        assert_conserved(state, day)
        # a man joins only while the wait ahead of him is within his patience (exponential,
        # mean 2 days: beyond 20 days only one man in 20,000)
        assert (state.queues.sizes <= per_day * 10 * patience + 1).all(), day
    assert state.counters["balked"] > 0
    assert state.counters["gave_up"] >= state.counters["balked"]  # no switching: balkers go home
    # with a patient population nobody balks at the same crossings
    patient = tiny_run(modules=[Movement], men=300, days=8, overrides={
        "behaviour.patience_days": 1e9, "behaviour.switch_probability": 0.0})
    hand_leaving(patient.state, _leavers(patient, 200), day=0)
    patient.step(8)
    assert patient.state.counters["balked"] == 0


def test_movement_a_closed_exit_turns_the_queue_back_and_offers_no_route() -> None:
    closure_day = 4
    run = tiny_run(modules=[Movement], men=300, days=10, overrides={
        "countermeasures.exit_closure": {"from": "2030-03-05"}})
    state = run.state
    men = hand_leaving(state, _leavers(run, 60), day=0)
    run.step(closure_day)
    queued = _count(state, Status.QUEUED)
    assert queued > 10
    before = state.crossed.sum()
    run.step()  # the closure: every queue is sent home
    assert _count(state, Status.QUEUED) == 0
    assert state.counters["turned_back_exit_closed"] >= queued
    assert state.crossed.sum() == before and state.crossed_today.sum() == 0
    assert_conserved(state, closure_day)
    # men who set out while the exits are closed have no route: home the same day
    late = hand_leaving(state, np.setdiff1d(_leavers(run, 80), men)[:10], day=run.day)
    no_route = state.counters["no_route"]
    run.step()
    assert state.counters["no_route"] == no_route + late.size
    assert _count(state, Status.AT_HOME, late) == late.size
    assert state.crossed.sum() == before
    assert_conserved(state, run.day - 1)


# --- reception ---------------------------------------------------------------------------------
def test_reception_places_arrivals_by_policy_and_counts_the_stock() -> None:
    # open door: Syldavia (XS) grants asylum from day 7; Borduria (XB) has no asylum policy
    run = tiny_run("ruritania-open-door", modules=[Reception], men=300, days=20,
                   overrides={"behaviour.asylum_processing_days": 3})
    state, world = run.state, run.state.world
    xb, xs = world.country_index("XB"), world.country_index("XS")
    run.step(8)
    to_xb = hand_abroad(state, np.arange(0, 10), "XB")
    to_xs = hand_abroad(state, np.arange(10, 16), "XS")
    run.step()
    assert state.stock[xb] == 10 and state.stock[xs] == 6
    assert _count(state, Status.ABROAD, to_xb) == 10
    assert _count(state, Status.ASYLUM_PENDING, to_xs) == 6
    assert state.counters["asylum_applications"] == 6
    assert_conserved(state, run.day - 1)
    run.step(3)  # decided after asylum_processing_days, granted under 'grant'
    assert _count(state, Status.PROTECTED, to_xs) == 6
    assert state.counters["recognised"] == 6
    abroad = np.isin(state.status, ABROAD_STATUSES).sum()
    assert state.stock.sum() == abroad
    assert_conserved(state, run.day - 1)


def test_reception_without_asylum_leaves_arrivals_unprotected() -> None:
    # the call-up scenario: Syldavia has no asylum policy (refuse)
    run = tiny_run(modules=[Reception], men=300, days=20, overrides={"behaviour.asylum_processing_days": 3})
    state = run.state
    men = hand_abroad(state, np.arange(6), "XS")
    run.step(5)
    assert state.counters["asylum_applications"] == 0
    assert _count(state, Status.PROTECTED) == 0
    assert np.isin(state.status[men], (Status.ABROAD, Status.TRAVELLING, Status.RETURNED)).all()
    assert_conserved(state, run.day - 1)


def test_reception_screens_transit_arrivals_within_capacity_and_relocates_them() -> None:
    run = tiny_run(modules=[Reception], men=300, days=20, overrides={"policies": [
        {"country": "XS", "from": "2030-03-01", "transit_only": True, "screening_capacity_per_day": 2330,
         "coalition": ["XF"], "relocation_key": "population"}]})
    state, world = run.state, run.state.world
    xs, xf = world.country_index("XS"), world.country_index("XF")
    per_day = 2330 / state.pop.scale  # one agent a day
    men = hand_abroad(state, np.arange(8), "XS")
    for day in range(12):
        run.step()
        assert_conserved(state, day)
        screened = state.relocated.sum()
        assert screened <= per_day * (day + 1) + 1e-9
        assert state.screening_queues.sizes[xs] == _count(state, Status.SCREENING) == men.size - screened
    assert state.relocated[xf] == men.size  # the coalition is Grand Fenwick alone
    assert state.stock[xf] + _count(state, Status.TRAVELLING, men) == men.size
    assert state.stock[xs] == 0


# --- decision ----------------------------------------------------------------------------------
def test_decision_a_large_threat_sends_the_expected_men_into_leaving() -> None:
    news_day = 4
    run = tiny_run(modules=[Decision], men=1000, days=8, overrides={
        "mobilization.waves": [], "news": [{"date": "2030-03-05", "urgency": 20, "half_life_days": 1}]})
    state, b = run.state, run.state.scenario.behaviour
    # without a call-up and with every route open, the shared hazard of day d is
    # h0 · exp(w_urgency · urgency(d)), urgency(d) = 20 · 0.5^(d − 4) from the news day on
    urgency = np.array([20 * 0.5 ** (d - news_day) if d >= news_day else 0.0 for d in range(news_day + 1)])
    shared = float((b.baseline_leave_rate * np.exp(b.urgency_weight * urgency)).sum())
    assert np.allclose(sum(run.module("decision").group_hazard(state, d) for d in range(news_day + 1)), shared)
    # each man's chance of having left by the end of the news day: 1 - exp(-w_i · Σ_d G(d))
    everyone = np.arange(state.n)
    p = -np.expm1(-shared * individual_weight(state, everyone))
    left: list[np.ndarray] = []
    for day in range(news_day + 1):
        run.step()
        today = State.take(state.leaving)
        if day < news_day:
            assert today.size <= 1  # the baseline hazard is tiny
        left.append(today)
        assert_conserved(state, day)
        in_heap = state.heap.pos >= 0
        assert np.array_equal(in_heap, state.status == Status.AT_HOME)  # the heap holds the men at home
    gone = np.concatenate(left)
    assert gone.size > 100  # ~10 % of the men
    assert _within(gone.size, p)
    assert (state.status[gone] == Status.TRAVELLING).all()
    assert (state.depart_day[gone] <= news_day).all() and (state.attempts[gone] == 1).all()
    # men with a higher individual weight (richer, a passport, younger) were more likely to go
    weight = individual_weight(state, everyone)
    assert weight[gone].mean() > weight.mean()


def test_decision_men_turned_home_rejoin_their_heap() -> None:
    run = tiny_run(modules=[Decision], men=300, days=5, overrides={"mobilization.waves": []})
    state = run.state
    men = np.arange(20)
    heap = state.heap
    heap_remove(men, state.decision_group, state.key, heap.start, heap.size, heap.slots, heap.pos)
    hand_leaving(state, men, day=0)
    State.take(state.leaving)
    state.transition(men, Status.AT_HOME)  # as movement does when it sends them home
    state.turned_home.append(men)
    run.step()
    assert (state.heap.pos[men] >= 0).all()
    assert state.heap.size.sum() == _count(state, Status.AT_HOME)


# --- mobilization ------------------------------------------------------------------------------
def test_mobilization_a_wave_summons_eligible_men_and_takes_them_out_of_the_heap() -> None:
    quota, summons_days, capacity = 100_000, 10, 30_000.0
    run = tiny_run(modules=[Mobilization, Decision], men=1000, days=WAVE_DAY + summons_days + 2, overrides={
        "mobilization.exempt_share": 0.2,
        "mobilization.waves": [{"date": "2030-03-08", "quota": quota, "summons_days": summons_days,
                                "pace_days": summons_days, "capacity_per_day": capacity}]})
    state = run.state
    for day in range(state.n_days):
        run.step()
        assert_conserved(state, day)
        assert np.array_equal(state.heap.pos >= 0, state.status == Status.AT_HOME), day
        if day < WAVE_DAY:
            assert state.counters["summonses"] == 0
    summoned = np.flatnonzero(state.summoned_day >= 0)
    # a quota beyond this small population: the draft offices serve at their capacity every day
    per_day = capacity / state.pop.scale
    assert state.counters["summonses"] <= per_day * summons_days + 1
    assert state.counters["summonses"] >= 0.5 * per_day * summons_days
    exempted = state.counters["exempted"]
    assert exempted > 0 and summoned.size == state.counters["summonses"] - exempted
    assert state.pop.reservist[summoned].all()
    assert ((state.pop.age[summoned] >= 18) & (state.pop.age[summoned] <= 49)).all()
    assert ((state.summoned_day[summoned] >= WAVE_DAY) & (state.summoned_day[summoned] < WAVE_DAY + summons_days)).all()
    # the summoned left the heap of men at home: they hid, reported, left or wait
    assert (state.heap.pos[summoned] == -1).all()
    assert not (state.status[summoned] == Status.AT_HOME).any()
    reported = state.counters["reported"] + state.counters["reported_willing"]
    assert state.counters["reported_willing"] > 0
    assert reported > 0 and _count(state, Status.MOBILIZED) == reported + state.counters["found_in_hiding"]


@pytest.mark.parametrize(("rate", "found_some"), [("0.5 per day", True), ("0 per day", False)])
def test_mobilization_enforcement_finds_men_in_hiding(rate: str, found_some: bool) -> None:
    run = tiny_run(modules=[Mobilization], men=1000, days=5, overrides={
        "mobilization.waves": [], "mobilization.enforcement_rate": rate})
    state = run.state
    hiding = np.arange(800)
    state.transition(hiding, Status.HIDING)
    state.hiding = hiding.copy()
    run.step()
    found = state.counters["found_in_hiding"]
    assert_conserved(state)
    if found_some:
        assert _within(found, np.full(hiding.size, -np.expm1(-0.5)))
    else:
        assert found == 0
    taken = State.take(state.newly_mobilized)  # handed to the force
    assert taken.size == found == _count(state, Status.MOBILIZED)
    assert state.hiding.size == hiding.size - found


# --- information -------------------------------------------------------------------------------
def test_information_a_man_abroad_raises_his_contacts_count() -> None:
    run = tiny_run(modules=[Information], men=300, days=3)
    state = run.state
    hand_abroad(state, [0], "XB")
    _, neighbours = contacts(state.pop, np.array([0]))
    assert 0 < neighbours.size <= state.pop.degree
    run.step()
    assert np.array_equal(state.contacts_abroad, np.bincount(neighbours, minlength=state.n))
    assert state.newly_abroad == []  # taken


def test_information_a_contact_abroad_raises_the_leave_hazard() -> None:
    run = tiny_run(modules=[Information, Decision], men=300, days=3)
    state = run.state
    odds = state.scenario.behaviour.network_odds_per_contact_abroad
    key, level = state.key.copy(), state.heap.level.copy()
    hand_abroad(state, [0], "XB")
    _, neighbours = contacts(state.pop, np.array([0]))
    run.module("information").step(state, 0)  # information alone, before decision acts
    ties = np.bincount(neighbours, minlength=state.n)
    touched = np.flatnonzero(ties)
    g = state.decision_group[touched]
    expected = level[g] + (key[touched] - level[g]) / odds ** ties[touched]
    assert np.allclose(state.key[touched], expected)
    untouched = np.flatnonzero(ties == 0)
    assert np.array_equal(state.key[untouched], key[untouched])


def test_information_threshold_rule_fires_contacts_who_then_leave() -> None:
    run = tiny_run(modules=[Information, Decision], men=300, days=3, overrides={
        "behaviour.decision_rule": "threshold", "population.threshold_mean": 0.05,
        "population.threshold_sd": 0.0})
    state = run.state
    hand_abroad(state, [0], "XB")
    _, neighbours = contacts(state.pop, np.array([0]))
    at_home = np.unique(neighbours[state.status[neighbours] == Status.AT_HOME])
    run.step()
    leaving = State.take(state.leaving)
    assert np.isin(at_home, leaving).all()  # one contact abroad of 12 reaches a 5 % threshold
    assert (state.status[at_home] == Status.TRAVELLING).all()
    assert_conserved(state)


# --- force and termination ---------------------------------------------------------------------
FRONT_MEN, SOLDIERS = 5000, 2000  # agents: the population and the initial force


def _front(**changes: object) -> dict[str, object]:
    """A tiny front of 2,000 agents in 10 units (the example world at 5,000 agents: 139.8 men each)."""
    front: dict[str, object] = {
        "initial_strength": 279_600, "unit_size": 27_960, "default_intensity": "heavy",
        "casualty_rate": {"heavy": "0.05 per day"}, "contract_recruits": "0 per day",
        "hotline_contacts": "0 per day", "desertion_rate": "0 per day", "surrender_rate": "0 per day",
        "war_end": {"rule": "none"},
        # the values a country gives (the example world gives none: it has no front)
        "training_days": 30, "recruit_age_max": 49, "deserter_recognition": 0.05, "hotline_conversion": 0.0085}
    front.update(changes)
    return {"front": front}


def test_force_a_tiny_front_loses_the_expected_men_to_casualties() -> None:
    days = 20
    # no carers: every man is at the line and exposed (carers are tested in test_force.py)
    run = tiny_run(modules=[Force], men=FRONT_MEN, days=days, overrides=_front(carers_per_wounded=0.0))
    state, front = run.state, run.state.front
    assert front is not None
    scale = state.pop.scale  # 139.8 men per agent
    initial = state.counters["initial_force"]
    assert initial == _count(state, Status.SOLDIER) == SOLDIERS
    # units are men: 10 units of 27,960 men (200 agents each, so each unit is its own group)
    assert front.strength.size == 10 and (front.strength == 27_960).all()
    soldiers = np.flatnonzero(state.status == Status.SOLDIER)
    in_care_days = 0.0
    for day in range(days):
        run.step()
        assert_conserved(state, day)
        in_care_days += _count(state, Status.WOUNDED)
        # the agents follow the men: within one agent per unit and outcome (killed, wounded)
        assert abs(_count(state, Status.SOLDIER) * scale - front.strength.sum()) < 10 * 2 * scale
    killed, wounded = state.counters["killed"] * scale, state.counters["wounded"] * scale  # men
    p_casualty = -np.expm1(-0.05 * days)  # nobody recovers within the run (60 days)
    men = np.full(279_600, p_casualty)
    assert _within(killed + wounded, men)  # drawn on men, not on agents
    assert _within(killed, men * 0.25)  # killed_share
    assert front.strength.sum() == pytest.approx(279_600 - killed - wounded)
    assert abs(_count(state, Status.KILLED) - killed / scale) < 10
    assert abs(_count(state, Status.WOUNDED) - wounded / scale) < 10
    assert _count(state, Status.SOLDIER) == initial - _count(state, Status.KILLED) - _count(state, Status.WOUNDED)
    assert (state.unit[state.status == Status.KILLED] == -1).all()
    assert np.isin(np.flatnonzero(state.status != Status.AT_HOME), soldiers).all()
    assert state.counters["soldier_days_lost_to_care"] == pytest.approx(in_care_days * 1.0)


def test_force_a_quiet_front_loses_fewer_men() -> None:
    heavy = tiny_run(modules=[Force], men=FRONT_MEN, days=15, overrides=_front())
    quiet = tiny_run(modules=[Force], men=FRONT_MEN, days=15, overrides=_front(default_intensity="quiet"))
    heavy.step(15)
    quiet.step(15)
    assert quiet.state.counters["killed"] + quiet.state.counters["wounded"] < 0.2 * (
        heavy.state.counters["killed"] + heavy.state.counters["wounded"])


def test_termination_breakpoint_ends_the_war_and_the_front_stops() -> None:
    run = tiny_run(modules=[Force, Termination], men=FRONT_MEN, days=25, overrides=_front(war_end={
        "rule": "breakpoint", "loss_threshold_low": 0.2, "loss_threshold_high": 0.2,
        "morale_threshold_low": 0.0, "morale_threshold_high": 0.0}))
    state = run.state
    assert state.war_end_thresholds["loss"] == pytest.approx(0.2)
    peak, first_below = 0, None
    killed_at: list[float] = []
    for day in range(state.n_days):
        run.step()
        soldiers = _count(state, Status.SOLDIER)
        peak = max(peak, soldiers)
        if first_below is None and soldiers < 0.8 * peak:
            first_below = day
        killed_at.append(state.counters["killed"] + state.counters["wounded"])
        assert_conserved(state, day)
    assert first_below is not None and state.war_end_day == first_below
    # after the war's end nobody else becomes a casualty
    assert len(set(killed_at[first_below + 1:])) == 1
