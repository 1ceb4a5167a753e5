"""Calibration targets: observations of the 2022 window, each matched to a model quantity.

A target (``targets.csv`` in the world folder) says what was observed, over which dates, in which
unit, how reliable the source is, and which model quantity it corresponds to:

* ``entries:<ISO2>`` / ``entries:EU`` — people entering a country (or the EU) through the world's
  crossings, plus ``baseline_per_day`` × days of ordinary traffic that the observed gross
  figure includes (Georgia counted 5–6 k Russians a day before the decree);
* ``crossed:<crossing>`` — people through one crossing;
* ``queue_vehicles:<crossing>`` — the queue at the end of the day divided by
  ``behaviour.people_per_vehicle`` (the occupancy factor is a parameter of the model);
* ``exits:<ISO2>`` — people leaving a country (onward or home): its entries through the world's
  crossings minus the change of the stock in it, plus ``baseline_per_day`` of ordinary
  travellers leaving (a gross count such as Kazakhstan's includes them);
* ``stock:<ISO2>`` — men in the country (a ``snapshot``);
* ``mobilized`` — men mobilized since the start (cumulative, a ``snapshot``);
* ``departed`` — men who crossed out since the start (cumulative, a ``snapshot``).

The calibration reads ``targets.csv`` (the window, to 2 October 2022, enforced). The same
definitions serve ``validation.csv``: later observations that the calibration never reads and
against which the forecast is checked (:func:`load_validation`; every row ends after the window).

Definitions must match: a queue in vehicles is never compared with people, and trips (FSB
counts) are not persons. Reliability sets the uncertainty on a log scale: verified ±20 %,
secondary ±35 %, unverified ±60 %.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from exitwave.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from exitwave.world import World

__all__ = ["Target", "load_targets", "load_validation", "model_values", "quantity_series", "target_kind", "RELIABILITY_SD",
           "CALIBRATION_END", "calibration_window", "targets_file"]

RELIABILITY_SD = {"verified": math.log(1.2), "secondary": math.log(1.35), "unverified": math.log(1.6)}
CALIBRATION_START = dt.date(2022, 9, 21)  # the Russia 2022 window: the default of a world without one
CALIBRATION_END = dt.date(2022, 10, 2)  # the calibration window ends here (data discipline)
_UNITS = {"entries": "persons", "crossed": "persons", "queue_vehicles": "vehicles", "exits": "persons",
          "stock": "persons", "mobilized": "persons", "departed": "persons"}
_COUNTRY_KINDS = ("entries", "exits", "stock")
_CUMULATIVE = ("mobilized", "departed")  # no name after the kind; snapshots of a running total


def target_kind(quantity: str) -> str:
    """The kind of a target's quantity: entries, exits, stock, crossed, queue_vehicles …"""
    return quantity.partition(":")[0]


def calibration_window(world: World) -> tuple[dt.date, dt.date]:
    """(first, last day) of the world's calibration window: world.yaml's ``calibration: {start,
    end}``, or the Russia 2022 window (21 Sep – 2 Oct 2022) for a world that names none."""
    spec = world.calibration
    bounds = []
    for key, default in (("start", CALIBRATION_START), ("end", CALIBRATION_END)):
        value = spec.get(key, default)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, dt.date):
            raise InputError(str(world.folder / "world.yaml"), f"calibration.{key}",
                             f"expected a date as YYYY-MM-DD, got {spec.get(key)!r}")
        bounds.append(value)
    if bounds[1] < bounds[0]:
        raise InputError(str(world.folder / "world.yaml"), "calibration.end",
                         f"expected a date on or after calibration.start ({bounds[0]}), got {bounds[1]}")
    return bounds[0], bounds[1]


def targets_file(world: World) -> Path:
    """The world's calibration targets: world.yaml's ``calibration.targets`` or ``targets.csv``."""
    name = world.calibration.get("targets", "targets.csv")
    if not isinstance(name, str) or Path(name).is_absolute() or ".." in Path(name).parts:
        raise InputError(str(world.folder / "world.yaml"), "calibration.targets",
                         f"expected a file name in the world folder, got {name!r}")
    return world.folder / name


@dataclass(frozen=True)
class Target:
    target_id: str
    quantity: str
    unit: str
    date_from: dt.date
    date_to: dt.date
    statistic: str  # "sum" over the days, or "snapshot" on date_to
    observed: float
    baseline_per_day: float
    reliability: str
    note: str

    @property
    def sd(self) -> float:
        """Standard deviation of log(observed)."""
        return RELIABILITY_SD[self.reliability]


def load_validation(path: Path, world: World) -> list[Target]:
    """Read a table of observations after the window (each row must end after 2 October 2022)."""
    return load_targets(path, world, validation=True)


def load_targets(path: Path, world: World, *, validation: bool = False) -> list[Target]:
    """Read and check a targets table against the world and the definitions above."""
    if not path.is_file():
        raise InputError(str(path), "", "file not found: this world has no "
                         + ("validation observations" if validation else "calibration targets"))
    window_end = calibration_window(world)[1]
    targets = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            def where(column: str, rn: int = row_number) -> str:
                return f"row {rn}, column {column}"

            quantity = row.get("quantity", "")
            kind, _, name = quantity.partition(":")
            unit = row.get("unit", "")
            if kind not in _UNITS:
                raise InputError(str(path), where("quantity"),
                                 "expected entries:<ISO2>, exits:<ISO2>, stock:<ISO2>, crossed:<crossing>, "
                                 f"queue_vehicles:<crossing>, mobilized or departed, got {quantity!r}")
            if (kind in _CUMULATIVE) != (name == ""):
                raise InputError(str(path), where("quantity"), f"{kind} takes no name after it" if name
                                 else f"expected {kind}:<name>, got {quantity!r}")
            if unit != _UNITS[kind]:
                raise InputError(str(path), where("unit"),
                                 f"{quantity} is counted in {_UNITS[kind]}, but the observation is in {unit!r}: "
                                 f"definitions must match (vehicles are not people; trips are not persons)")
            if kind in _COUNTRY_KINDS and not (kind == "entries" and name == "EU") and name not in world.country_ids:
                raise InputError(str(path), where("quantity"), f"unknown country {name!r}")
            if kind in ("crossed", "queue_vehicles") and name not in world.crossing_ids:
                raise InputError(str(path), where("quantity"), f"unknown crossing {name!r}")
            try:
                start = dt.date.fromisoformat(row["date_from"])
                end = dt.date.fromisoformat(row["date_to"])
                observed = float(row["observed"])
                baseline = float(row.get("baseline_per_day") or 0)
            except (KeyError, ValueError) as err:
                raise InputError(str(path), f"row {row_number}", f"expected dates and numbers: {err}") from err
            if end > window_end and not validation:
                raise InputError(str(path), where("date_to"),
                                 f"{end} is after the calibration window (to {window_end}); later "
                                 f"observations are kept for checking forecasts (validation.csv)")
            if end <= window_end and validation:
                raise InputError(str(path), where("date_to"),
                                 f"{end} is inside the calibration window (to {window_end}): a validation "
                                 "observation must end after it (window data belong in targets.csv)")
            if end < start or observed <= 0:
                raise InputError(str(path), where("observed"), "expected date_to ≥ date_from and a positive observation")
            reliability = row.get("reliability", "")
            if reliability not in RELIABILITY_SD:
                raise InputError(str(path), where("reliability"), f"expected one of {', '.join(RELIABILITY_SD)}")
            statistic = row.get("statistic", "sum")
            if statistic not in ("sum", "snapshot"):
                raise InputError(str(path), where("statistic"), "expected sum or snapshot")
            if (kind in ("stock", *_CUMULATIVE)) and statistic != "snapshot":
                raise InputError(str(path), where("statistic"), f"{kind} is a level on a day: expected snapshot")
            targets.append(Target(row["target_id"], quantity, unit, start, end, statistic, observed,
                                  baseline, reliability, row.get("note", "")))
    return targets


def quantity_series(series: pd.DataFrame, quantity: str, world: World, people_per_vehicle: float) -> pd.Series:
    """A target quantity (``mobilized``, ``stock:KZ``, ``queue_vehicles:upper_lars``, …) as a daily
    series of a run (people, or vehicles for queues)."""
    kind, _, name = quantity.partition(":")
    if kind == "crossed":
        return series[f"crossed.{name}"]
    if kind == "queue_vehicles":
        return series[f"queue_length.{name}"] / people_per_vehicle
    if kind == "mobilized":
        from exitwave.modules.mobilization import MOBILIZED_COUNTERS

        return sum((series[c] for c in MOBILIZED_COUNTERS if c in series), series["departed"] * 0.0)
    if kind == "departed":
        return series["departed"]
    if kind in ("stock", "exits"):
        stock = series[f"abroad.{name}"] if f"abroad.{name}" in series else series["departed"] * 0.0
        if kind == "stock":
            return stock
        entries = quantity_series(series, f"entries:{name}", world, people_per_vehicle)
        return entries - stock.diff().fillna(stock.iloc[0])
    members = ({world.country_ids[k] for k in np.flatnonzero(world.country_eu)} if name == "EU" else {name})
    columns = [f"crossed.{cid}" for c, cid in enumerate(world.crossing_ids)
               if world.country_ids[world.crossing_country[c]] in members]
    return series[columns].sum(axis=1)


def model_values(targets: list[Target], series: pd.DataFrame, world: World,
                 people_per_vehicle: float) -> np.ndarray:
    """The model's value for each target from a run's daily series (same definitions).

    Each quantity's series is built once and the targets read it by day offsets (the run's
    series is daily without gaps): a calibration calls this for every simulation, and label
    lookups per target cost a third of a short run."""
    first = series.index[0]
    if len(series.index) != (series.index[-1] - first).days + 1:
        raise ValueError("model_values expects a daily series without gaps")
    start = first.date()
    daily: dict[str, np.ndarray] = {}
    out = np.empty(len(targets))
    for i, t in enumerate(targets):
        if t.quantity not in daily:
            daily[t.quantity] = quantity_series(series, t.quantity, world, people_per_vehicle).to_numpy(float)
        values = daily[t.quantity]
        last = (t.date_to - start).days
        if t.statistic == "snapshot":
            if not 0 <= last < values.size:
                raise KeyError(f"{t.target_id}: {t.date_to} is outside the run")
            out[i] = values[last]
        else:  # the days of the window inside the run, as a slice by dates would take them
            window = values[max((t.date_from - start).days, 0): max(last + 1, 0)]
            days = (t.date_to - t.date_from).days + 1
            out[i] = float(window.sum()) + t.baseline_per_day * days
    return out
