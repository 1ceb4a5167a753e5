"""Read a Flee case: input folder, ``simsetting.yml`` and validation folder → typed objects.

A Flee input folder holds ``locations.csv``, ``routes.csv``, ``closures.csv``, ``conflicts.csv``,
``sim_period.csv`` (or the older ``conflict_period.csv``) and ``registration_corrections.csv``;
a validation folder holds ``data_layout.csv`` and one CSV of observed refugee counts per camp
(plus ``total``, the refugee total that drives spawning). Everything is checked as it is read:
a malformed file raises :class:`~exitwave.errors.InputError` naming the file, the line and field,
and what was expected.

Conventions follow Flee 3.1 (``flee/InputGeography.py``, ``flee/datamanager``): lines whose first
cell starts with ``#`` are headers or comments; the home country is the country of the first
location; a ``conflict_zone`` whose ``conflict_date`` is after day 0 starts as a town; a camp's
``population`` is its capacity.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from exitwave.errors import InputError

__all__ = ["Kind", "FleeWorld", "Closure", "Correction", "FleeSettings", "Validation",
           "read_world", "read_settings", "read_validation", "read_case", "CLOSURE_TYPES"]


class Kind(IntEnum):
    """Location types of Flee's ``locations.csv`` (``location_type`` column)."""

    TOWN = 0
    CONFLICT = 1
    CAMP = 2
    FORWARD = 3
    MARKER = 4
    IDPCAMP = 5


LOCATION_TYPES = {"town": Kind.TOWN, "default": Kind.TOWN, "conflict_zone": Kind.CONFLICT,
                  "camp": Kind.CAMP, "idpcamp": Kind.IDPCAMP, "forwarding_hub": Kind.FORWARD,
                  "marker": Kind.MARKER}
CLOSURE_TYPES = ("country", "location", "link", "camp", "idpcamp", "remove_forced_redirection")


@dataclass(frozen=True)
class Closure:
    """One row of ``closures.csv``: ``kind`` acts on ``name1``/``name2`` from day ``start``
    (inclusive) and is undone on day ``end`` (days since the start date; Flee's semantics: the
    action fires on the day equal to ``start`` and the undo on the day equal to ``end``)."""

    kind: str
    name1: str
    name2: str
    start: int
    end: int
    line: int


@dataclass(frozen=True)
class Correction:
    """One row of ``registration_corrections.csv``: the camp's observations before ``date`` are
    rescaled so that the last one before it meets the first one on it (level-1 → level-2
    registration)."""

    camp: str
    date: dt.date
    line: int


@dataclass
class FleeWorld:
    """A Flee input folder as arrays (one entry per location / per route, file order)."""

    folder: Path
    names: list[str]
    region: list[str]
    country: list[str]
    latitude: np.ndarray          # float64, degrees
    longitude: np.ndarray         # float64, degrees
    kind: np.ndarray              # int8 Kind, after Flee's "conflict later ⇒ town" rule
    file_kind: np.ndarray         # int8 Kind as written in the file
    conflict_date: np.ndarray     # int32, day of the conflict in locations.csv (-1: none)
    population: np.ndarray        # int64, people (camps: capacity, people)
    conflict_intensity: np.ndarray  # float64, optional column ``conflict_intensity`` (default 1)
    foreign: np.ndarray           # bool, country differs from the first location's
    route_a: np.ndarray           # int32 location index
    route_b: np.ndarray           # int32 location index
    route_km: np.ndarray          # float64, km
    route_forced: np.ndarray      # int8: 0 none, 1 forced a→b, 2 forced b→a
    route_speed: np.ndarray       # float64, km/day on this route (NaN: the settings' max_move_speed)
    route_walk: np.ndarray        # float64, probability per day of walking on this route
    closures: list[Closure]
    conflict_names: list[str]     # conflicts.csv columns (location names)
    conflicts: np.ndarray         # float64 [day, column]: conflict intensity (0 = none)
    start_date: dt.date
    n_days: int
    corrections: list[Correction] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # tolerated oddities, as Flee tolerates them

    @property
    def n_locations(self) -> int:
        return len(self.names)

    @property
    def n_routes(self) -> int:
        return int(self.route_a.size)

    @property
    def camps(self) -> list[str]:
        return [n for n, k in zip(self.names, self.kind, strict=True) if k in (Kind.CAMP, Kind.IDPCAMP)]

    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}


def _rows(path: Path, header_first: tuple[str, ...] = ()) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of a Flee CSV: blank lines and lines starting with ``#`` skipped, as is
    a first line whose first cell is one of ``header_first`` (a header written without ``#``)."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found") from None
    with handle:
        reader = csv.reader(handle)
        try:
            for cells in reader:
                if not cells or not "".join(cells).strip():
                    continue
                first = cells[0].strip()
                if first.startswith("#"):
                    continue
                if reader.line_num == 1 and first.lower() in header_first:
                    continue
                yield reader.line_num, [c.strip() for c in cells]
        except (csv.Error, UnicodeDecodeError) as error:
            raise InputError(str(path), f"line {reader.line_num}", f"a readable UTF-8 CSV file ({error})") from None


def _int(path: Path, line: int, column: str, text: str, minimum: int | None = None) -> int:
    try:
        value = float(text)
        if not value.is_integer():
            raise ValueError
    except ValueError:
        raise InputError(str(path), f"line {line}, {column}", f"a whole number, got {text!r}") from None
    if minimum is not None and value < minimum:
        raise InputError(str(path), f"line {line}, {column}", f"a number ≥ {minimum}, got {text!r}")
    return int(value)


def _float(path: Path, line: int, column: str, text: str, minimum: float | None = None) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(str(path), f"line {line}, {column}", f"a number, got {text!r}") from None
    if not math.isfinite(value):
        raise InputError(str(path), f"line {line}, {column}", f"a finite number, got {text!r}")
    if minimum is not None and value < minimum:
        raise InputError(str(path), f"line {line}, {column}", f"a number ≥ {minimum:g}, got {text!r}")
    return value


def _date(path: Path, line: int, column: str, text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InputError(str(path), f"line {line}, {column}", f"a date YYYY-MM-DD, got {text!r}") from None


def _header(path: Path) -> list[str]:
    """The column names of a Flee CSV's ``#`` header line (lower case, ``#`` removed)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for cells in csv.reader(handle):
                if cells and cells[0].strip().startswith("#"):
                    return [c.strip().lstrip("#").strip().lower() for c in cells]
                if cells:
                    return []
    except FileNotFoundError:
        return []
    return []


def _read_locations(path: Path) -> dict[str, Any]:
    header = _header(path)
    extra = {name: i for i, name in enumerate(header) if i >= 8}
    names: list[str] = []
    seen: dict[str, int] = {}
    cols: dict[str, list[Any]] = {k: [] for k in ("region", "country", "lat", "lon", "kind", "file_kind",
                                                  "date", "pop", "intensity")}
    for line, cells in _rows(path, ("name",)):
        if len(cells) < 8:
            raise InputError(str(path), f"line {line}",
                             "8 columns: name, region, country, latitude, longitude, location_type, "
                             f"conflict_date, population (got {len(cells)})")
        name, region, country, lat, lon, ltype, cdate, pop = cells[:8]
        if not name:
            raise InputError(str(path), f"line {line}, name", "a location name, got an empty cell")
        if name in seen:
            raise InputError(str(path), f"line {line}, name", f"a unique name: {name!r} is already on line {seen[name]}")
        seen[name] = line
        kind = LOCATION_TYPES.get(ltype.lower())
        if kind is None:
            raise InputError(str(path), f"line {line}, location_type",
                             f"one of {', '.join(LOCATION_TYPES)}, got {ltype!r}")
        date = -1
        effective = kind
        if kind == Kind.CONFLICT:
            date = _int(path, line, "conflict_date", cdate)
            if date > 0:
                effective = Kind.TOWN  # Flee: a conflict that starts later begins as a town
        elif cdate:
            date = _int(path, line, "conflict_date", cdate)
        population = _int(path, line, "population", pop, minimum=0) if pop else 0
        intensity = 1.0
        if "conflict_intensity" in extra and len(cells) > extra["conflict_intensity"] and cells[extra["conflict_intensity"]]:
            intensity = _float(path, line, "conflict_intensity", cells[extra["conflict_intensity"]], minimum=0.0)
        names.append(name)
        cols["region"].append(region)
        cols["country"].append(country or "unknown")
        cols["lat"].append(_float(path, line, "latitude", lat) if lat else 0.0)
        cols["lon"].append(_float(path, line, "longitude", lon) if lon else 0.0)
        cols["kind"].append(int(effective))
        cols["file_kind"].append(int(kind))
        cols["date"].append(date)
        cols["pop"].append(population)
        cols["intensity"].append(intensity)
    if not names:
        raise InputError(str(path), "", "at least one location")
    return {"names": names, **cols}


def _read_routes(path: Path, index: dict[str, int]) -> dict[str, np.ndarray]:
    header = _header(path)
    extra = {name: i for i, name in enumerate(header) if i >= 4}
    a: list[int] = []
    b: list[int] = []
    km: list[float] = []
    forced: list[int] = []
    speed: list[float] = []
    walk: list[float] = []
    for line, cells in _rows(path, ("name1",)):
        if len(cells) < 3:
            raise InputError(str(path), f"line {line}", f"3 or 4 columns: name1, name2, distance, forced_redirection (got {len(cells)})")
        for column, name in (("name1", cells[0]), ("name2", cells[1])):
            if name not in index:
                raise InputError(str(path), f"line {line}, {column}",
                                 f"a location of locations.csv, got {name!r}")
        if cells[0] == cells[1]:
            raise InputError(str(path), f"line {line}", f"a route between two different locations, got {cells[0]!r} twice")
        a.append(index[cells[0]])
        b.append(index[cells[1]])
        km.append(_float(path, line, "distance", cells[2], minimum=0.0))
        f = cells[3] if len(cells) > 3 else ""
        value = _int(path, line, "forced_redirection", f) if f else 0
        if value not in (0, 1, 2):
            raise InputError(str(path), f"line {line}, forced_redirection", f"0, 1 or 2 (or empty), got {f!r}")
        forced.append(value)
        s = cells[extra["max_move_speed"]] if "max_move_speed" in extra and len(cells) > extra["max_move_speed"] else ""
        speed.append(_float(path, line, "max_move_speed", s, minimum=0.0) if s else math.nan)
        w = cells[extra["walk_probability"]] if "walk_probability" in extra and len(cells) > extra["walk_probability"] else ""
        p = _float(path, line, "walk_probability", w, minimum=0.0) if w else 0.0
        if p > 1.0:
            raise InputError(str(path), f"line {line}, walk_probability", f"a probability in [0, 1], got {w!r}")
        walk.append(p)
    return {"route_a": np.array(a, np.int32), "route_b": np.array(b, np.int32),
            "route_km": np.array(km, np.float64), "route_forced": np.array(forced, np.int8),
            "route_speed": np.array(speed, np.float64), "route_walk": np.array(walk, np.float64)}


def _read_closures(path: Path, index: dict[str, int], countries: set[str]) -> list[Closure]:
    closures: list[Closure] = []
    if not path.exists():
        return closures
    for line, cells in _rows(path, ("closure_type",)):
        if len(cells) < 5:
            raise InputError(str(path), f"line {line}", f"5 columns: closure_type, name1, name2, closure_start, closure_end (got {len(cells)})")
        kind, n1, n2 = cells[0].lower(), cells[1], cells[2]
        if kind not in CLOSURE_TYPES:
            raise InputError(str(path), f"line {line}, closure_type", f"one of {', '.join(CLOSURE_TYPES)}, got {cells[0]!r}")
        if kind == "country":
            for column, name in (("name1", n1), ("name2", n2)):
                if name not in countries:
                    raise InputError(str(path), f"line {line}, {column}", f"a country of locations.csv, got {name!r}")
        else:
            needed = (("name1", n1),) if kind in ("location", "camp", "idpcamp") else (("name1", n1), ("name2", n2))
            for column, name in needed:
                if name not in index:
                    raise InputError(str(path), f"line {line}, {column}", f"a location of locations.csv, got {name!r}")
        start = _int(path, line, "closure_start", cells[3])
        end = _int(path, line, "closure_end", cells[4])
        closures.append(Closure(kind, n1, n2, start, end, line))
    return closures


def _read_conflicts(path: Path, index: dict[str, int], warnings: list[str]) -> tuple[list[str], np.ndarray]:
    """Conflict intensities per day and location. A column naming no location of locations.csv is
    skipped with a warning, as Flee 3.1 does (it prints an error and carries on)."""
    if not path.exists():
        return [], np.zeros((0, 0))
    names: list[str] = []
    keep: list[int] = []
    rows: list[list[float]] = []
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise InputError(str(path), "", f"a readable file ({error})") from None
    with handle:
        reader = csv.reader(handle)
        for cells in reader:
            line = reader.line_num
            if not cells or not "".join(cells).strip():
                continue
            if not names:
                names = [c.strip() for c in cells[1:]]
                while names and not names[-1]:
                    names.pop()
                for column, name in enumerate(names):
                    if name in index:
                        keep.append(column)
                    else:
                        warnings.append(f"{path}: line {line}, column {column + 2}: {name!r} is not a "
                                        "location of locations.csv; its conflicts are ignored (as in Flee)")
                continue
            values = [c.strip() for c in cells[1:]]
            while len(values) > len(names) and not values[-1]:
                values.pop()
            if len(values) != len(names):
                raise InputError(str(path), f"line {line}", f"{len(names) + 1} columns (day and one per location), got {len(values) + 1}")
            day = _int(path, line, "day", cells[0].strip(), minimum=0)
            if day != len(rows):
                raise InputError(str(path), f"line {line}, day", f"consecutive days from 0, got {day} after {len(rows) - 1}")
            rows.append([_float(path, line, names[i], values[i], minimum=0.0) for i in keep])
    return [names[i] for i in keep], np.array(rows, np.float64).reshape(len(rows), len(keep))


def _read_period(folder: Path) -> tuple[dt.date, int]:
    path = folder / "sim_period.csv"
    if not path.exists():
        path = folder / "conflict_period.csv"
    if not path.exists():
        raise InputError(str(folder / "sim_period.csv"), "", "file not found (nor the older conflict_period.csv)")
    start: dt.date | None = None
    length: int | None = None
    for line, cells in _rows(path):
        key = cells[0].lower()
        if len(cells) < 2:
            raise InputError(str(path), f"line {line}", "two cells: StartDate,YYYY-MM-DD or Length,<days>")
        if key == "startdate":
            start = _date(path, line, "StartDate", cells[1])
        elif key == "length":
            length = _int(path, line, "Length", cells[1], minimum=1)
    if start is None:
        raise InputError(str(path), "StartDate", "a line StartDate,YYYY-MM-DD")
    if length is None:
        raise InputError(str(path), "Length", "a line Length,<days>")
    return start, length


def _read_corrections(path: Path) -> list[Correction]:
    if not path.exists():
        return []
    out = []
    for line, cells in _rows(path):
        if len(cells) < 2:
            raise InputError(str(path), f"line {line}", "camp,YYYY-MM-DD[,normalize]")
        out.append(Correction(cells[0], _date(path, line, "date", cells[1]), line))
    return out


def read_world(folder: str | Path) -> FleeWorld:
    """Read a Flee input folder (see the module docstring for the files)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "", "a Flee input folder (locations.csv, routes.csv, …)")
    loc = _read_locations(folder / "locations.csv")
    names: list[str] = loc["names"]
    index = {n: i for i, n in enumerate(names)}
    routes = _read_routes(folder / "routes.csv", index)
    countries = set(loc["country"])
    closures = _read_closures(folder / "closures.csv", index, countries)
    warnings: list[str] = []
    conflict_names, conflicts = _read_conflicts(folder / "conflicts.csv", index, warnings)
    start, length = _read_period(folder)
    country = loc["country"]
    return FleeWorld(
        folder=folder, names=names, region=loc["region"], country=country,
        latitude=np.array(loc["lat"], np.float64), longitude=np.array(loc["lon"], np.float64),
        kind=np.array(loc["kind"], np.int8), file_kind=np.array(loc["file_kind"], np.int8),
        conflict_date=np.array(loc["date"], np.int32), population=np.array(loc["pop"], np.int64),
        conflict_intensity=np.array(loc["intensity"], np.float64),
        foreign=np.array([c != country[0] for c in country], bool),
        closures=closures, conflict_names=conflict_names, conflicts=conflicts,
        start_date=start, n_days=length,
        corrections=_read_corrections(folder / "registration_corrections.csv"), warnings=warnings, **routes)


# ---------------------------------------------------------------------------------------------
# simsetting.yml

_Forbid = ConfigDict(extra="forbid")
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class LogLevels(BaseModel):
    """Flee's logging switches: accepted for compatibility, no effect here."""

    model_config = _Forbid
    agent: int = 0
    link: int = 0
    camp: int = 0
    init: int = 0
    conflict: int = 0
    idp_totals: int = 0
    granularity: str = "location"


class SpawnRules(BaseModel):
    """How refugees enter the simulation (Flee's ``spawn_rules``)."""

    model_config = _Forbid
    take_from_population: bool = Field(default=False, description="spawned refugees are taken from the "
                                       "conflict zone's population (people), lowering its spawn weight")
    insert_day0: bool = Field(default=True, description="place each camp's day-0 observed refugees (people) "
                              "in the camp before day 0, and spawn nobody on day 0")
    conflict_zone_spawning_only: bool = Field(default=True, description="only conflict zones spawn (Flee 3.1 "
                                              "spawns nowhere else in either case)")
    conflict_spawn_decay: list[Annotated[float, Field(ge=0.0)]] | None = Field(
        default=None, description="spawn and conflict-avoidance multipliers (dimensionless) per 30-day block "
        "since the conflict began; the last one holds afterwards")
    camps_are_sinks: bool = Field(default=False, description="unsupported (Flee 3.1 reads it under a misspelt key)")
    flood_zone_spawning_only: bool = Field(default=False, description="unsupported: flood-driven spawning")
    read_from_agents_csv_file: bool = Field(default=False, description="unsupported: agents.csv")
    conflict_driven_spawning: dict[str, Any] | None = Field(default=None, description="unsupported: fixed "
                                                            "spawning per conflict day")


class MoveRules(BaseModel):
    """How agents move (Flee's ``move_rules``)."""

    model_config = _Forbid
    max_move_speed: float = Field(default=360.0, ge=0.0, description="km per day travelled on a route")
    max_walk_speed: float = Field(default=35.0, ge=0.0, description="km per day on foot (first route with "
                                  "start_on_foot, or a route's walk_probability)")
    max_crossing_speed: float = Field(default=20.0, ge=0.0, description="km per day; read, unused (as in Flee 3.1)")
    foreign_weight: float = Field(default=1.0, ge=0.0, description="attraction multiplier of a location "
                                  "abroad (dimensionless)")
    camp_weight: float = Field(default=1.0, ge=0.0, description="attraction multiplier of a camp (dimensionless)")
    conflict_weight: float = Field(default=1.0 / 3.16227766017, ge=0.0, description="attraction multiplier "
                                   "of a conflict zone, raised to intensity × decay (dimensionless)")
    conflict_movechance: Probability = Field(default=1.0, description="probability per day of leaving a conflict zone")
    camp_movechance: Probability = Field(default=0.001, description="probability per day of leaving a camp")
    idpcamp_movechance: Probability = Field(default=0.1, description="probability per day of leaving an IDP camp")
    default_movechance: Probability = Field(default=0.3, description="probability per day of leaving a town")
    awareness_level: int = Field(default=1, ge=0, le=4, description="routes considered: paths of up to this "
                                 "many links (0: a uniformly random neighbour)")
    capacity_buffer: Probability = Field(default=0.9, description="occupancy share of capacity from which a "
                                         "camp's attraction falls linearly to 0 at full capacity")
    capacity_scaling: float = Field(default=1.0, gt=0.0, description="multiplier on camp capacities "
                                    "(dimensionless; Flee 3.1 ignores it, later Flee applies it)")
    avoid_short_stints: bool = Field(default=False, description="a town is left for sure when the agent moved "
                                     "less than half a day's distance on average over two days")
    start_on_foot: bool = Field(default=False, description="the first route is walked at max_walk_speed")
    use_v1_rules: bool = Field(default=False, description="Flee 1 constants: 200 km/day, camp_weight 2, "
                               "conflict_weight 0.25, no start on foot, no short-stint rule")
    softening: float = Field(default=10.0, ge=0.0, description="km added to every path length in the weight")
    weight_softening: float = Field(default=0.0, ge=0.0, description="added to every location score (dimensionless)")
    weight_power: float = Field(default=1.0, ge=0.0, description="exponent on each route weight")
    distance_power: float = Field(default=1.0, ge=0.0, description="exponent on the softened path length (km)")
    stay_close_to_home: bool = Field(default=False, description="unsupported: per-agent home distance weights")
    home_distance_power: float = 0.5
    use_pop_for_loc_weight: bool = Field(default=False, description="multiply non-camp scores by "
                                         "min(1, population)^pop_power_for_loc_weight (as Flee 3.1 writes it)")
    pop_power_for_loc_weight: float = Field(default=0.1, description="exponent (dimensionless)")
    movechance_pop_base: float = Field(default=10000.0, gt=0.0, description="people; move chances scale by "
                                       "(max(population, capacity)/base)^factor")
    movechance_pop_scale_factor: float = Field(default=0.0, description="exponent (dimensionless)")
    forced_redirection: bool = Field(default=False, description="exitwave extension (Flee 2 rule): an agent "
                                     "at a location with an open forced route takes it, unless its "
                                     "end is full. Flee 3.1 reads the column and ignores it, so off "
                                     "by default")
    ChildrenAvoidHazards: bool = False
    BoysTakeRisk: bool = False
    MatchCampEthnicity: bool = False
    MatchTownEthnicity: bool = False
    MatchConflictEthnicity: bool = False


class Optimisations(BaseModel):
    model_config = _Forbid
    hasten: int = Field(default=1, ge=1, description="population scale-down factor: 1 agent = hasten people")


class FleeSettings(BaseModel):
    """A Flee ``simsetting.yml`` (unknown keys are errors; Flee's defaults where a key is absent)."""

    model_config = _Forbid
    log_levels: LogLevels = LogLevels()
    spawn_rules: SpawnRules = SpawnRules()
    move_rules: MoveRules = MoveRules()
    optimisations: Optimisations = Optimisations()
    number_of_steps: int = Field(default=-1, description="days to simulate (-1: sim_period.csv's length)")
    conflict_input_file: str = Field(default="", description="ignored: conflicts.csv of the input folder is used")
    flood_rules: dict[str, Any] | None = Field(default=None, description="unsupported")

    def effective_move_rules(self) -> MoveRules:
        """The move rules after ``use_v1_rules`` (which overrides five of them, as in Flee)."""
        m = self.move_rules
        if not m.use_v1_rules:
            return m
        return m.model_copy(update={"max_move_speed": 200.0, "start_on_foot": False, "avoid_short_stints": False,
                                    "camp_weight": 2.0, "conflict_weight": 0.25})


_UNSUPPORTED = {
    ("spawn_rules", "camps_are_sinks"): True, ("spawn_rules", "flood_zone_spawning_only"): True,
    ("spawn_rules", "read_from_agents_csv_file"): True,
    ("move_rules", "stay_close_to_home"): True, ("move_rules", "ChildrenAvoidHazards"): True,
    ("move_rules", "BoysTakeRisk"): True, ("move_rules", "MatchCampEthnicity"): True,
    ("move_rules", "MatchTownEthnicity"): True, ("move_rules", "MatchConflictEthnicity"): True,
}


def read_settings(path: str | Path | None) -> FleeSettings:
    """Read a Flee ``simsetting.yml`` (``None``: Flee's defaults)."""
    if path is None:
        return FleeSettings()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found") from None
    except yaml.YAMLError as error:
        raise InputError(str(path), "", f"valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise InputError(str(path), "", "a mapping of sections (log_levels, spawn_rules, move_rules, optimisations)")
    try:
        settings = FleeSettings.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(str(path), where, first["msg"]) from None
    for (section, key), bad in _UNSUPPORTED.items():
        if getattr(getattr(settings, section), key) == bad:
            raise InputError(str(path), f"{section}.{key}", "false (this rule is not supported by exitwave's flee ruleset)")
    if settings.spawn_rules.conflict_driven_spawning is not None:
        raise InputError(str(path), "spawn_rules.conflict_driven_spawning",
                         "absent (spawning follows the observed refugee total; fixed per-conflict spawning is not supported)")
    if settings.flood_rules is not None:
        raise InputError(str(path), "flood_rules", "absent (flood rules are not supported)")
    return settings


# ---------------------------------------------------------------------------------------------
# validation folder


@dataclass
class Validation:
    """Observed refugee counts (people): the total and one series per camp, as (day offset since
    the start date, count) points after registration corrections."""

    folder: Path
    start_date: dt.date
    total: tuple[np.ndarray, np.ndarray]
    camps: dict[str, tuple[np.ndarray, np.ndarray]]

    def daily(self, name: str, n_days: int, scale: float = 1.0) -> np.ndarray:
        """Flee's interpolation (``DataTable.get_interpolated_data``): flat before the first and
        after the last point, linear in between, truncated to whole people; ``scale`` multiplies
        the counts before truncation (Flee's ``hasten``)."""
        days, values = self.total if name == "total" else self.camps[name]
        return interpolate(days, values * scale, n_days)


def interpolate(days: np.ndarray, values: np.ndarray, n_days: int) -> np.ndarray:
    """Daily values 0 … n_days-1 (int64, truncated toward zero) from sorted points."""
    t = np.arange(n_days, dtype=np.float64)
    out = np.interp(t, days.astype(np.float64), values.astype(np.float64))
    # np.interp holds the first/last value outside the range, as Flee does.
    return np.trunc(out).astype(np.int64)


def _read_series(path: Path, start: dt.date) -> tuple[np.ndarray, np.ndarray]:
    days: list[int] = []
    values: list[float] = []
    for line, cells in _rows(path, ("datetime", "date")):
        if len(cells) < 2 or not cells[1]:
            continue  # Flee skips rows without a count
        date = _date(path, line, "date", cells[0])
        value = _float(path, line, "count", cells[1], minimum=0.0)
        day = (date - start).days
        if days and day <= days[-1]:
            raise InputError(str(path), f"line {line}, date", f"dates in increasing order, {cells[0]} is not after the previous row")
        days.append(day)
        values.append(value)
    if not days:
        raise InputError(str(path), "", "at least one row date,count")
    return np.array(days, np.int64), np.array(values, np.float64)


def _sum_series(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    days = np.unique(np.concatenate([d for d, _ in parts]))
    total = np.zeros(days.size)
    for d, v in parts:
        total += np.interp(days.astype(np.float64), d.astype(np.float64), v)
    return days, total


def read_validation(folder: str | Path, start_date: dt.date, corrections: list[Correction] | None = None,
                    corrections_file: str = "registration_corrections.csv") -> Validation:
    """Read a validation folder (``data_layout.csv``: ``name,file[,file…]``; the ``total`` row is
    the refugee total) and apply registration corrections (Flee's ``ReadL1Corrections``)."""
    folder = Path(folder)
    layout = folder / "data_layout.csv"
    series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for line, cells in _rows(layout):
        files = [c for c in cells[1:] if c]
        if not files:
            raise InputError(str(layout), f"line {line}", "name,file.csv[,file.csv…]")
        if cells[0] in series:
            raise InputError(str(layout), f"line {line}, name", f"a unique name, {cells[0]!r} repeats")
        parts = []
        for name in files:
            path = folder / name
            if not path.is_file():
                raise InputError(str(layout), f"line {line}", f"an existing file in {folder}, got {name!r}")
            parts.append(_read_series(path, start_date))
        series[cells[0]] = parts[0] if len(parts) == 1 else _sum_series(parts)
    if "total" not in series:
        raise InputError(str(layout), "total", "a row total,<file> (the refugee total that drives spawning)")
    for c in corrections or []:
        if c.camp not in series or c.camp == "total":
            raise InputError(corrections_file, f"line {c.line}, camp", f"a camp of {layout}, got {c.camp!r}")
        days, values = series[c.camp]
        offset = (c.date - start_date).days
        hit = np.flatnonzero(days == offset)
        if hit.size == 0:
            raise InputError(corrections_file, f"line {c.line}, date",
                             f"a date with an observation of {c.camp} in the validation folder, got {c.date}")
        i = int(hit[0])
        if i > 0 and values[i - 1] > 0:
            values[:i] *= values[i] / values[i - 1]
    total = series.pop("total")
    return Validation(folder=folder, start_date=start_date, total=total, camps=series)


def read_case(input_dir: str | Path, validation_dir: str | Path,
              settings: str | Path | None = None) -> tuple[FleeWorld, FleeSettings, Validation]:
    """Read a whole Flee case; every camp of the world must have a validation series."""
    world = read_world(input_dir)
    flee_settings = read_settings(settings)
    validation = read_validation(validation_dir, world.start_date, world.corrections,
                                 str(Path(input_dir) / "registration_corrections.csv"))
    layout = str(Path(validation_dir) / "data_layout.csv")
    for camp in world.camps:
        if camp not in validation.camps:
            raise InputError(layout, camp, f"a row for camp {camp!r} of locations.csv (Flee needs one per camp)")
    return world, flee_settings, validation
