"""The pinned regression baseline (tests/baseline/) and ``exitwave diff``.

Every pinned case is rerun and must reproduce its stored numbers; a deliberate change of one
parameter must be seen; ``exitwave diff`` gives exit 0 / 1 / 2 on equal / different / bad input.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import exitwave.baseline as baseline
from exitwave.baseline import (
    CASES,
    DEFAULT_ATOL,
    DEFAULT_RTOL,
    Case,
    Change,
    baseline_values,
    case_scenario,
    case_values,
    diff_values,
    flatten,
    load_values,
    write_baseline,
)
from exitwave.cli import app
from helpers import run_small

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "tests" / "baseline"
HINT = "if the change is intended, run `make baseline` and commit the diff"
TINY = Case("examples/scenarios/ruritania-callup.yaml", seed=1, scale=100.0, days=20)

runner = CliRunner()


def listing(changes: list[Change], most: int = 25) -> str:
    lines = [f"  {c.field}: {c.a!r} -> {c.b!r}" for c in changes[:most]]
    if len(changes) > most:
        lines.append(f"  … and {len(changes) - most} more")
    return "\n".join(lines)


# ---------------------------------------------------------------- (a) the pinned numbers hold


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_pinned_case_reproduces_its_stored_numbers(case: Case) -> None:
    path = STORED / f"{case.name}.json"
    assert path.is_file(), f"no stored baseline {path}; run `make baseline` and commit it"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["case"] == {"name": case.name, "scenario": case.scenario, "seed": case.seed,
                                "scale": case.scale, "days": case.days}, \
        f"{path} was written for another case; {HINT}"
    changes = diff_values(baseline_values(path), case_values(case), DEFAULT_RTOL, DEFAULT_ATOL)
    assert not changes, (f"{case.name}: {len(changes)} numbers differ from {path.relative_to(ROOT)} "
                         f"(A = stored, B = now):\n{listing(changes)}\n{HINT}")


def test_every_stored_file_belongs_to_a_case() -> None:
    names = {f"{case.name}.json" for case in CASES}
    assert len(names) == len(CASES), "two cases share a file name"
    stray = sorted(p.name for p in STORED.glob("*.json") if p.name not in names)
    assert not stray, f"stored files without a case: {stray}; {HINT}"


# ---------------------------------------------------------------- (b) the check can fail


def test_a_perturbed_parameter_is_seen() -> None:
    case = next(c for c in CASES if c.scenario.endswith("ruritania-callup.yaml"))
    scenario, _ = case_scenario(case)
    weight = scenario.behaviour.threat_weight
    perturbed = scenario.model_copy(update={"behaviour": scenario.behaviour.model_copy(
        update={"threat_weight": weight * 1.1})})
    changes = diff_values(baseline_values(STORED / f"{case.name}.json"), case_values(case, perturbed))
    assert changes, "a 10 % change of behaviour.threat_weight left every pinned number unchanged"
    fields = {c.field for c in changes}
    assert "departed" in fields and any(f.startswith("series_sum.") for f in fields), listing(changes)


def test_diff_values_tolerances_one_sided_fields_and_order() -> None:
    a = {"same": 5.0, "tiny": 1e6, "big": 100.0, "from_zero": 0.0, "only_a": 1.0, "nan": math.nan}
    b = {"same": 5.0, "tiny": 1e6 + 1e-2, "big": 150.0, "from_zero": 2.0, "only_b": 3, "nan": math.nan}
    changes = diff_values(a, b)
    assert [c.field for c in changes] == ["only_a", "only_b", "from_zero", "big", "tiny"]
    big = next(c for c in changes if c.field == "big")
    assert (big.a, big.b, big.delta, big.relative) == (100.0, 150.0, 50.0, 0.5)
    only_a = changes[0]
    assert (only_a.a, only_a.b, only_a.delta, only_a.relative) == (1.0, None, None, None)
    assert changes[2].relative == math.inf and changes[2].to_dict()["relative"] is None
    assert [c.field for c in diff_values(a, b, rtol=1e-6)] == ["only_a", "only_b", "from_zero", "big"]
    assert [c.field for c in diff_values(a, b, atol=60)] == ["only_a", "only_b"]
    assert diff_values(a, dict(a)) == []
    with pytest.raises(ValueError):
        diff_values(a, b, rtol=-1)


def test_flatten_keeps_numbers_under_dotted_keys() -> None:
    summary = {"scenario": "x", "runtime_s": 1.23, "departed": 7, "conservation_ok": True,
               "by_destination": {"KZ": 3, "GE": 4.5}, "war_end_day": None,
               "composition": {"leavers": {"people": 2, "by_region": {"RU-MOW": 0.25}}},
               "thresholds": [0.5, 0.75]}
    assert flatten(summary) == {"departed": 7, "conservation_ok": 1, "by_destination.KZ": 3,
                                "by_destination.GE": 4.5, "composition.leavers.people": 2,
                                "composition.leavers.by_region.RU-MOW": 0.25,
                                "thresholds.0": 0.5, "thresholds.1": 0.75}


def test_a_baseline_file_is_stable_sorted_text(tmp_path: Path) -> None:
    values = {"b": 2, "a.x": 1.5, "a.y": 0}
    first = write_baseline(tmp_path, TINY, values).read_bytes()
    second = write_baseline(tmp_path, TINY, dict(reversed(list(values.items())))).read_bytes()
    assert first == second
    assert [p.name for p in tmp_path.iterdir()] == [f"{TINY.name}.json"]  # no temporary file left
    document = json.loads(first)
    assert list(document) == sorted(document) and list(document["values"]) == ["a.x", "a.y", "b"]
    assert document["case"]["seed"] == 1 and document["made_by"]["exitwave_version"]
    assert first.decode().count("\n") > len(values)  # one field a line: a change is a readable diff


def test_baseline_update_and_check_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(baseline, "CASES", (TINY,))
    (tmp_path / "gone-s1.json").write_text('{"case": {}, "values": {}}\n', encoding="utf-8")
    done = runner.invoke(app, ["baseline", "update", "--into", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{TINY.name}.json"]  # the stale file went
    done = runner.invoke(app, ["baseline", "check", "--into", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert "1 of 1 cases unchanged" in done.output
    path = tmp_path / f"{TINY.name}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["values"]["departed"] += 100
    path.write_text(json.dumps(document), encoding="utf-8")
    done = runner.invoke(app, ["baseline", "check", "--into", str(tmp_path)])
    assert done.exit_code == 1, done.output
    assert "departed" in done.output and "make baseline" in done.output


# ---------------------------------------------------------------- (c) exitwave diff


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("runs")
    made = {}
    for label, seed in (("a", 1), ("same", 1), ("other", 2)):
        results = run_small("russia-2022", seed=seed, scale=20000.0, days=10, full_check_every=0)
        made[label] = results.save(out, name=label)
    return made


def test_diff_of_identical_seeds_is_empty(runs: dict[str, Path]) -> None:
    done = runner.invoke(app, ["diff", str(runs["a"]), str(runs["same"])])
    assert done.exit_code == 0, done.output
    assert "no differences" in done.output


def test_diff_of_different_seeds_names_the_fields(runs: dict[str, Path]) -> None:
    expected = {c.field for c in diff_values(load_values(runs["a"]), load_values(runs["other"]))}
    assert "seed" in expected and any(f.startswith("series_sum.") for f in expected)
    done = runner.invoke(app, ["diff", str(runs["a"]), str(runs["other"])])
    assert done.exit_code == 1, done.output
    assert f"{len(expected)} of" in done.output and "fields differ" in done.output
    short = [f for f in expected if len(f) <= 12]  # long names may fold in a narrow table
    assert short and all(f in done.output for f in short), (short, done.output)
    done = runner.invoke(app, ["diff", str(runs["a"]), str(runs["other"]), "--json"])
    assert done.exit_code == 1
    report = json.loads(done.stdout)
    assert report["equal"] is False and {c["field"] for c in report["changes"]} == expected


def test_diff_of_a_baseline_file_with_itself(tmp_path: Path) -> None:
    path = write_baseline(tmp_path, TINY, {"departed": 5, "by_destination.XB": 2.5})
    done = runner.invoke(app, ["diff", str(path), str(path)])
    assert done.exit_code == 0, done.output


def test_diff_of_a_missing_folder_is_bad_input(runs: dict[str, Path], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-run"
    done = runner.invoke(app, ["diff", str(runs["a"]), str(missing)])
    assert done.exit_code == 2
    assert "no-such-run" in done.output and "expected a run directory" in done.output


def test_diff_of_a_corrupt_summary_is_bad_input(runs: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "summary.json").write_text('{"departed": ', encoding="utf-8")
    done = runner.invoke(app, ["diff", str(broken), str(runs["a"])])
    assert done.exit_code == 2
    assert "summary.json" in done.output and "malformed JSON" in done.output
    done = runner.invoke(app, ["diff", str(runs["a"]), str(runs["a"]), "--rtol", "-1"])
    assert done.exit_code == 2
