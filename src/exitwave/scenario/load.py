"""Load scenario files: YAML, ``extends:`` inheritance, ``key+:`` list appends, overrides.

A variant scenario names its parent with ``extends: russia-2022`` (a bundled name) or a path
relative to itself, then overrides a few fields. Mappings merge key by key; a list replaces the
parent's list, unless the key ends in ``+`` (``policies+:``), which appends to it.
"""

from __future__ import annotations

import copy
import difflib
import os
import typing
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from exitwave.errors import InputError
from exitwave.safe_yaml import excerpt, read_file
from exitwave.scenario.schema import Scenario

__all__ = ["load_scenario", "builtin_scenarios", "resolve_scenario_path", "apply_overrides", "with_run_options"]

_MAX_DEPTH = 16


def _builtin_dir() -> Path:
    return Path(str(resources.files("exitwave.scenario") / "builtin"))


def builtin_scenarios() -> dict[str, str]:
    """Bundled scenario names → one-line descriptions."""
    found: dict[str, str] = {}
    for path in sorted(_builtin_dir().glob("*.yaml")):
        lines = str(_read_yaml(path).get("description", "")).strip().splitlines()
        found[path.stem] = lines[0] if lines else ""
    return found


def resolve_scenario_path(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """A bundled name (``russia-2022``) or a file path → the file."""
    if not isinstance(name_or_path, str | Path):
        raise InputError(type(name_or_path).__name__, "", "expected a bundled scenario name or a YAML file path "
                         "(compare() also takes Scenario objects)")
    text = str(name_or_path)
    if len(text) > 4096 or "\n" in text:
        raise InputError(text[:60] + "…", "", "expected a bundled scenario name or a YAML file path")
    candidate = Path(text)
    if relative_to is not None and not candidate.is_absolute():
        candidate = relative_to / candidate
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise InputError(str(candidate), "", "file not found")
        return candidate
    bundled = _builtin_dir() / f"{text}.yaml"
    if bundled.is_file():
        return bundled
    names = ", ".join(builtin_scenarios())
    raise InputError(text, "", f"no such scenario file or bundled scenario (bundled: {names})")


def _read_yaml(path: Path) -> dict[str, Any]:
    # bounded: size, nesting and alias expansion (a 500-byte alias bomb must not run for minutes)
    data = read_file(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(str(path), "", f"expected a mapping of fields, got {type(data).__name__}")
    _check_keys(data, str(path))
    return data


def _check_keys(node: Any, source: str, where: str = "") -> None:
    """Every mapping key is a field name (``1:`` or ``~:`` would be read as a number or null)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise InputError(source, where, f"expected field names as keys, got the key {excerpt(key)} "
                                                f"({type(key).__name__}; quote it if it is meant as text)")
            _check_keys(value, source, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_keys(value, source, f"{where}[{i}]")


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in child.items():
        if key.endswith("+"):
            plain = key[:-1]
            previous = merged.get(plain, [])
            if not isinstance(previous, list) or not isinstance(value, list):
                raise ValueError(f"'{key}' appends a list to a list field")
            merged[plain] = previous + copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _resolved_dict(path: Path, depth: int = 0, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    here = path.resolve()
    if here in chain:
        loop = " -> ".join(str(p) for p in (*chain[chain.index(here):], here))
        raise InputError(str(path), "extends", f"expected a chain of extends that ends, got a cycle: {loop}")
    if depth > _MAX_DEPTH:
        raise InputError(str(path), "extends", f"expected at most {_MAX_DEPTH} levels of extends")
    chain = (*chain, here)
    data = _read_yaml(path)
    world = data.get("world")
    if depth > 0 and isinstance(world, str) and not Path(world).is_absolute():
        # a parent's world folder is relative to the parent's file, not to the child that
        # inherits it (a bundled world name is left as it is)
        folder = path.parent / world
        if (folder / "world.yaml").is_file():
            data["world"] = os.path.normpath(folder.absolute())
    parent = data.pop("extends", None)
    if parent is None:
        return {key.rstrip("+"): value for key, value in data.items()}
    if not isinstance(parent, str):
        raise InputError(str(path), "extends", "expected the name or path of one scenario")
    parent_path = resolve_scenario_path(parent, relative_to=path.parent)
    try:
        return _merge(_resolved_dict(parent_path, depth + 1, chain), data)
    except ValueError as err:
        raise InputError(str(path), "", str(err)) from err


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set fields by dotted path (``behaviour.patience_days``; list items by index)."""
    result = copy.deepcopy(data)
    for dotted, value in overrides.items():
        node: Any = result
        parts = dotted.split(".")
        try:
            for part in parts[:-1]:
                key: Any = int(part) if isinstance(node, list) else part
                node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
            last: Any = int(parts[-1]) if isinstance(node, list) else parts[-1]
            node[last] = value
        except (ValueError, IndexError, KeyError, TypeError) as err:
            raise InputError("overrides", dotted, "expected a path of field names and list indexes "
                             "into the scenario, such as behaviour.patience_days or policies.0.entry"
                             ) from err
    return result


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _known_fields(loc: tuple[int | str, ...]) -> str:
    """``; expected one of …`` for the model that holds the field at ``loc`` (best effort)."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = {f.alias or name: f for name, f in model.model_fields.items()}
        if part not in fields:
            return ""
        model = _inner_model(fields[part].annotation)
        if model is None:
            return ""
    names = [f.alias or name for name, f in model.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), names, n=1) if loc else []
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; expected one of: {', '.join(names)}"


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside ``X``, ``list[X]`` or ``X | None``, else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def validate_dict(data: dict[str, Any], source: str) -> Scenario:
    """Validate a resolved mapping; errors name ``source`` and the field path."""
    try:
        # the source file finds a world given relative to it (its scenario_defaults)
        return Scenario.model_validate(data, context={"source": source})
    except ValidationError as err:
        # an unknown key first: a misspelt required key is also reported missing, and the
        # misspelling is the problem to fix
        problems = [_problem(e) for e in sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")]
        unique = list(dict.fromkeys(problems))
        (field, message), rest = unique[0], unique[1:]
        # every problem found, each on its own line (file: field: expectation), so that one
        # edit can fix them all
        also = "".join(f"\n  {source}: {where}: {what}" if where else f"\n  {source}: {what}"
                       for where, what in rest)
        raise InputError(source, field, f"{message}{also}") from err


def _problem(error: Any) -> tuple[str, str]:
    """(field path, expectation with what was given) of one pydantic error, on one line."""
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown field (check the spelling)" + _known_fields(loc)
    elif error["type"] == "missing":
        message = "required field is missing"
    elif error["type"] == "value_error":
        # our own validators: their message already says what was expected and what was given
        message = message.removeprefix("Value error, ")
    given = error.get("input")
    shown = ("" if error["type"] in ("missing", "extra_forbidden", "value_error")
             or isinstance(given, dict) else f"; got {excerpt(given)}")
    return _field_path(loc), " ".join(f"{message}{shown}".split())


_OPTION_FIELDS = {"seed": "--seed", "population.scale": "--scale", "time.days": "--days"}
"""Scenario fields a run may set from the command line (``exitwave run --seed/--scale/--days``)."""


def with_run_options(scenario: Scenario, *, seed: int | None = None, scale: float | None = None,
                     days: int | None = None, source: str = "") -> Scenario:
    """``scenario`` with a run's seed, men per agent (``population.scale``) and number of days
    set, validated by the same schema as the file: ``model_copy`` would skip validation, so a
    NaN or zero scale, a seed of 2**64 or 0 days would reach the engine.

    Raises :class:`~exitwave.errors.InputError` naming ``source`` and the option
    (``--scale (population.scale)``) with the schema's expectation.
    """
    if seed is None and scale is None and days is None:
        return scenario
    data = scenario.model_dump(mode="json", by_alias=True)  # rates and dates as in a file
    if seed is not None:
        data["seed"] = seed
    if scale is not None:
        data["population"]["scale"] = scale
    if days is not None:
        data["time"].update(days=days, end=None)
    try:
        changed = validate_dict(data, source or scenario.name)
        changed._source_file = scenario.source_file  # still the same file's scenario
        return changed
    except InputError as error:
        option = _OPTION_FIELDS.get(error.field)
        if option is None:
            raise
        raise InputError(error.file, f"{option} ({error.field})", error.expected) from error


def load_scenario(
    name_or_path: str | Path, overrides: dict[str, Any] | None = None
) -> Scenario:
    """Load, resolve ``extends:`` and validate a scenario (bundled name or file path)."""
    path = resolve_scenario_path(name_or_path)
    data = _resolved_dict(path)
    if overrides:
        data = apply_overrides(data, overrides)
    scenario = validate_dict(data, str(path))
    scenario._source_file = str(path)  # where a relative world path is found
    return scenario
