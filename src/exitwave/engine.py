"""Simulation: builds the State from a Scenario and runs the modules in their documented order.

Order of a day (see docs/architecture.md): information → mobilization → decision → movement →
reception → force → termination → recorder; modules a run adds go after the module they name in
``after`` (:mod:`exitwave.modules.protocol`). Before day 0 the module list is checked (every field
read is written by some module, each field has one owner) and the counters the modules declare
become the only ones :meth:`State.count` accepts. Each module's time is measured, so a user can
see where a run spends it (``Results.provenance["seconds"]``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from exitwave.errors import InputError, RunError
from exitwave.modules.events import compile_schedule
from exitwave.modules.protocol import Module, ModuleError, check_modules, resolve_modules
from exitwave.outputs import OutputRegistry, registry
from exitwave.population import men_by_age, route_classes_and_groups, synthesize
from exitwave.recorder import Recorder
from exitwave.results import Results, build_results
from exitwave.scenario.load import with_run_options
from exitwave.scenario.schema import Scenario
from exitwave.state import State
from exitwave.vocabulary import Status
from exitwave.world import load_world

__all__ = ["Simulation", "check_runs", "run"]

ProgressCallback = Callable[[int, int], None]

AGENT_BYTES = 100
"""Peak memory of a run per agent (bytes): 3.65 GB for 40 M agents × 365 days (benchmarks/README.md),
rounded up."""

MAX_AGENT_ID = 2**31 - 1
"""Agent ids are stored as 32-bit integers (heaps, units)."""


def max_agents() -> int:
    """Most agents one run may have: what 32-bit agent ids allow and what fits in this machine's
    physical memory at :data:`AGENT_BYTES` each."""
    import os

    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: 32-bit ids only
        return MAX_AGENT_ID
    return int(min(MAX_AGENT_ID, memory // AGENT_BYTES))


def _is_bundled(folder: Path) -> bool:
    from importlib import resources

    bundled = Path(str(resources.files("exitwave.data") / "worlds")).resolve()
    return folder.resolve().parent == bundled


class Simulation:
    """One run of one scenario with one seed.

    >>> from exitwave import load_scenario, Simulation
    >>> sim = Simulation(load_scenario("russia-2022"), scale=2000, days=10)
    >>> results = sim.run()
    >>> results.summary["conservation_ok"]
    True
    """

    def __init__(self, scenario: Scenario, *, seed: int | None = None, scale: float | None = None,
                 days: int | None = None, source: str | Path | None = None,
                 full_check_every: int = 0, modules: Sequence[Any] = ()) -> None:
        source = source or scenario.source_file  # a scenario loaded from a file remembers it
        self.source = Path(source) if source else None
        label = str(self.source) if self.source else scenario.name
        # the run's options are validated like the file's fields (a NaN scale, 0 days or a seed
        # of 2**64 is bad input, not a traceback deep in the engine)
        self.scenario = with_run_options(scenario, seed=seed, scale=scale, days=days, source=label)
        started = time.perf_counter()
        self.world = load_world(self.scenario.world,
                                relative_to=self.source.parent if self.source else None)
        self._check_scale(label, scale_option=scale is not None)
        if self.world.folder.name != self.scenario.world or not _is_bundled(self.world.folder):
            # a world given by path: record where it was found, so the saved scenario re-runs
            self.scenario = self.scenario.model_copy(update={"world": str(self.world.folder.resolve())})
        self.schedule = compile_schedule(self.scenario, self.world, label)
        # The module list: the default mechanisms, the scenario's own (import paths), then the
        # caller's; checked now, so an inconsistent list fails before any work.
        self.extra_modules = [*self.scenario.modules, *modules]
        checked = resolve_modules(self.extra_modules, source=label)
        try:
            check_modules(checked)
            self.outputs: OutputRegistry = registry(checked)
        except (ModuleError, ValueError) as error:
            raise InputError(label, "modules", str(error)) from None
        self.build_seconds: dict[str, float] = {"world": time.perf_counter() - started}
        self.full_check_every = full_check_every
        self.state: State | None = None  # kept after run(keep_state=True), for inspection
        self.modules: list[Module] = []  # the run's module instances, kept with the state

    def _check_scale(self, label: str, scale_option: bool) -> None:
        """Men per agent may not exceed the men the world has (below one agent the run would be
        one agent standing for everybody, whatever scale was asked), nor leave a front of fewer
        than ``GROUP_AGENTS`` agents (``exitwave.modules.force.front_scale_problem``)."""
        spec = self.scenario.population
        men = float(men_by_age(self.world, spec.age_min, spec.age_max, spec.sexes).sum())
        if not spec.scale <= men:
            field = "--scale (population.scale)" if scale_option else "population.scale"
            if men > 0:
                expected = (f"expected at most {men:,.0f} men per agent (the men aged {spec.age_min}–"
                            f"{spec.age_max} in world {self.world.name!r}: one agent for all of them)")
            else:
                expected = f"expected a world with men aged {spec.age_min}–{spec.age_max}; world {self.world.name!r} has none"
            raise InputError(label, field, f"{expected}; got {spec.scale:g}")
        # agents must fit: agent ids are 32-bit (heaps, units) and each agent costs memory
        agents = men / spec.scale
        most = max_agents()
        if agents > most:
            field = "--scale (population.scale)" if scale_option else "population.scale"
            raise InputError(label, field, f"expected at least {men / most:,.1f} men per agent: "
                                           f"{men:,.0f} men at {spec.scale:g} per agent are {agents:,.0f} agents, "
                                           f"more than the {most:,} this machine's memory holds "
                                           f"(about {AGENT_BYTES} bytes each)")
        # the front's accounting needs a few agents (exitwave.modules.force.front_scale_problem)
        from exitwave.modules.force import check_front_scale

        check_front_scale(self.scenario, label, "--scale (population.scale)" if scale_option else "population.scale")

    def _build_state(self) -> State:
        sc = self.scenario
        started = time.perf_counter()
        pop = synthesize(self.world, sc.population, sc.seed)
        self.build_seconds["population"] = time.perf_counter() - started
        route_class, decision_group = route_classes_and_groups(pop, sc.behaviour.air_min_means)
        n = pop.n
        state = State(
            scenario=sc, world=self.world, pop=pop, seed=sc.seed, n_days=sc.time.n_days,
            schedule=self.schedule, status=np.zeros(n, np.uint8), due_day=np.full(n, -1, np.int32),
            decision_group=decision_group, route_class=route_class,
            counter_names=frozenset(self.outputs.counters()),
        )
        state.status_counts[Status.AT_HOME] = n
        return state

    def run(self, progress: ProgressCallback | None = None, keep_state: bool = False) -> Results:
        """Run every day; returns :class:`~exitwave.results.Results` (in people).

        ``keep_state=True`` keeps the final :class:`~exitwave.state.State` on ``self.state``
        (agent columns included) and the run's modules on ``self.modules`` for inspection in
        tests and notebooks.
        """
        with _ctrl_c_through_numba():
            return self._run(progress, keep_state)

    def _run(self, progress: ProgressCallback | None, keep_state: bool) -> Results:
        wall = time.perf_counter()
        state = self._build_state()
        modules = resolve_modules(self.extra_modules)  # fresh instances: a run starts clean
        module_seconds = dict.fromkeys((m.name for m in modules), 0.0)
        started = time.perf_counter()
        for module in modules:
            module.init(state)
        self.build_seconds["modules_init"] = time.perf_counter() - started
        recorder = Recorder(state, self.outputs.counters(), full_check_every=self.full_check_every)
        for day in range(state.n_days):
            for module in modules:
                t0 = time.perf_counter()
                module.step(state, day)
                module_seconds[module.name] += time.perf_counter() - t0
            recorder.record(state, day)
            if progress is not None:
                progress(day + 1, state.n_days)
        recorder.check(state, state.n_days - 1, full=True)
        if recorder.problems and self.full_check_every:
            raise RunError("conservation failed: " + "; ".join(recorder.problems[:3]))
        runtime = time.perf_counter() - wall
        if keep_state:
            self.state, self.modules = state, modules
        return build_results(state, recorder, runtime, modules=modules, outputs=self.outputs,
                             timings={**{f"build.{k}": v for k, v in self.build_seconds.items()},
                                      **{f"step.{k}": v for k, v in module_seconds.items()}},
                             source=str(self.source) if self.source else None)


@contextlib.contextmanager
def _ctrl_c_through_numba() -> Iterator[None]:
    """Ctrl-C that lands inside a compiled kernel surfaces as ``SystemError: … returned a result
    with an exception set`` caused by the KeyboardInterrupt; give the callers (which say what was
    kept and how to resume) the KeyboardInterrupt itself."""
    try:
        yield
    except SystemError as error:
        cause: BaseException | None = error
        while cause is not None and not isinstance(cause, KeyboardInterrupt):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        raise KeyboardInterrupt from None


def check_runs(scenario: Scenario | str | Path, *, seeds: Sequence[int] = (), scale: float | None = None,
               days: int | None = None, source: str | Path | None = None,
               overrides: dict[str, Any] | None = None) -> Simulation:
    """Check the runs of an experiment before any is launched: ``scenario`` (a name, a path or a
    loaded Scenario from ``source``) with each of ``seeds``, ``scale`` men per agent and ``days``.

    Checks the first seed and builds (does not run) the :class:`Simulation` of the last, so a bad
    option or world is one :class:`~exitwave.errors.InputError` here rather than a failure in
    every worker. Returns that Simulation.
    """
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    if not isinstance(scenario, Scenario):
        source = resolve_scenario_path(scenario)
        scenario = load_scenario(scenario, overrides)
    label = str(source) if source else scenario.name
    ordered = sorted(seeds)
    if len(ordered) > 1:
        with_run_options(scenario, seed=ordered[0], source=label)
    return Simulation(scenario, seed=ordered[-1] if ordered else None, scale=scale, days=days, source=source)


def run(scenario: Scenario | str, *, seed: int | None = None, scale: float | None = None,
        days: int | None = None) -> Results:
    """Load (if given a name or path) and run a scenario."""
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    source = None
    if isinstance(scenario, str):
        source = resolve_scenario_path(scenario)
        scenario = load_scenario(scenario)
    return Simulation(scenario, seed=seed, scale=scale, days=days, source=source).run()
