"""Edits to a proposal, as a dotted-override dict validated by the scenario loader.

The dashboard never writes YAML by hand: each edit becomes an entry of an override dict
(``policies``, ``policies.<i>.screening_capacity_per_day``, ``countermeasures.exit_closure.from``,
or a free ``path = value`` line), and the edited scenario is whatever
:func:`exitwave.scenario.load.load_scenario` makes of the chosen scenario with those overrides —
the same strict pydantic validation as every scenario file, with the same error messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from exitwave.errors import InputError
from exitwave.safe_yaml import MAX_BYTES, excerpt, load_text
from exitwave.scenario.schema import Scenario, safe_name

__all__ = ["DestinationRule", "Edits", "build_overrides", "men_of_draft_age", "parse_extra",
           "prepare", "transit_policies"]

EntryChoice = Literal["open", "visa", "closed"]
AsylumChoice = Literal["grant", "case_by_case", "refuse"]
ClosureChoice = Literal["keep", "close", "none"]
_FORBIDDEN = ("world", "extends", "modules")  # would point the loader at files the dashboard must not read


@dataclass(frozen=True)
class DestinationRule:
    """An entry and asylum policy for some destinations (ISO2 codes or EU/NATO/SCHENGEN), from a date.

    ``recognition_rate`` (share of applicants protected, 0–1) is needed with ``case_by_case``.
    """

    countries: tuple[str, ...]
    entry: EntryChoice | None = None
    asylum: AsylumChoice | None = None
    recognition_rate: float | None = None
    start: dt.date | None = None
    label: str = "dashboard edit"

    def policies(self) -> list[dict[str, Any]]:
        """One scenario ``policies`` entry per country (fields as in the scenario file)."""
        out = []
        for country in self.countries:
            entry: dict[str, Any] = {"country": country, "label": self.label}
            if self.start is not None:
                entry["from"] = self.start.isoformat()
            if self.entry is not None:
                entry["entry"] = self.entry
            if self.asylum is not None:
                entry["asylum"] = self.asylum
            if self.recognition_rate is not None and self.asylum == "case_by_case":
                entry["recognition_rate"] = self.recognition_rate
            out.append(entry)
        return out


@dataclass
class Edits:
    """What the user changed.

    ``rules``: destination rules appended to the proposal's policies (later rules win);
    ``screening``: policy index → screening capacity (people per day) of a transit policy;
    ``exit_closure``: ``keep`` the scenario's, ``close`` from ``closure_from``, or ``none``;
    ``extra``: further dotted overrides (``behaviour.patience_days: 6``).
    """

    rules: list[DestinationRule] = field(default_factory=list)
    screening: dict[int, float] = field(default_factory=dict)
    exit_closure: ClosureChoice = "keep"
    closure_from: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def transit_policies(scenario: Scenario) -> list[tuple[int, str, float]]:
    """(index in ``policies``, country, screening capacity in people per day) of every policy
    with a screening capacity: the transit points whose capacity the dashboard lets you edit."""
    return [(i, p.country, float(p.screening_capacity_per_day))
            for i, p in enumerate(scenario.policies) if p.screening_capacity_per_day is not None]


def build_overrides(scenario: Scenario, edits: Edits) -> dict[str, Any]:
    """The dotted-override dict for ``edits`` on ``scenario`` (empty when nothing changed).

    Rules are appended to the scenario's policies (``policies`` set to the whole new list, since
    a dotted path cannot append); capacity edits follow as ``policies.<i>.…`` paths into that list.
    An edited scenario is renamed ``<name>-edited`` so its runs are told apart from the original's.
    """
    overrides: dict[str, Any] = {}
    if edits.rules:
        current = [p.model_dump(mode="json", by_alias=True, exclude_none=True) for p in scenario.policies]
        overrides["policies"] = current + [p for rule in edits.rules for p in rule.policies()]
    by_index = {i: capacity for i, _, capacity in transit_policies(scenario)}
    for i, capacity in sorted(edits.screening.items()):
        if i not in by_index:
            raise InputError("dashboard", f"policies.{i}.screening_capacity_per_day",
                             "expected the index of a policy with a screening capacity")
        if float(capacity) != by_index[i]:
            overrides[f"policies.{i}.screening_capacity_per_day"] = float(capacity)
    if edits.exit_closure == "close":
        if edits.closure_from is None:
            raise InputError("dashboard", "countermeasures.exit_closure.from", "expected a date")
        current_closure = scenario.countermeasures.exit_closure
        if current_closure is None or current_closure.from_ != edits.closure_from:
            if current_closure is None:
                overrides["countermeasures.exit_closure"] = {"from": edits.closure_from.isoformat()}
            else:
                overrides["countermeasures.exit_closure.from"] = edits.closure_from.isoformat()
    elif edits.exit_closure == "none" and scenario.countermeasures.exit_closure is not None:
        overrides["countermeasures.exit_closure"] = None
    for key, value in edits.extra.items():
        if key.split(".")[0] in _FORBIDDEN:
            raise InputError("overrides", key, "the dashboard does not change world, extends or modules "
                                               "(they name files or code); edit the scenario file instead")
        overrides[key] = value
    if overrides and "name" not in overrides:
        overrides["name"] = safe_name(scenario.name, "-edited")  # cut to fit the longest name
    return overrides


def parse_extra(text: str) -> dict[str, Any]:
    """``path = value`` lines (values in YAML: ``6``, ``0.04 per day``, ``[EU, NATO]``) → dict.

    Blank lines and lines starting with ``#`` are skipped; a malformed line is an
    :class:`~exitwave.errors.InputError` naming its number.
    """
    if len(text) > MAX_BYTES:
        raise InputError("overrides", "", f"expected at most {MAX_BYTES:,} characters of overrides, got {len(text):,}")
    out: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, raw = stripped.partition("=")
        key = key.strip()
        if not sep or not key or any(c.isspace() for c in key):
            raise InputError("overrides", f"line {number}",
                             f"expected 'path = value', such as 'behaviour.patience_days = 6'; got {excerpt(stripped)}")
        # the scenario files' bounded loader: an alias bomb in the box is refused, not expanded
        out[key] = load_text(raw.strip(), "overrides", f"line {number}") if raw.strip() else None
        if isinstance(out[key], dt.date):
            out[key] = out[key].isoformat()
    return out


def prepare(source: str, overrides: dict[str, Any] | None = None) -> Any:
    """Load ``source`` with ``overrides`` through the scenario loader, and build its
    :class:`~exitwave.engine.Simulation` (which checks the policies against the world).

    Raises :class:`~exitwave.errors.InputError` with the file, field and expectation.
    """
    from exitwave.engine import Simulation
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    path = resolve_scenario_path(source)
    return Simulation(load_scenario(source, overrides or None), source=path)


def men_of_draft_age(simulation: Any) -> float:
    """Men of the scenario's draft ages in its world (people): agents = this ÷ scale."""
    from exitwave.population import men_by_age

    spec = simulation.scenario.population
    return float(men_by_age(simulation.world, spec.age_min, spec.age_max, spec.sexes).sum())
