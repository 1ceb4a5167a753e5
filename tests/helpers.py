"""Helpers shared by tests: small, fast runs of the bundled scenarios."""

from __future__ import annotations

from exitwave.engine import Simulation
from exitwave.results import Results
from exitwave.scenario.load import load_scenario
from exitwave.scenario.schema import Scenario

SMALL_SCALE = 2000.0  # men per agent: ~20,000 agents, a run takes well under a second


def run_small(scenario: str | Scenario, keep: list | None = None, **kwargs) -> Results:
    """Run at small scale with the full conservation check every day.

    Pass ``keep=[]`` to receive the Simulation (with its final state) in that list.
    """
    loaded = load_scenario(scenario) if isinstance(scenario, str) else scenario
    kwargs.setdefault("scale", SMALL_SCALE)
    kwargs.setdefault("days", 40)
    kwargs.setdefault("full_check_every", 1)
    sim = Simulation(loaded, **kwargs)
    results = sim.run(keep_state=keep is not None)
    if keep is not None:
        keep.append(sim)
    return results
