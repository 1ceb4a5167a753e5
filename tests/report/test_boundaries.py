"""Bundled country outlines: small, cover the crossings, and the bundling script's geometry."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from exitwave.report.boundaries import BOUNDARIES, load_boundaries
from exitwave.scenario.load import load_scenario
from exitwave.world import load_world

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bundle_boundaries.py"


def _script():
    spec = importlib.util.spec_from_file_location("bundle_boundaries", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _distance_to_outline(lon: float, lat: float, rings) -> float:
    """Smallest distance (degrees) from a point to the edges of the rings."""
    best = np.inf
    p = np.array([lon, lat])
    for ring in rings:
        a, b = ring, np.roll(ring, -1, axis=0)
        ab = b - a
        t = np.clip(((p - a) * ab).sum(axis=1) / np.maximum((ab * ab).sum(axis=1), 1e-12), 0, 1)
        nearest = a + t[:, None] * ab
        best = min(best, float(np.sqrt(((nearest - p) ** 2).sum(axis=1)).min()))
    return best


def test_the_bundled_outlines_are_small_and_load():
    assert BOUNDARIES.stat().st_size < 300_000
    countries, box = load_boundaries()
    by_iso = {c.iso2: c for c in countries if c.iso2}
    assert "RU" in by_iso and len(countries) > 40
    assert by_iso["RU"].contains(37.62, 55.75)  # Moscow
    assert not by_iso["RU"].contains(24.94, 60.17)  # Helsinki
    assert by_iso["FI"].contains(23.76, 61.50)  # Tampere (the 1:110m coast passes north of Helsinki)
    for country in countries:
        for ring in country.rings:
            assert ring.shape[1] == 2 and len(ring) >= 4
            assert box[0] - 1e-9 <= ring[:, 0].min() and ring[:, 0].max() <= box[2] + 1e-9
            assert box[1] - 1e-9 <= ring[:, 1].min() and ring[:, 1].max() <= box[3] + 1e-9


def test_the_outlines_cover_every_crossing_and_its_destination():
    world = load_world(load_scenario("russia-2022").world)
    countries, box = load_boundaries()
    by_iso = {c.iso2: c for c in countries if c.iso2}
    russia = by_iso["RU"]
    for c, cid in enumerate(world.crossing_ids):
        lon, lat = world.crossing_lon[c], world.crossing_lat[c]
        assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3], cid
        if world.crossing_mode[c] == 3:  # air: the airport is in Russia
            assert russia.contains(lon, lat), cid
        else:  # a land crossing lies on (or within ~1° of, at 1:110m) Russia's border
            assert russia.contains(lon, lat) or _distance_to_outline(lon, lat, russia.rings) < 1.0, cid
        destination = world.country_ids[world.crossing_country[c]]
        assert destination in by_iso, f"{cid} leads into {destination}, which has no outline"


def test_clipping_keeps_a_ring_inside_the_box():
    script = _script()
    square = [(-10.0, -10.0), (10.0, -10.0), (10.0, 10.0), (-10.0, 10.0)]
    clipped = script.clip(square, (0.0, 0.0, 5.0, 20.0))
    xs, ys = zip(*clipped, strict=True)
    assert min(xs) == 0.0 and max(xs) == 5.0 and min(ys) == 0.0 and max(ys) == 10.0
    assert script.clip(square, (20.0, 20.0, 30.0, 30.0)) == []


def test_simplification_drops_only_points_within_the_tolerance():
    script = _script()
    line = [(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (3.0, 1.0), (4.0, 0.0)]
    simple = script.simplify(line, 0.05)
    assert (1.0, 0.01) not in simple and (3.0, 1.0) in simple
    assert simple[0] == line[0] and simple[-1] == line[-1]
