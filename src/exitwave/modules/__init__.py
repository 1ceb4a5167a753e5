"""One module per mechanism. Each is a class with ``init(state)`` and ``step(state, day)``.

The engine runs them every day in this order (``MODULES``): events, information, mobilization,
decision, movement, reception, force, termination. Modules never import each other; they meet in the
:class:`~exitwave.state.State`.
"""

from exitwave.modules.decision import Decision
from exitwave.modules.events import Events
from exitwave.modules.force import Force
from exitwave.modules.information import Information
from exitwave.modules.mobilization import Mobilization
from exitwave.modules.movement import Movement
from exitwave.modules.reception import Reception
from exitwave.modules.termination import Termination

MODULES = (Events, Information, Mobilization, Decision, Movement, Reception, Force, Termination)

__all__ = ["MODULES", "Events", "Information", "Mobilization", "Decision", "Movement", "Reception",
           "Force", "Termination"]
