"""Crossings: closures, capacity, draft offices."""

from __future__ import annotations

import datetime as dt

import numpy as np

from exitwave.scenario.load import load_scenario
from exitwave.state import Status
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
