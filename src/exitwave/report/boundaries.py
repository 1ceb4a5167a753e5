"""Bundled country outlines for maps drawn without a tile server.

``data/boundaries/countries.geojson`` holds the Natural Earth 1:110m admin-0 countries (public
domain) that meet the box longitude −25…135°, latitude 22…75°, clipped to it and simplified
(``scripts/bundle_boundaries.py`` makes it; ``data/SOURCES.md`` says how). Coordinates are
longitude and latitude in degrees (WGS 84), rounded to 0.01°.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["Country", "BOUNDARIES", "load_boundaries"]

BOUNDARIES = Path(str(resources.files("exitwave") / "data" / "boundaries" / "countries.geojson"))


@dataclass(frozen=True)
class Country:
    """One country's outline: ``rings`` are closed polygons, each an (n, 2) array of lon, lat (°)."""

    name: str
    iso2: str
    iso3: str
    rings: tuple[np.ndarray, ...]

    def contains(self, lon: float, lat: float) -> bool:
        """Whether the point (degrees) lies inside one of the outlines (even–odd rule)."""
        for ring in self.rings:
            x, y = ring[:, 0], ring[:, 1]
            x2, y2 = np.roll(x, -1), np.roll(y, -1)
            crosses = (y > lat) != (y2 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                at = x + (lat - y) * (x2 - x) / (y2 - y)
            if np.count_nonzero(crosses & (lon < at)) % 2 == 1:
                return True
        return False


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[tuple[Country, ...], tuple[float, ...]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    countries = []
    for feature in data["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = tuple(np.asarray(polygon[0], dtype=np.float64) for polygon in polygons)
        countries.append(Country(props.get("name", ""), props.get("iso2", ""), props.get("iso3", ""), rings))
    return tuple(countries), tuple(float(v) for v in data.get("bbox", (-180, -90, 180, 90)))


def load_boundaries(path: str | Path | None = None) -> tuple[tuple[Country, ...], tuple[float, ...]]:
    """The countries and the map box (lon min, lat min, lon max, lat max, degrees) of a GeoJSON
    file written by ``scripts/bundle_boundaries.py`` (default: the bundled one)."""
    return _load(str(path or BOUNDARIES))
