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

from exitwave.errors import InputError
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


class _Table:
    """A CSV table read with the csv module; values parsed with file/row/column in errors.

    ``optional``: the other columns the format reads; any column neither required, optional nor
    documentation (:data:`DOCUMENTATION_COLUMNS`, ``*_basis``, ``*_note``, ``extra``) is an error,
    as an unknown key in a scenario is: a misspelt or unsupported column must not be ignored.
    """

    def __init__(self, path: Path, required: list[str], optional: tuple[str, ...] = (),
                 extra: tuple[str, ...] = ()) -> None:
        self.path = path
        if not path.is_file():
            raise InputError(str(path), "", "file not found (required by the world format)")
        # utf-8-sig: a spreadsheet's byte-order mark must not become part of the first column's name
        if path.stat().st_size > MAX_TABLE_BYTES:
            raise InputError(str(path), "", f"expected a table of at most {MAX_TABLE_BYTES:,} bytes, "
                                            f"got {path.stat().st_size:,}")
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                self.columns = list(reader.fieldnames or [])
                self.rows = list(reader)
        except UnicodeDecodeError as error:
            raise InputError(str(path), "", f"expected UTF-8 text; byte {error.start} is not "
                                            f"(save the table as CSV UTF-8)") from None
        except OSError as error:
            raise InputError(str(path), "", f"expected a readable file ({error.strerror})") from None
        except csv.Error as error:
            raise InputError(str(path), f"line {getattr(reader, 'line_num', 0)}",
                             f"expected CSV: {excerpt(str(error))}") from None
        blank = [c for c in self.columns if not c.strip()]
        if blank:
            raise InputError(str(path), f"column {self.columns.index(blank[0]) + 1}",
                             "expected a name for every column (the header has an empty one)")
        twice = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if twice:
            raise InputError(str(path), twice[0], "expected each column once (the header repeats it)")
        missing = [c for c in required if c not in self.columns]
        if missing:
            raise InputError(str(path), missing[0], f"required column is missing (have: {', '.join(self.columns)})")
        if not self.rows:
            raise InputError(str(path), "", "the table has no rows")
        known = set(required) | set(optional) | set(DOCUMENTATION_COLUMNS) | set(extra)
        for column in self.columns:
            if column not in known and not column.endswith(("_basis", "_note")):
                raise InputError(str(path), column or "(empty header)",
                                 f"unknown column (expected {', '.join(required + list(optional))}; "
                                 f"for readers: {', '.join(DOCUMENTATION_COLUMNS)}, *_basis, *_note, "
                                 "or a name listed in world.yaml documentation_columns)")

    def _raw(self, row: int, column: str) -> str:
        return (self.rows[row].get(column) or "").strip()

    def text(self, column: str) -> list[str]:
        out = []
        for i in range(len(self.rows)):
            value = self._raw(i, column)
            if not value:
                raise InputError(str(self.path), f"row {i + 2}, column {column}", "a value is required")
            out.append(value)
        return out

    def number(self, column: str, default: float | None = None, low: float | None = None,
               high: float | None = None, whole: bool = False) -> np.ndarray:
        out = np.empty(len(self.rows))
        for i in range(len(self.rows)):
            raw = self._raw(i, column) if column in self.columns else ""
            where = f"row {i + 2}, column {column}"
            if raw == "":
                if default is None:
                    raise InputError(str(self.path), where, "a number is required")
                out[i] = default
                continue
            try:
                value = float(raw)
            except ValueError:
                raise InputError(str(self.path), where, f"expected a number, got {excerpt(raw)}") from None
            if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
                bounds = (f"between {_bound(low)} and {_bound(high)}" if high is not None
                          else f"at least {_bound(low)}")
                raise InputError(str(self.path), where, f"expected a number {bounds}, got {excerpt(raw)}")
            if whole and not value.is_integer():
                raise InputError(str(self.path), where, f"expected a whole number of people, got {excerpt(raw)}")
            out[i] = value
        return out

    def boolean(self, column: str, default: bool | None = None) -> np.ndarray:
        out = np.empty(len(self.rows), dtype=bool)
        for i in range(len(self.rows)):
            raw = (self._raw(i, column) if column in self.columns else "").lower()
            if raw in ("true", "yes", "1"):
                out[i] = True
            elif raw in ("false", "no", "0"):
                out[i] = False
            elif raw == "" and default is not None:
                out[i] = default
            else:
                raise InputError(str(self.path), f"row {i + 2}, column {column}", f"expected true or false, got {excerpt(raw)}")
        return out

    def date(self, column: str) -> list[dt.date | None]:
        """ISO dates (YYYY-MM-DD); an empty cell or a missing column is ``None``."""
        out: list[dt.date | None] = []
        for i in range(len(self.rows)):
            raw = self._raw(i, column) if column in self.columns else ""
            if raw == "":
                out.append(None)
                continue
            try:
                out.append(dt.date.fromisoformat(raw))
            except ValueError:
                raise InputError(str(self.path), f"row {i + 2}, column {column}",
                                 f"expected a date as YYYY-MM-DD, got {raw!r}") from None
        return out

    def choice(self, column: str, allowed: tuple[str, ...]) -> np.ndarray:
        values = self.text(column)
        out = np.empty(len(values), dtype=np.int8)
        for i, value in enumerate(values):
            if value not in allowed:
                raise InputError(str(self.path), f"row {i + 2}, column {column}",
                                 f"expected one of {', '.join(allowed)}, got {excerpt(value)}")
            out[i] = allowed.index(value)
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
            raise InputError(str(table.path), f"row {i + 2}, column {column}", f"duplicate id {excerpt(value)}")
        seen.add(value)
    return values


MAX_PEOPLE = 10_000_000_000
"""Most people a population cell (a region, an age band, a country) or a world's men may count:
more than the Earth's population is a typing error, and the counts must stay exact in float64
and int64 arithmetic (people)."""

MAX_TRAVEL_DAYS = int(np.iinfo(np.int16).max)
"""Longest travel time (days) a world may imply: travel days are stored as 16-bit integers."""

_ISO2 = re.compile(r"[A-Z]{2}")


def _check_iso2(code: object, file: str, where: str) -> None:
    """A country code: two upper-case letters, and not a group name a policy uses (``EU``)."""
    if not isinstance(code, str) or not _ISO2.fullmatch(code):
        raise InputError(file, where, f"expected an ISO 3166 alpha-2 code of two upper-case letters "
                                      f"(such as GE; X* for fictional countries), got {excerpt(code)}")
    if code in COUNTRY_GROUPS:
        raise InputError(file, where, f"expected a country code that is not a group name "
                                      f"({', '.join(COUNTRY_GROUPS)}: policies use them for all members), got {excerpt(code)}")


def _check_age_bands(age_from: np.ndarray, age_to: np.ndarray, file: str) -> None:
    """Age bands must not overlap (a man would be counted in two bands)."""
    order = np.argsort(age_from, kind="stable")
    for a, b in zip(order[:-1], order[1:], strict=True):
        if age_from[b] <= age_to[a]:
            first, second = sorted((int(a), int(b)))
            raise InputError(file, f"row {second + 2}, column age_from",
                             f"expected age bands that do not overlap; ages {int(age_from[second])}–"
                             f"{int(age_to[second])} overlap row {first + 2} "
                             f"({int(age_from[first])}–{int(age_to[first])})")


SCENARIO_DEFAULT_FIELDS = {
    "population": ("passport_share", "reservist_share"),
    "behaviour": ("return_rate", "onward_rate"),
}
"""Scenario fields whose values belong to a world, not to the model: their schema defaults are
neutral (nobody returns or moves on, everyone holds the papers the routes need, nobody has
served), and a world that knows better says so in ``scenario_defaults`` (russia-2022 does)."""


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

    from exitwave.scenario.schema import Behaviour, PopulationSpec

    models: dict[str, type[BaseModel]] = {"population": PopulationSpec, "behaviour": Behaviour}
    out: dict[str, dict[str, Any]] = {}
    for section, values in raw.items():
        if section not in SCENARIO_DEFAULT_FIELDS or not isinstance(values, dict):
            raise InputError(file, f"scenario_defaults.{section}", f"expected one of these sections with a mapping "
                                                                   f"of fields: {allowed}")
        for name in values:
            if name not in SCENARIO_DEFAULT_FIELDS[section]:
                raise InputError(file, f"scenario_defaults.{section}.{name}",
                                 f"expected a field a world may supply ({allowed})")
        try:
            models[section].model_validate(values)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise InputError(file, f"scenario_defaults.{section}.{where}", first["msg"]) from None
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
    """Read and check a world folder (bundled name or path) and compile it."""
    folder = _world_folder(name_or_path, relative_to)
    meta_path = folder / "world.yaml"
    meta = read_file(meta_path) or {}  # bounded: size, nesting, alias expansion
    if not isinstance(meta, dict):
        raise InputError(str(meta_path), "", "expected a mapping")
    known = {"name", "description", "sending_country", "detour_factor", "speed_km_per_day",
             "documentation_columns", "calibration", "households", "scenario_defaults"}
    for key in meta:
        if key not in known:
            raise InputError(str(meta_path), str(key), f"unknown field (expected one of {', '.join(sorted(known))})")
    detour = meta.get("detour_factor", 1.3)
    if isinstance(detour, bool) or not isinstance(detour, int | float) or not 1.0 <= detour < math.inf:
        raise InputError(str(meta_path), "detour_factor", f"expected a finite number of at least 1, got {excerpt(detour)}")
    detour = float(detour)
    speeds = dict(_DEFAULT_SPEED)
    speed_table = meta.get("speed_km_per_day") or {}
    if not isinstance(speed_table, dict):
        raise InputError(str(meta_path), "speed_km_per_day",
                         f"expected a mapping of mode to km/day, got {excerpt(speed_table)}")
    for mode, speed in speed_table.items():
        if mode not in MODES:
            raise InputError(str(meta_path), f"speed_km_per_day.{mode}", f"expected a mode among {', '.join(MODES)}")
        if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed < math.inf:
            raise InputError(str(meta_path), f"speed_km_per_day.{mode}",
                             f"expected a positive, finite speed, got {excerpt(speed)}")
        speeds[mode] = float(speed)

    extra = meta.get("documentation_columns") or []
    if not isinstance(extra, list) or not all(isinstance(c, str) and c for c in extra):
        raise InputError(str(meta_path), "documentation_columns",
                         f"expected a list of column names kept for readers, got {extra!r}")
    extra = tuple(extra)
    calibration = meta.get("calibration") or {}
    if not isinstance(calibration, dict) or set(calibration) - {"start", "end", "targets"}:
        raise InputError(str(meta_path), "calibration",
                         "expected a mapping with start, end (dates of the calibration window) and targets "
                         f"(a file in the world folder), got {calibration!r}")
    households, households_source = _households(meta.get("households"), str(meta_path))
    defaults = _scenario_defaults(meta.get("scenario_defaults"), str(meta_path))
    regions = _Table(folder / "regions.csv", ["region_id", "name", "lat", "lon", "population"],
                     ("male_share", "urban_share", "means_index", "callup_weight"), extra)
    ages = _Table(folder / "age_pyramid.csv", ["age_from", "age_to", "men"], ("women",), extra)
    crossings = _Table(folder / "crossings.csv", ["crossing_id", "name", "to_country", "mode", "lat", "lon", "capacity_per_day"],
                       ("background_per_day", "passport_required", "open_from", "open_until", "via", "holding"), extra)
    countries = _Table(folder / "countries.csv", ["iso2", "name", "lat", "lon", "entry"],
                       ("eu", "nato", "schengen", "population", "gdp_usd_bn", "unemployment_rate_pct",
                        "internal_passport_ok", "visa_share"), extra)

    country_ids = _unique(countries, "iso2")
    for i, iso in enumerate(country_ids):
        _check_iso2(iso, str(countries.path), f"row {i + 2}, column iso2")
    sending = meta.get("sending_country", "")
    if sending != "":
        _check_iso2(sending, str(meta_path), "sending_country")
    to_country = crossings.text("to_country")
    for i, iso in enumerate(to_country):
        if iso not in country_ids:
            raise InputError(str(crossings.path), f"row {i + 2}, column to_country",
                             f"country {excerpt(iso)} is not in countries.csv")
    n_c = len(country_ids)
    onward = np.zeros((n_c, n_c))
    onward_path = folder / "onward.csv"
    if onward_path.exists():
        table = _Table(onward_path, ["from_country", "to_country", "share"], (), extra)
        shares = table.number("share", low=0.0, high=1.0)
        for i, (a, b) in enumerate(zip(table.text("from_country"), table.text("to_country"), strict=True)):
            for column, iso in (("from_country", a), ("to_country", b)):
                if iso not in country_ids:
                    raise InputError(str(onward_path), f"row {i + 2}, column {column}", f"country {excerpt(iso)} is not in countries.csv")
            onward[country_ids.index(a), country_ids.index(b)] += shares[i]
        over = np.flatnonzero(onward.sum(axis=1) > 1.0 + 1e-9)
        if over.size:
            raise InputError(str(onward_path), "share", f"shares from {country_ids[over[0]]} sum to more than 1")

    r_lat = regions.number("lat", low=-90, high=90)
    r_lon = regions.number("lon", low=-180, high=180)
    c_lat = crossings.number("lat", low=-90, high=90)
    c_lon = crossings.number("lon", low=-180, high=180)
    mode = crossings.choice("mode", MODES)
    km = great_circle_km(r_lat[:, None], r_lon[:, None], c_lat[None, :], c_lon[None, :]) * detour
    speed = np.array([speeds[MODES[m]] for m in mode])
    days = np.maximum(1, np.ceil(km / speed[None, :]))
    if days.size and days.max() > MAX_TRAVEL_DAYS:  # checked before the 16-bit cast wraps it negative
        r, c = np.unravel_index(int(np.argmax(days)), days.shape)
        raise InputError(str(meta_path), f"speed_km_per_day.{MODES[mode[c]]}",
                         f"expected travel times of at most {MAX_TRAVEL_DAYS:,} days; from region "
                         f"{regions.text('region_id')[r]!r} to crossing {crossings.text('crossing_id')[c]!r} "
                         f"({km[r, c]:,.0f} km with detour_factor {detour:g}) takes {days[r, c]:,.0f} days "
                         f"at {speed[c]:g} km/day")
    days = days.astype(np.int16)
    k_lat = countries.number("lat", low=-90, high=90)
    k_lon = countries.number("lon", low=-180, high=180)
    kk_km = great_circle_km(k_lat[:, None], k_lon[:, None], k_lat[None, :], k_lon[None, :])
    kk_days = np.maximum(1, np.ceil(kk_km / speeds["air"]) + 1)
    if kk_days.size and kk_days.max() > MAX_TRAVEL_DAYS:
        raise InputError(str(meta_path), "speed_km_per_day.air",
                         f"expected travel times of at most {MAX_TRAVEL_DAYS:,} days between countries; "
                         f"{kk_days.max():,.0f} days at {speeds['air']:g} km/day")
    kk_days = kk_days.astype(np.int16)

    crossing_ids = _unique(crossings, "crossing_id")
    open_from, open_until = crossings.date("open_from"), crossings.date("open_until")
    for i, (opens, closes) in enumerate(zip(open_from, open_until, strict=True)):
        if opens is not None and closes is not None and closes < opens:
            raise InputError(str(crossings.path), f"row {i + 2}, column open_until",
                             f"expected a date on or after open_from ({opens}), got {closes}")
    via: list[list[int]] = []
    for i in range(len(crossings.rows)):
        raw = crossings._raw(i, "via") if "via" in crossings.columns else ""
        codes = [c.strip() for c in raw.split(";") if c.strip()]
        for code in codes:
            if code not in country_ids:
                raise InputError(str(crossings.path), f"row {i + 2}, column via",
                                 f"transit country {code!r} is not in countries.csv (list codes separated by ';')")
        via.append([country_ids.index(c) for c in codes])
    changes: list[tuple[int, dt.date, float, float]] = []
    capacity_path = folder / "capacity.csv"
    if capacity_path.exists():
        cap = _Table(capacity_path, ["crossing_id", "from", "capacity_per_day"], ("background_per_day",), extra)
        ids, starts = cap.text("crossing_id"), cap.date("from")
        values = cap.number("capacity_per_day", low=0)
        backgrounds = cap.number("background_per_day", default=0.0, low=0)
        for i, (cid, start) in enumerate(zip(ids, starts, strict=True)):
            if cid not in crossing_ids:
                raise InputError(str(capacity_path), f"row {i + 2}, column crossing_id",
                                 f"crossing {cid!r} is not in crossings.csv")
            if start is None:
                raise InputError(str(capacity_path), f"row {i + 2}, column from", "a date is required")
            changes.append((crossing_ids.index(cid), start, float(values[i]), float(backgrounds[i])))
        changes.sort(key=lambda row: (row[1], row[0]))

    age_from, age_to = ages.number("age_from", low=0, high=120), ages.number("age_to", low=0, high=120)
    if np.any(age_to < age_from):
        bad = int(np.flatnonzero(age_to < age_from)[0])
        raise InputError(str(ages.path), f"row {bad + 2}, column age_to", "expected age_to >= age_from")
    _check_age_bands(age_from, age_to, str(ages.path))
    age_men = ages.number("men", low=0, high=MAX_PEOPLE, whole=True)
    if age_men.sum() > MAX_PEOPLE:
        raise InputError(str(ages.path), "men", f"expected at most {MAX_PEOPLE:,} men in all age bands "
                                                f"together, got {age_men.sum():,.0f}")
    region_population = regions.number("population", low=0, high=MAX_PEOPLE, whole=True)
    region_male_share = regions.number("male_share", default=0.464, low=0, high=1)
    if region_population.sum() > MAX_PEOPLE:
        raise InputError(str(regions.path), "population", f"expected at most {MAX_PEOPLE:,} people in all "
                                                          f"regions together, got {region_population.sum():,.0f}")
    if not (region_population * region_male_share).sum() > 0:
        # men are placed in regions by population × male_share: with no weight nowhere to put them
        raise InputError(str(regions.path), "population", "expected at least one region with men "
                                                          "(population × male_share above 0)")

    return World(
        name=str(meta.get("name", folder.name)),
        description=str(meta.get("description", "")),
        folder=folder,
        sending_country=str(meta.get("sending_country", "")),
        detour_factor=detour,
        region_ids=_unique(regions, "region_id"),
        region_names=regions.text("name"),
        region_lat=r_lat,
        region_lon=r_lon,
        region_population=region_population,
        region_male_share=region_male_share,
        region_urban_share=regions.number("urban_share", default=0.75, low=0, high=1),
        region_means_index=regions.number("means_index", default=0.5, low=0, high=1),
        region_callup_weight=regions.number("callup_weight", default=1.0, low=0),
        age_from=age_from.astype(np.int64),
        age_to=age_to.astype(np.int64),
        age_men=age_men,
        crossing_ids=crossing_ids,
        crossing_names=crossings.text("name"),
        crossing_country=np.array([country_ids.index(c) for c in to_country], dtype=np.int16),
        crossing_mode=mode,
        crossing_lat=c_lat,
        crossing_lon=c_lon,
        crossing_capacity=crossings.number("capacity_per_day", low=0),
        crossing_background=crossings.number("background_per_day", default=0.0, low=0),
        crossing_passport_required=crossings.boolean("passport_required", default=False),
        country_ids=country_ids,
        country_names=countries.text("name"),
        country_lat=k_lat,
        country_lon=k_lon,
        country_eu=countries.boolean("eu", default=False),
        country_nato=countries.boolean("nato", default=False),
        country_schengen=countries.boolean("schengen", default=False),
        country_population=countries.number("population", default=0.0, low=0, high=MAX_PEOPLE, whole=True),
        country_gdp=countries.number("gdp_usd_bn", default=0.0, low=0),
        country_unemployment=countries.number("unemployment_rate_pct", default=0.0, low=0),
        country_entry=countries.choice("entry", ENTRY_REGIMES),
        country_internal_passport_ok=countries.boolean("internal_passport_ok", default=False),
        country_visa_share=countries.number("visa_share", default=0.0, low=0, high=1),
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
        age_women=ages.number("women", low=0, high=MAX_PEOPLE, whole=True) if "women" in ages.columns else np.zeros(0),
        crossing_open_from=open_from,
        crossing_open_until=open_until,
        crossing_via=via,
        crossing_holding=crossings.boolean("holding", default=False),
        capacity_changes=changes,
        calibration=calibration,
        households=households,
        households_source=households_source,
        scenario_defaults=defaults,
    )
