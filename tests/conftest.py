"""Shared fixtures."""

from __future__ import annotations

import pytest

from exitwave.results import Results
from helpers import run_small


@pytest.fixture(scope="session")
def russia_small() -> Results:
    """russia-2022 for 40 days at 1:2000, with the full conservation check every day."""
    return run_small("russia-2022")
