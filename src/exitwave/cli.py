"""The ``exitwave`` command line (Typer + Rich).

Exit codes: 0 ok, 1 the run failed, 2 bad input (the message names file, field and expectation).
Progress goes to stderr, so ``--json`` output on stdout stays machine-readable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from exitwave.errors import InputError, RunError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Simulate waves of exit from a war effort and the policies that shape them.")
err = Console(stderr=True)
out = Console()


def people(value: object, signed: bool = False) -> str:
    """Compact number: 950, 12.3k, 1.25M; shares and morale (below 10, not whole) to 3 decimals."""
    value = float(value)  # type: ignore[arg-type]
    sign = ("+" if value > 0 else "−" if value < 0 else "±") if signed else ("−" if value < 0 else "")
    v = abs(value)
    if v != v:  # NaN
        return "–"
    if v >= 1e6:
        text = f"{v / 1e6:.2f}M"
    elif v >= 1e4:
        text = f"{v / 1e3:.1f}k"
    elif v < 10 and v != round(v):
        text = f"{v:.3f}"
    else:
        text = f"{v:,.0f}"
    return sign + text


def _fail_input(error: InputError) -> None:
    # escape: the message quotes user input ("[/]" would be read as markup); soft_wrap: a long
    # path must stay on one line so it can be copied (and grepped) whole.
    err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _progress():  # noqa: ANN202 - rich Progress
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=err, transient=True)


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="bundled scenario name or path to a YAML file")],
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")] = None,
    scale: Annotated[float | None, typer.Option(help="men per agent (1 = full scale)")] = None,
    days: Annotated[int | None, typer.Option(help="number of days to simulate")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="parent folder of the run directory")] = Path("runs"),
    as_json: Annotated[bool, typer.Option("--json", help="print summary.json to stdout")] = False,
) -> None:
    """Run one scenario and write its run directory."""
    from exitwave.engine import Simulation
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    try:
        source = resolve_scenario_path(scenario)
        sim = Simulation(load_scenario(scenario), seed=seed, scale=scale, days=days, source=source)
    except InputError as error:
        _fail_input(error)
        return
    try:
        with _progress() as progress:
            task = progress.add_task(f"{sim.scenario.name}", total=sim.scenario.time.n_days)
            results = sim.run(progress=lambda done, total: progress.update(task, completed=done))
        run_dir = results.save(out_dir)
    except (RunError, MemoryError) as error:
        err.print(f"[bold red]run failed:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error
    if as_json:
        sys.stdout.write(json.dumps(results.summary, indent=2) + "\n")
        err.print(f"run directory: {run_dir}")
        return
    _print_summary(results.summary)
    out.print(f"run directory: [bold]{run_dir}[/]")


def _print_summary(summary: dict) -> None:
    table = Table(title=f"{summary['scenario']} — seed {summary['seed']}, {summary['days']} days from "
                        f"{summary['start']}, 1 agent = {summary['scale']:.1f} men")
    table.add_column("output")
    table.add_column("people", justify="right")
    for key in ("population", "departed", "mobilized", "hiding", "returned", "detained_at_border",
                "protected"):
        table.add_row(key, f"{summary[key]:,}")
    top = sorted(summary["by_destination"].items(), key=lambda kv: -kv[1])[:6]
    for iso, people in top:
        table.add_row(f"abroad in {iso}", f"{people:,}")
    for cid, people in sorted(summary["peak_queue"].items(), key=lambda kv: -kv[1])[:3]:
        table.add_row(f"peak queue {cid}", f"{people:,}")
    table.add_row("conservation", "ok" if summary["conservation_ok"] else "FAILED")
    out.print(table)


@app.command()
def validate(scenario: Annotated[str, typer.Argument(help="bundled scenario name or YAML path")]) -> None:
    """Check a scenario (and its world) without running it."""
    from exitwave.engine import Simulation
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    try:
        source = resolve_scenario_path(scenario)
        sim = Simulation(load_scenario(scenario), source=source)
    except InputError as error:
        _fail_input(error)
        return
    sc = sim.scenario
    out.print("[green]ok[/] " + escape(
        f"{source}: scenario '{sc.name}', {sc.time.n_days} days from {sc.time.start}, "
        f"world '{sim.world.name}' ({sim.world.n_regions} regions, {sim.world.n_crossings} crossings, "
        f"{sim.world.n_countries} countries), {len(sc.policies)} polic{'y' if len(sc.policies) == 1 else 'ies'}"), highlight=False)


@app.command()
def scenarios() -> None:
    """List the bundled scenarios."""
    from exitwave.scenario.load import builtin_scenarios

    table = Table(show_header=True)
    table.add_column("name")
    table.add_column("description")
    for name, description in builtin_scenarios().items():
        table.add_row(name, description)
    out.print(table)


@app.command("compare")
def compare_cmd(
    scenario_names: Annotated[list[str], typer.Argument(metavar="A B [C …]", help="scenarios to compare; the first is the reference")],
    n: Annotated[int, typer.Option("-n", help="seeds per scenario (common random numbers)")] = 8,
    seed: Annotated[int, typer.Option(help="first seed")] = 1,
    scale: Annotated[float | None, typer.Option(help="men per agent")] = None,
    days: Annotated[int | None, typer.Option(help="number of days")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="write every run directory here")] = None,
) -> None:
    """Compare scenarios on the same seeds: medians, 5–95 % bands, paired differences."""
    from exitwave.experiments.comparison import compare

    if len(scenario_names) < 2:
        err.print("[bold red]error:[/] compare needs at least two scenarios")
        raise typer.Exit(2)
    if n < 2:
        err.print("[bold red]error:[/] -n: expected at least 2 seeds (an interval needs an ensemble)")
        raise typer.Exit(2)
    try:
        with _progress() as progress:
            task = progress.add_task("runs", total=n * len(scenario_names))
            result = compare(scenario_names, n=n, seed=seed, scale=scale, days=days, out_dir=out_dir,
                             progress=lambda name, s: progress.advance(task))
    except InputError as error:
        _fail_input(error)
        return
    frame = result.to_frame()
    first = result.names[0]
    table = Table(title=f"{' vs '.join(result.names)} — {n} seeds each, median [5–95 %]; "
                        f"Δ = paired difference from {first}")
    table.add_column("output")
    for name in result.names:
        table.add_column(name, justify="right")
    for name in result.names[1:]:
        table.add_column(f"Δ {name}", justify="right")
    for key, label in result.fields:
        row = frame.loc[key]
        cells = [f"{people(row[f'{name}.median'])} [{people(row[f'{name}.p5'])}–{people(row[f'{name}.p95'])}]"
                 for name in result.names]
        for name in result.names[1:]:
            mark = " *" if row[f"{name}.distinguishable"] else ""
            cells.append(f"{people(row[f'{name}.diff_median'], True)} [{people(row[f'{name}.diff_p5'], True)}"
                         f" … {people(row[f'{name}.diff_p95'], True)}]{mark}")
        table.add_row(label, *cells)
    out.print(table)
    out.print("* the 5–95 % band of the paired difference excludes zero (distinguishable at this ensemble size)")
    if result.run_dirs:
        out.print(f"{len(result.run_dirs)} run directories under [bold]{out_dir}[/]")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
