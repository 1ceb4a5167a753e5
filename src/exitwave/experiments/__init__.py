"""Experiments across runs: policy comparison with common random numbers (more to come:
ensembles, sweeps, sensitivity, calibration)."""

from exitwave.experiments.comparison import Comparison, compare

__all__ = ["Comparison", "compare"]
