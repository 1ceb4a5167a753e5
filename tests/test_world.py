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
    assert "bundled: " in info.value.expected and "russia-2022" in info.value.expected


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
    ("countries.csv", 2, "stay_limit_days", "-90", "row 2, column stay_limit_days", "between 0 and 36,525"),
    ("countries.csv", 2, "visa_runs", "sometimes", "row 2, column visa_runs", "expected true or false"),
    ("countries.csv", 38, "visa_runs_until", "27 Jan", "row 38, column visa_runs_until", "expected a date as YYYY-MM-DD"),
    ("countries.csv", 44, "visa_runs_until", "2023-01-26", "row 44, column visa_runs_until",
     "expected no date where visa_runs is false"),
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
    readers = "documentation_columns: [men_16_61_census2021, federal_district, capital, land_border_with_russia]\n"
    (world_copy / "world.yaml").write_text(f"name: w\n{sending}{readers}{line}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_world(str(world_copy))
    assert (info.value.file, info.value.field) == (str(world_copy / "world.yaml"), field)
    assert words in info.value.expected


# --- issue 16, defect 9: every problem of a world at once, each on its own line ------------------

def _lines(error: InputError) -> list[str]:
    return str(error).splitlines()


def test_every_problem_of_a_world_is_listed_each_on_its_own_line(world_copy: Path) -> None:
    with (world_copy / "world.yaml").open("a", encoding="utf-8") as handle:
        handle.write("detour_factor: 0.5\n")
    edit_csv(world_copy / "regions.csv", 3, "lat", "95")
    edit_csv(world_copy / "regions.csv", 5, "population", "-1")
    edit_csv(world_copy / "crossings.csv", 4, "mode", "boat")
    edit_csv(world_copy / "age_pyramid.csv", 3, "men", "1.5")
    edit_csv(world_copy / "countries.csv", 2, "entry", "maybe")
    with pytest.raises(InputError) as info:
        load_world(str(world_copy))
    # the first problem is the error's file and field; the others follow, grouped by file
    assert (info.value.file, info.value.field) == (str(world_copy / "world.yaml"), "detour_factor")
    assert _lines(info.value) == [
        f"{world_copy / 'world.yaml'}: detour_factor: expected a finite number of at least 1, got 0.5",
        f"  {world_copy / 'regions.csv'}: row 3, column lat: expected a number between -90 and 90, got '95'",
        f"  {world_copy / 'regions.csv'}: row 5, column population: expected a number between 0 and "
        "10,000,000,000, got '-1'",
        f"  {world_copy / 'crossings.csv'}: row 4, column mode: expected one of road, rail, foot, air, sea, "
        "got 'boat'",
        f"  {world_copy / 'age_pyramid.csv'}: row 3, column men: expected a whole number of people, got '1.5'",
        f"  {world_copy / 'countries.csv'}: row 2, column entry: expected one of open, visa, closed, got 'maybe'",
    ]
    assert [(p.file, p.field) for p in info.value.problems][-1] == (str(world_copy / "countries.csv"),
                                                                    "row 2, column entry")


def test_every_bad_cell_of_a_column_is_listed(world_copy: Path) -> None:
    for row in (2, 4, 7):
        edit_csv(world_copy / "crossings.csv", row, "capacity_per_day", f"-{row}")
    with pytest.raises(InputError) as info:
        load_world(str(world_copy))
    assert [p.field for p in info.value.problems] == [f"row {row}, column capacity_per_day" for row in (2, 4, 7)]
    assert [p.expected for p in info.value.problems] == [f"expected a number at least 0, got '-{row}'"
                                                         for row in (2, 4, 7)]


def test_a_missing_file_stops_only_its_own_checks(world_copy: Path) -> None:
    (world_copy / "countries.csv").unlink()  # crossings name countries: not each reported missing
    edit_csv(world_copy / "regions.csv", 2, "name", "")
    drop_column(world_copy / "age_pyramid.csv", "men")
    drop_column(world_copy / "age_pyramid.csv", "age_to")
    with pytest.raises(InputError) as info:
        load_world(str(world_copy))
    assert [(Path(p.file).name, p.field, p.expected.split(" (")[0]) for p in info.value.problems] == [
        ("age_pyramid.csv", "age_to", "required column is missing"),
        ("age_pyramid.csv", "men", "required column is missing"),
        ("countries.csv", "", "file not found"),
        ("regions.csv", "row 2, column name", "a value is required"),
    ]


def test_an_unreadable_world_yaml_does_not_make_reader_columns_unknown(world_copy: Path) -> None:
    # russia-2022 lists columns for readers in world.yaml: unreadable, it cannot say which they are
    (world_copy / "world.yaml").write_text("name: [w\n", encoding="utf-8")
    edit_csv(world_copy / "crossings.csv", 3, "lat", "north")
    with pytest.raises(InputError) as info:
        load_world(str(world_copy))
    assert [(Path(p.file).name, p.field) for p in info.value.problems] == [
        ("world.yaml", "line 2, column 1"), ("crossings.csv", "row 3, column lat")]
    assert "malformed YAML" in info.value.expected


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


# --- the general format (issue 15): dated crossings, transit, capacity schedules, all adults ----
RURITANIA = Path(__file__).resolve().parents[1] / "examples" / "worlds" / "ruritania"


@pytest.fixture
def ruritania(tmp_path: Path) -> Path:
    folder = tmp_path / "r"
    shutil.copytree(RURITANIA, folder)
    return folder


def add_column(path: Path, column: str, values: dict[int, str]) -> None:
    """Append ``column``; ``values`` by file row (header = row 1), others empty."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[0].append(column)
    for i, row in enumerate(rows[1:], start=2):
        row.append(values.get(i, ""))
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def schedule_of(folder: Path, extra: dict | None = None):  # noqa: ANN201 - (Schedule, World)
    from exitwave.modules.events import compile_schedule
    from exitwave.scenario.load import load_scenario

    world = load_world(str(folder))
    sc = load_scenario(RURITANIA.parents[1] / "scenarios" / "ruritania-callup.yaml",
                       overrides={"world": str(folder), "policies": [], **(extra or {})})
    return compile_schedule(sc, world), world


def test_an_unknown_column_is_an_error_naming_file_and_column(ruritania: Path) -> None:
    add_column(ruritania / "crossings.csv", "opens", {2: "2030-03-05"})
    with pytest.raises(InputError) as info:
        load_world(str(ruritania))
    assert (info.value.file, info.value.field) == (str(ruritania / "crossings.csv"), "opens")
    assert "unknown column" in info.value.expected


def test_columns_for_readers_are_allowed_when_declared(ruritania: Path) -> None:
    add_column(ruritania / "regions.csv", "district", {})
    add_column(ruritania / "crossings.csv", "capacity_basis", {})  # *_basis: always for readers
    with pytest.raises(InputError, match="unknown column"):
        load_world(str(ruritania))
    with (ruritania / "world.yaml").open("a", encoding="utf-8") as handle:
        handle.write("documentation_columns: [district]\n")
    assert load_world(str(ruritania)).n_regions == 4


def test_crossings_open_and_close_on_their_dates(ruritania: Path) -> None:
    # zenda_pass (row 3) opens on day 5; hentzau_gate (row 4) is open until day 9 inclusive
    add_column(ruritania / "crossings.csv", "open_from", {3: "2030-03-06"})
    add_column(ruritania / "crossings.csv", "open_until", {4: "2030-03-10"})
    s, w = schedule_of(ruritania)
    zenda, hentzau = w.crossing_index("zenda_pass"), w.crossing_index("hentzau_gate")
    assert s.exit_closed[:5, zenda].all() and not s.exit_closed[5:, zenda].any()
    assert not s.exit_closed[:10, hentzau].any() and s.exit_closed[10:, hentzau].all()
    edit_csv(ruritania / "crossings.csv", 3, "open_until", "2030-03-01")  # before its open_from
    with pytest.raises(InputError) as info:
        load_world(str(ruritania))
    assert info.value.field == "row 3, column open_until"


def test_a_route_through_a_transit_country_closes_with_it(ruritania: Path) -> None:
    # Strelsau Bridge leads to Syldavia through Borduria: Borduria's closure shuts it
    add_column(ruritania / "crossings.csv", "via", {2: "XB"})
    s, w = schedule_of(ruritania, {"policies": [{"country": "XB", "from": "2030-03-10", "entry": "closed"}]})
    bridge = w.crossing_index("strelsau_bridge")
    assert not s.exit_closed[:9, bridge].any() and s.exit_closed[9:, bridge].all()
    edit_csv(ruritania / "crossings.csv", 2, "via", "XB;QQ")
    with pytest.raises(InputError, match="transit country 'QQ'"):
        load_world(str(ruritania))


def test_capacity_follows_its_schedule(ruritania: Path) -> None:
    (ruritania / "capacity.csv").write_text(
        "crossing_id,from,capacity_per_day,background_per_day,source\n"
        "zenda_pass,2030-03-11,5000,100,test\nzenda_pass,2030-03-21,0,0,test\n", encoding="utf-8")
    s, w = schedule_of(ruritania)
    c = w.crossing_index("zenda_pass")
    assert s.exit_capacity[:10, c].tolist() == [600.0] * 10  # 900 less 300 of ordinary traffic
    assert s.exit_capacity[10:20, c].tolist() == [4900.0] * 10
    assert not s.exit_capacity[20:, c].any()


def test_any_number_of_closure_windows() -> None:
    s, w = schedule_of(RURITANIA, {"countermeasures": {"exit_closures": [
        {"from": "2030-03-03", "until": "2030-03-04"}, {"from": "2030-03-11", "crossings": ["zenda_pass"]}]}})
    assert s.exit_closed[2:4].all() and not s.exit_closed[[0, 1, 4, 9]].any()
    assert s.exit_closed[10:, w.crossing_index("zenda_pass")].all()
    assert not s.exit_closed[10:, w.crossing_index("hentzau_gate")].any()


def test_all_adults_need_a_women_column(ruritania: Path) -> None:
    from exitwave.population import men_by_age

    w = load_world(str(ruritania))
    with pytest.raises(InputError, match="women column"):
        men_by_age(w, 18, 59, "all")
    add_column(ruritania / "age_pyramid.csv", "women", {i: "100000" for i in range(2, 12)})
    w = load_world(str(ruritania))
    men, everyone = men_by_age(w, 20, 29).sum(), men_by_age(w, 20, 29, "all").sum()
    assert everyone - men == pytest.approx(200_000)


def test_the_gdr_1989_world() -> None:
    w = load_world("gdr-1989")
    assert "gdr-1989" in bundled_worlds() and w.sending_country == "DD"
    assert w.n_regions == 15 and w.age_women.size == w.age_men.size
    assert {w.country_ids[c] for c in w.crossing_country} == {"DE"}  # every route ends in the FRG
    hungary = w.crossing_index("hungary_austria")
    assert [w.country_ids[k] for k in w.crossing_via[hungary]] == ["CS", "HU", "AT"]
    assert w.crossing_holding[w.crossing_index("prague_embassy")]
    assert str(w.crossing_open_from[w.crossing_index("berlin_wall")]) == "1989-11-09"
    assert w.calibration["end"].isoformat() == "1989-04-30"
