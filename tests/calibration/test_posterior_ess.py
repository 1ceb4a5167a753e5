"""The posterior's effective sample size: computed, reported by calibrate, and warned about where
audit and explore draw calibrated parameters from a posterior whose weights may collapse onto a few particles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import exitwave
from exitwave.calibration.abc import LOW_ESS, effective_sample_size
from exitwave.calibration.predictive import ess_sentence
from exitwave.experiments.audit import posterior_note

BUNDLED = Path(exitwave.__file__).parent / "data" / "calibration" / "russia-2022"


def test_effective_sample_size_of_equal_and_of_one_heavy_particle() -> None:
    assert effective_sample_size(np.ones(40)) == pytest.approx(40.0)
    assert effective_sample_size(np.array([1.0, 0.0, 0.0])) == pytest.approx(1.0)
    # Kish's formula on a hand case: (1 + 3)² / (1 + 9) = 1.6
    assert effective_sample_size(np.array([1.0, 3.0])) == pytest.approx(1.6)
    assert effective_sample_size(np.array([2.0, 6.0])) == pytest.approx(1.6)  # scale-free


def test_the_sentence_warns_only_below_the_threshold() -> None:
    assert "Too small" in ess_sentence(LOW_ESS - 0.1, 60)
    assert "Too small" not in ess_sentence(LOW_ESS, 60) and "10.0 of 60" in ess_sentence(LOW_ESS, 60)


def test_the_bundled_calibration_reports_its_posteriors_effective_sample_size() -> None:
    weights = pd.read_csv(BUNDLED / "posterior.csv")["weight"].to_numpy()
    ess = effective_sample_size(weights)
    summary = json.loads((BUNDLED / "calibration.json").read_text())
    assert summary["posterior_ess"] == pytest.approx(ess) and summary["posterior_particles"] == len(weights)
    assert ess_sentence(ess, len(weights)) in (BUNDLED / "fit_report.md").read_text()
    note = posterior_note("russia-2022")
    assert (note is not None) == (ess < LOW_ESS)  # audit and explore say so before they run
    assert posterior_note("gdr-1989") is None  # no bundled posterior: nothing to say
    # the bundled posterior carries the calibrated parameters' spread into audit and explore
    assert ess >= LOW_ESS and note is None
    assert all(g["ess"] >= LOW_ESS for g in summary["history"])  # no generation collapsed
