"""Shared fixtures of the report tests: one small comparison, with the credibility-only scenario."""

from __future__ import annotations

import pytest

from exitwave.experiments import compare

SCENARIOS = ["russia-2022", "asylum-coalition", "asylum-coalition-exits-closed", "captor-credibility"]


@pytest.fixture(scope="session")
def comparison_dir(tmp_path_factory):
    """Four scenarios on seeds 1–3, 60 days at 1 agent = 4,000 men (seconds per run)."""
    out = tmp_path_factory.mktemp("cmp")
    compare(SCENARIOS, n=3, scale=4000, days=60, out_dir=out)
    return out
