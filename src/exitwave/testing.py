"""Small states for testing one mechanism module alone, in milliseconds.

A full :class:`~exitwave.engine.Simulation` builds a country's population and runs every module.
To test one mechanism you need much less: a few hundred men of the fictional example world
(``examples/worlds/ruritania``), the scenario's schedule, and the module (or the few modules)
under test. The test plays the part of the other modules through the State's hand-off lists.

:func:`tiny_run` builds such a run and returns a :class:`TinyRun` (the State and the module
instances); :func:`tiny_state` returns the State alone (pass module *instances* to keep them).
Fields owned by modules that are not in the run get **stand-ins** (:data:`STAND_INS`): the
value they would have if their owner existed and had done nothing yet — nobody summoned or in
the decision heaps, no contact abroad, empty queues, all routes open (``access`` = 1), no front.
So ``Movement`` alone can read ``depart_day`` and ``summoned_day``, and ``Reception`` alone can
read ``entering_country``.

Example — movement alone: hand five men to it as the decision module would, step three days
(building a tiny run takes tens of milliseconds; a day of one module, about a millisecond)::

    >>> import numpy as np
    >>> from exitwave.modules import Movement
    >>> from exitwave.state import Status
    >>> from exitwave.testing import hand_leaving, tiny_run
    >>> run = tiny_run(modules=[Movement], men=300)
    >>> run.state.n
    300
    >>> men = hand_leaving(run.state, np.arange(5), day=run.day)
    >>> state = run.step(3)
    >>> run.problems()  # conservation: every man in exactly one status
    []
    >>> bool(np.isin(state.status[men], [Status.QUEUED, Status.TRAVELLING, Status.AT_HOME]).all())
    True

Counters are checked as in a real run: ``State.count`` refuses a counter the given modules do
not declare. The scenario is the example ``ruritania-callup`` (a call-up wave on day 7) unless
another is given, with ``seed``, ``days`` and the men per agent set so that the population has
about ``men`` agents.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from exitwave.modules import DEFAULT_MODULES
from exitwave.modules.events import compile_schedule
from exitwave.modules.protocol import CORE_FIELDS, check_modules
from exitwave.outputs import registry
from exitwave.population import men_by_age, synthesize
from exitwave.recorder import Recorder
from exitwave.scenario.load import (
    apply_overrides,
    load_scenario,
    resolve_scenario_path,
    validate_dict,
)
from exitwave.scenario.schema import Scenario
from exitwave.state import DecisionHeap, FifoQueues, State
from exitwave.vocabulary import (
    GROUPS_PER_REGION,
    N_ROUTE_CLASSES,
    Status,
    decision_group_of,
    route_class_of,
)
from exitwave.world import load_world

__all__ = ["EXAMPLES", "EXAMPLE_SCENARIO", "STAND_INS", "module_fields", "TinyRun", "tiny_run", "tiny_state", "step",
           "conservation_problems", "assert_conserved", "hand_leaving", "hand_abroad"]

#: The project's ``examples/`` folder (present in a source checkout, not in an installed wheel).
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: The default scenario of a tiny run: the fictional Ruritanian call-up.
EXAMPLE_SCENARIO = EXAMPLES / "scenarios" / "ruritania-callup.yaml"


def _agents(value: Any, dtype: Any) -> Callable[[State], np.ndarray]:
    return lambda state: np.full(state.n, value, dtype)


#: A neutral value for every module-owned State field, used when its owner is not in the run:
#: what the field holds when its owner exists but has done nothing yet.
STAND_INS: dict[str, Callable[[State], Any]] = {
    # information
    "contacts_abroad": _agents(0, np.uint8),
    "threshold_fired": lambda state: [],
    # decision: empty heaps sized for everyone (nobody in them: removals are no-ops)
    "key": _agents(0.0, np.float64),
    "heap": lambda state: DecisionHeap.allocate(state.decision_group, state.world.n_regions * GROUPS_PER_REGION),
    "depart_day": _agents(-1, np.int32),
    "attempts": _agents(0, np.uint8),
    "leaving": lambda state: [],
    # mobilization
    "summoned_day": _agents(-1, np.int32),
    "summoned": lambda state: np.empty(0, np.int64),
    "hiding": lambda state: np.empty(0, np.int64),
    # movement: no queues, every route as open as it can be
    "crossing": _agents(-1, np.int16),
    "country": _agents(-1, np.int16),
    "queues": lambda state: FifoQueues(state.world.n_crossings),
    "access": lambda state: np.ones((state.world.n_regions, N_ROUTE_CLASSES)),
    "crossed": lambda state: np.zeros(state.world.n_crossings),
    "crossed_today": lambda state: np.zeros(state.world.n_crossings),
    "departed_by_region": lambda state: np.zeros(state.world.n_regions),
    "newly_abroad": lambda state: [],
    "entering_country": lambda state: [],
    "turned_home": lambda state: [],
    # reception
    "screening_queues": lambda state: FifoQueues(state.world.n_countries),
    "stock": lambda state: np.zeros(state.world.n_countries),
    "relocated": lambda state: np.zeros(state.world.n_countries),
    # force: nobody in a unit, no front
    "unit": _agents(-1, np.int32),
    "front": lambda state: None,
    # termination: the war goes on
    "war_end_day": lambda state: None,
    "war_end_thresholds": lambda state: {},
}


def module_fields() -> list[str]:
    """The State fields that modules own (every dataclass field but the run's own)."""
    return [f.name for f in dataclasses.fields(State) if f.name not in CORE_FIELDS]


class _StandIns:
    """The pseudo-module that owns the stand-in fields (so the module list can be checked)."""

    name = "stand-ins"
    reads: tuple[str, ...] = ()
    updates: tuple[str, ...] = ()

    def __init__(self, fields: Iterable[str]) -> None:
        self.writes = tuple(fields)

    def init(self, state: State) -> None:
        for name in self.writes:
            setattr(state, name, STAND_INS[name](state))

    def step(self, state: State, day: int) -> None:
        """Stand-ins do nothing: the test acts for the missing modules."""


def _load(scenario: Scenario | str | Path | None, overrides: Mapping[str, Any] | None,
          source: str | Path | None) -> tuple[Scenario, Path | None]:
    """The scenario and the file it came from (``source`` for a Scenario object)."""
    if isinstance(scenario, Scenario):
        if overrides:
            data = scenario.model_dump(mode="json", by_alias=True)
            scenario = validate_dict(apply_overrides(data, dict(overrides)), str(source or "overrides"))
        return scenario, Path(source) if source else None
    if scenario is None:
        if not EXAMPLE_SCENARIO.is_file():
            raise FileNotFoundError(f"{EXAMPLE_SCENARIO} not found: tiny runs default to the example world of a "
                                    "source checkout; pass a scenario instead")
        scenario = EXAMPLE_SCENARIO
    elif isinstance(scenario, str) and (EXAMPLES / "scenarios" / f"{scenario}.yaml").is_file():
        scenario = EXAMPLES / "scenarios" / f"{scenario}.yaml"  # an example by its name
    source = resolve_scenario_path(scenario)
    return load_scenario(source, overrides=dict(overrides) if overrides else None), source


@dataclasses.dataclass
class TinyRun:
    """A small State and the modules that act on it; ``day`` is the next day to step."""

    state: State
    modules: list[Any]
    day: int = 0

    def step(self, days: int = 1) -> State:
        """Run every module for the next ``days`` days (in module order); returns the State."""
        if self.day + days > self.state.n_days:
            raise ValueError(f"the run has {self.state.n_days} days; cannot step to day {self.day + days - 1}")
        for _ in range(days):
            step(self.state, self.modules, self.day)
            self.day += 1
        return self.state

    def module(self, name: str) -> Any:
        """The module instance called ``name``."""
        for module in self.modules:
            if module.name == name:
                return module
        raise KeyError(f"no module {name!r} in this run (modules: {', '.join(m.name for m in self.modules)})")

    def problems(self) -> list[str]:
        """Conservation problems today (empty when every man is accounted for)."""
        return conservation_problems(self.state, self.day - 1)


def tiny_run(scenario: Scenario | str | Path | None = None, *, men: int = 300, seed: int = 1, days: int = 30,
             modules: Sequence[Any] = DEFAULT_MODULES, overrides: Mapping[str, Any] | None = None,
             source: str | Path | None = None) -> TinyRun:
    """A run of about ``men`` agents with ``modules`` initialised, ready for day 0.

    ``scenario``: a Scenario, a bundled name, a YAML path, the name of an example scenario
    (``ruritania-open-door``) or ``None`` (``examples/scenarios/ruritania-callup.yaml``).
    ``overrides``: dotted fields set on the scenario (``{"front": {...}}``,
    ``{"behaviour.patience_days": 2}``), as in :func:`~exitwave.scenario.load.load_scenario`.
    ``source``: the file a Scenario object came from, when its world is a path relative to it.
    ``modules``: classes (instantiated here) or instances (used as given), initialised in order
    after the stand-ins of the fields none of them owns (:data:`STAND_INS`). The list is checked
    with :func:`~exitwave.modules.protocol.check_modules` (the stand-ins count as owners), and
    ``state.counter_names`` holds the counters the modules declare.
    """
    if men < 1:
        raise ValueError(f"men must be at least 1, got {men}")
    loaded, source = _load(scenario, overrides, source)
    world = load_world(loaded.world, relative_to=source.parent if source else None)
    total_men = float(men_by_age(world, loaded.population.age_min, loaded.population.age_max,
                                     loaded.population.sexes).sum())
    sc = loaded.model_copy(update={
        "seed": seed,
        "world": str(world.folder.resolve()),
        "time": loaded.time.model_copy(update={"days": int(days), "end": None}),
        "population": loaded.population.model_copy(update={"scale": max(1.0, total_men / men)}),
    })
    label = str(source) if source else sc.name
    schedule = compile_schedule(sc, world, label)
    pop = synthesize(world, sc.population, sc.seed)
    route_class = route_class_of(pop.passport, pop.means >= sc.behaviour.air_min_means)
    instances = [m() if isinstance(m, type) else m for m in modules]
    state = State(
        scenario=sc, world=world, pop=pop, seed=sc.seed, n_days=sc.time.n_days, schedule=schedule,
        status=np.zeros(pop.n, np.uint8), due_day=np.full(pop.n, -1, np.int32),
        decision_group=decision_group_of(pop.region, route_class, pop.reservist), route_class=route_class,
        counter_names=frozenset(registry(instances).counters()),
    )
    state.status_counts[Status.AT_HOME] = pop.n
    owned = {name for m in instances for name in m.writes}
    stand_ins = _StandIns(f for f in module_fields() if f not in owned)
    check_modules([stand_ins, *instances])
    stand_ins.init(state)
    for module in instances:
        module.init(state)
    return TinyRun(state=state, modules=instances)


def tiny_state(scenario: Scenario | str | Path | None = None, *, men: int = 300, seed: int = 1, days: int = 30,
               modules: Sequence[Any] = DEFAULT_MODULES, overrides: Mapping[str, Any] | None = None,
               source: str | Path | None = None) -> State:
    """The State of :func:`tiny_run` (same arguments). Pass module instances to step them::

        movement = Movement()
        state = tiny_state(modules=[movement])
        hand_leaving(state, np.arange(5), day=0)
        step(state, [movement], 0)
    """
    return tiny_run(scenario, men=men, seed=seed, days=days, modules=modules, overrides=overrides,
                    source=source).state


def step(state: State, modules: Sequence[Any], day: int) -> None:
    """Run each module's ``step`` for ``day``, in order (one day of the engine, without recording)."""
    for module in modules:
        module.step(state, day)


def conservation_problems(state: State, day: int = 0) -> list[str]:
    """What the engine's full conservation check finds wrong (empty: every man in exactly one
    status; counts agree with the status column, the queues, the summoned and hiding sets and
    the stock abroad)."""
    recorder = Recorder(state, ())
    recorder.check(state, day, full=True)
    return recorder.problems


def assert_conserved(state: State, day: int = 0) -> None:
    """Raise ``AssertionError`` listing the problems when :func:`conservation_problems` finds any."""
    problems = conservation_problems(state, day)
    assert not problems, "; ".join(problems)


def hand_leaving(state: State, men: npt.ArrayLike, day: int) -> np.ndarray:
    """Hand ``men`` to movement as the decision module does: they set out today (TRAVELLING,
    ``depart_day`` and ``attempts`` set, appended to ``state.leaving``). Returns them (int64)."""
    agents = np.asarray(men, dtype=np.int64)
    state.transition(agents, Status.TRAVELLING)
    state.depart_day[agents] = day
    state.attempts[agents] = np.minimum(state.attempts[agents].astype(np.int64) + 1, 255)
    state.leaving.append(agents)
    return agents


def hand_abroad(state: State, men: npt.ArrayLike, country: str | int) -> np.ndarray:
    """Hand ``men`` to reception and information as movement does when they cross into
    ``country`` (an ISO2 code of the world or its index): TRAVELLING, ``country`` set, appended to
    ``state.entering_country`` and ``state.newly_abroad``. Returns them (int64)."""
    agents = np.asarray(men, dtype=np.int64)
    index = state.world.country_index(country) if isinstance(country, str) else int(country)
    state.transition(agents, Status.TRAVELLING)
    state.crossing[agents] = -1
    state.country[agents] = index
    state.entering_country.append(agents)
    state.newly_abroad.append(agents.copy())
    return agents
