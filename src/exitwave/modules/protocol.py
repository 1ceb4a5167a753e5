"""The module protocol: what a mechanism module declares, and the checks run before day 0.

A module is a class with a ``name``, ``init(state)`` (called once, in module order, before day 0)
and ``step(state, day)`` (called every day, in module order). It declares what it touches on the
:class:`~exitwave.state.State`:

* ``writes`` — the fields it **owns**: it creates them in ``init`` (built-in fields are declared on
  :class:`State`; a new field is added with :meth:`State.add_field`) and is the only module that
  assigns them. Each field has exactly one owner; the engine's own fields (``CORE_FIELDS``: the
  scenario, the world, the population, ``status``, ``due_day``, …) are owned by the run.
* ``reads`` — fields of other owners it reads (consuming a hand-off list counts as reading it);
* ``updates`` — fields of other owners it changes in place through their documented operations
  (removing a man from the decision heap when he is summoned, adding a man to the men in hiding);
* ``outputs`` — the :class:`~exitwave.outputs.Output` s it produces (counters it increments with
  :meth:`State.count`, summary fields, series);
* ``after`` — for a module added to the default list: the name of the module it runs after
  (``None``: at the end of the day).

:func:`check_modules` runs at the start of every run: a field read or updated that no module in
the run writes, a field owned twice, or two modules of one name is an error naming the module and
the field. A test reads each built-in module's source and checks that every ``state.<field>`` it
touches is declared.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from exitwave.errors import InputError

if TYPE_CHECKING:
    from exitwave.outputs import Output
    from exitwave.results import Tally
    from exitwave.state import State

__all__ = ["Module", "MechanismModule", "CORE_FIELDS", "check_modules", "resolve_modules", "field_owners",
           "ModuleError"]

#: Fields of the State owned by the run itself (the engine and State.transition / State.count).
CORE_FIELDS = ("scenario", "world", "pop", "seed", "n_days", "schedule", "status", "status_counts",
               "due_day", "counters", "counter_names", "newly_mobilized", "route_class", "decision_group",
               "extra", "n")


class ModuleError(ValueError):
    """The module list of a run is inconsistent (a field nobody writes, a field owned twice …)."""


@runtime_checkable
class MechanismModule(Protocol):
    """What the engine needs of a module (structural: any class with these members will do)."""

    name: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    updates: tuple[str, ...]

    def init(self, state: State) -> None: ...

    def step(self, state: State, day: int) -> None: ...


class Module:
    """Base class of the built-in modules: empty declarations and no-op steps to override."""

    name: ClassVar[str] = "module"
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    updates: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[Output, ...]] = ()
    after: ClassVar[str | None] = None

    def init(self, state: State) -> None:
        """Create the fields this module owns (called once before day 0)."""

    def step(self, state: State, day: int) -> None:
        """Advance this mechanism by one day."""

    def summarize(self, state: State, tally: Tally) -> dict[str, Any]:
        """Its fields of ``summary.json`` (people); by default its counters with ``summary=True``."""
        return tally.counters(self.outputs)


def field_owners(modules: Sequence[Any]) -> dict[str, str]:
    """Field → owning module name (``run`` for the engine's own fields)."""
    owners = dict.fromkeys(CORE_FIELDS, "run")
    for module in modules:
        for name in module.writes:
            if name in owners:
                raise ModuleError(f"module {module.name!r} writes {name!r}, which {owners[name]!r} already owns: "
                                  "each State field has one owner (declare it in `updates` instead)")
            owners[name] = module.name
    return owners


def check_modules(modules: Sequence[Any]) -> dict[str, str]:
    """Check a run's module list before day 0; returns the field owners.

    Raises :class:`ModuleError` naming the module and the field when a module reads or updates a
    field that no module of the run writes, when a field has two owners, or when two modules
    share a name.
    """
    for module in modules:
        if not isinstance(module, MechanismModule):
            raise ModuleError(f"{module!r} is not a module: it needs name, reads, writes, updates, init() and step()")
    names = [m.name for m in modules]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ModuleError(f"two modules are called {', '.join(map(repr, twice))}: module names must be unique")
    owners = field_owners(modules)
    for module in modules:
        for kind in ("reads", "updates"):
            for name in getattr(module, kind):
                if name not in owners:
                    raise ModuleError(f"module {module.name!r} {kind[:-1]}s State field {name!r}, which no module "
                                      f"of this run writes (modules: {', '.join(names)})")
    return owners


def _import(path: str, source: str, field_path: str) -> Any:
    """The object at ``package.module:Name``."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise InputError(source, field_path, f"expected an import path 'package.module:ClassName', got {path!r}")
    try:
        found = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as error:
        raise InputError(source, field_path, f"cannot import {path!r}: {error}") from None
    return found


def resolve_modules(extra: Iterable[Any] = (), *, base: Sequence[type] | None = None,
                    source: str = "scenario", field_path: str = "modules") -> list[Any]:
    """The module instances of a run: ``base`` (the default list) with ``extra`` placed after the
    module each names in ``after`` (at the end of the day when it names none).

    ``extra`` items may be module instances, module classes or import paths
    ``"package.module:ClassName"`` (how a scenario file names its own modules).
    """
    from exitwave.modules import DEFAULT_MODULES

    modules: list[Any] = [cls() for cls in (DEFAULT_MODULES if base is None else base)]
    for i, item in enumerate(extra):
        if isinstance(item, str):
            item = _import(item, source, f"{field_path}[{i}]")
        module = item() if isinstance(item, type) else item
        after = getattr(module, "after", None)
        if after is None:
            modules.append(module)
            continue
        where = [k for k, m in enumerate(modules) if m.name == after]
        if not where:
            raise InputError(source, f"{field_path}[{i}]",
                             f"module {module.name!r} runs after {after!r}, which is not in the run "
                             f"(modules: {', '.join(m.name for m in modules)})")
        modules.insert(where[0] + 1, module)
    return modules
