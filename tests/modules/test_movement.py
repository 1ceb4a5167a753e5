"""Crossings: closures, capacity, draft offices."""

from __future__ import annotations

import datetime as dt

import numpy as np

from exitwave.scenario.load import load_scenario
from exitwave.state import Status
from exitwave.vocabulary import AIR
from helpers import run_small

FINNISH = ["vaalimaa_torfyanovka", "nuijamaa_brusnichnoye", "imatra_svetogorsk", "niirala_vyartsilya",
           "salla_kelloselka", "raja_jooseppi_lotta", "vartius_lyttya", "kuusamo_suoperya"]


def _finland_open_then_closed(close: str) -> object:
    # Finland open to everyone from the decree, then closed from `close`.
    return load_scenario("russia-2022", overrides={"policies": [
        {"country": "FI", "from": "2022-09-21", "entry": "open"},
        {"country": "FI", "from": close, "entry": "closed"},
    ]})


def test_closing_finland_stops_entries_from_that_day():
    close = "2022-10-01"
    results = run_small(_finland_open_then_closed(close), scale=500, days=40)
    crossed = results.series[[f"crossed.{c}" for c in FINNISH]].sum(axis=1)
    cutoff = np.datetime64(dt.date.fromisoformat(close))
    assert crossed[crossed.index < cutoff].sum() > 1000  # real flows before
    assert crossed[crossed.index >= cutoff].sum() == 0


def test_no_crossing_passes_more_than_its_capacity_in_a_day():
    keep: list = []
    results = run_small("russia-2022", keep=keep, scale=500, days=30)
    world = keep[0].world
    scale = results.summary["scale"]
    for c, cid in enumerate(world.crossing_ids):
        daily = results.series[f"crossed.{cid}"]
        # capacity in agents accrues fractionally: at most one agent above it on a day
        assert daily.max() <= world.exit_capacity[c] + scale + 1e-6, cid
    busiest = results.series.filter(like="queue_length.").max().idxmax()
    assert results.series[busiest].max() > 0  # capacity did bind somewhere


def test_draft_office_detains_only_summoned_men():
    # without a front, MOBILIZED holds only men taken by the call-up (no paid volunteers)
    scenario = load_scenario("russia-2022", overrides={"front": None, "countermeasures": {"draft_offices": [
        {"crossing": cid, "from": "2022-09-14", "detention_probability": 1.0}
        for cid in ["upper_lars", "mashtakovo_syrym", "ozinki_taskala", "vishnevka_zhanibek",
                    "karauzek_kurmangazy", "sagarchin_zhaisan"]]}})
    keep: list = []
    results = run_small(scenario, keep=keep, scale=500, days=30)
    state = keep[0].state
    assert results.summary["detained_at_border"] > 0
    # every man ever summoned who queued at those crossings after being summoned was detained;
    # nobody unsummoned was: mobilized men all carry a summons date
    mobilized = np.flatnonzero(state.status == Status.MOBILIZED)
    assert (state.summoned_day[mobilized] >= 0).all()
    no_wave = load_scenario("russia-2022", overrides={
        "mobilization.waves": [], "front": None,
        "countermeasures": scenario.countermeasures.model_dump(by_alias=True, mode="json")})
    quiet = run_small(no_wave, scale=500, days=30)
    assert quiet.summary["departed"] > 0
    assert quiet.summary["detained_at_border"] == 0


def test_exit_closure_turns_everyone_back_and_stops_departures():
    scenario = load_scenario("asylum-coalition-exits-closed")
    results = run_small(scenario, scale=1000, days=40)
    closed_from = np.datetime64(scenario.countermeasures.exit_closure.from_)
    daily = results.series["departed_daily"]
    assert daily[daily.index < closed_from].sum() > 0
    assert daily[daily.index >= closed_from].sum() == 0
    assert results.series["turned_back_exit_closed"].iloc[-1] > 0


def test_queued_men_give_up_or_switch_when_patience_runs_out():
    results = run_small("russia-2022", scale=500, days=30)
    assert results.series["gave_up"].iloc[-1] > 0
    assert results.series["switched_crossing"].iloc[-1] > 0


def test_a_visa_fee_deters_the_men_who_cannot_pay_it():
    from exitwave.scenario.schema import Policy

    base = load_scenario("russia-2022")
    fee = 1200.0  # USD; with fee_budget_usd 2000 only men of means ≥ 0.6 can pay it

    def with_fee(usd: float) -> object:
        return base.model_copy(update={"policies": [*base.policies,
                                                    Policy.model_validate({"country": "KZ", "visa_fee_usd": usd})]})

    keep: list = []
    free = run_small(base, keep=keep, scale=1000, days=30)
    charged = run_small(with_fee(fee), keep=keep, scale=1000, days=30)
    zero = run_small(with_fee(0.0), scale=1000, days=30)
    world = keep[0].world
    kz_crossings = [cid for c, cid in enumerate(world.crossing_ids)
                    if world.country_ids[world.crossing_country[c]] == "KZ"]

    def into_kz(results) -> float:  # noqa: ANN001
        return sum(results.summary["by_crossing"].get(cid, 0) for cid in kz_crossings)

    # fewer men use the Kazakh crossings (their capacity binds, so men who can pay fill part of the gap)
    assert into_kz(charged) < 0.95 * into_kz(free)
    # who still goes to Kazakhstan is better off: every man who crossed into it can pay the fee
    state = keep[1].state
    kz = world.country_ids.index("KZ")
    budget = state.pop.means.astype(float) * state.scenario.behaviour.fee_budget_usd
    crossed_in = (state.country == kz) & (state.depart_day >= 0)
    assert crossed_in.sum() > 0 and (budget[crossed_in] >= fee).mean() > 0.95
    # a zero fee is the lever switched off: identical to the status quo
    assert zero.summary["departed"] == free.summary["departed"]
    assert zero.summary["by_destination"] == free.summary["by_destination"]


def test_the_land_capacity_factor_scales_land_crossings_only():
    factor = 0.5
    keep: list = []
    sc = load_scenario("russia-2022", overrides={"behaviour.land_capacity_factor": factor})
    results = run_small(sc, keep=keep, scale=500, days=30)
    world = keep[0].world
    scale = results.summary["scale"]
    land_busy = 0
    for c, cid in enumerate(world.crossing_ids):
        daily = results.series[f"crossed.{cid}"]
        air = world.crossing_mode[c] == AIR
        limit = world.exit_capacity[c] * (1.0 if air else factor)
        assert daily.max() <= limit + scale + 1e-6, cid
        # the jammed land crossings pass their scaled capacity, well above half the world's
        land_busy += int(not air and daily.max() > 0.9 * limit > 0)
    assert land_busy >= 5


def test_a_holding_point_keeps_its_occupants_until_the_release_date() -> None:
    """The Prague embassy of the gdr-1989 world (holding: true, capacity 0 until 30 Sep 1989) is
    chosen although it passes nobody, keeps its occupants past their patience, and releases them
    on its date (an ordinary crossing of capacity 0 is never chosen)."""
    from helpers import run_small

    scale = 1000.0
    series = run_small("gdr-1989", scale=scale, days=281).series  # to 8 Oct 1989
    crossed = series["crossed.prague_embassy"]
    queue = series["queue_length.prague_embassy"]
    assert crossed.loc[:"1989-09-29"].sum() == 0
    assert queue.loc["1989-09-29"] > 0  # people waited there, patience or not
    assert crossed.loc["1989-09-30":"1989-10-01"].sum() > 0
    # capacity 0 again until 4 Oct: at most the one agent's worth of unused capacity a crossing
    # carries over (exitwave.capacity.DailyCapacity) passes on 2–3 Oct
    assert crossed.loc["1989-10-02":"1989-10-03"].sum() <= scale
    assert series["crossed.berlin_wall"].sum() == 0  # not open before 9 Nov


def test_route_attraction_with_extreme_exponents_stays_finite():
    """Issue 16 (fuzzer finding): route_distance_exponent 1e300 made every route's attraction
    underflow to 0 and the access series NaN; the row is computed in logs instead."""
    from exitwave.modules.movement import _opportunity

    km = np.array([[300.0, 900.0, 5000.0], [1200.0, 250.0, 800.0]])
    capacity = np.array([2000.0, 0.0, 500.0])
    ordinary = _opportunity(km, capacity, 0.39, 1.0)
    assert np.array_equal(ordinary, km ** -0.39 * (capacity / 1000.0))  # the plain product, unchanged
    for a, b in ((1e300, 1.0), (0.39, 1e300), (1e300, 1e300), (800.0, 0.0)):
        opportunity = _opportunity(km, capacity, a, b)
        assert np.isfinite(opportunity).all() and (opportunity >= 0).all()
        assert (opportunity.sum(axis=1) > 0).all()
        assert (opportunity[:, 1] == 0).all() or b == 0.0  # a crossing without capacity attracts nobody
    # with a huge distance exponent only the nearest open crossing of each region attracts
    nearest = _opportunity(km, capacity, 1e300, 1.0)
    assert nearest[0].argmax() == 0 and nearest[1].argmax() == 2


def test_a_run_with_an_extreme_distance_exponent_is_sound():
    sc = load_scenario("russia-2022")
    extreme = sc.model_copy(update={"behaviour": sc.behaviour.model_copy(update={"route_distance_exponent": 1e300})})
    results = run_small(extreme, days=10, scale=20_000)
    access = results.series["access"].to_numpy()
    assert np.isfinite(access).all() and (access >= 0).all() and (access <= 1 + 1e-9).all()
    assert results.summary["conservation_ok"]


def test_men_who_give_up_switch_only_to_a_crossing_they_would_wait_at():
    # A man who gave up is sent on only to a crossing whose wait today (queue ÷ capacity, days)
    # is within his patience: with every crossing jammed (no capacity today: an endless wait) he
    # finds none and is handed back; with the queues empty every crossing he can reach is open.
    from exitwave.modules import Movement
    from exitwave.testing import hand_leaving, tiny_run

    run = tiny_run(modules=[Movement], men=300)
    state = run.step(1)
    movement = run.module("movement")
    men = hand_leaving(state, np.arange(40), day=run.day)
    state.leaving.clear()
    movement.capacity_today = np.zeros_like(movement.capacity_today)
    jammed = movement._send(state, men, run.day, run.day, max_wait_days=np.full(men.size, 30.0))
    assert np.array_equal(jammed, men)
    unbounded = movement._send(state, men, run.day, run.day)  # the route choice of a fresh leaver
    movement.capacity_today = np.full_like(movement.capacity_today, 1e6)
    empty_queues = movement._send(state, men, run.day, run.day, max_wait_days=np.zeros(men.size))
    assert empty_queues.size == unbounded.size < men.size


def test_the_status_quo_queue_does_not_refill_itself_for_weeks():
    # No artificial backlog: before men who gave up paid a cost (and with the old capacities) the
    # status quo still had ~175,000 men queued on 2 Oct and ~32,000 on 10 Oct (8 seeds, 1:200).
    results = run_small("russia-2022", scale=1000, days=32)
    queued = results.series["status.queued"]
    assert queued.max() > 10_000
    assert queued["2022-10-02"] < 100_000
    assert queued["2022-10-14"] < 0.1 * queued.max()


def test_domestic_flights_cap_the_trip_to_land_crossings_only():
    # A man whose road trip to a land crossing takes longer than domestic_flight_days flies to an
    # airport near it; 0 leaves the world's road travel times as they are; air routes keep theirs.
    from exitwave.modules import Movement
    from exitwave.modules.movement import travel_days
    from exitwave.testing import tiny_run

    def table(days: float | None) -> tuple[np.ndarray, object]:
        overrides = {} if days is None else {"behaviour.domestic_flight_days": days}
        run = tiny_run("russia-2022", modules=[Movement], men=300, overrides=overrides)
        state = run.step(1)
        assert np.array_equal(run.module("movement").travel_days, travel_days(state))  # what men travel by
        return run.module("movement").travel_days, state

    road_table, state = table(0.0)
    world = state.world
    road = world.region_crossing_days.astype(np.int64)
    land = world.crossing_mode != AIR
    assert road[:, land].max() > 3  # the Russian world has trips of more than three days by road
    assert np.array_equal(road_table, road)
    capped, _ = table(3.0)
    assert np.array_equal(capped[:, land], np.minimum(road[:, land], 3))
    assert np.array_equal(capped[:, ~land], road[:, ~land])
    assert np.array_equal(table(2.5)[0][:, land], np.minimum(road[:, land], 3))  # whole days, rounded up
    default, state = table(None)  # the russia-2022 world flies the long trips (3 days)
    assert state.scenario.behaviour.domestic_flight_days == 3.0
    assert np.array_equal(default, capped)


def test_the_status_quo_queue_clears_within_days_of_its_peak_with_domestic_flights():
    # By road all the way, men from Siberia and the Far East reached the Volga and Caucasus
    # crossings 8–11 days after they set out and kept the queues up for two weeks after the peak;
    # flying the long trips, they arrive with the first wave and the backlog is mostly gone a week
    # after the peak (bundled posterior, seed 1, 1:1000: 19 % of the peak eight days later with
    # flights, 41 % by road; 8 seeds at 1:200 in docs/calibration.md: 21 % and 45 %).
    def queued(days: float):
        sc = load_scenario("russia-2022", overrides={"behaviour.domestic_flight_days": days})
        return run_small(sc, scale=1000, days=32).series["status.queued"]

    flights, road = queued(3.0), queued(0.0)
    for series, clears in ((flights, True), (road, False)):
        peak = series.idxmax()
        after = series.loc[peak + np.timedelta64(8, "D")]
        assert (after < 0.3 * series.max()) == clears, (peak, after, series.max())
    assert flights["2022-10-02"] < road["2022-10-02"]
