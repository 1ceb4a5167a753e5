"""Shared fixtures."""

from __future__ import annotations

import pytest

from exitwave.results import Results
from helpers import run_small


@pytest.fixture(scope="session")
def russia_small() -> Results:
    """russia-2022 for 40 days at 1:2000, with the full conservation check every day."""
    return run_small("russia-2022")



# --- the order in which `make test`'s two workers take the suite (pytest-xdist) -----------------------
# `make test` runs `pytest -n auto --dist loadfile --no-loadscope-reorder`: each file goes whole to
# one worker (its module fixtures are built once), and the files are handed out in collection
# order as the workers free up. The longest files come first, so that none starts last while the
# other worker idles. This only orders the work: every test still runs, and a plain `pytest` run
# runs the same tests in this order.
LONGEST_FIRST = (  # by the time of their tests in CI (pytest --durations, 2 cores)
    "tests/test_docs.py",
    "tests/calibration/test_calibration.py",
    "tests/report/test_report.py",
    "tests/test_cli_hardening.py",
    "tests/test_cli.py",
    "tests/report/test_exports.py",
    "tests/report/test_inputs.py",
    "tests/experiments/test_sensitivity.py",
    "tests/experiments/test_ensemble.py",
    "tests/experiments/test_explore.py",
    "tests/report/test_report_browser.py",
    "tests/dashboard/test_dashboard_browser.py",
    "tests/dashboard/test_runner.py",
    "tests/report/test_templates.py",
    "tests/report/test_figures.py",
    "tests/test_fuzzing.py",
    "tests/test_examples.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {file: k for k, file in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: within a file, and the rest, in order
