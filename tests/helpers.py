"""Helpers shared by tests: small, fast runs of the bundled scenarios."""

from __future__ import annotations

import csv
from pathlib import Path

from exitwave.engine import Simulation
from exitwave.results import Results
from exitwave.scenario.load import load_scenario, resolve_scenario_path
from exitwave.scenario.schema import Scenario

SMALL_SCALE = 2000.0  # men per agent: ~20,000 agents, a run takes well under a second


def run_small(scenario: str | Path | Scenario, keep: list | None = None, **kwargs) -> Results:
    """Run at small scale with the full conservation check every day.

    ``scenario``: a bundled name, a YAML path (its world is found relative to the file, as the
    command line does) or a Scenario.

    Pass ``keep=[]`` to receive the Simulation (with its final state) in that list.
    """
    loaded = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    if isinstance(scenario, str | Path) and Path(scenario).suffix in (".yaml", ".yml"):
        kwargs.setdefault("source", resolve_scenario_path(scenario))  # its world is relative to the file
    kwargs.setdefault("scale", SMALL_SCALE)
    kwargs.setdefault("days", 40)
    kwargs.setdefault("full_check_every", 1)
    sim = Simulation(loaded, **kwargs)
    results = sim.run(keep_state=keep is not None)
    if keep is not None:
        keep.append(sim)
    return results


def edit_csv(path: Path, row: int, column: str, value: str) -> None:
    """Set a cell; ``row`` is the line of the file (header = row 1), as in the error messages."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def plain_cli_env() -> dict[str, str]:
    """The environment of a command line run as a subprocess whose output a test reads: no
    colours, a fixed width, and not a terminal (so progress comes as plain lines)."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(NO_COLOR="1", COLUMNS="120", TERM="dumb")
    return env


def finished_runs(folder: Path) -> int:
    """Run folders under ``folder/runs`` whose summary.json is written (finished runs)."""
    return len(list(folder.glob("runs/*/summary.json")))


def interrupt_after(command: list[str], env: dict[str, str], log: Path, ready) -> int:  # noqa: ANN001 - callable
    """Start ``command`` (output to ``log``), send it SIGINT once ``ready()`` holds and return its
    exit code (it must still be running then: a job that finished first tests nothing)."""
    import signal
    import subprocess
    import time

    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, text=True)
        deadline = time.monotonic() + 600
        while not ready() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        return process.wait(timeout=120)
