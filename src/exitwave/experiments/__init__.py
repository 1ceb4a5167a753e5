"""Experiments across runs: ensembles, policy comparison with common random numbers, sweeps,
global sensitivity analysis and open exploration, on local processes or a Dask cluster.

Open exploration lives in :mod:`exitwave.experiments.explore` (``from exitwave import explore``);
its function is not re-exported here, where it would hide the module of the same name."""

from exitwave.experiments.comparison import Comparison, compare
from exitwave.experiments.ensembles import Ensemble, ensemble
from exitwave.experiments.explore import Exploration
from exitwave.experiments.sensitivities import Sensitivity, sensitivity
from exitwave.experiments.sweeps import Sweep, sweep

__all__ = ["Comparison", "compare", "Ensemble", "ensemble", "Exploration", "Sensitivity", "sensitivity",
           "Sweep", "sweep"]
