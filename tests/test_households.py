"""Households that move together (world.yaml ``households``; exitwave.households)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import exitwave
from exitwave.engine import Simulation
from exitwave.errors import InputError
from exitwave.households import assign_households
from exitwave.scenario.load import load_scenario
from exitwave.scenario.schema import Scenario
from exitwave.vocabulary import Status
from exitwave.world import load_world

GDR = Path(exitwave.__file__).parent / "data" / "worlds" / "gdr-1989"
SCALE = 1000.0  # about 12,500 agents: a year of the GDR in a second or two


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


def test_a_household_leaves_crosses_and_stays_together() -> None:
    sim = Simulation(_gdr(), scale=SCALE)
    results = sim.run(keep_state=True)
    state = sim.state
    assert state is not None and state.pop.households
    assert results.summary["conservation_ok"]
    household = state.pop.household
    left = state.depart_day >= 0
    assert left.sum() > 100  # enough households left for the check to mean something
    multi = np.bincount(household, minlength=state.n)[household] > 1
    assert (left & multi).sum() > 60
    for column in (state.status, state.country, state.depart_day, state.attempts):
        # every member of a household has the value of its first member (its id)
        assert np.array_equal(column, column[household]), column.dtype
    abroad = np.isin(state.status, [Status.ABROAD, Status.PROTECTED, Status.ASYLUM_PENDING])
    assert (abroad & multi).sum() > 60  # households got abroad, whole


def test_households_change_the_gdr_results_and_off_is_the_world_without_them(tmp_path: Path) -> None:
    with_households = Simulation(_gdr(), scale=SCALE).run()
    off = Simulation(_gdr("none"), scale=SCALE).run()
    undeclared = Simulation(_gdr("world", world=str(_without_households(tmp_path))), scale=SCALE).run()
    # off is exactly the world that declares no households (the results before households existed)
    assert off.summary["departed"] == undeclared.summary["departed"]
    assert np.array_equal(off.series["departed_daily"].to_numpy(), undeclared.series["departed_daily"].to_numpy())
    # households leave in groups: the same seed gives another year, departures come in lumps
    on_daily = with_households.series["departed_daily"].to_numpy()
    off_daily = off.series["departed_daily"].to_numpy()
    assert not np.array_equal(on_daily, off_daily)
    assert with_households.summary["departed"] != off.summary["departed"]
