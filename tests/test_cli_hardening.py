"""Inputs that crashed or printed tracebacks (issue 16, defects 2, 6 and 9), through the real
command line in subprocesses: each must end in one ``error:`` line and exit code 2 (bad input) or
exit code 1 with a clear message (a disk that cannot take the run), never a signal or a traceback,
and must leave nothing half-written.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import edit_csv
from test_cli import RUN_ARGS, cli, copy_world, scenario_on_copied_world, snapshot


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode >= 0, f"killed by signal {-done.returncode}"
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def _world(edit) -> object:  # noqa: ANN001 - (world folder) -> None
    def make(case: Path) -> list[str]:
        edit(copy_world(case))
        return [scenario_on_copied_world(case)]
    return make


def _cells(file: str, column: str, value: str, rows: range | None = None):  # noqa: ANN202
    """Set ``column`` of ``file`` to ``value`` in ``rows`` (file lines; default every data row)."""
    def edit(world: Path) -> None:
        path = world / file
        n = len(path.read_text(encoding="utf-8").splitlines())
        for row in rows or range(2, n + 1):
            edit_csv(path, row, column, value)
    return edit


def _bytes(file: str, data: bytes):  # noqa: ANN202
    def edit(world: Path) -> None:
        (world / file).write_bytes(data)
    return edit


def _several(*edits):  # noqa: ANN002, ANN202
    def edit(world: Path) -> None:
        for one in edits:
            one(world)
    return edit


def _scenario(text: str | bytes):  # noqa: ANN202
    def make(case: Path) -> list[str]:
        data = text.encode("utf-8") if isinstance(text, str) else text
        (case / "scenario.yaml").write_bytes(data)
        return ["scenario.yaml"]
    return make


GOOD = "name: tiny\ntime: {start: 2022-09-14, days: 5}\nworld: russia-2022\n"
W = os.path.join("world", "")

# (name, make, args after the scenario, words the error line must contain)
CASES = [
    # defect 2: absurd magnitudes crashed population synthesis with SIGSEGV/SIGABRT
    ("regions_9e307", _world(_cells("regions.csv", "population", "9e307")), RUN_ARGS,
     [f"{W}regions.csv: row 2, column population", "between 0 and 10,000,000,000", "got '9e307'"]),
    ("one_region_1e308", _world(_cells("regions.csv", "population", "1e308", range(3, 4))), RUN_ARGS,
     [f"{W}regions.csv: row 3, column population", "between 0 and 10,000,000,000"]),
    ("age_band_9e307", _world(_cells("age_pyramid.csv", "men", "9e307", range(2, 3))), RUN_ARGS,
     [f"{W}age_pyramid.csv: row 2, column men", "got '9e307'"]),
    ("men_over_the_earth", _world(_cells("age_pyramid.csv", "men", "2000000000")), RUN_ARGS,
     [f"{W}age_pyramid.csv: men", "at most 10,000,000,000 men in all age bands"]),
    ("fractional_people", _world(_cells("regions.csv", "population", "1000.5", range(2, 3))), RUN_ARGS,
     [f"{W}regions.csv: row 2, column population", "whole number of people"]),
    ("more_agents_than_ids", _world(_cells("age_pyramid.csv", "men", "900000000")),
     ["--scale", "1", "--days", "3"],
     ["--scale (population.scale): expected at least", "men per agent", "agents, more than the"]),
    # defect 6: worlds with zero men, files that are not UTF-8 or not CSV
    ("regions_without_men", _world(_cells("regions.csv", "population", "0")), RUN_ARGS,
     [f"{W}regions.csv: population: expected at least one region with men"]),
    ("age_pyramid_without_men", _world(_cells("age_pyramid.csv", "men", "0")), RUN_ARGS,
     ["scenario.yaml: --scale (population.scale): expected a world with men aged 18–59"]),
    ("csv_not_utf8", _world(_bytes("regions.csv", "region_id,name\nA,Caf\xe9\n".encode("latin-1"))), RUN_ARGS,
     [f"{W}regions.csv: expected UTF-8 text"]),
    ("csv_utf16", _world(_bytes("crossings.csv", "crossing_id,name\n".encode("utf-16"))), RUN_ARGS,
     [f"{W}crossings.csv: expected UTF-8 text"]),
    ("csv_blank_column", _world(_bytes("countries.csv", b"iso2,name,,lat,lon,entry\nGE,Georgia,x,41,44,open\n")),
     RUN_ARGS, [f"{W}countries.csv: column 3: expected a name for every column"]),
    ("csv_huge_cell", _world(_bytes("onward.csv", b"from_country,to_country,share\nGE," + b"x" * 200_000 + b",1\n")),
     RUN_ARGS, [f"{W}onward.csv: line", "expected CSV: "]),
    # defect 6: odd keys, long integers, impossible dates
    ("key_one", _scenario(GOOD + "1: x\n"), RUN_ARGS,
     ["scenario.yaml: expected field names as keys, got the key 1"]),
    ("key_null", _scenario(GOOD + "behaviour:\n  ~: 3\n"), RUN_ARGS,
     ["scenario.yaml: behaviour: expected field names as keys, got the key None"]),
    ("key_true_in_a_list", _scenario(GOOD + "policies:\n  - {country: GE, true: 1}\n"), RUN_ARGS,
     ["scenario.yaml: policies[0]: expected field names as keys"]),
    ("integer_of_5000_digits", _scenario(GOOD + "seed: " + "7" * 5000 + "\n"), RUN_ARGS,
     ["scenario.yaml: expected values YAML can read: Exceeds the limit (4300 digits)"]),
    ("february_30", _scenario(GOOD.replace("2022-09-14", "2022-02-30")), RUN_ARGS,
     ["scenario.yaml: expected values YAML can read: day is out of range for month"]),
    # defect 9: every problem, each on its own line (the first on the error line)
    ("three_problems", _scenario(GOOD + "seed: -1\nbehaviour:\n  threat_weigth: 3\n  cost_weight: -2\n"),
     RUN_ARGS, ["scenario.yaml: behaviour.threat_weigth: unknown field"]),
    ("world_problems_in_four_files", _world(_several(
        _cells("regions.csv", "lat", "95", range(3, 4)), _cells("crossings.csv", "mode", "boat", range(4, 5)),
        _cells("countries.csv", "entry", "maybe", range(2, 3)), _bytes("age_pyramid.csv", b"age_from,age_to\n"))),
     RUN_ARGS, [f"{W}age_pyramid.csv: men: required column is missing"]),
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    prepared = {}
    for name, make, args, _ in CASES:
        work = tmp_path_factory.mktemp(name)
        prepared[name] = (work, ["run", *make(work), *args])  # type: ignore[operator]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(cli, *argv, cwd=work, timeout=300) for name, (work, argv) in prepared.items()}
        return {name: (prepared[name][0], future.result()) for name, future in futures.items()}


@pytest.mark.parametrize(("name", "words"), [(c[0], c[3]) for c in CASES], ids=[c[0] for c in CASES])
def test_bad_magnitudes_and_files_exit_2_with_one_line_and_no_signal(outcomes, name: str, words: list[str]) -> None:
    work, done = outcomes[name]
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stderr}"
    line = _one_error_line(done)
    for text in words:
        assert text in line, line
    assert not (work / "runs").exists() or not any((work / "runs").iterdir())


def test_all_validation_problems_are_listed_each_on_its_own_line(outcomes) -> None:
    _, done = outcomes["three_problems"]
    text = done.stderr
    assert "more problems" not in text
    assert "  scenario.yaml: seed: Input should be greater than or equal to 0; got -1" in text
    assert "  scenario.yaml: behaviour.cost_weight: Input should be greater than or equal to 0; got -2" in text


WORLD_PROBLEMS = [
    f"error: {W}age_pyramid.csv: men: required column is missing (have: age_from, age_to)",
    f"  {W}regions.csv: row 3, column lat: expected a number between -90 and 90, got '95'",
    f"  {W}crossings.csv: row 4, column mode: expected one of road, rail, foot, air, sea, got 'boat'",
    f"  {W}countries.csv: row 2, column entry: expected one of open, visa, closed, got 'maybe'",
]


def test_every_problem_of_a_world_is_listed_by_run_and_validate(outcomes) -> None:
    work, done = outcomes["world_problems_in_four_files"]
    assert done.stderr.splitlines() == WORLD_PROBLEMS, done.stderr
    checked = cli("validate", "scenario.yaml", cwd=work)
    assert checked.returncode == 2 and "Traceback" not in checked.stderr
    assert checked.stderr.splitlines() == WORLD_PROBLEMS


# --- where the results go: a file, a read-only folder, a full disk -------------------------------

TINY = ["russia-2022", *RUN_ARGS]


def test_out_that_is_a_file_is_refused_before_the_run(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a folder", encoding="utf-8")
    done = cli("run", *TINY, "--out", "taken", cwd=tmp_path)
    assert done.returncode == 2
    assert "error: taken: --out: expected a folder, got a file" in _one_error_line(done)
    done = cli("run", *TINY, "--out", "taken/sub", cwd=tmp_path)
    assert done.returncode == 2
    assert "error: taken/sub: --out: expected a folder that can be created (Not a directory)" in _one_error_line(done)
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "not a folder"


OUT_IS_A_FILE = {
    "compare": ["compare", "russia-2022", "asylum-coalition", "-n", "2", *RUN_ARGS, "--out", "taken"],
    "ensemble": ["ensemble", "russia-2022", "-n", "2", *RUN_ARGS, "--out", "taken"],
    "sweep": ["sweep", "russia-2022", "--param", "behaviour.patience_days=3,4", "-n", "1", *RUN_ARGS,
              "--out", "taken"],
    "sensitivity": ["sensitivity", "russia-2022", "-n", "1", *RUN_ARGS, "--out", "taken/indices.csv"],
    "explore": ["explore", "russia-2022", "-n", "2", "--param", "behaviour.threat_weight", *RUN_ARGS, "--out", "taken"],
    "calibrate": ["calibrate", "russia-2022", "--out", "taken/calibration"],
    "report": ["report", "RUN", "--out", "taken/report.html"],
}


@pytest.mark.parametrize("command", list(OUT_IS_A_FILE))
def test_every_command_refuses_an_out_inside_a_file_before_its_work(made: Path, tmp_path: Path, command: str) -> None:
    (tmp_path / "taken").write_text("not a folder", encoding="utf-8")
    (run,) = (made / "runs").iterdir()
    args = [str(run) if a == "RUN" else a for a in OUT_IS_A_FILE[command]]
    done = cli(*args, cwd=tmp_path, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "error: taken: --out: expected a folder, got a file" in _one_error_line(done)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def _as_unprivileged(args: list[str]) -> list[str]:
    """``args`` run as user nobody when this test runs as root (root ignores permission bits)."""
    if os.geteuid() != 0:
        return args
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "setpriv (util-linux) is needed to drop root for the read-only test"
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *args]


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder directly under /tmp that user nobody can enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="exitwave-read-only-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_read_only_out_folder_is_refused_before_the_run(shared_tmp: Path) -> None:
    locked = shared_tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    cache = shared_tmp / "numba-cache"  # the source tree's __pycache__ is not nobody's to write
    cache.mkdir()
    cache.chmod(0o777)
    env = {**os.environ, "NO_COLOR": "1", "NUMBA_CACHE_DIR": str(cache), "HOME": str(shared_tmp)}
    # the unprivileged user must be able to read the checkout and its .venv (a clone inside a 0700
    # folder, as `mktemp -d` makes, is not): say so rather than fail on a missing module below
    reach = subprocess.run(_as_unprivileged([sys.executable, "-c", "import exitwave"]), cwd=shared_tmp, env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert reach.returncode == 0, ("this test runs exitwave as an unprivileged user, who cannot import it here: "
                                   f"make the checkout readable by others (chmod o+rx on its folders): {reach.stderr}")
    for out in ("locked", "locked/sub"):
        done = subprocess.run(_as_unprivileged([sys.executable, "-m", "exitwave", "run", *TINY, "--out", out]),
                              cwd=shared_tmp, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 2, done.stderr
        line = _one_error_line(done)
        assert f"error: {out}: --out: expected a folder" in line and "ermission denied" in line, line
    assert list(locked.iterdir()) == []


def test_a_full_disk_fails_with_exit_1_and_writes_nothing(tmp_path: Path, made: Path) -> None:
    """The file size limit (RLIMIT_FSIZE, as `ulimit -f`) makes writes fail with EFBIG, as a full
    disk fails them with ENOSPC: the run is reported failed and no partial folder remains.
    (The kernels may not be in numba's cache yet: see the next test.)"""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "exitwave", "run", *TINY, "--out", "runs"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300, check=False, preexec_fn=limit)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "run failed: could not write runs/russia-2022-" in done.stderr
    assert "File too large" in done.stderr and "nothing was written there" in done.stderr
    assert list(tmp_path.iterdir()) == []  # no run folder, no temporary folder, no empty runs/


def test_a_full_disk_while_numba_caches_a_kernel_fails_with_exit_1(tmp_path: Path) -> None:
    """A kernel compiled for the first time is saved to numba's cache during the run: a full disk
    then stops the run with a message and exit 1 (it printed a traceback), and --out stays unmade."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    (tmp_path / "cache").mkdir()  # empty: every kernel is compiled and saved
    env = {**os.environ, "NO_COLOR": "1", "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "exitwave", "run", *TINY, "--out", "runs"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300, check=False, preexec_fn=limit)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "run failed: could not write" in done.stderr and "File too large" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


REFUSING_MODULE = '''
from pathlib import Path

from exitwave.errors import InputError
from exitwave.modules.protocol import Module


class Quotas(Module):
    """A mechanism that reads its own table when the run starts and refuses a bad one."""

    name = "quotas"

    def init(self, state):
        quota = Path("quotas.csv").read_text(encoding="utf-8").split()[-1]
        if not quota.isdigit():
            raise InputError("quotas.csv", "quota", f"expected a whole number of men, got {quota!r}")
'''


def test_a_run_that_fails_on_bad_input_leaves_no_folder(tmp_path: Path) -> None:
    """Bad input found once the run has started (exit 2): the --out folders that did not exist
    before are not left behind empty."""
    (tmp_path / "quotas.py").write_text(REFUSING_MODULE, encoding="utf-8")
    (tmp_path / "quotas.csv").write_text("quota\nmany\n", encoding="utf-8")
    (tmp_path / "quotas.yaml").write_text("extends: russia-2022\nname: quotas\nmodules: ['quotas:Quotas']\n",
                                          encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    done = cli("run", "quotas.yaml", *RUN_ARGS, "--out", "results/today", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "error: quotas.csv: quota: expected a whole number of men, got 'many'" in _one_error_line(done)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__") == before
    # the same run with a good table writes its folder there
    (tmp_path / "quotas.csv").write_text("quota\n1000\n", encoding="utf-8")
    done = cli("run", "quotas.yaml", *RUN_ARGS, "--out", "results/today", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [p.name.split("-")[0] for p in (tmp_path / "results" / "today").iterdir()] == ["quotas"]


# --- corrupt summary.json, comparison.json and sensitivity tables --------------------------------

@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder, an ensemble folder and a comparison folder made by the real commands."""
    work = tmp_path_factory.mktemp("made")
    for args in (["run", *TINY, "--out", "runs"],
                 ["ensemble", "russia-2022", "-n", "2", *RUN_ARGS, "--out", "ens"],
                 ["compare", "russia-2022", "asylum-coalition", "-n", "2", *RUN_ARGS, "--out", "cmp"]):
        done = cli(*args, cwd=work)
        assert done.returncode == 0, done.stderr
    return work


CORRUPT = {"truncated": b'{"scenario": ', "not_utf8": b"\xff\xfe{}", "a_list": b"[1, 2]",
           "no_scenario": b'{"seed": 1}', "seed_as_text": b'{"scenario": "x", "seed": "1", "scale": 1.0, '
                                                        b'"start": "2022-09-14", "days": 3}'}
EXPECTED = {"truncated": "line 1, column 14: malformed JSON", "not_utf8": "cannot read file",
            "a_list": "expected a JSON object, got list", "no_scenario": "scenario: required field is missing",
            "seed_as_text": "seed: expected int, got str"}


def _corrupt(made: Path, tmp_path: Path, kind: str) -> tuple[Path, Path, Path]:
    work = tmp_path / "w"
    shutil.copytree(made, work)
    (run,) = (work / "runs").iterdir()
    (run / "summary.json").write_bytes(CORRUPT[kind])
    (work / "ens" / "runs" / "seed-1" / "summary.json").write_bytes(CORRUPT[kind])
    (cmp_run,) = [p for p in (work / "cmp").rglob("summary.json") if p.parent.name == "seed-2"][:1]
    cmp_run.write_bytes(CORRUPT[kind])
    return work, run, cmp_run


@pytest.mark.parametrize("kind", list(CORRUPT))
def test_a_corrupt_summary_is_a_clean_error_for_report_diff_and_resume(made: Path, tmp_path: Path, kind: str) -> None:
    work, run, cmp_run = _corrupt(made, tmp_path, kind)
    before = snapshot(work)
    summary = os.path.join(run.relative_to(work), "summary.json")
    commands = {
        "report": (["report", str(run.relative_to(work))], summary),
        "diff": (["diff", str(run.relative_to(work)), str(run.relative_to(work))], summary),
        "ensemble resume": (["ensemble", "russia-2022", "-n", "2", *RUN_ARGS, "--out", "ens"],
                            os.path.join("ens", "runs", "seed-1", "summary.json")),
        "compare resume": (["compare", "russia-2022", "asylum-coalition", "-n", "2", *RUN_ARGS, "--out", "cmp"],
                           str(cmp_run.relative_to(work))),
        "report of the comparison": (["report", "cmp"], str(cmp_run.relative_to(work))),
    }
    for what, (args, file) in commands.items():
        done = cli(*args, cwd=work)
        assert done.returncode == 2, f"{what}: exit {done.returncode}\n{done.stderr}"
        line = _one_error_line(done)
        assert f"error: {file}: " in line and EXPECTED[kind] in line, f"{what}: {line}"
    assert snapshot(work) == before  # nothing written, nothing rewritten


def test_a_corrupt_comparison_file_is_a_clean_error_for_report(made: Path, tmp_path: Path) -> None:
    work = tmp_path / "w"
    shutil.copytree(made, work)
    data = json.loads((work / "cmp" / "comparison.json").read_text(encoding="utf-8"))
    del data["values"]
    (work / "cmp" / "comparison.json").write_text(json.dumps(data), encoding="utf-8")
    done = cli("report", "cmp", cwd=work)
    assert done.returncode == 2, done.stderr
    line = _one_error_line(done)
    assert f"error: {os.path.join('cmp', 'comparison.json')}: expected a comparison written by" in line
    assert "KeyError: 'values'" in line


SENSITIVITY = {
    "empty": (b"", "cannot read it as CSV"),
    "not_csv": (b'output,parameter,mu_star\n"unclosed,x,1\n', "--sensitivity: "),
    "no_index_column": (b"scenario,output,parameter\nr,departed,x\n", "mu_star, mu_star_conf: required column is missing"),
    "text_index": (b"output,parameter,mu_star,mu_star_conf\ndeparted,x,lots,1\n", "row 2, column mu_star: expected a number, got 'lots'"),
    "sobol_without_s1": (b"output,parameter,ST,ST_conf\ndeparted,x,0.5,0.1\n", "S1, S1_conf: required column is missing"),
    "not_utf8": (b"output,parameter,mu_star,mu_star_conf\nd\xe9part,x,1,1\n", "cannot read it as CSV"),
}


@pytest.mark.parametrize("name", list(SENSITIVITY))
def test_a_malformed_sensitivity_table_is_a_clean_error(made: Path, tmp_path: Path, name: str) -> None:
    data, words = SENSITIVITY[name]
    (tmp_path / "s.csv").write_bytes(data)
    (run,) = (made / "runs").iterdir()
    done = cli("report", str(run), "--sensitivity", "s.csv", "--out", "reports/r.html", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    line = _one_error_line(done)
    assert "error: s.csv: " in line and words in line, line
    assert not (tmp_path / "reports").exists()  # not even the folder it was to go in


def test_a_malformed_sensitivity_settings_file_is_a_clean_error(made: Path, tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_bytes(b"output,parameter,mu_star,mu_star_conf\ndeparted,x,1,1\n")
    (tmp_path / "s.json").write_bytes(b"{")
    (run,) = (made / "runs").iterdir()
    done = cli("report", str(run), "--sensitivity", "s.csv", "--out", "r.html", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "error: s.json: malformed JSON" in _one_error_line(done)


# --- compare when runs fail ----------------------------------------------------------------------

FAILING_MODULE = '''
from exitwave.modules.protocol import Module


class Diverges(Module):
    """A mechanism that fails on day 1 of seed 2: a run error after the input was accepted."""

    name = "diverges"
    after = "termination"

    def step(self, state, day):
        if day == 1 and state.scenario.seed == 2:
            raise ArithmeticError("the raid model diverged on day 1")
'''


def test_compare_reports_every_failed_run_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "raids.py").write_text(FAILING_MODULE, encoding="utf-8")
    (tmp_path / "raids.yaml").write_text("extends: russia-2022\nname: raids\nmodules: ['raids:Diverges']\n",
                                         encoding="utf-8")
    done = cli("compare", "russia-2022", "raids.yaml", "-n", "3", *RUN_ARGS, "--out", "cmp", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "RuntimeError" not in done.stderr
    assert "compare failed: 1 of 6 runs failed" in done.stderr
    assert "raids seed 2: ArithmeticError: the raid model diverged on day 1" in done.stderr
    # the runs that succeeded are kept for a resume; none is half-written
    assert len(list((tmp_path / "cmp" / "raids").iterdir())) == 2
    assert not [p for p in (tmp_path / "cmp").rglob(".*")]
