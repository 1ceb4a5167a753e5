"""The input side: scenario models, loading with ``extends:`` and overrides, bundled scenarios."""

from exitwave.scenario.load import builtin_scenarios, load_scenario
from exitwave.scenario.schema import Scenario

__all__ = ["Scenario", "builtin_scenarios", "load_scenario"]
