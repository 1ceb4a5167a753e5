"""Households that move together (world.yaml ``households``; exitwave.households)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

import exitwave
from exitwave.engine import Simulation
from exitwave.errors import InputError
from exitwave.households import agents_per_household, assign_households
from exitwave.scenario.load import load_scenario
from exitwave.scenario.schema import Scenario
from exitwave.vocabulary import Status
from exitwave.world import load_world

GDR = Path(exitwave.__file__).parent / "data" / "worlds" / "gdr-1989"
SCALE = 1000.0  # about 12,500 agents: a year of the GDR in a second or two
SHARES = {1: 0.30, 2: 0.52, 3: 0.14, 4: 0.04}  # the GDR world's adults per household (mean 1.92)


def _gdr(households: str = "world", world: str | None = None) -> Scenario:
    scenario = load_scenario("gdr-1989")
    update: dict[str, object] = {"population": scenario.population.model_copy(update={"households": households})}
    if world is not None:
        update["world"] = world
    return scenario.model_copy(update=update)


def _without_households(tmp_path: Path) -> Path:
    """A copy of the GDR world whose world.yaml declares no households."""
    folder = tmp_path / "gdr-no-households"
    shutil.copytree(GDR, folder)
    meta = folder / "world.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text[: text.index("households:")], encoding="utf-8")
    return folder


def _small_gdr(tmp_path: Path, divide: int = 1000) -> Path:
    """A copy of the GDR world with ``divide`` times fewer people (its age pyramid): at 1 agent
    = 1 person as many agents as the GDR at scale ``divide``, and its households are families."""
    folder = tmp_path / f"gdr-small-{divide}"
    shutil.copytree(GDR, folder)
    with (folder / "age_pyramid.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    for column in (rows[0].index("men"), rows[0].index("women")):
        for row in rows[1:]:
            row[column] = str(round(float(row[column]) / divide))
    with (folder / "age_pyramid.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return folder


def test_households_are_drawn_by_the_world_shares_within_each_region() -> None:
    region_size = np.array([10_000, 7, 1, 20_000])
    region_start = np.concatenate([[0], np.cumsum(region_size)[:-1]])
    shares = {1: 0.3, 2: 0.5, 3: 0.2}
    household = assign_households(5, region_start, region_size, shares)
    assert np.array_equal(household, assign_households(5, region_start, region_size, shares))
    region = np.repeat(np.arange(4), region_size)
    assert np.array_equal(region[household], region)  # never across regions
    assert np.all(household <= np.arange(household.size))  # named by its lowest agent id
    ids, adults = np.unique(household[region == 3], return_counts=True)
    got = np.bincount(adults, minlength=4)[1:] / ids.size
    assert got == pytest.approx([0.3, 0.5, 0.2], abs=0.01)
    assert set(np.unique(np.bincount(household[region == 1]))) <= {0, 1, 2, 3}


@pytest.mark.parametrize("block, field", [
    ("households: {adults_per_household: {1: 0.5, 2: 0.4}, source: x}", "households.adults_per_household"),
    ("households: {adults_per_household: {0: 1.0}, source: x}", "households.adults_per_household.0"),
    ("households: {adults_per_household: {1: 1.0}}", "households.source"),
    ("households: {sizes: {1: 1.0}, source: x}", "households"),
])
def test_a_bad_households_block_names_its_field(tmp_path: Path, block: str, field: str) -> None:
    folder = _without_households(tmp_path)
    with (folder / "world.yaml").open("a", encoding="utf-8") as handle:
        handle.write(block + "\n")
    with pytest.raises(InputError) as error:
        load_world(str(folder))
    assert error.value.field == field


def test_a_household_spans_its_people_over_the_agents() -> None:
    """The world counts households in people; an agent of p people holds s/p of a household of
    s adults (stochastically rounded, at least one agent)."""
    assert agents_per_household(SHARES, 1.0) == SHARES  # at scale 1 the household is the family
    half = agents_per_household(SHARES, 2.0)  # 3 adults: 1.5 agents, 1 or 2 with even chances
    assert half == pytest.approx({1: 0.30 + 0.52 + 0.07, 2: 0.07 + 0.04})
    assert agents_per_household(SHARES, 1.5)[2] == pytest.approx(0.52 / 3 + 0.14 + 0.04 / 3)  # 4/1.5 = 2⅔
    for coarse in (4.0, 200.0):  # an agent holds the largest household: none spans two agents
        assert agents_per_household(SHARES, coarse) == {1: pytest.approx(1.0)}
    for p in (1.0, 1.3, 2.0, 3.0, 7.0):
        assert sum(agents_per_household(SHARES, p).values()) == pytest.approx(1.0)
        mean = sum(k * r for k, r in agents_per_household(SHARES, p).items())
        # the mean in agents is the mean in people over p, raised only where s/p is below one agent
        assert mean == pytest.approx(sum(q * max(s / p, 1.0) for s, q in SHARES.items()))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_lump_a_household_adds_does_not_grow_with_people_per_agent(seed: int) -> None:
    """The people a person leaves with (his household's agents × people per agent), beyond the
    agent he is himself: largest at scale 1 (the family) and none once an agent holds a household.
    (Grouping agents instead would make it grow in proportion to the people per agent.)"""
    region_size = np.array([60_000])
    region_start = np.array([0])
    extra = {}
    for p in (1.0, 1.5, 2.0, 3.0, 4.0, 200.0):
        household = assign_households(seed, region_start, region_size, SHARES, p)
        agents = np.bincount(household, minlength=household.size)[household]  # his household, in agents
        extra[p] = float(agents.mean() * p - p)  # people beyond his own agent's, on average
        if p == 1.0:  # at scale 1 the households have the world's mean size, 1.92 adults
            assert household.size / np.unique(household).size == pytest.approx(1.92, abs=0.01)
    assert extra[1.0] == pytest.approx(4.28 / 1.92 - 1.0, abs=0.02)  # Σ s² q / Σ s q − 1 = 1.23 people
    steps = list(extra.values())
    assert all(later <= earlier + 1e-9 for earlier, later in zip(steps, steps[1:], strict=False)), extra
    assert extra[4.0] == extra[200.0] == 0.0


def test_at_scale_1_a_household_leaves_crosses_and_stays_together(tmp_path: Path) -> None:
    sim = Simulation(_gdr(world=str(_small_gdr(tmp_path))), scale=1.0)
    results = sim.run(keep_state=True)
    state = sim.state
    assert state is not None and state.pop.households
    assert results.summary["conservation_ok"]
    household = state.pop.household
    # at scale 1 the households are the world's: 1.92 adults on average
    assert household.size / np.unique(household).size == pytest.approx(1.92, abs=0.05)
    left = state.depart_day >= 0
    assert left.sum() > 100  # enough households left for the check to mean something
    multi = np.bincount(household, minlength=state.n)[household] > 1
    assert (left & multi).sum() > 60
    for column in (state.status, state.country, state.depart_day, state.attempts):
        # every member of a household has the value of its first member (its id)
        assert np.array_equal(column, column[household]), column.dtype
    abroad = np.isin(state.status, [Status.ABROAD, Status.PROTECTED, Status.ASYLUM_PENDING])
    assert (abroad & multi).sum() > 60  # households got abroad, whole


def test_households_change_fine_runs_and_off_is_the_world_without_them(tmp_path: Path) -> None:
    small = str(_small_gdr(tmp_path))
    with_households = Simulation(_gdr(world=small), scale=1.0).run()
    off = Simulation(_gdr("none", world=small), scale=1.0).run()
    # households leave in groups: the same seed gives another year, departures come in lumps
    assert not np.array_equal(with_households.series["departed_daily"].to_numpy(),
                              off.series["departed_daily"].to_numpy())
    assert with_households.summary["departed"] != off.summary["departed"]
    # off is exactly the world that declares no households (the results before households existed)
    undeclared = str(_without_households(tmp_path))
    off_coarse = Simulation(_gdr("none"), scale=SCALE).run()
    for run in (Simulation(_gdr("world", world=undeclared), scale=SCALE).run(),
                # an agent of 1,000 people holds any household: on is off, exactly
                Simulation(_gdr(), scale=SCALE).run()):
        assert run.summary["departed"] == off_coarse.summary["departed"]
        assert np.array_equal(off_coarse.series["departed_daily"].to_numpy(),
                              run.series["departed_daily"].to_numpy())
