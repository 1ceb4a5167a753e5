"""docs/scenarios.md names every scenario field, so the reference cannot silently rot."""

import re
from pathlib import Path

from exitwave.scenario.schema import (
    CasualtyRates,
    Countermeasures,
    Front,
    FrontPhase,
    FrontShock,
    Mobilization,
    NewsShock,
    Policy,
    PopulationSpec,
    Scenario,
    TimeSpan,
    WarEnd,
    Wave,
)

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()


def test_every_field_is_documented():
    models = [Scenario, TimeSpan, PopulationSpec, Mobilization, Wave, Policy, Countermeasures, NewsShock,
              Front, FrontPhase, FrontShock, CasualtyRates, WarEnd]
    missing = []
    for model in models:
        for name, field in model.model_fields.items():
            shown = field.alias or name
            if not re.search(rf"`[^`]*\b{re.escape(shown)}\b[^`]*`", PAGE):
                missing.append(f"{model.__name__}.{shown}")
    assert not missing, missing
