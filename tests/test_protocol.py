"""The module protocol (:mod:`exitwave.modules.protocol`) and the output registry, enforced.

(a) Every built-in module touches only the State fields it declares: its source is parsed and
    every ``state.<field>`` is checked against its ``reads``/``writes``/``updates``, the run's
    own fields and the State's methods; what it assigns or changes in place is its own or
    declared in ``updates``; every field it owns is created in its ``init``.
(b) ``check_modules`` refuses inconsistent module lists, naming the module and the field.
(c) A run accepts extra modules (``Simulation(modules=…)`` and a scenario's ``modules:``); their
    counters reach the summary and the series; an unregistered counter or a bad import path fails.
(d) Every summary field and series column of real small runs is in the output registry.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exitwave.engine import Simulation
from exitwave.errors import InputError
from exitwave.modules import DEFAULT_MODULES, Decision, Movement
from exitwave.modules.protocol import (
    CORE_FIELDS,
    Module,
    ModuleError,
    check_modules,
    resolve_modules,
)
from exitwave.outputs import Output, registry
from exitwave.scenario.load import load_scenario
from exitwave.state import State
from exitwave.testing import EXAMPLE_SCENARIO, tiny_run
from helpers import run_small

STATE_METHODS = {"transition", "count", "take", "add_field"}
#: Run fields a module may set for its men (the owner of a man's status keeps his due day).
SETTABLE_CORE = {"due_day"}
#: Methods that change the object they are called on (hand-off lists, queues, calendars).
CHANGING_METHODS = {"append", "extend", "clear", "push", "pop", "remove", "add", "add_many", "update",
                    "setdefault", "fill", "sort"}


# --- (a) static check of the built-in modules ------------------------------------------------------
def _state_field(node: ast.AST) -> str | None:
    """``X`` for an expression ``state.X``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "state":
        return node.attr
    return None


def touched_fields(tree: ast.AST) -> dict[str, int]:
    """Every ``state.<field>`` read or written in ``tree`` → its first line."""
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        name = _state_field(node)
        if name is not None:
            found.setdefault(name, getattr(node, "lineno", 0))
    return found


def changed_fields(tree: ast.AST) -> dict[str, int]:
    """Fields assigned (``state.X = …``, ``state.X[i] = …``, ``state.X += …``) or changed in
    place (``state.X.append(…)``, ``np.add.at(state.X, …)``) → their first line."""
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in CHANGING_METHODS:
                targets = [node.func.value]
            elif node.func.attr == "at" and node.args:  # np.add.at(state.X, …)
                targets = [node.args[0]]
        for target in targets:
            for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                while isinstance(item, ast.Subscript):
                    item = item.value
                name = _state_field(item)
                if name is not None:
                    found.setdefault(name, getattr(node, "lineno", 0))
    return found


def undeclared(module: Any, tree: ast.AST) -> list[str]:
    """Problems of ``module`` (a class) given the parsed source of its file; empty when clean."""
    declared = {*module.reads, *module.writes, *module.updates}
    problems = [f"module {module.name!r} touches State field {name!r} (line {line}) without declaring it "
                "in reads, writes or updates"
                for name, line in touched_fields(tree).items()
                if name not in declared and name not in CORE_FIELDS and name not in STATE_METHODS]
    problems += [f"module {module.name!r} changes State field {name!r} (line {line}), which it neither "
                 "owns (writes) nor declares in updates"
                 for name, line in changed_fields(tree).items()
                 if name not in {*module.writes, *module.updates} and name not in SETTABLE_CORE
                 and name not in STATE_METHODS]
    return problems


def _source_tree(module: type) -> ast.Module:
    path = inspect.getsourcefile(module)
    assert path is not None
    return ast.parse(Path(path).read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", DEFAULT_MODULES, ids=[m.name for m in DEFAULT_MODULES])
def test_each_built_in_module_touches_only_what_it_declares(module: Any) -> None:
    problems = undeclared(module, _source_tree(module))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("module", DEFAULT_MODULES, ids=[m.name for m in DEFAULT_MODULES])
def test_each_built_in_module_creates_the_fields_it_owns_in_init(module: Any) -> None:
    tree = _source_tree(module)
    cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == module.__name__)
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "init")
    assigned = {name for node in ast.walk(init) if isinstance(node, ast.Assign)
                for target in node.targets
                for item in (target.elts if isinstance(target, ast.Tuple) else [target])
                if (name := _state_field(item)) is not None}
    missing = [f for f in module.writes if f not in assigned]
    assert not missing, f"module {module.name!r} owns {missing} but does not create them in init()"


def test_each_built_in_module_declares_only_fields_it_uses() -> None:
    for module in DEFAULT_MODULES:
        used = touched_fields(_source_tree(module))
        unused = [f for f in (*module.reads, *module.writes, *module.updates) if f not in used]
        assert not unused, f"module {module.name!r} declares {unused} but never touches them"


def test_the_static_check_finds_an_undeclared_field_and_a_foreign_write() -> None:
    source = textwrap.dedent("""
        class Sloppy(Module):
            def step(self, state, day):
                seen = state.contacts_abroad[state.leaving[0]]
                state.stock[0] += seen.sum()
                state.transition(state.take(state.leaving), 3)
        """)

    class Sloppy(Module):
        name = "sloppy"
        reads = ("leaving", "stock")

    problems = undeclared(Sloppy, ast.parse(source))
    assert any("'sloppy'" in p and "'contacts_abroad'" in p for p in problems), problems
    assert any("changes State field 'stock'" in p for p in problems), problems
    assert len(problems) == 2


# --- (b) check_modules -----------------------------------------------------------------------------
class _Reader(Module):
    name = "reader"
    reads = ("nobody_writes",)


class _OwnerA(Module):
    name = "owner_a"
    writes = ("shared",)


class _OwnerB(Module):
    name = "owner_b"
    writes = ("shared",)


def test_check_modules_accepts_the_default_list_and_returns_the_owners() -> None:
    owners = check_modules([m() for m in DEFAULT_MODULES])
    assert owners["leaving"] == "decision" and owners["crossing"] == "movement" and owners["status"] == "run"


def test_a_field_nobody_writes_is_an_error_naming_module_and_field() -> None:
    with pytest.raises(ModuleError, match=r"module 'reader' reads State field 'nobody_writes'"):
        check_modules([*(m() for m in DEFAULT_MODULES), _Reader()])
    # the default list without decision: a field decision owns is updated by information
    without = [m() for m in DEFAULT_MODULES if m is not Decision]
    with pytest.raises(ModuleError, match=r"module 'information' updates State field 'key'"):
        check_modules(without)


def test_a_field_owned_twice_is_an_error_naming_both_owners() -> None:
    with pytest.raises(ModuleError, match=r"module 'owner_b' writes 'shared', which 'owner_a' already owns"):
        check_modules([_OwnerA(), _OwnerB()])

    class Usurper(Module):
        name = "usurper"
        writes = ("status",)

    with pytest.raises(ModuleError, match=r"'usurper' writes 'status', which 'run' already owns"):
        check_modules([Usurper()])


def test_two_modules_of_one_name_and_a_module_without_steps_are_errors() -> None:
    with pytest.raises(ModuleError, match=r"two modules are called 'movement'"):
        check_modules([Movement(), Movement()])

    class NoSteps:
        name, reads, writes, updates = "no_steps", (), (), ()

    with pytest.raises(ModuleError, match="is not a module"):
        check_modules([NoSteps()])


def test_an_object_without_a_name_is_not_a_module() -> None:
    with pytest.raises(ModuleError, match="is not a module"):
        check_modules([object()])


def test_resolve_modules_places_extra_modules_after_the_module_they_name() -> None:
    class Late(Module):
        name = "late"

    class AfterMovement(Module):
        name = "after_movement"
        after = "movement"

    names = [m.name for m in resolve_modules([Late, AfterMovement()])]
    assert names == ["information", "mobilization", "decision", "movement", "after_movement", "reception",
                     "force", "termination", "late"]

    class Lost(Module):
        name = "lost"
        after = "no_such_module"

    with pytest.raises(InputError, match=r"runs after 'no_such_module', which is not in the run"):
        resolve_modules([Lost])


# --- (c) extra modules in a run --------------------------------------------------------------------
class CrossingTally(Module):
    """A module a user might add: tallies crossings per crossing in its own field."""

    name = "crossing_tally"
    after = "movement"
    reads = ("crossed_today",)
    writes = ("tally_by_crossing",)
    outputs = (Output("tallied_crossings", "crossings tallied", "people", kind="counter"),)

    def init(self, state: State) -> None:
        state.add_field("tally_by_crossing", np.zeros(state.world.n_crossings))

    def step(self, state: State, day: int) -> None:
        state.extra["tally_by_crossing"] += state.crossed_today
        state.count("tallied_crossings", float(state.crossed_today.sum()))


class CountsUndeclared(Module):
    name = "counts_undeclared"

    def step(self, state: State, day: int) -> None:
        state.count("not_a_declared_counter", 1.0)


def _example(**overrides: Any) -> Any:
    return load_scenario(EXAMPLE_SCENARIO, overrides=overrides or None)


def test_an_extra_module_runs_after_movement_and_its_counter_is_reported() -> None:
    sim = Simulation(_example(), source=EXAMPLE_SCENARIO, modules=[CrossingTally()], scale=2000, days=25)
    results = sim.run(keep_state=True)
    assert sim.state is not None
    names = results.provenance["modules"]
    assert names[names.index("movement") + 1] == "crossing_tally"
    assert results.summary["departed"] > 0
    assert results.summary["tallied_crossings"] == results.summary["departed"]
    assert np.allclose(results.series["tallied_crossings"], results.series["departed"])
    assert np.array_equal(sim.state.extra["tally_by_crossing"], sim.state.crossed)
    assert sim.outputs.owner("tallied_crossings") == "crossing_tally"
    assert results.summary["conservation_ok"]


def test_an_extra_module_counting_an_unregistered_counter_fails_naming_it() -> None:
    sim = Simulation(_example(), source=EXAMPLE_SCENARIO, modules=[CountsUndeclared()], scale=2000, days=3)
    with pytest.raises(KeyError, match="not_a_declared_counter"):
        sim.run()


def test_an_extra_module_works_alone_on_a_tiny_state() -> None:
    run = tiny_run(modules=[Movement, CrossingTally], men=300, days=3)
    assert run.state.counter_names is not None and "tallied_crossings" in run.state.counter_names
    run.step(3)
    assert np.array_equal(run.state.extra["tally_by_crossing"], run.state.crossed)


def test_a_scenario_names_its_modules_by_import_path() -> None:
    path = f"{CrossingTally.__module__}:{CrossingTally.__name__}"
    sim = Simulation(_example(modules=[path]), source=EXAMPLE_SCENARIO, scale=2000, days=10)
    results = sim.run()
    assert "crossing_tally" in results.provenance["modules"]
    assert "tallied_crossings" in results.summary


def test_a_scenario_module_that_cannot_be_imported_is_bad_input() -> None:
    with pytest.raises(InputError, match=r"modules\[0\]: cannot import 'exitwave.no_such_module:Thing'") as caught:
        Simulation(_example(modules=["exitwave.no_such_module:Thing"]), source=EXAMPLE_SCENARIO)
    assert caught.value.field == "modules[0]"
    with pytest.raises(InputError, match=r"modules\[1\]: cannot import 'exitwave.modules:NoSuchModule'"):
        Simulation(_example(modules=[f"{CrossingTally.__module__}:CrossingTally",
                                     "exitwave.modules:NoSuchModule"]), source=EXAMPLE_SCENARIO)


def test_an_inconsistent_scenario_module_list_is_bad_input() -> None:
    with pytest.raises(InputError, match=r"modules"):
        Simulation(_example(modules=["exitwave.modules.movement:Movement"]), source=EXAMPLE_SCENARIO)


def test_the_command_line_reports_a_bad_module_path_with_exit_code_2(tmp_path: Path) -> None:
    scenario = tmp_path / "extra.yaml"
    scenario.write_text(f"extends: {EXAMPLE_SCENARIO}\nname: extra\n"
                        "modules: ['exitwave.no_such_module:Thing']\n", encoding="utf-8")
    env = {"NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb", "PATH": "/usr/bin:/bin"}
    commands = (["validate", str(scenario)], ["run", str(scenario), "--scale", "20000", "--days", "2"])
    running = [subprocess.Popen([sys.executable, "-m", "exitwave", *args], cwd=tmp_path, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for args in commands]
    for process in running:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 2, stderr
        assert "Traceback" not in stderr
        assert f"error: {scenario}: modules[0]: cannot import 'exitwave.no_such_module:Thing'" in stderr
        assert stdout == ""
    assert not (tmp_path / "runs").exists()


# --- (d) every output of a real run is registered --------------------------------------------------
@pytest.fixture(scope="module", params=["captor-credibility", "ruritania-callup"])
def small_run(request: pytest.FixtureRequest) -> Any:
    if request.param == "captor-credibility":  # with a front: force and termination outputs
        return run_small("captor-credibility", scale=5000, days=20)
    return run_small(EXAMPLE_SCENARIO, scale=500, days=30)


def test_every_summary_field_is_registered(small_run: Any) -> None:
    reg = registry()
    summary = small_run.summary
    assert reg.unregistered(summary) == []
    for name, value in summary.items():
        output = reg.get(name)
        if isinstance(value, dict):
            assert output.family, f"summary field {name!r} holds a dict but is not declared as a family"
            assert reg.unregistered(f"{name}.{key}" for key in value) == []
        else:
            assert output.kind in ("summary", "counter"), f"{name!r} is a {output.kind}, not a summary field"
    if small_run.scenario.front is not None:
        assert {"killed", "force_strength", "war_end_day", "mean_morale"} <= set(summary)


def test_every_series_column_is_registered(small_run: Any) -> None:
    reg = registry()
    columns = list(small_run.series.columns)
    assert reg.unregistered(columns) == []
    for counter in reg.counters():
        assert counter in columns, f"counter {counter!r} has no series column"
