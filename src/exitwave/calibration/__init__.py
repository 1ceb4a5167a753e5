"""Calibration on the 2022 window with posteriors, posterior predictive checks and forecasts."""

from exitwave.calibration.abc import Calibration, calibrate
from exitwave.calibration.predictive import write_calibration
from exitwave.calibration.targets import Target, load_targets

__all__ = ["Calibration", "calibrate", "write_calibration", "Target", "load_targets"]
