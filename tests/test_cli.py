"""Bad input through the real command line: exit code 2, a message naming file, field and
expectation, and nothing written under ``runs/``.

Every case runs ``python -m exitwave validate FILE`` and ``python -m exitwave run FILE --scale
20000 --days 3`` as subprocesses in its own working directory, which already holds an earlier
run directory; the test checks that the earlier run is untouched and that no new run appeared.
The subprocesses of all cases are started together by one module fixture (each costs about a
second of imports), so the file stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import exitwave
from helpers import edit_csv

BUNDLED_WORLD = Path(exitwave.__file__).parent / "data" / "worlds" / "russia-2022"
RUN_ARGS = ["--scale", "20000", "--days", "3"]
GOOD = "name: tiny\ntime: {start: 2022-09-14, days: 5}\nworld: russia-2022\n"


def cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the installed package's CLI; a narrow terminal proves that errors are not wrapped."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(NO_COLOR="1", COLUMNS="60", TERM="dumb")
    return subprocess.run([sys.executable, "-m", "exitwave", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every path under ``folder`` → (mtime in ns, sha256 of its bytes; '' for folders)."""
    out: dict[str, tuple[int, str]] = {}
    if not folder.exists():
        return out
    for path in sorted(folder.rglob("*")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        out[str(path.relative_to(folder))] = (path.stat().st_mtime_ns, digest)
    return out


def copy_world(case: Path) -> Path:
    world = case / "world"
    shutil.copytree(BUNDLED_WORLD, world)
    return world




def scenario_on_copied_world(case: Path, extra: str = "") -> str:
    (case / "scenario.yaml").write_text(
        "name: tiny\ntime: {start: 2022-09-14, days: 5}\nworld: world\n" + extra, encoding="utf-8")
    return "scenario.yaml"


@dataclass
class Case:
    """One kind of bad input: how to make it, and what the error must say."""

    name: str
    make: object  # (case folder) -> argument given to the CLI
    file: str  # the file the message must name (as printed: relative to the working directory)
    field: str  # the field path the message must name ('' where there is none)
    expected: list[str]  # words of the expectation the message must contain


def _write(text: str):  # noqa: ANN202
    def make(case: Path) -> str:
        (case / "scenario.yaml").write_text(text, encoding="utf-8")
        return "scenario.yaml"
    return make


def _world_cell(file: str, row: int, column: str, value: str):  # noqa: ANN202 - Callable[[Path], str]
    """A case: the scenario on a copy of the example world with one cell of ``file`` set to ``value``."""
    def make(case: Path) -> str:
        edit_csv(copy_world(case) / file, row, column, value)
        return scenario_on_copied_world(case)
    return make


_negative_capacity = _world_cell("crossings.csv", 3, "capacity_per_day", "-5")
_crossing_to_unknown_country = _world_cell("crossings.csv", 3, "to_country", "XX")
_onward_to_unknown_country = _world_cell("onward.csv", 4, "to_country", "XX")
_group_name_as_country = _world_cell("countries.csv", 2, "iso2", "EU")
_overlapping_age_bands = _world_cell("age_pyramid.csv", 3, "age_from", "18")


def _travel_days_overflow(case: Path) -> str:
    world = copy_world(case)
    readers = (world / "world.yaml").read_text(encoding="utf-8").split("documentation_columns:")[1]
    (world / "world.yaml").write_text("name: w\nsending_country: RU\nspeed_km_per_day: {road: 0.001}\n"
                                      f"documentation_columns:{readers}", encoding="utf-8")
    return scenario_on_copied_world(case)


def _unknown_world_column(case: Path) -> str:
    """A date column the format does not know (it was silently ignored: issue 15)."""
    path = copy_world(case) / "crossings.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",opening_date"] + [line + "," for line in lines[1:]]) + "\n",
                    encoding="utf-8")
    return scenario_on_copied_world(case)


def _missing_world_file(case: Path) -> str:
    (copy_world(case) / "regions.csv").unlink()
    return scenario_on_copied_world(case)


CASES = [
    Case("malformed_yaml", _write("name: tiny\ntime: {start: 2022-09-14, days: 5\n"),
         "scenario.yaml", "line 3, column 1", ["malformed YAML", "expected ',' or '}'"]),
    Case("unknown_key", _write(GOOD + "behaviour:\n  threat_weigth: 3\n"),
         "scenario.yaml", "behaviour.threat_weigth", ["unknown field", "did you mean 'threat_weight'"]),
    Case("wrong_type", _write('name: tiny\ntime: {start: 2022-09-14, days: "ten"}\n'),
         "scenario.yaml", "time.days", ["valid integer", "got 'ten'"]),
    Case("negative_capacity", _negative_capacity,
         os.path.join("world", "crossings.csv"), "row 3, column capacity_per_day",
         ["expected a number at least 0", "got '-5'"]),
    Case("end_before_start", _write("name: tiny\ntime: {start: 2022-09-14, end: 2022-09-01}\n"),
         "scenario.yaml", "time.end", ["expected a date on or after start (2022-09-14)", "got 2022-09-01"]),
    Case("draft_office_at_unknown_crossing",
         _write(GOOD + "countermeasures:\n  draft_offices:\n    - {crossing: nowhere, from: 2022-09-20}\n"),
         "scenario.yaml", "countermeasures.draft_offices[0].crossing",
         ["unknown crossing 'nowhere'", "expected an id from the world's crossings.csv"]),
    Case("crossing_to_unknown_country", _crossing_to_unknown_country,
         os.path.join("world", "crossings.csv"), "row 3, column to_country",
         ["country 'XX' is not in countries.csv"]),
    Case("onward_to_unknown_country", _onward_to_unknown_country,
         os.path.join("world", "onward.csv"), "row 4, column to_country",
         ["country 'XX' is not in countries.csv"]),
    Case("policy_for_unknown_country", _write(GOOD + "policies:\n  - {country: XX, entry: closed}\n"),
         "scenario.yaml", "policies[0].country",
         ["unknown country 'XX'", "expected an ISO2 code from the world's countries.csv", "EU"]),
    Case("missing_scenario_file", lambda case: "missing.yaml", "missing.yaml", "", ["file not found"]),
    Case("unknown_world_column", _unknown_world_column,
         os.path.join("world", "crossings.csv"), "opening_date",
         ["unknown column", "open_from", "documentation_columns"]),
    Case("missing_world_file", _missing_world_file,
         os.path.join("world", "regions.csv"), "", ["file not found", "required by the world format"]),
    Case("rate_without_unit", _write(GOOD + "mobilization:\n  hide_rate: 0.03\n"),
         "scenario.yaml", "mobilization.hide_rate",
         ["expected a rate with its unit", "'0.3 per month'", "got 0.03"]),
    Case("unknown_world_folder", _write(GOOD.replace("world: russia-2022", "world: ./no-such-world")),
         "./no-such-world", "world", ["expected a world folder with a world.yaml", "russia-2022"]),
    Case("name_leaves_the_out_folder", _write("name: ../escaped\ntime: {start: 2022-09-14, days: 5}\n"),
         "scenario.yaml", "name", ["expected a name of 1 to 100 letters", "got '../escaped'"]),
    Case("name_with_a_nul", _write('name: "a\\0b"\ntime: {start: 2022-09-14, days: 5}\n'),
         "scenario.yaml", "name", ["starting with a letter, digit or '_'", "got 'a\\x00b'"]),
    # issue 16, defect 4: values that were accepted
    Case("nan_weight", _write(GOOD + "behaviour:\n  threat_weight: .nan\n"),
         "scenario.yaml", "behaviour.threat_weight", ["finite number", "got nan"]),
    Case("infinite_scale", _write(GOOD + "population:\n  scale: .inf\n"),
         "scenario.yaml", "population.scale", ["finite number", "got inf"]),
    Case("overflowing_rate", _write(GOOD + "mobilization:\n  hide_rate: 1e999 per day\n"),
         "scenario.yaml", "mobilization.hide_rate", ["expected a finite rate", "got '1e999 per day'"]),
    Case("true_as_a_number", _write(GOOD + "behaviour:\n  threat_weight: true\n"),
         "scenario.yaml", "behaviour.threat_weight", ["expected a number, got true"]),
    Case("closure_until_before_from",
         _write(GOOD + "countermeasures:\n  exit_closure: {from: 2022-09-20, until: 2022-09-01}\n"),
         "scenario.yaml", "countermeasures.exit_closure.until", ["on or after from (2022-09-20)"]),
    Case("no_closed_crossings",
         _write(GOOD + "countermeasures:\n  exit_closure: {from: 2022-09-20, crossings: []}\n"),
         "scenario.yaml", "countermeasures.exit_closure.crossings", ["expected at least one crossing id"]),
    Case("end_in_year_9999", _write("name: tiny\ntime: {start: 2022-09-14, end: 9999-12-31}\n"),
         "scenario.yaml", "time.end", ["at most 36,500 days from start"]),
    Case("group_name_as_country", _group_name_as_country,
         os.path.join("world", "countries.csv"), "row 2, column iso2", ["not a group name"]),
    Case("overlapping_age_bands", _overlapping_age_bands,
         os.path.join("world", "age_pyramid.csv"), "row 3, column age_from", ["do not overlap"]),
    Case("travel_days_overflow", _travel_days_overflow,
         os.path.join("world", "world.yaml"), "speed_km_per_day.road", ["at most 32,767 days"]),
    # issue 16, defect 5: bounded YAML (an alias bomb ran validate for 400 s at 4.4 GB)
    Case("alias_bomb", _write(GOOD + "".join(
        f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}" if k else '"lol"'] * 9) + "]\n" for k in range(9))),
         "scenario.yaml", "line 9, column 10", ["malformed YAML", "expected at most 100,000 values with aliases"]),
    Case("deep_nesting", _write(GOOD + "description: " + "[" * 5000 + "]" * 5000 + "\n"),
         "scenario.yaml", "line 4, column 63", ["expected at most 50 levels of nesting"]),
    Case("not_utf8", lambda case: (case / "scenario.yaml").write_bytes(b"name: caf\xe9\n") and "scenario.yaml",
         "scenario.yaml", "", ["expected UTF-8 text"]),
    Case("markup_in_a_value", _write(GOOD + 'policies:\n  - {country: "[/]", entry: closed}\n'),
         "scenario.yaml", "policies[0].country", ["unknown country '[/]'"]),
]
COMMANDS = {"validate": [], "run": RUN_ARGS}


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run directory made by a good run (the first run may compile numba kernels)."""
    work = tmp_path_factory.mktemp("earlier")
    (work / "good.yaml").write_text(GOOD, encoding="utf-8")
    done = cli("run", "good.yaml", *RUN_ARGS, cwd=work, timeout=900)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (work / "runs").iterdir()
    return run_dir


@dataclass
class Outcome:
    case: Case
    command: str
    cwd: Path
    before: dict[str, tuple[int, str]]
    done: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, earlier_run: Path) -> dict[tuple[str, str], Outcome]:
    prepared = []
    for case in CASES:
        for command, extra in COMMANDS.items():
            work = tmp_path_factory.mktemp(f"{case.name}-{command}")
            shutil.copytree(earlier_run, work / "runs" / earlier_run.name)  # copy2 keeps mtimes
            argument = case.make(work)  # type: ignore[operator]
            prepared.append((case, command, work, snapshot(work / "runs"), [command, argument, *extra]))
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = [pool.submit(cli, *args, cwd=work) for _, _, work, _, args in prepared]
        return {(case.name, command): Outcome(case, command, work, before, future.result())
                for (case, command, work, before, _), future in zip(prepared, futures, strict=True)}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_exits_2_with_a_message_naming_file_field_and_expectation(
        outcomes: dict[tuple[str, str], Outcome], case: Case, command: str) -> None:
    outcome = outcomes[(case.name, command)]
    stderr = outcome.done.stderr
    assert outcome.done.returncode == 2, f"exit {outcome.done.returncode}\n{stderr}"
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr  # one line, not wrapped even in a 60-column terminal
    message = lines[0]
    assert f"error: {case.file}: " in message, message
    if case.field:
        assert f": {case.field}: " in message, message
    for words in case.expected:
        assert words in message, message
    assert outcome.done.stdout == ""


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_writes_nothing_and_leaves_earlier_runs_untouched(
        outcomes: dict[tuple[str, str], Outcome], case: Case, command: str) -> None:
    outcome = outcomes[(case.name, command)]
    after = snapshot(outcome.cwd / "runs")
    assert after == outcome.before  # same paths, same bytes, same modification times
    assert len([p for p in (outcome.cwd / "runs").iterdir()]) == 1
    assert not any(p.name.startswith(".") for p in (outcome.cwd / "runs").iterdir())


def test_good_input_validates_and_runs_beside_the_earlier_run(tmp_path: Path, earlier_run: Path) -> None:
    shutil.copytree(earlier_run, tmp_path / "runs" / earlier_run.name)
    before = snapshot(tmp_path / "runs")
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    checked = cli("validate", "good.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "ok good.yaml: scenario 'tiny'" in " ".join(checked.stdout.split())
    done = cli("run", "good.yaml", *RUN_ARGS, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["days"] == 3 and summary["conservation_ok"]
    after = snapshot(tmp_path / "runs")
    assert {k: v for k, v in after.items() if k in before} == before
    new = {Path(k).parts[0] for k in after} - {Path(k).parts[0] for k in before}
    assert len(new) == 1 and new.pop().startswith("tiny-")


def test_validate_does_not_write_runs(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    assert cli("validate", "good.yaml", cwd=tmp_path).returncode == 0
    assert not (tmp_path / "runs").exists()


def test_unknown_bundled_name_lists_the_bundled_scenarios(tmp_path: Path) -> None:
    done = cli("validate", "no-such-scenario", cwd=tmp_path)
    assert done.returncode == 2
    assert "error: no-such-scenario: no such scenario file or bundled scenario" in done.stderr
    assert "russia-2022" in done.stderr


@pytest.mark.parametrize("name", ["../escaped", "sub/dir"])
def test_compare_with_an_escaping_name_writes_nothing_anywhere(tmp_path: Path, name: str) -> None:
    # issue 16, defect 1: `compare` wrote `<out>/../escaped/seed-1`
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "bad.yaml").write_text(f"extends: russia-2022\nname: {name}\n", encoding="utf-8")
    before = snapshot(tmp_path)
    done = cli("compare", "russia-2022", "bad.yaml", "-n", "2", *RUN_ARGS, "--out", "out", cwd=tmp_path / "work")
    assert done.returncode == 2, done.stderr
    assert "error: bad.yaml: name: " in done.stderr and "Traceback" not in done.stderr
    assert snapshot(tmp_path) == before


# --- command-line options out of range (issue 16, defect 3) -------------------------------------

BAD_OPTIONS = {
    "run_scale_negative": (["run", "russia-2022", "--days", "3", "--scale", "-1"], "--scale"),
    "run_scale_zero": (["run", "russia-2022", "--days", "3", "--scale", "0"], "--scale"),
    "run_scale_nan": (["run", "russia-2022", "--days", "3", "--scale", "nan"], "--scale"),
    "run_scale_inf": (["run", "russia-2022", "--days", "3", "--scale", "inf"], "--scale"),
    "run_scale_huge": (["run", "russia-2022", "--days", "3", "--scale", "1e30"], "--scale"),
    "run_days_zero": (["run", "russia-2022", "--scale", "20000", "--days", "0"], "--days"),
    "run_days_too_many": (["run", "russia-2022", "--scale", "20000", "--days", "36501"], "--days"),
    "run_seed_2_64": (["run", "russia-2022", *RUN_ARGS, "--seed", str(2**64)], "--seed"),
    "run_seed_negative": (["run", "russia-2022", *RUN_ARGS, "--seed", "-1"], "--seed"),
    "compare_scale_nan": (["compare", "russia-2022", "asylum-coalition", "-n", "2", "--days", "3",
                           "--scale", "nan", "--out", "out"], "--scale"),
    "compare_last_seed_too_big": (["compare", "russia-2022", "asylum-coalition", "-n", "3", *RUN_ARGS,
                                   "--seed", str(2**63 - 2), "--out", "out"], "--seed"),
    "ensemble_scale_negative": (["ensemble", "russia-2022", "-n", "2", "--days", "3", "--scale", "-5",
                                 "--out", "out"], "--scale"),
    "ensemble_n_zero": (["ensemble", "russia-2022", "-n", "0", *RUN_ARGS, "--out", "out"], "-n"),
    "run_war_end_unknown": (["run", "russia-2022", *RUN_ARGS, "--war-end", "never", "--out", "out"], "--war-end"),
    "compare_war_end_unknown": (["compare", "russia-2022", "asylum-coalition", "-n", "2", *RUN_ARGS,
                                 "--war-end", "sometimes", "--out", "out"], "--war-end"),
    "sweep_n_zero": (["sweep", "russia-2022", "--param", "behaviour.patience_days=3,4", "-n", "0", *RUN_ARGS,
                      "--out", "out"], "-n"),
    "sensitivity_n_zero": (["sensitivity", "russia-2022", "-n", "0", "--days", "3", "--out", "out.csv"], "-n"),
    "sensitivity_scale_nan": (["sensitivity", "russia-2022", "--days", "3", "--scale", "nan",
                               "--out", "out.csv"], "--scale"),
    "calibrate_budget_zero": (["calibrate", "russia-2022", "--budget", "0", "--out", "out"], "--budget"),
    "calibrate_budget_below_population": (["calibrate", "russia-2022", "--budget", "10", "--out", "out"],
                                          "--budget"),
    "calibrate_population_zero": (["calibrate", "russia-2022", "--population", "0", "--out", "out"],
                                  "--population"),
    "calibrate_scale_inf": (["calibrate", "russia-2022", "--scale", "inf", "--out", "out"], "--scale"),
}


@pytest.fixture(scope="module")
def option_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    work = {name: tmp_path_factory.mktemp(name) for name in BAD_OPTIONS}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(cli, *args, cwd=work[name], timeout=120)
                   for name, (args, _) in BAD_OPTIONS.items()}
        return {name: (work[name], future.result()) for name, future in futures.items()}


@pytest.mark.parametrize("name", list(BAD_OPTIONS))
def test_an_option_out_of_range_exits_2_naming_the_option_and_writes_nothing(
        option_outcomes: dict[str, tuple[Path, subprocess.CompletedProcess[str]]], name: str) -> None:
    work, done = option_outcomes[name]
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    assert BAD_OPTIONS[name][1] in done.stderr, done.stderr
    assert list(work.iterdir()) == []  # no run folder, no output file


def test_war_end_off_runs_the_war_to_the_end_and_prints_the_rule(tmp_path: Path) -> None:
    done = cli("run", "russia-2022", *RUN_ARGS, "--war-end", "off", "--out", "runs", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["war_end_rule"] == "none" and summary["war_end_day"] is None
    assert summary["days_at_war"] == 3
    assert "war end off (rule none)" in " ".join(done.stdout.split())  # under the table, with the war-end day
    # the scenario saved with the run says so too: rerunning it gives the same run
    assert "rule: none" in (run_dir / "scenario.yaml").read_text()
