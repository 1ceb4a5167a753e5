"""exitwave: simulate waves of exit from a war effort and the policies that shape them.

Public API (kept small): :func:`load_scenario`, :class:`Simulation`, :func:`run`,
:class:`Results`, and the experiments :func:`compare`, :func:`ensemble`, :func:`sweep`,
:func:`sensitivity`, :func:`explore`. Heavy dependencies (pandas, numba kernels, plotting) load
lazily, so ``import exitwave`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["load_scenario", "Simulation", "run", "Results", "compare", "ensemble", "sweep",
           "sensitivity", "explore", "__version__"]

if TYPE_CHECKING:
    from exitwave.engine import Simulation, run
    from exitwave.experiments import compare, ensemble, sensitivity, sweep
    from exitwave.experiments.explore import explore
    from exitwave.results import Results
    from exitwave.scenario.load import load_scenario

_LAZY = {
    "load_scenario": "exitwave.scenario.load",
    "Simulation": "exitwave.engine",
    "run": "exitwave.engine",
    "Results": "exitwave.results",
    "compare": "exitwave.experiments",
    "ensemble": "exitwave.experiments",
    "sweep": "exitwave.experiments",
    "sensitivity": "exitwave.experiments",
    "explore": "exitwave.experiments.explore",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'exitwave' has no attribute {name!r}")
