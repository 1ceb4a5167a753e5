"""Every model parameter has a unit, a default, a range and a source (or 'assumption')."""

from __future__ import annotations

from pathlib import Path

from exitwave.registry import markdown_table, parameters
from exitwave.scenario.schema import (
    Behaviour,
    CasualtyRates,
    Front,
    Mobilization,
    PopulationSpec,
    WarEnd,
    Wave,
)
from exitwave.world import load_world

# Choices and scenario inputs rather than model parameters (dates, rules, lists, the scale).
NOT_PARAMETERS = {"population.scale", "population.sexes", "population.households", "behaviour.decision_rule",
                  "behaviour.stay_limits", "mobilization.waves",
                  "mobilization.waves[].date", "mobilization.waves[].quota",
                  "mobilization.waves[].allocation", "mobilization.waves[].reservists_only",
                  "front.phases", "front.shocks", "front.default_intensity", "front.casualty_rate", "front.war_end",
                  "front.war_end.rule", "front.war_end.war_start"}


def _schema_defaults() -> dict[str, object]:
    found: dict[str, object] = {}
    for prefix, model in (("population", PopulationSpec), ("mobilization", Mobilization),
                          ("behaviour", Behaviour), ("mobilization.waves[]", Wave),
                          ("front", Front), ("front.casualty_rate", CasualtyRates),
                          ("front.war_end", WarEnd)):
        for name, field in model.model_fields.items():
            found[f"{prefix}.{name}"] = field.default
    return {k: v for k, v in found.items() if k not in NOT_PARAMETERS}


def _world_values(name: str) -> dict[str, float]:
    """A world's ``scenario_defaults`` by registry name, as the schema reads them (rates per day;
    ``mobilization.wave.x`` is ``mobilization.waves[].x``, given to every wave)."""
    defaults = load_world(name).scenario_defaults
    models = {"population": PopulationSpec, "behaviour": Behaviour, "mobilization": Mobilization, "front": Front}
    out: dict[str, float] = {}
    for section, values in defaults.items():
        flat = {k: v for k, v in values.items() if not isinstance(v, dict)}
        read = models[section].model_validate(flat)
        out.update({f"{section}.{field}": getattr(read, field) for field in flat})
    wave = defaults.get("mobilization", {}).get("wave", {})
    read_wave = Wave.model_validate({"date": "2022-09-21", "quota": 1, **wave})
    out.update({f"mobilization.waves[].{field}": getattr(read_wave, field) for field in wave})
    return out


def test_registry_covers_every_parameter_with_schema_defaults():
    registry = {p.name: p for p in parameters()}
    schema = _schema_defaults()
    assert set(schema) == set(registry), set(schema) ^ set(registry)
    # a value a world supplies (world.yaml scenario_defaults) is registered as russia-2022 has it
    # (its sources and ranges are Russia's); the schema's own default is then neutral
    world = _world_values("russia-2022")
    assert {"mobilization.waves[].summons_days", "front.initial_strength", "front.contract_recruits"} <= set(world)
    for name, default in schema.items():
        if name in world:
            # the world's value (a calibrated scenario such as russia-2022 may carry its own)
            assert registry[name].default == float(world[name]), name
            assert float(default) != registry[name].default, f"{name}: the schema default should be neutral"
        else:
            assert registry[name].default == float(default), name


def test_every_parameter_has_unit_range_and_source():
    for p in parameters():
        assert p.unit, p.name
        assert p.low <= p.default <= p.high, p.name
        assert p.source, p.name


def test_docs_table_is_generated_from_the_registry():
    page = (Path(__file__).resolve().parents[1] / "docs" / "parameters.md").read_text()
    assert markdown_table() in page, "regenerate docs/parameters.md: python -m exitwave.registry"
