"""The world loader: a folder of plain files, checked with file, row and column in every error."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

import exitwave
from exitwave.errors import InputError
from exitwave.world import MODES, bundled_worlds, great_circle_km, load_world
from helpers import edit_csv

BUNDLED = Path(exitwave.__file__).parent / "data" / "worlds" / "russia-2022"


@pytest.fixture
def world_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "w"
    shutil.copytree(BUNDLED, folder)
    return folder




def drop_column(path: Path, column: str) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    i = rows[0].index(column)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([r[:i] + r[i + 1:] for r in rows])


def test_the_bundled_world() -> None:
    assert "russia-2022" in bundled_worlds()
    w = load_world("russia-2022")
    assert (w.n_regions, w.n_crossings, w.n_countries) == (85, 44, 49)
    assert w.sending_country == "RU"
    assert w.region_crossing_km.shape == (85, 44) and w.region_crossing_days.min() >= 1
    assert np.all(w.exit_capacity >= 0)
    assert w.country_ids[w.crossing_country[w.crossing_index("upper_lars")]] == "GE"
    assert set(w.country_group("EU")) >= {w.country_index("FI"), w.country_index("EE")}
    assert w.country_group("GE") == [w.country_index("GE")]
    assert w.country_group("XX") == []
    assert np.all(w.onward_share.sum(axis=1) <= 1 + 1e-9)
    assert "fictional" not in " ".join(w.sources["regions.csv"])


def test_a_world_folder_resolves_relative_to_the_scenario_then_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(BUNDLED, tmp_path / "scenarios" / "my-world")
    shutil.copytree(BUNDLED, tmp_path / "cwd" / "my-world")
    monkeypatch.chdir(tmp_path / "cwd")
    assert load_world("my-world", relative_to=tmp_path / "scenarios").folder == tmp_path / "scenarios" / "my-world"
    assert load_world("my-world", relative_to=tmp_path / "elsewhere").folder == Path("my-world").absolute()
    assert load_world(str(tmp_path / "scenarios" / "my-world")).folder == tmp_path / "scenarios" / "my-world"


def test_an_unknown_world_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_world("atlantis", relative_to=tmp_path / "scenarios")
    assert info.value.field == "world"
    assert str(tmp_path / "scenarios" / "atlantis" / "world.yaml") in info.value.expected
    assert str(tmp_path / "atlantis" / "world.yaml") in info.value.expected
    assert "bundled: russia-2022" in info.value.expected


def test_onward_csv_is_optional(world_copy: Path) -> None:
    (world_copy / "onward.csv").unlink()
    assert not load_world(str(world_copy)).onward_share.any()


def test_optional_columns_take_their_defaults(world_copy: Path) -> None:
    for column in ("male_share", "urban_share", "means_index", "callup_weight"):
        drop_column(world_copy / "regions.csv", column)
    drop_column(world_copy / "crossings.csv", "background_per_day")
    w = load_world(str(world_copy))
    assert np.all(w.region_male_share == 0.464) and np.all(w.region_means_index == 0.5)
    assert np.all(w.region_callup_weight == 1.0)
    assert np.all(w.crossing_background == 0.0)


def test_a_spreadsheet_byte_order_mark_is_not_part_of_the_first_column(world_copy: Path) -> None:
    path = world_copy / "regions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_world(str(world_copy)).n_regions == 85


def test_great_circle_distance() -> None:
    assert great_circle_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(111.195, rel=1e-4)
    assert great_circle_km(55.0, 37.0, 55.0, 37.0) == 0.0


@pytest.mark.parametrize(("file", "row", "column", "value", "field", "words"), [
    ("crossings.csv", 3, "capacity_per_day", "-5", "row 3, column capacity_per_day",
     "expected a number at least 0, got '-5'"),
    ("crossings.csv", 3, "capacity_per_day", "lots", "row 3, column capacity_per_day",
     "expected a number, got 'lots'"),
    ("crossings.csv", 4, "capacity_per_day", "", "row 4, column capacity_per_day", "a number is required"),
    ("crossings.csv", 3, "mode", "boat", "row 3, column mode",
     f"expected one of {', '.join(MODES)}, got 'boat'"),
    ("crossings.csv", 3, "to_country", "XX", "row 3, column to_country", "country 'XX' is not in countries.csv"),
    ("crossings.csv", 3, "passport_required", "maybe", "row 3, column passport_required",
     "expected true or false, got 'maybe'"),
    ("crossings.csv", 3, "crossing_id", "upper_lars", "row 3, column crossing_id", "duplicate id 'upper_lars'"),
    ("crossings.csv", 2, "lat", "91", "row 2, column lat", "between -90 and 90"),
    ("regions.csv", 5, "population", "-1", "row 5, column population", "between 0 and 10,000,000,000"),
    ("regions.csv", 2, "male_share", "1.5", "row 2, column male_share", "between 0 and 1"),
    ("regions.csv", 2, "name", "", "row 2, column name", "a value is required"),
    ("countries.csv", 2, "entry", "maybe", "row 2, column entry", "expected one of open, visa, closed"),
    ("onward.csv", 4, "to_country", "XX", "row 4, column to_country", "country 'XX' is not in countries.csv"),
    ("onward.csv", 2, "from_country", "XX", "row 2, column from_country", "country 'XX' is not in countries.csv"),
    ("onward.csv", 2, "share", "0.99", "share", "shares from FI sum to more than 1"),
    ("age_pyramid.csv", 2, "age_to", "10", "row 2, column age_to", "expected age_to >= age_from"),
    # issue 16, defect 4: overlapping age bands, country codes that are not ISO2 or are group names
    ("age_pyramid.csv", 3, "age_from", "18", "row 3, column age_from",
     "expected age bands that do not overlap; ages 18–24 overlap row 2 (15–19)"),
    ("age_pyramid.csv", 2, "age_to", "20", "row 3, column age_from",
     "expected age bands that do not overlap; ages 20–24 overlap row 2 (15–20)"),
    ("countries.csv", 2, "iso2", "EU", "row 2, column iso2", "not a group name (EU, NATO, SCHENGEN"),
    ("countries.csv", 2, "iso2", "NATO", "row 2, column iso2", "two upper-case letters"),
    ("countries.csv", 2, "iso2", "ge", "row 2, column iso2", "two upper-case letters"),
    ("countries.csv", 2, "iso2", "GEO", "row 2, column iso2", "two upper-case letters"),
])
def test_a_bad_cell_names_file_row_column_and_expectation(
        world_copy: Path, file: str, row: int, column: str, value: str, field: str, words: str) -> None:
    edit_csv(world_copy / file, row, column, value)
    with pytest.raises(InputError) as info:
        load_world(str(world_copy))
    assert info.value.file == str(world_copy / file)
    assert info.value.field == field
    assert words in info.value.expected


@pytest.mark.parametrize("file", ["regions.csv", "age_pyramid.csv", "crossings.csv", "countries.csv"])
def test_a_missing_required_file(world_copy: Path, file: str) -> None:
    (world_copy / file).unlink()
    with pytest.raises(InputError, match="file not found") as info:
        load_world(str(world_copy))
    assert info.value.file == str(world_copy / file)


def test_a_missing_required_column_lists_the_columns(world_copy: Path) -> None:
    drop_column(world_copy / "crossings.csv", "capacity_per_day")
    with pytest.raises(InputError, match="required column is missing \\(have: crossing_id, name") as info:
        load_world(str(world_copy))
    assert info.value.field == "capacity_per_day"


def test_a_table_without_rows(world_copy: Path) -> None:
    path = world_copy / "countries.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="the table has no rows"):
        load_world(str(world_copy))


@pytest.mark.parametrize(("line", "field", "words"), [
    ("detour_factor: 0.5", "detour_factor", "expected a finite number of at least 1, got 0.5"),
    ("detour_factor: abc", "detour_factor", "expected a finite number of at least 1, got 'abc'"),
    ("detour_factor: .inf", "detour_factor", "expected a finite number of at least 1, got inf"),
    ("detour_factor: .nan", "detour_factor", "expected a finite number of at least 1, got nan"),
    ("detour_factor: true", "detour_factor", "expected a finite number of at least 1, got True"),
    ("speed_km_per_day: {boat: 5}", "speed_km_per_day.boat", "expected a mode among road"),
    ("speed_km_per_day: {road: 0}", "speed_km_per_day.road", "expected a positive, finite speed, got 0"),
    ("speed_km_per_day: {road: fast}", "speed_km_per_day.road", "expected a positive, finite speed, got 'fast'"),
    ("speed_km_per_day: {road: .inf}", "speed_km_per_day.road", "expected a positive, finite speed, got inf"),
    # issue 16, defect 4: travel days beyond 16 bits wrapped to negative travel times
    ("speed_km_per_day: {road: 0.0001}", "speed_km_per_day.road",
     "expected travel times of at most 32,767 days; from region"),
    ("speed_km_per_day: {air: 0.001}", "speed_km_per_day.air", "expected travel times of at most 32,767 days"),
    ("detour_factor: 1.0e+6", "speed_km_per_day.road", "expected travel times of at most 32,767 days"),
    ("sending_country: Russia", "sending_country", "expected an ISO 3166 alpha-2 code"),
    ("speed_km_per_day: [600, 800]", "speed_km_per_day", "expected a mapping of mode to km/day"),
    ("capital: Moscow", "capital", "unknown field (expected one of"),
])
def test_a_bad_world_yaml(tmp_path: Path, world_copy: Path, line: str, field: str, words: str) -> None:
    sending = "" if line.startswith("sending_country") else "sending_country: RU\n"
    (world_copy / "world.yaml").write_text(f"name: w\n{sending}{line}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_world(str(world_copy))
    assert (info.value.file, info.value.field) == (str(world_copy / "world.yaml"), field)
    assert words in info.value.expected


def test_malformed_world_yaml(world_copy: Path) -> None:
    (world_copy / "world.yaml").write_text("name: [w\n", encoding="utf-8")
    with pytest.raises(InputError, match="malformed YAML"):
        load_world(str(world_copy))


def test_an_alias_bomb_in_world_yaml_is_refused_at_once(world_copy: Path) -> None:
    # issue 16, defect 5
    import time

    lines = [f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}" if k else '"lol"'] * 9) + "]" for k in range(9)]
    (world_copy / "world.yaml").write_text("name: w\n" + "\n".join(lines) + "\ndescription: *l8\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InputError, match="expected at most 100,000 values with aliases") as info:
        load_world(str(world_copy))
    assert time.perf_counter() - started < 2.0
    assert info.value.file == str(world_copy / "world.yaml") and "lol" not in str(info.value)
