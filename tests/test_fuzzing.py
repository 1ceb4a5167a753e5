"""The property-based fuzzer (exitwave.fuzzing): mutated scenarios and worlds through ``exitwave run``.

Invariant: a clean input error (exit 2, one ``error:`` line, no traceback) or a sound run
(conserved, finite, non-negative outputs). The normal suite runs a bounded number of cases
(:data:`SCENARIOS` + :data:`WORLDS`, about a minute); ``EXITWAVE_FUZZ=long`` runs the nightly
numbers (or use ``python scripts/fuzz.py``, which also writes the figures of docs/hardening.md).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from exitwave.fuzzing import (
    Case,
    Worker,
    _run_case,
    check_run_dir,
    classify,
    scenario_cases,
    world_cases,
)
from helpers import run_small

LONG = os.environ.get("EXITWAVE_FUZZ") == "long"
SCENARIOS = 1000 if LONG else 24
WORLDS = 500 if LONG else 16
FUZZ = settings(deadline=None, database=None, derandomize=not LONG, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    runner = Worker()
    yield runner
    runner.close()


def _assert_clean(worker: Worker, case: Case) -> None:
    outcome = worker.run(case)
    assert outcome.kind in ("clean_error", "sound_run"), f"{outcome.kind} for {case.what}:\n{outcome.detail}"


@settings(FUZZ, max_examples=SCENARIOS)
@given(case=scenario_cases())
def test_mutated_scenarios_end_in_a_clean_error_or_a_sound_run(worker: Worker, case: Case) -> None:
    _assert_clean(worker, case)


@settings(FUZZ, max_examples=WORLDS)
@given(case=world_cases())
def test_mutated_worlds_end_in_a_clean_error_or_a_sound_run(worker: Worker, case: Case) -> None:
    _assert_clean(worker, case)


# --- the fuzzer can fail: each kind of finding is seen -------------------------------------------

UNCHANGED = Case("scenario", "russia-2022", {"scenario.yaml": b"extends: russia-2022\n"}, scale=20_000, days=3)


def _fake_worker(body: str) -> Worker:
    """A worker program speaking the fuzzer's protocol that does ``body`` with each case."""
    return Worker(timeout_s=5, command=[sys.executable, "-c", "import json, os, signal, sys, time\n"
                                        "for line in sys.stdin:\n" + body])


def test_a_worker_killed_by_a_signal_is_a_crash_and_is_restarted() -> None:
    worker = _fake_worker("    os.kill(os.getpid(), signal.SIGSEGV)\n")
    try:
        first, second = worker.run(UNCHANGED), worker.run(UNCHANGED)
    finally:
        worker.close()
    assert first.kind == second.kind == "crash"
    assert f"code {-11}" in first.detail


def test_a_worker_that_does_not_answer_is_a_hang() -> None:
    worker = _fake_worker("    time.sleep(60)\n")
    try:
        outcome = worker.run(UNCHANGED)
    finally:
        worker.close()
    assert outcome.kind == "hang" and 5 <= outcome.seconds < 30


def test_tracebacks_other_exits_and_unlabelled_errors_are_findings() -> None:
    assert classify({"exit_code": 1, "output": "", "traceback": "Traceback …\nKeyError: 'x'"}).kind == "traceback"
    assert classify({"exit_code": 1, "output": "Traceback (most recent call last):\n"}).kind == "traceback"
    assert classify({"exit_code": 2, "output": "Usage: … no error line"}).kind == "other_exit"
    assert classify({"exit_code": 1, "output": "run failed: out of memory"}).kind == "other_exit"
    assert classify({"exit_code": 0, "output": "", "problems": ["summary.departed = -1.0"]}).kind == "invalid_output"
    assert classify({"exit_code": 2, "output": "error: a.yaml: seed: expected …\n"}).kind == "clean_error"
    assert classify({"exit_code": 0, "output": "", "problems": []}).kind == "sound_run"


def test_the_real_worker_finds_a_sound_run_and_a_clean_error(worker: Worker) -> None:
    assert worker.run(UNCHANGED).kind == "sound_run"
    bad = Case("scenario", "russia-2022", {"scenario.yaml": b"extends: russia-2022\n1: x\n"}, scale=20_000, days=3)
    outcome = worker.run(bad)
    assert outcome.kind == "clean_error" and "expected field names as keys" in outcome.detail


def test_output_checks_flag_lost_men_non_finite_and_negative_numbers(tmp_path: Path) -> None:
    run_dir = run_small("russia-2022", days=5, scale=20_000).save(tmp_path)
    assert check_run_dir(run_dir) == []
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    summary.update(conservation_ok=False, departed=-3, mean_morale=float("nan"))
    (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    problems = " ".join(check_run_dir(run_dir))
    assert "conservation_ok is False" in problems
    assert "summary.departed = -3.0" in problems and "summary.mean_morale = nan" in problems


def test_a_difference_in_the_summary_may_be_negative_but_must_be_finite(tmp_path: Path) -> None:
    # composition.means_gap is leavers' less recruits' means percentile: -1.44 is a sound run
    run_dir = run_small("russia-2022", days=5, scale=20_000).save(tmp_path)
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    summary["composition"]["means_gap"] = -1.44
    (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert check_run_dir(run_dir) == []
    summary["composition"]["means_gap"] = float("-inf")
    (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert check_run_dir(run_dir) == ["summary.composition.means_gap = -inf"]


def test_a_world_with_many_problems_is_a_clean_error(tmp_path: Path) -> None:
    # one line per problem: 85 regions with a bad latitude print far more than the output kept
    # of a case, and the first line (error: …) must still be seen
    import shutil

    import exitwave
    from helpers import edit_csv

    world = tmp_path / "world"
    shutil.copytree(Path(exitwave.__file__).parent / "data" / "worlds" / "russia-2022", world)
    for row in range(2, 87):
        edit_csv(world / "regions.csv", row, "lat", "95")
    (tmp_path / "s.yaml").write_text("extends: russia-2022\nworld: world\n", encoding="utf-8")
    answer = _run_case(["run", str(tmp_path / "s.yaml"), "--scale", "20000", "--days", "1",
                        "--out", str(tmp_path / "runs")])
    assert answer["exit_code"] == 2 and answer["output"].count("column lat") > 2
    assert classify(answer).kind == "clean_error"
