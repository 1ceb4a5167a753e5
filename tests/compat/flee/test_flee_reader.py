"""Reading Flee cases: the bundled cases round-trip; malformed files give clear errors (exit 2)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exitwave.cli import app
from exitwave.compat.flee.reader import Kind, read_case, read_settings, read_world
from exitwave.errors import InputError

DATA = Path(__file__).resolve().parents[3] / "examples" / "flee"  # Flee's validation cases, bundled (BSD)

CASES = [("mali", "mali2012"), ("burundi", "burundi2015")]


def _data_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.reader(handle) if row and not row[0].strip().startswith("#")]


@pytest.mark.parametrize(("case", "validation"), CASES)
def test_bundled_cases_round_trip(case: str, validation: str) -> None:
    world, settings, observed = read_case(DATA / "input" / case, DATA / "validation" / validation,
                                          DATA / "simsetting-mali2012.yml")
    folder = DATA / "input" / case
    locations = _data_rows(folder / "locations.csv")
    assert world.n_locations == len(locations)
    assert world.names == [row[0] for row in locations]
    assert world.n_routes == len(_data_rows(folder / "routes.csv"))
    assert len(world.closures) == len(_data_rows(folder / "closures.csv"))
    assert world.camps == [row[0] for row in locations if row[5] == "camp"]
    assert set(world.camps) <= set(observed.camps)
    assert world.conflicts.shape[0] >= world.n_days
    assert settings.move_rules.camp_weight == 5.0 and settings.spawn_rules.insert_day0
    # a conflict that starts after day 0 begins as a town, as in Flee
    late = world.conflict_date > 0
    assert (world.kind[late & (world.file_kind == Kind.CONFLICT)] == Kind.TOWN).all()


def test_registration_corrections_rescale_earlier_observations() -> None:
    world, _, observed = read_case(DATA / "input" / "mali", DATA / "validation" / "mali2012")
    days, values = observed.camps["Mentao"]
    raw = _data_rows(DATA / "validation" / "mali2012" / "bf-mentao.csv")
    raw_values = [float(r[1]) for r in raw if r[1]]
    hit = list(days).index((__import__("datetime").date(2012, 10, 3) - world.start_date).days)
    factor = raw_values[hit] / raw_values[hit - 1]
    assert values[hit - 1] == pytest.approx(raw_values[hit])
    assert values[0] == pytest.approx(raw_values[0] * factor)
    assert values[hit:] == pytest.approx(raw_values[hit:])


@pytest.fixture
def mali_copy(tmp_path: Path) -> Path:
    target = tmp_path / "mali"
    shutil.copytree(DATA / "input" / "mali", target)
    return target


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "field", "expected"), [
    ("routes.csv", "Douentza,Mentao,487,0", "Douentza,Mentao,far,0", "line 2, distance", "a number, got 'far'"),
    ("routes.csv", "Douentza,Mentao,487,0", "Douentza,Atlantis,487,0", "line 2, name2", "a location of locations.csv"),
    ("routes.csv", "Douentza,Mentao,487,0", "Douentza,Mentao,487,7", "line 2, forced_redirection", "0, 1 or 2"),
    ("locations.csv", '"Kidal","Kidal","Mali",18.444305,1.401523,"conflict_zone",0,25617', '"Kidal","Kidal","Mali"',
     "line 2", "8 columns"),
    ("locations.csv", '"conflict_zone",0,25617', '"warzone",0,25617', "line 2, location_type", "one of town"),
    ("locations.csv", '"conflict_zone",0,25617', '"conflict_zone",0,-5', "line 2, population", "a number ≥ 0"),
    ("locations.csv", '"conflict_zone",0,25617', '"conflict_zone",soon,25617', "line 2, conflict_date", "a whole number"),
    ("sim_period.csv", "2012-02-29", "2012-02-30", "line 1, StartDate", "a date YYYY-MM-DD"),
    ("closures.csv", "country,Mali,Burkina_Faso,0,22", "country,Mali,Narnia,0,22", "line 2, name2", "a country of locations.csv"),
    ("closures.csv", "country,Mali,Burkina_Faso,0,22", "wall,Mali,Burkina_Faso,0,22", "line 2, closure_type", "one of country"),
])
def test_malformed_files_name_file_field_and_expectation(mali_copy: Path, file: str, old: str, new: str,
                                                         field: str, expected: str) -> None:
    _rewrite(mali_copy / file, old, new)
    with pytest.raises(InputError) as info:
        read_world(mali_copy)
    assert info.value.file.endswith(file)
    assert info.value.field == field
    assert expected in info.value.expected


def test_missing_file_and_missing_validation_camp(mali_copy: Path, tmp_path: Path) -> None:
    (mali_copy / "routes.csv").unlink()
    with pytest.raises(InputError, match="routes.csv: file not found"):
        read_world(mali_copy)
    shutil.copy(DATA / "input" / "mali" / "routes.csv", mali_copy / "routes.csv")
    validation = tmp_path / "validation"
    shutil.copytree(DATA / "validation" / "mali2012", validation)
    _rewrite(validation / "data_layout.csv", "Niamey,nig-niamey.csv\n", "")
    with pytest.raises(InputError, match="Niamey") as info:
        read_case(mali_copy, validation)
    assert info.value.file.endswith("data_layout.csv")


def test_correction_on_a_date_without_observation(mali_copy: Path) -> None:
    _rewrite(mali_copy / "registration_corrections.csv", '"Mentao","2012-10-03"', '"Mentao","2012-10-04"')
    with pytest.raises(InputError) as info:
        read_case(mali_copy, DATA / "validation" / "mali2012")
    assert info.value.file.endswith("registration_corrections.csv")
    assert info.value.field == "line 2, date"


def test_settings_are_strict(tmp_path: Path) -> None:
    bad = tmp_path / "simsetting.yml"
    bad.write_text("move_rules:\n  camp_wieght: 5\n")
    with pytest.raises(InputError) as info:
        read_settings(bad)
    assert info.value.field == "move_rules.camp_wieght"
    bad.write_text("move_rules:\n  camp_movechance: 1.5\n")
    with pytest.raises(InputError, match="move_rules.camp_movechance"):
        read_settings(bad)
    bad.write_text("move_rules:\n  stay_close_to_home: true\n")
    with pytest.raises(InputError, match="not supported"):
        read_settings(bad)
    assert read_settings(None).move_rules.max_move_speed == 360.0
    assert read_settings(DATA / "simsetting-mali2012.yml").move_rules.awareness_level == 1


def test_cli_exits_2_on_bad_input(mali_copy: Path) -> None:
    _rewrite(mali_copy / "routes.csv", "Douentza,Mentao,487,0", "Douentza,Mentao,-3,0")
    result = CliRunner().invoke(app, ["flee", "run", str(mali_copy), "--validation",
                                      str(DATA / "validation" / "mali2012")])
    assert result.exit_code == 2
    assert "routes.csv: line 2, distance: a number ≥ 0" in result.output
