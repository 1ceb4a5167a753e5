"""Compiled geography: regions, crossings, countries, onward moves and distances.

A world is a folder of plain files (``docs/world-format.md``); nothing about geography lives in
code. :func:`load_world` reads and checks it and compiles it into arrays the modules index by
integer (region, crossing, country).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from exitwave.errors import InputError, all_problems
from exitwave.safe_yaml import excerpt, read_file
from exitwave.scenario.schema import COUNTRY_GROUPS
from exitwave.vocabulary import ENTRY_REGIMES, MODES

__all__ = ["World", "load_world", "world_scenario_defaults", "SCENARIO_DEFAULT_FIELDS", "MODES", "ENTRY_REGIMES", "great_circle_km", "bundled_worlds"]

_EARTH_KM = 6371.0088
_DEFAULT_SPEED = {"road": 600.0, "rail": 800.0, "foot": 30.0, "air": 5000.0, "sea": 400.0}


def great_circle_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Haversine distance in km (works on scalars and numpy arrays)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class World:
    """A compiled world. Arrays are indexed by region, crossing or country number."""

    name: str
    description: str
    folder: Path
    sending_country: str
    detour_factor: float
    # regions
    region_ids: list[str]
    region_names: list[str]
    region_lat: np.ndarray
    region_lon: np.ndarray
    region_population: np.ndarray  # people, all ages and sexes
    region_male_share: np.ndarray
    region_urban_share: np.ndarray
    region_means_index: np.ndarray  # 0..1
    region_callup_weight: np.ndarray
    # national age pyramid of men
    age_from: np.ndarray
    age_to: np.ndarray
    age_men: np.ndarray  # people
    # crossings
    crossing_ids: list[str]
    crossing_names: list[str]
    crossing_country: np.ndarray  # country index
    crossing_mode: np.ndarray  # index into MODES
    crossing_lat: np.ndarray
    crossing_lon: np.ndarray
    crossing_capacity: np.ndarray  # people/day
    crossing_background: np.ndarray  # people/day of ordinary traffic sharing that capacity
    crossing_passport_required: np.ndarray  # bool
    # countries
    country_ids: list[str]
    country_names: list[str]
    country_lat: np.ndarray
    country_lon: np.ndarray
    country_eu: np.ndarray
    country_nato: np.ndarray
    country_schengen: np.ndarray
    country_population: np.ndarray
    country_gdp: np.ndarray  # USD bn
    country_unemployment: np.ndarray  # percent
    country_entry: np.ndarray  # index into ENTRY_REGIMES (default regime)
    country_internal_passport_ok: np.ndarray
    country_visa_share: np.ndarray
    onward_share: np.ndarray  # [from country, to country]
    # derived
    region_crossing_km: np.ndarray = field(repr=False)  # [region, crossing], road-equivalent km
    region_crossing_days: np.ndarray = field(repr=False)  # [region, crossing] whole days
    country_country_days: np.ndarray = field(repr=False)  # [country, country] whole days
    sources: dict[str, list[str]] = field(default_factory=dict, repr=False)
    # optional parts of the format (docs/world-format.md); defaults: always open, fixed capacity
    age_women: np.ndarray = field(default_factory=lambda: np.zeros(0))  # people; empty: no women column
    crossing_open_from: list[dt.date | None] = field(default_factory=list)  # per crossing
    crossing_open_until: list[dt.date | None] = field(default_factory=list)  # per crossing, last open day
    crossing_via: list[list[int]] = field(default_factory=list)  # transit countries (index) per crossing
    crossing_holding: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # men wait for release (one per crossing)
    capacity_changes: list[tuple[int, dt.date, float, float]] = field(default_factory=list)
    """(crossing, from date, capacity_per_day, background_per_day) rows of capacity.csv, by date."""
    # host-country stay rules (countries.csv; docs/world-format.md): days a man may stay on one
    # entry without a residence permit (0 = no limit), whether a brief exit restarts the count
    # (a visa run), and the last day it does (None = throughout)
    country_stay_limit_days: np.ndarray = field(default_factory=lambda: np.zeros(0))
    country_visa_runs: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    country_visa_runs_until: list[dt.date | None] = field(default_factory=list)
    calibration: dict[str, Any] = field(default_factory=dict, repr=False)  # world.yaml calibration:
    households: dict[int, float] | None = None
    """world.yaml ``households.adults_per_household``: share of households with k adults (sums to 1);
    None: the world declares no households (every agent decides and travels alone)."""
    households_source: str = ""
    scenario_defaults: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    """world.yaml ``scenario_defaults``: values of scenario fields this world supplies where a
    scenario does not set them (:func:`world_scenario_defaults`)."""

    @property
    def exit_capacity(self) -> np.ndarray:
        """People a day each crossing can pass for leavers: capacity less ordinary traffic."""
        return np.maximum(self.crossing_capacity - self.crossing_background, 0.0)

    @property
    def n_regions(self) -> int:
        return len(self.region_ids)

    @property
    def n_crossings(self) -> int:
        return len(self.crossing_ids)

    @property
    def n_countries(self) -> int:
        return len(self.country_ids)

    def crossing_index(self, crossing_id: str) -> int:
        return self.crossing_ids.index(crossing_id)

    def country_index(self, iso2: str) -> int:
        return self.country_ids.index(iso2)

    def country_group(self, name: str) -> list[int]:
        """Members of ``EU``, ``NATO`` or ``SCHENGEN``, or the one country ``name``."""
        groups = {"EU": self.country_eu, "NATO": self.country_nato, "SCHENGEN": self.country_schengen}
        if name in groups:
            return [int(i) for i in np.flatnonzero(groups[name])]
        return [self.country_ids.index(name)] if name in self.country_ids else []


def bundled_worlds() -> list[str]:
    root = Path(str(resources.files("exitwave.data") / "worlds"))
    return sorted(p.name for p in root.iterdir() if (p / "world.yaml").is_file())


def _world_folder(name_or_path: str, relative_to: Path | None) -> Path:
    candidate = Path(name_or_path)
    tried: list[str] = []
    for base in ([relative_to] if relative_to else []) + [Path.cwd()]:
        path = candidate if candidate.is_absolute() else base / candidate
        if (path / "world.yaml").is_file():
            return path
        looked = os.path.abspath(path / "world.yaml")
        if looked not in tried:
            tried.append(looked)
    bundled = Path(str(resources.files("exitwave.data") / "worlds" / name_or_path))
    if (bundled / "world.yaml").is_file():
        return bundled
    raise InputError(
        name_or_path, "world",
        f"expected a world folder with a world.yaml (looked for {' and '.join(tried)}) "
        f"or a bundled world (bundled: {', '.join(bundled_worlds())})",
    )


DOCUMENTATION_COLUMNS = ("source", "source_title", "source_url", "note")
"""Columns any world table may carry for readers (the loader keeps ``source`` for citations);
so may any column ending in ``_basis`` or ``_note`` and those listed in world.yaml's
``documentation_columns``."""


MAX_TABLE_BYTES = 16 * 1024 * 1024
"""Largest world table read (bytes): a world has hundreds of rows, not millions."""


class _Problems:
    """The problems found in a world folder, in the order found. A world reports all of them at
    once (:func:`exitwave.errors.all_problems`), as a scenario does, so that one edit can fix
    them all; a file that cannot be read at all stops only the checks of that file."""

    def __init__(self) -> None:
        self.found: list[InputError] = []

    def add(self, file: Path | str, field: str, expected: str) -> None:
        self.found.append(InputError(str(file), field, expected))

    def mark(self) -> int:
        """A point to compare with :meth:`since`."""
        return len(self.found)

    def since(self, mark: int) -> bool:
        """Whether a problem was found after ``mark`` (then checks that combine those values,
        such as totals and travel times, are skipped: they would only repeat the problem)."""
        return len(self.found) > mark

    def raise_any(self) -> None:
        """Raise every problem found, grouped by file (files in the order their first problem was
        found, so the first problem stays first; each file's problems in the order found)."""
        files = list(dict.fromkeys(problem.file for problem in self.found))
        if self.found:
            raise all_problems(sorted(self.found, key=lambda problem: files.index(problem.file)))


def _columns(columns: list[str]) -> str:
    """A header as a message quotes it: the names, cut to a short line."""
    text = ", ".join(columns)
    return text if len(text) <= 200 else text[:199] + "…"


class _Table:
    """A CSV table read with the csv module; values parsed with file/row/column in each problem.

    ``optional``: the other columns the format reads; any column neither required, optional nor
    documentation (:data:`DOCUMENTATION_COLUMNS`, ``*_basis``, ``*_note``, ``extra``) is a
    problem, as an unknown key in a scenario is: a misspelt or unsupported column must not be
    ignored (``extra=None``: world.yaml could not say which columns are for readers, so unknown
    columns are not checked).

    Problems go to ``problems``; a bad cell reads as NaN (numbers), ``""`` (text), ``False``,
    ``None`` (dates) so that the other cells are still checked. A table that cannot be read (no
    file, not UTF-8, not CSV, a broken header, no rows) has ``ok`` false and no rows.
    """

    def __init__(self, path: Path, required: list[str], optional: tuple[str, ...] = (),
                 extra: tuple[str, ...] | None = (), *, problems: _Problems) -> None:
        self.path = path
        self.problems = problems
        self.columns: list[str] = []
        self.rows: list[dict[str, str]] = []
        self.ok = False
        try:
            columns, rows = self._read(required)
        except InputError as error:
            problems.found.extend(error.problems)
            return
        self.columns, self.rows, self.ok = columns, rows, True
        if extra is None:
            return
        known = set(required) | set(optional) | set(DOCUMENTATION_COLUMNS) | set(extra)
        for column in self.columns:
            if column not in known and not column.endswith(("_basis", "_note")):
                problems.add(path, column, f"unknown column (expected {', '.join(required + list(optional))}; "
                                           f"for readers: {', '.join(DOCUMENTATION_COLUMNS)}, *_basis, *_note, "
                                           "or a name listed in world.yaml documentation_columns)")

    def _read(self, required: list[str]) -> tuple[list[str], list[dict[str, str]]]:
        """The header and rows; :class:`InputError` (with every missing column) when the file
        cannot be read as a table of the format."""
        path = self.path
        if not path.is_file():
            raise InputError(str(path), "", "file not found (required by the world format)")
        if path.stat().st_size > MAX_TABLE_BYTES:
            raise InputError(str(path), "", f"expected a table of at most {MAX_TABLE_BYTES:,} bytes, "
                                            f"got {path.stat().st_size:,}")
        reader: Any = None
        try:
            # utf-8-sig: a spreadsheet's byte-order mark must not become part of the first column's name
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                columns = list(reader.fieldnames or [])
                rows = list(reader)
        except UnicodeDecodeError as error:
            raise InputError(str(path), "", f"expected UTF-8 text; byte {error.start} is not "
                                            f"(save the table as CSV UTF-8)") from None
        except OSError as error:
            raise InputError(str(path), "", f"expected a readable file ({error.strerror})") from None
        except csv.Error as error:
            raise InputError(str(path), f"line {getattr(reader, 'line_num', 0)}",
                             f"expected CSV: {excerpt(str(error))}") from None
        blank = [c for c in columns if not c.strip()]
        if blank:
            raise InputError(str(path), f"column {columns.index(blank[0]) + 1}",
                             "expected a name for every column (the header has an empty one)")
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if twice:
            raise InputError(str(path), twice[0], "expected each column once (the header repeats it)")
        missing = [InputError(str(path), c, f"required column is missing (have: {_columns(columns)})")
                   for c in required if c not in columns]
        if missing:
            raise all_problems(missing)
        if not rows:
            raise InputError(str(path), "", "the table has no rows")
        return columns, rows

    def _raw(self, row: int, column: str) -> str:
        return (self.rows[row].get(column) or "").strip()

    def _bad(self, row: int, column: str, expected: str) -> None:
        self.problems.add(self.path, f"row {row + 2}, column {column}", expected)

    def text(self, column: str) -> list[str]:
        """The column's cells; an empty one is a problem (and ``""``)."""
        out = []
        for i in range(len(self.rows)):
            value = self._raw(i, column)
            if not value:
                self._bad(i, column, "a value is required")
            out.append(value)
        return out

    def number(self, column: str, default: float | None = None, low: float | None = None,
               high: float | None = None, whole: bool = False) -> np.ndarray:
        out = np.full(len(self.rows), np.nan)
        for i in range(len(self.rows)):
            raw = self._raw(i, column) if column in self.columns else ""
            if raw == "":
                if default is None:
                    self._bad(i, column, "a number is required")
                else:
                    out[i] = default
                continue
            try:
                value = float(raw)
            except ValueError:
                self._bad(i, column, f"expected a number, got {excerpt(raw)}")
                continue
            if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
                bounds = (f"between {_bound(low)} and {_bound(high)}" if high is not None
                          else f"at least {_bound(low)}")
                self._bad(i, column, f"expected a number {bounds}, got {excerpt(raw)}")
            elif whole and not value.is_integer():
                self._bad(i, column, f"expected a whole number of people, got {excerpt(raw)}")
            else:
                out[i] = value
        return out

    def boolean(self, column: str, default: bool | None = None) -> np.ndarray:
        out = np.zeros(len(self.rows), dtype=bool)
        for i in range(len(self.rows)):
            raw = (self._raw(i, column) if column in self.columns else "").lower()
            if raw in ("true", "yes", "1"):
                out[i] = True
            elif raw in ("false", "no", "0"):
                out[i] = False
            elif raw == "" and default is not None:
                out[i] = default
            else:
                self._bad(i, column, f"expected true or false, got {excerpt(raw)}")
        return out

    def date(self, column: str) -> list[dt.date | None]:
        """ISO dates (YYYY-MM-DD); an empty cell or a missing column is ``None`` (so is a bad cell,
        with its problem)."""
        out: list[dt.date | None] = []
        for i in range(len(self.rows)):
            raw = self._raw(i, column) if column in self.columns else ""
            day = None
            if raw != "":
                try:
                    day = dt.date.fromisoformat(raw)
                except ValueError:
                    self._bad(i, column, f"expected a date as YYYY-MM-DD, got {excerpt(raw)}")
            out.append(day)
        return out

    def choice(self, column: str, allowed: tuple[str, ...]) -> np.ndarray:
        values = self.text(column)
        out = np.zeros(len(values), dtype=np.int8)
        for i, value in enumerate(values):
            if value in allowed:
                out[i] = allowed.index(value)
            elif value:  # an empty cell is already reported
                self._bad(i, column, f"expected one of {', '.join(allowed)}, got {excerpt(value)}")
        return out

    def sources(self) -> list[str]:
        if "source" not in self.columns and "source_title" not in self.columns:
            return []
        col = "source" if "source" in self.columns else "source_title"
        return sorted({self._raw(i, col) for i in range(len(self.rows)) if self._raw(i, col)})


def _bound(value: float | None) -> str:
    """A bound as the message prints it: 10,000,000,000, 0, 0.5."""
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _unique(table: _Table, column: str) -> list[str]:
    values = table.text(column)
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            table._bad(i, column, f"duplicate id {excerpt(value)}")
        if value:
            seen.add(value)
    return values


MAX_PEOPLE = 10_000_000_000
"""Most people a population cell (a region, an age band, a country) or a world's men may count:
more than the Earth's population is a typing error, and the counts must stay exact in float64
and int64 arithmetic (people)."""

MAX_TRAVEL_DAYS = int(np.iinfo(np.int16).max)
"""Longest travel time (days) a world may imply: travel days are stored as 16-bit integers."""

_ISO2 = re.compile(r"[A-Z]{2}")


def _iso2_problem(code: object) -> str | None:
    """What is wrong with a country code (two upper-case letters, and not a group name a policy
    uses, such as ``EU``), or None."""
    if not isinstance(code, str) or not _ISO2.fullmatch(code):
        return (f"expected an ISO 3166 alpha-2 code of two upper-case letters "
                f"(such as GE; X* for fictional countries), got {excerpt(code)}")
    if code in COUNTRY_GROUPS:
        return (f"expected a country code that is not a group name "
                f"({', '.join(COUNTRY_GROUPS)}: policies use them for all members), got {excerpt(code)}")
    return None


def _check_age_bands(age_from: np.ndarray, age_to: np.ndarray, table: _Table) -> None:
    """Age bands must not overlap (a man would be counted in two bands): each overlap a problem."""
    order = np.argsort(age_from, kind="stable")
    for a, b in zip(order[:-1], order[1:], strict=True):
        if age_from[b] <= age_to[a]:
            first, second = sorted((int(a), int(b)))
            table._bad(second, "age_from",
                       f"expected age bands that do not overlap; ages {int(age_from[second])}–"
                       f"{int(age_to[second])} overlap row {first + 2} "
                       f"({int(age_from[first])}–{int(age_to[first])})")


_META_FIELDS = ("name", "description", "sending_country", "detour_factor", "speed_km_per_day",
                "documentation_columns", "calibration", "households", "scenario_defaults")


def _read_meta(meta_path: Path, problems: _Problems) -> tuple[dict[str, Any], bool]:
    """world.yaml's mapping ({} when it cannot be read, with its problem) and whether it was read."""
    try:
        meta = read_file(meta_path) or {}  # bounded: size, nesting, alias expansion
    except InputError as error:
        problems.found.extend(error.problems)
        return {}, False
    if not isinstance(meta, dict):
        problems.add(meta_path, "", "expected a mapping")
        return {}, False
    for key in meta:
        if key not in _META_FIELDS:
            problems.add(meta_path, str(key), f"unknown field (expected one of {', '.join(sorted(_META_FIELDS))})")
    return meta, True


SCENARIO_DEFAULT_FIELDS = {
    "population": ("passport_share", "reservist_share"),
    "behaviour": ("return_rate", "onward_rate", "domestic_flight_days", "threat_weight", "summoned_threat", "regional_threat_share",
                  "non_reservist_threat", "callup_news_half_life_days"),
    "mobilization": ("response_days", "hide_rate", "enforcement_rate", "exempt_share", "unwilling_share",
                     "wave.summons_days", "wave.pace_days", "wave.capacity_per_day", "wave.oversummons", "wave.age_max"),
    "front": ("initial_strength", "training_days", "contract_recruits", "recruit_age_max", "deserter_recognition",
              "hotline_contacts", "hotline_conversion", "war_end.war_start"),
}
"""Scenario fields whose values belong to a world, not to the model: their schema defaults are
neutral (nobody returns or moves on, everyone holds the papers the routes need, nobody has
served, everyone travels to a land crossing by road, a call-up moves nobody, no army, no
volunteers, no hotline), and a world that knows better says so in ``scenario_defaults``
(russia-2022 does). The call-up's fields (:data:`exitwave.scenario.schema.CALLUP_FIELDS`), each
wave's (``mobilization.wave.*``: :data:`exitwave.scenario.schema.WAVE_FIELDS`, applied to every
wave that leaves one out) and the front's (:data:`exitwave.scenario.schema.FRONT_FIELDS`,
``war_end.war_start``) have no neutral value where a scenario has waves or a front: such a
scenario must get them from itself or its world. A world's ``front`` values reach only scenarios
that have a front."""


def _dotted(values: dict[str, Any], prefix: str = "") -> list[str]:
    """The field paths of a nested mapping (``{war_end: {war_start: …}}`` → ``war_end.war_start``)."""
    out: list[str] = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        out.extend(_dotted(value, path + ".") if isinstance(value, dict) and value else [path])
    return out


def _scenario_defaults(raw: object, file: str) -> dict[str, dict[str, Any]]:
    """world.yaml ``scenario_defaults``: ``{section: {field: value}}`` for the fields of
    :data:`SCENARIO_DEFAULT_FIELDS`, each checked by the scenario schema."""
    if raw is None:
        return {}
    allowed = "; ".join(f"{section}: {', '.join(fields)}" for section, fields in SCENARIO_DEFAULT_FIELDS.items())
    if not isinstance(raw, dict):
        raise InputError(file, "scenario_defaults", f"expected a mapping of scenario sections to fields ({allowed}), "
                                                    f"got {excerpt(raw)}")
    from pydantic import BaseModel, ValidationError

    from exitwave.scenario.schema import Behaviour, Front, Mobilization, PopulationSpec, Wave

    models: dict[str, type[BaseModel]] = {"population": PopulationSpec, "behaviour": Behaviour,
                                          "mobilization": Mobilization, "front": Front}
    out: dict[str, dict[str, Any]] = {}
    for section, values in raw.items():
        if section not in SCENARIO_DEFAULT_FIELDS or not isinstance(values, dict):
            raise InputError(file, f"scenario_defaults.{section}", f"expected one of these sections with a mapping "
                                                                   f"of fields: {allowed}")
        for name in _dotted(values):
            if name not in SCENARIO_DEFAULT_FIELDS[section]:
                raise InputError(file, f"scenario_defaults.{section}.{name}",
                                 f"expected a field a world may supply ({allowed})")
        checks: list[tuple[str, type[BaseModel], dict[str, Any]]] = [
            ("", models[section], {k: v for k, v in values.items() if not (section == "mobilization" and k == "wave")})]
        if section == "mobilization" and "wave" in values:  # applied to every wave: checked as one
            checks.append(("wave.", Wave, {"date": "2000-01-01", "quota": 0, **values["wave"]}))
        for prefix, model, checked in checks:
            try:
                model.model_validate(checked)
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                raise InputError(file, f"scenario_defaults.{section}.{prefix}{where}", first["msg"]) from None
        out[str(section)] = dict(values)
    return out


def world_scenario_defaults(name_or_path: str, relative_to: Path | None = None) -> dict[str, dict[str, Any]]:
    """The ``scenario_defaults`` of a world (bundled name or folder), read from its world.yaml
    alone; ``{}`` where the world cannot be found or read (loading it reports why)."""
    try:
        folder = _world_folder(name_or_path, relative_to)
        meta_path = folder / "world.yaml"
        return _cached_defaults(str(meta_path.resolve()), meta_path.stat().st_mtime_ns)
    except (InputError, OSError):
        return {}


@functools.lru_cache(maxsize=64)
def _cached_defaults(meta_path: str, mtime_ns: int) -> dict[str, dict[str, Any]]:
    meta = read_file(Path(meta_path)) or {}
    return _scenario_defaults(meta.get("scenario_defaults") if isinstance(meta, dict) else None, meta_path)


MAX_HOUSEHOLD_ADULTS = 20
"""Largest household size (adults) a world may declare."""


def _households(raw: object, file: str) -> tuple[dict[int, float] | None, str]:
    """world.yaml ``households``: ``{adults_per_household: {1: share, 2: share, …}, source: text}``."""
    if raw is None:
        return None, ""
    expected = ("expected a mapping with adults_per_household (share of households by number of "
                "adults, e.g. {1: 0.3, 2: 0.5, 3: 0.2}) and source (a citation or 'assumption: …')")
    if not isinstance(raw, dict) or set(raw) - {"adults_per_household", "source"} or "adults_per_household" not in raw:
        raise InputError(file, "households", f"{expected}, got {excerpt(raw)}")
    source = raw.get("source", "")
    if not isinstance(source, str) or not source.strip():
        raise InputError(file, "households.source", "expected a citation or 'assumption: …' for the household sizes")
    shares = raw["adults_per_household"]
    if not isinstance(shares, dict) or not shares:
        raise InputError(file, "households.adults_per_household", f"{expected}, got {excerpt(shares)}")
    out: dict[int, float] = {}
    for size, share in shares.items():
        where = f"households.adults_per_household.{size}"
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_HOUSEHOLD_ADULTS:
            raise InputError(file, where, f"expected a whole number of adults from 1 to {MAX_HOUSEHOLD_ADULTS}")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise InputError(file, where, f"expected a share from 0 to 1, got {excerpt(share)}")
        out[size] = float(share)
    if abs(sum(out.values()) - 1.0) > 1e-6:
        raise InputError(file, "households.adults_per_household",
                         f"expected shares that sum to 1, got {sum(out.values()):g}")
    return out, source.strip()


def load_world(name_or_path: str, relative_to: Path | None = None) -> World:
    """Read and check a world folder (bundled name or path) and compile it.

    Raises :class:`~exitwave.errors.InputError` with every problem found in the folder's files,
    each on its own line (``file: field or row and column: expectation``).
    """
    folder = _world_folder(name_or_path, relative_to)
    problems = _Problems()
    meta_path = folder / "world.yaml"
    meta, meta_read = _read_meta(meta_path, problems)
    detour: float | None = None
    raw_detour = meta.get("detour_factor", 1.3)
    if isinstance(raw_detour, bool) or not isinstance(raw_detour, int | float) or not 1.0 <= raw_detour < math.inf:
        problems.add(meta_path, "detour_factor", f"expected a finite number of at least 1, got {excerpt(raw_detour)}")
    else:
        detour = float(raw_detour)
    speeds = dict(_DEFAULT_SPEED)
    speeds_ok = True
    speed_table = meta.get("speed_km_per_day") or {}
    if not isinstance(speed_table, dict):
        problems.add(meta_path, "speed_km_per_day", f"expected a mapping of mode to km/day, got {excerpt(speed_table)}")
        speeds_ok = False
        speed_table = {}
    for mode_name, speed in speed_table.items():
        if mode_name not in MODES:
            problems.add(meta_path, f"speed_km_per_day.{mode_name}", f"expected a mode among {', '.join(MODES)}")
        elif isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed < math.inf:
            problems.add(meta_path, f"speed_km_per_day.{mode_name}", f"expected a positive, finite speed, got {excerpt(speed)}")
            speeds_ok = False
        else:
            speeds[mode_name] = float(speed)

    # columns for readers: unknown (None) when world.yaml cannot say, so tables' extra columns
    # are then not reported as unknown (that would only repeat world.yaml's problem)
    listed = meta.get("documentation_columns") or []
    extra: tuple[str, ...] | None = None
    if not isinstance(listed, list) or not all(isinstance(c, str) and c for c in listed):
        problems.add(meta_path, "documentation_columns",
                     f"expected a list of column names kept for readers, got {excerpt(listed)}")
    elif meta_read:
        extra = tuple(listed)
    calibration = meta.get("calibration") or {}
    if not isinstance(calibration, dict) or set(calibration) - {"start", "end", "targets"}:
        problems.add(meta_path, "calibration",
                     "expected a mapping with start, end (dates of the calibration window) and targets "
                     f"(a file in the world folder), got {excerpt(calibration)}")
        calibration = {}
    households: dict[int, float] | None = None
    households_source = ""
    defaults: dict[str, dict[str, Any]] = {}
    try:
        households, households_source = _households(meta.get("households"), str(meta_path))
    except InputError as error:
        problems.found.extend(error.problems)
    try:
        defaults = _scenario_defaults(meta.get("scenario_defaults"), str(meta_path))
    except InputError as error:
        problems.found.extend(error.problems)
    regions = _Table(folder / "regions.csv", ["region_id", "name", "lat", "lon", "population"],
                     ("male_share", "urban_share", "means_index", "callup_weight"), extra, problems=problems)
    ages = _Table(folder / "age_pyramid.csv", ["age_from", "age_to", "men"], ("women",), extra, problems=problems)
    crossings = _Table(folder / "crossings.csv", ["crossing_id", "name", "to_country", "mode", "lat", "lon", "capacity_per_day"],
                       ("background_per_day", "passport_required", "open_from", "open_until", "via", "holding"), extra,
                       problems=problems)
    countries = _Table(folder / "countries.csv", ["iso2", "name", "lat", "lon", "entry"],
                       ("eu", "nato", "schengen", "population", "gdp_usd_bn", "unemployment_rate_pct",
                        "internal_passport_ok", "visa_share", "stay_limit_days", "visa_runs", "visa_runs_until"),
                       extra, problems=problems)

    country_ids = _unique(countries, "iso2")
    for i, iso in enumerate(country_ids):
        problem = _iso2_problem(iso) if iso else None
        if problem:
            countries._bad(i, "iso2", problem)
    sending = meta.get("sending_country", "")
    if sending != "" and (problem := _iso2_problem(sending)):
        problems.add(meta_path, "sending_country", problem)
    to_country = crossings.text("to_country")
    if countries.ok:  # else every code would be reported missing from a file that could not be read
        for i, iso in enumerate(to_country):
            if iso and iso not in country_ids:
                crossings._bad(i, "to_country", f"country {excerpt(iso)} is not in countries.csv")
    n_c = len(country_ids)
    onward = np.zeros((n_c, n_c))
    onward_path = folder / "onward.csv"
    if onward_path.exists():
        table = _Table(onward_path, ["from_country", "to_country", "share"], (), extra, problems=problems)
        shares = table.number("share", low=0.0, high=1.0)
        pairs = zip(table.text("from_country"), table.text("to_country"), strict=True)
        for i, (a, b) in enumerate(pairs):
            if not countries.ok:
                break
            known = True
            for column, iso in (("from_country", a), ("to_country", b)):
                if iso and iso not in country_ids:
                    table._bad(i, column, f"country {excerpt(iso)} is not in countries.csv")
                known = known and iso in country_ids
            if known and math.isfinite(shares[i]):
                onward[country_ids.index(a), country_ids.index(b)] += shares[i]
        for over in np.flatnonzero(onward.sum(axis=1) > 1.0 + 1e-9):
            problems.add(onward_path, "share", f"shares from {country_ids[over]} sum to more than 1")

    region_ids = _unique(regions, "region_id")
    crossing_ids = _unique(crossings, "crossing_id")
    mark = problems.mark()
    r_lat = regions.number("lat", low=-90, high=90)
    r_lon = regions.number("lon", low=-180, high=180)
    c_lat = crossings.number("lat", low=-90, high=90)
    c_lon = crossings.number("lon", low=-180, high=180)
    mode = crossings.choice("mode", MODES)
    km = np.zeros((len(r_lat), len(c_lat)))
    days = np.ones(km.shape, dtype=np.int16)
    if regions.ok and crossings.ok and detour is not None and speeds_ok and not problems.since(mark):
        km = great_circle_km(r_lat[:, None], r_lon[:, None], c_lat[None, :], c_lon[None, :]) * detour
        speed = np.array([speeds[MODES[m]] for m in mode])
        travel = np.maximum(1, np.ceil(km / speed[None, :]))
        if travel.size and travel.max() > MAX_TRAVEL_DAYS:  # checked before the 16-bit cast wraps it negative
            r, c = np.unravel_index(int(np.argmax(travel)), travel.shape)
            problems.add(meta_path, f"speed_km_per_day.{MODES[mode[c]]}",
                         f"expected travel times of at most {MAX_TRAVEL_DAYS:,} days; from region "
                         f"{excerpt(region_ids[r])} to crossing {excerpt(crossing_ids[c])} "
                         f"({km[r, c]:,.0f} km with detour_factor {detour:g}) takes {travel[r, c]:,.0f} days "
                         f"at {speed[c]:g} km/day")
        else:
            days = travel.astype(np.int16)
    mark = problems.mark()
    k_lat = countries.number("lat", low=-90, high=90)
    k_lon = countries.number("lon", low=-180, high=180)
    kk_km = great_circle_km(k_lat[:, None], k_lon[:, None], k_lat[None, :], k_lon[None, :])
    kk_days = np.ones(kk_km.shape, dtype=np.int16)
    if countries.ok and speeds_ok and not problems.since(mark):
        kk_travel = np.maximum(1, np.ceil(kk_km / speeds["air"]) + 1)
        if kk_travel.size and kk_travel.max() > MAX_TRAVEL_DAYS:
            problems.add(meta_path, "speed_km_per_day.air",
                         f"expected travel times of at most {MAX_TRAVEL_DAYS:,} days between countries; "
                         f"{kk_travel.max():,.0f} days at {speeds['air']:g} km/day")
        else:
            kk_days = kk_travel.astype(np.int16)

    open_from, open_until = crossings.date("open_from"), crossings.date("open_until")
    for i, (opens, closes) in enumerate(zip(open_from, open_until, strict=True)):
        if opens is not None and closes is not None and closes < opens:
            crossings._bad(i, "open_until", f"expected a date on or after open_from ({opens}), got {closes}")
    via: list[list[int]] = []
    for i in range(len(crossings.rows)):
        raw = crossings._raw(i, "via") if "via" in crossings.columns else ""
        codes = [c.strip() for c in raw.split(";") if c.strip()]
        for code in codes:
            if countries.ok and code not in country_ids:
                crossings._bad(i, "via", f"transit country {excerpt(code)} is not in countries.csv "
                                         "(list codes separated by ';')")
        via.append([country_ids.index(c) for c in codes if c in country_ids])
    changes: list[tuple[int, dt.date, float, float]] = []
    capacity_path = folder / "capacity.csv"
    if capacity_path.exists():
        cap = _Table(capacity_path, ["crossing_id", "from", "capacity_per_day"], ("background_per_day",), extra,
                     problems=problems)
        ids, starts = cap.text("crossing_id"), cap.date("from")
        values = cap.number("capacity_per_day", low=0)
        backgrounds = cap.number("background_per_day", default=0.0, low=0)
        for i, (cid, start) in enumerate(zip(ids, starts, strict=True)):
            if cid and crossings.ok and cid not in crossing_ids:
                cap._bad(i, "crossing_id", f"crossing {excerpt(cid)} is not in crossings.csv")
            if cap._raw(i, "from") == "":
                cap._bad(i, "from", "a date is required")
            if cid in crossing_ids and start is not None and math.isfinite(values[i] + backgrounds[i]):
                changes.append((crossing_ids.index(cid), start, float(values[i]), float(backgrounds[i])))
        changes.sort(key=lambda row: (row[1], row[0]))

    mark = problems.mark()
    age_from, age_to = ages.number("age_from", low=0, high=120), ages.number("age_to", low=0, high=120)
    if not problems.since(mark):
        for bad in np.flatnonzero(age_to < age_from):
            ages._bad(int(bad), "age_to", "expected age_to >= age_from")
        if not problems.since(mark):
            _check_age_bands(age_from, age_to, ages)
    mark = problems.mark()
    age_men = ages.number("men", low=0, high=MAX_PEOPLE, whole=True)
    if not problems.since(mark) and age_men.sum() > MAX_PEOPLE:
        problems.add(ages.path, "men", f"expected at most {MAX_PEOPLE:,} men in all age bands "
                                       f"together, got {age_men.sum():,.0f}")
    mark = problems.mark()
    region_population = regions.number("population", low=0, high=MAX_PEOPLE, whole=True)
    region_male_share = regions.number("male_share", default=0.464, low=0, high=1)
    if regions.ok and not problems.since(mark):
        if region_population.sum() > MAX_PEOPLE:
            problems.add(regions.path, "population", f"expected at most {MAX_PEOPLE:,} people in all "
                                                     f"regions together, got {region_population.sum():,.0f}")
        elif not (region_population * region_male_share).sum() > 0:
            # men are placed in regions by population × male_share: with no weight nowhere to put them
            problems.add(regions.path, "population", "expected at least one region with men "
                                                     "(population × male_share above 0)")

    region_names = regions.text("name")
    region_urban_share = regions.number("urban_share", default=0.75, low=0, high=1)
    region_means_index = regions.number("means_index", default=0.5, low=0, high=1)
    region_callup_weight = regions.number("callup_weight", default=1.0, low=0)
    crossing_names = crossings.text("name")
    crossing_capacity = crossings.number("capacity_per_day", low=0)
    crossing_background = crossings.number("background_per_day", default=0.0, low=0)
    crossing_passport_required = crossings.boolean("passport_required", default=False)
    country_names = countries.text("name")
    country_eu = countries.boolean("eu", default=False)
    country_nato = countries.boolean("nato", default=False)
    country_schengen = countries.boolean("schengen", default=False)
    country_population = countries.number("population", default=0.0, low=0, high=MAX_PEOPLE, whole=True)
    country_gdp = countries.number("gdp_usd_bn", default=0.0, low=0)
    country_unemployment = countries.number("unemployment_rate_pct", default=0.0, low=0)
    country_entry = countries.choice("entry", ENTRY_REGIMES)
    country_internal_passport_ok = countries.boolean("internal_passport_ok", default=False)
    country_visa_share = countries.number("visa_share", default=0.0, low=0, high=1)
    country_stay_limit_days = countries.number("stay_limit_days", default=0.0, low=0, high=36_525)
    country_visa_runs = countries.boolean("visa_runs", default=True)
    country_visa_runs_until = countries.date("visa_runs_until")
    for i, until in enumerate(country_visa_runs_until):
        if until is not None and not country_visa_runs[i]:
            countries._bad(i, "visa_runs_until", f"expected no date where visa_runs is false, got {until}")
    age_women = (ages.number("women", low=0, high=MAX_PEOPLE, whole=True) if "women" in ages.columns
                 else np.zeros(0))
    crossing_holding = crossings.boolean("holding", default=False)
    problems.raise_any()
    assert detour is not None  # a problem otherwise

    return World(
        name=str(meta.get("name", folder.name)),
        description=str(meta.get("description", "")),
        folder=folder,
        sending_country=str(meta.get("sending_country", "")),
        detour_factor=detour,
        region_ids=region_ids,
        region_names=region_names,
        region_lat=r_lat,
        region_lon=r_lon,
        region_population=region_population,
        region_male_share=region_male_share,
        region_urban_share=region_urban_share,
        region_means_index=region_means_index,
        region_callup_weight=region_callup_weight,
        age_from=age_from.astype(np.int64),
        age_to=age_to.astype(np.int64),
        age_men=age_men,
        crossing_ids=crossing_ids,
        crossing_names=crossing_names,
        crossing_country=np.array([country_ids.index(c) for c in to_country], dtype=np.int16),
        crossing_mode=mode,
        crossing_lat=c_lat,
        crossing_lon=c_lon,
        crossing_capacity=crossing_capacity,
        crossing_background=crossing_background,
        crossing_passport_required=crossing_passport_required,
        country_ids=country_ids,
        country_names=country_names,
        country_lat=k_lat,
        country_lon=k_lon,
        country_eu=country_eu,
        country_nato=country_nato,
        country_schengen=country_schengen,
        country_population=country_population,
        country_gdp=country_gdp,
        country_unemployment=country_unemployment,
        country_entry=country_entry,
        country_internal_passport_ok=country_internal_passport_ok,
        country_visa_share=country_visa_share,
        onward_share=onward,
        region_crossing_km=km,
        region_crossing_days=days,
        country_country_days=kk_days,
        sources={
            "regions.csv": regions.sources(),
            "crossings.csv": crossings.sources(),
            "countries.csv": countries.sources(),
            "age_pyramid.csv": ages.sources(),
        },
        age_women=age_women,
        crossing_open_from=open_from,
        crossing_open_until=open_until,
        crossing_via=via,
        crossing_holding=crossing_holding,
        capacity_changes=changes,
        country_stay_limit_days=country_stay_limit_days,
        country_visa_runs=country_visa_runs,
        country_visa_runs_until=country_visa_runs_until,
        calibration=calibration,
        households=households,
        households_source=households_source,
        scenario_defaults=defaults,
    )
