"""Bundle simplified country outlines for the report's flow map (no tile server, no network).

Source: Natural Earth 1:110m admin-0 countries (public domain), as shipped inside the
``geopandas==0.14.4`` wheel (``geopandas/datasets/naturalearth_lowres/``). The wheel is fetched
from PyPI with pip; the shapefile is read here by hand (shapefile and dBase formats), so the
script needs nothing beyond the standard library.

Every country whose outline meets the map box (longitude −25…135°, latitude 22…75°) is kept,
clipped to the box (Sutherland–Hodgman), simplified (Douglas–Peucker, tolerance 0.08°) and
rounded to 0.01° (~1 km). Each feature carries ``iso3``, ``iso2`` (for the countries of the
bundled ``russia-2022`` world and Russia, matched by name) and ``name``.

Usage::

    pip download geopandas==0.14.4 --no-deps -d /tmp/ne
    python scripts/bundle_boundaries.py /tmp/ne/geopandas-0.14.4-py3-none-any.whl \\
        src/exitwave/data/boundaries/countries.geojson
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import struct
import sys
import zipfile
from pathlib import Path

BOX = (-25.0, 22.0, 135.0, 75.0)  # lon min, lat min, lon max, lat max (degrees)
TOLERANCE = 0.08  # degrees
INNER = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
WORLD = Path(__file__).resolve().parents[1] / "src/exitwave/data/worlds/russia-2022/countries.csv"
# Natural Earth names that differ from the world's country names.
ALIASES = {"United States of America": "United States", "Czechia": "Czechia", "Macedonia": "North Macedonia",
           "North Macedonia": "North Macedonia", "Turkey": "Turkey", "Russia": "Russia"}


def read_dbf(data: bytes) -> list[dict[str, str]]:
    """Records of a dBase III table as dicts of stripped strings."""
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields = []
    pos = 32
    while data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\0", 1)[0].decode("ascii")
        fields.append((name, data[pos + 16]))
        pos += 32
    rows = []
    for i in range(n_records):
        rec = data[header_len + i * record_len: header_len + (i + 1) * record_len]
        at, row = 1, {}
        for name, length in fields:
            row[name] = rec[at:at + length].decode("utf-8", "replace").strip()
            at += length
        rows.append(row)
    return rows


def read_shp(data: bytes) -> list[list[list[tuple[float, float]]]]:
    """Rings of every polygon record of an ESRI shapefile (lon, lat in degrees)."""
    shapes = []
    pos = 100
    while pos < len(data):
        _, words = struct.unpack(">ii", data[pos:pos + 8])
        content = data[pos + 8: pos + 8 + 2 * words]
        pos += 8 + 2 * words
        (kind,) = struct.unpack("<i", content[:4])
        if kind == 0:
            shapes.append([])
            continue
        if kind not in (5, 15, 25):
            raise ValueError(f"not a polygon shapefile (shape type {kind})")
        n_parts, n_points = struct.unpack("<ii", content[36:44])
        parts = list(struct.unpack(f"<{n_parts}i", content[44:44 + 4 * n_parts]))
        at = 44 + 4 * n_parts
        xy = struct.unpack(f"<{2 * n_points}d", content[at:at + 16 * n_points])
        points = list(zip(xy[0::2], xy[1::2], strict=True))
        bounds = [*parts, n_points]
        shapes.append([points[bounds[k]:bounds[k + 1]] for k in range(n_parts)])
    return shapes


def clip(ring: list[tuple[float, float]], box: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """Sutherland–Hodgman clip of a closed ring against an axis-aligned box."""
    x0, y0, x1, y1 = box
    edges = [(lambda p: p[0] >= x0, lambda a, b: _at_x(a, b, x0)),
             (lambda p: p[0] <= x1, lambda a, b: _at_x(a, b, x1)),
             (lambda p: p[1] >= y0, lambda a, b: _at_y(a, b, y0)),
             (lambda p: p[1] <= y1, lambda a, b: _at_y(a, b, y1))]
    out = list(ring)
    for inside, cut in edges:
        if not out:
            break
        src, out = out, []
        prev = src[-1]
        for cur in src:
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
            prev = cur
    return out


def _at_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def simplify(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """Douglas–Peucker simplification of an open polyline."""
    if len(points) < 3:
        return points
    (ax, ay), (bx, by) = points[0], points[-1]
    dx, dy = bx - ax, by - ay
    norm = math.hypot(dx, dy)
    best, index = -1.0, 0
    for i in range(1, len(points) - 1):
        px, py = points[i]
        d = abs(dy * px - dx * py + bx * ay - by * ax) / norm if norm else math.hypot(px - ax, py - ay)
        if d > best:
            best, index = d, i
    if best <= tol:
        return [points[0], points[-1]]
    return simplify(points[:index + 1], tol)[:-1] + simplify(points[index:], tol)


def main(wheel: str, out: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        records = read_dbf(archive.read(INNER + ".dbf"))
        shapes = read_shp(archive.read(INNER + ".shp"))
    with WORLD.open(newline="") as handle:
        iso2_by_name = {row["name"]: row["iso2"] for row in csv.DictReader(handle)}
    iso2_by_name["Russia"] = "RU"
    features = []
    for record, rings in zip(records, shapes, strict=True):
        polygons = []
        for ring in rings:
            clipped = clip(ring, BOX)
            if len(clipped) < 3:
                continue
            # simplify the closed ring as two halves so both ends stay fixed
            half = len(clipped) // 2
            simple = simplify(clipped[:half + 1], TOLERANCE)[:-1] + simplify(clipped[half:] + clipped[:1], TOLERANCE)
            simple = [(round(x, 2), round(y, 2)) for x, y in simple]
            deduped = [p for k, p in enumerate(simple) if k == 0 or p != simple[k - 1]]
            if len(deduped) >= 4:
                polygons.append([[list(p) for p in deduped]])
        if not polygons:
            continue
        name = record["name"]
        features.append({"type": "Feature",
                         "properties": {"name": name, "iso3": record["iso_a3"],
                                        "iso2": iso2_by_name.get(ALIASES.get(name, name), "")},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    payload = {"type": "FeatureCollection",
               "source": "Natural Earth 1:110m admin-0 countries (public domain), via geopandas 0.14.4",
               "bbox": list(BOX), "features": features}
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    text = io.StringIO()
    json.dump(payload, text, separators=(",", ":"))
    temp.write_text(text.getvalue() + "\n", encoding="utf-8")
    os.replace(temp, target)
    print(f"{len(features)} countries, {target.stat().st_size / 1024:.0f} KB -> {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
