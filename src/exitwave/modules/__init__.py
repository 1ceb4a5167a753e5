"""One module per mechanism, each following the module protocol (:mod:`exitwave.modules.protocol`).

The engine runs them every day in this order (``DEFAULT_MODULES``): information, mobilization,
decision, movement, reception, force, termination. Modules never import each other; they meet in
the :class:`~exitwave.state.State`, and the codes they share live in :mod:`exitwave.vocabulary`.
A run can add its own modules: ``Simulation(scenario, modules=[MyModule()])`` or, in a scenario
file, ``modules: ["package.module:MyModule"]``.
"""

from exitwave.modules.decision import Decision
from exitwave.modules.force import Force
from exitwave.modules.information import Information
from exitwave.modules.mobilization import Mobilization
from exitwave.modules.movement import Movement
from exitwave.modules.protocol import Module, check_modules, resolve_modules
from exitwave.modules.reception import Reception
from exitwave.modules.termination import Termination

DEFAULT_MODULES = (Information, Mobilization, Decision, Movement, Reception, Force, Termination)
MODULES = DEFAULT_MODULES  # the name earlier releases used

__all__ = ["DEFAULT_MODULES", "MODULES", "Module", "check_modules", "resolve_modules", "Decision", "Information",
           "Mobilization", "Movement", "Reception", "Force", "Termination"]
