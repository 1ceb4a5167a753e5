"""The parameter registry: every model parameter with unit, default, range and source.

The registry is data (``data/parameters.csv``); :func:`parameters` reads it. Tests check that it
covers every numeric parameter of the scenario schema and that its defaults are the schema's.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

__all__ = ["Parameter", "parameters", "markdown_table"]


@dataclass(frozen=True)
class Parameter:
    name: str  # dotted scenario path; "[]" marks a per-item field (waves[].quota)
    unit: str
    default: float
    low: float
    high: float
    source: str  # a citation, "derived: …", or "assumption …"
    note: str

    @property
    def is_assumption(self) -> bool:
        return self.source.startswith("assumption")


def parameters() -> list[Parameter]:
    path = resources.files("exitwave.data") / "parameters.csv"
    with path.open(encoding="utf-8") as handle:
        return [Parameter(row["parameter"], row["unit"], float(row["default"]), float(row["low"]),
                          float(row["high"]), row["source"], row["note"])
                for row in csv.DictReader(handle)]


def markdown_table() -> str:
    """The registry as a Markdown table (docs/parameters.md is generated from it)."""
    lines = ["| parameter | unit | default | range | source |", "|---|---|---|---|---|"]
    for p in parameters():
        source = p.source + (f" — {p.note}" if p.note else "")
        lines.append(f"| `{p.name}` | {p.unit} | {p.default:g} | {p.low:g} – {p.high:g} | {source} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m exitwave.registry > docs/parameters.md
    print("# Parameter registry\n")
    print("Generated from `src/exitwave/data/parameters.csv` by `python -m exitwave.registry`.")
    print("Ranges are the priors for sensitivity analysis and calibration. A source that starts")
    print("with *assumption* means no study pins the value down: the sensitivity analysis shows")
    print("whether a conclusion depends on it.\n")
    print(markdown_table())
