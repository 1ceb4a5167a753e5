"""Experiments across runs: ensembles, policy comparison with common random numbers, sweeps,
global sensitivity analysis and open exploration, on local processes or a Dask cluster."""

from exitwave.experiments.comparison import Comparison, compare
from exitwave.experiments.ensembles import Ensemble, ensemble
from exitwave.experiments.explore import Exploration, explore
from exitwave.experiments.sensitivities import Sensitivity, sensitivity
from exitwave.experiments.sweeps import Sweep, sweep

__all__ = ["Comparison", "compare", "Ensemble", "ensemble", "Exploration", "explore", "Sensitivity", "sensitivity",
           "Sweep", "sweep"]
