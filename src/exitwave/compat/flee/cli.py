"""``exitwave flee …``: run a Flee case under Flee 3.1's rules and score it with Flee's ARD."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from exitwave.console import err, out
from exitwave.console import fail_input as _fail_input
from exitwave.errors import InputError, RunError

if TYPE_CHECKING:
    from exitwave.compat.flee.reader import FleeSettings
    from exitwave.compat.flee.simulate import FleeRun

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Flee compatibility: run Flee input folders under Flee 3.1's rules.")


@app.command("run")
def run_cmd(
    input_dir: Annotated[Path, typer.Argument(help="Flee input folder (locations.csv, routes.csv, …)")],
    validation: Annotated[Path, typer.Option("--validation", help="validation folder (data_layout.csv + one CSV per camp)")],
    settings: Annotated[Path | None, typer.Option("--settings", help="Flee simsetting.yml (default: Flee's defaults)")] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="parent folder of the run folder")] = Path("runs"),
    population_fraction: Annotated[float | None, typer.Option("--population-fraction", help="agents per person, in (0, 1] (default: 1/hasten of the settings)")] = None,
    days: Annotated[int | None, typer.Option(help="days to simulate (default: sim_period.csv)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print summary.json to stdout")] = False,
) -> None:
    """Run a Flee case; write per-camp daily series and print the ARD per camp."""
    from exitwave.compat.flee.reader import read_case
    from exitwave.compat.flee.simulate import run_case, warm_up

    if population_fraction is not None and not 0.0 < population_fraction <= 1.0:
        _fail_input(InputError("--population-fraction", "", f"a fraction in (0, 1], got {population_fraction}"))
    if days is not None and days < 1:
        _fail_input(InputError("--days", "", f"at least 1 day, got {days}"))
    try:
        world, flee_settings, observed = read_case(input_dir, validation, settings)
    except InputError as error:
        _fail_input(error)
    for warning in world.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    jit = warm_up()
    try:
        with err.status(f"running {input_dir.name} (seed {seed})…"):
            result = run_case(world, flee_settings, observed, seed=seed,
                              population_fraction=population_fraction, n_days=days)
    except InputError as error:
        _fail_input(error)
    except (RunError, MemoryError) as error:
        err.print(f"[bold red]run failed:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error
    result.timings["jit_s"] = jit
    summary = _summary(result, input_dir, validation, settings)
    run_dir = write_flee_run(result, summary, flee_settings, out_dir, f"flee-{input_dir.name}")
    if as_json:
        print(json.dumps(summary, indent=2))
        err.print(f"run folder: {run_dir}")
        return
    table = Table(title=f"{input_dir.name}: {len(result.dates)} days from {result.dates[0]}, seed {seed}, "
                        f"{result.agents:,} agents (1 agent = {1 / result.population_fraction:g} people)")
    table.add_column("camp")
    table.add_column("simulated at end", justify="right")
    table.add_column("observed at end", justify="right")
    table.add_column("share of ARD", justify="right")
    f = result.population_fraction
    for c, camp in enumerate(result.camps):
        table.add_row(camp, f"{result.simulated[-1, c] / f:,.0f}", f"{result.observed[-1, c] / f:,.0f}",
                      f"{result.ard_by_camp[camp]:.3f}")
    table.add_row("[bold]ARD[/]", "", "", f"[bold]{result.ard:.3f}[/]")
    table.add_row("ARD rescaled", "", "", f"{result.ard_rescaled:.3f}")
    out.print(table)
    rate = result.agent_steps / max(result.timings["loop_s"], 1e-9)
    out.print(f"{result.agent_steps:,} agent-steps in {result.timings['loop_s']:.2f} s "
              f"({rate / 1e6:.1f} M agent-steps/s; compile or cache load {jit:.2f} s)")
    out.print(f"run folder: [bold]{run_dir}[/]")


def _summary(result: FleeRun, input_dir: Path, validation: Path, settings: Path | None) -> dict:
    from exitwave.results import exitwave_version, git_commit

    return {
        "case": input_dir.name, "input": str(input_dir), "validation": str(validation),
        "settings": str(settings) if settings else None, "seed": result.seed,
        "population_fraction": result.population_fraction, "start": result.dates[0].isoformat(),
        "days": len(result.dates), "agents": result.agents, "agent_steps": result.agent_steps,
        "ard": round(result.ard, 6), "ard_rescaled": round(result.ard_rescaled, 6),
        "ard_by_camp": {k: round(v, 6) for k, v in result.ard_by_camp.items()},
        "conservation_ok": result.conservation_ok,
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
        "version": exitwave_version(), "git_commit": git_commit(),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_flee_run(result: FleeRun, summary: dict, settings: FleeSettings, out_dir: Path, base: str) -> Path:
    """Write ``series.csv``, ``summary.json`` and ``settings.yml`` into a new run folder, atomically
    (:func:`exitwave.results.write_folder`)."""
    import yaml

    from exitwave.results import fresh_name, utc_stamp, write_folder

    def fill(temp: Path) -> None:
        result.series().to_csv(temp / "series.csv")
        (temp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (temp / "settings.yml").write_text(yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False),
                                           encoding="utf-8")

    return write_folder(out_dir, fill, fresh_name(out_dir, f"{base}-{utc_stamp()}-s{result.seed}"))
